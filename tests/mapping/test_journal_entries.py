"""Journal entries: what each QuickBooks JournalEntry books per account, the parties on its lines, how the documents
its rows settle are linked, currencies, and the entries that are refused or not sent."""

from __future__ import annotations

import copy
from collections import defaultdict
from decimal import Decimal

import pytest

from quickbooks_connector.mapping import (
	MappingContext,
	MappingError,
	PartySpec,
	QBOAccountRef,
	QBOPayload,
	Skip,
	plan,
)
from quickbooks_connector.mapping.money import money, to_decimal
from quickbooks_connector.sync.preflight import preflight

from .support import Resolved, as_decimals, assert_qbo_rules, doc, global_context, load, us_context

SAMPLES = [
	"je_bank_charges",
	"je_customer_credit_against_invoice",
	"je_supplier_debit_note",
	"je_opening",
	"je_write_off",
]
CTX = "je_bank_charges"  # the second batch's chart (Discount Allowed, Bank Charges ...)


def booked(payload: QBOPayload, ctx: MappingContext) -> dict[str, Decimal]:
	"""What a JournalEntry books per ERPNext account (through the one-to-one test mapping), in home currency: each
	line converted at the entry's ExchangeRate and rounded to the cent, as QuickBooks does."""
	by_id = {ref.id: name for name, ref in ctx.account_map.items()}
	rate = to_decimal(payload.body.get("ExchangeRate", 1))
	net: dict[str, Decimal] = defaultdict(Decimal)
	for line in payload.body["Line"]:
		detail = line["JournalEntryLineDetail"]
		amount = money(line["Amount"] * rate)
		net[by_id[detail["AccountRef"]["value"]]] += amount if detail["PostingType"] == "Debit" else -amount
	return {account: amount for account, amount in net.items() if amount}


def gl_by_account(fixture: dict) -> dict[str, Decimal]:
	net: dict[str, Decimal] = defaultdict(Decimal)
	for row in fixture["gl_entries"]:
		net[row["account"]] += money(row["debit"]) - money(row["credit"])
	return {account: amount for account, amount in net.items() if amount}


def entities(payload: QBOPayload) -> list[tuple[str, str, str]]:
	return [
		(
			line["JournalEntryLineDetail"]["AccountRef"]["name"],
			line["JournalEntryLineDetail"]["Entity"]["Type"],
			line["JournalEntryLineDetail"]["Entity"]["EntityRef"]["value"],
		)
		for line in payload.body["Line"]
		if "Entity" in line["JournalEntryLineDetail"]
	]


def row(account: str, debit: float = 0.0, credit: float = 0.0, **fields) -> dict:
	"""An Accounting Entries row in company currency (pass account_currency, exchange_rate and the
	*_in_account_currency amounts for a foreign one)."""
	values = {
		"account": account,
		"account_currency": "USD",
		"exchange_rate": 1.0,
		"debit": debit,
		"credit": credit,
		"debit_in_account_currency": debit,
		"credit_in_account_currency": credit,
		"party_type": None,
		"party": None,
		"reference_type": None,
		"reference_name": None,
		"user_remark": None,
	}
	values.update(fields)
	return values


def journal(*rows: dict, **fields) -> dict:
	"""A Journal Entry in the samples' shape with the given rows and header fields."""
	entry = doc("je_bank_charges")
	template = entry["accounts"][0]
	entry["accounts"] = [
		{**copy.deepcopy(template), "project": None, "cost_center": "Main - WP", "idx": idx, **values}
		for idx, values in enumerate(rows, start=1)
	]
	entry.update(
		voucher_type="Journal Entry",
		cheque_no=None,
		cheque_date=None,
		user_remark=None,
		multi_currency=int(any(values["account_currency"] != "USD" for values in rows)),
		total_debit=sum(values["debit"] for values in rows),
		total_credit=sum(values["credit"] for values in rows),
	)
	entry.update(fields)
	return entry


