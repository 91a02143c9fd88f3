"""A document QuickBooks cannot hold, or would total differently from ERPNext, fails in the mapping with a message
that names the ERPNext row and field, before anything is written to QuickBooks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quickbooks_connector.mapping import MappingError, QBOPayload, customer_payload, vendor_payload
from quickbooks_connector.mapping.limits import QTY_PRICE_PLACES, check_payload, digits
from quickbooks_connector.mapping.money import money
from quickbooks_connector.mapping.payload import Origin

from .support import (
	Resolved,
	assert_qbo_rules,
	doc,
	global_context,
	item,
	purchase_invoice,
	sales_invoice,
	tax_row,
	us_context,
)

# -- currencies ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
	("label", "field"),
	[
		("sales_invoice_eur", "currency"),
		("purchase_invoice_basic_taxed", "currency"),
		("payment_entry_receive_eur", "paid_from_account_currency"),
	],
)
def test_a_document_in_a_currency_that_is_no_iso_code_is_refused(label, field):
	document = doc(label)
	document[field] = "XYZ"
	if "party_account_currency" in document:
		document["party_account_currency"] = "XYZ"

	with pytest.raises(MappingError) as raised:
		Resolved(document, us_context())

	text = str(raised.value)
	assert f"{document['doctype']} {document['name']} is in currency 'XYZ', which is not an ISO 4217" in text
	assert "then press Retry" in text


@pytest.mark.parametrize("build", [customer_payload, vendor_payload])
def test_a_party_whose_currency_is_no_iso_code_is_not_created(build):
	party = {
		"name": "Globex",
		"customer_name": "Globex",
		"supplier_name": "Globex",
		"default_currency": "XYZ",
	}

	with pytest.raises(MappingError, match="'Globex' is in currency 'XYZ', which is not an ISO 4217"):
		build(party, us_context(), "Globex")


def test_real_currencies_pass_in_any_case():
	document = doc("sales_invoice_eur")
	document["currency"] = "eur"
	assert Resolved(document, us_context()).payload.body["CurrencyRef"] == {"value": "EUR"}
	assert customer_payload({"name": "Globex", "default_currency": "JPY"}, us_context(), "Globex")[
		"CurrencyRef"
	] == {"value": "JPY"}


# -- amounts QuickBooks cannot hold ------------------------------------------------------------------------------


def test_an_amount_quickbooks_cannot_hold_names_the_items_row_and_field():
	huge = 12345678901234.56  # 16 digits, 14 before the decimal point
	rows = [item("WIDGET-A", 1, 10.0, 10.0), item("HUGE", 1, huge, huge)]
	total = huge + 10.0
	invoice = sales_invoice(rows, [], net_total=total, grand_total=total, rounded_total=total)

	with pytest.raises(MappingError) as raised:
		Resolved(invoice, us_context())

	assert str(raised.value).startswith(
		f"Sales Invoice {invoice['name']}: Items row 2 (HUGE): Amount 12,345,678,901,234.56 is more than "
		"QuickBooks can hold (at most 10 digits before the decimal point and 15 digits in all)."
	)


def test_a_tax_row_quickbooks_cannot_hold_is_named_as_the_taxes_table_row():
	bill = purchase_invoice(
		[item("WIDGET-A", 1, 100.0, 100.0)],
		[tax_row("Input Tax Credit - WP", 98765432109.0, description="Import duty")],
		grand_total=98765432209.0,
		rounded_total=98765432209.0,
		rounding_adjustment=0.0,
		base_rounding_adjustment=0.0,
	)

	with pytest.raises(MappingError) as raised:
		Resolved(bill, us_context())

	assert "Purchase Taxes and Charges row 1 (Import duty): Amount 98,765,432,109.00 is more than" in str(
		raised.value
	)


def test_every_value_of_the_payload_is_checked_in_one_error():
	payload = QBOPayload(
		"Invoice",
		{
			"ExchangeRate": Decimal("1.1234567890123456"),
			"Line": [
				{
					"DetailType": "SalesItemLineDetail",
					"Amount": Decimal("1.00"),
					"SalesItemLineDetail": {"Qty": Decimal("0.12345678"), "UnitPrice": Decimal("8.1")},
				},
			],
			"TxnTaxDetail": {"TotalTax": Decimal("0")},
		},
		"INV-1",
		Decimal("1.00"),
		origins=(Origin("Items row 1 (A)"),),
	)

	with pytest.raises(MappingError) as raised:
		check_payload(payload, "Sales Invoice INV-1")

	text = str(raised.value)
	assert "Exchange Rate 1.1234567890123456 has more than the 15 digits QuickBooks keeps" in text
	assert "Items row 1 (A): Quantity 0.12345678 has more digits than QuickBooks keeps" in text


# -- totals QuickBooks would compute differently ------------------------------------------------------------------


def fitted_lines(payload: QBOPayload) -> list[dict]:
	return [line for line in payload.body["Line"] if "Qty" in line.get("SalesItemLineDetail", {})]


def test_unit_price_is_sent_only_as_quickbooks_keeps_it():
	"""ERPNext keeps rates to 9 decimals; QuickBooks keeps 7 of a UnitPrice and would compute 1,000,000 x
	0.1234568 = 123,456.80, not ERPNext's 123,456.79: that line goes as its amount, quantity and rate in words."""
	rows = [
		item("BOLT", 1000000, 0.123456789, 123456.79, net_rate=0.123456789),
		item("NUT", 3, 3.33333333, 10.0, net_rate=3.33333333),
	]
	invoice = sales_invoice(rows, [], net_total=123466.79, grand_total=123466.79, rounded_total=123466.79)
	ctx = us_context()

	payload = Resolved(invoice, ctx).payload

	bolt, nut = payload.body["Line"][:2]
	assert "Qty" not in bolt["SalesItemLineDetail"] and bolt["Amount"] == Decimal("123456.79")
	assert "(1000000 x 0.123456789)" in bolt["Description"]
	assert (nut["SalesItemLineDetail"]["Qty"], nut["SalesItemLineDetail"]["UnitPrice"]) == (
		3,
		Decimal("3.333"),
	)
	for line in fitted_lines(payload):
		detail = line["SalesItemLineDetail"]
		assert (
			digits(detail["UnitPrice"])[1] <= QTY_PRICE_PLACES
			and digits(detail["Qty"])[1] <= QTY_PRICE_PLACES
		)
		assert money(detail["Qty"] * detail["UnitPrice"]) == line["Amount"]
	assert_qbo_rules(payload, ctx)


