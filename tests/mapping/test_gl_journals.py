"""Documents no QuickBooks form books go as journal entries of their own GL rows: payments to employees and other
party types, without a party, with taxes, transfers across currencies; a fixed asset sale's disposal. What the
payloads book must be the GL rows, account by account; what cannot be booked fails with its coded problem."""

from __future__ import annotations

import ast
import copy
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from quickbooks_connector.mapping import MappingError, QBOAccountRef, Skip
from quickbooks_connector.mapping.gl_journal import GL_ROWS
from quickbooks_connector.mapping.money import money

from .support import Resolved, account_map, doc, load, us_context

MAPPING = Path(__file__).resolve().parents[2] / "quickbooks_connector" / "mapping"
BANK, PAYROLL, TDS = "Chase Checking - WP", "Payroll Payable - WP", "Input Tax Credit - WP"


def gl(account: str, debit: float = 0.0, credit: float = 0.0, **fields) -> dict:
	"""A GL row in company currency unless `fields` say otherwise."""
	row = {
		"account": account,
		"account_currency": "USD",
		"debit": debit,
		"credit": credit,
		"debit_in_account_currency": debit,
		"credit_in_account_currency": credit,
		"party_type": None,
		"party": None,
		"against_voucher_type": None,
		"against_voucher": None,
	}
	row.update(fields)
	return row


def employee_payment(amount: float = 250.0, account: str = PAYROLL) -> dict:
	"""A reimbursement paid to an employee from the bank, as ERPNext posts it."""
	payment = doc("payment_entry_pay")
	payment.update(
		name="ACC-PAY-2026-00101",
		party_type="Employee",
		party="HR-EMP-00007",
		party_name="Dana Scully",
		paid_to=account,
		paid_to_account_type="Payable",
		paid_amount=amount,
		received_amount=amount,
		base_paid_amount=amount,
		base_received_amount=amount,
		total_allocated_amount=0.0,
		references=[],
	)
	payment[GL_ROWS] = [
		gl(BANK, credit=amount),
		gl(account, debit=amount, party_type="Employee", party="HR-EMP-00007"),
	]
	return payment


def booked(*payloads) -> dict[str, Decimal]:
	"""What journal entry payloads book per ERPNext account (test mapping is one to one), net debit, home."""
	names = {ref.id: name for name, ref in account_map().items()}
	net: dict[str, Decimal] = defaultdict(Decimal)
	for payload in payloads:
		rate = Decimal(str(payload.body.get("ExchangeRate", 1)))
		for line in payload.body["Line"]:
			detail = line["JournalEntryLineDetail"]
			sign = 1 if detail["PostingType"] == "Debit" else -1
			net[names[detail["AccountRef"]["value"]]] += money(sign * line["Amount"] * rate)
	return {account: amount for account, amount in net.items() if amount}


def gl_net(rows: list[dict]) -> dict[str, Decimal]:
	net: dict[str, Decimal] = defaultdict(Decimal)
	for row in rows:
		net[row["account"]] += money(row["debit"]) - money(row["credit"])
	return {account: amount for account, amount in net.items() if amount}


def test_a_payment_to_an_employee_books_its_gl_rows_with_the_quickbooks_employee():
	payment = employee_payment()
	resolved = Resolved(payment, us_context())

	assert resolved.payload.entity == "JournalEntry"
	assert booked(resolved.payload) == gl_net(payment[GL_ROWS])
	(party,) = resolved.deps.all_parties
	assert (party.kind, party.name, party.erpnext_doctype) == ("Employee", "HR-EMP-00007", "Employee")
	payroll = next(
		line for line in resolved.payload.body["Line"] if "Entity" in line["JournalEntryLineDetail"]
	)
	assert payroll["JournalEntryLineDetail"]["Entity"] == {"Type": "Employee", "EntityRef": {"value": "P1"}}
	assert resolved.payload.body["PrivateNote"].startswith("ERPNext Payment Entry ACC-PAY-2026-00101; Pay (")
	assert resolved.followups == []


def test_an_employee_on_an_accounts_payable_line_fails_with_what_to_map_instead():
	with pytest.raises(MappingError) as raised:
		Resolved(employee_payment(account="Employee Advances - WP"), us_context())
	(problem,) = raised.value.problems
	assert problem.code == "journal_party_type_refused"
	assert problem.facts["party_type"] == "Employee" and "Employee Advances - WP" in str(raised.value)


