"""Stock and cost of goods -> QuickBooks JournalEntry: what each journal books per account, the rows it refuses and
why, the invoice's stock companion, the daily summary, and what is checked before a stock document is submitted."""

from __future__ import annotations

import copy
from collections import defaultdict
from decimal import Decimal

import pytest

from quickbooks_connector.mapping import MappingError, QBOPayload, Skip, plan
from quickbooks_connector.mapping.context import QBOAccountRef, QBOListRef
from quickbooks_connector.mapping.money import money
from quickbooks_connector.mapping.stock import (
	COMPANION,
	DAILY_SUMMARY,
	EXPECTED_ACCOUNTS,
	GL_ROWS,
	IN_SUMMARY,
	PER_VOUCHER,
	SUMMARY_DOCTYPE,
	summary_document,
)
from quickbooks_connector.sample_data import as_posted
from quickbooks_connector.sync.preflight import preflight

from .support import Resolved, load, samples, us_context

STOCK = "Stock In Hand - WP"
COGS = "Cost of Goods Sold - WP"
SRBNB = "Stock Received But Not Billed - WP"
VOUCHERS = ["dn_delivery_note", "pr_purchase_receipt", "se_material_issue", "se_material_receipt"]
VOUCHERS += ["sr_stock_reconciliation", "pr_purchase_receipt_after_landed_cost"]


def context(label: str = "dn_delivery_note", **changes):
	return us_context(label, **{"stock_journals": PER_VOUCHER, **changes})


def posted(label: str) -> dict:
	fixture = load(f"transactions/{label}.json")
	return as_posted(fixture["doc"], fixture.get("gl_entries") or [], samples().chart)


def gl_row(account: str, debit: float = 0.0, credit: float = 0.0, **fields) -> dict:
	row = {"account": account, "debit": debit, "credit": credit, "account_currency": "USD"}
	row.update(debit_in_account_currency=debit, credit_in_account_currency=credit, cost_center="Main - WP")
	row.update(fields)
	return row


def voucher(*rows: dict, label: str = "se_material_issue") -> dict:
	document = posted(label)
	document[GL_ROWS] = list(rows)
	return document


def books(payload: QBOPayload, ctx) -> dict[str, Decimal]:
	"""Net debit per ERPNext account of a JournalEntry (one-to-one test mapping)."""
	by_id = {ref.id: name for name, ref in ctx.account_map.items()}
	net: dict[str, Decimal] = defaultdict(Decimal)
	for line in payload.body["Line"]:
		detail = line["JournalEntryLineDetail"]
		net[by_id[detail["AccountRef"]["value"]]] += (
			line["Amount"] if detail["PostingType"] == "Debit" else -line["Amount"]
		)
	return {account: amount for account, amount in net.items() if amount}


def gl(rows: list[dict]) -> dict[str, Decimal]:
	net: dict[str, Decimal] = defaultdict(Decimal)
	for row in rows:
		net[row["account"]] += money(row["debit"]) - money(row["credit"])
	return {account: amount for account, amount in net.items() if amount}


def codes(error: MappingError) -> list[str]:
	return [problem.code for problem in error.problems]


@pytest.mark.parametrize("label", VOUCHERS)
def test_each_stock_voucher_books_exactly_its_gl_rows(label):
	document = posted(label)
	ctx = context(label)
	resolved = Resolved(document, ctx)
	assert resolved.payload.entity == "JournalEntry"
	assert books(resolved.payload, ctx) == gl(document[GL_ROWS])
	assert resolved.payload.body["DocNumber"] == document["name"]
	assert resolved.payload.body["TxnDate"] == document["posting_date"]
	assert "CurrencyRef" in resolved.payload.body and "ExchangeRate" not in resolved.payload.body
	assert resolved.followups == [] and resolved.prerequisites == []


def test_rows_of_one_account_and_cost_center_are_one_line_and_cost_centers_stay_apart():
	document = voucher(
		gl_row(COGS, debit=10.0),
		gl_row(COGS, debit=5.25),
		gl_row(COGS, debit=2.0, cost_center="East - WP"),
		gl_row(STOCK, credit=17.25),
	)
	classes = {"Main - WP": QBOListRef("13", "Head office"), "East - WP": QBOListRef("11", "East")}
	ctx = context(track_classes=True, class_map=classes)
	body = Resolved(document, ctx).payload.body
	lines = [
		(
			line["Amount"],
			line["JournalEntryLineDetail"]["AccountRef"]["name"],
			line["JournalEntryLineDetail"].get("ClassRef", {}).get("value"),
		)
		for line in body["Line"]
	]
	assert lines == [
		(Decimal("15.25"), "Cost of Goods Sold", "13"),
		(Decimal("2.00"), "Cost of Goods Sold", "11"),
		(Decimal("17.25"), "Stock In Hand", "13"),
	]


