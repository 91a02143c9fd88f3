"""The push engine: one ERPNext document -> exactly one QuickBooks record, whatever fails on the way.

Exactly once rests on three rules:

1. Write-ahead: before any create the record is saved with `outcome_unknown` set, and cleared once QuickBooks
   answered. A crash, a timeout or a dropped response therefore leaves a trace.
2. Every write carries a request id derived from (realm, document, operation, payload); QuickBooks replays the original
   answer for a repeated id, so retrying the same write cannot create a second record.
3. When an earlier outcome is unknown (or QuickBooks reports the document number as taken), the engine looks the
   record up by its date and PrivateNote marker (never by DocNumber, which QuickBooks may have replaced with its own,
   see sync.lookup) and adopts it instead of creating another.

A cancel undoes everything the connector wrote for the document: the records it knows of and every live record
QuickBooks holds with the document's marker (an earlier write whose answer was lost), payments before what they pay,
and it reports success only once none is left. Payments of other ERPNext documents applied to a record being voided
are unapplied first, as ERPNext unlinks them when the document is cancelled.

Dependencies come first: the party and items are found or created (`Resolver`), and documents a return or payment
refers to are pushed before it. Companion records (a payment's deduction journal before it, a credit memo's
application after it) are tracked in `record.related` so a retry resumes where it stopped. The document's PDF, when
the policy asks for it, is attached after the push (sync.attachments); its failure leaves the record Synced.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import partial

from quickbooks_connector import mapping
from quickbooks_connector.mapping import MappingContext, MappingError, QBOPayload, Refs, Skip, TxnRef
from quickbooks_connector.mapping.documents import PlannedDocument
from quickbooks_connector.mapping.errors import Problem, _, render, render_all
from quickbooks_connector.mapping.money import money
from quickbooks_connector.mapping.naming import MARKER_PREFIX, doc_number
from quickbooks_connector.mapping.payload import MAIN
from quickbooks_connector.mapping.registry import VOID, pushed_type
from quickbooks_connector.qbo import BatchOperation, QBOClient
from quickbooks_connector.qbo.errors import (
	AuthenticationError,
	AuthorizationError,
	DuplicateDocumentNumberError,
	NetworkError,
	NotFoundError,
	QBOError,
	ThrottledError,
)
from quickbooks_connector.sync import history, lookup
from quickbooks_connector.sync.attachments import PDF_KEY, PdfAttachments
from quickbooks_connector.sync.bulk_resolve import BulkResolver
from quickbooks_connector.sync.explain import explain
from quickbooks_connector.sync.idempotency import payload_hash, request_id
from quickbooks_connector.sync.pipeline import BatchPipeline, Flight
from quickbooks_connector.sync.port import DocumentBusy, SyncPort
from quickbooks_connector.sync.records import ErrorKind, Status, SyncRecord
from quickbooks_connector.sync.resolve import Resolver
from quickbooks_connector.sync.retry_policy import next_retry_at
from quickbooks_connector.sync.steps import finish, prepare

PAYERS = frozenset({"Payment", "BillPayment"})
# How long after a write whose answer was lost the engine waits before it looks for that write or cancels: past
# the client's read timeout and its own retries, so that QuickBooks has finished any request still under way.
SETTLE_SECONDS = 180.0
BEFORE, AFTER = "before:", "after:"
BATCH_SIZE = 30
BATCH_PIPELINE = 6  # batch calls in flight during a backfill: 120 a minute even when each takes 2 s
# Chunks whose new parties and items are looked up and created while the current chunk is prepared.
LOOKAHEAD = 3


@dataclass(frozen=True)
class SyncPolicy:
	"""What is pushed automatically. A manual push ignores the start date (the user asked for that document)."""

	start_date: date | None = None
	enabled_doctypes: frozenset[str] = frozenset(mapping.SUPPORTED_DOCTYPES)
	# Document types whose PDF is attached to their QuickBooks record (sync.attachments)
	attach_pdf: frozenset[str] = frozenset()

	def skip_reason(self, doc: dict, manual: bool) -> str | None:
		"""`skip_problem` in English."""
		problem = self.skip_problem(doc, manual)
		return render(problem) if problem else None

	def skip_problem(self, doc: dict, manual: bool) -> Problem | None:
		doctype = doc["doctype"]
		if pushed_type(doctype) is None:
			return None  # not "turned off": a type the connector never pushes, and the mapping says why
		if doctype not in self.enabled_doctypes:
			return Problem.of(
				"doctype_turned_off",
				_("Sending {doctype} documents to QuickBooks is turned off in QuickBooks Settings."),
				doctype=doctype,
			)
		posting_date = _as_date(doc.get("posting_date"))
		if not manual and self.start_date and posting_date and posting_date < self.start_date:
			return Problem.of(
				"before_start_date",
				_("Dated {posting_date}, before the sync start date {start_date} in QuickBooks Settings."),
				_("Use Sync to QuickBooks on the document to send it anyway."),
				posting_date=posting_date,
				start_date=self.start_date,
			)
		return None


class ResyncRefused(Exception):
	"""Sending the document again would duplicate what QuickBooks still holds of it; `problem` says what."""

	def __init__(self, problem: Problem):
		super().__init__(render(problem))
		self.problem = problem


class DependencyNotSynced(Exception):
	def __init__(self, problem: Problem, kind: ErrorKind):
		super().__init__(render(problem))
		self.problem = problem
		self.kind = kind


@dataclass
class _Prepared:
	record: SyncRecord
	planned: PlannedDocument
	refs: Refs
	payload: QBOPayload
	operation: BatchOperation | None = field(default=None)


class _OneByOne:
	"""The steps of a single push: dependencies pushed first, companions written (or found) one by one."""

	def __init__(self, engine: PushEngine, record: SyncRecord, chain: tuple) -> None:
		self.engine, self.record, self.chain = engine, record, chain

	def refs(self, deps: mapping.Dependencies) -> Refs:
		return self.engine._resolve(deps, self.chain)

	def prerequisite(self, payload: QBOPayload) -> str:
		return self.engine._create_companion(self.record, BEFORE, payload)

	def followup(self, payload: QBOPayload) -> None:
		capped = self.engine._capped(payload)
		if capped:
			self.engine._create_companion(self.record, AFTER, capped)


class NeedsOneByOne(Exception):
	"""The document cannot go in a batch (a linked document not in QuickBooks yet, a companion to write first)."""


class _InBatch:
	"""The steps while a backfill prepares a batch: only documents whose links are already in QuickBooks and that
	need no companion before their own record fit; the others go one by one."""

	def __init__(self, engine: PushEngine, ref: tuple[str, str]) -> None:
		self.engine, self.ref = engine, ref

	def refs(self, deps: mapping.Dependencies) -> Refs:
		for linked in deps.linked:
			record = self.engine.port.get_record(linked.doctype, linked.name)
			if not (record and record.status == Status.SYNCED):
				raise NeedsOneByOne
		return self.engine._resolve(deps, (self.ref,))

	def prerequisite(self, payload: QBOPayload) -> str:
		raise NeedsOneByOne

	def followup(self, payload: QBOPayload) -> None:
		raise NeedsOneByOne


class PushEngine:
	def __init__(
		self,
		client: QBOClient,
		port: SyncPort,
		ctx: MappingContext,
		realm_id: str,
		policy: SyncPolicy | None = None,
		clock: Callable[[], float] = time.time,
		settle_seconds: float = SETTLE_SECONDS,
		batch_pipeline: int = BATCH_PIPELINE,
	):
		self.client = client
		self.port = port
		self.ctx = ctx
		self.realm_id = realm_id
		self.policy = policy or SyncPolicy()
		self.clock = clock
		self.settle_seconds = settle_seconds
		self.batch_pipeline = batch_pipeline
		self.resolver = Resolver(client, port, ctx, realm_id)
		self.bulk_resolver = BulkResolver(self.resolver)
		self.attachments = PdfAttachments(
			client,
			port,
			self.policy.attach_pdf,
			self._request_id,
			self._recorded,
			clock,
			settle_seconds,
		)

	# Public API -----------------------------------------------------------------------------------------------

	def sync(self, doctype: str, name: str, manual: bool = False) -> SyncRecord:
		"""Bring QuickBooks in line with the document's state: push a submitted one, void a cancelled one."""
		doc = self.port.get_document(doctype, name)
		if doc.get("docstatus") == 2:
			return self.cancel(doctype, name)
		return self.push(doctype, name, manual=manual)

	def push(self, doctype: str, name: str, manual: bool = False) -> SyncRecord:
		return self._push(doctype, name, manual, chain=())

	def cancel(self, doctype: str, name: str) -> SyncRecord:
		with self.port.lock(doctype, name):
			record = self.port.get_record(doctype, name) or SyncRecord(doctype, name)
			if record.status == Status.VOIDED or self._still_settling(record):
				return record
			self._begin_attempt(record)
			try:
				self._undo(record, self.port.get_document(doctype, name))
			except Exception as error:
				self._fail(record, error)
			self.port.save_record(record)
			return record

	def resync(self, doctype: str, name: str) -> SyncRecord:
		"""Send a submitted document again as a new QuickBooks record. Safe only when nothing of it is live in
		QuickBooks (its record was deleted or voided there); otherwise it would be a duplicate, and ResyncRefused
		says what is still there."""
		with self.port.lock(doctype, name):
			doc = self.port.get_document(doctype, name)
			if doc.get("docstatus") != 1:
				raise ResyncRefused(
					Problem.of(
						"resync_not_submitted",
						_("{doctype} {name} is not submitted; only submitted documents are sent."),
						doctype=doctype,
						name=name,
					)
				)
			record = self.port.get_record(doctype, name) or SyncRecord(doctype, name)
			live = self._live_records(record, doc)
			if live:
				listed = ", ".join(f"{entity} {row['Id']}" for entity, row in live)
				raise ResyncRefused(
					Problem.of(
						"resync_would_duplicate",
						_(
							"QuickBooks still holds {records} for {doctype} {name}; sending it again would duplicate it."
						),
						_("Use Retry for a failed document, or delete or void the QuickBooks record first."),
						records=listed,
						doctype=doctype,
						name=name,
					)
				)
			record.qbo_id, record.sync_token, record.related = None, None, {}
			record.generation += 1
			record.status, record.outcome_unknown, record.error, record.error_kind = (
				Status.QUEUED,
				False,
				None,
				None,
			)
			record.problems = []
			record.total_mismatch, record.qbo_total, record.qbo_tax = False, None, None
			self.port.save_record(record)
		return self.push(doctype, name)

	def push_many(
		self, documents: Iterable[tuple[str, str]], progress: Callable[[int, int], None] | None = None
	) -> list[SyncRecord]:
		"""Backfill: push many documents with QuickBooks' batch API, invoices and bills before the payments and
		returns that refer to them. Documents needing companion records go through `push` one by one."""
		pending = sorted(set(documents), key=lambda ref: (_push_order(ref[0]), ref[1]))
		loaded = [self.port.get_document(doctype, name) for doctype, name in pending]
		done: list[SyncRecord] = []
		for wave in self._waves(loaded):
			done.extend(self._push_wave(wave))
			if progress:
				progress(len(done), len(pending))
		return done

	# Push ---------------------------------------------------------------------------------------------------

	def _push(self, doctype: str, name: str, manual: bool, chain: tuple) -> SyncRecord:
		with self.port.lock(doctype, name):
			record = self.port.get_record(doctype, name) or SyncRecord(doctype, name)
			if self.attachments.follow_up(record):  # a Synced document whose PDF is still to be attached
				self.port.save_record(record)
			if record.status in (Status.SYNCED, Status.VOIDED) or self._still_settling(record):
				return record
			self._begin_attempt(record)
			try:
				self._push_record(record, manual, (*chain, (doctype, name)))
			except Exception as error:
				self._fail(record, error)
			self.port.save_record(record)
			return record

	def _push_record(self, record: SyncRecord, manual: bool, chain: tuple) -> None:
		doc = self.port.get_document(record.doctype, record.name)
		if doc.get("docstatus") == 2:
			# Cancelled meanwhile: whatever an earlier attempt left in QuickBooks goes, as the cancel job would do.
			return self._undo(record, doc)
		skip = self._skip_reason(doc, manual)
		planned = mapping.plan(doc, self.ctx) if not skip else Skip(skip)
		if isinstance(planned, Skip):
			return self._skip(record, planned.problem)
		steps = _OneByOne(self, record, chain)
		refs, payload = prepare(planned, steps)
		self._describe(record, doc, payload)
		if not record.qbo_id:
			self._adopt(record, self._create_main(record, payload))
		finish(planned, refs, record.qbo_id, steps)
		self._succeed(record)
		self.attachments.attach(record)  # never fails the push: a PDF not attached is a note on the record

	def _skip_reason(self, doc: dict, manual: bool) -> Problem | None:
		if doc.get("docstatus") == 2:
			return Problem.of(
				"cancelled_before_sent",
				_("Cancelled in ERPNext before it was sent to QuickBooks; nothing to send."),
			)
		if doc.get("docstatus") != 1:
			return Problem.of(
				"not_submitted", _("Not submitted; only submitted documents are sent to QuickBooks.")
			)
		return self.policy.skip_problem(doc, manual)

	def _resolve(self, deps: mapping.Dependencies, chain: tuple) -> Refs:
		refs = Refs()
		for party in deps.all_parties:
			refs.party_ids[party] = self.resolver.party(party)
		if deps.party:
			refs.party_id = refs.party_ids[deps.party]
		for spec in deps.items:
			refs.item_ids[spec.key] = self.resolver.item(spec)
		for linked in deps.linked:
			refs.linked[(linked.doctype, linked.name)] = self._linked(linked, chain)
		return refs

	def _linked(self, linked: mapping.LinkedDoc, chain: tuple) -> TxnRef:
		"""The QuickBooks record of a document this one refers to, pushing it first when it is not there yet."""
		if (linked.doctype, linked.name) in chain:
			raise MappingError(
				Problem.of(
					"refers_back",
					_("{doctype} {name} refers back to this document."),
					doctype=linked.doctype,
					name=linked.name,
				)
			)
		record = self.port.get_record(linked.doctype, linked.name)
		if not (record and record.status == Status.SYNCED):
			record = self._push(linked.doctype, linked.name, manual=False, chain=chain)
		if record.status == Status.SYNCED and record.qbo_id:
			return TxnRef(record.qbo_entity, record.qbo_id)
		facts = {
			"doctype": linked.doctype,
			"name": linked.name,
			"says": (record.error or record.status.value).rstrip("."),
		}
		if linked.why:
			problem = Problem.of(
				"linked_not_synced_because",
				_("{doctype} {name} ({why}) is not in QuickBooks yet. Its sync record says: {says}."),
				_("Fix that first; this document follows on Retry."),
				why=linked.why,
				**facts,
			)
		else:
			problem = Problem.of(
				"linked_not_synced",
				_("{doctype} {name} is not in QuickBooks yet. Its sync record says: {says}."),
				_("Fix that first; this document follows on Retry."),
				**facts,
			)
		raise DependencyNotSynced(problem, record.error_kind or ErrorKind.PERMANENT)

	def _create_main(self, record: SyncRecord, payload: QBOPayload) -> dict:
		if record.outcome_unknown:
			found = self._find_existing(record, payload)
			if found:
				return found
		payload = _renumbered(payload, record.generation)
		fingerprint = payload_hash(payload.body)
		record.request_id = self._request_id(record, "create", fingerprint)
		record.payload_hash = fingerprint
		try:
			return self._write(record, payload.entity, payload.body, record.request_id)
		except DuplicateDocumentNumberError:
			# Ours after all (an earlier attempt whose answer was lost), or somebody else's: only adopt ours.
			found = self._find_existing(record, payload)
			if not found:
				raise self._number_taken(record, payload)
			return found

	def _number_taken(self, record: SyncRecord, payload: QBOPayload) -> MappingError:
		"""Who holds the number, as far as QuickBooks tells: another ERPNext document (two long names shortened
		alike, or a number typed twice) or a record made in QuickBooks."""
		statement = f"select * from {payload.entity} where DocNumber = {{}}"
		holders = list(self.client.query(statement, payload.doc_number))
		notes = [(row.get("PrivateNote") or "").removeprefix("Voided - ") for row in holders]
		owner = next((note.split(";")[0] for note in notes if note.startswith(MARKER_PREFIX)), None)
		voided = bool(holders) and not any(lookup.is_live(row) for row in holders)
		facts = {"entity": payload.entity, "number": payload.doc_number}
		if owner:
			facts.update(owner=owner.removeprefix(MARKER_PREFIX), doctype=record.doctype, name=record.name)
			fix = _(
				"Give one of the two ERPNext documents another number (for a Purchase Invoice, its Supplier Invoice "
				"No), or renumber the QuickBooks record, then press Retry."
			)
			if voided:
				return MappingError(
					Problem.of(
						"number_held_by_voided_sent_record",
						_(
							"QuickBooks already holds the {entity} numbered {number} (voided), which this connector "
							"sent for {owner}: {doctype} {name} is sent with the same number."
						),
						fix,
						**facts,
					)
				)
			return MappingError(
				Problem.of(
					"number_held_by_sent_record",
					_(
						"QuickBooks already holds the {entity} numbered {number}, which this connector sent for "
						"{owner}: {doctype} {name} is sent with the same number."
					),
					fix,
					**facts,
				)
			)
		fix = _("Renumber or delete that record in QuickBooks, then press Retry.")
		if voided:
			return MappingError(
				Problem.of(
					"number_held_by_voided_quickbooks_record",
					_(
						"QuickBooks already holds the {entity} numbered {number} (voided), which was not sent from ERPNext."
					),
					fix,
					**facts,
				)
			)
		return MappingError(
			Problem.of(
				"number_held_by_quickbooks_record",
				_(
					"QuickBooks already holds the {entity} numbered {number}, which was not sent from ERPNext."
				),
				fix,
				**facts,
			)
		)

	def _create_companion(self, record: SyncRecord, phase: str, payload: QBOPayload) -> str:
		key = phase + payload.key
		if key in record.related:
			return record.related[key].split(":", 1)[1]
		found = self._find_existing(record, payload) if record.outcome_unknown else None
		if not found:
			rid = self._request_id(record, key, payload_hash(payload.body))
			found = self._write(record, payload.entity, payload.body, rid)
		record.related[key] = f"{payload.entity}:{found['Id']}"
		self.port.save_record(record)
		return found["Id"]

	def _write(self, record: SyncRecord, entity: str, body: dict, rid: str) -> dict:
		self._write_ahead(record)
		try:
			created = self._recorded(
				record, "create", entity, rid, body, lambda: self.client.create(entity, body, request_id=rid)
			)
		except Exception as error:
			if _nothing_written(error):
				record.outcome_unknown = False
			raise
		record.outcome_unknown = False
		return created

	def _request_id(self, record: SyncRecord, operation: str, fingerprint: str = "") -> str:
		"""The write's id; a Resync starts a new generation, so QuickBooks does not replay the first record."""
		if record.generation:
			operation = f"{operation}#{record.generation}"
		return request_id(self.realm_id, record.doctype, record.name, operation, fingerprint)

	def _recorded(
		self, record: SyncRecord, operation: str, entity: str, rid: str, body: dict, write: Callable[[], dict]
	) -> dict:
		"""Runs one QuickBooks write and keeps it, with its answer or fault, in the record's history."""
		try:
			answer = write()
		except Exception as error:
			self._remember(record, operation, entity, rid, body, error=error)
			raise
		self._remember(record, operation, entity, rid, body, answer=answer)
		return answer

	def _remember(
		self,
		record: SyncRecord,
		operation: str,
		entity: str,
		rid: str | None,
		body: dict | None,
		answer: dict | None = None,
		error: Exception | None = None,
		tid: str | None = None,
	) -> None:
		"""Adds a write and its answer to the record's history (saved with the record)."""
		if error is None:
			outcome, tid = history.OK, tid or self.client.last_intuit_tid
		else:
			outcome, tid = (history.FAULT if _nothing_written(error) else history.UNKNOWN), None
		entry = history.entry(self.clock(), operation, entity, rid, body, outcome, answer, error, tid)
		history.append(record.history, entry)

	def _write_ahead(self, record: SyncRecord) -> None:
		record.outcome_unknown = True
		self.port.save_record(record)

	def _find_existing(self, record: SyncRecord, payload: QBOPayload) -> dict | None:
		"""Our earlier write, if it reached QuickBooks: same entity and date, our PrivateNote marker. A document has
		one main record per entity, so its marker identifies it even when the note's details changed; companions
		(several Payments of one invoice, say) must carry the very same note."""
		note = "" if payload.key == MAIN else payload.body.get("PrivateNote") or ""
		txn_date = payload.body.get("TxnDate")
		return lookup.find_ours(self.client, payload.entity, txn_date, record.doctype, record.name, note)

	def _capped(self, payload: QBOPayload) -> QBOPayload | None:
		"""A credit application may not exceed what is still open on the invoice or bill in QuickBooks; with
		nothing open the credit simply stays available, as it does in ERPNext."""
		linked = [
			txn
			for line in payload.body.get("Line", [])
			for txn in line.get("LinkedTxn", [])
			if txn.get("TxnType") in ("Invoice", "Bill")
		]
		if payload.body.get("TotalAmt") not in (0, Decimal(0)) or len(linked) != 1:
			return payload
		balance = money(self.client.read(linked[0]["TxnType"], linked[0]["TxnId"]).get("Balance") or 0)
		if balance <= 0:
			return None
		lines = [dict(line, Amount=min(money(line["Amount"]), balance)) for line in payload.body["Line"]]
		return QBOPayload(
			payload.entity,
			dict(payload.body, Line=lines),
			payload.doc_number,
			payload.erp_total,
			key=payload.key,
		)

	def _describe(self, record: SyncRecord, doc: dict, payload: QBOPayload) -> None:
		record.qbo_entity = payload.entity
		record.doc_number = payload.doc_number
		record.erp_total = payload.erp_total
		record.erp_tax = payload.erp_tax
		record.replaces = doc.get("amended_from") or record.replaces

	def _adopt(self, record: SyncRecord, qbo_obj: dict) -> None:
		self._take_answer(record, qbo_obj)
		self.port.save_record(record)  # the id is what makes every later step safe: keep it at once

	def _take_answer(self, record: SyncRecord, qbo_obj: dict) -> None:
		"""QuickBooks' record onto ours, unsaved (a batch saves its chunk's answers together)."""
		record.qbo_id = qbo_obj["Id"]
		record.sync_token = qbo_obj.get("SyncToken")
		record.doc_number = qbo_obj.get("DocNumber") or record.doc_number
		record.qbo_total = money(qbo_obj.get("TotalAmt") or 0)
		record.qbo_tax = money((qbo_obj.get("TxnTaxDetail") or {}).get("TotalTax") or 0)
		record.total_mismatch = record.qbo_total != money(record.erp_total or 0) or (
			record.qbo_tax != money(record.erp_tax or 0)
		)

	# Cancel -------------------------------------------------------------------------------------------------

	def _undo(self, record: SyncRecord, doc: dict) -> None:
		"""Removes every live record of the document: those the sync record names and any other QuickBooks holds
		with its marker (a write whose answer was lost), then checks that none is left."""
		live = self._live_records(record, doc)
		if not live and not record.qbo_id and not record.related:
			record.status = Status.SKIPPED
			nothing = Problem.of(
				"cancelled_before_reaching_quickbooks",
				_("Cancelled in ERPNext before it reached QuickBooks; nothing to undo."),
			)
			record.error, record.error_kind, record.outcome_unknown = _told(record, [nothing]), None, False
			return
		self.attachments.remove(record)  # before the record it is attached to
		for entity, row in live:
			self._remove(entity, row["Id"], record)
		record.related.clear()
		self.port.save_record(record)
		left = self._live_records(record, doc)
		if left:
			listed = ", ".join(f"{entity} {row['Id']}" for entity, row in left)
			raise MappingError(
				Problem.of(
					"still_held_after_cancel",
					_("QuickBooks still holds {records} of this document after the cancel."),
					_("Press Retry."),
					records=listed,
				)
			)
		record.status = Status.VOIDED
		record.outcome_unknown = False
		record.error, record.error_kind, record.next_retry_at = _told(record, []), None, None

	def _live_records(self, record: SyncRecord, doc: dict) -> list[tuple[str, dict]]:
		"""Live records of the document, in the order they must be undone (see PushedType.writes)."""
		entities = pushed_type(record.doctype).entities
		found = lookup.live_records(
			self.client, entities, doc.get("posting_date"), record.doctype, record.name
		)
		seen = {(entity, row["Id"]) for entity, row in found}
		known = [ref.split(":", 1) for key, ref in record.related.items() if key != PDF_KEY]
		if record.qbo_id and record.qbo_entity:
			known.append([record.qbo_entity, record.qbo_id])
		for entity, qbo_id in known:  # named on the record but not found by date (edited in QuickBooks, say)
			if (entity, qbo_id) not in seen:
				row = self._read_live(entity, qbo_id)
				if row:
					found.append((entity, row))
		order = {entity: rank for rank, entity in enumerate(entities)}
		return sorted(found, key=lambda pair: order.get(pair[0], len(order)))

	def _read_live(self, entity: str, qbo_id: str) -> dict | None:
		try:
			row = self.client.read(entity, qbo_id)
		except NotFoundError:
			return None  # already deleted in QuickBooks
		return row if lookup.is_live(row) else None

	def _remove(self, entity: str, qbo_id: str, record: SyncRecord) -> None:
		"""Void where QuickBooks can (the record stays, zeroed, for the audit trail); delete otherwise. Read afresh:
		voiding a payment changes the SyncToken of what it paid."""
		row = self._read_live(entity, qbo_id)
		if row is None:
			return
		if entity not in PAYERS and self._unapply_payments(entity, row, record):
			row = self.client.read(entity, qbo_id)
		rid = self._request_id(record, f"void:{entity}:{row['Id']}")
		undo = pushed_type(record.doctype).undo(entity)
		remove = self.client.void if undo == VOID else self.client.delete
		body = {"Id": row["Id"], "SyncToken": row["SyncToken"]}
		self._recorded(
			record,
			undo,
			entity,
			rid,
			body,
			lambda: remove(entity, row["Id"], row["SyncToken"], request_id=rid),
		)

	def _unapply_payments(self, entity: str, row: dict, record: SyncRecord) -> bool:
		"""QuickBooks removes no record that payments are applied to. Payments other ERPNext documents sent are
		unapplied from it (ERPNext unlinks them when the document is cancelled; their amount stays as credit);
		a payment made in QuickBooks is for the user to remove."""
		unapplied = False
		payments = [
			(link["TxnType"], link["TxnId"])
			for link in row.get("LinkedTxn") or ()
			if link.get("TxnType") in PAYERS
		]
		for payer, payer_id in payments:
			payment = self._read_live(payer, payer_id)
			if payment is None or mapping.is_ours(payment, record.doctype, record.name):
				continue
			if MARKER_PREFIX not in (payment.get("PrivateNote") or "") or not money(
				payment.get("TotalAmt") or 0
			):
				raise MappingError(
					Problem.of(
						"payment_applied_from_quickbooks",
						_(
							"QuickBooks {payer} {payer_id} is applied to {entity} {entity_id} of this document, and "
							"it was not sent from ERPNext (or only applies credits)."
						),
						_("Delete or unapply that {payer} in QuickBooks, then press Retry."),
						payer=payer,
						payer_id=payer_id,
						entity=entity,
						entity_id=row["Id"],
					)
				)
			lines = [
				line
				for line in payment.get("Line") or ()
				if not any(
					(link.get("TxnType"), link.get("TxnId")) == (entity, row["Id"])
					for link in line.get("LinkedTxn") or ()
				)
			]
			body = {"Id": payer_id, "SyncToken": payment["SyncToken"], "Line": lines}
			rid = self._request_id(record, f"unapply:{payer}:{payer_id}")
			self._recorded(
				record, "unapply", payer, rid, body, partial(self.client.update, payer, body, True, rid)
			)
			unapplied = True
		return unapplied

	# Backfill -----------------------------------------------------------------------------------------------

	def _waves(self, documents: list[dict]) -> Iterable[list[dict]]:
		"""Documents grouped so that each group only refers to documents of earlier groups."""
		by_rank: dict[int, list[dict]] = {}
		for doc in documents:
			by_rank.setdefault(_push_order(doc["doctype"]), []).append(doc)
		for rank in sorted(by_rank):
			yield [doc for doc in by_rank[rank] if not doc.get("is_return")]
			returns = [doc for doc in by_rank[rank] if doc.get("is_return")]
			if returns:
				yield returns

	def _push_wave(self, wave: list[dict]) -> list[SyncRecord]:
		"""The wave's documents in batch calls of 30, up to `batch_pipeline` calls in flight while the next chunk is
		prepared (see sync.pipeline); all of them have finished when this returns."""
		records: list[SyncRecord] = []
		prepared: list[_Prepared] = []
		groups = [wave[start : start + BATCH_SIZE] for start in range(0, len(wave), BATCH_SIZE)]
		plans: dict[tuple[str, str], PlannedDocument] = {}
		tickets: list[int] = []
		width = self._pipeline_width()
		with (
			BatchPipeline(width, self.client.valid_tokens) as pipeline,
			self.bulk_resolver.lookahead(
				LOOKAHEAD if width > 1 else 0, self.client.valid_tokens
			) as resolving,
		):
			for index, group in enumerate(groups):
				# The parties and items of this group and the next ones are looked up (and created) meanwhile.
				while len(tickets) < min(len(groups), index + 1 + LOOKAHEAD):
					group_plans = self._plan_group(groups[len(tickets)])
					plans.update(group_plans)
					tickets.append(resolving.start(self._needs(group_plans.values())))
				resolving.wait(tickets[index])
				for doc in group:
					item = self._prepare(doc, plans.pop((doc["doctype"], doc["name"]), None))
					if isinstance(item, _Prepared):
						prepared.append(item)
					else:
						records.append(item)
				while len(prepared) >= BATCH_SIZE:
					records.extend(self._send_batch(pipeline, prepared[:BATCH_SIZE]))
					del prepared[:BATCH_SIZE]
			if prepared:
				records.extend(self._send_batch(pipeline, prepared))
			records.extend(pipeline.drain())
		return records

	def _pipeline_width(self) -> int:
		"""Batch calls in flight at once: one concurrent request stays free for this thread's own calls."""
		return max(1, min(self.batch_pipeline, self.client.budget.limits.max_concurrent - 1))

	def _plan_group(self, group: list[dict]) -> dict[tuple[str, str], PlannedDocument]:
		"""The plans of the group's documents that may go in a batch (the others go one by one)."""
		plans: dict[tuple[str, str], PlannedDocument] = {}
		for doc in group:
			record = self.port.get_record(doc["doctype"], doc["name"])
			if record and (record.status in (Status.SYNCED, Status.VOIDED) or record.outcome_unknown):
				continue
			if (record and record.related) or self._skip_reason(doc, False):
				continue
			try:
				planned = mapping.plan(doc, self.ctx)
				if not isinstance(planned, Skip):
					plans[(doc["doctype"], doc["name"])] = planned
			except Exception:
				continue  # _prepare sends it one by one, which records why
		return plans

	def _needs(self, plans: Iterable[PlannedDocument]) -> list[mapping.Dependencies]:
		"""The parties and items the documents need, to find or create in bulk (sync.bulk_resolve) before they are
		prepared, so that preparing each one finds them linked."""
		needs = []
		for planned in plans:
			try:
				needs.append(mapping.dependencies(planned))
			except Exception:
				continue  # preparing it one by one records why
		return needs

	def _prepare(self, doc: dict, planned: PlannedDocument | None = None) -> _Prepared | SyncRecord:
		"""Resolve and build one document for a batch (`planned`: its plan, when made already); anything unusual
		goes through the one-by-one path."""
		doctype, name = doc["doctype"], doc["name"]
		record = self.port.get_record(doctype, name) or SyncRecord(doctype, name)
		if record.status in (Status.SYNCED, Status.VOIDED):
			return record
		if record.qbo_id or record.outcome_unknown or record.related or self._skip_reason(doc, False):
			return self.push(doctype, name)
		try:
			planned = planned or mapping.plan(doc, self.ctx)
			if isinstance(planned, Skip):
				return self.push(doctype, name)
			refs, payload = prepare(planned, _InBatch(self, (doctype, name)))
		except Exception:
			return self.push(doctype, name)  # the one-by-one path records the failure with its explanation
		return _Prepared(record, planned, refs, payload)

	def _send_batch(self, pipeline: BatchPipeline, chunk: list[_Prepared]) -> list[SyncRecord]:
		"""One batch call for the chunk's documents that nobody touched since they were prepared; the others, and
		all of them when QuickBooks refuses the batch as a whole, go through the one-by-one path. Returns the
		records of the calls that finished meanwhile."""
		locks = ExitStack()
		ready: list[_Prepared] = []
		busy: list[SyncRecord] = []
		one_by_one: list[SyncRecord] = []
		try:
			for item in chunk:
				state = self._lock_unchanged(locks, item)
				if state is None:
					ready.append(item)
				else:
					(busy if state == "busy" else one_by_one).append(item.record)
			operations, batch_id = self._begin_batch(ready) if ready else ([], "")
		except BaseException:
			locks.close()
			raise

		def settle(results: list | None, error: BaseException | None) -> list[SyncRecord]:
			done, refused = self._settle_batch(ready, batch_id, results, error)
			one_by_one.extend(refused)
			return busy + done

		def after() -> list[SyncRecord]:  # outside the locks: a single push takes its own
			return [self.push(record.doctype, record.name) for record in one_by_one]

		if not ready:
			locks.close()
			return busy + after()
		call = partial(self.client.batch, operations, request_id=batch_id)
		return pipeline.send(Flight(call, settle, after, locks))

	def _lock_unchanged(self, locks: ExitStack, item: _Prepared) -> str | None:
		"""Locks the item's document. "busy": another worker holds it (it is left to that worker); "changed": its
		record moved on since it was prepared (pushed on submit meanwhile, say); None: ready for the batch."""
		try:
			locks.enter_context(self.port.lock(item.record.doctype, item.record.name))
		except DocumentBusy:
			return "busy"
		current = self.port.get_record(item.record.doctype, item.record.name)
		seen = (item.record.status, item.record.attempts, item.record.qbo_id)
		return "changed" if current and (current.status, current.attempts, current.qbo_id) != seen else None

	def _begin_batch(self, chunk: list[_Prepared]) -> tuple[list[BatchOperation], str]:
		"""Write-ahead for every document of the chunk, then its operations and the batch's request id."""
		operations = []
		for item in chunk:
			self._begin_attempt(item.record)
			self._describe(item.record, item.planned.doc, item.payload)
			item.record.payload_hash = payload_hash(item.payload.body)
			item.record.outcome_unknown = True
			operations.append(BatchOperation("create", item.payload.entity, item.payload.body))
		# Like a single write's id, a batch's covers its content: only the very same batch is ever replayed.
		names = "|".join(item.record.name for item in chunk)
		contents = "|".join(f"{item.record.payload_hash}#{item.record.generation}" for item in chunk)
		batch_id = request_id(self.realm_id, "batch", names, "create", contents)
		for item in chunk:
			item.record.request_id = batch_id
		self.port.save_records([item.record for item in chunk])  # the chunk's write-ahead, in one step
		return operations, batch_id

	def _settle_batch(
		self, chunk: list[_Prepared], batch_id: str, results: list | None, error: BaseException | None
	) -> tuple[list[SyncRecord], list[SyncRecord]]:
		"""The batch call's answer onto the chunk's records: (finished records, records to push one by one)."""
		if error is not None:
			refused = _refused_as_a_whole(error)
			for item in chunk:
				self._remember(
					item.record, "batch create", item.payload.entity, batch_id, item.payload.body, error=error
				)
				if refused:  # nothing was written: each document gets its own attempt and its own answer
					item.record.outcome_unknown = False
				else:
					self._fail(item.record, error)
			self.port.save_records([item.record for item in chunk])
			return ([], [item.record for item in chunk]) if refused else ([item.record for item in chunk], [])
		finished = [
			item
			for item, result in zip(chunk, results or [], strict=True)
			if self._finish_batch_item(item, result)
		]
		self.port.save_records([item.record for item in finished])  # the chunk's answers, in one step
		return [item.record for item in chunk], []

	def _finish_batch_item(self, item: _Prepared, result) -> bool:
		"""The item's answer onto its record. True: the record is ready to save with the chunk's; False: it was
		saved and finished one by one (it has companions to send)."""
		record = item.record
		self._remember(
			record,
			"batch create",
			item.payload.entity,
			record.request_id,
			item.payload.body,
			result.data,
			result.error,
			tid=result.intuit_tid,
		)
		if result.ok:
			record.outcome_unknown = False
			self._take_answer(record, result.data)
			if mapping.build_followups(item.planned, item.refs, record.qbo_id) or self.attachments.wanted(
				record
			):
				self.port.save_record(record)
				item.record = self.push(record.doctype, record.name)  # finishes the companions one by one
				return False
			self._succeed(record)
		else:
			# A lost batch answer leaves every item's outcome open; a number already taken may be ours from an
			# earlier run. Either way the next attempt looks the record up before writing again.
			record.outcome_unknown = not _nothing_written(result.error) or isinstance(
				result.error, DuplicateDocumentNumberError
			)
			self._fail(record, result.error)
		return True

	# Record bookkeeping -------------------------------------------------------------------------------------

	def _begin_attempt(self, record: SyncRecord) -> None:
		record.attempts += 1
		record.last_attempt_at = self.clock()
		record.next_retry_at = None

	def _skip(self, record: SyncRecord, reason: Problem) -> None:
		record.status = Status.SKIPPED
		record.error, record.error_kind = _told(record, [reason]), None

	def _succeed(self, record: SyncRecord) -> None:
		record.status = Status.SYNCED
		record.synced_at = self.clock()
		record.error_kind = None
		record.error = _told(record, [self._mismatch_note(record)] if record.total_mismatch else [])

	def _mismatch_note(self, record: SyncRecord) -> Problem:
		return Problem.of(
			"total_mismatch",
			_(
				"Sent, but QuickBooks shows total {qbo_total} and tax {qbo_tax} where ERPNext has {erp_total} and "
				"{erp_tax}."
			),
			_("Check the tax codes and rounding account in QuickBooks Settings."),
			qbo_total=record.qbo_total,
			qbo_tax=record.qbo_tax,
			erp_total=money(record.erp_total or 0),
			erp_tax=money(record.erp_tax or 0),
		)

	def _still_settling(self, record: SyncRecord) -> bool:
		"""A write whose answer was lost may still be under way inside QuickBooks (it answers late, or a killed
		worker's request is still being processed): a look-up now could miss a record that appears a moment later,
		and a cancel or a second write would then leave it live. Such a record waits, transient, until any earlier
		request must have finished."""
		if not record.outcome_unknown:
			return False
		unknown = [entry["at"] for entry in record.history if entry.get("outcome") == history.UNKNOWN]
		settles_at = max([record.last_attempt_at or 0.0, *unknown]) + self.settle_seconds
		if self.clock() >= settles_at:
			return False
		waiting = Problem.of(
			"write_settling",
			_("An earlier write of this document may still be arriving at QuickBooks (its answer was lost)."),
			_("The connector looks for it and goes on automatically at {settles_at}; nothing to do."),
			settles_at=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(settles_at)),
		)
		record.status = Status.FAILED
		record.error, record.error_kind, record.next_retry_at = (
			_told(record, [waiting]),
			ErrorKind.TRANSIENT,
			settles_at,
		)
		self.port.save_record(record)
		return True

	def _fail(self, record: SyncRecord, error: Exception) -> None:
		if isinstance(error, DependencyNotSynced):
			kind, problems = error.kind, [error.problem]
		else:
			explanation = explain(error, record.qbo_entity, record.doc_number)
			kind, problems = explanation.kind, list(explanation.problems)
		record.status = Status.FAILED
		record.error, record.error_kind = _told(record, problems), kind
		if kind in (ErrorKind.TRANSIENT, ErrorKind.AUTH):
			record.next_retry_at = next_retry_at(
				self.clock(), record.attempts, f"{record.doctype}:{record.name}"
			)