def test_an_employee_in_a_foreign_currency_journal_fails():
	payment = employee_payment()
	payment[GL_ROWS] = [
		gl(BANK, credit=110.0),
		gl(
			PAYROLL,
			debit=110.0,
			credit_in_account_currency=0.0,
			debit_in_account_currency=100.0,
			account_currency="EUR",
			party_type="Employee",
			party="HR-EMP-00007",
		),
	]
	with pytest.raises(MappingError) as raised:
		Resolved(payment, us_context())
	assert "journal_employee_currency" in {problem.code for problem in raised.value.problems}


def test_a_shareholder_payment_names_the_shareholder_on_the_line():
	payment = employee_payment(account="Dividends Paid - WP")
	payment.update(party_type="Shareholder", party="SH-0001")
	payment[GL_ROWS][1].update(party_type="Shareholder", party="SH-0001")
	resolved = Resolved(payment, us_context())

	assert booked(resolved.payload) == gl_net(payment[GL_ROWS])
	assert resolved.deps.all_parties == ()
	descriptions = [line.get("Description") for line in resolved.payload.body["Line"]]
	assert "Shareholder SH-0001" in descriptions


def test_a_payment_without_a_party_books_its_gl_rows():
	payment = employee_payment()
	payment.update(party_type=None, party=None, paid_to="Office Rent - WP")
	payment[GL_ROWS] = [gl(BANK, credit=1200.0), gl("Office Rent - WP", debit=1200.0)]
	resolved = Resolved(payment, us_context())

	assert booked(resolved.payload) == {BANK: Decimal("-1200.00"), "Office Rent - WP": Decimal("1200.00")}


def test_a_receipt_with_taxes_withheld_books_its_gl_rows_and_settles_the_invoice():
	# the customer pays 950 of a 1000 invoice and withholds 50 of tax (Advance Taxes and Charges)
	payment = doc("payment_entry_receive_partial")
	invoice = payment["references"][0]["reference_name"]
	customer, receivable = payment["party"], payment["paid_from"]
	payment["taxes"] = [{"account_head": TDS, "tax_amount": 50.0, "add_deduct_tax": "Deduct"}]
	payment[GL_ROWS] = [
		gl(payment["paid_to"], debit=950.0),
		gl(TDS, debit=50.0),
		gl(
			receivable,
			credit=1000.0,
			party_type="Customer",
			party=customer,
			against_voucher_type="Sales Invoice",
			against_voucher=invoice,
		),
	]
	resolved = Resolved(payment, us_context())

	assert resolved.payload.entity == "JournalEntry"
	assert booked(resolved.payload) == gl_net(payment[GL_ROWS])
	(applied,) = resolved.followups
	assert (applied.entity, applied.body["TotalAmt"]) == ("Payment", Decimal("0"))
	linked = [line["LinkedTxn"][0] for line in applied.body["Line"]]
	assert linked == [{"TxnId": "T1", "TxnType": "Invoice"}, {"TxnId": "NEW", "TxnType": "JournalEntry"}]
	assert [line["Amount"] for line in applied.body["Line"]] == [Decimal("1000.00")] * 2


def test_a_transfer_to_a_foreign_account_is_a_journal_in_that_currency_keeping_both_home_amounts():
	transfer = doc("payment_entry_pay")
	transfer.update(
		payment_type="Internal Transfer",
		party_type=None,
		party=None,
		references=[],
		paid_to="Debtors EUR - WP",
		paid_to_account_currency="EUR",
		paid_amount=1085.0,
		base_paid_amount=1085.0,
		received_amount=1000.0,
		base_received_amount=1085.0,
		target_exchange_rate=1.085,
	)
	transfer[GL_ROWS] = [
		gl(BANK, credit=1085.0),
		gl("Debtors EUR - WP", debit=1085.0, debit_in_account_currency=1000.0, account_currency="EUR"),
	]
	ctx = us_context(
		account_map={**account_map(), "Debtors EUR - WP": QBOAccountRef("990", "EUR Bank", "Bank")}
	)
	resolved = Resolved(transfer, ctx)

	body = resolved.payload.body
	assert (body["CurrencyRef"], Decimal(str(body["ExchangeRate"]))) == ({"value": "EUR"}, Decimal("1.085"))
	lines = {line["JournalEntryLineDetail"]["AccountRef"]["value"]: line["Amount"] for line in body["Line"]}
	assert lines["990"] == Decimal("1000.00")  # the euros that arrived
	home = {key: money(amount * Decimal("1.085")) for key, amount in lines.items()}
	assert set(home.values()) == {Decimal("1085.00")}


