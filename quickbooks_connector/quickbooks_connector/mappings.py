"""QuickBooks Settings glue: validates the mapping tables with the plain rules in sync/settings_rules.py, reports
which tax mappings are still missing, and suggests account mappings."""

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import frappe
from frappe import _
from frappe.query_builder.functions import IfNull
from frappe.utils import escape_html

from quickbooks_connector.constants import ACCOUNT, ACCOUNT_MAPPINGS, EMULATOR, ENABLED, SETTINGS, TAX_CODE
from quickbooks_connector.mapping.errors import render
from quickbooks_connector.sync import settings_rules as rules
from quickbooks_connector.sync.settings_rules import (
	AccountMappingRow,
	ErpAccount,
	Problem,
	QboAccount,
	QboTaxCode,
	TaxMappingRow,
)

if TYPE_CHECKING:
	from quickbooks_connector.quickbooks_connector.doctype.quickbooks_settings.quickbooks_settings import (
		QuickBooksSettings,
	)

US_COUNTRIES = ("US", "USA")
# (invoice, its taxes table, its items table): where a company's documents name tax accounts and templates.
INVOICE_TABLES = (
	("Sales Invoice", "Sales Taxes and Charges", "Sales Invoice Item"),
	("Purchase Invoice", "Purchase Taxes and Charges", "Purchase Invoice Item"),
)
# (template, its taxes table, the child field naming the account): what new documents of a company take their
# taxes from. Item Tax Templates are tax sources of their own, too.
TAX_TEMPLATE_TABLES = (
	("Sales Taxes and Charges Template", "Sales Taxes and Charges", "account_head"),
	("Purchase Taxes and Charges Template", "Purchase Taxes and Charges", "account_head"),
	("Item Tax Template", "Item Tax Template Detail", "tax_type"),
)


# -- validation ----------------------------------------------------------------------------------------------


def validate_settings(doc: "QuickBooksSettings") -> None:
	validate_emulator_url(doc)
	validate_mappings(doc)
	validate_enabling(doc)


def validate_emulator_url(doc: "QuickBooksSettings") -> None:
	if doc.environment != EMULATOR:
		return
	parts = urlsplit(doc.emulator_url or "")
	if parts.scheme not in ("http", "https") or not parts.netloc:
		frappe.throw(
			_("Emulator URL must be a full address such as http://127.0.0.1:8765, not {0}.").format(
				frappe.bold(doc.emulator_url or _("empty"))
			),
			title=_("Invalid Emulator URL"),
		)


def validate_mappings(doc: "QuickBooksSettings") -> None:
	"""One message listing every bad row of both tables, each with what is wrong and what to do."""
	problems = [
		_("Account Mapping row {0}: {1}").format(problem.row, describe(problem, doc))
		for problem in account_mapping_problems(doc)
	]
	problems += [
		_("Tax Mapping row {0}: {1}").format(problem.row, describe(problem, doc))
		for problem in tax_mapping_problems(doc)
	]
	if doc.exempt_tax_code:
		problems += [
			_("Tax Code for Untaxed Lines: {0}").format(describe(problem, doc))
			for problem in tax_code_problems(doc, doc.exempt_tax_code)
		]
	if problems:
		throw_list(_("Fix the QuickBooks mappings"), _("Nothing was saved. Please fix:"), problems)


def account_mapping_problems(doc: "QuickBooksSettings") -> list[Problem]:
	rows = [
		AccountMappingRow(row.idx, row.purpose, row.erpnext_account or "", row.qbo_account or "")
		for row in doc.account_mappings
	]
	erp_accounts = load_erp_accounts(row.erpnext_account for row in rows)
	qbo_accounts = load_qbo_accounts(row.qbo_account for row in rows)
	return rules.check_account_mappings(rows, doc.company, doc.name, erp_accounts, qbo_accounts)


def tax_mapping_problems(doc: "QuickBooksSettings") -> list[Problem]:
	rows = tax_rows(doc)
	erp_accounts = load_erp_accounts(row.erpnext_tax_account for row in rows)
	tax_codes = load_tax_codes(row.qbo_tax_code for row in rows)
	return rules.check_tax_mappings(rows, doc.company, doc.name, erp_accounts, tax_codes)


def tax_code_problems(doc: "QuickBooksSettings", key: str) -> list[Problem]:
	"""The problems of a tax code chosen outside the tables (the Tax Code for Untaxed Lines)."""
	return rules.check_tax_code(key, doc.name, load_tax_codes([key]))


