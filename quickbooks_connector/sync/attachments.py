"""The document itself in QuickBooks: the PDF of a pushed invoice or bill attached to its record, exactly once.

The attachment follows the push. The sync record remembers it in `related[PDF_KEY]`: "Attachable:<id>" once it is
attached, "Attachable:?" while an upload's answer is unknown (it may have landed). Before uploading again the
record's attachments are listed (by `AttachableRef.EntityRef`, see `find`) and one whose note names the document
is adopted; only when there is none is the PDF sent again. A PDF that cannot be made or sent never undoes the push:
the record stays Synced with a problem saying the PDF is pending, retried automatically (or, when QuickBooks
refuses the file, on Retry). A cancel deletes the attachment before the record it is attached to: QuickBooks keeps
the attachments of a deleted transaction in its attachment list ([U], see emulator/attachments.py). An amended
document has its own record, so its own PDF; a Resync starts a new record and attaches the PDF again.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from quickbooks_connector import mapping
from quickbooks_connector.mapping.errors import Problem, _, render_all
from quickbooks_connector.mapping.naming import marker
from quickbooks_connector.qbo import QBOClient
from quickbooks_connector.qbo.errors import NotFoundError, QBOError, ThrottledError
from quickbooks_connector.sync import history
from quickbooks_connector.sync.explain import explain
from quickbooks_connector.sync.records import ErrorKind, Status, SyncRecord
from quickbooks_connector.sync.retry_policy import next_retry_at

if TYPE_CHECKING:
	from quickbooks_connector.sync.port import SyncPort

PDF_KEY = "attachment:pdf"
UNKNOWN = "Attachable:?"
# The QuickBooks records a document's PDF is attached to (a sales or purchase invoice and their returns).
ATTACHED_TO = frozenset({"Invoice", "CreditMemo", "Bill", "VendorCredit"})
MAX_BYTES = 100 * 1024 * 1024  # QuickBooks' limit for one attachment
CONTENT_TYPE = "application/pdf"
UPLOAD = "upload"
DELETE = "delete"
PDF_CODES = frozenset({"pdf_pending", "pdf_refused", "pdf_settling"})

Recorded = Callable[[SyncRecord, str, str, str, dict, Callable[[], dict]], dict]
RequestId = Callable[[SyncRecord, str, str], str]


def file_name(name: str) -> str:
	"""The attachment's file name: the document's name, with what a file name cannot hold replaced."""
	return re.sub(r"[^\w.-]+", "-", name).strip("-.")[:200] + ".pdf"


class PdfAttachments:
	"""The PDF step of the engine (`PushEngine.attachments`): what it needs of the engine is passed in."""

	def __init__(
		self,
		client: QBOClient,
		port: SyncPort,
		doctypes: frozenset[str],
		request_id: RequestId,
		recorded: Recorded,
		clock: Callable[[], float],
		settle_seconds: float,
	) -> None:
		self.client, self.port, self.doctypes = client, port, doctypes
		self._request_id, self._recorded = request_id, recorded
		self.clock, self.settle_seconds = clock, settle_seconds

	def wanted(self, record: SyncRecord) -> bool:
		"""The document's PDF goes along with its record (the settings ask for it, and the record takes one)."""
		return record.doctype in self.doctypes and record.qbo_entity in ATTACHED_TO

	def attached(self, record: SyncRecord) -> bool:
		return record.related.get(PDF_KEY, UNKNOWN) != UNKNOWN

	def follow_up(self, record: SyncRecord) -> bool:
		"""For a Synced record: attach its PDF if still missing, or drop a pending note the settings no longer
		ask for. True when the record changed (the caller saves it)."""
		if record.status != Status.SYNCED or not record.qbo_id:
			return False
		if self.wanted(record) and not self.attached(record):
			self.attach(record)
			return True
		if any(problem.get("code") in PDF_CODES for problem in record.problems):
			self._set_problem(record, None, None)
			return True
		return False

	def attach(self, record: SyncRecord) -> None:
		"""Attach the PDF to the record's QuickBooks record, once; a failure leaves the record Synced with a note."""
		if not self.wanted(record) or self.attached(record):
			return
		try:
			self._attach(record)
		except Exception as error:  # the look-up of an earlier upload failed: the same as a failed upload
			self._failed(record, error)

	def _attach(self, record: SyncRecord) -> None:
		if record.related.get(PDF_KEY) == UNKNOWN:
			settles_at = self._settles_at(record)
			if self.clock() < settles_at:
				return self._settling(record, settles_at)
			found = self.find(record)
			if found:
				return self._done(record, found["Id"])
		try:
			content = self.port.get_pdf(record.doctype, record.name)
		except Exception as error:  # a print format or PDF renderer failing: retried like an outage
			return self._pending(record, f"{type(error).__name__}: {error}"[:300])
		if not content:
			return self._refused(record, _no_pdf())
		if len(content) > MAX_BYTES:
			return self._refused(record, _too_big(len(content)))
		self._upload(record, content)

	def _upload(self, record: SyncRecord, content: bytes) -> None:
		name = file_name(record.name)
		note = marker(record.doctype, record.name)
		body = {"entity": record.qbo_entity, "id": record.qbo_id, "FileName": name, "Size": len(content)}
		rid = self._request_id(
			record, f"{UPLOAD}:{record.qbo_entity}:{record.qbo_id}", hashlib.sha256(content).hexdigest()
		)
		record.related[PDF_KEY] = UNKNOWN  # write-ahead: an answer lost from here on may hide an upload
		self.port.save_record(record)
		try:
			attachable = self._recorded(
				record,
				UPLOAD,
				"Attachable",
				rid,
				body,
				lambda: self.client.upload(
					record.qbo_entity, record.qbo_id, name, CONTENT_TYPE, content, note=note, request_id=rid
				),
			)
		except Exception as error:
			if _nothing_uploaded(error):
				record.related.pop(PDF_KEY, None)
			return self._failed(record, error)
		self._done(record, attachable["Id"])

	def find(self, record: SyncRecord) -> dict | None:
		"""The document's attachment on its record, if an earlier upload landed: its note names the document."""
		statement = (
			"select * from Attachable where AttachableRef.EntityRef.Type = {} "
			"and AttachableRef.EntityRef.value = {}"
		)
		for row in self.client.query(statement, record.qbo_entity, record.qbo_id):
			if mapping.is_ours({"PrivateNote": row.get("Note")}, record.doctype, record.name):
				return row
		return None

	def remove(self, record: SyncRecord) -> None:
		"""Before a cancel removes the record: delete the document's attachments on it (the one remembered, and any
		an upload with a lost answer left)."""
		ids = set()
		remembered = record.related.get(PDF_KEY, UNKNOWN)
		if remembered != UNKNOWN:
			ids.add(remembered.split(":", 1)[1])
		if record.qbo_id and record.qbo_entity in ATTACHED_TO and PDF_KEY in record.related:
			ids.update(row["Id"] for row in self._all_ours(record))
		for attachable_id in sorted(ids):
			self._delete(record, attachable_id)
		record.related.pop(PDF_KEY, None)

	def _all_ours(self, record: SyncRecord) -> list[dict]:
		statement = (
			"select * from Attachable where AttachableRef.EntityRef.Type = {} "
			"and AttachableRef.EntityRef.value = {}"
		)
		rows = self.client.query(statement, record.qbo_entity, record.qbo_id)
		return [
			row
			for row in rows
			if mapping.is_ours({"PrivateNote": row.get("Note")}, record.doctype, record.name)
		]

	def _delete(self, record: SyncRecord, attachable_id: str) -> None:
		try:
			row = self.client.read("Attachable", attachable_id)
		except NotFoundError:
			return  # deleted already
		if row.get("status") == "Deleted":
			return
		rid = self._request_id(record, f"{DELETE}:Attachable:{attachable_id}", "")
		body = {"Id": attachable_id, "SyncToken": row["SyncToken"]}
		self._recorded(
			record,
			DELETE,
			"Attachable",
			rid,
			body,
			lambda: self.client.delete("Attachable", attachable_id, row["SyncToken"], request_id=rid),
		)

	# the record's note -----------------------------------------------------------------------------------------

	def _done(self, record: SyncRecord, attachable_id: str) -> None:
		record.related[PDF_KEY] = f"Attachable:{attachable_id}"
		self._set_problem(record, None, None)

	def _settles_at(self, record: SyncRecord) -> float:
		unknown = [
			entry["at"]
			for entry in record.history
			if entry.get("operation") == UPLOAD and entry.get("outcome") == history.UNKNOWN
		]
		return max(unknown, default=0.0) + self.settle_seconds

	def _settling(self, record: SyncRecord, settles_at: float) -> None:
		problem = Problem.of(
			"pdf_settling",
			_(
				"Sent. The PDF of the document may still be arriving at QuickBooks (the answer to its upload was "
				"lost)."
			),
			_("The connector looks for it and goes on automatically at {settles_at}; nothing to do."),
			settles_at=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(settles_at)),
		)
		self._set_problem(record, problem, ErrorKind.TRANSIENT, settles_at)

	def _pending(self, record: SyncRecord, reason: str) -> None:
		problem = Problem.of(
			"pdf_pending",
			_("Sent, but its PDF is not attached in QuickBooks yet: {reason}."),
			_("The connector attaches it automatically at the next retry; nothing to do."),
			reason=reason.rstrip("."),
		)
		when = next_retry_at(self.clock(), record.attempts, f"{record.doctype}:{record.name}:pdf")
		self._set_problem(record, problem, ErrorKind.TRANSIENT, when)

	def _refused(self, record: SyncRecord, reason: Problem) -> None:
		problem = Problem.of(
			"pdf_refused",
			_("Sent, but its PDF could not be attached in QuickBooks: {reason}."),
			_("Check the print format chosen in QuickBooks Settings, then press Retry to attach it."),
			reason=render_all([reason]).rstrip("."),
		)
		self._set_problem(record, problem, ErrorKind.PERMANENT)

	def _failed(self, record: SyncRecord, error: Exception) -> None:
		explanation = explain(error, "Attachable", None)
		reason = render_all(list(explanation.problems)) or type(error).__name__
		if explanation.kind == ErrorKind.PERMANENT:
			problem = Problem.of(
				"pdf_refused",
				_("Sent, but its PDF could not be attached in QuickBooks: {reason}."),
				_("Check the print format chosen in QuickBooks Settings, then press Retry to attach it."),
				reason=reason.rstrip("."),
			)
			return self._set_problem(record, problem, ErrorKind.PERMANENT)
		self._pending(record, reason)

	def _set_problem(
		self,
		record: SyncRecord,
		problem: Problem | None,
		kind: ErrorKind | None,
		retry_at: float | None = None,
	) -> None:
		"""The record's PDF note replaced (or removed), its other notes (a total mismatch) kept."""
		others = [Problem.from_dict(item) for item in record.problems if item.get("code") not in PDF_CODES]
		problems = [*others, *([problem] if problem else [])]
		record.problems = [item.as_dict() for item in problems]
		record.error = render_all(problems) or None
		record.error_kind = kind
		record.next_retry_at = retry_at


def _no_pdf() -> Problem:
	return Problem.of("pdf_not_made", _("no PDF could be made of the document"))


def _too_big(size: int) -> Problem:
	return Problem.of(
		"pdf_too_big",
		_("the PDF is {size} bytes, more than the 100 MB QuickBooks takes"),
		size=size,
	)


def _nothing_uploaded(error: Exception) -> bool:
	"""QuickBooks answered and refused, or nothing was sent: no attachment can have been made."""
	if not isinstance(error, QBOError):
		return True
	if error.earlier_attempt_unknown:
		return False
	return isinstance(error, ThrottledError) or not error.retryable
