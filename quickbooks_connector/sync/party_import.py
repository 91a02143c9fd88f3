"""Scheduled import of QuickBooks customers and vendors into ERPNext customers and suppliers.

The importer streams: it reads one query page (at most 1000 objects) or one CDC response (at most 1000 objects)
at a time, imports each object through a `PartyImportPort` and keeps only counters, so memory does not grow with
the size of the QuickBooks company.

What is read (per entity, from the watermark the previous run left):
- no watermark (first run): every record, active or not (`where Active IN (true, false)`), paged by Id;
- watermark within CDC's 30-day look-back: one CDC call for both entities (`changedSince` = the older watermark).
  A CDC response is capped at 1000 objects; a response that reaches the cap may be cut short, so its live objects
  are dropped and the entities are read with paged queries instead (deleted stubs in it are still honoured);
- watermark older than that (or CDC refused): paged queries `where Active IN (true, false) AND
  MetaData.LastUpdatedTime >= <watermark>`, ordered by Id. (Paging by an offset over LastUpdatedTime could skip
  a row when another row is edited while we page and moves to the end; Id order does not move.)

Watermark: after a run each entity's watermark becomes the run's start time minus an overlap margin (5 minutes
by default, which absorbs clock skew and records committed while the run started) - unless a record of that
entity failed: then it becomes the earliest LastUpdatedTime of the failed records when that is earlier, so the
next run reads them again. The start time comes from the `clock` given (QuickBooks' clock when the caller can
read it; a synchronised local clock otherwise, whose skew the margin absorbs). A run that stops on a QuickBooks error (connection lost, tokens rejected) leaves the watermarks alone.
Records read twice because of the overlap are recognised as unchanged (same LastUpdatedTime as imported) and
cost nothing but the read.

Matching a QuickBooks record to an ERPNext party: the stored QuickBooks id link first, then the e-mail address,
then the name (DisplayName without the " (Customer)" / " (Supplier)" suffix the push adds when one party is both,
see mapping/party_import.py). An existing party keeps its ERPNext name when the QuickBooks name is only what the
push made of it (':' as '-', collapsed spaces, the suffix, length cuts: `is_connector_name`); a name changed in
QuickBooks is imported. A party already linked to another QuickBooks record is never matched by e-mail or
name. A QuickBooks Customer becomes an ERPNext Customer and a Vendor a Supplier, so a Customer and a Vendor of one
real party become a Customer and a Supplier of the same name. Inactive in QuickBooks means disabled in ERPNext
(and active again means enabled). Deleted (merged) records reported by CDC only mark the link; the ERPNext party
is kept.

Conflict rule - the ERPNext side wins when it is newer:
	An existing ERPNext party is updated from QuickBooks only if it has not been edited in ERPNext since its last
	import (its `modified` equals the one recorded at that import), or if the record's MetaData.LastUpdatedTime in
	QuickBooks is later than the party's `modified` in ERPNext (both compared in UTC). Otherwise the party is left as
	it is, the QuickBooks version is remembered as seen, and the item is reported as skipped: "kept ERPNext edits".
	A later change in QuickBooks (newer than the ERPNext edit) is imported again.

Per-record isolation: anything one record raises (a name ERPNext rejects, a missing customer group...) is
reported as a failed item with its reason and the run goes on with the next record.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Protocol

from quickbooks_connector.mapping.party_import import (
	PartyFields,
	customer_fields,
	is_connector_name,
	supplier_fields,
)
from quickbooks_connector.qbo import QBOClient
from quickbooks_connector.qbo.errors import QBOError, ValidationError

log = logging.getLogger(__name__)

ENTITIES = ("Customer", "Vendor")
PARTY_TYPES = {"Customer": "Customer", "Vendor": "Supplier"}
_FIELDS: dict[str, Callable[[dict], PartyFields]] = {"Customer": customer_fields, "Vendor": supplier_fields}

CDC_WINDOW = timedelta(days=30)
CDC_SAFETY = timedelta(hours=1)  # stay clear of the window's edge: clocks differ and a run takes time
CDC_CAP = 1000
DEFAULT_OVERLAP = timedelta(minutes=5)
KEPT_ERPNEXT_EDITS = "kept ERPNext edits"
PROGRESS_EVERY = 100


class Action(str, Enum):
	CREATED = "Created"
	UPDATED = "Updated"
	SKIPPED = "Skipped"
	FAILED = "Failed"
	UNCHANGED = "Unchanged"  # counted, never reported item by item


class ReadMethod(str, Enum):
	FULL = "full"  # first run: every record
	CDC = "cdc"
	QUERY = "query"  # changed since the watermark, paged


@dataclass(frozen=True)
class ExistingParty:
	"""What the importer needs to know about an ERPNext Customer or Supplier."""

	name: str
	modified: datetime  # timezone-aware
	qbo_id: str | None = None  # the QuickBooks record of its own kind it is linked to, if any
	imported_version: datetime | None = None  # MetaData.LastUpdatedTime of the last imported version
	modified_at_import: datetime | None = None  # the party's `modified` right after that import
	party_name: str | None = None  # customer_name / supplier_name (the document `name` when not given)


@dataclass(frozen=True)
class ItemOutcome:
	qbo_entity: str
	qbo_id: str
	action: Action
	party_type: str
	party_name: str | None = None  # the ERPNext party, when there is one
	qbo_name: str | None = None  # DisplayName in QuickBooks, to find a failed record
	message: str | None = None
	qbo_last_updated: datetime | None = None


class PartyImportPort(Protocol):
	"""ERPNext as the importer sees it. Datetimes are timezone-aware."""

	def find_by_qbo_id(self, qbo_entity: str, qbo_id: str) -> ExistingParty | None:
		"""The party linked to this QuickBooks record (None when there is no link or the party is gone)."""

	def find_by_email(self, party_type: str, email: str) -> ExistingParty | None: ...

	def find_by_name(self, party_type: str, name: str) -> ExistingParty | None: ...

	def create(self, party_type: str, fields: PartyFields) -> str:
		"""Create the party (with its contact and addresses, disabled when inactive); returns its name."""

	def update(self, party_type: str, name: str, fields: PartyFields) -> None:
		"""Overwrite the party's imported fields, contact, addresses and disabled flag."""

	def link(
		self,
		qbo_entity: str,
		qbo_id: str,
		party_type: str,
		name: str,
		version: datetime | None,
		imported: bool,
	) -> None:
		"""Store (or move) the QuickBooks id link and remember `version` as seen; when `imported` (the party was
		just written from it) also remember the party's current `modified` as its `modified_at_import`."""

	def mark_deleted(self, qbo_entity: str, qbo_id: str) -> str | None:
		"""Mark the link of a record deleted (merged) in QuickBooks; the linked party's name, or None."""

	def get_watermark(self, qbo_entity: str) -> datetime | None: ...

	def set_watermark(self, qbo_entity: str, value: datetime) -> None: ...

	def record(self, outcome: ItemOutcome) -> None:
		"""Report one imported, skipped or failed record (unchanged records are only counted)."""


