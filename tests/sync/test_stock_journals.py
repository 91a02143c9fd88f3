"""Stock and cost of goods pushed to an emulated QuickBooks company: each stock voucher's journal books its GL rows,
an invoice that updates stock sends its stock posting as a journal of its own, a landed cost updates its receipt's
journal in place, and the daily summary books a day's stock postings in one journal that follows every late change
without a second record. Exactly once throughout: pushes, cancels, lost answers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

import pytest

from quickbooks_connector.mapping.money import money
from quickbooks_connector.mapping.stock import DAILY_SUMMARY, SUMMARY_DOCTYPE, summary_document
from quickbooks_connector.sync import Status, refresh

DELIVERY = ("Delivery Note", "MAT-DN-2026-00002")
RECEIPT = ("Purchase Receipt", "MAT-PRE-2026-00002")
MATERIAL_RECEIPT = ("Stock Entry", "MAT-STE-2026-00003")
MATERIAL_ISSUE = ("Stock Entry", "MAT-STE-2026-00004")
RECONCILIATION = ("Stock Reconciliation", "MAT-RECO-2026-00002")
LANDED_COST = ("Landed Cost Voucher", "MAT-LCV-2026-00002")
STOCK_INVOICE = ("Sales Invoice", "ACC-SINV-2026-00229")
VOUCHERS = (DELIVERY, RECEIPT, MATERIAL_RECEIPT, MATERIAL_ISSUE, RECONCILIATION)
DAY = "2026-12-02"
SUMMARY = (SUMMARY_DOCTYPE, f"{DAY}-WP")


def books(world, qbo_id: str) -> dict[str, Decimal]:
	"""What a QuickBooks JournalEntry posts per ERPNext account (the world maps accounts one to one)."""
	by_id = {ref.id: name for name, ref in world.ctx.account_map.items()}
	held = world.client.read("JournalEntry", qbo_id)
	net: dict[str, Decimal] = defaultdict(Decimal)
	for line in held["Line"]:
		detail = line["JournalEntryLineDetail"]
		amount = money(line["Amount"])
		net[by_id[detail["AccountRef"]["value"]]] += amount if detail["PostingType"] == "Debit" else -amount
	return {account: amount for account, amount in net.items() if amount}


def gl(rows: list[dict], accounts: set[str] | None = None) -> dict[str, Decimal]:
	net: dict[str, Decimal] = defaultdict(Decimal)
	for row in rows:
		if accounts is None or row["account"] in accounts:
			net[row["account"]] += money(row["debit"]) - money(row["credit"])
	return {account: amount for account, amount in net.items() if amount}


def live_journals(world) -> list[dict]:
	return [
		row for row in world.held("JournalEntry") if not (row.get("PrivateNote") or "").startswith("Voided")
	]


def cancel_in_erpnext(world, doctype: str, name: str) -> None:
	doc = world.port.get_document(doctype, name)
	doc["docstatus"] = 2
	world.port.add_document(doc)


def repost(world, name: str) -> None:
	"""ERPNext re-posted the document (the export after its landed cost): its GL rows change."""
	doc, rows = world.fixtures.reposted[name]
	world.port.add_document(world.fixtures.posted(doc, rows))


@pytest.mark.parametrize("voucher", VOUCHERS, ids=lambda voucher: voucher[1])
def test_each_stock_voucher_lands_once_as_a_journal_booking_its_gl_rows(world, voucher):
	record = world.engine.push(*voucher)

	assert record.status == Status.SYNCED, record.error
	assert (record.qbo_entity, record.doc_number) == ("JournalEntry", voucher[1])
	assert not record.total_mismatch
	assert books(world, record.qbo_id) == gl(world.fixtures.gl_entries[voucher[1]])
	assert world.engine.push(*voucher).qbo_id == record.qbo_id
	assert len(live_journals(world)) == 1


def test_cancel_deletes_the_vouchers_journal(world):
	record = world.engine.push(*DELIVERY)
	cancel_in_erpnext(world, *DELIVERY)

	cancelled = world.engine.sync(*DELIVERY)

	assert cancelled.status == Status.VOIDED, cancelled.error
	assert record.qbo_id and live_journals(world) == []


def test_an_invoice_that_updates_stock_sends_its_stock_posting_after_itself_and_takes_it_back_on_cancel(
	world,
):
	record = world.engine.push(*STOCK_INVOICE)

	assert record.status == Status.SYNCED, record.error
	(journal,) = live_journals(world)
	assert record.related == {"after:stock": f"JournalEntry:{journal['Id']}"}
	rows = world.fixtures.gl_entries[STOCK_INVOICE[1]]
	assert books(world, journal["Id"]) == gl(rows, {"Stock In Hand - WP", "Cost of Goods Sold - WP"})
	assert money(world.client.read("Invoice", record.qbo_id)["TotalAmt"]) == Decimal("43.30")

	cancel_in_erpnext(world, *STOCK_INVOICE)
	cancelled = world.engine.sync(*STOCK_INVOICE)

	assert cancelled.status == Status.VOIDED, cancelled.error
	assert live_journals(world) == []


def test_a_lost_answer_is_looked_up_and_adopted_never_sent_twice(world):
	world.admin.inject_fault(
		match={"realm_id": world.realm_id, "path_regex": r"/journalentry(\?|$)"}, action="drop", times=1
	)
	lost = world.engine.push(*MATERIAL_ISSUE)
	assert lost.status == Status.FAILED and lost.outcome_unknown

	adopted = world.engine.push(*MATERIAL_ISSUE)

	assert adopted.status == Status.SYNCED, adopted.error
	assert [row["Id"] for row in live_journals(world)] == [adopted.qbo_id]


def test_a_lost_answer_of_the_invoices_stock_journal_is_adopted(world):
	world.engine.push(
		"Sales Invoice", "ACC-SINV-2026-00230"
	)  # the customer and item exist: only the journal is cut
	world.admin.inject_fault(
		match={"realm_id": world.realm_id, "path_regex": r"/journalentry(\?|$)"}, action="drop", times=1
	)
	lost = world.engine.push(*STOCK_INVOICE)
	assert lost.status == Status.FAILED and lost.qbo_id, "the invoice is in; its journal's answer was lost"

	again = world.engine.push(*STOCK_INVOICE)

	assert again.status == Status.SYNCED, again.error
	(journal,) = live_journals(world)
	assert again.related["after:stock"] == f"JournalEntry:{journal['Id']}"
	assert len(world.held("Invoice", "where DocNumber = {}", STOCK_INVOICE[1])) == 1


def test_a_landed_cost_updates_its_receipts_journal_in_place(world):
	before = world.engine.push(*RECEIPT)
	assert books(world, before.qbo_id) == {
		"Stock In Hand - WP": 900,
		"Stock Received But Not Billed - WP": -900,
	}
	voucher = world.engine.push(*LANDED_COST)
	assert voucher.status == Status.SKIPPED and RECEIPT[1] in voucher.error

	repost(world, RECEIPT[1])
	after = refresh(world.engine, *RECEIPT)

	assert after.status == Status.SYNCED, after.error
	assert after.qbo_id == before.qbo_id and [row["Id"] for row in live_journals(world)] == [before.qbo_id]
	assert books(world, after.qbo_id) == gl(world.fixtures.reposted[RECEIPT[1]][1])
	assert books(world, after.qbo_id)["Stock In Hand - WP"] == Decimal("945.00")
	assert not after.total_mismatch and after.erp_total == Decimal("945.00")
	assert after.history[-1]["operation"] == "update"

	world.admin.reset_stats()
	unchanged = refresh(world.engine, *RECEIPT)
	assert unchanged.sync_token == after.sync_token and unchanged.status == Status.SYNCED
	assert world.admin.stats()["requests"].get(world.realm_id, 0) == 0, "nothing to write, nothing asked"


def test_a_landed_cost_cancelled_takes_the_receipt_back_to_its_first_posting(world):
	world.engine.push(*RECEIPT)
	repost(world, RECEIPT[1])
	refresh(world.engine, *RECEIPT)

	world.port.add_document(
		world.fixtures.posted(world.doc(RECEIPT[1]))
	)  # ERPNext re-posts it without the cost
	back = refresh(world.engine, *RECEIPT)

	assert books(world, back.qbo_id) == gl(world.fixtures.gl_entries[RECEIPT[1]])
	assert len(live_journals(world)) == 1


def test_a_refresh_whose_answer_is_lost_sends_the_lines_again_and_stays_one_record(world):
	first = world.engine.push(*RECEIPT)
	repost(world, RECEIPT[1])
	world.admin.inject_fault(
		match={"realm_id": world.realm_id, "path_regex": r"/journalentry(\?|$)"}, action="drop", times=1
	)
	lost = refresh(world.engine, *RECEIPT)
	assert lost.status == Status.FAILED

	again = refresh(world.engine, *RECEIPT)

	assert again.status == Status.SYNCED, again.error
	assert [row["Id"] for row in live_journals(world)] == [first.qbo_id]
	assert books(world, first.qbo_id) == gl(world.fixtures.reposted[RECEIPT[1]][1])


def test_a_voucher_cancelled_before_a_refresh_is_removed(world):
	world.engine.push(*MATERIAL_RECEIPT)
	cancel_in_erpnext(world, *MATERIAL_RECEIPT)

	record = refresh(world.engine, *MATERIAL_RECEIPT)

	assert record.status == Status.VOIDED and live_journals(world) == []


# Daily summary ----------------------------------------------------------------------------------------------------


def summary_world(make_world):
	world = make_world()
	world.ctx = replace(world.ctx, stock_journals=DAILY_SUMMARY)
	world.engine = world.engine_with(ctx=world.ctx)
	return world


def put_summary(world, vouchers: list[tuple[str, str]]) -> None:
	"""The day's summary as the app's port builds it from the day's vouchers."""
	docs = [world.port.get_document(*voucher) for voucher in vouchers]
	posted = [doc for doc in docs if doc.get("docstatus") == 1]
	world.port.add_document(summary_document(SUMMARY[1], "Wind Power LLC", DAY, posted))


