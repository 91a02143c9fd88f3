"""The inbound engine's port on Frappe: which QuickBooks records the connector wrote (QuickBooks Sync Logs), what it
made of records made in QuickBooks (QuickBooks Inbound Change rows), and the ERPNext side effects — Payment Entries
inserted and submitted without being sent back, draft Sales / Purchase Invoices for invoices and bills made in
QuickBooks (linked to them before anyone submits them, so a submit sends nothing), findings on the Sync Log with a
comment and a notification to the Accounts Managers, cancels when the settings ask for them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html, now_datetime, strip_html

from quickbooks_connector.constants import (
	CONNECTOR_WRITE_FLAG,
	FROM_QUICKBOOKS_FLAG,
	INBOUND_CHANGE,
	SYNC_LOG,
	SYNC_LOG_QBO_CHANGE,
	SYNC_LOG_QBO_CHANGE_AT,
)
from quickbooks_connector.inbound.changes import Finding
from quickbooks_connector.inbound.records import Imported, Pushed, import_key, pushed_from_record
from quickbooks_connector.mapping.errors import MappingError, Problem, render, render_all
from quickbooks_connector.mapping.errors import _ as mark
from quickbooks_connector.quickbooks_connector.links import Links
from quickbooks_connector.quickbooks_connector.notifications import notify_managers
from quickbooks_connector.quickbooks_connector.port import FrappePort, log_exists, log_name, upsert_log
from quickbooks_connector.sync.port import DocumentBusy
from quickbooks_connector.sync.records import Status

SAVEPOINT = "quickbooks_inbound"
LOCK_WAIT_SECONDS = 60
RECORDED, WAITING, IGNORED = "Recorded", "Waiting", "Ignored"


class FrappeInboundPort:
	def __init__(self, settings: Document) -> None:
		self.settings = settings.name
		self.company = settings.company
		self.realm_id = settings.realm_id or ""
		self.sync = FrappePort(settings)
		self.links = Links(settings.name, self.realm_id)

	# What the connector wrote ---------------------------------------------------------------------------------

	def pushed(self, qbo_entity: str, qbo_id: str) -> Pushed | None:
		filters = {"settings": self.settings, "qbo_entity": qbo_entity, "qbo_id": qbo_id}
		rows = frappe.get_all(SYNC_LOG, filters=filters, fields=["reference_doctype", "reference_name"])
		if not rows:  # a companion record (credit application, deductions) is kept in `related`
			related = {"settings": self.settings, "related": ("like", f'%"{qbo_entity}:{qbo_id}"%')}
			rows = frappe.get_all(SYNC_LOG, filters=related, fields=["reference_doctype", "reference_name"])
		for row in rows:
			record = self.sync.get_record(row.reference_doctype, row.reference_name)
			found = pushed_from_record(record, qbo_entity, qbo_id) if record else None
			if found is not None:
				return found
		return None

	def get_document(self, doctype: str, name: str) -> dict:
		return self.sync.get_document(doctype, name)

	def account_currency(self, account: str) -> str:
		return frappe.db.get_value("Account", account, "account_currency") or ""

	def linked_key(self, qbo_entity: str, qbo_id: str) -> str | None:
		return self.links.key(qbo_entity, qbo_id) if qbo_id else None

	def find_items(self, name: str, sku: str) -> list[str]:
		"""Enabled items whose code is the QuickBooks SKU; else whose code or item name is the QuickBooks name."""
		enabled = {"disabled": 0}
		if sku:
			found = frappe.get_all("Item", filters={**enabled, "item_code": sku}, pluck="name")
			if found:
				return found
		if not name:
			return []
		by_code = frappe.get_all("Item", filters={**enabled, "item_code": name}, pluck="name")
		by_name = frappe.get_all("Item", filters={**enabled, "item_name": name}, pluck="name")
		return sorted({*by_code, *by_name})

	# What was made of records made in QuickBooks ---------------------------------------------------------------

	def get_import(self, key: str) -> Imported | None:
		row = frappe.db.get_value(INBOUND_CHANGE, _row_name(key), "*", as_dict=True)
		if not row:
			return None
		return Imported(
			key,
			row.qbo_entity,
			row.qbo_id,
			row.sync_token,
			row.reference_doctype,
			row.reference_name,
			_json_list(row.problems),
			_json_list(row.findings),
		)

	def save_import(self, imported: Imported) -> None:
		status = RECORDED if imported.name else WAITING if imported.problems else IGNORED
		values = {
			"settings": self.settings,
			"realm_id": self.realm_id,
			"qbo_entity": imported.qbo_entity,
			"qbo_id": imported.qbo_id,
			"sync_token": imported.sync_token,
			"status": status,
			"reference_doctype": imported.doctype,
			"reference_name": imported.name,
			"error": render_all(imported.problems) if imported.problems else None,
			"problems": json.dumps(imported.problems),
			"findings": json.dumps(imported.findings),
		}
		name = _row_name(imported.key)
		if frappe.db.exists(INBOUND_CHANGE, name):
			frappe.db.set_value(INBOUND_CHANGE, name, values)
		else:
			row = frappe.new_doc(INBOUND_CHANGE)
			row.update(values)
			row.name = name
			row.flags[CONNECTOR_WRITE_FLAG] = True
			row.db_insert()

	# ERPNext side effects -------------------------------------------------------------------------------------

	def create_document(self, doc: dict, imported: Imported) -> str:
		"""Inserted, linked to its QuickBooks record (a Synced sync record: no push ever sends it again), submitted;
		whatever ERPNext refuses (closed period, allocation above the outstanding amount) becomes the problem the
		payment waits with."""
		frappe.db.savepoint(SAVEPOINT)
		try:
			new = self._insert_linked(doc, imported)
			new.submit()
		except frappe.ValidationError as error:
			frappe.db.rollback(save_point=SAVEPOINT)
			raise _refused(doc["doctype"], imported, error) from error
		return new.name

	def create_draft(self, doc: dict, imported: Imported) -> str:
		"""Inserted as a draft and linked to its QuickBooks record (a Synced sync record with its id): the push
		leaves a document that already is a QuickBooks record alone, so submitting the draft sends nothing."""
		frappe.db.savepoint(SAVEPOINT)
		try:
			new = self._insert_linked(doc, imported)
		except frappe.ValidationError as error:
			frappe.db.rollback(save_point=SAVEPOINT)
			raise _refused(doc["doctype"], imported, error) from error
		return new.name

	def _insert_linked(self, doc: dict, imported: Imported) -> Document:
		"""The document inserted as one recording a QuickBooks change (never sent back) and linked to its record."""
		new = frappe.get_doc(_frappe_values(doc))
		new.flags[FROM_QUICKBOOKS_FLAG] = True
		new.flags.ignore_permissions = True
		new.insert()
		self._link(new.doctype, new.name, imported)
		return new

	def update_draft(self, doctype: str, name: str, doc: dict, imported: Imported) -> None:
		"""The draft takes QuickBooks' values again (lines and taxes replaced); a submitted one is never touched."""
		frappe.db.savepoint(SAVEPOINT)
		try:
			draft = frappe.get_doc(doctype, name)
			if draft.docstatus != 0:
				raise frappe.ValidationError(_("It was submitted meanwhile."))
			values = _frappe_values({key: value for key, value in doc.items() if key != "doctype"})
			draft.set("items", [])
			draft.set("taxes", [])
			draft.update(values)
			draft.flags[FROM_QUICKBOOKS_FLAG] = True
			draft.flags.ignore_permissions = True
			draft.save()
			self._link(doctype, name, imported)
		except frappe.ValidationError as error:
			frappe.db.rollback(save_point=SAVEPOINT)
			raise _refused(doctype, imported, error) from error

	def _link(self, doctype: str, name: str, imported: Imported) -> None:
		upsert_log(
			doctype,
			name,
			{
				"status": Status.SYNCED.value,
				"qbo_entity": imported.qbo_entity,
				"qbo_id": imported.qbo_id,
				"sync_token": imported.sync_token,
				"synced_at": now_datetime(),
				"error": None,
			},
			self.company,
			self.settings,
		)

	def record_finding(self, finding: Finding) -> bool:
		key = import_key(self.realm_id, finding.qbo_entity, finding.qbo_id)
		seen = self.get_import(key) or Imported(key, finding.qbo_entity, finding.qbo_id)
		if finding.key in seen.findings:
			return False
		seen.findings.append(finding.key)
		self.save_import(seen)
		text = render(finding.problem, _, escape_html) if finding.problem else finding.kind
		log = log_name(finding.doctype, finding.name)
		if log_exists(log):
			frappe.db.set_value(
				SYNC_LOG, log, {SYNC_LOG_QBO_CHANGE: text, SYNC_LOG_QBO_CHANGE_AT: now_datetime()}
			)
		if frappe.db.exists(finding.doctype, finding.name):
			frappe.get_doc(finding.doctype, finding.name).add_comment("Comment", text)
		notify_managers(
			self.settings, _("Changed in QuickBooks: {0} {1}").format(finding.doctype, finding.name), text
		)
		return True

	def cancel_document(self, doctype: str, name: str, finding: Finding) -> None:
		frappe.db.savepoint(SAVEPOINT)
		try:
			doc = frappe.get_doc(doctype, name)
			doc.flags[FROM_QUICKBOOKS_FLAG] = True
			doc.flags.ignore_permissions = True
			doc.cancel()
		except frappe.ValidationError as error:
			frappe.db.rollback(save_point=SAVEPOINT)
			log = log_name(doctype, name)
			if log_exists(log):
				message = _("It could not be cancelled in ERPNext: {0}").format(
					escape_html(strip_html(str(error)))
				)
				current = frappe.db.get_value(SYNC_LOG, log, SYNC_LOG_QBO_CHANGE) or ""
				frappe.db.set_value(SYNC_LOG, log, SYNC_LOG_QBO_CHANGE, f"{current}\n{message}".strip())
			return
		upsert_log(doctype, name, {"status": Status.VOIDED.value}, self.company, self.settings)

	@contextmanager
	def lock(self, key: str) -> Iterator[None]:
		"""One worker per QuickBooks record: a webhook job and the catch-up never record one payment twice."""
		lock = "qbo-in:" + hashlib.sha1(f"{frappe.local.site}|{key}".encode()).hexdigest()
		if frappe.db.sql("select get_lock(%s, %s)", (lock, LOCK_WAIT_SECONDS))[0][0] != 1:
			raise DocumentBusy(f"QuickBooks record {key} is being handled by another worker")
		try:
			yield
		finally:
			frappe.db.sql("select release_lock(%s)", lock)


def _refused(doctype: str, imported: Imported, error: Exception) -> MappingError:
	return MappingError(
		Problem.of(
			"erpnext_refused",
			mark("ERPNext refused the {doctype}: {message}"),
			mark("Fix what ERPNext names, then press Retry on the QuickBooks Inbound Change."),
			doctype=doctype,
			message=strip_html(str(error))[:500],
		),
		f"QuickBooks {imported.qbo_entity} {imported.qbo_id}",
	)


def _row_name(key: str) -> str:
	return key[:140]


def _json_list(value: object) -> list:
	if isinstance(value, list):
		return value
	try:
		parsed = json.loads(value or "[]")
	except (TypeError, ValueError):
		return []
	return parsed if isinstance(parsed, list) else []


def _frappe_values(value: object) -> object:
	"""Decimals as floats (Frappe's documents hold floats), in nested dicts and lists too."""
	if isinstance(value, Decimal):
		return float(value)
	if isinstance(value, dict):
		return {key: _frappe_values(item) for key, item in value.items()}
	if isinstance(value, list):
		return [_frappe_values(item) for item in value]
	return value