ACME = {"party_type": "Customer", "party": "Acme Corp"}
INITECH = {"party_type": "Supplier", "party": "Initech Supplies"}
GLOBEX = {"party_type": "Customer", "party": "Globex GmbH"}


def eur_receipt(rate: float = 1.09, **fields) -> dict:
	"""Globex pays 1120.00 EUR of its invoice ACC-SINV-2026-00013 into the USD bank, at `rate`."""
	home = round(1120 * rate, 2)
	return journal(
		row("Chase Checking - WP", debit=home),
		row(
			"Debtors EUR - WP",
			credit=home,
			account_currency="EUR",
			exchange_rate=rate,
			debit_in_account_currency=0.0,
			credit_in_account_currency=1120.0,
			reference_type="Sales Invoice",
			reference_name="ACC-SINV-2026-00013",
			**GLOBEX,
		),
		voucher_type="Bank Entry",
		**fields,
	)


# The bundled samples ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", SAMPLES)
def test_each_sample_books_exactly_its_gl_rows_per_account(label):
	fixture = load(f"transactions/{label}.json")
	ctx = us_context(label)
	resolved = Resolved(fixture["doc"], ctx)

	assert resolved.payload.entity == "JournalEntry"
	assert booked(resolved.payload, ctx) == gl_by_account(fixture)
	assert resolved.payload.body["DocNumber"] == fixture["doc"]["name"]
	assert resolved.payload.erp_total == money(fixture["doc"]["total_debit"])
	assert resolved.prerequisites == []


@pytest.mark.parametrize("label", SAMPLES)
def test_each_sample_follows_quickbooks_rules_in_every_country(label):
	fixture = load(f"transactions/{label}.json")
	for ctx in (us_context(label), global_context(label)):
		resolved = Resolved(fixture["doc"], ctx)
		assert_qbo_rules(resolved.payload, ctx)
		lines = resolved.payload.body["Line"]
		debits = sum(
			line["Amount"] for line in lines if line["JournalEntryLineDetail"]["PostingType"] == "Debit"
		)
		assert debits == sum(line["Amount"] for line in lines) - debits, "balanced"
		assert all(line["Amount"] > 0 for line in lines), "positive amounts, the side is the PostingType"
		assert preflight(fixture["doc"], ctx) == []


def test_bank_entry_carries_its_remark_and_cheque_reference_in_the_note():
	resolved = Resolved(load("transactions/je_bank_charges.json")["doc"], us_context(CTX))
	note = resolved.payload.body["PrivateNote"]
	assert note.startswith("ERPNext Journal Entry ACC-JV-2026-00014; Bank Entry")
	assert "Monthly account maintenance fee" in note
	assert "reference STMT-2026-11-FEE dated 2026-12-02" in note
	assert resolved.deps.party is None and resolved.deps.all_parties == ()
	assert resolved.followups == []
	assert {line["Description"] for line in resolved.payload.body["Line"]} == {
		"Monthly account maintenance fee"
	}


def test_credit_note_against_an_invoice_is_applied_to_it_with_a_zero_total_payment():
	resolved = Resolved(load("transactions/je_customer_credit_against_invoice.json")["doc"], us_context(CTX))

	assert [(linked.doctype, linked.name) for linked in resolved.deps.linked] == [
		("Sales Invoice", "ACC-SINV-2026-00225")
	]
	assert entities(resolved.payload) == [("Debtors", "Customer", "P1")]
	assert resolved.deps.party == PartySpec("Customer", "Acme Corp", "USD")
	(application,) = resolved.followups
	assert (application.entity, application.key, application.erp_total) == (
		"Payment",
		"apply-ACC-SINV-2026-00225",
		0,
	)
	body = application.body
	assert body["TotalAmt"] == 0 and body["CustomerRef"] == {"value": "P1"}
	assert [(str(line["Amount"]), line["LinkedTxn"]) for line in body["Line"]] == [
		("50.00", [{"TxnId": "T1", "TxnType": "Invoice"}]),
		("50.00", [{"TxnId": "NEW", "TxnType": "JournalEntry"}]),
	]
	assert body["ARAccountRef"]["name"] == "Debtors"
	assert body["PrivateNote"] == (
		"ERPNext Journal Entry ACC-JV-2026-00015; applied to Sales Invoice ACC-SINV-2026-00225"
	)


