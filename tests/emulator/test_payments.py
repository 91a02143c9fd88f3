"""Payments and bill payments: application, balances, links both ways, credits, void and delete."""

from decimal import Decimal
from typing import Any

import pytest

from .support import (
	account_id,
	expense_line,
	fault_of,
	make_customer,
	make_invoice,
	make_item,
	make_vendor,
	ok,
	payment_line,
	sales_line,
)


@pytest.fixture
def sale(api):
	"""A customer with a 100.00 invoice."""
	customer = make_customer(api)
	item = make_item(api)
	invoice = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 100)])
	return customer, item, invoice


def pay(api, customer_id, total, lines, **fields):
	return api.create(
		"Payment", {"CustomerRef": {"value": customer_id}, "TotalAmt": total, "Line": lines, **fields}
	)


def test_partial_payment_reduces_the_balance_and_links_both_ways(api, sale):
	customer, _, invoice = sale

	payment = pay(api, customer["Id"], 60, [payment_line(40, invoice["Id"], "Invoice")])
	invoice_now = api.read("Invoice", invoice["Id"])

	assert payment["UnappliedAmt"] == 20
	assert payment["Line"][0]["LinkedTxn"] == [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
	assert payment["DepositToAccountRef"]["value"] == account_id(api, "Undeposited Funds")
	assert invoice_now["Balance"] == 60
	assert invoice_now["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
	assert invoice_now["SyncToken"] == "1"  # the invoice changed, so its SyncToken moved on


def test_payment_without_lines_is_all_unapplied(api, sale):
	customer, _, _ = sale
	payment = pay(api, customer["Id"], "25.5", [])
	assert payment["UnappliedAmt"] == Decimal("25.5")


def test_two_payments_settle_the_invoice(api, sale):
	customer, _, invoice = sale
	first = pay(api, customer["Id"], 30, [payment_line(30, invoice["Id"], "Invoice")])
	second = pay(api, customer["Id"], 70, [payment_line(70, invoice["Id"], "Invoice")])

	invoice_now = api.read("Invoice", invoice["Id"])

	assert invoice_now["Balance"] == 0
	assert {link["TxnId"] for link in invoice_now["LinkedTxn"]} == {first["Id"], second["Id"]}


def test_updating_a_payment_replaces_all_its_lines(api, sale):
	customer, _, invoice = sale
	payment = pay(api, customer["Id"], 100, [payment_line(100, invoice["Id"], "Invoice")])

	updated = api.update("Payment", {**payment, "Line": [payment_line(10, invoice["Id"], "Invoice")]})
	cleared = api.update("Payment", {**updated, "Line": []})

	assert updated["UnappliedAmt"] == 90
	assert cleared["UnappliedAmt"] == 100
	assert api.read("Invoice", invoice["Id"])["Balance"] == 100
	assert api.read("Invoice", invoice["Id"])["LinkedTxn"] == []


def test_applying_more_than_the_open_balance_is_refused(api, sale):
	customer, _, invoice = sale
	pay(api, customer["Id"], 80, [payment_line(80, invoice["Id"], "Invoice")])

	error = fault_of(
		api.post(
			"payment",
			{
				"CustomerRef": {"value": customer["Id"]},
				"TotalAmt": 30,
				"Line": [payment_line(30, invoice["Id"], "Invoice")],
			},
		)
	)

	assert error["code"] == "6000"
	assert api.read("Invoice", invoice["Id"])["Balance"] == 20


def test_lines_cannot_exceed_the_payment_total(api, sale):
	customer, _, invoice = sale
	error = fault_of(
		api.post(
			"payment",
			{
				"CustomerRef": {"value": customer["Id"]},
				"TotalAmt": 10,
				"Line": [payment_line(50, invoice["Id"], "Invoice")],
			},
		)
	)
	assert error["code"] == "6000"


def test_credit_memo_applied_with_a_zero_total_payment(api, sale):
	customer, item, invoice = sale
	credit = api.create(
		"CreditMemo", {"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(item["Id"], 1, 30)]}
	)

	payment = pay(
		api,
		customer["Id"],
		0,
		[payment_line(30, invoice["Id"], "Invoice"), payment_line(30, credit["Id"], "CreditMemo")],
	)

	assert payment["UnappliedAmt"] == 0
	assert api.read("Invoice", invoice["Id"])["Balance"] == 70
	credit_now = api.read("CreditMemo", credit["Id"])
	assert credit_now["Balance"] == 0 and credit_now["RemainingCredit"] == 0
	assert credit_now["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]


def test_more_credit_than_debits_is_refused(api, sale):
	customer, item, _ = sale
	credit = api.create(
		"CreditMemo", {"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(item["Id"], 1, 30)]}
	)
	error = fault_of(
		api.post(
			"payment",
			{
				"CustomerRef": {"value": customer["Id"]},
				"TotalAmt": 0,
				"Line": [payment_line(30, credit["Id"], "CreditMemo")],
			},
		)
	)
	assert error["code"] == "6000"


def test_bill_payment_and_vendor_credit(api):
	vendor = make_vendor(api)
	travel = account_id(api, "Travel")
	checking = {"value": account_id(api, "Checking")}
	bill = api.create("Bill", {"VendorRef": {"value": vendor["Id"]}, "Line": [expense_line(travel, 200)]})
	credit = api.create(
		"VendorCredit", {"VendorRef": {"value": vendor["Id"]}, "Line": [expense_line(travel, 50)]}
	)

	settle_credit = api.create(
		"BillPayment",
		{
			"VendorRef": {"value": vendor["Id"]},
			"PayType": "Check",
			"TotalAmt": 0,
			"CheckPayment": {"BankAccountRef": checking},
			"Line": [payment_line(50, bill["Id"], "Bill"), payment_line(50, credit["Id"], "VendorCredit")],
		},
	)
	cash = api.create(
		"BillPayment",
		{
			"VendorRef": {"value": vendor["Id"]},
			"PayType": "Check",
			"TotalAmt": 150,
			"CheckPayment": {"BankAccountRef": checking},
			"Line": [payment_line(150, bill["Id"], "Bill")],
		},
	)

	bill_now = api.read("Bill", bill["Id"])
	assert bill_now["Balance"] == 0
	assert {link["TxnId"] for link in bill_now["LinkedTxn"]} == {settle_credit["Id"], cash["Id"]}
	assert api.read("VendorCredit", credit["Id"])["Balance"] == 0
	assert cash["APAccountRef"]["value"] == account_id(api, "Accounts Payable (A/P)")


def test_links_must_point_at_the_same_party_and_a_live_transaction(api, sale):
	customer, item, invoice = sale
	other = make_customer(api, "Other Co")
	stranger_invoice = make_invoice(api, other["Id"], [sales_line(item["Id"], 1, 5)])
	deleted = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 5)])
	api.post("invoice", {"Id": deleted["Id"], "SyncToken": "0"}, operation="delete")
	voided = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 5)])
	api.post("invoice", {"Id": voided["Id"], "SyncToken": "0"}, operation="void")

	def attempt(txn_id, txn_type="Invoice"):
		body = {
			"CustomerRef": {"value": customer["Id"]},
			"TotalAmt": 5,
			"Line": [payment_line(5, txn_id, txn_type)],
		}
		return fault_of(api.post("payment", body))["code"]

	assert attempt("424242") == "2500"
	assert attempt(deleted["Id"]) == "610"
	assert attempt(voided["Id"]) == "620"
	assert attempt(stranger_invoice["Id"]) == "620"
	assert attempt(invoice["Id"], "Bill") == "620"


