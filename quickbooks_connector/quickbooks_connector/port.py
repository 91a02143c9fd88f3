"""The sync engine's storage port on Frappe: ERPNext documents in, QuickBooks Sync Log and QuickBooks Link out (the
links through `links`, their one writer).

Documents and parties are handed to the framework-free mapping as plain JSON-shaped dicts (dates as ISO strings,
exactly what `Document.as_dict()` gives once serialised), the shape of the ERPNext sample documents
bundled in quickbooks_connector/sample_data.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

import frappe
from frappe.model.document import Document

from quickbooks_connector.constants import (
	PDF_PRINT_FORMATS,
	SETTINGS,
	STOCK_SUMMARY,
	SYNC_LOG,
	SYNC_STATUS_FIELD,
)
from quickbooks_connector.mapping.documents import reads_gl_rows
from quickbooks_connector.mapping.errors import render_all
from quickbooks_connector.mapping.gl_journal import GL_ROWS
from quickbooks_connector.mapping.money import money
from quickbooks_connector.quickbooks_connector.links import Links
from quickbooks_connector.quickbooks_connector.party_loader import load_parties, load_party
from quickbooks_connector.quickbooks_connector.settings import record_url
from quickbooks_connector.quickbooks_connector.stock_ledger import (
	gl_rows,
	summary_document,
	with_stock_postings,
)
from quickbooks_connector.quickbooks_connector.times import epoch_to_stored, stored_to_epoch
from quickbooks_connector.sync.port import DocumentBusy, DocumentNotFound
from quickbooks_connector.sync.records import ErrorKind, Status, SyncRecord

LOCK_WAIT_SECONDS = 120  # a push of one document with its dependencies takes seconds, even when throttled
_MONEY_FIELDS = ("erp_total", "erp_tax", "qbo_total", "qbo_tax")
_TIME_FIELDS = ("next_retry_at", "last_attempt_at", "synced_at")
_TEXT_FIELDS = (
	"qbo_entity",
	"qbo_id",
	"sync_token",
	"doc_number",
	"error",
	"request_id",
	"payload_hash",
	"replaces",
)


def log_name(doctype: str, name: str) -> str:
	return f"{doctype}::{name}"


def plain_dict(doc: Document) -> dict:
	"""A document as the mapping reads it: child tables as lists of dicts, dates and times as strings."""
	return json.loads(frappe.as_json(doc.as_dict(no_default_fields=False), indent=None))


def lock_key(doctype: str, name: str) -> str:
	"""The MariaDB lock name of a document (at most 64 characters, unique per site)."""
	return "qbo-sync:" + hashlib.sha1(f"{frappe.local.site}|{doctype}|{name}".encode()).hexdigest()


class FrappePort:
	"""SyncPort for one QuickBooks Settings (one ERPNext company connected to one QuickBooks company)."""

	def __init__(self, settings: Document | str):
		if isinstance(settings, str):
			settings = frappe.get_doc(SETTINGS, settings)
		self.settings = settings.name
		self.company = settings.company
		self.realm_id = settings.realm_id or ""
		self.links = Links(self.settings, self.realm_id)
		self._known_links: dict[tuple[str, str], str] = {}
		self._parties: dict[tuple[str, str], dict] = {}
		self._url = _record_url_builder(settings)

	# Documents ------------------------------------------------------------------------------------------------

	def get_document(self, doctype: str, name: str) -> dict:
		if doctype == STOCK_SUMMARY:  # built from the day's stock postings
			return summary_document(name)
		if not frappe.db.exists(doctype, name):
			raise DocumentNotFound(f"{doctype} {name} does not exist")
		doc = with_stock_postings(plain_dict(frappe.get_doc(doctype, name)))
		# other documents booked from their GL rows (payments no QuickBooks form books, fixed asset sales)
		if GL_ROWS not in doc and doc.get("docstatus") == 1 and reads_gl_rows(doc):
			doc[GL_ROWS] = gl_rows(doctype, name)
		return doc

	def get_party(self, party_type: str, name: str) -> dict:
		# Kept for the port's life (one job): a backfill's documents name the same parties again and again.
		key = (party_type, name)
		if key not in self._parties:
			self._parties[key] = self._load_party(party_type, name)
		return copy.deepcopy(self._parties[key])

	def get_parties(self, party_type: str, names: Sequence[str]) -> dict[str, dict]:
		"""Many parties at once, as `get_party` gives each (a backfill chunk's new ones: one query per table)."""
		missing = [name for name in dict.fromkeys(names) if (party_type, name) not in self._parties]
		if missing and party_type in ("Customer", "Supplier"):
			for name, party in load_parties(party_type, missing, self.company).items():
				self._parties[(party_type, name)] = party
		parties = {}
		for name in dict.fromkeys(names):
			try:
				parties[name] = self.get_party(party_type, name)
			except DocumentNotFound:
				continue
		return parties

	def _load_party(self, party_type: str, name: str) -> dict:
		# names and e-mail are all a QuickBooks Employee takes (employee_payload)
		if party_type == "Employee":
			if not frappe.db.exists(party_type, name):
				raise DocumentNotFound(f"{party_type} {name} does not exist")
			return plain_dict(frappe.get_doc(party_type, name))
		party = load_party(party_type, name, self.company)
		if party is None:
			raise DocumentNotFound(f"{party_type} {name} does not exist")
		return party

	def get_pdf(self, doctype: str, name: str) -> bytes | None:
		"""The document printed in the print format QuickBooks Settings chose (its default one when none is)."""
		field = PDF_PRINT_FORMATS.get(doctype)
		if not field:
			return None
		if not frappe.db.exists(doctype, name):
			raise DocumentNotFound(f"{doctype} {name} does not exist")
		print_format = frappe.db.get_value(SETTINGS, self.settings, field) or None
		# Printed for QuickBooks, not for the user whose job this is: the PDF goes nowhere but to QuickBooks.
		ignored = frappe.flags.ignore_print_permissions
		frappe.flags.ignore_print_permissions = True
		try:
			return frappe.get_print(doctype, name, print_format, as_pdf=True)
		finally:
			frappe.flags.ignore_print_permissions = ignored

	# Sync records ---------------------------------------------------------------------------------------------

	def get_record(self, doctype: str, name: str) -> SyncRecord | None:
		row = frappe.db.get_value(SYNC_LOG, log_name(doctype, name), "*", as_dict=True)
		return record_from_row(row) if row else None

	def save_record(self, record: SyncRecord) -> None:
		self.save_records([record])

	def save_records(self, records: Sequence[SyncRecord]) -> None:
		logs = [log_name(record.doctype, record.name) for record in records]
		existing = (
			set(frappe.get_all(SYNC_LOG, filters={"name": ["in", logs]}, pluck="name")) if logs else set()
		)
		for record, log in zip(records, logs, strict=True):
			values = row_from_record(record)
			values["qbo_url"] = self._url(record.qbo_entity, record.qbo_id) if record.qbo_id else None
			write_log(log, record.doctype, record.name, values, self.company, self.settings, log in existing)
		set_documents_status(
			[(record.doctype, record.name, Status(record.status).value) for record in records]
		)
		# The engine saves before every QuickBooks write ("outcome unknown") and right after it (the new id): both
		# must survive a worker that dies in between, or the next attempt could not know to look the record up.
		# A backfill chunk's records share one commit.
		frappe.db.commit()  # nosemgrep

	@contextmanager
	def lock(self, doctype: str, name: str) -> Iterator[None]:
		"""One worker per document. A MariaDB named lock belongs to the connection, not the transaction: it holds
		across the commits a push makes (write-ahead records, token refreshes) and is released if the worker dies."""
		key = lock_key(doctype, name)
		acquired = frappe.db.sql("select get_lock(%s, %s)", (key, LOCK_WAIT_SECONDS))[0][0]
		if acquired != 1:
			raise DocumentBusy(
				f"{doctype} {name} is being sent to QuickBooks by another worker; it will be retried."
			)
		try:
			yield
		finally:
			frappe.db.sql("select release_lock(%s)", key)

	# Links ----------------------------------------------------------------------------------------------------

	def get_link(self, qbo_entity: str, key: str) -> str | None:
		# Kept for the port's life (one job): a backfill asks for the same customers and items over and over.
		cached = self._known_links.get((qbo_entity, key))
		if cached is None:
			cached = self.links.qbo_id(qbo_entity, key)
			if cached:
				self._known_links[(qbo_entity, key)] = cached
		return cached

	def get_linked_key(self, qbo_entity: str, qbo_id: str) -> str | None:
		return self.links.key(qbo_entity, qbo_id)

	def set_link(self, qbo_entity: str, key: str, qbo_id: str) -> None:
		self.links.set_pushed(qbo_entity, key, qbo_id)
		self._known_links[(qbo_entity, key)] = qbo_id


# Sync Log rows --------------------------------------------------------------------------------------------


def log_exists(log: str) -> bool:
	return bool(frappe.db.sql(f"select name from `tab{SYNC_LOG}` where name = %s", log))


def upsert_log(doctype: str, name: str, values: dict, company: str | None, settings: str | None) -> None:
	"""Create or update the document's Sync Log and set its QuickBooks column.

	This runs inside every submit, so it writes plain rows: no Sync Log document hooks (the controller has
	none that matter) and not `doc.db_set`, which would reload the submitted document and run its on_change."""
	log = log_name(doctype, name)
	write_log(log, doctype, name, values, company, settings, log_exists(log))
	set_document_status(doctype, name, values["status"])


def write_log(
	log: str, doctype: str, name: str, values: dict, company: str | None, settings: str | None, exists: bool
) -> None:
	if exists:
		frappe.db.set_value(SYNC_LOG, log, values)
		return
	row = frappe.new_doc(SYNC_LOG)
	row.update(
		{"reference_doctype": doctype, "reference_name": name, "company": company, "settings": settings}
	)
	row.update(values)
	row.name = log
	row.db_insert()


# Record <-> Sync Log row ----------------------------------------------------------------------------------


def row_from_record(record: SyncRecord) -> dict:
	values: dict = {field: getattr(record, field) for field in _TEXT_FIELDS}
	values.update(
		status=Status(record.status).value,
		error_kind=ErrorKind(record.error_kind).value if record.error_kind else None,
		attempts=record.attempts,
		outcome_unknown=int(record.outcome_unknown),
		total_mismatch=int(record.total_mismatch),
		related=json.dumps(record.related, sort_keys=True) if record.related else None,
		generation=record.generation,
		problems=json.dumps(record.problems) if record.problems else None,
		history=json.dumps(record.history) if record.history else None,
	)
	if record.problems:  # the one rendering of the core's problems, in the site's language
		values["error"] = render_all(record.problems, frappe._)
	values.update({field: getattr(record, field) or 0 for field in _MONEY_FIELDS})  # Currency is NOT NULL
	values.update({field: epoch_to_stored(getattr(record, field)) for field in _TIME_FIELDS})
	return values


def record_from_row(row: dict) -> SyncRecord:
	related = row.get("related")
	return SyncRecord(
		doctype=row["reference_doctype"],
		name=row["reference_name"],
		status=Status(row.get("status") or Status.QUEUED.value),
		error_kind=ErrorKind(row["error_kind"]) if row.get("error_kind") else None,
		attempts=row.get("attempts") or 0,
		outcome_unknown=bool(row.get("outcome_unknown")),
		total_mismatch=bool(row.get("total_mismatch")),
		related=_json(related) or {},
		generation=row.get("generation") or 0,
		problems=_json(row.get("problems")) or [],
		history=_json(row.get("history")) or [],
		**{field: row.get(field) or None for field in _TEXT_FIELDS},
		**{field: _money_or_none(row.get(field)) for field in _MONEY_FIELDS},
		**{field: stored_to_epoch(row.get(field)) for field in _TIME_FIELDS},
	)


def _json(value: object) -> object:
	return json.loads(value) if isinstance(value, str) and value else value


def _money_or_none(value: object) -> Decimal | None:
	return None if value is None else money(value)


def set_document_status(doctype: str, name: str, status: str) -> None:
	"""The QuickBooks column on the ERPNext document: no new version, no modified bump, no document reload
	(plain SQL, as this runs inside every submit of a pushed doctype)."""
	set_documents_status([(doctype, name, status)])


def set_documents_status(statuses: Iterable[tuple[str, str, str]]) -> None:
	"""(doctype, name, status) for many documents: one UPDATE per doctype and status."""
	groups: dict[tuple[str, str], list[str]] = {}
	for doctype, name, status in statuses:
		groups.setdefault((doctype, status), []).append(name)
	for (doctype, status), names in groups.items():
		frappe.db.sql(
			f"update `tab{doctype}` set `{SYNC_STATUS_FIELD}` = %s where name in %s", (status, tuple(names))
		)


def _record_url_builder(settings: Document):
	def build(entity: str | None, qbo_id: str | None) -> str | None:
		return record_url(settings, entity, qbo_id) if entity and qbo_id else None

	return build
