"""The sync record keeps what its error says as data: coded problems with their facts, JSON-ready, set and cleared
with `record.error`, which stays their English rendering."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from quickbooks_connector.mapping.errors import ONE_PROBLEM, SEVERAL_PROBLEMS, render_all
from quickbooks_connector.sync import SyncPolicy
from quickbooks_connector.sync.records import Status

INVOICE = "ACC-SINV-2026-00011"


def codes(record) -> list[str]:
	return [problem["code"] for problem in record.problems]


def assert_told(record) -> None:
	"""The record's problems are plain JSON and say exactly what its error says."""
	assert json.loads(json.dumps(record.problems)) == record.problems
	assert all(set(problem) == {"code", "message", "fix", "facts"} for problem in record.problems)
	assert render_all(record.problems) == record.error


def without_sales(world):
	mapped = {name: ref for name, ref in world.ctx.account_map.items() if name != "Sales - WP"}
	return world.engine_with(ctx=replace(world.ctx, account_map=mapped))


def test_a_failed_push_keeps_its_problems_and_a_successful_retry_clears_them(world):
	failed = without_sales(world).push("Sales Invoice", INVOICE)

	assert failed.status == Status.FAILED
	assert codes(failed) == [ONE_PROBLEM, "account_not_mapped"]
	assert failed.problems[1]["facts"]["account"] == "Sales - WP"
	assert_told(failed)
	assert world.port.get_record("Sales Invoice", INVOICE).problems == failed.problems

	synced = world.engine.push("Sales Invoice", INVOICE)

	assert synced.status == Status.SYNCED and synced.error is None and synced.problems == []


def test_the_desk_renders_a_stored_record_translated_and_escaped(world):
	failed = without_sales(world).push("Sales Invoice", INVOICE)

	shown = render_all(failed.problems, translate=lambda s: f"«{s}»", escape=lambda s: s.replace(" ", "_"))

	assert shown.startswith(f"«Sales_Invoice_{INVOICE}:» «ERPNext account 'Sales_-_WP' (")
	assert "» «Add it under QuickBooks Settings > Account Mapping, then press Retry" in shown


def test_a_document_waiting_for_its_invoice_says_so_as_data(world):
	record = without_sales(world).push("Payment Entry", "ACC-PAY-2026-00007")

	assert codes(record) == ["linked_not_synced_because"]
	facts = record.problems[0]["facts"]
	assert (facts["doctype"], facts["name"]) == ("Sales Invoice", INVOICE)
	assert "Sales - WP" in facts["says"]
	assert_told(record)


def test_skips_and_cancels_of_unsent_documents_keep_their_reason_as_data(make_world):
	world = make_world(policy=SyncPolicy(start_date=date(2026, 12, 1)))

	skipped = world.engine.push("Sales Invoice", INVOICE)
	assert codes(skipped) == ["before_start_date"]
	assert skipped.problems[0]["facts"]["start_date"] == "2026-12-01"
	assert_told(skipped)

	world.port.documents[("Sales Invoice", INVOICE)]["docstatus"] = 2
	cancelled = world.engine.cancel("Sales Invoice", INVOICE)
	assert cancelled.status == Status.SKIPPED
	assert codes(cancelled) == ["cancelled_before_reaching_quickbooks"]
	assert_told(cancelled)


def test_several_problems_are_listed_under_their_heading(world):
	record = world.engine_with(ctx=replace(world.ctx, account_map={})).push(
		"Purchase Invoice", "ACC-PINV-2026-00004"
	)

	assert record.problems[0]["code"] == SEVERAL_PROBLEMS and len(record.problems) > 2
	assert record.problems[0]["facts"] == {
		"subject": "Purchase Invoice ACC-PINV-2026-00004",
		"count": str(len(record.problems) - 1),
	}
	assert set(codes(record)[1:]) == {"account_not_mapped"}
	assert_told(record)
