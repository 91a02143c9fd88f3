"""What ERPNext posted for stock, as the framework-free mapping reads it (mapping.stock).

- A stock voucher or an invoice that updates stock gets its GL rows (`gl_entries`: its `GL Entry` rows with
  is_cancelled = 0, each with its account's `account_type`).
- A day's QuickBooks Stock Summary is built from that day's stock postings: every stock voucher of the company and
  date, and the stock rows of its invoices that update stock, except the vouchers that have a journal of their own
  in QuickBooks (sent per voucher before the mode changed). Once a day has a submitted summary, every stock posting
  of that day goes through it: a voucher of that day names it (`stock_summary`) and is not sent on its own.
- Before submit there are no GL rows: the pre-submit check gets the accounts ERPNext will post to instead.

The summaries themselves: one per company and posting date, named `<date>-<company abbr>` (its sync record's key),
created by the connector when the day's first stock posting is submitted in Daily Summary mode.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import frappe
from frappe.model.document import Document
from frappe.utils import add_days, getdate

from quickbooks_connector.constants import (
	CONNECTOR_WRITE_FLAG,
	SETTINGS,
	STOCK_JOURNAL_MODE,
	STOCK_SUMMARY,
	SYNC_LOG,
	SYNC_STOCK_JOURNALS,
)
from quickbooks_connector.mapping import stock
from quickbooks_connector.sync.port import DocumentNotFound

GL_FIELDS = [
	"voucher_type",
	"voucher_no",
	"account",
	"debit",
	"credit",
	"debit_in_account_currency",
	"credit_in_account_currency",
	"account_currency",
	"party_type",
	"party",
	"cost_center",
	"project",
	"against_voucher_type",
	"against_voucher",
]
# GL voucher types whose rows a day's summary sums (a landed cost posts under its receipt's)
SUMMED_VOUCHER_TYPES = (
	*(d for d in stock.VOUCHER_DOCTYPES if d != stock.LANDED_COST_VOUCHER),
	stock.SALES_INVOICE,
)
WAREHOUSE_FIELDS = ("warehouse", "s_warehouse", "t_warehouse", "target_warehouse", "rejected_warehouse")


# Documents as the mapping reads them ---------------------------------------------------------------------------


def with_stock_postings(doc: dict) -> dict:
	"""A submitted stock voucher or invoice that updates stock with its GL rows, and the day's summary it belongs to."""
	if not stock.reads_gl_rows(doc) or doc.get("docstatus") != 1:
		return doc
	doc[stock.GL_ROWS] = gl_rows(doc["doctype"], doc["name"])
	summary = submitted_summary(doc.get("company"), doc.get("posting_date"))
	if summary and not has_own_journal(doc["doctype"], doc["name"]):
		doc[stock.IN_SUMMARY] = summary
	return doc


def gl_rows(voucher_type: str, voucher_no: str) -> list[dict]:
	rows = frappe.get_all(
		"GL Entry",
		filters={"voucher_type": voucher_type, "voucher_no": voucher_no, "is_cancelled": 0},
		fields=_gl_fields(),
		order_by="creation asc, name asc",
	)
	return _with_account_types(rows)


def summary_document(name: str) -> dict:
	"""The day's summary as the mapping reads it. Reading it clears its Changed Since Sent mark: a posting after
	this read marks it again, so no change is lost to a sync already under way."""
	summary = frappe.db.get_value(STOCK_SUMMARY, name, ["company", "posting_date", "docstatus"], as_dict=True)
	if not summary:
		raise DocumentNotFound(f"{STOCK_SUMMARY} {name} does not exist")
	frappe.db.set_value(STOCK_SUMMARY, name, "stale", 0, update_modified=False)
	vouchers = day_vouchers(summary.company, str(summary.posting_date))
	return stock.summary_document(name, summary.company, summary.posting_date, vouchers, summary.docstatus)


