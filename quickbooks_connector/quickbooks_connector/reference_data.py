"""QuickBooks reference data cached in ERPNext: accounts, tax codes, tax rates, terms, classes and departments
(locations) of one connection.

The mapping tables link to these cached rows, so users pick QuickBooks records by name. A fetch inserts new rows,
updates changed ones, and keeps rows QuickBooks no longer returns (a mapping may still point at them) but marks
them `deleted_in_quickbooks` and inactive, so validation can say which mappings need attention.
"""

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import frappe
from frappe import _
from frappe.utils import cstr, escape_html, flt, now_datetime
from frappe.utils.background_jobs import is_job_enqueued

from quickbooks_connector.constants import (
	ACCOUNT,
	CLASS,
	DEPARTMENT,
	LAST_REFERENCE_FETCH,
	REFERENCE_DOCTYPES,
	SETTINGS,
	TAX_CODE,
	TAX_RATE,
	TERM,
)
from quickbooks_connector.quickbooks_connector.notifications import notify
from quickbooks_connector.quickbooks_connector.safety import log_error, scrub_secrets
from quickbooks_connector.quickbooks_connector.settings import get_client

FETCH_DONE_EVENT = "quickbooks_reference_data_fetched"
DATA_LENGTH = 140  # Data columns are varchar(140)

Record = dict[str, Any]


@frappe.whitelist(methods=["POST"])
def fetch_quickbooks_data(settings: str) -> dict[str, Any]:
	"""Queue the fetch (long queue, one job per settings at a time); progress and the result arrive in realtime."""
	doc = frappe.get_doc(SETTINGS, settings)
	doc.check_permission("write")
	get_client(doc)  # refuse now, with the reason, when the settings are not connected
	job_id = fetch_job_id(doc.name)
	if is_job_enqueued(job_id):
		return {"queued": False, "message": _("A fetch for {0} is already running.").format(doc.name)}
	frappe.enqueue(
		"quickbooks_connector.quickbooks_connector.reference_data.fetch_job",
		queue="long",
		job_id=job_id,
		deduplicate=True,
		settings=doc.name,
		user=frappe.session.user,
	)
	return {"queued": True, "message": _("Fetching QuickBooks data in the background.")}


def fetch_job_id(settings_name: str) -> str:
	return f"quickbooks_reference_data::{settings_name}"


def fetch_job(settings: str, user: str) -> None:
	"""Background job: fetch, then tell the user how it went (Notification Log + realtime message)."""
	try:
		counts = fetch_reference_data(settings)
	except Exception as exc:
		frappe.db.rollback()
		message = _("Fetching QuickBooks data for {0} failed: {1}").format(
			settings, escape_html(scrub_secrets(str(exc)))
		)
		log_error(_("QuickBooks data fetch failed"), SETTINGS, settings)
		_tell(user, settings, _("QuickBooks data fetch failed"), message, ok=False)
		return
	_tell(user, settings, _("QuickBooks data fetched"), summary(counts), ok=True)


def fetch_reference_data(settings: str) -> dict[str, dict[str, int]]:
	"""Pull every Account, TaxRate, TaxCode, Term, Class and Department (inactive ones too) into the cached doctypes.

	Tax rates come before tax codes so a code's summary can show its rates' percentages.
	Returns per doctype the number of rows created, updated and marked deleted.
	"""
	client = get_client(settings)
	counts: dict[str, dict[str, int]] = {}
	rates: dict[str, Record] = {}
	steps: list[tuple[str, str, Callable[[Record], Record]]] = [
		("Account", ACCOUNT, account_values),
		("TaxRate", TAX_RATE, tax_rate_values),
		("TaxCode", TAX_CODE, lambda row: tax_code_values(row, rates)),
		("Term", TERM, term_values),
		("Class", CLASS, class_values),
		("Department", DEPARTMENT, department_values),
	]
	for step, (entity, doctype, convert) in enumerate(steps):
		frappe.publish_progress(
			step * 100 / len(steps),
			title=_("Fetching QuickBooks data"),
			doctype=SETTINGS,
			docname=settings,
			description=_("Reading {0} from QuickBooks").format(_(doctype)),
		)
		rows = list(client.query(f"SELECT * FROM {entity} WHERE Active IN (true, false)"))
		if entity == "TaxRate":
			rates.update({row["Id"]: row for row in rows})
		counts[doctype] = sync_rows(settings, doctype, [convert(row) for row in rows])
	frappe.db.set_value(SETTINGS, settings, LAST_REFERENCE_FETCH, now_datetime(), update_modified=False)
	frappe.publish_progress(100, title=_("Fetching QuickBooks data"), doctype=SETTINGS, docname=settings)
	return counts


def sync_rows(
	settings: str, doctype: str, records: Iterable[Record], mark_missing: bool = True
) -> dict[str, int]:
	"""Upsert one doctype's rows for a connection; rows missing from `records` are marked deleted (unless
	`mark_missing` is off: `records` are a few just created)."""
	records = list(records)
	fields = list(dict.fromkeys(key for record in records for key in record))
	existing = {
		row.qbo_id: row
		for row in frappe.get_all(
			doctype,
			filters={"settings": settings},
			fields=["name", "qbo_id", "deleted_in_quickbooks", *fields],
		)
	}
	counts = {"created": 0, "updated": 0, "deleted": 0}
	seen = set()
	for record in records:
		values = {**record, "deleted_in_quickbooks": 0}
		seen.add(record["qbo_id"])
		current = existing.get(record["qbo_id"])
		if current is None:
			frappe.get_doc({"doctype": doctype, "settings": settings, **values}).insert(
				ignore_permissions=True
			)
			counts["created"] += 1
		elif any(not _same(current.get(key), value) for key, value in values.items()):
			frappe.db.set_value(doctype, current.name, values)
			counts["updated"] += 1
	for qbo_id, row in existing.items():
		if mark_missing and qbo_id not in seen and not row.deleted_in_quickbooks:
			frappe.db.set_value(doctype, row.name, {"deleted_in_quickbooks": 1, "active": 0})
			counts["deleted"] += 1
	return counts


