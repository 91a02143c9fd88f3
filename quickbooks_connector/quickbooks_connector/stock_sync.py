"""Stock postings and QuickBooks: what the connector does when ERPNext posts, cancels or re-posts stock
(mapping.stock says what is sent; stock_ledger what ERPNext posted).

- Daily Summary: a stock posting creates its day's QuickBooks Stock Summary, open; the hourly `close_stock_days`
  submits the summaries of days that are over, which sends them (the usual on-submit push).
- Any mode: a stock posting submitted, cancelled or re-posted for a day whose summary is already submitted marks it
  Changed Since Sent and queues it; its journal is updated in place (sync.refresh).
- Per voucher: a Landed Cost Voucher re-posts its Purchase Receipts, whose journals are queued to be updated the
  same way; so are the stock vouchers a Repost Item Valuation re-posts.

Hooks only decide and enqueue, after the commit; a failure here never stops a submit (it leaves an Error Log).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, getdate

from quickbooks_connector.constants import (
	CONNECTED,
	CONNECTION_STATUS,
	ENABLED,
	SETTINGS,
	STOCK_JOURNAL_MODE,
	STOCK_SUMMARY,
	SYNC_LOG,
	SYNC_STOCK_JOURNALS,
)
from quickbooks_connector.mapping import stock
from quickbooks_connector.quickbooks_connector.port import log_name, upsert_log
from quickbooks_connector.quickbooks_connector.push import enqueue_sync
from quickbooks_connector.quickbooks_connector.safety import log_error
from quickbooks_connector.quickbooks_connector.settings import get_settings
from quickbooks_connector.quickbooks_connector.stock_ledger import (
	SUMMED_VOUCHER_TYPES,
	ensure_summary,
	submitted_summary,
)
from quickbooks_connector.sync.records import Status

_FIELDS = ["name", ENABLED, CONNECTION_STATUS, SYNC_STOCK_JOURNALS, STOCK_JOURNAL_MODE]
REPOSTED = "Completed"  # Repost Item Valuation's status once the GL of the vouchers it re-posts is written
# Sync Log states of a document QuickBooks holds (or may hold) a journal of
IN_QUICKBOOKS = (Status.SYNCED.value, Status.FAILED.value)


# Hooks ------------------------------------------------------------------------------------------------------------


def on_stock_posting(doc: Document, method: str | None = None) -> None:
	"""on_submit / on_cancel of the stock vouchers, Landed Cost Vouchers and Sales Invoices."""
	try:
		_note_posting(doc)
	except Exception:
		log_error(
			_("QuickBooks: could not note the stock posting of {0} {1}").format(doc.doctype, doc.name),
			reference_doctype=doc.doctype,
			reference_name=doc.name,
		)


def on_repost(doc: Document, method: str | None = None) -> None:
	"""on_change of Repost Item Valuation: once it has re-posted, the journals of what it re-posted follow."""
	if doc.get("status") != REPOSTED or not doc.get("company"):
		return
	try:
		_follow_repost(doc)
	except Exception:
		log_error(
			_("QuickBooks: could not follow Repost Item Valuation {0}").format(doc.name),
			reference_doctype=doc.doctype,
			reference_name=doc.name,
		)


def _note_posting(doc: Document) -> None:
	if doc.doctype == stock.SALES_INVOICE and not cint(doc.get("update_stock")):
		return
	settings = _stock_settings(doc.company)
	if not settings:
		return
	for doctype, name, posting_date in _posted_under(doc):
		summary = submitted_summary(doc.company, posting_date)
		if summary:
			queue_summary(summary, doc.company, settings.name)
		elif settings.stock_journal_mode == stock.DAILY_SUMMARY:
			ensure_summary(doc.company, posting_date)
		elif doc.doctype == stock.LANDED_COST_VOUCHER and doctype == stock.PURCHASE_RECEIPT:
			_queue_if_sent(doctype, name)


def _posted_under(doc: Document) -> list[tuple[str, str, str]]:
	"""(doctype, name, posting date) of the documents whose GL the posting changed: a landed cost's receipts (ERPNext
	re-posts them on their dates), else the document itself."""
	if doc.doctype != stock.LANDED_COST_VOUCHER:
		return [(doc.doctype, doc.name, str(doc.posting_date))]
	found = []
	for doctype, name in stock.landed_cost_receipts(doc.as_dict()):
		posting_date = frappe.db.get_value(doctype, name, "posting_date")
		if posting_date:
			found.append((doctype, name, str(posting_date)))
	return found


def _follow_repost(doc: Document) -> None:
	"""The vouchers whose GL rows were written since the repost was queued, and their days' summaries."""
	settings = _stock_settings(doc.company)
	if not settings:
		return
	rows = frappe.get_all(
		"GL Entry",
		filters={
			"company": doc.company,
			"posting_date": (">=", doc.posting_date),
			"creation": (">=", doc.creation),
			"voucher_type": ("in", SUMMED_VOUCHER_TYPES),
		},
		fields=["voucher_type", "voucher_no", "posting_date"],
		distinct=True,
	)
	for row in rows:
		summary = submitted_summary(doc.company, row.posting_date)
		if summary:
			queue_summary(summary, doc.company, settings.name)
		elif row.voucher_type != stock.SALES_INVOICE:  # an invoice's stock journal is not updated (README)
			_queue_if_sent(row.voucher_type, row.voucher_no)


