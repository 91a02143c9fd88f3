"""The QuickBooks Reconciliation: ERPNext's General Ledger next to QuickBooks' (the framework-free
`quickbooks_connector.reconcile` does the comparing), for the Script Report and the daily check.

QuickBooks' side is fetched by a background job (two report calls, then the notes of transactions no sync record
names) and kept in the site cache per company, period and accounting method for `CACHE_SECONDS`; the report reads
the cache and never calls QuickBooks in the web request. Job arguments are the company, dates and method, never a
token. ERPNext's side is read from GL Entries when the report runs:

- opening = everything before the start date (income and expense accounts from the start of the fiscal year that
  holds the start date, as QuickBooks' trial balance counts them); debit and credit = the period's entries;
- Period Closing Vouchers of the reported fiscal years are left out: QuickBooks closes its year by itself;
- every voucher of the period with its net posting per account and its QuickBooks Sync Log, for the explanations.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import frappe
from frappe import _
from frappe.utils import add_months, escape_html, get_first_day, get_last_day, getdate, now_datetime, today

from quickbooks_connector.constants import (
	ACCOUNT,
	ACCOUNTS_MANAGER,
	ACCOUNTS_USER,
	CONNECTED,
	RECONCILE_DAILY,
	SETTINGS,
	SYNC_LOG,
)
from quickbooks_connector.mapping import SUPPORTED_DOCTYPES
from quickbooks_connector.mapping.errors import render
from quickbooks_connector.quickbooks_connector.notifications import notify_managers
from quickbooks_connector.quickbooks_connector.safety import error_text, log_error, remote_text
from quickbooks_connector.quickbooks_connector.settings import get_client, get_settings, record_url
from quickbooks_connector.reconcile import (
	ACCRUAL,
	CASH,
	ErpDocument,
	Figures,
	QuickBooksLedger,
	Reconciliation,
	fetch_ledger,
	private_notes,
	reconcile,
)
from quickbooks_connector.reconcile.compare import qbo_records_of

CACHE_SECONDS = 6 * 3600
PROGRESS_EVENT = "quickbooks_reconciliation_progress"
ROLES = (ACCOUNTS_MANAGER, ACCOUNTS_USER)
TAX_LIABILITY_SUBTYPES = ("SalesTaxPayable", "GlobalTaxPayable")
ZERO = Decimal("0")
NOTIFIED_CAUSES = 10  # explanations a notification lists (the report has them all)


# -- permission ------------------------------------------------------------------------------------------------


def check_permission(company: str) -> None:
	"""Accounts Managers and Accounts Users who may read the company."""
	if not set(frappe.get_roles()) & set(ROLES) or not frappe.has_permission("Company", "read", company):
		frappe.throw(
			_("Not permitted to reconcile {0} with QuickBooks.").format(company), frappe.PermissionError
		)


# -- QuickBooks' side: fetched in the background, cached per run ----------------------------------------------


def cache_key(company: str, from_date: Any, to_date: Any, basis: str) -> str:
	return f"quickbooks_reconciliation|{company}|{getdate(from_date)}|{getdate(to_date)}|{basis}"


def cached(company: str, from_date: Any, to_date: Any, basis: str) -> dict | None:
	return frappe.cache.get_value(cache_key(company, from_date, to_date, basis), expires=True)


def start_fetch(
	company: str, from_date: Any, to_date: Any, basis: str = ACCRUAL, force: bool = False
) -> dict:
	"""QuickBooks' side of the run from the cache, or a background fetch started (once) and its state."""
	key = cache_key(company, from_date, to_date, basis)
	state = frappe.cache.get_value(key, expires=True)  # expiring keys are never kept in frappe.local
	if state and not force and state.get("status") in ("fetching", "ready"):
		return state
	state = {"status": "fetching", "progress": 0, "started": str(now_datetime())}
	frappe.cache.set_value(key, state, expires_in_sec=CACHE_SECONDS)
	frappe.enqueue(
		"quickbooks_connector.quickbooks_connector.reconciliation.fetch_job",
		queue="long",
		job_id=key,
		deduplicate=True,
		enqueue_after_commit=True,
		company=company,
		from_date=str(getdate(from_date)),
		to_date=str(getdate(to_date)),
		basis=basis,
		user=frappe.session.user,
	)
	return state


def fetch_job(
	company: str, from_date: str, to_date: str, basis: str = ACCRUAL, user: str | None = None
) -> None:
	"""The background job: fetch, cache, tell the user's report to refresh."""
	key = cache_key(company, from_date, to_date, basis)

	def progress(percent: int, step: str) -> None:
		frappe.cache.set_value(key, {"status": "fetching", "progress": percent}, expires_in_sec=CACHE_SECONDS)
		frappe.publish_realtime(PROGRESS_EVENT, {"key": key, "progress": percent, "step": step}, user=user)

	try:
		state = fetch_quickbooks(company, from_date, to_date, basis, progress)
	except Exception as exc:
		log_error(_("QuickBooks reconciliation of {0} failed").format(company))
		state = {"status": "failed", "error": error_text(exc)}
	frappe.cache.set_value(key, state, expires_in_sec=CACHE_SECONDS)
	frappe.publish_realtime(
		PROGRESS_EVENT, {"key": key, "progress": 100, "status": state["status"]}, user=user
	)


