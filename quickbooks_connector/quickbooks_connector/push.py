"""Pushing ERPNext documents to QuickBooks: the submit/cancel hooks, the job, automatic retries, manual pushes and
backfill.

The hooks only decide and enqueue (after commit): a submit never waits for, or fails because of, QuickBooks. Every
path ends in a QuickBooks Sync Log whose status and message say what happened and what to do next.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, getdate, now_datetime
from frappe.utils.background_jobs import is_job_enqueued

from quickbooks_connector.constants import (
	ACCOUNT_MAPPINGS,
	CONNECTED,
	CONNECTION_STATUS,
	ENABLED,
	FROM_QUICKBOOKS_FLAG,
	PRE_SUBMIT_CHECK,
	PUSH_MODE,
	SETTINGS,
	START_DATE_OVERRIDE_ROLES,
	STOCK_SUMMARY,
	SYNC_LOG,
	SYNC_START_DATE,
	SYNC_STATUS_FIELD,
	TAX_MAPPINGS,
)
from quickbooks_connector.mapping.errors import render
from quickbooks_connector.mapping.registry import PUSHED_TYPES, pushed_type
from quickbooks_connector.qbo.errors import QBOError
from quickbooks_connector.quickbooks_connector.company_details import refresh_preferences_if_stale
from quickbooks_connector.quickbooks_connector.context import PUSHED_DOCTYPES, mapping_context, sync_policy
from quickbooks_connector.quickbooks_connector.notifications import notify
from quickbooks_connector.quickbooks_connector.port import FrappePort, log_exists, log_name, upsert_log
from quickbooks_connector.quickbooks_connector.safety import log_error, scrub_secrets
from quickbooks_connector.quickbooks_connector.settings import get_client, get_settings
from quickbooks_connector.quickbooks_connector.stock_ledger import close_days
from quickbooks_connector.sync import (
	DocumentBusy,
	DocumentNotFound,
	PushEngine,
	ResyncRefused,
	SyncPolicy,
	refresh,
)
from quickbooks_connector.sync.records import ErrorKind, Status

JOB = "quickbooks_connector.quickbooks_connector.push.run_sync"
BACKFILL_JOB = "quickbooks_connector.quickbooks_connector.push.run_backfill"
RESYNC_JOB = "quickbooks_connector.quickbooks_connector.push.run_resync"
QUEUE = "short"
PUSH_ORDER = {
	pushed.doctype: pushed.push_order for pushed in PUSHED_TYPES
}  # backfill: referred-to types first
SAVEPOINT = "quickbooks_push_decision"
# A Queued record whose job vanished (worker crash, Redis flushed) is queued again after this long.
STALE_QUEUED_AFTER = timedelta(minutes=15)
RETRY_BATCH = 500
# Documents per push_many call of a backfill: 20 batch calls, so that several stay in flight (the engine pipelines
# them within a call and waits for all at its end), with progress published and records committed after each.
BACKFILL_CHUNK = 600
_DECISION_FIELDS = [
	"name",
	ENABLED,
	CONNECTION_STATUS,
	PUSH_MODE,
	PRE_SUBMIT_CHECK,
	SYNC_START_DATE,
	*PUSHED_DOCTYPES.values(),
]
# What a manual push and the form's QuickBooks section need to know of the settings.
_MANUAL_FIELDS = ["name", ENABLED, SYNC_START_DATE]


# Decisions ------------------------------------------------------------------------------------------------


def auto_push_settings(doc: Document) -> frappe._dict | None:
	"""The company's settings when this document is to be sent automatically on submit (start date aside)."""
	if doc.flags.get(FROM_QUICKBOOKS_FLAG):  # it records a QuickBooks change: never sent back (no echo)
		return None
	if already_in_quickbooks(doc.doctype, doc.name):  # a draft imported from QuickBooks, now submitted
		return None
	settings = get_settings(doc.company, _DECISION_FIELDS)
	if not settings or not settings.enabled or settings.push_mode != "On Submit":
		return None
	if not cint(settings.get(PUSHED_DOCTYPES.get(doc.doctype, ""))):
		return None
	return settings