def test_voiding_a_payment_releases_the_invoice(api, sale):
	customer, _, invoice = sale
	payment = pay(
		api, customer["Id"], 100, [payment_line(100, invoice["Id"], "Invoice")], PrivateNote="cheque 12"
	)

	body = {"Id": payment["Id"], "SyncToken": payment["SyncToken"], "sparse": True}
	voided = ok(api.post("payment", body, operation="update", include="void"))["Payment"]

	assert voided["TotalAmt"] == 0 and voided["UnappliedAmt"] == 0
	assert voided["PrivateNote"] == "Voided - cheque 12"
	invoice_now = api.read("Invoice", invoice["Id"])
	assert invoice_now["Balance"] == 100 and invoice_now["LinkedTxn"] == []


def test_deleting_a_payment_releases_the_invoice(api, sale):
	customer, _, invoice = sale
	payment = pay(api, customer["Id"], 100, [payment_line(100, invoice["Id"], "Invoice")])

	ok(api.post("payment", {"Id": payment["Id"], "SyncToken": "0"}, operation="delete"))

	assert api.read("Invoice", invoice["Id"])["Balance"] == 100


def test_an_invoice_with_payments_cannot_be_deleted_or_voided(api, sale):
	customer, _, invoice = sale
	pay(api, customer["Id"], 10, [payment_line(10, invoice["Id"], "Invoice")])
	current = api.read("Invoice", invoice["Id"])
	body = {"Id": invoice["Id"], "SyncToken": current["SyncToken"]}

	delete = fault_of(api.post("invoice", body, operation="delete"))
	void = fault_of(api.post("invoice", body, operation="void"))

	assert delete["code"] == "6000" and "linked" in delete["Detail"]
	assert void["code"] == "6000"


def test_invoice_total_cannot_drop_below_what_is_paid(api, sale):
	customer, item, invoice = sale
	pay(api, customer["Id"], 80, [payment_line(80, invoice["Id"], "Invoice")])
	current = api.read("Invoice", invoice["Id"])

	error = fault_of(api.post("invoice", {**current, "Line": [sales_line(item["Id"], 1, 50)]}))
	shrunk = api.update("Invoice", {**current, "Line": [sales_line(item["Id"], 1, 90)]})

	assert error["code"] == "6000"
	assert shrunk["Balance"] == 10