def test_a_transfer_between_two_foreign_currencies_fails_with_what_to_do():
	transfer = doc("payment_entry_pay")
	transfer.update(
		payment_type="Internal Transfer",
		party_type=None,
		party=None,
		references=[],
		paid_from_account_currency="GBP",
		paid_to_account_currency="EUR",
	)
	transfer[GL_ROWS] = []
	with pytest.raises(MappingError) as raised:
		Resolved(transfer, us_context())
	(problem,) = raised.value.problems
	assert problem.code == "transfer_between_foreign_currencies"
	assert "two internal transfers through a USD account" in str(raised.value)


def test_before_submit_only_the_accounts_are_checked():
	payment = employee_payment()
	del payment[GL_ROWS]
	assert Resolved(payment, us_context()).planned.problem.code == "gl_rows_not_posted_yet"
	unmapped = {name: ref for name, ref in account_map().items() if name != PAYROLL}
	with pytest.raises(MappingError) as raised:
		Resolved(payment, us_context(account_map=unmapped))
	assert [problem.code for problem in raised.value.problems] == ["account_not_mapped"]


def test_a_submitted_payment_without_gl_rows_fails_instead_of_vanishing():
	payment = employee_payment()
	payment[GL_ROWS] = []
	with pytest.raises(MappingError) as raised:
		Resolved(payment, us_context())
	assert [problem.code for problem in raised.value.problems] == ["gl_rows_missing"]


# Fixed asset sale -----------------------------------------------------------------------------------------------

DISPOSAL, ASSET, DEPRECIATION = (
	"Gain/Loss on Asset Disposal - WP",
	"Office Equipments - WP",
	"Accumulated Depreciation - WP",
)


def asset_sale(selling: float = 400.0, cost: float = 1000.0, depreciated: float = 700.0) -> dict:
	"""The basic invoice with its widget line replaced by a fixed asset sold for `selling`; its GL rows as ERPNext
	posts them: no income for the asset, its cost and depreciation taken off, the gain on the disposal account."""
	fixture = load("transactions/sales_invoice_basic_taxed.json")
	invoice = copy.deepcopy(fixture["doc"])
	invoice["name"] = "ACC-SINV-2026-00901"
	widget = invoice["items"][1]
	widget_amount = widget["base_net_amount"]
	widget.update(is_fixed_asset=1, asset="ACC-ASSET-2026-00001", income_account=DISPOSAL)
	for field in (
		"rate",
		"amount",
		"net_rate",
		"net_amount",
		"base_rate",
		"base_amount",
		"base_net_rate",
		"base_net_amount",
	):
		widget[field] = selling
	widget["qty"] = 1
	difference = selling - widget_amount
	for field in (
		"total",
		"net_total",
		"base_total",
		"base_net_total",
		"grand_total",
		"base_grand_total",
		"rounded_total",
		"base_rounded_total",
		"outstanding_amount",
	):
		invoice[field] = round(invoice[field] + difference, 2)
	invoice["rounding_adjustment"] = invoice["base_rounding_adjustment"] = 0.0
	rows = [copy.deepcopy(row) for row in fixture["gl_entries"] if row["account"] != "Sales - WP"]
	for row in rows:
		if row["account"] == "Debtors - WP":
			row["debit"] = row["debit_in_account_currency"] = invoice["grand_total"]
	gain = selling - (cost - depreciated)
	rows += [
		gl(ASSET, credit=cost, account_type="Fixed Asset"),
		gl(DEPRECIATION, debit=depreciated, account_type="Accumulated Depreciation"),
		gl(DISPOSAL, credit=gain) if gain > 0 else gl(DISPOSAL, debit=-gain),
	]
	invoice[GL_ROWS] = rows
	return invoice


