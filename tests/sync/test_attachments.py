"""The document itself: with the PDF option on, each pushed sales and purchase invoice has its PDF attached to its
QuickBooks record, once, whatever fails on the way; a PDF failure never undoes the push."""

from __future__ import annotations

import pytest

from quickbooks_connector.sync import ErrorKind, Status, SyncPolicy
from quickbooks_connector.sync.attachments import PDF_KEY

ATTACHING = SyncPolicy(attach_pdf=frozenset({"Sales Invoice", "Purchase Invoice"}))


@pytest.fixture
def world(make_world):
	return make_world(policy=ATTACHING)


def attachments_of(world, entity: str, qbo_id: str) -> list[dict]:
	statement = "select * from Attachable where AttachableRef.EntityRef.Type = {} and AttachableRef.EntityRef.value = {}"
	return list(world.client.query(statement, entity, qbo_id))


def content_of(world, attachable: dict) -> bytes:
	import requests

	return requests.get(attachable["TempDownloadUri"], timeout=30).content


def cancel_in_erpnext(world, doctype: str, name: str) -> None:
	doc = world.port.get_document(doctype, name)
	doc["docstatus"] = 2
	world.port.add_document(doc)


def drop_next_upload(world) -> None:
	world.admin.inject_fault(
		match={"realm_id": world.realm_id, "path_regex": r"/upload(\?|$)"}, action="drop", times=1
	)


@pytest.mark.parametrize(
	("doctype", "name", "entity"),
	[
		("Sales Invoice", "ACC-SINV-2026-00012", "Invoice"),
		("Sales Invoice", "ACC-SINV-2026-00014", "CreditMemo"),
		("Purchase Invoice", "ACC-PINV-2026-00004", "Bill"),
		("Purchase Invoice", "ACC-PINV-2026-00005", "VendorCredit"),
	],
)
def test_the_pdf_of_each_pushed_invoice_is_attached_once(world, doctype, name, entity):
	record = world.engine.push(doctype, name)
	again = world.engine.push(doctype, name)

	held = attachments_of(world, entity, record.qbo_id)
	assert record.status == Status.SYNCED and record.qbo_entity == entity and not record.error
	assert [row["Id"] for row in held] == [record.related[PDF_KEY].split(":")[1]]
	assert held[0]["FileName"] == f"{name}.pdf" and held[0]["ContentType"] == "application/pdf"
	assert content_of(world, held[0]) == world.port.get_pdf(doctype, name)
	assert again.related == record.related and len(attachments_of(world, entity, record.qbo_id)) == 1


def test_nothing_is_attached_when_the_option_is_off(make_world):
	world = make_world()
	record = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")

	assert record.status == Status.SYNCED and PDF_KEY not in record.related
	assert world.held("Attachable") == []


def test_a_lost_upload_answer_leaves_one_attachment(world):
	drop_next_upload(world)
	lost = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")
	world.port.pdf_version += 1  # the next print differs: QuickBooks cannot replay the first upload for it

	retried = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")

	assert lost.status == Status.SYNCED and lost.error_kind == ErrorKind.TRANSIENT
	assert "PDF" in lost.error and lost.next_retry_at is not None
	assert retried.status == Status.SYNCED and not retried.error and retried.next_retry_at is None
	assert len(attachments_of(world, "Invoice", retried.qbo_id)) == 1
	assert len(world.held("Invoice")) == 1


def test_after_a_lost_upload_answer_the_retry_waits_until_the_upload_has_settled(make_world):
	now = [1_000_000.0]
	world = make_world(policy=ATTACHING)
	engine = world.engine_with(policy=ATTACHING, clock=lambda: now[0], settle_seconds=180)
	drop_next_upload(world)
	engine.push("Sales Invoice", "ACC-SINV-2026-00012")

	early = engine.push("Sales Invoice", "ACC-SINV-2026-00012")
	now[0] += 181
	late = engine.push("Sales Invoice", "ACC-SINV-2026-00012")

	assert early.problems[-1]["code"] == "pdf_settling" and early.next_retry_at == 1_000_000.0 + 180
	assert late.error is None and len(attachments_of(world, "Invoice", late.qbo_id)) == 1


def test_a_failing_print_leaves_the_document_synced_and_a_retry_attaches_it(world):
	world.port.pdf_error = RuntimeError("wkhtmltopdf is not installed")
	pending = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")

	assert pending.status == Status.SYNCED and pending.qbo_id
	assert pending.error_kind == ErrorKind.TRANSIENT and pending.next_retry_at is not None
	assert pending.problems[-1]["code"] == "pdf_pending" and "wkhtmltopdf is not installed" in pending.error
	assert attachments_of(world, "Invoice", pending.qbo_id) == []

	world.port.pdf_error = None
	retried = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")

	assert retried.status == Status.SYNCED and retried.error is None and retried.error_kind is None
	assert len(attachments_of(world, "Invoice", retried.qbo_id)) == 1
	assert len(world.held("Invoice")) == 1


