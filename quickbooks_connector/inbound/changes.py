"""What a change made in QuickBooks means for ERPNext, applied through a port (`InboundPort`; `MemoryInboundPort`
for tests, the Frappe one in the app's module folder).

For each changed QuickBooks record (read after a webhook, or from the CDC catch-up):

1. Written by the connector (its sync records name it, or its PrivateNote carries the "ERPNext <Doctype> <name>"
   marker) -> never imported. Unchanged since the connector wrote it (same SyncToken, or nothing it sent differs:
   QuickBooks also touches an invoice when a payment is applied) -> nothing. Voided or deleted in QuickBooks
   while the ERPNext document is submitted -> a finding "voided/deleted in QuickBooks" (and the document is
   cancelled when QuickBooks Settings say so); edited (total, party, date, currency, lines) -> a finding with what
   changed. QuickBooks wins nothing silently: ERPNext keeps its document until a person acts.
2. A Payment / Bill Payment made in QuickBooks against records the connector pushed -> an ERPNext Payment Entry
   (inbound/payments.py), exactly once per realm, entity and Id. Edited later -> a finding on the Payment Entry,
   never a second one; voided or deleted -> a finding (or a cancel, per the setting). One that cannot be applied
   waits with its problems and is tried again with its next change or by Retry.
3. An Invoice / Bill made in QuickBooks (no sync record, no marker), when QuickBooks Settings import them -> a draft
   Sales / Purchase Invoice (inbound/documents.py) linked to its QuickBooks record, once per realm, entity and Id.
   Edited later in QuickBooks: the draft is rebuilt while it is still a draft; once submitted, the edit is a
   finding. Voided or deleted: a finding (and a cancel of a submitted one, per the setting). One that cannot be
   matched (party, item, account, tax) waits with its problems, like a payment.
4. Anything else (records the connector has nothing to do with) -> nothing.

A finding is recorded once per version of the record (its key names the SyncToken, or "deleted").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from quickbooks_connector.inbound import documents, payments
from quickbooks_connector.inbound.events import ChangeEvent
from quickbooks_connector.inbound.payments import InboundSettings, Target
from quickbooks_connector.inbound.records import (
	Change,
	Imported,
	Pushed,
	differences,
	import_key,
	is_deleted,
	is_voided,
	snapshot_of,
)
from quickbooks_connector.mapping.errors import MappingError, Problem, _
from quickbooks_connector.mapping.naming import MARKER_PREFIX
from quickbooks_connector.mapping.registry import PUSHED_TYPES
from quickbooks_connector.qbo.client import QBOClient
from quickbooks_connector.qbo.errors import NotFoundError
from quickbooks_connector.sync.port import DocumentNotFound

# What the connector writes, and reads back when it changes
OWNED_ENTITIES = frozenset(
	{"Invoice", "CreditMemo", "Bill", "VendorCredit", "JournalEntry", *payments.PAYERS}
)
VOIDED, DELETED, EDITED = "voided", "deleted", "edited"
# What the connector records in ERPNext from records made in QuickBooks, keyed by realm, entity and Id
IMPORTED_ENTITIES = frozenset({*payments.PAYERS, *documents.ENTITIES})
# "ERPNext Sales Invoice ACC-SINV-..." at the start of a note (after "Voided - " once voided) or of a detail
_MARKER = re.compile(
	rf"(?:^|\s){re.escape(MARKER_PREFIX)}(?:{'|'.join(re.escape(t.doctype) for t in PUSHED_TYPES)}) \S"
)


class InboundPort(Protocol):
	def pushed(self, qbo_entity: str, qbo_id: str) -> Pushed | None:
		"""The connector's record of having written this QuickBooks record, if it did."""

	def get_document(self, doctype: str, name: str) -> dict:
		"""The ERPNext document as a dict (current state); raises DocumentNotFound."""

	def account_currency(self, account: str) -> str: ...

	def get_import(self, key: str) -> Imported | None: ...

	def save_import(self, imported: Imported) -> None: ...

	def linked_key(self, qbo_entity: str, qbo_id: str) -> str | None:
		"""The ERPNext key a QuickBooks Link gives a QuickBooks record (party name; item code|account)."""

	def find_items(self, name: str, sku: str) -> list[str]:
		"""Enabled ERPNext item codes matching a QuickBooks item: code = SKU first, else code or name = name."""

	def create_draft(self, doc: dict, imported: Imported) -> str:
		"""Inserts `doc` as a draft already linked to `imported`'s QuickBooks record (its submit sends nothing);
		returns its name. Raises MappingError when ERPNext refuses it."""

	def update_draft(self, doctype: str, name: str, doc: dict, imported: Imported) -> None:
		"""Replaces the draft's values with `doc` (QuickBooks changed the record); raises MappingError."""

	def create_document(self, doc: dict, imported: Imported) -> str:
		"""Inserts and submits `doc` as recording `imported` (never sent back to QuickBooks); returns its name.
		Raises MappingError when ERPNext refuses it (closed period, over-allocation...)."""

	def record_finding(self, finding: Finding) -> bool:
		"""Keeps the finding on the document's sync record and tells the Accounts Managers; False when a finding
		of that key was recorded before."""

	def cancel_document(self, doctype: str, name: str, finding: Finding) -> None: ...

	def lock(self, key: str) -> AbstractContextManager[None]: ...