def day_vouchers(company: str, posting_date: str) -> list[dict]:
	"""The vouchers of the day with stock postings and no journal of their own in QuickBooks, with their GL rows."""
	rows = frappe.get_all(
		"GL Entry",
		filters={
			"company": company,
			"posting_date": posting_date,
			"is_cancelled": 0,
			"voucher_type": ("in", SUMMED_VOUCHER_TYPES),
		},
		fields=_gl_fields(),
		order_by="voucher_type asc, voucher_no asc, creation asc, name asc",
	)
	by_voucher: dict[tuple[str, str], list[dict]] = defaultdict(list)
	for row in _with_account_types(rows):
		by_voucher[(row["voucher_type"], row["voucher_no"])].append(row)
	invoices = _stock_invoices([name for doctype, name in by_voucher if doctype == stock.SALES_INVOICE])
	vouchers = []
	for (doctype, name), voucher_rows in by_voucher.items():
		if doctype == stock.SALES_INVOICE and name not in invoices:
			continue  # its rows are the Invoice's
		if has_own_journal(doctype, name):
			continue
		voucher = {"doctype": doctype, "name": name, stock.GL_ROWS: voucher_rows}
		voucher.update(invoices.get(name, {}))
		vouchers.append(voucher)
	return vouchers


def has_own_journal(doctype: str, name: str) -> bool:
	"""Whether QuickBooks holds the document's stock postings in a journal of its own (sent per voucher)."""
	log = frappe.db.get_value(
		SYNC_LOG, {"reference_doctype": doctype, "reference_name": name}, ["status", "related"], as_dict=True
	)
	if not log or log.status not in ("Synced", "Failed"):
		return False
	if doctype == stock.SALES_INVOICE:
		return f'"after:{stock.COMPANION}"' in (log.related or "")
	return log.status == "Synced"


def _stock_invoices(names: list[str]) -> dict[str, dict]:
	"""Of these Sales Invoices, those that update stock, with what tells their stock rows apart."""
	if not names:
		return {}
	updating = frappe.get_all(
		"Sales Invoice", filters={"name": ("in", names), "update_stock": 1}, pluck="name"
	)
	items: dict[str, list[dict]] = defaultdict(list)
	for row in frappe.get_all(
		"Sales Invoice Item",
		filters={"parent": ("in", updating or [""]), "parenttype": "Sales Invoice"},
		fields=["parent", "expense_account"],
	):
		items[row.parent].append({"expense_account": row.expense_account})
	return {name: {"update_stock": 1, "items": items[name]} for name in updating}


def _gl_fields() -> list[str]:
	from erpnext.accounts.doctype.accounting_dimension.accounting_dimension import get_accounting_dimensions

	return list(dict.fromkeys([*GL_FIELDS, *get_accounting_dimensions()]))


def _with_account_types(rows: list[dict]) -> list[dict]:
	accounts = {row["account"] for row in rows}
	types = dict(
		frappe.get_all(
			"Account",
			filters={"name": ("in", list(accounts) or [""])},
			fields=["name", "account_type"],
			as_list=True,
		)
	)
	return [{**row, "account_type": types.get(row["account"]) or ""} for row in rows]


# Summaries ---------------------------------------------------------------------------------------------------------


def summary_name(company: str, posting_date: object) -> str:
	abbr = frappe.get_cached_value("Company", company, "abbr")
	return f"{str(posting_date)[:10]}-{abbr}"


def submitted_summary(company: str | None, posting_date: object) -> str | None:
	if not company or not posting_date:
		return None
	name = summary_name(company, posting_date)
	return name if frappe.db.get_value(STOCK_SUMMARY, name, "docstatus") == 1 else None


def ensure_summary(company: str, posting_date: object) -> tuple[str, int]:
	"""The day's summary (created open when missing): (name, docstatus)."""
	name = summary_name(company, posting_date)
	docstatus = frappe.db.get_value(STOCK_SUMMARY, name, "docstatus")
	if docstatus is not None:
		return name, docstatus
	summary = frappe.get_doc({"doctype": STOCK_SUMMARY, "company": company, "posting_date": posting_date})
	summary.flags[CONNECTOR_WRITE_FLAG] = True
	summary.insert(ignore_permissions=True)
	return summary.name, 0