def delete_reference_data(settings: str) -> None:
	"""Forget a connection's cached QuickBooks data (settings deleted, or connected to another company)."""
	for doctype in REFERENCE_DOCTYPES:
		frappe.db.delete(doctype, {"settings": settings})


def account_values(row: Record) -> Record:
	return {
		"qbo_id": row["Id"],
		"account_name": _text(row.get("Name")),
		"fully_qualified_name": _text(row.get("FullyQualifiedName")),
		"account_number": _text(row.get("AcctNum")),
		"account_type": _text(row.get("AccountType")),
		"account_sub_type": _text(row.get("AccountSubType")),
		"classification": _text(row.get("Classification")),
		"currency": _text(_ref_value(row.get("CurrencyRef"))),
		"active": int(bool(row.get("Active", True))),
	}


def tax_rate_values(row: Record) -> Record:
	return {
		"qbo_id": row["Id"],
		"tax_rate_name": _text(row.get("Name")),
		"description": _text(row.get("Description")),
		"rate_value": flt(row.get("RateValue")),
		"agency_id": _text(_ref_value(row.get("AgencyRef"))),
		"active": int(bool(row.get("Active", True))),
	}


def tax_code_values(row: Record, rates: dict[str, Record]) -> Record:
	return {
		"qbo_id": row["Id"],
		"tax_code_name": _text(row.get("Name")),
		"description": _text(row.get("Description")),
		"taxable": int(bool(row.get("Taxable"))),
		"tax_group": int(bool(row.get("TaxGroup"))),
		"sales_rates": _rate_summary(row.get("SalesTaxRateList"), rates),
		"purchase_rates": _rate_summary(row.get("PurchaseTaxRateList"), rates),
		"active": int(bool(row.get("Active", True))),
	}


def term_values(row: Record) -> Record:
	return {
		"qbo_id": row["Id"],
		"term_name": _text(row.get("Name")),
		"term_type": _text(row.get("Type")),
		"due_days": int(row.get("DueDays") or 0),
		"day_of_month_due": int(row.get("DayOfMonthDue") or 0),
		"discount_percent": flt(row.get("DiscountPercent")),
		"discount_days": int(row.get("DiscountDays") or 0),
		"active": int(bool(row.get("Active", True))),
	}


def class_values(row: Record) -> Record:
	return {
		"qbo_id": row["Id"],
		"class_name": _text(row.get("Name")),
		"fully_qualified_name": _text(row.get("FullyQualifiedName") or row.get("Name")),
		"parent_id": _text(_ref_value(row.get("ParentRef"))),
		"active": int(bool(row.get("Active", True))),
	}


def department_values(row: Record) -> Record:
	return {
		"qbo_id": row["Id"],
		"department_name": _text(row.get("Name")),
		"fully_qualified_name": _text(row.get("FullyQualifiedName") or row.get("Name")),
		"parent_id": _text(_ref_value(row.get("ParentRef"))),
		"active": int(bool(row.get("Active", True))),
	}


def summary(counts: dict[str, dict[str, int]]) -> str:
	lines = [
		_("{0}: {1} new, {2} changed, {3} no longer in QuickBooks").format(
			_(doctype), count["created"], count["updated"], count["deleted"]
		)
		for doctype, count in counts.items()
	]
	return "<br>".join(lines)


def _rate_summary(rate_list: dict | None, rates: dict[str, Record]) -> str:
	"""'20.0% S (20%)' for each rate of a tax code's sales or purchase list."""
	parts = []
	for detail in (rate_list or {}).get("TaxRateDetail") or []:
		ref = detail.get("TaxRateRef") or {}
		rate = rates.get(ref.get("value"), {})
		name = ref.get("name") or rate.get("Name") or ref.get("value")
		value = rate.get("RateValue")
		parts.append(f"{name} ({_percent(value)}%)" if value is not None else cstr(name))
	return ", ".join(parts)


def _percent(value: Any) -> str:
	return f"{Decimal(str(value)).normalize():f}"


def _ref_value(ref: Any) -> str | None:
	return ref.get("value") if isinstance(ref, dict) else None


def _text(value: Any) -> str:
	return cstr(value)[:DATA_LENGTH]


def _same(stored: Any, fetched: Any) -> bool:
	if isinstance(fetched, int | float | Decimal):
		return flt(stored) == flt(fetched)
	return cstr(stored) == cstr(fetched)


def _tell(user: str, settings: str, subject: str, message: str, ok: bool) -> None:
	notify(user, settings, subject, message)
	frappe.publish_realtime(
		"msgprint",
		{"message": message, "title": subject, "indicator": "green" if ok else "red"},
		user=user,
		after_commit=True,
	)
	frappe.publish_realtime(FETCH_DONE_EVENT, {"settings": settings, "ok": ok}, user=user, after_commit=True)