def day_gl(world, vouchers) -> dict[str, Decimal]:
	rows = [row for _doctype, name in vouchers for row in world.fixtures.gl_entries[name]]
	stock_accounts = {"Stock In Hand - WP", "Cost of Goods Sold - WP"}
	invoice_rows = {id(row) for row in world.fixtures.gl_entries[STOCK_INVOICE[1]]}
	return gl([row for row in rows if id(row) not in invoice_rows or row["account"] in stock_accounts])


def test_daily_summary_books_the_days_stock_postings_in_one_journal(make_world):
	world = summary_world(make_world)
	day = [*VOUCHERS, STOCK_INVOICE]
	for voucher in VOUCHERS:
		record = world.engine.push(*voucher)
		assert record.status == Status.SKIPPED and DAY in record.error
	invoice = world.engine.push(*STOCK_INVOICE)
	assert invoice.status == Status.SYNCED and invoice.related == {}, "its stock rows are the day's"
	put_summary(world, day)

	summary = world.engine.push(*SUMMARY)

	assert summary.status == Status.SYNCED, summary.error
	assert summary.doc_number == f"STOCK-{DAY}"
	(journal,) = live_journals(world)
	assert journal["TxnDate"] == DAY
	assert books(world, journal["Id"]) == day_gl(world, day)
	assert not summary.total_mismatch