def validate_enabling(doc: "QuickBooksSettings") -> None:
	"""Pushes need a connection, and outside the US a tax code for every tax account and Item Tax Template the
	company's documents can use (see `used_tax_sources`)."""
	if not doc.enabled or not (doc.is_new() or doc.has_value_changed(ENABLED)):
		return
	if not doc.realm_id:
		frappe.throw(_("Connect to QuickBooks before enabling."), title=_("Not connected"))
	missing = missing_tax_mappings(doc)
	if not missing:
		return
	lines = [_("Tax account {0}").format(frappe.bold(account)) for account in missing.accounts]
	lines += [_("Item Tax Template {0}").format(frappe.bold(template)) for template in missing.templates]
	if missing.exempt_code:
		lines.append(_("Tax Code for Untaxed Lines (the code for lines without tax)"))
	intro = _(
		"Outside the US every document line needs a QuickBooks tax code. These tax accounts and Item Tax Templates "
		"are used by the company's tax templates or by invoices since the Sync Start Date. Map them on the Tax "
		"Mapping tab, then enable:"
	)
	throw_list(_("Map the taxes before enabling"), intro, lines)


def throw_list(title: str, intro: str, items: list[str]) -> None:
	"""One error listing every item, so the user fixes everything in one go."""
	listing = "".join(f"<li>{item}</li>" for item in items)
	frappe.throw(f"{intro}<ul>{listing}</ul>", title=title)


def describe(problem: Problem, doc: "QuickBooksSettings") -> str:
	"""What is wrong with a row and what to do, in the user's language: the one rendering of the core's
	problems (templates translated, facts escaped), with the row's subject in bold."""
	subject = problem.facts.get("subject")
	return render(
		problem, _, lambda fact: frappe.bold(escape_html(fact)) if fact == subject else escape_html(fact)
	)


def is_us(doc: "QuickBooksSettings") -> bool:
	return (doc.qbo_country or "").upper() in US_COUNTRIES


def tax_rows(doc: "QuickBooksSettings") -> list[TaxMappingRow]:
	return [
		TaxMappingRow(
			row.idx, row.erpnext_tax_account or "", row.item_tax_template or "", row.qbo_tax_code or ""
		)
		for row in doc.tax_mappings
	]


def missing_tax_mappings(doc: "QuickBooksSettings") -> rules.MissingTaxMappings:
	accounts, templates = used_tax_sources(doc.company, doc.sync_start_date)
	return rules.missing_tax_mappings(is_us(doc), accounts, templates, tax_rows(doc), doc.exempt_tax_code)


def used_tax_sources(company: str, since: date | str | None) -> tuple[list[str], list[str]]:
	"""Every tax account (account_type Tax) and Item Tax Template the company's documents use or will use: those
	in the company's enabled Sales and Purchase Taxes and Charges Templates and Item Tax Templates (and the Item
	Tax Templates themselves), and those on its submitted Sales and Purchase Invoices posted on or after `since`.
	A new company with no invoice yet still needs the accounts of its templates mapped before its first one."""
	accounts, templates = template_tax_sources(company)
	invoice_accounts, invoice_templates = invoice_tax_sources(company, since)
	return sorted(accounts | invoice_accounts), sorted(templates | invoice_templates)


def template_tax_sources(company: str) -> tuple[set[str], set[str]]:
	"""Tax accounts in the company's enabled tax templates (Sales / Purchase Taxes and Charges Templates, Item Tax
	Templates), and its enabled Item Tax Templates."""
	accounts: set[str] = set()
	account = frappe.qb.DocType("Account")
	for template_doctype, table_doctype, account_field in TAX_TEMPLATE_TABLES:
		template = frappe.qb.DocType(template_doctype)
		table = frappe.qb.DocType(table_doctype)
		query = (
			frappe.qb.from_(table)
			.join(template)
			.on((template.name == table.parent) & (table.parenttype == template_doctype))
			.join(account)
			.on(account.name == table[account_field])
			.select(table[account_field])
			.distinct()
			.where(
				(template.company == company)
				& (IfNull(template.disabled, 0) == 0)
				& (account.account_type == "Tax")
			)
		)
		accounts.update(query.run(pluck=True))
	templates = set(
		frappe.get_all("Item Tax Template", filters={"company": company, "disabled": 0}, pluck="name")
	)
	return accounts, templates