def fetch_quickbooks(company: str, from_date: Any, to_date: Any, basis: str, progress=None) -> dict:
	settings = get_settings(company)
	if not settings:
		frappe.throw(_("{0} has no QuickBooks Settings.").format(company))
	client = get_client(settings)
	ledger = fetch_ledger(client, getdate(from_date), getdate(to_date), basis, progress)
	notes = private_notes(client, ledger, erpnext_documents(company, from_date, to_date))
	return {
		"status": "ready",
		"progress": 100,
		"fetched_at": str(now_datetime()),
		"ledger": ledger.as_dict(),
		"notes": [[entity, txn_id, note] for (entity, txn_id), note in notes.items()],
	}


# -- ERPNext's side ---------------------------------------------------------------------------------------------


def erpnext_figures(company: str, from_date: Any, to_date: Any) -> dict[str, Figures]:
	"""Opening, debit and credit per account in company currency (see the module)."""
	fiscal_start = _fiscal_year_start(company, from_date)
	rows = frappe.db.sql(
		"""
		select gle.account,
			sum(case when gle.posting_date < %(start)s then gle.debit - gle.credit else 0 end) as opening,
			sum(case when gle.posting_date >= %(start)s then gle.debit else 0 end) as debit,
			sum(case when gle.posting_date >= %(start)s then gle.credit else 0 end) as credit
		from `tabGL Entry` gle inner join `tabAccount` acc on acc.name = gle.account
		where gle.company = %(company)s and gle.is_cancelled = 0 and gle.posting_date <= %(end)s
			and not (acc.report_type = 'Profit and Loss' and gle.posting_date < %(fiscal)s)
			and not (gle.voucher_type = 'Period Closing Voucher' and gle.posting_date >= %(fiscal)s)
		group by gle.account
		""",
		{"company": company, "start": getdate(from_date), "end": getdate(to_date), "fiscal": fiscal_start},
		as_dict=True,
	)
	return {row.account: Figures(_dec(row.opening), _dec(row.debit), _dec(row.credit)) for row in rows}


def erpnext_documents(company: str, from_date: Any, to_date: Any) -> list[ErpDocument]:
	"""Every voucher of the period with its net posting per account and its QuickBooks Sync Log."""
	rows = frappe.db.sql(
		"""
		select voucher_type, voucher_no, account, min(posting_date) as posting_date, sum(debit - credit) as net
		from `tabGL Entry`
		where company = %s and is_cancelled = 0 and posting_date between %s and %s
		group by voucher_type, voucher_no, account
		""",
		(company, getdate(from_date), getdate(to_date)),
		as_dict=True,
	)
	postings: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
	dates: dict[tuple[str, str], str] = {}
	for row in rows:
		key = (row.voucher_type, row.voucher_no)
		postings[key][row.account] = _dec(row.net)
		dates[key] = str(row.posting_date)
	logs = _sync_logs(postings)
	documents = []
	for key, by_account in postings.items():
		log = logs.get(key)
		if log:
			related = json.loads(log.related) if isinstance(log.related, str) and log.related else log.related
			records = qbo_records_of(log.qbo_entity, log.qbo_id, related or {})
			status, reason, name = log.status, remote_text(log.error) or "", log.name
		elif key[0] not in SUPPORTED_DOCTYPES:
			records, status, name = (), "Skipped", ""
			reason = _("the connector does not send {0}").format(_(key[0]))
		else:
			records, status, reason, name = (), "", "", ""
		documents.append(ErpDocument(key[0], key[1], dates[key], status, by_account, records, name, reason))
	return documents


def _sync_logs(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Any]:
	wanted = defaultdict(list)
	for doctype, name in keys:
		wanted[doctype].append(name)
	logs = {}
	for doctype, names in wanted.items():
		for log in frappe.get_all(
			SYNC_LOG,
			filters={"reference_doctype": doctype, "reference_name": ("in", names)},
			fields=[
				"name",
				"reference_doctype",
				"reference_name",
				"status",
				"qbo_entity",
				"qbo_id",
				"related",
				"error",
			],
		):
			logs[(log.reference_doctype, log.reference_name)] = log
	return logs