def test_an_outage_during_the_upload_is_retried_without_failing_the_push(world):
	world.admin.inject_fault(
		match={"realm_id": world.realm_id, "path_regex": r"/upload(\?|$)"},
		action="error",
		status=503,
		times=1,
	)
	pending = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")
	retried = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")

	assert pending.status == Status.SYNCED and pending.error_kind == ErrorKind.TRANSIENT
	assert retried.error is None and len(attachments_of(world, "Invoice", retried.qbo_id)) == 1


def test_a_file_quickbooks_refuses_waits_for_retry(world, monkeypatch):
	from quickbooks_connector.sync import attachments

	monkeypatch.setattr(attachments, "MAX_BYTES", 10)
	refused = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")

	assert refused.status == Status.SYNCED and refused.error_kind == ErrorKind.PERMANENT
	assert refused.next_retry_at is None and "100 MB" in refused.error
	assert refused.problems[-1]["code"] == "pdf_refused"


def test_turning_the_option_off_drops_a_pending_note(world, make_world):
	world.port.pdf_error = RuntimeError("printer on fire")
	pending = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")
	without = world.engine_with(policy=SyncPolicy())

	cleared = without.push("Sales Invoice", "ACC-SINV-2026-00012")

	assert pending.error_kind == ErrorKind.TRANSIENT
	assert cleared.status == Status.SYNCED and cleared.error is None and cleared.next_retry_at is None


def test_an_amended_invoice_s_record_gets_the_amended_pdf(world):
	first = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")
	cancel_in_erpnext(world, "Sales Invoice", "ACC-SINV-2026-00012")
	voided = world.engine.sync("Sales Invoice", "ACC-SINV-2026-00012")
	world.add_copy("ACC-SINV-2026-00012", "ACC-SINV-2026-00012-1", amended_from="ACC-SINV-2026-00012")

	amended = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012-1")

	held = attachments_of(world, "Invoice", amended.qbo_id)
	assert voided.status == Status.VOIDED and amended.replaces == "ACC-SINV-2026-00012"
	assert attachments_of(world, "Invoice", first.qbo_id) == []
	assert [row["FileName"] for row in held] == ["ACC-SINV-2026-00012-1.pdf"]
	assert content_of(world, held[0]) == world.port.get_pdf("Sales Invoice", "ACC-SINV-2026-00012-1")
	assert len(world.held("Attachable")) == 1


def test_a_cancelled_bill_takes_its_attachment_with_it(world):
	record = world.engine.push("Purchase Invoice", "ACC-PINV-2026-00004")
	cancel_in_erpnext(world, "Purchase Invoice", "ACC-PINV-2026-00004")

	cancelled = world.engine.sync("Purchase Invoice", "ACC-PINV-2026-00004")

	assert record.related.get(PDF_KEY) and cancelled.status == Status.VOIDED
	assert world.held("Attachable") == [] and world.held("Bill") == []


def test_a_cancel_after_a_lost_upload_answer_removes_the_upload_too(world):
	drop_next_upload(world)
	world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")
	cancel_in_erpnext(world, "Sales Invoice", "ACC-SINV-2026-00012")

	cancelled = world.engine.sync("Sales Invoice", "ACC-SINV-2026-00012")

	assert cancelled.status == Status.VOIDED and world.held("Attachable") == []


def test_a_backfill_attaches_each_pdf_once(world):
	names = ["ACC-SINV-2026-00011", "ACC-SINV-2026-00012", "ACC-SINV-2026-00013"]
	records = world.engine.push_many([("Sales Invoice", name) for name in names])

	assert {record.status for record in records} == {Status.SYNCED}
	for record in records:
		held = attachments_of(world, "Invoice", record.qbo_id)
		assert [row["FileName"] for row in held] == [f"{record.name}.pdf"]
	assert len(world.held("Attachable")) == len(names)


def test_a_file_refused_by_quickbooks_in_its_answer_slot_is_a_permanent_note(world, monkeypatch):
	from quickbooks_connector.emulator import attachments as emulated

	monkeypatch.setattr(emulated, "MAX_FILE_SIZE", 10)
	refused = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")

	assert refused.status == Status.SYNCED and refused.error_kind == ErrorKind.PERMANENT
	assert refused.problems[-1]["code"] == "pdf_refused" and "100 MB" in refused.error
	assert PDF_KEY not in refused.related and world.held("Attachable") == []