def close_days(company: str, from_date: str, to_date: str) -> list[str]:
	"""In Daily Summary mode, the summaries of the range's days with stock postings, up to yesterday, submitted
	without sending them one by one (a backfill sends them): their names."""
	settings = frappe.db.get_value(SETTINGS, {"company": company}, [SYNC_STOCK_JOURNALS, STOCK_JOURNAL_MODE])
	if not settings or not settings[0] or settings[1] != stock.DAILY_SUMMARY:
		return []
	last = min(getdate(to_date), add_days(getdate(), -1))
	names = []
	for posting_date in stock_dates(company, from_date, str(last)):
		name, docstatus = ensure_summary(company, posting_date)
		if docstatus == 0:
			frappe.db.set_value(STOCK_SUMMARY, name, "docstatus", 1)
		names.append(name)
	return names


def stock_dates(company: str, from_date: str, to_date: str) -> list[str]:
	"""The posting dates in the range with stock postings of the company."""
	dates = frappe.get_all(
		"GL Entry",
		filters={
			"company": company,
			"posting_date": ("between", [from_date, to_date]),
			"is_cancelled": 0,
			"voucher_type": ("in", SUMMED_VOUCHER_TYPES),
		},
		pluck="posting_date",
		distinct=True,
		order_by="posting_date asc",
	)
	return [str(date) for date in dates]


# Before submit -------------------------------------------------------------------------------------------------------


def pre_submit_fields(doc: Document) -> dict:
	"""What the pre-submit check adds to a document: the accounts its stock postings will use; a summary's day."""
	if doc.doctype == STOCK_SUMMARY:
		return {"vouchers": day_vouchers(doc.company, str(doc.posting_date))}
	accounts = expected_accounts(doc)
	return {stock.EXPECTED_ACCOUNTS: accounts} if accounts else {}


def expected_accounts(doc: Document) -> list[dict]:
	"""The accounts a stock voucher (or an invoice that updates stock) will post to once submitted, with what uses
	them, for the pre-submit check; none without perpetual inventory."""
	import erpnext
	from erpnext.stock import get_warehouse_account_map

	if not stock.reads_gl_rows(doc.as_dict()) or not erpnext.is_perpetual_inventory_enabled(doc.company):
		return []
	warehouses = get_warehouse_account_map(doc.company)
	found: dict[str, list[str]] = defaultdict(list)
	for row in doc.get("items") or []:
		place = f"Items row {row.idx} ({row.get('item_code')})"
		for field in WAREHOUSE_FIELDS:
			account = (warehouses.get(row.get(field)) or {}).get("account") if row.get(field) else None
			if account:
				found[account].append(f"stock of {place}")
		if row.get("expense_account") and doc.doctype != "Purchase Receipt":
			found[row.expense_account].append(f"expense of {place}")
	for row in doc.get("additional_costs") or []:
		if row.get("expense_account"):
			found[row.expense_account].append(f"Additional Costs row {row.idx}")
	for row in doc.get("taxes") or [] if doc.doctype == "Purchase Receipt" else []:
		if row.get("category") in ("Valuation", "Valuation and Total") and row.get("account_head"):
			found[row.account_head].append(f"valuation charge of Taxes row {row.idx}")
	defaults = _company_stock_defaults(doc)
	for account, usage in defaults:
		found[account].append(usage)
	return [{"account": account, "usage": "; ".join(dict.fromkeys(uses))} for account, uses in found.items()]


def _company_stock_defaults(doc: Document) -> Iterable[tuple[str, str]]:
	company = frappe.get_cached_value(
		"Company", doc.company, ["stock_received_but_not_billed", "stock_adjustment_account"], as_dict=True
	)
	if doc.doctype == "Purchase Receipt" and company.stock_received_but_not_billed:
		yield company.stock_received_but_not_billed, "Stock Received But Not Billed"
	if doc.doctype == "Stock Reconciliation":
		account = doc.get("expense_account") or company.stock_adjustment_account
		if account:
			yield account, "Difference Account"