def test_write_off_entry_applies_what_it_writes_off():
	resolved = Resolved(load("transactions/je_write_off.json")["doc"], us_context(CTX))
	(application,) = resolved.followups
	assert [str(line["Amount"]) for line in application.body["Line"]] == ["0.64", "0.64"]
	assert "Write Off Entry" in resolved.payload.body["PrivateNote"]


def test_supplier_debit_note_on_account_names_the_vendor_and_links_nothing():
	resolved = Resolved(load("transactions/je_supplier_debit_note.json")["doc"], us_context(CTX))
	assert entities(resolved.payload) == [("Creditors", "Vendor", "P1")]
	assert resolved.deps.linked == () and resolved.followups == []
	assert "reference DN-INI-0007" in resolved.payload.body["PrivateNote"]


def test_opening_entry_is_sent_with_every_party_and_a_note_for_the_missing_opening_flag():
	resolved = Resolved(load("transactions/je_opening.json")["doc"], us_context(CTX))

	assert resolved.deps.all_parties == (
		PartySpec("Customer", "Acme Corp", "USD"),
		PartySpec("Vendor", "Initech Supplies", "USD"),
	)
	assert entities(resolved.payload) == [("Debtors", "Customer", "P1"), ("Creditors", "Vendor", "P2")]
	note = resolved.payload.body["PrivateNote"]
	assert "Opening Entry" in note and "no opening flag" in note
	assert booked(resolved.payload, us_context(CTX))["Opening Balance Equity - WP"] == Decimal("-2950.00")


def test_a_party_that_is_customer_and_supplier_is_each_on_its_own_line():
	entry = journal(
		row("Debtors - WP", debit=100.0, party_type="Customer", party="Umbrella Ltd"),
		row("Creditors - WP", credit=100.0, party_type="Supplier", party="Umbrella Ltd"),
		voucher_type="Contra Entry",
	)
	resolved = Resolved(entry, us_context(CTX))
	assert resolved.deps.all_parties == (
		PartySpec("Customer", "Umbrella Ltd", "USD"),
		PartySpec("Vendor", "Umbrella Ltd", "USD"),
	)
	assert entities(resolved.payload) == [("Debtors", "Customer", "P1"), ("Creditors", "Vendor", "P2")]


@pytest.mark.parametrize(
	"voucher_type",
	[
		"Journal Entry",
		"Bank Entry",
		"Cash Entry",
		"Credit Card Entry",
		"Debit Note",
		"Credit Note",
		"Contra Entry",
		"Write Off Entry",
		"Opening Entry",
		"Depreciation Entry",
		"Deferred Revenue",
		"Deferred Expense",
		"Inter Company Journal Entry",
	],
)
def test_every_voucher_type_is_sent_as_a_journal_entry_naming_it(voucher_type):
	entry = journal(
		row("Office Rent - WP", debit=1200.0),
		row("Cash - WP", credit=1200.0),
		voucher_type=voucher_type,
		user_remark="<p>December <b>rent</b></p>",
	)
	resolved = Resolved(entry, us_context(CTX))
	assert resolved.payload.entity == "JournalEntry"
	assert resolved.payload.body["PrivateNote"].startswith(
		f"ERPNext Journal Entry {entry['name']}; {voucher_type}; December rent"
	)
	assert booked(resolved.payload, us_context(CTX)) == as_decimals(
		{"Office Rent - WP": 1200, "Cash - WP": -1200}
	)


