"""Foreign-currency invoices, bills and payments: QuickBooks converts the document total with the ExchangeRate, so the rate sent
must give ERPNext's company-currency total, also when ERPNext does not get that total by converting the document
total. Shapes and amounts copied from real ERPNext 15 documents (EUR in a USD company, conversion rate 1.0837, three
lines of 10.01 EUR without taxes: each line converts to 10.85 USD, so ERPNext's base total is 32.55, while 30.03 EUR
x 1.0837 = 32.54)."""

from __future__ import annotations

import pytest

from quickbooks_connector.mapping import MappingError, QBOAccountRef
from quickbooks_connector.mapping.money import money

from .support import PARTY, Resolved, account_map, as_decimals, dec, doc, us_context

LINE = {"qty": 1.0, "rate": 10.01, "amount": 10.01, "net_rate": 10.01, "net_amount": 10.01}
BASE_LINE = {"base_rate": 10.85, "base_amount": 10.85, "base_net_rate": 10.85, "base_net_amount": 10.85}
# ACC-SINV-2026-00227 / ACC-PINV-2026-00040: ERPNext sets base_rounded_total to the converted rounded total
# (32.54) but, with no rounding adjustment, posts base_grand_total (32.55) to the party account.
TOTALS = {
	"currency": "EUR",
	"conversion_rate": 1.0837,
	"total": 30.03,
	"net_total": 30.03,
	"grand_total": 30.03,
	"rounded_total": 30.03,
	"rounding_adjustment": 0.0,
	"base_total": 32.55,
	"base_net_total": 32.55,
	"base_grand_total": 32.55,
	"base_rounded_total": 32.54,
	"base_rounding_adjustment": 0.0,
	"total_taxes_and_charges": 0.0,
	"base_total_taxes_and_charges": 0.0,
	"taxes": [],
}


def three_lines_of(document: dict) -> dict:
	row = document["items"][0]
	document["items"] = [{**row, **LINE, **BASE_LINE, "idx": idx} for idx in (1, 2, 3)]
	document.update(TOTALS)
	return document


def test_invoice_whose_lines_convert_to_more_than_its_total_gets_the_rate_of_erpnexts_base_total():
	invoice = three_lines_of(doc("sales_invoice_eur"))
	income = invoice["items"][0]["income_account"]
	resolved = Resolved(invoice, us_context())

	assert str(resolved.payload.body["ExchangeRate"]) == "1.0839"  # 30.03 x 1.0839 = 32.549517
	# ERPNext's GL: the receivable debited 32.55 USD, the income credited 3 x 10.85
	assert resolved.ledger().nonzero() == as_decimals({income: -32.55, PARTY: 32.55})


def test_the_same_with_rounding_disabled():
	invoice = three_lines_of(doc("sales_invoice_eur"))
	invoice.update(disable_rounded_total=1, rounded_total=0.0, base_rounded_total=0.0)
	resolved = Resolved(invoice, us_context())

	assert str(resolved.payload.body["ExchangeRate"]) == "1.0839"
	assert resolved.ledger().nonzero()[PARTY] == as_decimals({PARTY: 32.55})[PARTY]


def test_bill_whose_lines_convert_to_more_than_its_total_gets_the_rate_of_erpnexts_base_total():
	bill = three_lines_of(doc("purchase_invoice_basic_taxed"))
	bill.update(credit_to="Creditors EUR - WP", supplier="Globex GmbH", is_paid=0)
	expense = bill["items"][0]["expense_account"]
	payables = {**account_map(), "Creditors EUR - WP": QBOAccountRef("950", "A/P EUR", "Accounts Payable")}
	resolved = Resolved(bill, us_context(account_map=payables))

	assert str(resolved.payload.body["ExchangeRate"]) == "1.0839"
	assert resolved.ledger().nonzero() == as_decimals({expense: 32.55, PARTY: -32.55})


def test_a_return_of_it_gets_the_same_rate():
	invoice = three_lines_of(doc("sales_invoice_eur"))
	for row in invoice["items"]:
		for field in (*LINE, *BASE_LINE):
			if field not in ("rate", "net_rate", "base_rate", "base_net_rate"):
				row[field] = -row[field]
	for field in ("total", "net_total", "grand_total", "rounded_total", "base_total", "base_net_total"):
		invoice[field] = -invoice[field]
	invoice.update(is_return=1, return_against=None, base_grand_total=-32.55, base_rounded_total=-32.54)
	resolved = Resolved(invoice, us_context())

	assert resolved.payload.entity == "CreditMemo"
	assert str(resolved.payload.body["ExchangeRate"]) == "1.0839"


def test_rate_is_the_conversion_rate_when_it_gives_erpnexts_base_total():
	invoice = doc("sales_invoice_eur")  # 1120.00 EUR x 1.0825 = 1212.40 USD
	resolved = Resolved(invoice, us_context())
	assert str(resolved.payload.body["ExchangeRate"]) == "1.0825"


# Payments: QuickBooks moves the bank by TotalAmt x ExchangeRate, so the rate must give what ERPNext's bank account
# moves. When the bank's amount is not the party's converted amount, ERPNext books the difference on an exchange
# gain/loss row; QuickBooks books it itself, as the difference to the invoice's rate.