def test_an_unmapped_account_is_named_with_the_rows_using_it():
	ctx = context()
	unmapped = {name: ref for name, ref in ctx.account_map.items() if name != STOCK}
	with pytest.raises(MappingError) as raised:
		plan(posted("se_material_issue"), context(account_map=unmapped))
	assert codes(raised.value) == ["account_not_mapped"]
	assert "GL row 2 (Stock In Hand - WP)" in str(raised.value)


def test_rows_that_do_not_balance_are_refused():
	with pytest.raises(MappingError) as raised:
		plan(voucher(gl_row(COGS, debit=10.0), gl_row(STOCK, credit=9.99)), context())
	assert codes(raised.value) == ["stock_unbalanced"]
	assert "10.00" in str(raised.value) and "9.99" in str(raised.value)


def test_a_row_in_another_currency_is_refused():
	document = voucher(gl_row(COGS, debit=10.0), gl_row(STOCK, credit=10.0, account_currency="EUR"))
	with pytest.raises(MappingError) as raised:
		plan(document, context())
	assert codes(raised.value) == ["stock_foreign_account"]


def test_a_receivable_row_carries_its_customer_and_one_without_a_party_is_refused():
	ctx = context()
	with_party = voucher(
		gl_row("Debtors - WP", debit=10.0, party_type="Customer", party="Acme Corp"),
		gl_row(STOCK, credit=10.0),
	)
	resolved = Resolved(with_party, ctx)
	(receivable,) = (
		line for line in resolved.payload.body["Line"] if "Entity" in line["JournalEntryLineDetail"]
	)
	assert receivable["JournalEntryLineDetail"]["Entity"] == {
		"Type": "Customer",
		"EntityRef": {"value": "P1"},
	}
	assert [party.name for party in resolved.deps.all_parties] == ["Acme Corp"]

	with pytest.raises(MappingError) as raised:
		plan(voucher(gl_row("Debtors - WP", debit=10.0), gl_row(STOCK, credit=10.0)), ctx)
	assert codes(raised.value) == ["stock_party_needed"]


def test_a_voucher_that_posts_nothing_is_skipped_with_the_reason():
	skip = plan(voucher(), context())
	assert isinstance(skip, Skip) and skip.problem.code == "stock_voucher_posts_nothing"
	assert "MAT-STE-2026-00004" in skip.reason


@pytest.mark.parametrize(
	"ctx, code",
	[
		(us_context("se_material_issue"), "stock_journals_off"),
		(context(stock_journals=DAILY_SUMMARY), "stock_in_daily_summary"),
	],
)
def test_a_voucher_not_sent_on_its_own_says_where_it_goes(ctx, code):
	skip = plan(posted("se_material_issue"), ctx)
	assert isinstance(skip, Skip) and skip.problem.code == code
	assert "MAT-STE-2026-00004" in skip.reason


def test_a_voucher_of_a_day_already_summarised_stays_in_that_summary():
	document = posted("se_material_issue")
	document[IN_SUMMARY] = "2026-12-02-WP"
	skip = plan(document, context())
	assert isinstance(skip, Skip) and "2026-12-02-WP" in skip.reason
	invoice = posted("si_update_stock")
	invoice[IN_SUMMARY] = "2026-12-02-WP"
	assert [extra.key for extra in Resolved(invoice, context("si_update_stock")).followups] == []


def test_a_landed_cost_on_a_receipt_posts_nothing_itself_and_one_on_a_bill_is_refused():
	ctx = context("lcv_landed_cost")
	skip = plan(posted("lcv_landed_cost"), ctx)
	assert isinstance(skip, Skip) and skip.problem.code == "landed_cost_on_receipts"
	on_invoice = posted("lcv_landed_cost")
	for table in ("items", "purchase_receipts"):
		for row in on_invoice[table]:
			row.update(receipt_document_type="Purchase Invoice", receipt_document="ACC-PINV-2026-00042")
	with pytest.raises(MappingError) as raised:
		plan(on_invoice, ctx)
	assert codes(raised.value) == ["landed_cost_on_invoice"]
	assert "45.00" in str(raised.value) and "ACC-PINV-2026-00042" in str(raised.value)


# The invoice that updates stock ---------------------------------------------------------------------------------


def test_the_invoices_companion_books_only_its_stock_and_cost_rows():
	ctx = context("si_update_stock")
	resolved = Resolved(posted("si_update_stock"), ctx)
	(journal,) = resolved.followups
	assert (journal.entity, journal.key, journal.doc_number) == (
		"JournalEntry",
		COMPANION,
		"ACC-SINV-2026-00229",
	)
	assert books(journal, ctx) == {COGS: Decimal("25.00"), STOCK: Decimal("-25.00")}
	assert journal.body["PrivateNote"].startswith("ERPNext Sales Invoice ACC-SINV-2026-00229;")