def test_deferred_revenue_rows_that_reference_an_invoice_are_posted_not_applied():
	entry = journal(
		row(
			"Deferred Revenue - WP", debit=100.0, reference_type="Sales Invoice", reference_name="ACC-SINV-1"
		),
		row("Service - WP", credit=100.0, reference_type="Sales Invoice", reference_name="ACC-SINV-1"),
		voucher_type="Deferred Revenue",
		is_system_generated=1,
	)
	deferred = QBOAccountRef("990", "Deferred Revenue", "Other Current Liability")
	ctx = us_context(CTX, account_map={**us_context(CTX).account_map, "Deferred Revenue - WP": deferred})
	resolved = Resolved(entry, ctx)
	assert resolved.deps.linked == () and resolved.followups == []
	assert "for Sales Invoice ACC-SINV-1" in resolved.payload.body["PrivateNote"]


def test_amended_entry_says_what_it_amends():
	entry = load("transactions/je_bank_charges.json")["doc"]
	entry.update(name="ACC-JV-2026-00014-1", amended_from="ACC-JV-2026-00014")
	resolved = Resolved(entry, us_context(CTX))
	assert resolved.payload.body["DocNumber"] == "ACC-JV-2026-00014-1"
	assert resolved.payload.body["PrivateNote"].endswith("amends ACC-JV-2026-00014")


# Settling documents -------------------------------------------------------------------------------------------------


def test_supplier_payment_by_journal_is_applied_to_the_bill_with_a_zero_total_bill_payment():
	entry = journal(
		row(
			"Creditors - WP",
			debit=671.15,
			reference_type="Purchase Invoice",
			reference_name="ACC-PINV-2026-00004",
			**INITECH,
		),
		row("Chase Checking - WP", credit=671.15),
		voucher_type="Bank Entry",
		cheque_no="CHQ-88",
		cheque_date="2026-12-02",
	)
	resolved = Resolved(entry, us_context(CTX))
	(application,) = resolved.followups
	body = application.body
	assert (application.entity, body["PayType"], body["TotalAmt"]) == ("BillPayment", "Check", 0)
	assert body["CheckPayment"]["BankAccountRef"]["name"] == "Chase Checking"  # the entry's bank row
	assert body["VendorRef"] == {"value": "P1"} and body["APAccountRef"]["name"] == "Creditors"
	assert [line["LinkedTxn"][0]["TxnType"] for line in body["Line"]] == ["Bill", "JournalEntry"]


def test_applying_to_a_bill_without_a_bank_row_names_the_default_bank_account():
	entry = journal(
		row(
			"Creditors - WP",
			debit=10.0,
			reference_type="Purchase Invoice",
			reference_name="ACC-PINV-2026-00004",
			**INITECH,
		),
		row("Software Subscriptions - WP", credit=10.0),
		voucher_type="Debit Note",
	)
	(application,) = Resolved(entry, us_context(CTX)).followups
	assert application.body["CheckPayment"]["BankAccountRef"]["name"] == "Chase Checking"
	with pytest.raises(MappingError, match="Default Bank Account"):
		plan(entry, us_context(CTX, default_bank_account=None))


def test_paying_a_bill_from_a_credit_card_by_journal_names_the_card():
	entry = journal(
		row(
			"Creditors - WP",
			debit=10.0,
			reference_type="Purchase Invoice",
			reference_name="ACC-PINV-2026-00004",
			**INITECH,
		),
		row("Amex Card - WP", credit=10.0),
		voucher_type="Credit Card Entry",
	)
	(application,) = Resolved(entry, us_context(CTX)).followups
	assert application.body["PayType"] == "CreditCard"
	assert application.body["CreditCardPayment"]["CCAccountRef"]["name"] == "Amex"


def test_rows_against_one_invoice_are_applied_once_with_their_total():
	entry = journal(
		row("Debtors - WP", credit=30.0, reference_type="Sales Invoice", reference_name="ACC-SINV-9", **ACME),
		row("Debtors - WP", credit=20.0, reference_type="Sales Invoice", reference_name="ACC-SINV-9", **ACME),
		row("Cash - WP", debit=50.0),
	)
	resolved = Resolved(entry, us_context(CTX))
	(application,) = resolved.followups
	assert [str(line["Amount"]) for line in application.body["Line"]] == ["50.00", "50.00"]
	assert len(resolved.deps.linked) == 1