def already_in_quickbooks(doctype: str, name: str) -> bool:
	"""The document was made from a QuickBooks record (its Sync Log is Synced with that record's id before it was
	ever submitted): submitting it links it, it must not create a second record."""
	log = frappe.db.get_value(SYNC_LOG, log_name(doctype, name), ["status", "qbo_id"], as_dict=True)
	return bool(log and log.status == Status.SYNCED.value and log.qbo_id)


def start_date_reason(settings: frappe._dict, doc: Document) -> str | None:
	policy = sync_policy(settings)
	return policy.skip_reason({"doctype": doc.doctype, "posting_date": str(doc.posting_date)}, manual=False)


# Hooks ----------------------------------------------------------------------------------------------------


def on_submit(doc: Document, method: str | None = None) -> None:
	_without_failing(_queue_submitted, doc)


def on_cancel(doc: Document, method: str | None = None) -> None:
	_without_failing(_queue_cancelled, doc)


def _without_failing(action: Callable[[Document], None], doc: Document) -> None:
	"""A bug in the connector must never stop an accountant from submitting or cancelling: undo our part and
	leave an Error Log instead."""
	frappe.db.savepoint(SAVEPOINT)
	try:
		action(doc)
	except Exception:
		frappe.db.rollback(save_point=SAVEPOINT)
		log_error(
			_("QuickBooks: could not queue {0} {1}").format(doc.doctype, doc.name),
			reference_doctype=doc.doctype,
			reference_name=doc.name,
		)
	else:
		frappe.db.release_savepoint(SAVEPOINT)


def _queue_submitted(doc: Document) -> None:
	settings = auto_push_settings(doc)
	if not settings:
		return
	skip = start_date_reason(settings, doc)
	if skip:
		_set_log(doc, settings.name, status=Status.SKIPPED.value, error=skip)
	elif settings.connection_status != CONNECTED:
		_set_log(doc, settings.name, **_waiting_for_connection(settings.name))
	else:
		_set_log(doc, settings.name, status=Status.QUEUED.value, error=None, error_kind=None)
		_enqueue_from_hook(doc)


def _queue_cancelled(doc: Document) -> None:
	"""Whatever reached QuickBooks is voided, whatever the settings say now: the books must not keep it."""
	if doc.flags.get(FROM_QUICKBOOKS_FLAG):  # cancelled because QuickBooks voided it: nothing to void there
		return
	log = frappe.db.get_value(SYNC_LOG, log_name(doc.doctype, doc.name), ["status", "settings"], as_dict=True)
	if not log or log.status in (Status.VOIDED.value, Status.SKIPPED.value):
		return
	message = _("Cancelled in ERPNext: the QuickBooks record is being voided.")
	_set_log(doc, log.settings, status=Status.QUEUED.value, error=message, error_kind=None)
	_enqueue_from_hook(doc, action="cancel")


def _enqueue_from_hook(doc: Document, action: str = "sync") -> None:
	"""With Redis unreachable the document stays Queued; `retry_due` queues stale Queued records again."""
	try:
		enqueue_sync(doc.doctype, doc.name, action=action)
	except Exception:
		log_error(
			_("QuickBooks: could not queue {0} {1}; the scheduler retries it").format(doc.doctype, doc.name),
			reference_doctype=doc.doctype,
			reference_name=doc.name,
		)


def _waiting_for_connection(settings: str) -> dict:
	return {
		"status": Status.FAILED.value,
		"error_kind": ErrorKind.AUTH.value,
		"error": _(
			"QuickBooks is not connected for this company. Open QuickBooks Settings {0} and press Connect; "
			"the document is sent automatically once connected."
		).format(settings),
		"next_retry_at": now_datetime(),
	}


def _set_log(doc: Document, settings: str, **values) -> None:
	upsert_log(doc.doctype, doc.name, values, doc.company, settings)
	doc.set(SYNC_STATUS_FIELD, values["status"])


def enqueue_sync(doctype: str, name: str, manual: bool = False, action: str = "sync") -> None:
	"""One job per document and action; a cancel gets its own job so it is not swallowed by a running push."""
	frappe.enqueue(
		JOB,
		queue=QUEUE,
		enqueue_after_commit=True,
		job_id=f"quickbooks::{action}::{doctype}::{name}",
		deduplicate=True,
		doctype=doctype,
		name=name,
		manual=manual,
	)


# Job ------------------------------------------------------------------------------------------------------