def test_a_quantity_quickbooks_would_round_goes_as_the_amount():
	rows = [item("CABLE-M", 0.123456789, 100.0, 12.35, net_rate=100.0)]
	invoice = sales_invoice(rows, [], net_total=12.35, grand_total=12.35, rounded_total=12.35)

	line = Resolved(invoice, us_context()).payload.body["Line"][0]

	assert "Qty" not in line["SalesItemLineDetail"] and line["Amount"] == Decimal("12.35")
	assert "(0.123456789 x 100)" in line["Description"]


def test_a_line_whose_amount_is_not_quantity_times_rate_is_refused():
	payload = QBOPayload(
		"Invoice",
		{
			"Line": [
				{
					"DetailType": "SalesItemLineDetail",
					"Amount": Decimal("10.00"),
					"SalesItemLineDetail": {"Qty": Decimal("3"), "UnitPrice": Decimal("3.33")},
				}
			],
			"TxnTaxDetail": {"TotalTax": Decimal("0")},
		},
		"INV-1",
		Decimal("10.00"),
		origins=(Origin("Items row 1 (NUT)"),),
	)

	with pytest.raises(MappingError) as raised:
		check_payload(payload, "Sales Invoice INV-1")

	assert str(raised.value) == (
		"Sales Invoice INV-1: Items row 1 (NUT): QuickBooks computes the line as Quantity x Rate = 3 x 3.33 = 9.99, "
		"not its Amount 10.00. Correct the quantity, rate or amount in ERPNext (cancel and amend the document), "
		"then press Retry on the QuickBooks sync record."
	)


@pytest.mark.parametrize("context", [us_context, global_context])
def test_lines_that_do_not_add_up_to_the_erpnext_total_are_refused(context):
	ctx = context()
	payload = Resolved(doc("sales_invoice_basic_taxed"), ctx).payload
	short = QBOPayload(
		payload.entity,
		payload.body,
		payload.doc_number,
		payload.erp_total + Decimal("1.00"),
		payload.erp_tax,
		origins=payload.origins,
	)

	check_payload(payload, "Sales Invoice X")
	with pytest.raises(MappingError, match=f"QuickBooks would total the Invoice at {payload.erp_total:,}"):
		check_payload(short, "Sales Invoice X")