def test_refund_of_a_credit_note_by_journal_is_applied_to_the_credit_memo():
	entry = journal(
		row(
			"Debtors - WP",
			debit=21.64,
			reference_type="Sales Invoice",
			reference_name="ACC-SINV-2026-00014",
			**ACME,
		),
		row("Chase Checking - WP", credit=21.64),
	)
	resolved = Resolved(entry, us_context(CTX), linked_entities={"ACC-SINV-2026-00014": "CreditMemo"})
	(application,) = resolved.followups
	assert [line["LinkedTxn"][0]["TxnType"] for line in application.body["Line"]] == [
		"CreditMemo",
		"JournalEntry",
	]


def test_a_debit_against_an_invoice_is_posted_and_noted_but_cannot_be_applied():
	entry = journal(
		row(
			"Debtors - WP",
			debit=0.64,
			reference_type="Sales Invoice",
			reference_name="ACC-SINV-2026-00226",
			**ACME,
		),
		row("Write Off - WP", credit=0.64),
		voucher_type="Write Off Entry",
	)
	resolved = Resolved(entry, us_context(CTX))
	assert resolved.followups == []
	assert (
		"against Sales Invoice ACC-SINV-2026-00226 adds to what it is owed"
		in resolved.payload.body["PrivateNote"]
	)


def test_references_to_other_documents_stay_unlinked_and_the_note_says_so():
	entry = journal(
		row(
			"Debtors - WP",
			credit=500.0,
			reference_type="Sales Order",
			reference_name="SO-1",
			is_advance="Yes",
			**ACME,
		),
		row("Cash - WP", debit=500.0),
	)
	resolved = Resolved(entry, us_context(CTX))
	assert resolved.deps.linked == () and resolved.followups == []
	assert (
		"against Sales Order SO-1 in ERPNext, not linked in QuickBooks"
		in resolved.payload.body["PrivateNote"]
	)


def test_credit_note_reconciled_against_its_invoice_is_the_payment_that_applies_it():
	"""ERPNext's Payment Reconciliation allocates a credit note kept open on itself to an invoice with a journal that
	posts nothing (both rows on the customer's receivable): QuickBooks gets the zero-total Payment linking both."""
	entry = journal(
		row(
			"Debtors - WP",
			credit=21.64,
			reference_type="Sales Invoice",
			reference_name="ACC-SINV-2026-00011",
			**ACME,
		),
		row(
			"Debtors - WP",
			debit=21.64,
			reference_type="Sales Invoice",
			reference_name="ACC-SINV-2026-00014",
			**ACME,
		),
		voucher_type="Credit Note",
		is_system_generated=1,
	)
	resolved = Resolved(entry, us_context(CTX), linked_entities={"ACC-SINV-2026-00014": "CreditMemo"})
	payload = resolved.payload
	assert (payload.entity, payload.body["TotalAmt"], resolved.followups) == ("Payment", 0, [])
	assert [(str(line["Amount"]), line["LinkedTxn"][0]["TxnType"]) for line in payload.body["Line"]] == [
		("21.64", "Invoice"),
		("21.64", "CreditMemo"),
	]
	assert "moves amounts between documents" in payload.body["PrivateNote"]


# Currencies ------------------------------------------------------------------------------------------------------


def test_foreign_receipt_is_a_journal_in_the_foreign_currency_keeping_every_home_amount():
	entry = eur_receipt(rate=1.09)
	ctx = us_context(CTX)
	resolved = Resolved(entry, ctx)
	body = resolved.payload.body

	assert body["CurrencyRef"] == {"value": "EUR"} and str(body["ExchangeRate"]) == "1.09"
	assert [str(line["Amount"]) for line in body["Line"]] == ["1120.00", "1120.00"]
	assert booked(resolved.payload, ctx) == as_decimals(
		{"Chase Checking - WP": 1220.80, "Debtors EUR - WP": -1220.80}
	)
	assert resolved.deps.party == PartySpec("Customer", "Globex GmbH", "EUR")
	(application,) = resolved.followups
	assert (
		application.body["CurrencyRef"] == {"value": "EUR"}
		and str(application.body["ExchangeRate"]) == "1.09"
	)
	assert application.body["ARAccountRef"]["name"] == "Debtors EUR"