@dataclass(frozen=True)
class Finding:
	key: str
	kind: str  # VOIDED | DELETED | EDITED
	doctype: str
	name: str
	qbo_entity: str
	qbo_id: str
	changes: tuple[Change, ...] = ()
	problem: Problem | None = None


@dataclass
class Outcome:
	action: str  # ignored | created | updated | waiting | flagged | cancelled | unchanged
	reason: str = ""
	document: tuple[str, str] | None = None
	problems: list[dict] = field(default_factory=list)
	finding: Finding | None = None


Read = Callable[
	[str, str], "dict | None"
]  # (entity, Id) -> the record, None when QuickBooks no longer has it


class InboundEngine:
	def __init__(self, read: Read, port: InboundPort, settings: InboundSettings) -> None:
		self.read = read
		self.port = port
		self.settings = settings

	def handle_event(self, event: ChangeEvent) -> Outcome:
		"""A webhook event: the record is read (a Delete needs no read) and handled like a CDC change."""
		if event.realm_id != self.settings.realm_id:
			return Outcome("ignored", "another QuickBooks company")
		if event.entity not in OWNED_ENTITIES:
			return Outcome("ignored", f"{event.entity} is not read back")
		obj = None if event.operation == "Delete" else self.read(event.entity, event.id)
		return self.handle(event.entity, obj or {"Id": event.id, "status": "Deleted"})

	def handle(self, entity: str, obj: dict) -> Outcome:
		if entity not in OWNED_ENTITIES:
			return Outcome("ignored", f"{entity} is not read back")
		qbo_id = str(obj["Id"])
		key = import_key(self.settings.realm_id, entity, qbo_id)
		with self.port.lock(key):
			imported = self.port.get_import(key) if entity in IMPORTED_ENTITIES else None
			if imported is not None and imported.name:
				if entity in documents.ENTITIES:
					return self._draft_changed(imported, obj)
				return self._imported_changed(imported, obj)
			pushed = self.port.pushed(entity, qbo_id)
			if pushed is not None:
				return self._owned(pushed, obj)
			if carries_marker(obj):
				return Outcome("ignored", "written by the connector")
			if entity in payments.PAYERS:
				return self._payment(entity, obj, key, imported)
			if entity in documents.ENTITIES and self.settings.import_documents:
				return self._document(entity, obj, key, imported)
			return Outcome("ignored", "not made from ERPNext")

	# Records the connector wrote ------------------------------------------------------------------------------

	def _owned(self, pushed: Pushed, obj: dict) -> Outcome:
		document = (pushed.doctype, pushed.name)
		if pushed.removed_by_us or self._cancelled(pushed.doctype, pushed.name):
			return Outcome("ignored", "cancelled in ERPNext", document)
		if is_deleted(obj) or is_voided(obj):
			kind = DELETED if is_deleted(obj) else VOIDED
			return self._flag(pushed.doctype, pushed.name, pushed, obj, kind, ())
		if pushed.companion or obj.get("SyncToken") == pushed.sync_token:
			return Outcome("ignored", "the connector's own write", document)
		changes = differences(pushed.snapshot, snapshot_of(obj))
		if not changes:
			return Outcome("unchanged", "nothing the connector sent differs", document)
		return self._flag(pushed.doctype, pushed.name, pushed, obj, EDITED, tuple(changes))

	def _cancelled(self, doctype: str, name: str) -> bool:
		try:
			return self.port.get_document(doctype, name).get("docstatus") == 2
		except DocumentNotFound:
			return True

	# Payments made in QuickBooks ---------------------------------------------------------------------------------

	def _payment(self, entity: str, obj: dict, key: str, imported: Imported | None) -> Outcome:
		if is_deleted(obj) or is_voided(obj):
			if imported is not None:  # it waited; nothing to record any more
				imported.problems, imported.sync_token = [], obj.get("SyncToken")
				self.port.save_import(imported)
			return Outcome("ignored", "voided or deleted before it was recorded")
		lines = self._targets(entity, obj)
		if not any(line.name for line in lines):
			return Outcome("ignored", "pays nothing the connector sent")
		imported = imported or Imported(key, entity, str(obj["Id"]))
		return self._record(
			imported, obj, lambda: self._build(entity, obj, lines), self.port.create_document, ""
		)

	def _record(
		self,
		imported: Imported,
		obj: dict,
		build: Callable[[], dict],
		create: Callable[[dict, Imported], str],
		what: str,
	) -> Outcome:
		"""Builds and creates the ERPNext document of a QuickBooks record, or keeps why it waits."""
		imported.sync_token = obj.get("SyncToken")
		try:
			doc = build()
			name = create(doc, imported)
		except MappingError as error:
			imported.problems = [problem.as_dict() for problem in error.with_heading]
			self.port.save_import(imported)
			return Outcome("waiting", str(error), problems=imported.problems)
		imported.doctype, imported.name, imported.problems = doc["doctype"], name, []
		self.port.save_import(imported)
		return Outcome("created", f"{what}{doc['doctype']} {name}", (doc["doctype"], name))

	def _targets(self, entity: str, obj: dict) -> list[Target]:
		lines = []
		for txn_type, txn_id, amount in payments.targets(entity, obj):
			doctype = payments.TARGETS[entity].get(txn_type, (None, 0))[0]
			pushed = self.port.pushed(txn_type, txn_id) if doctype else None
			known = pushed is not None and pushed.doctype == doctype and not pushed.companion
			name = pushed.name if known else None
			lines.append(Target(txn_type, txn_id, amount, doctype if known else None, name))
		return lines

	def _build(self, entity: str, obj: dict, lines: list[Target]) -> dict:
		documents = {}
		for line in lines:
			if line.name and (line.doctype, line.name) not in documents:
				try:
					documents[(line.doctype, line.name)] = self.port.get_document(line.doctype, line.name)
				except DocumentNotFound:
					documents[(line.doctype, line.name)] = {"name": line.name, "docstatus": 2}
		return payments.build(entity, obj, lines, documents, self.settings, self.port.account_currency)

	# Invoices and bills made in QuickBooks -----------------------------------------------------------------------

	def _document(self, entity: str, obj: dict, key: str, imported: Imported | None) -> Outcome:
		if is_deleted(obj) or is_voided(obj):
			if imported is not None:  # it waited; nothing to import any more
				imported.problems, imported.sync_token = [], obj.get("SyncToken")
				self.port.save_import(imported)
			return Outcome("ignored", "voided or deleted before it was imported")
		imported = imported or Imported(key, entity, str(obj["Id"]))
		return self._record(imported, obj, lambda: self._draft(entity, obj), self.port.create_draft, "draft ")

	def _draft(self, entity: str, obj: dict) -> dict:
		party_key = self.port.linked_key(
			documents.KINDS[entity].party_entity, documents.party_id(entity, obj)
		)
		items = {qbo_id: self._item(qbo_id) for qbo_id in documents.item_ids(entity, obj)}
		return documents.build(entity, obj, party_key, items, self.settings)

	def _item(self, qbo_id: str) -> documents.ItemMatch:
		held = self.read("Item", qbo_id) or {}
		name, sku = str(held.get("Name") or ""), str(held.get("Sku") or "")
		accounts = {
			"income_account_id": str((held.get("IncomeAccountRef") or {}).get("value") or ""),
			"expense_account_id": str((held.get("ExpenseAccountRef") or {}).get("value") or ""),
		}
		code, _, account = (self.port.linked_key("Item", qbo_id) or "").rpartition("|")
		if code and code != "account":  # pushed items are keyed "item_code|income account"
			return documents.ItemMatch(qbo_id, code, name, sku, **accounts)
		found = self.port.find_items(name, sku) if name or sku else []
		if len(found) == 1:
			return documents.ItemMatch(qbo_id, found[0], name, sku, **accounts)
		return documents.ItemMatch(qbo_id, None, name, sku, tuple(found), **accounts)

	def _draft_changed(self, imported: Imported, obj: dict) -> Outcome:
		"""An imported invoice or bill changed in QuickBooks: its draft follows; once submitted, it is flagged."""
		document = (imported.doctype, imported.name)
		if not is_deleted(obj) and obj.get("SyncToken") == imported.sync_token:
			return Outcome("ignored", "already imported", document)
		try:
			docstatus = self.port.get_document(imported.doctype, imported.name).get("docstatus")
		except DocumentNotFound:
			return Outcome("ignored", "its draft was deleted in ERPNext", document)
		if docstatus != 0:
			return self._imported_changed(imported, obj)
		if is_deleted(obj) or is_voided(obj):
			kind = DELETED if is_deleted(obj) else VOIDED
			imported.sync_token = obj.get("SyncToken")
			self.port.save_import(imported)
			return self._flag(imported.doctype, imported.name, imported, obj, kind, (), draft=True)
		imported.sync_token = obj.get("SyncToken")
		try:
			self.port.update_draft(
				imported.doctype, imported.name, self._draft(imported.qbo_entity, obj), imported
			)
		except MappingError as error:  # the draft keeps its values until the record can be read again
			imported.problems = [problem.as_dict() for problem in error.with_heading]
			self.port.save_import(imported)
			return Outcome("waiting", str(error), document, problems=imported.problems)
		imported.problems = []
		self.port.save_import(imported)
		return Outcome("updated", f"draft {imported.doctype} {imported.name}", document)

	def _imported_changed(self, imported: Imported, obj: dict) -> Outcome:
		document = (imported.doctype, imported.name)
		if not is_deleted(obj) and obj.get("SyncToken") == imported.sync_token:
			return Outcome("ignored", "already recorded", document)
		kind = DELETED if is_deleted(obj) else VOIDED if is_voided(obj) else EDITED
		imported.sync_token = obj.get("SyncToken")
		self.port.save_import(imported)
		if self._cancelled(imported.doctype, imported.name):
			return Outcome("ignored", "cancelled in ERPNext", document)
		return self._flag(imported.doctype, imported.name, imported, obj, kind, ())

	# Findings ---------------------------------------------------------------------------------------------------

	def _flag(
		self,
		doctype: str,
		name: str,
		source: Pushed | Imported,
		obj: dict,
		kind: str,
		changes: tuple[Change, ...],
		draft: bool = False,
	) -> Outcome:
		version = "deleted" if kind == DELETED else str(obj.get("SyncToken"))
		key = f"{import_key(self.settings.realm_id, source.qbo_entity, source.qbo_id)}:{version}"
		finding = Finding(
			key,
			kind,
			doctype,
			name,
			source.qbo_entity,
			source.qbo_id,
			changes,
			_draft_problem(kind, source, doctype, name) if draft else _problem(kind, source, changes),
		)
		if not self.port.record_finding(finding):
			return Outcome("ignored", "already flagged", (doctype, name), finding=finding)
		if kind in (VOIDED, DELETED) and self.settings.void_cancels and not draft:
			self.port.cancel_document(doctype, name, finding)
			return Outcome("cancelled", kind, (doctype, name), finding=finding)
		return Outcome("flagged", kind, (doctype, name), finding=finding)


