"""The sync record's history of writes, and Resync where it is safe."""

from __future__ import annotations

import json

import pytest

from quickbooks_connector.mapping import doc_number
from quickbooks_connector.sync import ResyncRefused, Status
from quickbooks_connector.sync import history as hist

from .test_trust import INVOICE_A, INVOICE_B, drop_next, ours


def test_every_write_is_in_the_history_with_its_request_id_answer_and_intuit_tid(world):
	record = world.engine.push("Sales Invoice", INVOICE_A)

	(create,) = (entry for entry in record.history if entry["entity"] == "Invoice")
	assert create["operation"] == "create" and create["outcome"] == hist.OK
	assert create["request_id"] == record.request_id and create["intuit_tid"]
	assert json.loads(create["answer"])["Id"] == record.qbo_id
	sent = json.loads(create["request"])
	assert sent["PrivateNote"].startswith(f"ERPNext Sales Invoice {INVOICE_A}")
	assert world.port.get_record("Sales Invoice", INVOICE_A).history == record.history


def test_a_lost_answer_and_the_adoption_that_followed_are_both_in_the_history(world):
	world.engine.push("Sales Invoice", INVOICE_A)
	drop_next(world, "invoice")
	world.engine.push("Sales Invoice", INVOICE_B)
	record = world.engine.push("Sales Invoice", INVOICE_B)

	outcomes = [entry["outcome"] for entry in record.history if entry["entity"] == "Invoice"]
	assert outcomes == [hist.UNKNOWN]  # the retry found the record instead of writing again
	assert record.status == Status.SYNCED


def test_a_refused_write_is_kept_with_quickbooks_fault(world):
	world.engine.push("Sales Invoice", INVOICE_A)
	world.admin.inject_fault(
		match={"realm_id": world.realm_id, "path_regex": r"/invoice(\?|$)"},
		action="error",
		status=401,
		times=2,
	)
	record = world.engine.push("Sales Invoice", INVOICE_B)

	last = record.history[-1]
	assert record.status == Status.FAILED and last["outcome"] == hist.FAULT and last["answer"]


def test_personal_data_is_redacted_and_the_history_is_bounded():
	body = {"BillAddr": {"Line1": "1 Main St"}, "BillEmail": {"Address": "a@b.c"}, "Line": [{"Amount": 1}]}
	entry = hist.entry(0.0, "create", "Invoice", "rid", body, hist.OK, {"Id": "1"})
	assert "Main St" not in entry["request"] and "a@b.c" not in entry["request"]
	assert json.loads(entry["request"])["Line"] == [{"Amount": 1}]

	big = hist.entry(0.0, "create", "Invoice", "rid", {"Line": ["x" * 10_000]}, hist.OK)
	assert len(big["request"]) == hist.MAX_BODY_CHARS
	kept: list[dict] = []
	for number in range(hist.MAX_ENTRIES + 5):
		hist.append(kept, {"n": number})
	assert [item["n"] for item in kept] == list(range(5, hist.MAX_ENTRIES + 5))


def test_resync_is_refused_while_the_quickbooks_record_is_live(world):
	world.engine.push("Sales Invoice", INVOICE_A)

	with pytest.raises(ResyncRefused, match="would duplicate"):
		world.engine.resync("Sales Invoice", INVOICE_A)
	assert len(ours(world, "Invoice", "Sales Invoice", INVOICE_A)) == 1


def test_resync_sends_again_a_document_whose_record_was_voided_in_quickbooks(world):
	first = world.engine.push("Sales Invoice", INVOICE_A)
	held = world.client.read("Invoice", first.qbo_id)
	world.client.void("Invoice", first.qbo_id, held["SyncToken"])  # someone voided it in QuickBooks

	again = world.engine.resync("Sales Invoice", INVOICE_A)

	assert again.status == Status.SYNCED and again.qbo_id != first.qbo_id
	assert again.doc_number == doc_number(
		f"{INVOICE_A}-R1"
	)  # the voided record keeps its number in QuickBooks
	assert [row["Id"] for row in ours(world, "Invoice", "Sales Invoice", INVOICE_A)] == [again.qbo_id]