@pytest.mark.parametrize("selling", [400.0, 250.0], ids=["gain", "loss"])
def test_a_fixed_asset_sale_is_its_invoice_and_a_disposal_journal_booking_the_gl(selling):
	invoice = asset_sale(selling=selling)
	resolved = Resolved(invoice, us_context())

	assert resolved.payload.entity == "Invoice"
	(disposal,) = (payload for payload in resolved.followups if payload.key == "asset-disposal")
	assert disposal.entity == "JournalEntry"
	ledger = resolved.ledger()
	for account, amount in booked(disposal).items():
		ledger.net[account] += amount
	expected = gl_net(
		[row for row in invoice[GL_ROWS] if row["account"] not in ("Debtors - WP", "Sales Tax Payable - WP")]
	)
	assert {key: value for key, value in ledger.nonzero().items() if key not in ("party", "tax")} == expected
	assert ledger.net["party"] == money(invoice["grand_total"])
	assert "fixed asset disposal" in disposal.body["PrivateNote"]


def test_fixed_asset_rows_that_do_not_add_up_to_the_selling_amount_fail():
	invoice = asset_sale()
	invoice[GL_ROWS] = [row for row in invoice[GL_ROWS] if row["account"] != DEPRECIATION]
	with pytest.raises(MappingError) as raised:
		Resolved(invoice, us_context())
	assert "asset_disposal_rows_differ" in {problem.code for problem in raised.value.problems}


def test_a_disposal_account_shared_with_other_income_fails():
	invoice = asset_sale()
	invoice["items"][0]["income_account"] = DISPOSAL
	with pytest.raises(MappingError) as raised:
		Resolved(invoice, us_context())
	assert "asset_disposal_account_shared" in {problem.code for problem in raised.value.problems}


# What stays Skipped ---------------------------------------------------------------------------------------------

# Skips that move no money in QuickBooks' books, or whose money QuickBooks books from another record
NOT_MONEY = {
	"pos_invoice": "its consolidated Sales Invoice is sent",
	"period_closing_voucher": "QuickBooks closes its year itself",
	"doctype_not_sent": "not a posting document",
	"journal_posts_nothing": "nothing posted",
	"journal_exchange_gain_loss": "QuickBooks books the gain or loss of the pushed documents itself",
	"journal_revaluation": "unrealised: no money moves; QuickBooks' Home Currency Adjustment",
	"internal_customer_transfer": "ERPNext posts no income",
	"internal_supplier_transfer": "ERPNext posts no expense",
	"gl_rows_not_posted_yet": "before submit: nothing posted yet",
	"stock_valuation": "stock postings, sent by the stock journals",
	"stock_not_posted_yet": "before submit",
	"stock_journals_off": "a setting",
	"stock_in_daily_summary": "in the day's summary",
	"landed_cost_on_receipts": "the receipts' journals carry it",
	"stock_voucher_posts_nothing": "nothing posted",
}


def skip_codes() -> set[str]:
	codes = set()
	for path in MAPPING.glob("*.py"):
		for node in ast.walk(ast.parse(path.read_text())):
			if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Skip":
				for inner in ast.walk(node):
					if (
						isinstance(inner, ast.Call)
						and isinstance(inner.func, ast.Attribute)
						and inner.func.attr == "of"
						and inner.args
						and isinstance(inner.args[0], ast.Constant)
					):
						codes.add(inner.args[0].value)
	return codes


def test_nothing_that_moves_money_is_skipped():
	codes = skip_codes()
	assert {"journal_posts_nothing", "pos_invoice"} <= codes  # the scan finds the mappers' skips
	assert codes <= set(NOT_MONEY), codes - set(NOT_MONEY)
	for gone in (
		"payment_with_taxes",
		"payment_with_other_party",
		"payment_without_party",
		"fixed_asset_sale",
		"transfer_across_currencies",
	):
		assert gone not in codes


@pytest.mark.parametrize(
	"changes",
	[
		{"party_type": "Employee"},
		{"party_type": "Shareholder"},
		{"party_type": None, "party": None},
		{"taxes": [{"account_head": TDS, "tax_amount": 5.0}]},
	],
	ids=["employee", "shareholder", "no party", "taxes"],
)
def test_payments_once_skipped_are_no_longer_skipped(changes):
	payment = employee_payment()
	payment.update(changes)
	assert not isinstance(Resolved(payment, us_context()).planned, Skip)