def _told(record: SyncRecord, problems: list[Problem]) -> str | None:
	"""Keeps the problems on the record as data and returns their English text, for `record.error` (None when
	there are none)."""
	record.problems = [problem.as_dict() for problem in problems]
	return render_all(problems) or None


def _renumbered(payload: QBOPayload, generation: int) -> QBOPayload:
	"""A resent document's number: its first record, voided, may still hold the number in QuickBooks."""
	if not generation or not payload.doc_number:
		return payload
	suffix = f"-R{generation}"  # never an amendment's name, which ends in a digit
	number = doc_number(payload.doc_number + suffix)
	return replace(payload, body={**payload.body, "DocNumber": number}, doc_number=number)


def _push_order(doctype: str) -> int:
	pushed = pushed_type(doctype)
	return pushed.push_order if pushed else 1


def _refused_as_a_whole(error: Exception) -> bool:
	"""A batch QuickBooks refused (or the client could not send) because of what one of its items holds, so that
	nothing was written; the items then go one by one, each with its own answer. Outages, throttling and a
	rejected connection stay with the whole batch."""
	if not isinstance(error, QBOError):
		return True
	auth = isinstance(error, AuthenticationError | AuthorizationError)
	return not (error.retryable or auth or isinstance(error, NetworkError))


def _nothing_written(error: Exception) -> bool:
	"""QuickBooks answered and refused (validation, throttling), or nothing was sent: the write certainly did not
	happen. Lost answers and server errors leave the outcome open."""
	if not isinstance(error, QBOError):
		return True
	if error.earlier_attempt_unknown:  # the client's last try was refused, but an earlier one may have landed
		return False
	return isinstance(error, ThrottledError) or not error.retryable


def _as_date(value: object) -> date | None:
	if isinstance(value, date):
		return value
	if isinstance(value, str) and value:
		return date.fromisoformat(value[:10])
	return None