def invoice_tax_sources(company: str, since: date | str | None) -> tuple[set[str], set[str]]:
	"""Tax accounts (account_type Tax) in the taxes tables, and Item Tax Templates on the items, of the
	company's submitted Sales and Purchase Invoices posted on or after `since`."""
	accounts: set[str] = set()
	templates: set[str] = set()
	account = frappe.qb.DocType("Account")
	for invoice_doctype, taxes_doctype, items_doctype in INVOICE_TABLES:
		invoice = frappe.qb.DocType(invoice_doctype)
		taxes = frappe.qb.DocType(taxes_doctype)
		items = frappe.qb.DocType(items_doctype)
		submitted = (invoice.docstatus == 1) & (invoice.company == company)
		if since:
			submitted &= invoice.posting_date >= since
		tax_query = (
			frappe.qb.from_(taxes)
			.join(invoice)
			.on((invoice.name == taxes.parent) & (taxes.parenttype == invoice_doctype))
			.join(account)
			.on(account.name == taxes.account_head)
			.select(taxes.account_head)
			.distinct()
			.where(submitted & (account.account_type == "Tax"))
		)
		template_query = (
			frappe.qb.from_(items)
			.join(invoice)
			.on((invoice.name == items.parent) & (items.parenttype == invoice_doctype))
			.select(items.item_tax_template)
			.distinct()
			.where(submitted & (IfNull(items.item_tax_template, "") != ""))
		)
		accounts.update(tax_query.run(pluck=True))
		templates.update(template_query.run(pluck=True))
	return accounts, templates


def tax_mapping_status(doc: "QuickBooksSettings") -> dict[str, Any]:
	"""What the Tax Mapping tab shows: the US explanation, or what is still unmapped."""
	if not doc.realm_id:
		return {"connected": False}
	if is_us(doc):
		return {"connected": True, "is_us": True}
	missing = missing_tax_mappings(doc)
	return {
		"connected": True,
		"is_us": False,
		"country": doc.qbo_country,
		"missing_accounts": list(missing.accounts),
		"missing_templates": list(missing.templates),
		"missing_exempt_code": missing.exempt_code,
	}


def stale_mappings(doc: "QuickBooksSettings") -> list[dict[str, Any]]:
	"""Mapped QuickBooks accounts that became inactive or disappeared at the last fetch."""
	qbo_accounts = load_qbo_accounts(row.qbo_account for row in doc.account_mappings)
	return [
		{
			"idx": row.idx,
			"erpnext_account": row.erpnext_account,
			"qbo_account": qbo_accounts[row.qbo_account].name,
		}
		for row in doc.account_mappings
		if row.qbo_account in qbo_accounts and not qbo_accounts[row.qbo_account].active
	]


# -- suggestions ---------------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def suggest_mappings(settings: str) -> dict[str, Any]:
	"""Add a mapping row for every unmapped ERPNext account the company uses for a purpose, with the QuickBooks
	account that matches best (see settings_rules.suggest_account). Existing rows are never changed."""
	doc = frappe.get_doc(SETTINGS, settings)
	doc.check_permission("write")
	added, unmatched = add_suggested_mappings(doc)
	if added:
		doc.save()
	return {"added": added, "unmatched": unmatched}


def add_suggested_mappings(doc: "QuickBooksSettings") -> tuple[list[dict[str, str]], list[dict[str, str]]]:
	candidates = [
		QboAccount(
			row.name,
			row.account_name,
			row.account_type,
			row.currency or "",
			active=True,
			settings=doc.name,
			qbo_id=row.qbo_id,
		)
		for row in frappe.get_all(
			ACCOUNT,
			filters={"settings": doc.name, "active": 1, "deleted_in_quickbooks": 0},
			fields=["name", "account_name", "account_type", "currency", "qbo_id"],
		)
	]
	if not candidates:
		frappe.throw(
			_("There are no QuickBooks accounts to suggest yet. Click Fetch QuickBooks Data first."),
			title=_("No QuickBooks data"),
		)
	abbr = frappe.get_cached_value("Company", doc.company, "abbr")
	mapped = {row.erpnext_account for row in doc.account_mappings}
	added, unmatched = [], []
	for purpose, account in accounts_by_purpose(doc.company):
		if account.name in mapped:
			continue
		mapped.add(account.name)
		match = rules.suggest_account(account, purpose, candidates, abbr)
		if match is None:
			unmatched.append({"purpose": purpose, "erpnext_account": account.name})
			continue
		doc.append(
			ACCOUNT_MAPPINGS,
			{"purpose": purpose, "erpnext_account": account.name, "qbo_account": match.key},
		)
		added.append({"purpose": purpose, "erpnext_account": account.name, "qbo_account": match.name})
	return added, unmatched