def test_foreign_entry_with_an_exchange_difference_row_converts_each_home_row_to_the_cent():
	# 1000 EUR of the receivable at 1.0825 (1082.50) come in as 1100.00 USD: 17.50 exchange gain
	entry = journal(
		row("Chase Checking - WP", debit=1100.0),
		row(
			"Debtors EUR - WP",
			credit=1082.5,
			account_currency="EUR",
			exchange_rate=1.0825,
			debit_in_account_currency=0.0,
			credit_in_account_currency=1000.0,
			**GLOBEX,
		),
		row("Exchange Gain/Loss - WP", credit=17.5),
	)
	ctx = us_context(CTX)
	resolved = Resolved(entry, ctx)
	body = resolved.payload.body
	assert body["CurrencyRef"] == {"value": "EUR"}
	assert booked(resolved.payload, ctx) == as_decimals(
		{"Chase Checking - WP": 1100, "Debtors EUR - WP": -1082.50, "Exchange Gain/Loss - WP": -17.50}
	)
	lines = body["Line"]
	debits = sum(line["Amount"] for line in lines if line["JournalEntryLineDetail"]["PostingType"] == "Debit")
	assert debits * 2 == sum(line["Amount"] for line in lines), "balanced in EUR too"


def foreign_against(homes: list[float], rate: str) -> dict:
	"""Company-currency rows `homes` against one EUR receivable row worth their total at about `rate` (ERPNext
	keeps exchange rates to 9 decimals)."""
	total_home = round(sum(homes), 2)
	foreign = float(money(Decimal(str(total_home)) / Decimal(rate)))
	return journal(
		*(row("Office Rent - WP", debit=home) for home in homes),
		row(
			"Debtors EUR - WP",
			credit=total_home,
			account_currency="EUR",
			exchange_rate=round(total_home / foreign, 9),
			debit_in_account_currency=0.0,
			credit_in_account_currency=foreign,
			**GLOBEX,
		),
	)


@pytest.mark.parametrize(
	"rate,homes",
	[
		("0.8571", [12.34, 56.78, 0.99]),
		(
			"0.3",
			[0.01, 0.01, 0.01],
		),  # the converted amounts add up to 0.09 EUR of 0.10: the last takes the cent
		("0.0067", [1234.56, 99.99, 0.01]),
		("1.0825", [1082.5, 10.83]),
	],
)
def test_company_currency_rows_of_a_foreign_entry_convert_back_to_erpnexts_amounts(rate, homes):
	"""QuickBooks converts every line of the EUR entry at its ExchangeRate: the rate and the EUR amounts of the USD
	rows are chosen so that each line gives back ERPNext's amount and the entry balances in EUR."""
	ctx = us_context(CTX)
	resolved = Resolved(foreign_against(homes, rate), ctx)
	body = resolved.payload.body
	converted = [money(line["Amount"] * body["ExchangeRate"]) for line in body["Line"]]
	total = money(Decimal(str(sum(homes))))
	assert converted == [money(Decimal(str(home))) for home in homes] + [total]
	debits = sum(line["Amount"] for line in body["Line"][:-1])
	assert debits == body["Line"][-1]["Amount"], "balanced in EUR"
	assert booked(resolved.payload, ctx) == {"Office Rent - WP": total, "Debtors EUR - WP": -total}


def test_a_company_currency_amount_no_foreign_cent_converts_to_is_refused():
	"""At 146 USD to the unit, 3.00 USD is no whole number of cents of the foreign currency (2.92 or 4.39)."""
	with pytest.raises(MappingError, match="one exchange rate"):
		plan(foreign_against([10000.0, 2500.5, 3.0], "146.23"), us_context(CTX))