@dataclass
class ImportSummary:
	started_at: datetime
	created: int = 0
	updated: int = 0
	skipped: int = 0
	failed: int = 0
	unchanged: int = 0
	methods: dict[str, ReadMethod] = field(default_factory=dict)
	watermarks: dict[str, datetime] = field(default_factory=dict)  # the new ones; empty when the run stopped
	# Why the run stopped early (QuickBooks unreachable, tokens refused); the watermarks were then left alone.
	stopped_by: QBOError | None = None

	@property
	def error(self) -> str | None:
		return str(self.stopped_by) if self.stopped_by else None

	@property
	def processed(self) -> int:
		return self.created + self.updated + self.skipped + self.failed + self.unchanged

	def count(self, action: Action) -> None:
		attribute = action.value.lower()
		setattr(self, attribute, getattr(self, attribute) + 1)


ProgressCallback = Callable[[int, int | None], None]  # (records done, records expected or None)


class PartyImporter:
	"""Imports QuickBooks customers and vendors through a port. One instance per run."""

	def __init__(
		self,
		client: QBOClient,
		port: PartyImportPort,
		entities: Iterable[str] = ENTITIES,
		*,
		overlap: timedelta = DEFAULT_OVERLAP,
		clock: Callable[[], datetime] | None = None,
		progress: ProgressCallback | None = None,
	) -> None:
		"""`clock` gives the current time, timezone-aware; QuickBooks' clock when the caller can read it (the
		overlap margin covers the skew of a synchronised local clock, the default)."""
		self.client = client
		self.port = port
		self.entities = [entity for entity in ENTITIES if entity in set(entities)]
		self.overlap = overlap
		self.clock = clock or (lambda: datetime.now(timezone.utc))
		self.progress = progress
		self._watermarks: dict[str, datetime | None] = {}
		self._earliest_failure: dict[str, datetime] = {}
		self._expected: int | None = None

	def run(self) -> ImportSummary:
		started = _aware(self.clock(), "clock()")
		summary = ImportSummary(started_at=started)
		watermarks = {entity: self.port.get_watermark(entity) for entity in self.entities}
		self._watermarks = watermarks
		methods = {entity: _method(watermarks[entity], started) for entity in self.entities}
		try:
			methods = self._read_changes(watermarks, methods, summary)
			for entity in self.entities:
				if methods[entity] is not ReadMethod.CDC:
					self._import_all(entity, self._query(entity, watermarks[entity]), summary)
		except QBOError as error:
			log.warning("QuickBooks party import stopped: %s", error)
			summary.stopped_by = error
			summary.methods = methods
			return summary
		summary.methods = methods
		for entity in self.entities:
			summary.watermarks[entity] = self._next_watermark(entity, started)
			self.port.set_watermark(entity, summary.watermarks[entity])
		return summary

	# -- reading ------------------------------------------------------------------------------------------

	def _read_changes(
		self, watermarks: dict[str, datetime | None], methods: dict[str, ReadMethod], summary: ImportSummary
	) -> dict[str, ReadMethod]:
		"""One CDC call for the entities whose watermark allows it; returns how each entity is to be read."""
		cdc_entities = [entity for entity in self.entities if methods[entity] is ReadMethod.CDC]
		if not cdc_entities:
			return methods
		since = min(watermark for entity, watermark in watermarks.items() if entity in cdc_entities)
		try:
			changes = self.client.cdc(cdc_entities, since)
		except ValidationError as error:  # e.g. QuickBooks' clock says the window is older than 30 days
			log.info("QuickBooks refused CDC since %s (%s); reading with queries", since, error)
			return {**methods, **dict.fromkeys(cdc_entities, ReadMethod.QUERY)}
		capped = sum(len(objects) for objects in changes.values()) >= CDC_CAP
		if capped:
			log.info("CDC since %s reached its %s-object cap; reading with queries", since, CDC_CAP)
			methods = {**methods, **dict.fromkeys(cdc_entities, ReadMethod.QUERY)}
		if self.progress and not capped:
			self._expected = sum(len(changes.get(entity, [])) for entity in cdc_entities)
		for entity in cdc_entities:
			objects = changes.get(entity, [])
			if capped:  # live objects may be missing from a cut response; stubs that did come are still true
				objects = [obj for obj in objects if _is_deleted(obj)]
			self._import_all(entity, objects, summary)
		return methods

	def _query(self, entity: str, watermark: datetime | None) -> Iterator[dict]:
		where = "Active IN (true, false)"  # name lists hide inactive records unless asked for them
		if watermark is None:
			if self.progress:
				self._expected = (self._expected or 0) + self.client.count(entity, where)
			return self.client.query(f"select * from {entity} where {where}")
		since = _qbo_time(watermark)
		where += " AND MetaData.LastUpdatedTime >= {}"
		if self.progress:
			self._expected = (self._expected or 0) + self.client.count(entity, where, since)
		return self.client.query(f"select * from {entity} where {where}", since)

	# -- importing ----------------------------------------------------------------------------------------

	def _import_all(self, entity: str, objects: Iterable[dict], summary: ImportSummary) -> None:
		for obj in objects:
			outcome = self._import_one(entity, obj)
			if outcome is None:
				continue
			summary.count(outcome.action)
			if outcome.action is not Action.UNCHANGED:
				self.port.record(outcome)
			if self.progress and summary.processed % PROGRESS_EVERY == 0:
				self.progress(summary.processed, self._expected)

	def _import_one(self, entity: str, obj: dict) -> ItemOutcome | None:
		party_type = PARTY_TYPES[entity]
		qbo_id, qbo_name = str(obj.get("Id")), obj.get("DisplayName")
		fields: PartyFields | None = None
		try:
			if _is_deleted(obj):
				return self._deleted(entity, qbo_id)
			fields = _FIELDS[entity](obj)
			fields = replace(fields, email=_first_email(fields.email))
			return self._apply(entity, party_type, fields, qbo_name)
		except Exception as error:  # one bad record must never stop the run: report it and go on
			version = fields.qbo_last_updated if fields else None
			self._note_failure(entity, version)
			log.info("QuickBooks %s %s (%s) not imported: %s", entity, qbo_id, qbo_name, error)
			return ItemOutcome(
				entity,
				qbo_id,
				Action.FAILED,
				party_type,
				qbo_name=qbo_name,
				message=_reason(error),
				qbo_last_updated=version,
			)

	def _apply(self, entity: str, party_type: str, fields: PartyFields, qbo_name: str | None) -> ItemOutcome:
		version = fields.qbo_last_updated

		def outcome(action: Action, name: str, message: str | None = None) -> ItemOutcome:
			return ItemOutcome(
				entity, fields.qbo_id, action, party_type, name, qbo_name, message, qbo_last_updated=version
			)

		existing, matched_by = self._match(entity, party_type, fields)
		if existing is None:
			name = self.port.create(party_type, fields)
			self.port.link(entity, fields.qbo_id, party_type, name, version, imported=True)
			return outcome(Action.CREATED, name)
		if matched_by == "link" and _seen(existing.imported_version, version):
			return outcome(Action.UNCHANGED, existing.name)
		note = None if matched_by == "link" else f"matched an existing {party_type} by {matched_by}"
		fields = _keeping_erpnext_name(fields, existing, qbo_name)
		if _quickbooks_wins(existing, version):
			self.port.update(party_type, existing.name, fields)
			self.port.link(entity, fields.qbo_id, party_type, existing.name, version, imported=True)
			return outcome(Action.UPDATED, existing.name, note)
		self.port.link(entity, fields.qbo_id, party_type, existing.name, version, imported=False)
		return outcome(Action.SKIPPED, existing.name, KEPT_ERPNEXT_EDITS + (f" ({note})" if note else ""))

	def _match(
		self, entity: str, party_type: str, fields: PartyFields
	) -> tuple[ExistingParty | None, str | None]:
		linked = self.port.find_by_qbo_id(entity, fields.qbo_id)
		if linked is not None:
			return linked, "link"
		candidates = (
			("e-mail", self.port.find_by_email(party_type, fields.email) if fields.email else None),
			("name", self.port.find_by_name(party_type, fields.name)),
		)
		for matched_by, party in candidates:
			if party is not None and party.qbo_id in (None, fields.qbo_id):
				return party, matched_by
		return None, None

	def _deleted(self, entity: str, qbo_id: str) -> ItemOutcome | None:
		name = self.port.mark_deleted(entity, qbo_id)
		if name is None:
			return None  # CDC reports deletions of records we never imported
		message = "deleted or merged in QuickBooks: link marked, ERPNext party kept"
		return ItemOutcome(entity, qbo_id, Action.SKIPPED, PARTY_TYPES[entity], name, message=message)

	# -- watermark ----------------------------------------------------------------------------------------

	def _note_failure(self, entity: str, version: datetime | None) -> None:
		"""Remember the earliest LastUpdatedTime of a failed record; one without a time counts as failed at the
		previous watermark, so the next run reads the same span again."""
		when = version or self._watermarks.get(entity) or _EPOCH
		earliest = self._earliest_failure.get(entity)
		self._earliest_failure[entity] = when if earliest is None else min(earliest, when)

	def _next_watermark(self, entity: str, started: datetime) -> datetime:
		advanced = started - self.overlap
		earliest_failure = self._earliest_failure.get(entity)
		return advanced if earliest_failure is None else min(advanced, earliest_failure)