def accounts_by_purpose(company: str) -> list[tuple[str, ErpAccount]]:
	"""(purpose, account) for the company's leaf accounts that documents post to, each account once: the
	company's rounding, write-off and discount accounts, then receivable, payable, bank/cash and tax accounts
	by account type, then the remaining income and expense accounts."""
	accounts = {
		row.name: _erp_account(row)
		for row in frappe.get_all(
			"Account",
			filters={"company": company, "is_group": 0, "disabled": 0},
			fields=["name", "company", "is_group", "root_type", "account_type", "account_currency"],
			order_by="lft",
		)
	}
	defaults = frappe.get_cached_value(
		"Company",
		company,
		["round_off_account", "write_off_account", "default_discount_account"],
		as_dict=True,
	)
	chosen: list[tuple[str, ErpAccount]] = []
	for purpose, name in (
		(rules.ROUNDING, defaults.round_off_account),
		(rules.WRITE_OFF, defaults.write_off_account),
		(rules.DISCOUNT, defaults.default_discount_account),
	):
		if name in accounts:
			chosen.append((purpose, accounts[name]))
	by_type = {
		"Receivable": rules.RECEIVABLE,
		"Payable": rules.PAYABLE,
		"Bank": rules.BANK_AND_CASH,
		"Cash": rules.BANK_AND_CASH,
		"Tax": rules.TAX,
		# stock postings (mapping.stock): the inventory account and what was received but not billed
		"Stock": rules.STOCK,
		"Stock Received But Not Billed": rules.STOCK,
		"Asset Received But Not Billed": rules.STOCK,
		"Service Received But Not Billed": rules.STOCK,
	}
	by_root = {"Income": rules.INCOME, "Expense": rules.EXPENSE}
	# ERPNext marks some asset accounts Payable (Employee Advances): they are no QuickBooks A/P.
	party_root = {rules.RECEIVABLE: "Asset", rules.PAYABLE: "Liability"}
	for account in accounts.values():
		purpose = by_type.get(account.account_type)
		if purpose in party_root and account.root_type != party_root[purpose]:
			continue
		purpose = purpose or by_root.get(account.root_type)
		if purpose:
			chosen.append((purpose, account))
	seen: set[str] = set()
	return [
		(purpose, account)
		for purpose, account in chosen
		if not (account.name in seen or seen.add(account.name))
	]


# -- loading records for the rules ---------------------------------------------------------------------------


def load_erp_accounts(names: Iterable[str]) -> dict[str, ErpAccount]:
	names = sorted({name for name in names if name})
	if not names:
		return {}
	rows = frappe.get_all(
		"Account",
		filters={"name": ("in", names)},
		fields=["name", "company", "is_group", "root_type", "account_type", "account_currency"],
	)
	return {row.name: _erp_account(row) for row in rows}


def load_qbo_accounts(keys: Iterable[str]) -> dict[str, QboAccount]:
	keys = sorted({key for key in keys if key})
	if not keys:
		return {}
	rows = frappe.get_all(
		ACCOUNT,
		filters={"name": ("in", keys)},
		fields=[
			"name",
			"account_name",
			"account_type",
			"currency",
			"active",
			"deleted_in_quickbooks",
			"settings",
			"qbo_id",
		],
	)
	return {
		row.name: QboAccount(
			row.name,
			row.account_name or row.name,
			row.account_type or "",
			row.currency or "",
			active=bool(row.active) and not row.deleted_in_quickbooks,
			settings=row.settings,
			qbo_id=row.qbo_id,
		)
		for row in rows
	}


def load_tax_codes(keys: Iterable[str]) -> dict[str, QboTaxCode]:
	keys = sorted({key for key in keys if key})
	if not keys:
		return {}
	rows = frappe.get_all(
		TAX_CODE,
		filters={"name": ("in", keys)},
		fields=["name", "tax_code_name", "active", "deleted_in_quickbooks", "settings"],
	)
	return {
		row.name: QboTaxCode(
			row.name,
			row.tax_code_name or row.name,
			active=bool(row.active) and not row.deleted_in_quickbooks,
			settings=row.settings,
		)
		for row in rows
	}


def _erp_account(row: Any) -> ErpAccount:
	return ErpAccount(
		row.name,
		row.company,
		is_group=bool(row.is_group),
		root_type=row.root_type or "",
		account_type=row.account_type or "",
		currency=row.account_currency or "",
	)
