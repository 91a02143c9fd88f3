"""Purchase invoices beyond the fixtures: QuickBooks must book what ERPNext's GL shows."""

from __future__ import annotations

from quickbooks_connector.mapping import Skip

from .support import (
	PARTY,
	Resolved,
	as_decimals,
	assert_qbo_rules,
	dec,
	doc,
	global_context,
	tax_row,
	us_context,
)

BASIC_GL = {"Software Subscriptions - WP": 200, "Cost of Goods Sold - WP": 420}


def test_deducted_charge_row_is_a_negative_line_on_its_account():
	bill = doc("purchase_invoice_basic_taxed")
	bill["taxes"].append(
		tax_row("Miscellaneous Expenses - WP", 20.0, "Actual", add_deduct_tax="Deduct", category="Total")
	)
	bill["grand_total"] = bill["rounded_total"] = 651.15
	resolved = Resolved(bill, us_context())
	# ERPNext: Deduct rows credit their account; the supplier is owed 651.15
	assert resolved.ledger().nonzero() == as_decimals(
		{**BASIC_GL, "Input Tax Credit - WP": 51.15, "Miscellaneous Expenses - WP": -20, PARTY: -651.15}
	)
	assert str(resolved.payload.erp_total) == "651.15"


def test_valuation_only_tax_posts_nothing_and_is_not_owed_to_the_supplier():
	bill = doc("purchase_invoice_basic_taxed")
	bill["taxes"].append(tax_row("Freight Charges - WP", 30.0, "Actual", category="Valuation"))
	resolved = Resolved(bill, us_context())
	assert "Freight Charges - WP" not in resolved.ledger().nonzero()
	assert str(resolved.payload.erp_total) == "671.15"


def test_non_us_bill_lets_quickbooks_compute_purchase_tax_from_line_codes():
	ctx = global_context()
	resolved = Resolved(doc("purchase_invoice_basic_taxed"), ctx)
	body = resolved.payload.body
	assert body["GlobalTaxCalculation"] == "TaxExcluded"
	assert [line["AccountBasedExpenseLineDetail"]["TaxCodeRef"]["value"] for line in body["Line"]] == [
		"21",
		"21",
	]
	assert sum(line["Amount"] for line in body["Line"]) == 620, "net lines; QuickBooks adds the tax"
	assert str(resolved.payload.erp_tax) == "51.15"
	assert_qbo_rules(resolved.payload, ctx)


def test_non_us_tax_withheld_is_a_negative_untaxed_line():
	bill = doc("purchase_invoice_basic_taxed")
	bill["taxes"].append(
		tax_row(
			"Input Tax Credit - WP",
			62.0,
			rate=10.0,
			add_deduct_tax="Deduct",
			category="Total",
			is_tax_withholding_account=1,
		)
	)
	bill["grand_total"] = bill["rounded_total"] = 609.15
	resolved = Resolved(bill, global_context())
	withheld = resolved.payload.body["Line"][-1]
	assert str(withheld["Amount"]) == "-62.00"
	assert withheld["AccountBasedExpenseLineDetail"]["TaxCodeRef"]["value"] == "9"
	assert str(resolved.payload.erp_tax) == "51.15"


def test_write_off_reduces_what_is_owed_to_the_supplier():
	bill = doc("purchase_invoice_basic_taxed")
	bill.update(write_off_amount=1.15, write_off_account="Write Off - WP")
	resolved = Resolved(bill, us_context())
	assert resolved.ledger().nonzero() == as_decimals(
		{**BASIC_GL, "Input Tax Credit - WP": 51.15, "Write Off - WP": -1.15, PARTY: -670.00}
	)


def test_rounding_adjustment_on_a_bill():
	bill = doc("purchase_invoice_basic_taxed")
	bill.update(rounded_total=671.0, rounding_adjustment=-0.15, base_rounding_adjustment=-0.15)
	resolved = Resolved(bill, us_context())
	assert resolved.ledger().nonzero() == as_decimals(
		{**BASIC_GL, "Input Tax Credit - WP": 51.15, "Round Off - WP": -0.15, PARTY: -671.00}
	)


def test_paid_invoice_is_followed_by_a_credit_card_bill_payment():
	bill = doc("purchase_invoice_basic_taxed")
	bill.update(is_paid=1, cash_bank_account="Amex Card - WP", paid_amount=671.15)
	resolved = Resolved(bill, us_context())
	(payment,) = resolved.followups
	assert payment.body["PayType"] == "CreditCard"
	assert payment.body["CreditCardPayment"]["CCAccountRef"]["value"] == "902"
	assert payment.body["Line"][0]["LinkedTxn"] == [{"TxnId": "NEW", "TxnType": "Bill"}]
	ledger = resolved.ledger(resolved.payload, payment).nonzero()
	assert ledger["Amex Card - WP"] == dec("-671.15") and PARTY not in ledger


def test_return_reducing_the_original_bill_is_applied_by_a_zero_bill_payment():
	credit = doc("purchase_invoice_return")
	credit["update_outstanding_for_self"] = 0
	resolved = Resolved(credit, us_context())
	assert resolved.payload.entity == "VendorCredit"
	(application,) = resolved.followups
	assert application.body["TotalAmt"] == 0
	assert (
		application.body["CheckPayment"]["BankAccountRef"]["value"]
		== us_context().account_map["Chase Checking - WP"].id
	)
	assert [line["LinkedTxn"][0]["TxnType"] for line in application.body["Line"]] == ["Bill", "VendorCredit"]
	assert {str(line["Amount"]) for line in application.body["Line"]} == {"45.46"}


def test_long_supplier_invoice_number_is_shortened_deterministically():
	bill = doc("purchase_invoice_basic_taxed")
	bill["bill_no"] = "SUPPLIER-INVOICE-2026-000000123456"
	first, second = Resolved(bill, us_context()), Resolved(bill, us_context())
	number = first.payload.body["DocNumber"]
	assert len(number) == 21 and number.startswith("SUPPLIER-") and number == second.payload.body["DocNumber"]
	assert "supplier invoice SUPPLIER-INVOICE-2026-000000123456" in first.payload.body["PrivateNote"]


def test_stock_valuation_postings_are_skipped_with_the_reason():
	bill = doc("purchase_invoice_basic_taxed")
	bill["update_stock"] = 1
	bill["items"][1]["item_tax_amount"] = 34.65
	result = Resolved(bill, us_context()).payload
	assert isinstance(result, Skip) and "stock ledger" in result.reason