def run_sync(doctype: str, name: str, manual: bool = False) -> str:
	"""Background job: bring QuickBooks in line with the document (push it, or void it once cancelled)."""
	settings = _settings_of(doctype, name)
	if not settings:
		return _record_outside_engine(doctype, name, None, _no_settings_message(doctype, name))
	if manual:
		# "Turn on Multicurrency in QuickBooks, then Retry" must work without a Test Connection in between.
		refresh_preferences_if_stale(settings)
	try:
		engine = build_engine(settings)
	except Exception as error:
		return _record_outside_engine(doctype, name, settings.name, _connection_problem(settings, error))
	try:
		if pushed_type(doctype).refreshable:  # what it posts may have changed since it was sent
			record = refresh(engine, doctype, name, manual=manual)
		else:
			record = engine.sync(doctype, name, manual=manual)
	except DocumentNotFound:
		message = {"status": Status.SKIPPED.value, "error": _("The document no longer exists in ERPNext.")}
		return _record_outside_engine(doctype, name, settings.name, message)
	except DocumentBusy:
		return "Busy"  # another worker is syncing this very document and will record how it ends
	except (frappe.db.InternalError, frappe.RetryBackgroundJobError):
		raise  # lock wait timeouts and deadlocks: the worker retries the job
	except Exception as error:
		# The engine records every QuickBooks and mapping failure itself; this is a bug, keep it visible.
		frappe.db.rollback()
		log_error(_("QuickBooks: sync of {0} {1} failed").format(doctype, name), doctype, name)
		return _record_outside_engine(doctype, name, settings.name, _unexpected(error))
	_publish_status(doctype, name, record.status.value)
	return record.status.value


def _unexpected(error: Exception) -> dict:
	return {
		"status": Status.FAILED.value,
		"error_kind": ErrorKind.PERMANENT.value,
		"error": _(
			"Unexpected error while syncing: {0}. Press Retry; if it persists, report it with the Error Log."
		).format(scrub_secrets(repr(error))),
	}


def build_engine(settings: Document, policy: SyncPolicy | None = None) -> PushEngine:
	return PushEngine(
		get_client(settings),
		FrappePort(settings),
		mapping_context(settings),
		settings.realm_id,
		policy=policy or sync_policy(settings),
	)


def _settings_of(doctype: str, name: str) -> Document | None:
	return get_settings(frappe.db.get_value(doctype, name, "company"))


def _no_settings_message(doctype: str, name: str) -> dict:
	if not frappe.db.exists(doctype, name):
		return {"status": Status.SKIPPED.value, "error": _("The document no longer exists in ERPNext.")}
	return {
		"status": Status.FAILED.value,
		"error_kind": ErrorKind.PERMANENT.value,
		"error": _("Its company has no QuickBooks Settings. Create them, connect, then press Retry."),
	}


def _connection_problem(settings: Document, error: Exception) -> dict:
	"""No client could be built. Not connected: retried automatically once reconnected. Connected but unusable
	(e.g. the app's client secret is missing): a human must fix the settings, then press Retry."""
	reason = str(error) or error.__class__.__name__
	if settings.connection_status == CONNECTED:
		log_error(
			_("QuickBooks: could not start a sync for {0}").format(settings.name), SETTINGS, settings.name
		)
		return {
			"status": Status.FAILED.value,
			"error_kind": ErrorKind.PERMANENT.value,
			"error": _(
				"Could not use the QuickBooks connection: {0}. Fix QuickBooks Settings {1}, then press Retry."
			).format(reason, settings.name),
		}
	return {
		"status": Status.FAILED.value,
		"error_kind": ErrorKind.AUTH.value,
		"error": _(
			"Could not connect to QuickBooks: {0}. Open QuickBooks Settings {1} and press Connect; the document "
			"is sent automatically once connected."
		).format(reason, settings.name),
		"next_retry_at": now_datetime(),
	}


def _record_outside_engine(doctype: str, name: str, settings: str | None, values: dict) -> str:
	"""The job could not get as far as the engine: say so on the Sync Log (unless the document is gone)."""
	values = {"error_kind": None, **values}
	company = frappe.db.get_value(doctype, name, "company")
	if company or log_exists(log_name(doctype, name)):
		upsert_log(doctype, name, values, company, settings)
	_publish_status(doctype, name, values["status"])
	return values["status"]