def _stock_settings(company: str) -> frappe._dict | None:
	settings = get_settings(company, _FIELDS)
	if not settings or not settings.enabled or not cint(settings.get(SYNC_STOCK_JOURNALS)):
		return None
	return settings


def queue_summary(name: str, company: str, settings: str) -> None:
	"""A submitted summary whose day changed: marked and queued; the job updates its journal in place."""
	frappe.db.set_value(STOCK_SUMMARY, name, "stale", 1, update_modified=False)
	message = _(
		"A stock posting of this day changed after the summary was sent; its journal is being updated."
	)
	upsert_log(STOCK_SUMMARY, name, {"status": Status.QUEUED.value, "error": message}, company, settings)
	enqueue_sync(STOCK_SUMMARY, name, manual=True)  # sent already: the start date does not apply


def _queue_if_sent(doctype: str, name: str) -> None:
	"""Queue the update of a voucher's journal, if QuickBooks holds one."""
	if frappe.db.get_value(SYNC_LOG, log_name(doctype, name), "status") in IN_QUICKBOOKS:
		enqueue_sync(doctype, name, manual=True)


# Scheduler --------------------------------------------------------------------------------------------------------


def close_stock_days() -> None:
	"""Hourly: submit (and so send) the summaries of days that are over, and queue again summaries still marked
	Changed Since Sent (a change made while their last sync was under way)."""
	for settings in frappe.get_all(
		SETTINGS,
		filters={ENABLED: 1, CONNECTION_STATUS: CONNECTED, SYNC_STOCK_JOURNALS: 1},
		fields=["name", "company"],
	):
		for name in frappe.get_all(
			STOCK_SUMMARY,
			filters={"company": settings.company, "docstatus": 0, "posting_date": ("<", getdate())},
			pluck="name",
			order_by="posting_date asc",
		):
			_submit(name)
		for name in frappe.get_all(
			STOCK_SUMMARY, filters={"company": settings.company, "docstatus": 1, "stale": 1}, pluck="name"
		):
			if frappe.db.get_value(SYNC_LOG, log_name(STOCK_SUMMARY, name), "status") != Status.QUEUED.value:
				queue_summary(name, settings.company, settings.name)


def _submit(name: str) -> None:
	"""Submitting a summary sends it (the pushed types' on_submit hook); a pre-submit check set to Block may
	refuse it, which leaves the day open and an Error Log saying why."""
	try:
		summary = frappe.get_doc(STOCK_SUMMARY, name)
		summary.flags.ignore_permissions = True
		summary.submit()
		frappe.db.commit()  # nosemgrep: one day per commit, so a refused day does not hold back the others
	except Exception:
		frappe.db.rollback()
		log_error(_("QuickBooks: could not close the stock summary {0}").format(name), STOCK_SUMMARY, name)
