"""Non-US QuickBooks companies: a real tax code on every line, QuickBooks computes the tax."""

from __future__ import annotations

import json

import pytest

from quickbooks_connector.mapping import MappingError, QBOTaxCodeRef

from .support import (
	EXEMPT,
	Resolved,
	assert_qbo_rules,
	doc,
	global_context,
	tax_row,
	us_context,
)

COMBINED = QBOTaxCodeRef("30", "GST + PST")


def two_tax_invoice() -> dict:
	invoice = doc("sales_invoice_basic_taxed")
	# 6% and 4% on the net total of 1559.97
	invoice["taxes"] = [tax_row("ST 6% - WP", 93.60, rate=6.0), tax_row("ST 4% - WP", 62.40, rate=4.0)]
	invoice["grand_total"] = invoice["rounded_total"] = 1715.97
	return invoice


def codes_of(payload) -> list[str]:
	return [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in payload.body["Line"]]


def test_quickbooks_computes_the_tax_from_line_codes():
	ctx = global_context()
	payload = Resolved(doc("sales_invoice_basic_taxed"), ctx).payload
	assert codes_of(payload) == ["20", "20"]
	assert payload.body["GlobalTaxCalculation"] == "TaxExcluded"
	assert "TxnTaxDetail" not in payload.body
	assert str(payload.erp_tax) == "128.70", "the engine compares this with the tax QuickBooks computes"
	assert sum(line["Amount"] for line in payload.body["Line"]) == payload.erp_total - payload.erp_tax
	assert_qbo_rules(payload, ctx)


def test_two_tax_accounts_on_a_line_use_their_combined_code():
	ctx = global_context(tax_code_map={"ST 6% - WP": COMBINED, "ST 4% - WP": COMBINED})
	payload = Resolved(two_tax_invoice(), ctx).payload
	assert codes_of(payload) == ["30", "30"]
	assert str(payload.erp_tax) == "156.00"


def test_two_tax_accounts_mapped_to_different_codes_explain_the_combined_code():
	ctx = global_context(
		tax_code_map={"ST 6% - WP": QBOTaxCodeRef("31", "GST"), "ST 4% - WP": QBOTaxCodeRef("32", "PST")}
	)
	with pytest.raises(MappingError) as raised:
		Resolved(two_tax_invoice(), ctx)
	text = str(raised.value)
	assert "'ST 4% - WP' -> PST" in text and "'ST 6% - WP' -> GST" in text
	assert "one combined QuickBooks tax code" in text
	assert "Items row 1 (CONSULT-HR)" in text and "Items row 2 (WIDGET-A)" in text


def test_item_tax_template_mapping_wins_and_zero_rated_items_get_the_exempt_code():
	invoice = two_tax_invoice()
	zero = json.dumps({"ST 6% - WP": 0, "ST 4% - WP": 0})
	invoice["items"][0].update(item_tax_template="Zero Rated - WP", item_tax_rate=zero)
	invoice["items"][1].update(item_tax_rate=zero)
	# nothing is taxed any more
	invoice["taxes"] = [tax_row("ST 6% - WP", 0.0, rate=6.0), tax_row("ST 4% - WP", 0.0, rate=4.0)]
	invoice["grand_total"] = invoice["rounded_total"] = 1559.97
	ctx = global_context(
		tax_code_map={
			"ST 6% - WP": COMBINED,
			"ST 4% - WP": COMBINED,
			"Zero Rated - WP": QBOTaxCodeRef("40", "Zero"),
		}
	)
	assert codes_of(Resolved(invoice, ctx).payload) == ["40", EXEMPT.id]


def test_unmapped_tax_account_is_named_with_where_it_taxes():
	ctx = global_context(tax_code_map={"ST 6% - WP": COMBINED})
	with pytest.raises(MappingError) as raised:
		Resolved(two_tax_invoice(), ctx)
	assert (
		"ERPNext tax account 'ST 4% - WP' (the tax on Items row 1 (CONSULT-HR); Items row 2 (WIDGET-A)) is not "
		"mapped to a QuickBooks tax code. Add it under QuickBooks Settings > Tax Mapping, then press Retry"
	) in str(raised.value)


def test_untaxed_line_without_an_exempt_code_is_an_actionable_error():
	with pytest.raises(
		MappingError, match="Tax Code for Untaxed Lines under QuickBooks Settings > Tax Mapping"
	):
		Resolved(doc("sales_invoice_eur"), global_context(exempt_tax_code=None))


def test_fixed_amount_tax_is_a_line_on_its_tax_account_outside_us():
	invoice = doc("sales_invoice_basic_taxed")
	invoice["taxes"].append(tax_row("VAT 19% - WP", 10.0, "Actual"))
	invoice["grand_total"] = invoice["rounded_total"] = 1698.67
	elsewhere = Resolved(invoice, global_context())
	last = elsewhere.payload.body["Line"][-1]
	assert elsewhere.items[last["SalesItemLineDetail"]["ItemRef"]["value"]].income_account_name == "VAT 19%"
	assert last["SalesItemLineDetail"]["TaxCodeRef"]["value"] == EXEMPT.id
	assert str(elsewhere.payload.erp_tax) == "128.70"
	# in the US it is simply part of the sales tax
	assert str(Resolved(invoice, us_context()).payload.body["TxnTaxDetail"]["TotalTax"]) == "138.70"


def test_credit_memo_lines_carry_codes_too():
	ctx = global_context()
	payload = Resolved(doc("sales_invoice_return"), ctx).payload
	assert codes_of(payload) == ["20"] and str(payload.erp_tax) == "1.65"
	assert_qbo_rules(payload, ctx)