def _publish_status(doctype: str, name: str, status: str) -> None:
	"""Open forms of the document reload their QuickBooks status."""
	frappe.publish_realtime(
		"quickbooks_sync_status",
		{"doctype": doctype, "name": name, "status": status},
		doctype=doctype,
		docname=name,
		after_commit=True,
	)


# Scheduled retries ----------------------------------------------------------------------------------------


def retry_due() -> None:
	"""Cron: queue again what failed for a reason that heals (QuickBooks busy or down, connection lost) once its
	backoff has passed, and documents whose queued job vanished. Failed records stay Failed until the job runs,
	so a job lost again is simply picked up by the next run."""
	now = now_datetime()
	# Turning the connector off pauses automatic retries; they resume once it is enabled and connected again.
	connected = set(frappe.get_all(SETTINGS, {CONNECTION_STATUS: CONNECTED, ENABLED: 1}, pluck="name"))
	due = frappe.get_all(
		SYNC_LOG,
		filters={
			# Synced with a transient problem: its PDF is still to be attached (sync.attachments)
			"status": ["in", [Status.FAILED.value, Status.SYNCED.value]],
			"error_kind": ["in", [ErrorKind.TRANSIENT.value, ErrorKind.AUTH.value]],
			"next_retry_at": ["<=", now],
		},
		fields=["reference_doctype", "reference_name", "error_kind", "settings"],
		order_by="next_retry_at asc",
		limit=RETRY_BATCH,
	)
	for row in due:
		if row.settings not in connected:
			continue  # nothing can succeed before a reconnect; the record keeps saying so
		# Queued once means the sync policy let it through: a retry must not drop it because settings changed.
		enqueue_sync(row.reference_doctype, row.reference_name, manual=True)
	for row in _stale_queued(now, connected):
		enqueue_sync(row.reference_doctype, row.reference_name, manual=True)


def resume_after_connect(settings: str) -> None:
	"""Documents that waited for a connection go as soon as it is back, not at the next scheduled retry."""
	if not frappe.db.get_value(SETTINGS, settings, ENABLED):
		return
	waiting = frappe.get_all(
		SYNC_LOG,
		filters={"settings": settings, "status": Status.FAILED.value, "error_kind": ErrorKind.AUTH.value},
		fields=["reference_doctype", "reference_name"],
		order_by="creation asc",
		limit=RETRY_BATCH,
	)
	for row in waiting:
		enqueue_sync(row.reference_doctype, row.reference_name, manual=True)


def _stale_queued(now: datetime, connected: set[str]) -> Iterable[frappe._dict]:
	stale = frappe.get_all(
		SYNC_LOG,
		filters={"status": Status.QUEUED.value, "modified": ["<", now - STALE_QUEUED_AFTER]},
		fields=["reference_doctype", "reference_name", "settings"],
		limit=RETRY_BATCH,
	)
	for row in stale:
		queued = (
			f"quickbooks::{action}::{row.reference_doctype}::{row.reference_name}"
			for action in ("sync", "cancel")
		)
		if row.settings in connected and not any(is_job_enqueued(job_id) for job_id in queued):
			yield row


# Manual actions -------------------------------------------------------------------------------------------
#
# Who may do what: reading a document's QuickBooks status needs read permission on the document; sending it
# (Sync to QuickBooks, Retry, also from the Sync Log) needs write permission on it, and the connector enabled in
# its company's QuickBooks Settings; sending one dated before the sync start date is a separate, confirmed action
# for Accounts Managers and System Managers only.


@frappe.whitelist()
def get_status(doctype: str, name: str) -> dict | None:
	"""What the document's form shows: the QuickBooks status, the message, the link, and what the user may do."""
	_check_pushable(doctype, name, "read")
	company, docstatus, posting_date = frappe.db.get_value(
		doctype, name, ["company", "docstatus", "posting_date"]
	)
	settings = get_settings(company, _MANUAL_FIELDS)
	if not settings:
		return None
	log = frappe.db.get_value(
		SYNC_LOG,
		log_name(doctype, name),
		["name", "status", "error", "error_kind", "qbo_url", "qbo_entity", "doc_number", "next_retry_at"],
		as_dict=True,
	)
	before_start = bool(
		docstatus == 1
		and settings.sync_start_date
		and posting_date
		and getdate(posting_date) < getdate(settings.sync_start_date)
	)
	can_write = bool(frappe.has_permission(doctype, "write", name))
	return {
		"log": log,
		"enabled": bool(settings.enabled),
		"can_sync": can_write and _needs_sync(docstatus, log.status if log else None),
		"before_start_date": before_start,
		"can_override_start_date": can_write and _may_override_start_date(),
	}


