"""Refunds: a Payment Entry paying a customer back, or receiving a supplier's money back, books what ERPNext's GL
shows and pays out the credit it refunds (see mapping/refunds.py)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from quickbooks_connector.mapping import MappingError

from .support import PARTY, Resolved, as_decimals, doc, us_context

TO_CUSTOMER, FROM_SUPPLIER = "pe_refund_to_customer", "pe_refund_from_supplier"
CREDIT_NOTE, DEBIT_NOTE = "ACC-SINV-2026-00228", "ACC-PINV-2026-00041"


def retyped(label: str, account: str, account_type: str, **changes):
	"""The test context with `account` mapped to a QuickBooks account of `account_type`."""
	accounts = dict(us_context(label).account_map)
	accounts[account] = replace(accounts[account], account_type=account_type)
	return us_context(label, account_map=accounts, **changes)


def links(payload) -> list[tuple[str, str, str]]:
	return [
		(line["LinkedTxn"][0]["TxnType"], line["LinkedTxn"][0]["TxnId"], str(line["Amount"]))
		for line in payload.body["Line"]
	]


def test_refund_to_a_customer_is_a_check_on_its_receivable_linked_to_the_credit_memo():
	resolved = Resolved(doc(TO_CUSTOMER), us_context(TO_CUSTOMER))
	check = resolved.payload
	assert check.entity == "Purchase" and check.body["PaymentType"] == "Check"
	assert check.body["EntityRef"] == {"value": "P1", "type": "Customer"}
	assert str(check.erp_total) == "162.38"
	assert resolved.ledger().nonzero() == as_decimals({"Chase Checking - WP": -162.38, PARTY: 162.38})
	(application,) = resolved.followups
	assert (application.entity, application.key, application.body["TotalAmt"]) == (
		"Payment",
		"apply-refund",
		0,
	)
	# the Check is the charge the credit memo pays: both sides of the zero-total payment are the refund
	assert links(application) == [("Check", "NEW", "162.38"), ("CreditMemo", "T1", "162.38")]
	assert application.body["ARAccountRef"]["name"] == "Debtors"
	assert f"refund applied to Sales Invoice {CREDIT_NOTE}" in application.body["PrivateNote"]


def test_refund_from_a_supplier_is_a_deposit_on_its_payable_linked_to_the_vendor_credit():
	resolved = Resolved(doc(FROM_SUPPLIER), us_context(FROM_SUPPLIER))
	deposit = resolved.payload
	assert deposit.entity == "Deposit" and deposit.doc_number is None  # QuickBooks deposits carry no number
	(line,) = deposit.body["Line"]
	assert line["DepositLineDetail"]["Entity"] == {"value": "P1", "type": "Vendor"}
	assert line["DepositLineDetail"]["CheckNum"] == "DEP-4410"
	assert resolved.ledger().nonzero() == as_decimals({"Chase Checking - WP": 21.65, PARTY: -21.65})
	(application,) = resolved.followups
	assert (application.entity, application.body["TotalAmt"]) == ("BillPayment", 0)
	assert links(application) == [("Deposit", "NEW", "21.65"), ("VendorCredit", "T1", "21.65")]
	assert application.body["CheckPayment"]["BankAccountRef"]["name"] == "Chase Checking"


def test_refund_paid_in_cash_is_a_cash_expense_the_payment_links_as_such():
	refund = doc(TO_CUSTOMER)
	refund["paid_from"] = "Cash - WP"
	resolved = Resolved(refund, retyped(TO_CUSTOMER, "Cash - WP", "Other Current Asset"))
	assert resolved.payload.body["PaymentType"] == "Cash"
	assert links(resolved.followups[0])[0][0] == "Expense"


def test_supplier_refund_into_cash_names_the_default_bank_on_its_bill_payment():
	refund = doc(FROM_SUPPLIER)
	refund["paid_to"] = "Cash - WP"
	resolved = Resolved(refund, retyped(FROM_SUPPLIER, "Cash - WP", "Other Current Asset"))
	assert resolved.payload.body["DepositToAccountRef"]["name"] == "Cash"
	assert resolved.followups[0].body["CheckPayment"]["BankAccountRef"]["name"] == "Chase Checking"

	with pytest.raises(MappingError) as raised:
		Resolved(
			refund, retyped(FROM_SUPPLIER, "Cash - WP", "Other Current Asset", default_bank_account=None)
		)
	assert [problem.code for problem in raised.value.problems] == ["refund_application_bank_not_mapped"]


def test_refund_of_an_advance_is_booked_without_a_link():
	"""Nothing allocated in ERPNext: the Check's charge offsets the customer's unapplied credit in QuickBooks."""
	refund = doc(TO_CUSTOMER)
	refund.update(references=[], unallocated_amount=162.38)
	resolved = Resolved(refund, us_context(TO_CUSTOMER))
	assert resolved.followups == [] and resolved.deps.linked == ()
	assert "162.38 USD unallocated" in resolved.payload.body["PrivateNote"]
	assert resolved.ledger().nonzero() == as_decimals({"Chase Checking - WP": -162.38, PARTY: 162.38})


@pytest.mark.parametrize(
	"changes, code",
	[
		({"paid_from": "Credit Card - WP"}, "refund_through_credit_card"),
		(
			{"deductions": [{"account": "Bank Charges - WP", "amount": 2.0, "description": "Fee"}]},
			"refund_with_deductions",
		),
	],
)
def test_refunds_the_connector_cannot_book_fail_with_the_reason(changes, code):
	refund = doc(TO_CUSTOMER)
	refund.update(changes)
	with pytest.raises(MappingError) as raised:
		Resolved(refund, retyped(TO_CUSTOMER, "Credit Card - WP", "Credit Card"))
	assert [problem.code for problem in raised.value.problems] == [code]


def test_a_refund_allocated_to_an_invoice_is_refused():
	refund = doc(TO_CUSTOMER)
	refund["references"][0].update(allocated_amount=162.38)
	with pytest.raises(MappingError) as raised:
		Resolved(refund, us_context(TO_CUSTOMER), linked_entities={CREDIT_NOTE: "Invoice"})
	assert [problem.code for problem in raised.value.problems] == ["refund_allocation"]


def test_eur_refund_carries_the_rate_that_gives_erpnexts_bank_amount():
	refund = doc(TO_CUSTOMER)
	refund.update(
		paid_to="Debtors EUR - WP",
		paid_to_account_currency="EUR",
		received_amount=100.0,
		paid_amount=108.25,
		base_paid_amount=108.25,
		base_received_amount=108.25,
		target_exchange_rate=1.0825,
		references=[],
		unallocated_amount=100.0,
	)
	resolved = Resolved(refund, us_context(TO_CUSTOMER))
	body = resolved.payload.body
	assert (body["CurrencyRef"], str(body["ExchangeRate"])) == ({"value": "EUR"}, "1.0825")
	assert resolved.payload.body["Line"][0]["Amount"] == Decimal("100.00")
	assert resolved.ledger().nonzero() == as_decimals({"Chase Checking - WP": -108.25, PARTY: 108.25})


def paid_return(**changes) -> dict:
	"""The sample purchase return (45.46) refunded at once into the bank ("Is Paid")."""
	debit_note = doc("purchase_invoice_return")
	debit_note.update(
		{"is_paid": 1, "cash_bank_account": "Chase Checking - WP", "paid_amount": -45.46, **changes}
	)
	return debit_note


def test_a_purchase_return_refunded_at_once_is_a_vendor_credit_paid_out_by_a_deposit():
	resolved = Resolved(paid_return(), us_context())
	(deposit,) = resolved.prerequisites
	assert (deposit.entity, deposit.key, str(deposit.erp_total)) == ("Deposit", "refund", "45.46")
	assert resolved.payload.entity == "VendorCredit"
	# ERPNext: expense and tax credited, the bank debited, the payable netted to zero
	ledger = resolved.ledger().nonzero()
	assert ledger.pop("Chase Checking - WP") == Decimal("45.46") and PARTY not in ledger
	assert sum(ledger.values()) == Decimal("-45.46")
	(application,) = resolved.followups
	assert (application.entity, application.key) == ("BillPayment", "apply-refund")
	assert links(application) == [("Deposit", "C1", "45.46"), ("VendorCredit", "NEW", "45.46")]


def test_a_return_refunded_in_part_applies_the_rest_to_the_bill_it_returns():
	resolved = Resolved(paid_return(paid_amount=-20.0, update_outstanding_for_self=0), us_context())
	application, refund = resolved.followups
	assert (application.key, links(application)) == (
		"apply-credit",
		[("Bill", "T1", "25.46"), ("VendorCredit", "NEW", "25.46")],
	)
	assert links(refund) == [("Deposit", "C1", "20.00"), ("VendorCredit", "NEW", "20.00")]