def test_a_late_voucher_updates_the_days_summary_in_place(make_world):
	world = summary_world(make_world)
	put_summary(world, [DELIVERY, RECEIPT])
	first = world.engine.push(*SUMMARY)

	put_summary(world, [DELIVERY, RECEIPT, MATERIAL_ISSUE])  # submitted late, dated that day
	updated = refresh(world.engine, *SUMMARY)

	assert updated.status == Status.SYNCED and updated.qbo_id == first.qbo_id
	assert [row["Id"] for row in live_journals(world)] == [first.qbo_id]
	assert books(world, first.qbo_id) == day_gl(world, [DELIVERY, RECEIPT, MATERIAL_ISSUE])


def test_a_cancelled_voucher_leaves_the_summary_and_an_empty_day_leaves_quickbooks(make_world):
	world = summary_world(make_world)
	put_summary(world, [DELIVERY, MATERIAL_ISSUE])
	first = world.engine.push(*SUMMARY)

	cancel_in_erpnext(world, *DELIVERY)
	put_summary(world, [DELIVERY, MATERIAL_ISSUE])
	fewer = refresh(world.engine, *SUMMARY)
	assert books(world, fewer.qbo_id) == day_gl(world, [MATERIAL_ISSUE]) and fewer.qbo_id == first.qbo_id

	cancel_in_erpnext(world, *MATERIAL_ISSUE)
	put_summary(world, [DELIVERY, MATERIAL_ISSUE])
	empty = refresh(world.engine, *SUMMARY)
	assert empty.status == Status.VOIDED and live_journals(world) == []

	world.port.add_document(world.fixtures.posted(world.doc(MATERIAL_ISSUE[1])))  # amended back, say
	put_summary(world, [MATERIAL_ISSUE])
	again = refresh(world.engine, *SUMMARY)
	assert again.status == Status.SYNCED and again.generation == 1
	assert [row["Id"] for row in live_journals(world)] == [again.qbo_id] != [first.qbo_id]


def test_a_lost_answer_of_the_summary_is_adopted(make_world):
	world = summary_world(make_world)
	put_summary(world, list(VOUCHERS))
	world.admin.inject_fault(
		match={"realm_id": world.realm_id, "path_regex": r"/journalentry(\?|$)"}, action="drop", times=1
	)
	lost = refresh(world.engine, *SUMMARY)
	assert lost.outcome_unknown

	adopted = refresh(world.engine, *SUMMARY)

	assert adopted.status == Status.SYNCED, adopted.error
	assert [row["Id"] for row in live_journals(world)] == [adopted.qbo_id]