_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


def _method(watermark: datetime | None, now: datetime) -> ReadMethod:
	if watermark is None:
		return ReadMethod.FULL
	return ReadMethod.CDC if now - watermark < CDC_WINDOW - CDC_SAFETY else ReadMethod.QUERY


def _quickbooks_wins(existing: ExistingParty, version: datetime | None) -> bool:
	"""The conflict rule of the module docstring."""
	if existing.modified_at_import is not None and existing.modified == existing.modified_at_import:
		return True
	return version is not None and version > _aware(existing.modified, "ExistingParty.modified")


def _keeping_erpnext_name(fields: PartyFields, existing: ExistingParty, qbo_name: str | None) -> PartyFields:
	"""The fields with the party's ERPNext name when QuickBooks holds only the connector's rendering of it: the
	import must never write the connector's own transformation of ERPNext data back over that data."""
	erpnext_name = existing.party_name or existing.name
	if fields.name != erpnext_name and is_connector_name(
		(qbo_name, fields.name), (existing.name, existing.party_name)
	):
		return replace(fields, name=erpnext_name)
	return fields


def _seen(imported: datetime | None, version: datetime | None) -> bool:
	return imported is not None and version is not None and version <= imported


def _first_email(text: str | None) -> str | None:
	"""QuickBooks lets PrimaryEmailAddr hold several addresses ("a@x.com, b@x.com"); the first one is the party's."""
	return next((part for part in re.split(r"[,;\s]+", text or "") if "@" in part), None)


def _is_deleted(obj: dict) -> bool:
	return str(obj.get("status") or "").lower() == "deleted"


def _qbo_time(value: datetime) -> str:
	"""A query literal QuickBooks parses: whole seconds (rounded down, so nothing is missed), with offset."""
	return value.replace(microsecond=0).isoformat()


def _aware(value: datetime, what: str) -> datetime:
	if value.tzinfo is None:
		raise ValueError(f"{what} must be timezone-aware")
	return value


def _reason(error: Exception) -> str:
	text = str(error).strip()
	return text if text else type(error).__name__
