"""Sales invoices beyond the fixtures, built from their shapes. Each test states the amounts ERPNext computes and the
GL it posts, and checks QuickBooks would book the same."""

from __future__ import annotations

import pytest

from quickbooks_connector.mapping import MappingError, Skip, item_name_candidates

from .support import (
	PARTY,
	TAX,
	Resolved,
	as_decimals,
	assert_qbo_rules,
	dec,
	doc,
	global_context,
	item,
	sales_invoice,
	tax_row,
	us_context,
)

BASIC_GL = {"Consulting Income - WP": -1500, "Sales - WP": -59.97}


def with_freight(charge_type="Actual", amount=25.0) -> dict:
	invoice = doc("sales_invoice_basic_taxed")
	invoice["taxes"].append(tax_row("Freight Charges - WP", amount, charge_type))
	invoice["grand_total"] = invoice["rounded_total"] = 1713.67
	return invoice


def test_actual_charge_on_a_non_tax_account_is_its_own_untaxed_line():
	resolved = Resolved(with_freight(), us_context())
	freight = resolved.payload.body["Line"][-1]
	spec = resolved.items[freight["SalesItemLineDetail"]["ItemRef"]["value"]]
	assert spec.name == "ERPNext - Freight Charges"
	assert freight["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "NON"}
	assert "Qty" not in freight["SalesItemLineDetail"]
	assert str(resolved.payload.body["TxnTaxDetail"]["TotalTax"]) == "128.70"
	assert resolved.ledger().nonzero() == as_decimals(
		{**BASIC_GL, "Freight Charges - WP": -25, TAX: -128.70, PARTY: 1713.67}
	)


def test_tax_on_previous_row_total_taxes_the_freight_too():
	invoice = doc("sales_invoice_basic_taxed")
	# ERPNext: freight 25 (row 1), then 8.25% on the running total (1559.97 + 25) = 130.76
	invoice["taxes"] = [
		tax_row("Freight Charges - WP", 25.0, "Actual"),
		tax_row("Sales Tax Payable - WP", 130.76, "On Previous Row Total", 8.25, row_id="1"),
	]
	invoice["grand_total"] = invoice["rounded_total"] = 1715.73
	us = Resolved(invoice, us_context())
	assert [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in us.payload.body["Line"]] == [
		"TAX"
	] * 3
	assert us.ledger().nonzero() == as_decimals(
		{**BASIC_GL, "Freight Charges - WP": -25, TAX: -130.76, PARTY: 1715.73}
	)

	ctx = global_context()
	elsewhere = Resolved(invoice, ctx)
	codes = [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in elsewhere.payload.body["Line"]]
	assert codes == ["20", "20", "20"], "QuickBooks computes VAT on the freight line as ERPNext did"
	assert str(elsewhere.payload.erp_tax) == "130.76"
	assert_qbo_rules(elsewhere.payload, ctx)


def test_taxes_included_in_print_rate_post_net_income_and_the_cent_ERPNext_rounds_off():
	# 3 x 10.00 including 8.25%: net 9.24 each (27.72), tax 2.29, grand total 30.00; ERPNext's debit and credits
	# differ by 0.01, which it books to the round-off account
	rows = [item("WIDGET-A", 1, 10.0, 9.24, income_account="Sales - WP") for _ in range(3)]
	invoice = sales_invoice(
		rows,
		[tax_row("Sales Tax Payable - WP", 2.29, rate=8.25, included_in_print_rate=1)],
		net_total=27.72,
		total=30.0,
		grand_total=30.0,
		rounded_total=30.0,
	)
	resolved = Resolved(invoice, us_context())
	assert resolved.ledger().nonzero() == as_decimals(
		{"Sales - WP": -27.72, TAX: -2.29, "Round Off - WP": 0.01, PARTY: 30.0}
	)
	assert (
		len(resolved.deps.items) == 2
	), "one Item for the repeated WIDGET-A lines, one for the round-off account"
	assert str(resolved.payload.erp_total) == "30.00"
	assert_qbo_rules(resolved.payload, us_context())


def grand_total_discount(**fields) -> dict:
	# 4 x 25 = 100, 10% tax, 11 off the grand total of 110: ERPNext spreads 10 over the item (net 90) and 1 over
	# the tax (tax_amount 10 before, 9 after the discount): grand total 99
	return sales_invoice(
		[item("WIDGET-A", 4, 25.0, 90.0, income_account="Sales - WP", distributed_discount_amount=10.0)],
		[tax_row("Sales Tax Payable - WP", 9.0, rate=10.0, tax_amount=10.0)],
		apply_discount_on="Grand Total",
		discount_amount=11.0,
		net_total=90.0,
		grand_total=99.0,
		rounded_total=99.0,
		**fields,
	)


def test_discount_on_grand_total_without_discount_accounting_posts_net_amounts():
	resolved = Resolved(grand_total_discount(), us_context())
	assert resolved.ledger().nonzero() == as_decimals({"Sales - WP": -90, TAX: -9, PARTY: 99})
	assert all(line["Amount"] > 0 for line in resolved.payload.body["Line"])


def test_discount_accounting_posts_gross_income_and_the_discount_on_its_account():
	invoice = grand_total_discount(additional_discount_account="Sales Discounts - WP")
	ctx = us_context(sales_discount_accounting=True)
	resolved = Resolved(invoice, ctx)
	# ERPNext GL with discount accounting: income 100, tax 10 (before discount), discount account debit 11
	assert resolved.ledger().nonzero() == as_decimals(
		{"Sales - WP": -100, TAX: -10, "Sales Discounts - WP": 11, PARTY: 99}
	)
	discounts = [line for line in resolved.payload.body["Line"] if line["Amount"] < 0]
	assert [
		(str(line["Amount"]), line["SalesItemLineDetail"]["TaxCodeRef"]["value"]) for line in discounts
	] == [
		("-10.00", "TAX"),
		("-1.00", "NON"),
	], "the part of the discount taken off the tax is not taxable"
	assert_qbo_rules(resolved.payload, ctx)


def item_discount_invoice() -> dict:
	# list price 25, 20% off (5 per unit), 3 units: amount 60; tax 8.25% = 4.95
	row = item(
		"WIDGET-A",
		3,
		20.0,
		60.0,
		income_account="Sales - WP",
		price_list_rate=25.0,
		discount_percentage=20.0,
		discount_amount=5.0,
		discount_account="Sales Discounts - WP",
	)
	return sales_invoice(
		[row],
		[tax_row("Sales Tax Payable - WP", 4.95, rate=8.25)],
		net_total=60.0,
		grand_total=64.95,
		rounded_total=64.95,
	)


def test_item_discount_accounting_posts_list_price_and_the_discount():
	resolved = Resolved(item_discount_invoice(), us_context())
	assert resolved.ledger().nonzero() == as_decimals(
		{"Sales - WP": -75, "Sales Discounts - WP": 15, TAX: -4.95, PARTY: 64.95}
	)
	gross = resolved.payload.body["Line"][0]["SalesItemLineDetail"]
	assert (gross["Qty"], gross["UnitPrice"]) == (3, 25)


def test_item_discount_without_discount_accounting_posts_net_only():
	resolved = Resolved(item_discount_invoice(), us_context(sales_discount_accounting=False))
	assert resolved.ledger().nonzero() == as_decimals({"Sales - WP": -60, TAX: -4.95, PARTY: 64.95})


def test_rounding_adjustment_goes_to_the_round_off_account():
	invoice = doc("sales_invoice_basic_taxed")
	invoice.update(rounded_total=1689.0, rounding_adjustment=0.33, base_rounding_adjustment=0.33)
	resolved = Resolved(invoice, us_context())
	assert str(resolved.payload.erp_total) == "1689.00"
	assert resolved.ledger().nonzero() == as_decimals(
		{**BASIC_GL, "Round Off - WP": -0.33, TAX: -128.70, PARTY: 1689.00}
	)


def test_rounding_adjustment_without_round_off_account_is_an_actionable_error():
	invoice = doc("sales_invoice_basic_taxed")
	invoice.update(rounded_total=1689.0, rounding_adjustment=0.33, base_rounding_adjustment=0.33)
	with pytest.raises(MappingError, match="Round Off Account"):
		Resolved(invoice, us_context(round_off_account=None))


def test_free_item_becomes_a_description_line_without_an_item():
	invoice = doc("sales_invoice_basic_taxed")
	invoice["items"].append(
		item("GIFT-MUG", 2, 0.0, 0.0, income_account="Sales - WP", description="<p>Gift <b>mug</b></p>")
	)
	for ctx in (us_context(), global_context()):
		resolved = Resolved(invoice, ctx)
		last = resolved.payload.body["Line"][-1]
		assert last["DetailType"] == "DescriptionOnly"
		assert last["Description"] == "Gift mug (2 x 0)"
		assert len(resolved.deps.items) == 2
		assert_qbo_rules(resolved.payload, ctx)


def test_same_item_on_two_income_accounts_gets_one_quickbooks_item_per_account():
	rows = [
		item("WIDGET-A", 1, 10.0, 10.0, income_account="Sales - WP"),
		item("WIDGET-A", 2, 10.0, 20.0, income_account="Service - WP"),
		item("WIDGET-A", 3, 10.0, 30.0, income_account="Sales - WP"),
	]
	invoice = sales_invoice(rows, [], net_total=60.0, grand_total=60.0, rounded_total=60.0)
	resolved = Resolved(invoice, us_context())
	assert [spec.income_account_name for spec in resolved.deps.items] == ["Sales", "Service"]
	assert resolved.ledger().nonzero() == as_decimals({"Sales - WP": -40, "Service - WP": -20, PARTY: 60})
	assert item_name_candidates(resolved.deps.items[1])[:2] == ["WIDGET-A", "WIDGET-A (Service)"]


def test_line_without_quantity_is_sent_as_an_amount_only():
	# a rate-difference line: no quantity, only an amount (QuickBooks rejects Qty 0 with a non-zero Amount)
	rows = [item("WIDGET-A", 0, 0.0, 5.0, income_account="Sales - WP")]
	invoice = sales_invoice(rows, [], net_total=5.0, grand_total=5.0, rounded_total=5.0)
	line = Resolved(invoice, us_context()).payload.body["Line"][0]
	assert str(line["Amount"]) == "5.00"
	assert "Qty" not in line["SalesItemLineDetail"] and "UnitPrice" not in line["SalesItemLineDetail"]


@pytest.mark.parametrize(
	"qty, rate, amount, expected",
	[
		("3", "11.34", "34.02", ("3", "11.34")),  # the float trap: 3 x 11.34 = 34.019999...
		("7", "17.99", "125.94", ("7", "17.991")),  # ERPNext's net_rate does not reproduce net_amount
		("3", "0.33", "1.00", ("3", "0.333")),
		("30000000000", None, "0.01", None),  # no price with up to 10 decimals fits: Amount only
	],
)
def test_unit_price_always_reproduces_the_amount(qty, rate, amount, expected):
	from quickbooks_connector.mapping.lines import qty_and_price

	fitted = qty_and_price(dec(qty), dec(rate) if rate else None, dec(amount))
	assert (tuple(str(value) for value in fitted) if fitted else None) == expected


def test_pos_invoice_is_paid_into_the_payment_accounts_net_of_change():
	invoice = doc("sales_invoice_basic_taxed")
	invoice.update(
		is_pos=1,
		payments=[{"mode_of_payment": "Cash", "account": "Cash - WP", "amount": 1700.0}],
		paid_amount=1700.0,
		change_amount=11.33,
		account_for_change_amount="Cash - WP",
	)
	resolved = Resolved(invoice, us_context())
	(payment,) = resolved.followups
	assert payment.entity == "Payment"
	assert str(payment.body["TotalAmt"]) == "1688.67"
	assert payment.body["Line"][0]["LinkedTxn"] == [{"TxnId": "NEW", "TxnType": "Invoice"}]
	# ERPNext: customer debited 1688.67 and credited 1700 - 11.33; cash debited 1700 and credited 11.33
	ledger = resolved.ledger(resolved.payload, payment)
	assert ledger.nonzero() == as_decimals({**BASIC_GL, TAX: -128.70, "Cash - WP": 1688.67})


def test_pos_write_off_reduces_what_the_customer_owes():
	invoice = doc("sales_invoice_basic_taxed")
	invoice.update(
		is_pos=1,
		payments=[{"mode_of_payment": "Cash", "account": "Cash - WP", "amount": 1688.0}],
		write_off_amount=0.67,
		write_off_account="Write Off - WP",
	)
	resolved = Resolved(invoice, us_context())
	assert str(resolved.payload.erp_total) == "1688.00"
	ledger = resolved.ledger(resolved.payload, *resolved.followups)
	assert ledger.nonzero() == as_decimals(
		{**BASIC_GL, TAX: -128.70, "Write Off - WP": 0.67, "Cash - WP": 1688.0}
	)


def pos_return(*payments: tuple[str, float], **changes) -> dict:
	"""The sample return (21.64 with tax) as a POS return paying back `payments` (account, negative amount)."""
	invoice = doc("sales_invoice_return")
	rows = [{"mode_of_payment": "Cash", "account": account, "amount": amount} for account, amount in payments]
	invoice.update(is_pos=1, payments=rows, update_outstanding_for_self=0, **changes)
	return invoice


def test_pos_return_refunded_in_full_is_a_refund_receipt_from_the_cash_account():
	resolved = Resolved(pos_return(("Cash - WP", -21.64)), us_context())
	receipt = resolved.payload
	assert receipt.entity == "RefundReceipt" and str(receipt.erp_total) == "21.64"
	assert receipt.body["DepositToAccountRef"]["name"] == "Cash"
	assert "ARAccountRef" not in receipt.body
	# nothing is applied to the original invoice: the receipt settles itself, as ERPNext's receivable nets to 0
	assert resolved.deps.linked == () and resolved.followups == []
	assert resolved.ledger().nonzero() == as_decimals({"Sales - WP": 19.99, TAX: 1.65, "Cash - WP": -21.64})


@pytest.mark.parametrize(
	"payments",
	[(("Cash - WP", -10.0),), (("Cash - WP", -10.0), ("Chase Checking - WP", -11.64))],
)
def test_pos_return_refunded_in_part_or_from_two_accounts_is_refused_with_the_reason(payments):
	with pytest.raises(MappingError) as raised:
		Resolved(pos_return(*payments), us_context())
	assert [problem.code for problem in raised.value.problems] == ["pos_refund_not_whole"]


def test_return_against_invoice_is_applied_to_it_when_erpnext_reduces_its_balance():
	credit = doc("sales_invoice_return")
	credit["update_outstanding_for_self"] = 0
	resolved = Resolved(credit, us_context())
	assert [(linked.doctype, linked.name) for linked in resolved.deps.linked] == [
		("Sales Invoice", "ACC-SINV-2026-00011")
	]
	(application,) = resolved.followups
	assert (application.entity, application.key, application.body["TotalAmt"]) == (
		"Payment",
		"apply-credit",
		0,
	)
	assert [(str(line["Amount"]), line["LinkedTxn"][0]["TxnType"]) for line in application.body["Line"]] == [
		("21.64", "Invoice"),
		("21.64", "CreditMemo"),
	]


def test_deferred_revenue_is_booked_on_the_deferred_account():
	invoice = doc("sales_invoice_basic_taxed")
	invoice["items"][0].update(enable_deferred_revenue=1, deferred_revenue_account="Unsecured Loans - WP")
	ledger = Resolved(invoice, us_context()).ledger().nonzero()
	assert ledger["Unsecured Loans - WP"] == dec(-1500) and "Consulting Income - WP" not in ledger


@pytest.mark.parametrize(
	"changes, reason",
	[
		({"is_internal_customer": 1, "represents_company": "Wind Power LLC"}, "internal customer"),
	],
)
def test_unsupported_sales_are_skipped_with_the_reason(changes, reason):
	invoice = doc("sales_invoice_basic_taxed")
	invoice.update(changes)
	result = Resolved(invoice, us_context()).deps
	assert isinstance(result, Skip) and reason in result.reason


def test_totals_the_mapping_cannot_explain_fail_instead_of_posting_wrong_numbers():
	invoice = doc("sales_invoice_basic_taxed")
	invoice["grand_total"] = invoice["rounded_total"] = 1700.0
	with pytest.raises(MappingError) as raised:
		Resolved(invoice, us_context())
	assert "1,688.67" in str(raised.value) and "1,700.00" in str(raised.value)


def test_us_tax_account_mapped_to_a_tax_code_becomes_the_invoice_tax_code():
	from quickbooks_connector.mapping import QBOTaxCodeRef

	ctx = us_context(tax_code_map={"Sales Tax Payable - WP": QBOTaxCodeRef("7", "California")})
	body = Resolved(doc("sales_invoice_basic_taxed"), ctx).payload.body
	assert body["TxnTaxDetail"]["TxnTaxCodeRef"] == {"value": "7", "name": "California"}


def test_tax_on_the_freight_only_and_a_per_unit_fee():
	invoice = doc("sales_invoice_basic_taxed")
	# row 1 freight 25; row 2 10% of row 1's amount (2.50, tax on freight only); row 3 0.50 per unit (13 units)
	invoice["taxes"] = [
		tax_row("Freight Charges - WP", 25.0, "Actual"),
		tax_row("Sales Tax Payable - WP", 2.5, "On Previous Row Amount", 10.0, row_id="1"),
		tax_row("Miscellaneous Expenses - WP", 6.5, "On Item Quantity", 0.5),
	]
	invoice["grand_total"] = invoice["rounded_total"] = 1593.97
	us = Resolved(invoice, us_context())
	codes = [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in us.payload.body["Line"]]
	assert codes == ["NON", "NON", "TAX", "NON"], "only the freight line bears the sales tax"
	assert us.ledger().nonzero() == as_decimals(
		{
			**BASIC_GL,
			"Freight Charges - WP": -25,
			"Miscellaneous Expenses - WP": -6.5,
			TAX: -2.5,
			PARTY: 1593.97,
		}
	)
	elsewhere = Resolved(invoice, global_context())
	codes = [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in elsewhere.payload.body["Line"]]
	assert codes == ["9", "9", "20", "9"]


def test_pos_invoice_documents_and_unknown_doctypes_are_skipped():
	from quickbooks_connector.mapping import plan

	pos = {**doc("sales_invoice_basic_taxed"), "doctype": "POS Invoice"}
	assert "consolidates" in plan(pos, us_context()).reason
	journal = {"doctype": "Journal Entry", "name": "ACC-JV-2026-00001"}
	assert isinstance(plan(journal, us_context()), Skip)