def _problem(kind: str, source: Pushed | Imported, changes: tuple[Change, ...]) -> Problem:
	facts = {"entity": source.qbo_entity, "id": source.qbo_id}
	if kind == EDITED:
		what = "; ".join(f"{change.field}: {change.pushed} -> {change.now}" for change in changes)
		return Problem.of(
			"changed_in_quickbooks",
			_("{entity} {id} was changed in QuickBooks: {changes}."),
			_(
				"Correct it in ERPNext (cancel and amend) or undo the change in QuickBooks; ERPNext keeps its values."
			),
			changes=what or "-",
			**facts,
		)
	if kind == VOIDED:
		return Problem.of(
			"voided_in_quickbooks",
			_("{entity} {id} was voided in QuickBooks."),
			_("Cancel the document in ERPNext too, or record it in QuickBooks again (Resync)."),
			**facts,
		)
	return Problem.of(
		"deleted_in_quickbooks",
		_("{entity} {id} was deleted in QuickBooks."),
		_("Cancel the document in ERPNext too, or record it in QuickBooks again (Resync)."),
		**facts,
	)


def _draft_problem(kind: str, source: Imported, doctype: str, name: str) -> Problem:
	return Problem.of(
		"removed_before_submitted",
		_("{entity} {id} was {kind} in QuickBooks before its draft {doctype} {name} was submitted."),
		_("Delete the draft {doctype} {name}."),
		entity=source.qbo_entity,
		id=source.qbo_id,
		kind=kind,
		doctype=doctype,
		name=name,
	)


def carries_marker(obj: dict) -> bool:
	"""The record's PrivateNote names an ERPNext document the way the connector writes it."""
	return _MARKER.search(str(obj.get("PrivateNote") or "")) is not None


def reader(client: QBOClient) -> Read:
	"""Reads a record through the client; None when QuickBooks no longer has it."""

	def read(entity: str, qbo_id: str) -> dict | None:
		try:
			return client.read(entity, qbo_id)
		except NotFoundError:
			return None

	return read


@contextmanager
def no_lock() -> Iterator[None]:
	yield