def test_receipt_whose_bank_amount_differs_moves_the_bank_by_erpnexts_amount():
	# ACC-PAY-2026-00074: 423.99 EUR at 1.0837 (459.48 USD) for which the bank credited 455.00 USD
	payment = doc("payment_entry_receive_eur")
	payment.update(
		paid_amount=423.99,
		received_amount=455.0,
		source_exchange_rate=1.0837,
		target_exchange_rate=1.0,
		base_paid_amount=459.48,
		base_received_amount=455.0,
		total_allocated_amount=423.99,
		base_total_allocated_amount=459.48,
		deductions=[{"account": "Exchange Gain/Loss - WP", "amount": 4.48, "is_exchange_gain_loss": 1}],
	)
	payment["references"][0]["allocated_amount"] = 423.99
	resolved = Resolved(payment, us_context())

	assert str(resolved.payload.body["TotalAmt"]) == "423.99"
	assert str(resolved.payload.body["ExchangeRate"]) == "1.07314"  # 423.99 x 1.07314 = 455.0006
	assert resolved.ledger().nonzero()["Chase Checking - WP"] == dec("455.00")


def test_supplier_payment_whose_bank_amount_differs_moves_the_bank_by_erpnexts_amount():
	# ACC-PAY-2026-00076: 820.50 EUR at 1.0837 (889.18 USD) for which the bank charged 893.12 USD
	payment = doc("payment_entry_pay")
	payment.update(
		paid_to="Creditors EUR - WP",
		paid_to_account_currency="EUR",
		paid_amount=893.12,
		received_amount=820.5,
		source_exchange_rate=1.0,
		target_exchange_rate=1.0837,
		base_paid_amount=893.12,
		base_received_amount=889.18,
		deductions=[{"account": "Exchange Gain/Loss - WP", "amount": 3.94, "is_exchange_gain_loss": 1}],
	)
	payment["references"][0]["allocated_amount"] = 820.5
	payables = {**account_map(), "Creditors EUR - WP": QBOAccountRef("950", "A/P EUR", "Accounts Payable")}
	resolved = Resolved(payment, us_context(account_map=payables))

	assert str(resolved.payload.body["TotalAmt"]) == "820.50"
	assert str(resolved.payload.body["ExchangeRate"]) == "1.08851"  # 820.50 x 1.08851 = 893.1225
	assert resolved.ledger().nonzero()["Chase Checking - WP"] == dec("-893.12")


def test_receipt_keeps_its_rate_when_the_bank_got_the_converted_amount():
	resolved = Resolved(doc("payment_entry_receive_eur"), us_context())  # 1120 EUR x 1.09 = 1220.80 USD
	assert str(resolved.payload.body["ExchangeRate"]) == "1.09"


def eur_receipt_with_write_off(*write_offs: tuple[str, float]) -> dict:
	"""ACC-PAY-2026-00099: 419.16 EUR (454.24 USD at 1.0837) settles 423.99 EUR (459.48 USD); ERPNext writes the
	rest off in company currency."""
	payment = doc("payment_entry_receive_eur")
	payment.update(
		paid_amount=419.16,
		received_amount=454.24,
		source_exchange_rate=1.0837,
		base_paid_amount=454.24,
		base_received_amount=454.24,
		total_allocated_amount=423.99,
		base_total_allocated_amount=459.48,
		unallocated_amount=0.0,
		deductions=[{"account": account, "amount": amount} for account, amount in write_offs],
	)
	payment["references"][0]["allocated_amount"] = 423.99
	return payment


def test_write_off_is_the_euros_erpnext_relieved_at_a_rate_giving_its_dollars():
	# 423.99 - 419.16 = 4.83 EUR relieved beyond the money; 5.24 USD is no whole number of euro cents at 1.0837
	# (4.84 EUR x 1.0837 = 5.25), so the journal gets a rate of its own: 4.83 x 1.0849 = 5.24
	resolved = Resolved(eur_receipt_with_write_off(("Write Off - WP", 5.24)), us_context())

	(journal,) = resolved.prerequisites
	assert {str(line["Amount"]) for line in journal.body["Line"]} == {"4.83"}
	assert str(journal.body["ExchangeRate"]) == "1.0849"
	lines = resolved.payload.body["Line"]
	assert [str(line["Amount"]) for line in lines] == ["423.99", "4.83"]
	assert (
		resolved.payload.body["TotalAmt"] == sum(line["Amount"] for line in lines[:1]) - lines[1]["Amount"]
	), "nothing left unapplied: ERPNext settled the invoice in full"
	assert resolved.ledger().nonzero()["Write Off - WP"] == dec("5.24")


def test_several_write_offs_add_up_to_the_euros_erpnext_relieved():
	resolved = Resolved(
		eur_receipt_with_write_off(("Write Off - WP", 4.0), ("Miscellaneous Expenses - WP", 1.24)),
		us_context(),
	)

	(journal,) = resolved.prerequisites
	rate = journal.body["ExchangeRate"]
	deductions = [line for line in journal.body["Line"] if "Entity" not in line["JournalEntryLineDetail"]]
	assert sum(line["Amount"] for line in deductions) == dec("4.83")
	assert sorted(str(money(line["Amount"] * rate)) for line in deductions) == ["1.24", "4.00"]
	assert resolved.ledger().nonzero()["Write Off - WP"] == dec("4.00")


def test_deductions_no_rate_converts_exactly_fail_and_say_what_to_do():
	# 4.83 EUR for 3.00 + 2.24 USD: 2.77 + 2.06 EUR or 2.76 + 2.07 EUR, and neither pair has a common rate
	with pytest.raises(MappingError) as failure:
		Resolved(
			eur_receipt_with_write_off(("Write Off - WP", 3.0), ("Miscellaneous Expenses - WP", 2.24)),
			us_context(),
		)
	message = str(failure.value)
	assert "Write Off 3.00, Miscellaneous Expenses 2.24 USD" in message
	assert "one EUR journal entry" in message and "Put the deductions on one row" in message