def _needs_sync(docstatus: int, status: str | None) -> bool:
	"""Submitted and not in QuickBooks yet, or cancelled while its QuickBooks record may still be live."""
	if docstatus == 1:
		return status not in (Status.SYNCED.value, Status.VOIDED.value)
	return docstatus == 2 and status in (Status.QUEUED.value, Status.FAILED.value, Status.SYNCED.value)


@frappe.whitelist(methods=["POST"])
def sync_now(doctype: str, name: str) -> str:
	"""The "Sync to QuickBooks" / "Retry" button: push now. Needs write permission on the document and the
	connector enabled; a document dated before the sync start date needs `sync_despite_start_date`."""
	_check_pushable(doctype, name, "write")
	return _queue_manual(doctype, name)


@frappe.whitelist(methods=["POST"])
def sync_despite_start_date(doctype: str, name: str) -> str:
	"""Send a document dated before the sync start date (the form asks the user to confirm first). Accounts
	Managers and System Managers only, with write permission on the document."""
	if not _may_override_start_date():  # not frappe.only_for, which lets everything through in tests
		frappe.throw(
			_(
				"Only an Accounts Manager or a System Manager can send a document dated before the sync start date."
			),
			frappe.PermissionError,
		)
	_check_pushable(doctype, name, "write")
	return _queue_manual(doctype, name, despite_start_date=True)


@frappe.whitelist(methods=["POST"])
def retry(names: list[str] | str) -> int:
	"""Bulk Retry from the Sync Log list; returns how many documents were queued. Same rules as `sync_now`,
	checked for every document before any is queued."""
	if isinstance(names, str):
		names = json.loads(names) if names.startswith("[") else [names]
	references = []
	for log in names:
		frappe.has_permission(SYNC_LOG, "read", log, throw=True)
		reference = frappe.db.get_value(SYNC_LOG, log, ["reference_doctype", "reference_name"], as_dict=True)
		if reference:
			_check_pushable(reference.reference_doctype, reference.reference_name, "write")
			references.append(reference)
	queued = 0
	for reference in references:
		if _queue_manual(reference.reference_doctype, reference.reference_name) == Status.QUEUED.value:
			queued += 1
	return queued


@frappe.whitelist(methods=["POST"])
def resync(doctype: str, name: str) -> str:
	"""Send a submitted document again as a new QuickBooks record, for when its record was deleted or voided in
	QuickBooks. The job refuses (and tells the user why) while anything of the document is live there, so it can
	never duplicate. Same permission as Sync to QuickBooks."""
	_check_pushable(doctype, name, "write")
	settings = _settings_of(doctype, name)
	if not (settings and settings.enabled):
		frappe.throw(_("Sending to QuickBooks is turned off for this document's company."))
	frappe.enqueue(
		RESYNC_JOB,
		queue=QUEUE,
		enqueue_after_commit=True,
		job_id=f"quickbooks::resync::{doctype}::{name}",
		deduplicate=True,
		doctype=doctype,
		name=name,
		user=frappe.session.user,
	)
	return Status.QUEUED.value


def run_resync(doctype: str, name: str, user: str) -> str:
	"""Background job of `resync`: the engine checks QuickBooks first and refuses while a record is live."""
	settings = _settings_of(doctype, name)
	try:
		record = build_engine(settings).resync(doctype, name)
	except ResyncRefused as refused:
		message = render(refused.problem, _, frappe.utils.escape_html)
		frappe.publish_realtime("msgprint", {"message": message, "title": _("Not sent again")}, user=user)
		return "Refused"
	_publish_status(doctype, name, record.status.value)
	return record.status.value


