"""Refunds as QuickBooks books them: a Check to a customer on A/R paying out a credit memo, a vendor's Deposit on
A/P paying out a vendor credit, each linked by a zero-total payment; the faults of getting them wrong."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .support import (
	account_id,
	expense_line,
	fault_of,
	make_customer,
	make_item,
	make_vendor,
	ok,
	payment_line,
	sales_line,
)

CHECKING, RECEIVABLE, PAYABLE = "Checking", "Accounts Receivable (A/R)", "Accounts Payable (A/P)"


@pytest.fixture
def credit(api):
	"""A customer with a 30.00 credit memo."""
	customer = make_customer(api)
	item = make_item(api)
	memo = api.create(
		"CreditMemo", {"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(item["Id"], 1, 30)]}
	)
	return customer, memo


def refund_check(api, customer_id: str, amount, payment_type: str = "Check", account: str = CHECKING) -> dict:
	return api.create(
		"Purchase",
		{
			"PaymentType": payment_type,
			"AccountRef": {"value": account_id(api, account)},
			"EntityRef": {"value": customer_id, "type": "Customer"},
			"Line": [expense_line(account_id(api, RECEIVABLE), amount)],
		},
	)


def link(api, customer_id: str, check: dict, memo: dict, amount, txn_type: str = "Check"):
	body = {
		"CustomerRef": {"value": customer_id},
		"TotalAmt": 0,
		"Line": [payment_line(amount, check["Id"], txn_type), payment_line(amount, memo["Id"], "CreditMemo")],
	}
	return api.post("payment", body)


def test_a_check_linked_to_a_credit_memo_pays_it_out(api, credit):
	customer, memo = credit
	check = refund_check(api, customer["Id"], 30)

	payment = api.create("Payment", _body(customer, check, memo, 30))

	memo_now = api.read("CreditMemo", memo["Id"])
	assert (memo_now["Balance"], memo_now["RemainingCredit"]) == (0, 0)
	assert payment["UnappliedAmt"] == 0
	assert api.read("Purchase", check["Id"])["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]


def test_a_linked_check_is_not_deleted_until_its_payment_is_voided(api, credit):
	customer, memo = credit
	check = refund_check(api, customer["Id"], 30)
	payment = api.create("Payment", _body(customer, check, memo, 30))
	check = api.read("Purchase", check["Id"])

	refused = api.post("purchase", {"Id": check["Id"], "SyncToken": check["SyncToken"]}, operation="delete")
	assert fault_of(refused)["code"] == "6000"

	api.post(
		"payment",
		{"Id": payment["Id"], "SyncToken": payment["SyncToken"], "sparse": True},
		operation="update",
		include="void",
	)
	check = api.read("Purchase", check["Id"])
	assert check["LinkedTxn"] == []
	assert api.read("CreditMemo", memo["Id"])["Balance"] == 30
	deleted = api.post("purchase", {"Id": check["Id"], "SyncToken": check["SyncToken"]}, operation="delete")
	assert deleted.status_code == 200


def test_a_partial_refund_leaves_the_rest_of_the_credit(api, credit):
	customer, memo = credit
	check = refund_check(api, customer["Id"], 12.5)
	api.create("Payment", _body(customer, check, memo, Decimal("12.5")))
	assert api.read("CreditMemo", memo["Id"])["Balance"] == Decimal("17.5")


def test_a_cash_expense_is_linked_as_an_expense_not_as_a_check(api, credit):
	customer, memo = credit
	cash = refund_check(api, customer["Id"], 30, "Cash")
	assert fault_of(link(api, customer["Id"], cash, memo, 30, "Check"))["code"] == "620"
	assert link(api, customer["Id"], cash, memo, 30, "Expense").status_code == 200


def test_a_check_to_another_customer_or_beyond_its_amount_is_refused(api, credit):
	customer, memo = credit
	other = make_customer(api, "Other Ltd")
	check = refund_check(api, other["Id"], 30)
	assert fault_of(link(api, customer["Id"], check, memo, 30))["code"] == "620"

	small = refund_check(api, customer["Id"], 10)
	assert fault_of(link(api, customer["Id"], small, memo, 30))["code"] == "6000"


def test_a_check_on_receivables_needs_a_customer_as_payee(api, credit):
	vendor = make_vendor(api)
	response = api.post(
		"purchase",
		{
			"PaymentType": "Check",
			"AccountRef": {"value": account_id(api, CHECKING)},
			"EntityRef": {"value": vendor["Id"], "type": "Vendor"},
			"Line": [expense_line(account_id(api, RECEIVABLE), 30)],
		},
	)
	error = fault_of(response)
	assert (error["code"], error["element"]) == ("6000", "EntityRef")


def vendor_credit(api, vendor_id: str, amount) -> dict:
	expense = api.query("select * from Account where AccountType = 'Expense'")["Account"][0]["Id"]
	return api.create(
		"VendorCredit", {"VendorRef": {"value": vendor_id}, "Line": [expense_line(expense, amount)]}
	)


def refund_deposit(api, vendor_id: str | None, amount, entity_type: str = "Vendor") -> dict:
	detail = {"AccountRef": {"value": account_id(api, PAYABLE)}}
	if vendor_id:
		detail["Entity"] = {"value": vendor_id, "type": entity_type}
	return api.post(
		"deposit",
		{
			"DepositToAccountRef": {"value": account_id(api, CHECKING)},
			"Line": [{"DetailType": "DepositLineDetail", "Amount": amount, "DepositLineDetail": detail}],
		},
	)


def test_a_vendor_refund_deposit_linked_to_a_vendor_credit_pays_it_out(api):
	vendor = make_vendor(api)
	memo = vendor_credit(api, vendor["Id"], 40)
	deposit = refund_deposit(api, vendor["Id"], 40).json()["Deposit"]
	assert deposit["Line"][0]["DepositLineDetail"]["Entity"]["type"] == "Vendor"

	api.create(
		"BillPayment",
		{
			"VendorRef": {"value": vendor["Id"]},
			"PayType": "Check",
			"CheckPayment": {"BankAccountRef": {"value": account_id(api, CHECKING)}},
			"TotalAmt": 0,
			"Line": [
				payment_line(40, deposit["Id"], "Deposit"),
				payment_line(40, memo["Id"], "VendorCredit"),
			],
		},
	)

	assert api.read("VendorCredit", memo["Id"])["Balance"] == 0
	deposit = api.read("Deposit", deposit["Id"])
	refused = api.post(
		"deposit", {"Id": deposit["Id"], "SyncToken": deposit["SyncToken"]}, operation="delete"
	)
	assert fault_of(refused)["code"] == "6000"


@pytest.mark.parametrize("entity", [None, "Customer"])
def test_a_deposit_on_payables_needs_a_vendor(api, entity):
	customer = make_customer(api)
	error = fault_of(refund_deposit(api, customer["Id"] if entity else None, 40, entity or "Vendor"))
	assert (error["code"], error["element"]) == ("6000", "Line.DepositLineDetail.Entity")


def _body(customer: dict, check: dict, memo: dict, amount) -> dict:
	return {
		"CustomerRef": {"value": customer["Id"]},
		"TotalAmt": 0,
		"Line": [payment_line(amount, check["Id"], "Check"), payment_line(amount, memo["Id"], "CreditMemo")],
	}


@pytest.mark.parametrize("basis", ["Accrual", "Cash"])
def test_a_paid_out_credit_memo_leaves_receivables_at_zero_and_the_bank_short(api, credit, basis):
	"""The credit memo (income 30 debited, A/R credited), the Check (A/R debited, the bank credited) and the
	zero-total payment linking them (nothing moves): no exchange difference appears."""
	customer, memo = credit
	check = refund_check(api, customer["Id"], 30)
	api.create("Payment", _body(customer, check, memo, 30))

	rows = ok(api.get("reports/TrialBalance", accounting_method=basis))["Rows"]["Row"]
	balances = {
		row["ColData"][0]["value"]: Decimal(row["ColData"][1]["value"] or 0)
		- Decimal(row["ColData"][2]["value"] or 0)
		for row in rows
		if row.get("type") == "Data"
	}
	assert balances[CHECKING] == -30
	assert balances.get(RECEIVABLE, 0) == 0
	assert "Exchange Gain or Loss" not in balances