def test_rows_in_two_foreign_currencies_are_refused():
	entry = journal(
		row(
			"Debtors EUR - WP",
			debit=108.25,
			account_currency="EUR",
			exchange_rate=1.0825,
			debit_in_account_currency=100.0,
			credit_in_account_currency=0.0,
			**GLOBEX,
		),
		row(
			"Chase Checking - WP",
			credit=108.25,
			account_currency="GBP",
			exchange_rate=1.25,
			debit_in_account_currency=0.0,
			credit_in_account_currency=86.6,
		),
	)
	with pytest.raises(MappingError, match="several foreign currencies") as error:
		plan(entry, us_context(CTX))
	assert "EUR on Accounting Entries row 1" in str(error.value) and "GBP on Accounting Entries row 2" in str(
		error.value
	)


def test_a_party_on_a_company_currency_account_in_a_foreign_entry_is_refused():
	entry = journal(
		row(
			"Debtors EUR - WP",
			debit=108.25,
			account_currency="EUR",
			exchange_rate=1.0825,
			debit_in_account_currency=100.0,
			credit_in_account_currency=0.0,
			**GLOBEX,
		),
		row("Debtors - WP", credit=108.25, **ACME),
	)
	with pytest.raises(MappingError, match="Acme Corp's USD account in a EUR journal entry"):
		plan(entry, us_context(CTX))


def test_a_row_that_only_revalues_a_foreign_account_is_refused():
	entry = journal(
		row(
			"Debtors EUR - WP",
			debit=12.0,
			account_currency="EUR",
			exchange_rate=0.0,
			debit_in_account_currency=0.0,
			credit_in_account_currency=0.0,
			**GLOBEX,
		),
		row("Exchange Gain/Loss - WP", credit=12.0),
		voucher_type="Journal Entry",
	)
	with pytest.raises(MappingError, match="changes only the USD value of a EUR account"):
		plan(entry, us_context(CTX))


def test_foreign_rows_no_single_rate_reproduces_are_refused():
	entry = journal(
		row(
			"Debtors EUR - WP",
			debit=110.0,
			account_currency="EUR",
			exchange_rate=1.1,
			debit_in_account_currency=100.0,
			credit_in_account_currency=0.0,
			**GLOBEX,
		),
		row(
			"Debtors EUR - WP",
			credit=120.0,
			account_currency="EUR",
			exchange_rate=1.2,
			debit_in_account_currency=0.0,
			credit_in_account_currency=100.0,
			**GLOBEX,
		),
		row("Exchange Gain/Loss - WP", debit=10.0),
	)
	with pytest.raises(MappingError, match="one exchange rate"):
		plan(entry, us_context(CTX))


def test_foreign_entry_needs_multicurrency_in_quickbooks():
	with pytest.raises(MappingError, match="Multicurrency is off"):
		plan(eur_receipt(), us_context(CTX, multicurrency=False))


# Refused ---------------------------------------------------------------------------------------------------------


def test_unbalanced_entry_is_refused():
	entry = journal(row("Office Rent - WP", debit=100.0), row("Cash - WP", credit=99.0))
	with pytest.raises(MappingError, match=r"debits \(100.00 USD\) and credits \(99.00 USD\) differ by 1.00"):
		plan(entry, us_context(CTX))


def test_every_unmapped_account_is_reported_once_with_every_row_using_it():
	mapped = dict(us_context(CTX).account_map)
	for name in ("Office Rent - WP", "Cash - WP"):
		mapped.pop(name)
	entry = journal(
		row("Office Rent - WP", debit=100.0),
		row("Office Rent - WP", debit=50.0),
		row("Cash - WP", credit=150.0),
	)
	with pytest.raises(MappingError) as error:
		plan(entry, us_context(CTX, account_map=mapped))
	text = str(error.value)
	assert "(2 problems)" in text
	assert "'Office Rent - WP' (Accounting Entries row 1 (Office Rent - WP); Accounting Entries row 2" in text
	assert "'Cash - WP'" in text