@frappe.whitelist(methods=["POST"])
def map_and_retry(
	sync_log: str,
	erpnext_account: str,
	qbo_account: str | None = None,
	purpose: str | None = None,
	qbo_tax_code: str | None = None,
) -> str:
	"""Fix in place: the account (or tax account) a sync record names as unmapped is mapped to the QuickBooks
	account (or tax code) the user chose, in the document's QuickBooks Settings, validated as the settings form
	validates it, and the document is retried. Needs write permission on the settings and on the document."""
	frappe.has_permission(SYNC_LOG, "read", sync_log, throw=True)
	log = frappe.db.get_value(
		SYNC_LOG, sync_log, ["settings", "reference_doctype", "reference_name"], as_dict=True
	)
	settings = frappe.get_doc(SETTINGS, log.settings)
	settings.check_permission("write")
	_check_pushable(log.reference_doctype, log.reference_name, "write")
	if qbo_tax_code:
		settings.append(TAX_MAPPINGS, {"erpnext_tax_account": erpnext_account, "qbo_tax_code": qbo_tax_code})
	else:
		row = {"purpose": purpose, "erpnext_account": erpnext_account, "qbo_account": qbo_account}
		settings.append(ACCOUNT_MAPPINGS, row)
	settings.save()  # the settings' own validation: types, currencies, duplicates
	return _queue_manual(log.reference_doctype, log.reference_name)


def _check_pushable(doctype: str, name: str, ptype: str) -> None:
	if doctype not in PUSHED_DOCTYPES:
		frappe.throw(_("{0} documents are not sent to QuickBooks.").format(_(doctype)))
	frappe.has_permission(doctype, ptype, name, throw=True)


def _may_override_start_date() -> bool:
	return bool(set(START_DATE_OVERRIDE_ROLES) & set(frappe.get_roles()))


def _queue_manual(doctype: str, name: str, despite_start_date: bool = False) -> str:
	doc = frappe.get_doc(doctype, name)
	if doc.docstatus == 0:
		frappe.throw(_("Submit {0} first: only submitted documents are sent to QuickBooks.").format(name))
	status, error_kind = frappe.db.get_value(SYNC_LOG, log_name(doctype, name), ["status", "error_kind"]) or (
		None,
		None,
	)
	if doc.docstatus == 1 and status == Status.SYNCED.value and error_kind:
		enqueue_sync(doctype, name, manual=True)  # its PDF is still to be attached: the record stays Synced
		return status
	if not _needs_sync(doc.docstatus, status):
		return status or Status.SKIPPED.value  # QuickBooks already matches the document
	settings = get_settings(doc.company, _MANUAL_FIELDS)
	if not settings:
		frappe.throw(_("Company {0} has no QuickBooks Settings.").format(doc.company))
	if not settings.enabled:
		frappe.throw(
			_(
				"Sending to QuickBooks is turned off for {0}: enable it in QuickBooks Settings {1} first."
			).format(doc.company, settings.name),
			title=_("QuickBooks sync disabled"),
		)
	cancelling = doc.docstatus == 2  # whatever reached QuickBooks is voided, whatever the dates say
	before_start = bool(
		settings.sync_start_date
		and doc.get("posting_date")
		and getdate(doc.posting_date) < getdate(settings.sync_start_date)
	)
	if before_start and not (cancelling or despite_start_date):
		frappe.throw(
			_(
				"{0} is dated before the sync start date in QuickBooks Settings. An Accounts Manager can send it "
				"anyway with QuickBooks > Send despite Start Date."
			).format(name),
			title=_("Before the sync start date"),
		)
	_set_log(doc, settings.name, status=Status.QUEUED.value, error=None, error_kind=None, next_retry_at=None)
	enqueue_sync(
		doctype,
		name,
		manual=cancelling or despite_start_date,
		action="cancel" if cancelling else "sync",
	)
	return Status.QUEUED.value


# Backfill -------------------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def start_backfill(
	settings: str, from_date: str, to_date: str, doctypes: list[str] | str | None = None
) -> str:
	"""Send every submitted document of the company dated in [from_date, to_date] (long-queue job)."""
	settings_doc = frappe.get_doc(SETTINGS, settings)
	settings_doc.check_permission("write")
	if settings_doc.connection_status != CONNECTED:
		frappe.throw(_("Connect {0} to QuickBooks first.").format(settings_doc.company))
	if isinstance(doctypes, str):
		doctypes = json.loads(doctypes) if doctypes.startswith("[") else [doctypes]
	doctypes = [doctype for doctype in (doctypes or PUSHED_DOCTYPES) if doctype in PUSHED_DOCTYPES]
	if getdate(from_date) > getdate(to_date):
		frappe.throw(_("The backfill's From Date is after its To Date."))
	frappe.enqueue(
		BACKFILL_JOB,
		queue="long",
		enqueue_after_commit=True,
		job_id=f"quickbooks::backfill::{settings}",
		deduplicate=True,
		settings=settings,
		from_date=str(getdate(from_date)),
		to_date=str(getdate(to_date)),
		doctypes=doctypes,
		user=frappe.session.user,
	)
	return _("Backfill queued: you get a notification when it is done.")