def journal_line(account: str, posting: str, amount: Any, entity: dict | None = None) -> dict[str, Any]:
	detail: dict[str, Any] = {"PostingType": posting, "AccountRef": {"value": account}}
	if entity:
		detail["Entity"] = entity
	return {"DetailType": "JournalEntryLineDetail", "Amount": amount, "JournalEntryLineDetail": detail}


def write_off_journal(api, customer_id: str, amount: Any) -> dict[str, Any]:
	"""What a connector books for a payment's write-off: debit the expense, credit the customer's A/R."""
	entity = {"Type": "Customer", "EntityRef": {"value": customer_id}}
	return api.create(
		"JournalEntry",
		{
			"Line": [
				journal_line(account_id(api, "Travel"), "Debit", amount),
				journal_line(account_id(api, "Accounts Receivable (A/R)"), "Credit", amount, entity),
			]
		},
	)


def test_a_journal_entry_crediting_receivables_is_applied_like_a_credit(api, sale):
	customer, _, invoice = sale
	journal = write_off_journal(api, customer["Id"], 5)

	payment = pay(
		api,
		customer["Id"],
		95,
		[payment_line(100, invoice["Id"], "Invoice"), payment_line(5, journal["Id"], "JournalEntry")],
	)

	assert payment["UnappliedAmt"] == 0
	assert payment["TotalAmt"] == 95
	assert api.read("Invoice", invoice["Id"])["Balance"] == 0


def test_a_journal_entry_is_applied_only_for_its_party_and_up_to_its_amount(api, sale):
	customer, _, invoice = sale
	other = make_customer(api, "Other Co")
	journal = write_off_journal(api, customer["Id"], 5)
	plain = api.create(
		"JournalEntry",
		{
			"Line": [
				journal_line(account_id(api, "Travel"), "Debit", 5),
				journal_line(account_id(api, "Checking"), "Credit", 5),
			]
		},
	)

	def attempt(customer_id, lines):
		body = {"CustomerRef": {"value": customer_id}, "TotalAmt": 0, "Line": lines}
		return fault_of(api.post("payment", body))

	foreign = attempt(other["Id"], [payment_line(5, journal["Id"], "JournalEntry")])
	unrelated = attempt(customer["Id"], [payment_line(5, plain["Id"], "JournalEntry")])
	too_much = attempt(
		customer["Id"],
		[payment_line(6, invoice["Id"], "Invoice"), payment_line(6, journal["Id"], "JournalEntry")],
	)

	assert foreign["code"] == "620" and "Accounts Receivable" in foreign["Detail"]
	assert unrelated["code"] == "620"
	assert too_much["code"] == "6000" and "open balance" in too_much["Detail"]


def test_an_applied_journal_entry_cannot_be_deleted_until_the_payment_is_voided(api, sale):
	customer, _, invoice = sale
	journal = write_off_journal(api, customer["Id"], 5)
	payment = pay(
		api,
		customer["Id"],
		95,
		[payment_line(100, invoice["Id"], "Invoice"), payment_line(5, journal["Id"], "JournalEntry")],
	)
	delete = {"Id": journal["Id"], "SyncToken": journal["SyncToken"]}

	refused = fault_of(api.post("journalentry", delete, operation="delete"))
	ok(
		api.post(
			"payment",
			{"Id": payment["Id"], "SyncToken": "0", "sparse": True},
			operation="update",
			include="void",
		)
	)

	assert refused["code"] == "6000"
	ok(api.post("journalentry", delete, operation="delete"))
	assert api.read("Invoice", invoice["Id"])["Balance"] == 100


def test_bill_payment_applies_a_journal_entry_debiting_payables(api):
	vendor = make_vendor(api)
	travel = account_id(api, "Travel")
	bill = api.create("Bill", {"VendorRef": {"value": vendor["Id"]}, "Line": [expense_line(travel, 200)]})
	entity = {"Type": "Vendor", "EntityRef": {"value": vendor["Id"]}}
	discount = api.create(
		"JournalEntry",
		{
			"Line": [
				journal_line(account_id(api, "Accounts Payable (A/P)"), "Debit", 4, entity),
				journal_line(travel, "Credit", 4),
			]
		},
	)

	paid = api.create(
		"BillPayment",
		{
			"VendorRef": {"value": vendor["Id"]},
			"PayType": "Check",
			"TotalAmt": 196,
			"CheckPayment": {"BankAccountRef": {"value": account_id(api, "Checking")}},
			"Line": [payment_line(200, bill["Id"], "Bill"), payment_line(4, discount["Id"], "JournalEntry")],
		},
	)

	assert paid["TotalAmt"] == 196
	assert api.read("Bill", bill["Id"])["Balance"] == 0