def account_mapping(settings: Any) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
	"""ERPNext account -> QuickBooks Account Id, QuickBooks Account Id -> name, and the QuickBooks accounts shown in
	the tax liability account's row. QuickBooks books the sales tax it computes on its own tax liability account
	(Sales Tax Payable, Tax Liability), so ERPNext's tax accounts (Tax Mapping rows, Account Mapping rows of purpose
	Tax) are compared with that account together with the accounts they are mapped to."""
	accounts = frappe.get_all(
		ACCOUNT,
		filters={"settings": settings.name},
		fields=["name", "qbo_id", "account_name", "fully_qualified_name", "account_sub_type"],
	)
	by_name = {row.name: row for row in accounts}
	names = {row.qbo_id: row.fully_qualified_name or row.account_name for row in accounts}
	mapping = {
		row.erpnext_account: by_name[row.qbo_account].qbo_id
		for row in settings.account_mappings
		if row.erpnext_account and row.qbo_account in by_name
	}
	liability = next((row.qbo_id for row in accounts if row.account_sub_type in TAX_LIABILITY_SUBTYPES), None)
	if not liability:
		return mapping, names, {}
	taxes = {row.erpnext_tax_account for row in settings.get("tax_mappings") or () if row.erpnext_tax_account}
	taxes |= {row.erpnext_account for row in settings.account_mappings if row.purpose == "Tax"}
	combine = {mapping[account]: liability for account in taxes if account in mapping}
	mapping.update({account: liability for account in taxes})
	return mapping, names, combine


# -- the comparison ---------------------------------------------------------------------------------------------


def run(company: str, from_date: Any, to_date: Any, basis: str, state: dict) -> Reconciliation:
	"""The reconciliation of a period from QuickBooks' cached side and ERPNext's GL as it is now."""
	settings = get_settings(company)
	mapping, names, combine = account_mapping(settings)
	ledger = QuickBooksLedger.from_dict(state["ledger"])
	notes = {(entity, txn_id): note for entity, txn_id, note in state.get("notes") or ()}
	documents = erpnext_documents(company, from_date, to_date)
	currency = frappe.get_cached_value("Company", company, "default_currency")
	figures = erpnext_figures(company, from_date, to_date)
	return reconcile(ledger, figures, mapping, documents, notes, currency, names, combine)


def explanation_html(settings_name: str, explanation: Any) -> str:
	"""One explanation as desk HTML: the rendered text (facts escaped) and links to the ERPNext document, its
	QuickBooks Sync Log and the QuickBooks record."""
	text = render(explanation.problem, _, escape_html)
	links = []
	if explanation.document:
		doctype, name = explanation.document
		links.append(_link(f"/app/{frappe.scrub(doctype).replace('_', '-')}/{quote(name, safe='')}", name))
	if explanation.sync_log:
		links.append(_link(f"/app/quickbooks-sync-log/{quote(explanation.sync_log, safe='')}", _("Sync Log")))
	if explanation.qbo_record:
		url = record_url(settings_name, *explanation.qbo_record)
		if url:
			links.append(_link(url, _("Open in QuickBooks"), external=True))
	return text + (" " + " · ".join(links) if links else "")


def _link(url: str, label: str, external: bool = False) -> str:
	target = ' target="_blank" rel="noopener noreferrer"' if external else ""
	return f'<a href="{escape_html(url)}"{target}>{escape_html(label)}</a>'


# -- the daily check --------------------------------------------------------------------------------------------


def daily_check() -> None:
	"""For every connected company that asked for it: reconcile the current and the previous month, and tell the
	Accounts Managers about each account that differs, naming the likely cause."""
	for settings in frappe.get_all(
		SETTINGS, filters={RECONCILE_DAILY: 1, "connection_status": CONNECTED}, fields=["name", "company"]
	):
		for start, end in _months_to_check():
			try:
				check_company(settings.name, settings.company, start, end)
			except Exception:
				log_error(
					_("QuickBooks daily reconciliation of {0} failed").format(settings.company),
					SETTINGS,
					settings.name,
				)


def check_company(settings_name: str, company: str, start: date, end: date) -> Reconciliation:
	state = fetch_quickbooks(company, start, end, ACCRUAL)
	frappe.cache.set_value(cache_key(company, start, end, ACCRUAL), state, expires_in_sec=CACHE_SECONDS)
	result = run(company, start, end, ACCRUAL, state)
	for row in result.differences:
		account = row.qbo_name or ", ".join(row.erp_accounts)
		causes = [render(item.problem, _, escape_html) for item in row.explanations[:NOTIFIED_CAUSES]]
		cause = "<br>".join(causes)
		subject = _("QuickBooks differs from ERPNext on {0} by {1} ({2} to {3})").format(
			escape_html(account), f"{row.difference:,.2f}", start, end
		)
		notify_managers(settings_name, subject, cause)
	return result


def _months_to_check() -> list[tuple[date, date]]:
	current = getdate(today())
	previous = getdate(add_months(current, -1))
	return [
		(getdate(get_first_day(previous)), getdate(get_last_day(previous))),
		(getdate(get_first_day(current)), current),
	]


def _fiscal_year_start(company: str, day: Any) -> date:
	from erpnext.accounts.utils import get_fiscal_year

	try:
		return getdate(get_fiscal_year(getdate(day), company=company, verbose=0)[1])
	except Exception:
		return date(getdate(day).year, 1, 1)  # no fiscal year set up for the date: the calendar year


def _dec(value: Any) -> Decimal:
	return Decimal(str(value or 0)).quantize(Decimal("0.01"))


__all__ = ["ACCRUAL", "CASH"]
