"""QuickBooks Reconciliation: for every mapped account, ERPNext's opening, debit, credit and closing next to
QuickBooks' for the same period, the difference, and what explains it (see reconciliation.py). QuickBooks' side
comes from a background fetch cached per company, period and accounting method; until it is ready the report says
so and shows nothing, and the desk refreshes it when the job is done."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import frappe
from frappe import _

from quickbooks_connector.mapping.errors import render
from quickbooks_connector.quickbooks_connector import reconciliation
from quickbooks_connector.quickbooks_connector.settings import get_settings

METHODS = (reconciliation.ACCRUAL, reconciliation.CASH)


def execute(filters: dict | None = None) -> tuple:
	filters = frappe._dict(filters or {})
	for required in ("company", "from_date", "to_date"):
		if not filters.get(required):
			frappe.throw(_("{0} is required").format(_(frappe.unscrub(required))))
	reconciliation.check_permission(filters.company)
	if filters.from_date > filters.to_date:
		frappe.throw(_("From Date must be before To Date"))
	basis = filters.get("accounting_method") or reconciliation.ACCRUAL
	if basis not in METHODS:
		frappe.throw(_("Accounting method must be Accrual or Cash"))
	settings = get_settings(filters.company)
	if not settings:
		return columns(), [], _("{0} is not connected to QuickBooks.").format(frappe.bold(filters.company))
	state = reconciliation.start_fetch(filters.company, filters.from_date, filters.to_date, basis)
	if state.get("status") == "failed":
		message = _("Fetching QuickBooks' books failed: {0}. Press Refresh from QuickBooks to try again.")
		return columns(), [], message.format(frappe.utils.escape_html(state.get("error") or ""))
	if state.get("status") != "ready":
		message = _("Fetching QuickBooks' books... {0}% (the report refreshes when they are here)")
		return columns(), [], message.format(int(state.get("progress") or 0))
	result = reconciliation.run(filters.company, filters.from_date, filters.to_date, basis, state)
	currency = frappe.get_cached_value("Company", filters.company, "default_currency")
	data = [
		{**_row(settings.name, row), "currency": currency}
		for row in result.rows
		if (not filters.get("only_differences") or not row.matches) and _wanted(row, filters.get("account"))
	]
	notes = [render(problem, _, frappe.utils.escape_html) for problem in result.problems]
	message = _("QuickBooks' figures fetched {0} ({1} basis).").format(state.get("fetched_at"), _(basis))
	return columns(), data, " ".join([message, *notes]), chart(data), summary(data)


def columns() -> list[dict[str, Any]]:
	money = {"fieldtype": "Currency", "width": 120, "options": "currency"}
	return [
		{
			"fieldname": "account",
			"label": _("ERPNext Account"),
			"fieldtype": "Link",
			"options": "Account",
			"width": 220,
		},
		{"fieldname": "qbo_account", "label": _("QuickBooks Account"), "fieldtype": "Data", "width": 180},
		{"fieldname": "erp_opening", "label": _("ERPNext Opening"), **money},
		{"fieldname": "erp_debit", "label": _("ERPNext Debit"), **money},
		{"fieldname": "erp_credit", "label": _("ERPNext Credit"), **money},
		{"fieldname": "erp_closing", "label": _("ERPNext Closing"), **money},
		{"fieldname": "qbo_opening", "label": _("QuickBooks Opening"), **money},
		{"fieldname": "qbo_debit", "label": _("QuickBooks Debit"), **money},
		{"fieldname": "qbo_credit", "label": _("QuickBooks Credit"), **money},
		{"fieldname": "qbo_closing", "label": _("QuickBooks Closing"), **money},
		{"fieldname": "difference", "label": _("Difference"), **money},
		{"fieldname": "explanation", "label": _("Explanation"), "fieldtype": "HTML", "width": 520},
		{
			"fieldname": "currency",
			"label": _("Currency"),
			"fieldtype": "Link",
			"options": "Currency",
			"hidden": 1,
		},
	]


def _row(settings_name: str, row: Any) -> dict[str, Any]:
	erp, qbo = row.erpnext, row.quickbooks
	explanation = "<br>".join(
		reconciliation.explanation_html(settings_name, item) for item in row.explanations
	)
	return {
		"account": row.erp_accounts[0] if len(row.erp_accounts) == 1 else ", ".join(row.erp_accounts),
		"qbo_account": frappe.utils.escape_html(row.qbo_name) if row.qbo_account else _("(not mapped)"),
		"erp_opening": _f(erp.opening),
		"erp_debit": _f(erp.debit),
		"erp_credit": _f(erp.credit),
		"erp_closing": _f(erp.closing),
		"qbo_opening": _f(qbo.opening),
		"qbo_debit": _f(qbo.debit),
		"qbo_credit": _f(qbo.credit),
		"qbo_closing": _f(qbo.closing),
		"difference": _f(row.difference),
		"explanation": explanation,
	}


def _wanted(row: Any, account: str | None) -> bool:
	return not account or account in row.erp_accounts


def chart(data: list[dict]) -> dict[str, Any] | None:
	differing = [row for row in data if row["difference"]]
	if not differing:
		return None
	return {
		"data": {
			"labels": [row["qbo_account"] or row["account"] for row in differing],
			"datasets": [{"name": _("Difference"), "values": [row["difference"] for row in differing]}],
		},
		"type": "bar",
		"fieldtype": "Currency",
	}


def summary(data: list[dict]) -> list[dict[str, Any]]:
	differing = [row for row in data if row["difference"]]
	return [
		{"value": len(data), "label": _("Accounts compared"), "datatype": "Int"},
		{
			"value": len(differing),
			"label": _("Accounts that differ"),
			"datatype": "Int",
			"indicator": "Red" if differing else "Green",
		},
	]


def _f(value: Decimal) -> float:
	return float(value)


@frappe.whitelist()
def refresh(
	company: str, from_date: str, to_date: str, accounting_method: str = reconciliation.ACCRUAL
) -> dict:
	"""Fetch QuickBooks' side again in the background (Refresh from QuickBooks)."""
	reconciliation.check_permission(company)
	if accounting_method not in METHODS:
		frappe.throw(_("Accounting method must be Accrual or Cash"))
	state = reconciliation.start_fetch(company, from_date, to_date, accounting_method, force=True)
	return {
		"status": state.get("status"),
		"key": reconciliation.cache_key(company, from_date, to_date, accounting_method),
	}