def run_backfill(settings: str, from_date: str, to_date: str, doctypes: list[str], user: str) -> dict:
	"""Long job: push the documents in waves through QuickBooks' batch API, committing after every chunk so a
	crash or timeout keeps what QuickBooks already holds (and the next run resumes after it)."""
	settings_doc = frappe.get_doc(SETTINGS, settings)
	pending = _backfill_documents(settings_doc.company, from_date, to_date, doctypes)
	# The user chose the dates: the sync start date does not apply, the enabled document types do.
	policy = replace(sync_policy(settings_doc), start_date=None)
	try:
		engine = build_engine(settings_doc, policy=policy)
	except Exception as error:
		notify(user, settings, _("QuickBooks backfill did not start: {0}").format(str(error)))
		return {}
	counts = {status.value: 0 for status in Status}
	for start in range(0, len(pending), BACKFILL_CHUNK):
		for record in _push_chunk(engine, pending[start : start + BACKFILL_CHUNK]):
			counts[record.status.value] += 1
		frappe.db.commit()  # nosemgrep: each chunk is in QuickBooks already; its records must survive a later failure
		done = min(start + BACKFILL_CHUNK, len(pending))
		frappe.publish_progress(
			done * 100 / len(pending),
			title=_("Sending to QuickBooks"),
			doctype=SETTINGS,
			docname=settings,
			description=_("{0} of {1} documents").format(done, len(pending)),
		)
	_notify_backfill_done(settings, user, len(pending), counts)
	return counts


def _backfill_documents(
	company: str, from_date: str, to_date: str, doctypes: list[str]
) -> list[tuple[str, str]]:
	"""Submitted documents not yet in QuickBooks, in the order the engine needs (what others refer to first)."""
	done = {
		(row.reference_doctype, row.reference_name)
		for row in frappe.get_all(
			SYNC_LOG,
			filters={"company": company, "status": ["in", [Status.SYNCED.value, Status.VOIDED.value]]},
			fields=["reference_doctype", "reference_name"],
		)
	}
	pending = []
	if STOCK_SUMMARY in doctypes:
		close_days(company, from_date, to_date)  # Daily Summary: the range's past days, ready to send
	for doctype in doctypes:
		rows = frappe.get_all(
			doctype,
			filters={"company": company, "docstatus": 1, "posting_date": ["between", [from_date, to_date]]},
			fields=["name", "is_return"] if frappe.get_meta(doctype).has_field("is_return") else ["name"],
		)
		pending.extend(
			(PUSH_ORDER.get(doctype, 1), row.get("is_return") or 0, doctype, row.name)
			for row in rows
			if (doctype, row.name) not in done
		)
	return [(doctype, name) for *_order, doctype, name in sorted(pending)]


def _push_chunk(engine: PushEngine, chunk: list[tuple[str, str]]):
	try:
		return engine.push_many(chunk)
	except QBOError:
		# QuickBooks (its token endpoint, say) failed between the batch calls: each document gets its own
		# attempt, whose record says what QuickBooks answered; nothing to report as a defect.
		frappe.db.rollback()
	except Exception:
		# The engine records failures itself; this is a bug path. One by one, every document still gets a record.
		frappe.db.rollback()
		log_error(_("QuickBooks backfill: batch failed, pushing one by one"))
	return [engine.push(doctype, name, manual=True) for doctype, name in chunk]


def _notify_backfill_done(settings: str, user: str, total: int, counts: dict[str, int]) -> None:
	summary = ", ".join(f"{count} {_(status)}" for status, count in counts.items() if count) or _(
		"nothing to send"
	)
	notify(
		user,
		settings,
		_("QuickBooks backfill finished: {0} documents ({1})").format(total, summary),
		_("Open the QuickBooks Sync Log list filtered by status Failed to see what needs attention."),
	)
