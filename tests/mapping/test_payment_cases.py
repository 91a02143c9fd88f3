"""Payment entries beyond the fixtures."""

from __future__ import annotations

import pytest

from quickbooks_connector.mapping import MappingError

from .support import PARTY, Resolved, as_decimals, doc, us_context


def receipt_with_write_off() -> dict:
	# the customer pays 995 for 1000 of invoice; 5 is written off
	payment = doc("payment_entry_receive_partial")
	payment.update(
		paid_amount=995.0, received_amount=995.0, base_paid_amount=995.0, base_received_amount=995.0
	)
	payment["deductions"] = [{"account": "Write Off - WP", "amount": 5.0, "description": "Short payment"}]
	return payment


def test_deduction_is_a_journal_the_payment_applies_like_a_credit():
	resolved = Resolved(receipt_with_write_off(), us_context())
	(journal,) = resolved.prerequisites
	assert (journal.entity, journal.key) == ("JournalEntry", "deductions")
	postings = {
		(
			line["JournalEntryLineDetail"]["AccountRef"]["name"],
			line["JournalEntryLineDetail"]["PostingType"],
			str(line["Amount"]),
		)
		for line in journal.body["Line"]
	}
	assert postings == {("Write Off", "Debit", "5.00"), ("Debtors", "Credit", "5.00")}
	party_line = next(line for line in journal.body["Line"] if "Entity" in line["JournalEntryLineDetail"])
	assert party_line["JournalEntryLineDetail"]["Entity"] == {
		"Type": "Customer",
		"EntityRef": {"value": "P1"},
	}

	body = resolved.payload.body
	assert str(body["TotalAmt"]) == "995.00"
	assert [(str(line["Amount"]), line["LinkedTxn"][0]["TxnType"]) for line in body["Line"]] == [
		("1000.00", "Invoice"),
		("5.00", "JournalEntry"),
	]
	# ERPNext GL: bank 995 and write-off 5 debited, the customer credited 1000
	assert resolved.ledger().nonzero() == as_decimals(
		{"Chase Checking - WP": 995, "Write Off - WP": 5, PARTY: -1000}
	)


def test_supplier_payment_with_bank_charges():
	payment = doc("payment_entry_pay")
	payment.update(
		paid_amount=673.15, received_amount=673.15, base_paid_amount=673.15, base_received_amount=673.15
	)
	payment["deductions"] = [{"account": "Miscellaneous Expenses - WP", "amount": 2.0}]
	resolved = Resolved(payment, us_context())
	assert [line["LinkedTxn"][0]["TxnType"] for line in resolved.payload.body["Line"]] == [
		"Bill",
		"JournalEntry",
	]
	assert resolved.ledger().nonzero() == as_decimals(
		{"Chase Checking - WP": -673.15, "Miscellaneous Expenses - WP": 2, PARTY: 671.15}
	)


def test_exchange_gain_loss_rows_are_left_to_quickbooks():
	payment = doc("payment_entry_receive_eur")
	payment["deductions"] = [
		{"account": "Exchange Gain/Loss - WP", "amount": 8.4, "is_exchange_gain_loss": 1}
	]
	resolved = Resolved(payment, us_context())
	assert resolved.prerequisites == []
	assert "exchange gain/loss 8.40 USD is booked by QuickBooks" in resolved.payload.body["PrivateNote"]


def test_unallocated_advance_stays_unapplied_and_says_so():
	resolved = Resolved(doc("payment_entry_receive_advance"), us_context())
	body = resolved.payload.body
	assert "Line" not in body and str(body["TotalAmt"]) == "500.00"
	assert "500.00 USD unallocated (advance) is left unapplied" in body["PrivateNote"]
	assert body["PaymentRefNum"] == "WIRE-55"


def test_allocation_to_a_sales_order_stays_unapplied():
	payment = doc("payment_entry_receive_partial")
	payment["references"][0].update(reference_doctype="Sales Order", reference_name="SAL-ORD-2026-00001")
	resolved = Resolved(payment, us_context())
	assert resolved.deps.linked == ()
	assert "Line" not in resolved.payload.body
	assert (
		"1,000.00 allocated to Sales Order SAL-ORD-2026-00001 in ERPNext is left unapplied"
		in resolved.payload.body["PrivateNote"]
	)