def test_an_employee_on_a_payable_account_is_refused_with_what_to_map():
	entry = journal(
		row("Employee Advances - WP", debit=300.0, party_type="Employee", party="HR-EMP-00001"),
		row("Cash - WP", credit=300.0),
	)
	with pytest.raises(
		MappingError, match="QuickBooks allows only a vendor on Accounts Payable lines"
	) as error:
		plan(entry, us_context(CTX))
	assert "Map 'Employee Advances - WP' to a QuickBooks account of another type" in str(error.value)


def test_an_employee_on_another_account_is_named_on_its_line():
	entry = journal(
		row("Payroll Payable - WP", debit=300.0, party_type="Employee", party="HR-EMP-00001"),
		row("Cash - WP", credit=300.0),
	)
	planned = plan(entry, us_context(CTX))
	assert [(party.kind, party.name) for party in planned.plan.parties] == [("Employee", "HR-EMP-00001")]


# Not sent --------------------------------------------------------------------------------------------------------


def gain_loss_entry(**fields) -> dict:
	"""What ERPNext makes when a EUR payment settles an invoice booked at another rate (accounts.utils
	.create_gain_loss_journal): the receivable's company-currency value against the exchange gain/loss account."""
	entry = journal(
		row(
			"Debtors EUR - WP",
			debit=8.4,
			account_currency="EUR",
			exchange_rate=0.0,
			debit_in_account_currency=0.0,
			credit_in_account_currency=0.0,
			reference_type="Sales Invoice",
			reference_name="ACC-SINV-2026-00013",
			**GLOBEX,
		),
		row(
			"Exchange Gain/Loss - WP",
			credit=8.4,
			reference_type="Payment Entry",
			reference_name="ACC-PAY-2026-00011",
		),
		voucher_type="Exchange Gain Or Loss",
		is_system_generated=1,
		multi_currency=1,
	)
	entry.update(fields)
	return entry


def test_exchange_gain_or_loss_of_a_pushed_payment_is_not_sent_quickbooks_books_its_own():
	skip = plan(gain_loss_entry(), us_context(CTX))
	assert isinstance(skip, Skip)
	assert "Payment Entry ACC-PAY-2026-00011" in skip.reason and "count them twice" in skip.reason


def test_exchange_rate_revaluation_is_not_sent():
	entry = journal(
		row(
			"Debtors EUR - WP",
			debit=1090.0,
			account_currency="EUR",
			exchange_rate=1.09,
			debit_in_account_currency=1000.0,
			reference_type="Exchange Rate Revaluation",
			reference_name="ACC-ERR-2026-00001",
			**GLOBEX,
		),
		row(
			"Debtors EUR - WP",
			credit=1082.5,
			account_currency="EUR",
			exchange_rate=1.0825,
			credit_in_account_currency=1000.0,
			reference_type="Exchange Rate Revaluation",
			reference_name="ACC-ERR-2026-00001",
			**GLOBEX,
		),
		row(
			"Exchange Gain/Loss - WP",
			credit=7.5,
			reference_type="Exchange Rate Revaluation",
			reference_name="ACC-ERR-2026-00001",
		),
		voucher_type="Exchange Rate Revaluation",
	)
	skip = plan(entry, us_context(CTX))
	assert isinstance(skip, Skip)
	assert (
		"Exchange Rate Revaluation ACC-ERR-2026-00001" in skip.reason
		and "Home Currency Adjustment" in skip.reason
	)


def test_period_closing_voucher_is_never_sent_and_says_why():
	skip = plan({"doctype": "Period Closing Voucher", "name": "ACC-PCV-2026-00001"}, us_context(CTX))
	assert isinstance(skip, Skip)
	assert "ACC-PCV-2026-00001" in skip.reason and "Retained Earnings" in skip.reason


def test_entry_without_any_amount_is_not_sent():
	skip = plan(journal(row("Cash - WP"), row("Office Rent - WP")), us_context(CTX))
	assert isinstance(skip, Skip) and "nothing to send" in skip.reason
