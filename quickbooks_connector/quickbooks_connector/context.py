"""QuickBooks Settings -> what the framework-free core needs: the mapping context and the sync policy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import frappe
from frappe.model.document import Document
from frappe.utils import cint, getdate

from quickbooks_connector.constants import (
	ACCOUNT,
	ATTACH_PDF,
	CLASS,
	CLASS_MAPPINGS,
	DEPARTMENT,
	DEPARTMENT_DIMENSION,
	DEPARTMENT_MAPPINGS,
	PDF_PRINT_FORMATS,
	QBO_CLASS_PER_TRANSACTION,
	STOCK_JOURNAL_MODE,
	SYNC_START_DATE,
	SYNC_STOCK_JOURNALS,
	TAX_CODE,
	TRACK_CLASSES,
)
from quickbooks_connector.mapping import MappingContext, QBOAccountRef, QBOTaxCodeRef
from quickbooks_connector.mapping.context import QBOListRef
from quickbooks_connector.mapping.registry import PUSHED_TYPES
from quickbooks_connector.mapping.stock import PER_VOUCHER
from quickbooks_connector.sync import SyncPolicy

# ERPNext doctype -> the QuickBooks Settings check that turns its push on
PUSHED_DOCTYPES = {pushed.doctype: pushed.settings_switch for pushed in PUSHED_TYPES}


def sync_policy(settings: Mapping | Document) -> SyncPolicy:
	"""What is pushed automatically: the enabled document types, dated on or after the sync start date."""
	start = settings.get(SYNC_START_DATE)
	return SyncPolicy(
		start_date=getdate(start) if start else None,
		enabled_doctypes=frozenset(
			doctype for doctype, check in PUSHED_DOCTYPES.items() if cint(settings.get(check))
		),
		attach_pdf=frozenset(PDF_PRINT_FORMATS) if cint(settings.get(ATTACH_PDF)) else frozenset(),
	)


def mapping_context(settings: Document) -> MappingContext:
	company = frappe.get_cached_value(
		"Company",
		settings.company,
		["default_currency", "round_off_account", "default_bank_account"],
		as_dict=True,
	)
	return MappingContext(
		qbo_country=settings.qbo_country or "US",
		qbo_home_currency=settings.qbo_home_currency or company.default_currency,
		multicurrency=bool(settings.qbo_multicurrency),
		custom_txn_numbers=bool(settings.qbo_custom_txn_numbers),
		company_currency=company.default_currency,
		account_map=_account_map(settings.account_mappings),
		tax_accounts=frozenset(
			frappe.get_all(
				"Account", {"company": settings.company, "account_type": "Tax", "is_group": 0}, pluck="name"
			)
		),
		tax_code_map=_tax_code_map(settings.tax_mappings),
		exempt_tax_code=_tax_codes([settings.exempt_tax_code]).get(settings.exempt_tax_code),
		round_off_account=company.round_off_account,
		default_bank_account=company.default_bank_account,
		sales_discount_accounting=_discount_accounting(),
		stock_journals=_stock_journals(settings),
		**dimension_settings(settings),
	)


def _stock_journals(settings: Document) -> str:
	"""How stock postings are sent (mapping.stock): "" while Push Stock Postings is off."""
	if not cint(settings.get(SYNC_STOCK_JOURNALS)):
		return ""
	return settings.get(STOCK_JOURNAL_MODE) or PER_VOUCHER


def dimension_settings(settings: Document) -> dict:
	"""The MappingContext fields of the Dimensions tab: nothing is sent for a part that is not configured."""
	from quickbooks_connector.quickbooks_connector.dimensions import department_field

	track_classes = bool(cint(settings.get(TRACK_CLASSES)))
	field = department_field(settings)
	return {
		"track_classes": track_classes,
		"class_per_transaction": bool(cint(settings.get(QBO_CLASS_PER_TRANSACTION))),
		"class_map": _list_map(settings.get(CLASS_MAPPINGS), "cost_center", "qbo_class", CLASS, "class_name")
		if track_classes
		else {},
		"department_field": field,
		"department_label": settings.get(DEPARTMENT_DIMENSION) or "" if field else "",
		"department_map": _list_map(
			settings.get(DEPARTMENT_MAPPINGS),
			"dimension_value",
			"qbo_department",
			DEPARTMENT,
			"department_name",
		)
		if field
		else {},
	}


def _list_map(rows: Iterable[Document], key: str, link: str, doctype: str, name_field: str) -> dict:
	"""ERPNext value -> QuickBooks Class / Department, from the cached records the rows link to."""
	rows = [row for row in rows or [] if row.get(key) and row.get(link)]
	records = {
		record.name: QBOListRef(record.qbo_id, record.fully_qualified_name or record.get(name_field) or "")
		for record in frappe.get_all(
			doctype,
			filters={"name": ["in", [row.get(link) for row in rows]]},
			fields=["name", "qbo_id", "fully_qualified_name", name_field],
		)
	}
	return {row.get(key): records[row.get(link)] for row in rows if row.get(link) in records}


def _account_map(rows: Iterable[Document]) -> dict[str, QBOAccountRef]:
	rows = [row for row in rows if row.erpnext_account and row.qbo_account]
	accounts = {
		account.name: QBOAccountRef(account.qbo_id, account.account_name, account.account_type or "")
		for account in frappe.get_all(
			ACCOUNT,
			filters={"name": ["in", [row.qbo_account for row in rows]]},
			fields=["name", "qbo_id", "account_name", "account_type"],
		)
	}
	return {row.erpnext_account: accounts[row.qbo_account] for row in rows if row.qbo_account in accounts}


def _tax_code_map(rows: Iterable[Document]) -> dict[str, QBOTaxCodeRef]:
	rows = [row for row in rows if row.qbo_tax_code]
	codes = _tax_codes(row.qbo_tax_code for row in rows)
	mapped = {}
	for row in rows:
		source = row.erpnext_tax_account or row.item_tax_template
		if source and row.qbo_tax_code in codes:
			mapped[source] = codes[row.qbo_tax_code]
	return mapped


def _tax_codes(names: Iterable[str | None]) -> dict[str, QBOTaxCodeRef]:
	names = [name for name in names if name]
	if not names:
		return {}
	return {
		code.name: QBOTaxCodeRef(code.qbo_id, code.tax_code_name or "")
		for code in frappe.get_all(
			TAX_CODE, filters={"name": ["in", names]}, fields=["name", "qbo_id", "tax_code_name"]
		)
	}


def _discount_accounting() -> bool:
	"""ERPNext 15 keeps the switch in Selling Settings (later versions in Accounts Settings)."""
	for doctype in ("Accounts Settings", "Selling Settings"):
		if frappe.get_meta(doctype).has_field("enable_discount_accounting"):
			return bool(cint(frappe.db.get_single_value(doctype, "enable_discount_accounting")))
	return False