def test_return_allocated_negatively_applies_the_credit_memo():
	payment = doc("payment_entry_receive_multi")
	payment["references"].append(
		{
			"reference_doctype": "Sales Invoice",
			"reference_name": "ACC-SINV-2026-00014",
			"allocated_amount": -21.64,
		}
	)
	payment.update(paid_amount=949.50, received_amount=949.50)
	resolved = Resolved(payment, us_context(), linked_entities={"ACC-SINV-2026-00014": "CreditMemo"})
	assert [
		(str(line["Amount"]), line["LinkedTxn"][0]["TxnType"]) for line in resolved.payload.body["Line"]
	] == [
		("688.67", "Invoice"),
		("282.47", "Invoice"),
		("21.64", "CreditMemo"),
	]


def test_negative_allocation_to_an_invoice_is_refused():
	payment = doc("payment_entry_receive_partial")
	payment["references"][0]["allocated_amount"] = -10.0
	with pytest.raises(MappingError, match="negative"):
		Resolved(payment, us_context())


def test_supplier_paid_by_credit_card():
	payment = doc("payment_entry_pay")
	payment["paid_from"] = "Amex Card - WP"
	body = Resolved(payment, us_context()).payload.body
	assert body["PayType"] == "CreditCard" and "CheckPayment" not in body


def test_internal_transfer_is_a_journal_entry():
	transfer = doc("payment_entry_pay")
	transfer.update(
		payment_type="Internal Transfer",
		party_type=None,
		party=None,
		paid_to="Cash - WP",
		references=[],
		paid_to_account_currency="USD",
		base_paid_amount=671.15,
		base_received_amount=671.15,
	)
	resolved = Resolved(transfer, us_context())
	assert resolved.payload.entity == "JournalEntry"
	assert resolved.ledger().nonzero() == as_decimals({"Chase Checking - WP": -671.15, "Cash - WP": 671.15})
	assert str(resolved.payload.erp_total) == "671.15"  # QuickBooks' TotalAmt of a journal: its debits


def test_foreign_payment_needs_multicurrency():
	with pytest.raises(MappingError, match="Turn on Multicurrency in QuickBooks"):
		Resolved(doc("payment_entry_receive_eur"), us_context(multicurrency=False))


def test_invoice_split_over_payment_terms_is_one_payment_line():
	payment = doc("payment_entry_receive_partial")
	first = payment["references"][0]
	payment["references"] = [{**first, "allocated_amount": 600.0}, {**first, "allocated_amount": 400.0}]
	resolved = Resolved(payment, us_context())
	assert len(resolved.deps.linked) == 1
	assert [str(line["Amount"]) for line in resolved.payload.body["Line"]] == ["1000.00"]


def test_deduction_on_a_foreign_currency_receipt_is_converted_at_the_payment_rate():
	# Globex pays 1110 EUR of 1120; ERPNext writes off 10.90 USD (company currency) = 10.00 EUR at 1.09
	payment = doc("payment_entry_receive_eur")
	payment.update(
		paid_amount=1110.0, base_paid_amount=1209.9, received_amount=1209.9, base_received_amount=1209.9
	)
	payment["deductions"] = [{"account": "Write Off - WP", "amount": 10.9}]
	resolved = Resolved(payment, us_context())
	(journal,) = resolved.prerequisites
	assert journal.body["CurrencyRef"] == {"value": "EUR"} and str(journal.body["ExchangeRate"]) == "1.09"
	assert {str(line["Amount"]) for line in journal.body["Line"]} == {"10.00"}
	assert str(resolved.payload.body["TotalAmt"]) == "1110.00"
	assert resolved.ledger().nonzero() == as_decimals(
		{"Chase Checking - WP": 1209.90, "Write Off - WP": 10.90, PARTY: -1220.80}
	)
