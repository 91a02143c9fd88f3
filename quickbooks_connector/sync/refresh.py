"""Keeping a QuickBooks record in line with a document whose postings ERPNext changes after the submit.

A Purchase Receipt is re-posted when a Landed Cost Voucher adds to its value, later stock vouchers when a back-dated
one changes their valuation (Repost Item Valuation), and a day's stock summary (mapping.stock) changes with every
voucher of that day submitted or cancelled after it was sent. Such documents are `PushedType.refreshable`: they
have one QuickBooks record (a JournalEntry), and `refresh` makes it book what the document posts now:

- not in QuickBooks yet (or never got there): pushed as usual, exactly once (sync.engine);
- cancelled in ERPNext, or posting nothing any more: its records are removed, as a cancel does;
- in QuickBooks with other lines: that record is updated in place, a full update with its current SyncToken. The
  QuickBooks Id stays, nothing is added next to it, so there is nothing a lost answer could duplicate: the next
  refresh reads the record again and sends the lines again. The request id covers the SyncToken it was read with,
  so QuickBooks never replays an earlier update instead of applying this one;
- unchanged: nothing is written;
- removed earlier and posting again: sent as a new record, in a new generation (new request ids, so QuickBooks does
  not replay the removed record's create).

The update's answer is recorded in the sync record's history like every write.
"""

from __future__ import annotations

from functools import partial

from quickbooks_connector import mapping
from quickbooks_connector.mapping import MappingError, Skip
from quickbooks_connector.mapping.errors import Problem, _
from quickbooks_connector.mapping.registry import pushed_type
from quickbooks_connector.mapping.stock import NOTHING_TO_SEND
from quickbooks_connector.sync.engine import PushEngine, _OneByOne, _renumbered
from quickbooks_connector.sync.idempotency import payload_hash
from quickbooks_connector.sync.records import Status, SyncRecord
from quickbooks_connector.sync.steps import prepare


def refresh(engine: PushEngine, doctype: str, name: str, manual: bool = False) -> SyncRecord:
	"""Bring the document's QuickBooks record in line with what it posts now (see the module docstring). `manual`:
	a document not in QuickBooks yet is sent whatever the sync start date says (the user asked for it)."""
	pushed = pushed_type(doctype)
	if pushed is None or not pushed.refreshable:
		raise ValueError(f"{doctype} documents are not refreshed; push or cancel them")
	doc = engine.port.get_document(doctype, name)
	if doc.get("docstatus") == 2:
		return engine.cancel(doctype, name)
	with engine.port.lock(doctype, name):
		record = engine.port.get_record(doctype, name) or SyncRecord(doctype, name)
		if engine._still_settling(record):
			return record
		if record.status == Status.VOIDED:
			# removed earlier (the document posted nothing for a while): a new record, in a new generation
			_restart(record)
			engine.port.save_record(record)
			manual = True  # it was in QuickBooks: keep QuickBooks in line whatever the start date says
		elif record.qbo_id and not record.outcome_unknown:
			engine._begin_attempt(record)
			try:
				_update(engine, record, doc)
			except Exception as error:
				engine._fail(record, error)
			engine.port.save_record(record)
			return record
	return engine.push(doctype, name, manual=manual)


def _restart(record: SyncRecord) -> None:
	record.qbo_id, record.sync_token, record.related, record.payload_hash = None, None, {}, None
	record.generation += 1
	record.status, record.error, record.error_kind, record.problems = Status.QUEUED, None, None, []


def _update(engine: PushEngine, record: SyncRecord, doc: dict) -> None:
	planned = mapping.plan(doc, engine.ctx)
	if isinstance(planned, Skip):
		if planned.problem.code in NOTHING_TO_SEND:
			engine._undo(record, doc)
		else:  # not sent now for another reason (the other stock mode, say): QuickBooks keeps what it has
			engine._succeed(record)
		return
	steps = _OneByOne(engine, record, ((record.doctype, record.name),))
	refs, payload = prepare(planned, steps)
	payload = _renumbered(payload, record.generation)
	fingerprint = payload_hash(payload.body)
	if fingerprint == record.payload_hash and record.status == Status.SYNCED:
		return
	held = engine._read_live(payload.entity, record.qbo_id)
	if held is None:
		raise MappingError(
			Problem.of(
				"refreshed_record_gone",
				_(
					"ERPNext changed what {doctype} {name} posts, but QuickBooks no longer holds its {entity} {qbo_id} "
					"(deleted or voided there), so it cannot be updated."
				),
				_("Press Resync on the QuickBooks sync record to send it again."),
				doctype=record.doctype,
				name=record.name,
				entity=payload.entity,
				qbo_id=record.qbo_id,
			)
		)
	body = {**payload.body, "Id": held["Id"], "SyncToken": held["SyncToken"]}
	rid = engine._request_id(record, f"update:{held['SyncToken']}", fingerprint)
	write = partial(engine.client.update, payload.entity, body, False, rid)
	answer = engine._recorded(record, "update", payload.entity, rid, body, write)
	engine._describe(record, doc, payload)
	engine._take_answer(record, answer)
	record.payload_hash = fingerprint
	engine._succeed(record)
