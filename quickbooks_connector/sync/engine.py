"""The push engine: one ERPNext document -> exactly one QuickBooks record, whatever fails on the way.

Exactly once rests on three rules:

1. Write-ahead: before any create the record is saved with `outcome_unknown` set, and cleared once QuickBooks
   answered. A crash, a timeout or a dropped response therefore leaves a trace.
2. Every write carries a request id derived from (realm, document, operation, payload); QuickBooks replays the original
   answer for a repeated id, so retrying the same write cannot create a second record.
3. When an earlier outcome is unknown (or QuickBooks reports the document number as taken), the engine looks the
   record up by DocNumber / date and its PrivateNote marker and adopts it instead of creating another.

Dependencies come first: the party and items are found or created (`Resolver`), and documents a return or payment
refers to are pushed before it. Companion records (a payment's deduction journal before it, a credit memo's
application after it) are tracked in `record.related` so a retry resumes where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from quickbooks_connector import mapping
from quickbooks_connector.mapping import MappingContext, MappingError, QBOPayload, Refs, Skip, TxnRef
from quickbooks_connector.mapping.money import money
from quickbooks_connector.mapping.payload import MAIN
from quickbooks_connector.qbo import BatchOperation, QBOClient
from quickbooks_connector.qbo.errors import (
	DuplicateDocumentNumberError,
	NotFoundError,
	QBOError,
	ThrottledError,
)
from quickbooks_connector.sync.explain import explain
from quickbooks_connector.sync.idempotency import payload_hash, request_id
from quickbooks_connector.sync.port import SyncPort
from quickbooks_connector.sync.records import ErrorKind, Status, SyncRecord
from quickbooks_connector.sync.resolve import Resolver
from quickbooks_connector.sync.retry_policy import next_retry_at

VOIDABLE = frozenset({"Invoice", "Payment", "BillPayment", "SalesReceipt"})
BEFORE, AFTER = "before:", "after:"
# Backfill order: what others refer to goes first.
PUSH_ORDER = {"Sales Invoice": 0, "Purchase Invoice": 0, "Payment Entry": 2}
BATCH_SIZE = 30


@dataclass(frozen=True)
class SyncPolicy:
	"""What is pushed automatically. A manual push ignores the start date (the user asked for that document)."""

	start_date: date | None = None
	enabled_doctypes: frozenset[str] = frozenset(mapping.SUPPORTED_DOCTYPES)

	def skip_reason(self, doc: dict, manual: bool) -> str | None:
		doctype = doc["doctype"]
		if doctype not in self.enabled_doctypes:
			return f"Sending {doctype} documents to QuickBooks is turned off in QuickBooks Settings."
		posting_date = _as_date(doc.get("posting_date"))
		if not manual and self.start_date and posting_date and posting_date < self.start_date:
			return (
				f"Dated {posting_date}, before the sync start date {self.start_date} in QuickBooks Settings; "
				"use Sync to QuickBooks on the document to send it anyway."
			)
		return None


class DependencyNotSynced(Exception):
	def __init__(self, message: str, kind: ErrorKind):
		super().__init__(message)
		self.kind = kind


@dataclass
class _Prepared:
	record: SyncRecord
	doc: dict
	refs: Refs
	payload: QBOPayload
	operation: BatchOperation | None = field(default=None)


class PushEngine:
	def __init__(
		self,
		client: QBOClient,
		port: SyncPort,
		ctx: MappingContext,
		realm_id: str,
		policy: SyncPolicy | None = None,
		clock: Callable[[], float] = time.time,
	):
		self.client = client
		self.port = port
		self.ctx = ctx
		self.realm_id = realm_id
		self.policy = policy or SyncPolicy()
		self.clock = clock
		self.resolver = Resolver(client, port, ctx, realm_id)

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
			if record.status == Status.VOIDED:
				return record
			self._begin_attempt(record)
			try:
				self._undo(record)
			except Exception as error:
				self._fail(record, error)
			self.port.save_record(record)
			return record

	def push_many(
		self, documents: Iterable[tuple[str, str]], progress: Callable[[int, int], None] | None = None
	) -> list[SyncRecord]:
		"""Backfill: push many documents with QuickBooks' batch API, invoices and bills before the payments and
		returns that refer to them. Documents needing companion records go through `push` one by one."""
		pending = sorted(set(documents), key=lambda ref: (PUSH_ORDER.get(ref[0], 1), ref[1]))
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
			if record.status in (Status.SYNCED, Status.VOIDED):
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
		skip = self._skip_reason(doc, manual)
		if skip:
			return self._skip(record, skip)
		refs = self._resolve(mapping.dependencies(doc, self.ctx), chain)
		if isinstance(refs, Skip):
			return self._skip(record, refs.reason)
		for extra in mapping.build_prerequisites(doc, self.ctx, refs):
			refs.companions[extra.key] = self._create_companion(record, BEFORE, extra)
		payload = mapping.build_payload(doc, self.ctx, refs)
		if isinstance(payload, Skip):
			return self._skip(record, payload.reason)
		self._describe(record, doc, payload)
		if not record.qbo_id:
			self._adopt(record, self._create_main(record, payload))
		for extra in mapping.build_followups(doc, self.ctx, refs, record.qbo_id):
			capped = self._capped(extra)
			if capped:
				self._create_companion(record, AFTER, capped)
		self._succeed(record)

	def _skip_reason(self, doc: dict, manual: bool) -> str | None:
		if doc.get("docstatus") == 2:
			return "Cancelled in ERPNext before it was sent to QuickBooks; nothing to send."
		if doc.get("docstatus") != 1:
			return "Not submitted; only submitted documents are sent to QuickBooks."
		return self.policy.skip_reason(doc, manual)

	def _resolve(self, deps: mapping.Dependencies | Skip, chain: tuple) -> Refs | Skip:
		if isinstance(deps, Skip):
			return deps
		refs = Refs()
		if deps.party:
			refs.party_id = self.resolver.party(deps.party)
		for spec in deps.items:
			refs.item_ids[spec.key] = self.resolver.item(spec)
		for linked in deps.linked:
			refs.linked[(linked.doctype, linked.name)] = self._linked(linked, chain)
		return refs

	def _linked(self, linked: mapping.LinkedDoc, chain: tuple) -> TxnRef:
		"""The QuickBooks record of a document this one refers to, pushing it first when it is not there yet."""
		if (linked.doctype, linked.name) in chain:
			raise MappingError(f"{linked.doctype} {linked.name} refers back to this document.", "")
		record = self.port.get_record(linked.doctype, linked.name)
		if not (record and record.status == Status.SYNCED):
			record = self._push(linked.doctype, linked.name, manual=False, chain=chain)
		if record.status == Status.SYNCED and record.qbo_id:
			return TxnRef(record.qbo_entity, record.qbo_id)
		why = f" ({linked.why})" if linked.why else ""
		raise DependencyNotSynced(
			f"{linked.doctype} {linked.name}{why} is not in QuickBooks yet. Its sync record says: "
			f"{(record.error or record.status.value).rstrip('.')}. Fix that first; this document follows on Retry.",
			record.error_kind or ErrorKind.PERMANENT,
		)

	def _create_main(self, record: SyncRecord, payload: QBOPayload) -> dict:
		if record.outcome_unknown:
			found = self._find_existing(record, payload)
			if found:
				return found
		fingerprint = payload_hash(payload.body)
		record.request_id = request_id(self.realm_id, record.doctype, record.name, "create", fingerprint)
		record.payload_hash = fingerprint
		try:
			return self._write(record, payload.entity, payload.body, record.request_id)
		except DuplicateDocumentNumberError:
			# Ours after all (an earlier attempt whose answer was lost), or somebody else's: only adopt ours.
			found = self._find_existing(record, payload)
			if not found:
				raise
			return found

	def _create_companion(self, record: SyncRecord, phase: str, payload: QBOPayload) -> str:
		key = phase + payload.key
		if key in record.related:
			return record.related[key].split(":", 1)[1]
		found = self._find_existing(record, payload) if record.outcome_unknown else None
		if not found:
			rid = request_id(self.realm_id, record.doctype, record.name, key, payload_hash(payload.body))
			found = self._write(record, payload.entity, payload.body, rid)
		record.related[key] = f"{payload.entity}:{found['Id']}"
		self.port.save_record(record)
		return found["Id"]

	def _write(self, record: SyncRecord, entity: str, body: dict, rid: str) -> dict:
		self._write_ahead(record)
		try:
			created = self.client.create(entity, body, request_id=rid)
		except QBOError as error:
			if _nothing_written(error):
				record.outcome_unknown = False
			raise
		record.outcome_unknown = False
		return created

	def _write_ahead(self, record: SyncRecord) -> None:
		record.outcome_unknown = True
		self.port.save_record(record)

	def _find_existing(self, record: SyncRecord, payload: QBOPayload) -> dict | None:
		"""Our earlier write, if it reached QuickBooks: same entity, same number (or date), our PrivateNote marker.
		A document has one main record per entity, so its marker identifies it even when the note's details changed;
		companions (several Payments of one invoice, say) must carry the very same note."""
		if payload.doc_number:
			statement, value = f"select * from {payload.entity} where DocNumber = {{}}", payload.doc_number
		else:
			statement, value = (
				f"select * from {payload.entity} where TxnDate = {{}}",
				payload.body.get("TxnDate"),
			)
		note = "" if payload.key == MAIN else payload.body.get("PrivateNote") or ""
		for found in self.client.query(statement, value):
			if mapping.is_ours(found, record.doctype, record.name) and note in (
				found.get("PrivateNote") or ""
			):
				return found
		return None

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
		record.qbo_id = qbo_obj["Id"]
		record.sync_token = qbo_obj.get("SyncToken")
		record.doc_number = qbo_obj.get("DocNumber") or record.doc_number
		record.qbo_total = money(qbo_obj.get("TotalAmt") or 0)
		record.qbo_tax = money((qbo_obj.get("TxnTaxDetail") or {}).get("TotalTax") or 0)
		record.total_mismatch = record.qbo_total != money(record.erp_total or 0) or (
			record.qbo_tax != money(record.erp_tax or 0)
		)
		self.port.save_record(record)  # the id is what makes every later step safe: keep it at once

	# Cancel -------------------------------------------------------------------------------------------------

	def _undo(self, record: SyncRecord) -> None:
		if not record.qbo_id and record.outcome_unknown and record.qbo_entity:
			self._adopt_after_unknown_outcome(record)
		if not record.qbo_id and not record.related:
			record.status = Status.SKIPPED
			record.error, record.error_kind = (
				"Cancelled in ERPNext before it reached QuickBooks; nothing to undo.",
				None,
			)
			return
		for key in [key for key in record.related if key.startswith(AFTER)]:
			self._remove_related(record, key)
		if record.qbo_id:
			self._remove(record.qbo_entity, record.qbo_id, record, "void")
		for key in [key for key in record.related if key.startswith(BEFORE)]:
			self._remove_related(record, key)
		record.status = Status.VOIDED
		record.error, record.error_kind, record.next_retry_at = None, None, None

	def _adopt_after_unknown_outcome(self, record: SyncRecord) -> None:
		statement = f"select * from {record.qbo_entity} where DocNumber = {{}}"
		for found in self.client.query(statement, record.doc_number) if record.doc_number else ():
			if mapping.is_ours(found, record.doctype, record.name):
				record.qbo_id, record.sync_token = found["Id"], found.get("SyncToken")
				record.outcome_unknown = False

	def _remove_related(self, record: SyncRecord, key: str) -> None:
		entity, qbo_id = record.related[key].split(":", 1)
		self._remove(entity, qbo_id, record, f"void:{key}")
		del record.related[key]
		self.port.save_record(record)

	def _remove(self, entity: str, qbo_id: str, record: SyncRecord, operation: str) -> None:
		"""Void where QuickBooks can (the record stays, zeroed, for the audit trail); delete otherwise."""
		try:
			current = self.client.read(entity, qbo_id)
		except NotFoundError:
			return  # already deleted in QuickBooks
		if "Voided" in (current.get("PrivateNote") or "")[:7] or current.get("status") == "Deleted":
			return
		rid = request_id(self.realm_id, record.doctype, record.name, f"{operation}:{entity}:{qbo_id}")
		if entity in VOIDABLE:
			self.client.void(entity, qbo_id, current["SyncToken"], request_id=rid)
		else:
			self.client.delete(entity, qbo_id, current["SyncToken"], request_id=rid)

	# Backfill -----------------------------------------------------------------------------------------------

	def _waves(self, documents: list[dict]) -> Iterable[list[dict]]:
		"""Documents grouped so that each group only refers to documents of earlier groups."""
		by_rank: dict[int, list[dict]] = {}
		for doc in documents:
			by_rank.setdefault(PUSH_ORDER.get(doc["doctype"], 1), []).append(doc)
		for rank in sorted(by_rank):
			yield [doc for doc in by_rank[rank] if not doc.get("is_return")]
			returns = [doc for doc in by_rank[rank] if doc.get("is_return")]
			if returns:
				yield returns

	def _push_wave(self, wave: list[dict]) -> list[SyncRecord]:
		prepared: list[_Prepared] = []
		records: list[SyncRecord] = []
		for doc in wave:
			item = self._prepare(doc)
			if isinstance(item, _Prepared):
				prepared.append(item)
			else:
				records.append(item)
		for start in range(0, len(prepared), BATCH_SIZE):
			records.extend(self._create_batch(prepared[start : start + BATCH_SIZE]))
		return records

	def _prepare(self, doc: dict) -> _Prepared | SyncRecord:
		"""Resolve and build one document for a batch; anything unusual goes through the one-by-one path."""
		doctype, name = doc["doctype"], doc["name"]
		record = self.port.get_record(doctype, name) or SyncRecord(doctype, name)
		if record.status in (Status.SYNCED, Status.VOIDED):
			return record
		if record.outcome_unknown or record.related:
			return self.push(doctype, name)
		try:
			deps = mapping.dependencies(doc, self.ctx)
			if self._skip_reason(doc, False) or isinstance(deps, Skip) or not self._linked_ready(deps):
				return self.push(doctype, name)
			refs = self._resolve(deps, ((doctype, name),))
			if mapping.build_prerequisites(doc, self.ctx, refs):
				return self.push(doctype, name)
			payload = mapping.build_payload(doc, self.ctx, refs)
		except Exception:
			return self.push(doctype, name)  # the one-by-one path records the failure with its explanation
		if isinstance(payload, Skip):
			return self.push(doctype, name)
		return _Prepared(record, doc, refs, payload)

	def _linked_ready(self, deps: mapping.Dependencies) -> bool:
		records = (self.port.get_record(linked.doctype, linked.name) for linked in deps.linked)
		return all(record and record.status == Status.SYNCED for record in records)

	def _create_batch(self, chunk: list[_Prepared]) -> list[SyncRecord]:
		with ExitStack() as locks:
			for item in chunk:
				locks.enter_context(self.port.lock(item.record.doctype, item.record.name))
			return self._create_batch_locked(chunk)

	def _create_batch_locked(self, chunk: list[_Prepared]) -> list[SyncRecord]:
		operations = []
		for item in chunk:
			self._begin_attempt(item.record)
			self._describe(item.record, item.doc, item.payload)
			item.record.payload_hash = payload_hash(item.payload.body)
			self._write_ahead(item.record)
			operations.append(BatchOperation("create", item.payload.entity, item.payload.body))
		# Like a single write's id, a batch's covers its content: only the very same batch is ever replayed.
		names = "|".join(item.record.name for item in chunk)
		contents = "|".join(item.record.payload_hash for item in chunk)
		batch_id = request_id(self.realm_id, "batch", names, "create", contents)
		for item in chunk:
			item.record.request_id = batch_id
		try:
			results = self.client.batch(operations, request_id=batch_id)
		except Exception as error:
			for item in chunk:
				self._fail(item.record, error)
				self.port.save_record(item.record)
			return [item.record for item in chunk]
		for item, result in zip(chunk, results, strict=True):
			self._finish_batch_item(item, result)
		return [item.record for item in chunk]

	def _finish_batch_item(self, item: _Prepared, result) -> None:
		record = item.record
		if result.ok:
			record.outcome_unknown = False
			self._adopt(record, result.data)
			followups = mapping.build_followups(item.doc, self.ctx, item.refs, record.qbo_id)
			if followups:
				self.port.save_record(record)
				record = self.push(record.doctype, record.name)  # finishes the companions one by one
				item.record = record
				return
			self._succeed(record)
		else:
			# A lost batch answer leaves every item's outcome open; a number already taken may be ours from an
			# earlier run. Either way the next attempt looks the record up before writing again.
			record.outcome_unknown = not _nothing_written(result.error) or isinstance(
				result.error, DuplicateDocumentNumberError
			)
			self._fail(record, result.error)
		self.port.save_record(record)

	# Record bookkeeping -------------------------------------------------------------------------------------

	def _begin_attempt(self, record: SyncRecord) -> None:
		record.attempts += 1
		record.last_attempt_at = self.clock()
		record.next_retry_at = None

	def _skip(self, record: SyncRecord, reason: str) -> None:
		record.status = Status.SKIPPED
		record.error, record.error_kind = reason, None

	def _succeed(self, record: SyncRecord) -> None:
		record.status = Status.SYNCED
		record.synced_at = self.clock()
		record.error_kind = None
		record.error = self._mismatch_note(record) if record.total_mismatch else None

	def _mismatch_note(self, record: SyncRecord) -> str:
		return (
			f"Sent, but QuickBooks shows total {record.qbo_total} and tax {record.qbo_tax} where ERPNext has "
			f"{money(record.erp_total or 0)} and {money(record.erp_tax or 0)}. Check the tax codes and rounding "
			"account in QuickBooks Settings."
		)

	def _fail(self, record: SyncRecord, error: Exception) -> None:
		if isinstance(error, DependencyNotSynced):
			kind, message = error.kind, str(error)
		else:
			explanation = explain(error, record.qbo_entity, record.doc_number)
			kind, message = explanation.kind, explanation.message
		record.status = Status.FAILED
		record.error, record.error_kind = message, kind
		if kind in (ErrorKind.TRANSIENT, ErrorKind.AUTH):
			record.next_retry_at = next_retry_at(
				self.clock(), record.attempts, f"{record.doctype}:{record.name}"
			)


def _nothing_written(error: QBOError) -> bool:
	"""QuickBooks answered and refused (validation, throttling): the write certainly did not happen. Lost answers
	and server errors leave the outcome open."""
	return isinstance(error, ThrottledError) or not error.retryable


def _as_date(value: object) -> date | None:
	if isinstance(value, date):
		return value
	if isinstance(value, str) and value:
		return date.fromisoformat(value[:10])
	return None