def test_an_invoice_without_stock_rows_has_no_companion():
	for label in ("si_from_delivery_note", "sales_invoice_basic_taxed"):
		assert Resolved(posted(label), context(label)).followups == []


def test_an_unmapped_stock_account_stops_the_invoice_with_its_own_problems():
	ctx = context("si_update_stock")
	unmapped = {name: ref for name, ref in ctx.account_map.items() if name not in (COGS, "Sales - WP")}
	with pytest.raises(MappingError) as raised:
		plan(posted("si_update_stock"), context("si_update_stock", account_map=unmapped))
	message = str(raised.value)
	assert (
		"Sales - WP" in message and COGS in message
	), "one error lists the invoice's and the stock's accounts"


def test_the_invoices_stock_rows_are_told_apart_by_account_type_and_item_expense_account():
	document = posted("si_update_stock")
	for row in document[GL_ROWS]:
		row.pop("account_type")
	# without account types only the items' expense account is recognised: the rows no longer balance
	with pytest.raises(MappingError) as raised:
		plan(document, context("si_update_stock"))
	assert codes(raised.value) == ["stock_unbalanced"]


# Daily summary --------------------------------------------------------------------------------------------------


def day(*labels: str) -> dict:
	return summary_document(
		"2026-12-02-WP", "Wind Power LLC", "2026-12-02", [posted(label) for label in labels]
	)


def test_the_daily_summary_sums_the_days_stock_postings_per_account():
	ctx = context(stock_journals=DAILY_SUMMARY)
	labels = (
		"dn_delivery_note",
		"se_material_issue",
		"se_material_receipt",
		"si_update_stock",
		"si_from_delivery_note",
	)
	resolved = Resolved(day(*labels), ctx)
	payload = resolved.payload
	expected: dict[str, Decimal] = defaultdict(Decimal)
	for label in labels:
		for account, amount in gl(load(f"transactions/{label}.json")["gl_entries"]).items():
			if not label.startswith("si_") or account in (STOCK, COGS):
				expected[account] += amount
	assert books(payload, ctx) == {account: amount for account, amount in expected.items() if amount}
	assert (payload.entity, payload.doc_number, payload.body["TxnDate"]) == (
		"JournalEntry",
		"STOCK-2026-12-02",
		"2026-12-02",
	)
	assert len(payload.body["Line"]) == 2, "one line per account"
	note = payload.body["PrivateNote"]
	assert note.startswith(f"ERPNext {SUMMARY_DOCTYPE} 2026-12-02-WP;")
	assert "4 vouchers" in note and "ACC-SINV-2026-00229" in note and "ACC-SINV-2026-00230" not in note


def test_a_summary_is_sent_whatever_the_mode_now_and_an_empty_day_posts_nothing():
	assert isinstance(Resolved(day("dn_delivery_note"), context()).payload, QBOPayload)
	skip = plan(day(), context(stock_journals=DAILY_SUMMARY))
	assert isinstance(skip, Skip) and skip.problem.code == "stock_posts_nothing"


# Before submit ------------------------------------------------------------------------------------------------------


def draft(label: str, accounts: list[str]) -> dict:
	document = copy.deepcopy(load(f"transactions/{label}.json")["doc"])
	document[EXPECTED_ACCOUNTS] = [{"account": account, "usage": f"stock of {label}"} for account in accounts]
	return document


def test_before_submit_the_accounts_the_voucher_will_post_to_must_be_mapped():
	ctx = context()
	assert preflight(draft("se_material_issue", [STOCK, COGS]), ctx) == []
	unmapped = {name: ref for name, ref in ctx.account_map.items() if name != SRBNB}
	problems = preflight(draft("pr_purchase_receipt", [STOCK, SRBNB]), context(account_map=unmapped))
	assert [problem.code for problem in problems] == ["account_not_mapped"]
	assert SRBNB in str(problems[0]) and "stock of pr_purchase_receipt" in str(problems[0])


def test_before_submit_an_invoice_that_updates_stock_checks_its_stock_accounts_too():
	ctx = context("si_update_stock")
	unmapped = {name: ref for name, ref in ctx.account_map.items() if name != COGS}
	problems = preflight(
		draft("si_update_stock", [STOCK, COGS]), context("si_update_stock", account_map=unmapped)
	)
	assert any(COGS in str(problem) for problem in problems)
	mapped = {**unmapped, COGS: QBOAccountRef("77", "Cost of sales", "Cost of Goods Sold")}
	assert (
		preflight(draft("si_update_stock", [STOCK, COGS]), context("si_update_stock", account_map=mapped))
		== []
	)
