"""Rules for the mappings in QuickBooks Settings, and the heuristic that suggests account mappings.

Framework-free: the Frappe controller loads the accounts into the plain records below, calls these functions
and turns the returned `Problem`s into one translated message with `mapping.errors.render`, as it does for sync
records and the pre-submit check. Each problem carries its `code`, the templates of that code (`TEMPLATES`, marked
for translation) and its facts: always `subject` (the account, template or QuickBooks record it is about) and the
table `row` when there is one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quickbooks_connector.mapping.errors import Problem, _

INCOME = "Income"
EXPENSE = "Expense"
RECEIVABLE = "Receivable"
PAYABLE = "Payable"
BANK_AND_CASH = "Bank and Cash"
TAX = "Tax"
DISCOUNT = "Discount"
ROUNDING = "Rounding"
WRITE_OFF = "Write Off"
STOCK = "Stock"
OTHER = "Other"
PURPOSES = (
	INCOME,
	EXPENSE,
	RECEIVABLE,
	PAYABLE,
	BANK_AND_CASH,
	TAX,
	DISCOUNT,
	ROUNDING,
	WRITE_OFF,
	STOCK,
	OTHER,
)

# QuickBooks AccountType values a purpose may post to, most natural first (suggestions prefer earlier ones).
# Two purposes depend on the ERPNext account itself, see `fitting_types`.
_TYPES_BY_PURPOSE: dict[str, tuple[str, ...]] = {
	RECEIVABLE: ("Accounts Receivable",),
	PAYABLE: ("Accounts Payable",),
	BANK_AND_CASH: ("Bank",),
	INCOME: ("Income", "Other Income"),
	EXPENSE: ("Expense", "Cost of Goods Sold", "Other Expense"),
	TAX: ("Other Current Liability",),
	DISCOUNT: ("Income", "Expense"),
	ROUNDING: ("Expense", "Other Expense", "Income"),
	WRITE_OFF: ("Expense", "Other Expense", "Income"),
	# the inventory account of stock journals: an Other Current Asset no QuickBooks inventory item uses
	STOCK: ("Other Current Asset",),
}
CREDIT_CARD = "Credit Card"
INPUT_TAX = "Other Current Asset"


@dataclass(frozen=True)
class ErpAccount:
	"""An ERPNext Account, as far as the rules care."""

	name: str
	company: str
	is_group: bool = False
	root_type: str = ""  # Asset, Liability, Equity, Income, Expense
	account_type: str = ""  # ERPNext account_type: Receivable, Payable, Bank, Cash, Tax, ...
	currency: str = ""


@dataclass(frozen=True)
class QboAccount:
	"""A QuickBooks account from the fetched reference data; `key` is what a mapping row links to."""

	key: str
	name: str
	account_type: str
	currency: str = ""  # empty when QuickBooks gave none
	active: bool = True
	settings: str = ""  # the QuickBooks Settings (connection) it was fetched for
	qbo_id: str = ""


@dataclass(frozen=True)
class QboTaxCode:
	key: str
	name: str
	active: bool = True
	settings: str = ""


@dataclass(frozen=True)
class AccountMappingRow:
	idx: int
	purpose: str
	erpnext_account: str
	qbo_account: str


@dataclass(frozen=True)
class TaxMappingRow:
	idx: int
	erpnext_tax_account: str
	item_tax_template: str
	qbo_tax_code: str

	@property
	def source(self) -> str:
		return self.erpnext_tax_account or self.item_tax_template


# Problem codes
UNKNOWN_PURPOSE = "unknown_purpose"
ACCOUNT_NOT_FOUND = "account_not_found"
OTHER_COMPANY = "other_company"
GROUP_ACCOUNT = "group_account"
QBO_ACCOUNT_NOT_FOUND = "qbo_account_not_found"
OTHER_CONNECTION = "other_connection"
QBO_INACTIVE = "qbo_inactive"
TYPE_MISMATCH = "type_mismatch"
CURRENCY_MISMATCH = "currency_mismatch"
DUPLICATE = "duplicate"
CONFLICT = "conflict"
TAX_ROW_SOURCE = "tax_row_source"
TAX_CODE_NOT_FOUND = "tax_code_not_found"
TAX_CODE_INACTIVE = "tax_code_inactive"

# code -> (message, fix). The rows' table and number go before them on the form ("Account Mapping row 2: ...").
TEMPLATES: dict[str, tuple[str, str]] = {
	UNKNOWN_PURPOSE: (_("purpose {subject} is unknown."), _("Choose one of: {purposes}.")),
	ACCOUNT_NOT_FOUND: (_("ERPNext account {subject} does not exist."), _("Choose an existing account.")),
	OTHER_COMPANY: (
		_("ERPNext account {subject} belongs to {company}, not {own_company}."),
		_("Choose an account of {own_company}."),
	),
	GROUP_ACCOUNT: (
		_("ERPNext account {subject} is a group; nothing posts to it."),
		_("Map its child accounts instead."),
	),
	QBO_ACCOUNT_NOT_FOUND: (
		_("QuickBooks account {subject} is not in the fetched QuickBooks data."),
		_("Click Fetch QuickBooks Data and choose the account again."),
	),
	OTHER_CONNECTION: (
		_("{subject} belongs to the QuickBooks connection of {settings}."),
		_("Choose one of this connection's."),
	),
	QBO_INACTIVE: (
		_("QuickBooks account {subject} is inactive or deleted in QuickBooks."),
		_("Choose an active account (or make it active in QuickBooks and fetch again)."),
	),
	TYPE_MISMATCH: (
		_(
			"QuickBooks account {subject} is of type {qbo_type}, which does not fit purpose {purpose} for "
			"{erpnext_account}."
		),
		_("Choose a QuickBooks account of type {allowed}."),
	),
	CURRENCY_MISMATCH: (
		_(
			"ERPNext account {erpnext_account} is in {erpnext_currency} but QuickBooks account {subject} is in "
			"{qbo_currency}."
		),
		_("Choose a QuickBooks account in {erpnext_currency}."),
	),
	DUPLICATE: (
		_("{subject} is already mapped for {purpose} in row {first_row}."),
		_("Delete one of the two rows."),
	),
	CONFLICT: (
		_(
			"{subject} is mapped to another QuickBooks account in row {first_row} ({first_purpose}); an ERPNext "
			"account posts to one QuickBooks account only."
		),
		_("Use the same QuickBooks account in both rows or delete one."),
	),
	TAX_ROW_SOURCE: (_("fill in exactly one of ERPNext Tax Account and Item Tax Template."), ""),
	TAX_CODE_NOT_FOUND: (
		_("QuickBooks tax code {subject} is not in the fetched QuickBooks data."),
		_("Click Fetch QuickBooks Data and choose the tax code again."),
	),
	TAX_CODE_INACTIVE: (
		_("QuickBooks tax code {subject} is inactive in QuickBooks."),
		_("Choose an active tax code."),
	),
}
# Facts that are purposes (Select options of the mapping table): translated with the templates
_TERMS = ("purpose", "first_purpose")


def problem(code: str, row: int | None, subject: str, **facts: Any) -> Problem:
	"""The problem `code` with row `row` (None: not in a table) about `subject`."""
	message, fix = TEMPLATES[code]
	where = {"row": row} if row is not None else {}
	terms = [name for name in _TERMS if name in facts]
	return Problem.of(code, message, fix, terms=terms, **where, subject=subject, **facts)


def fitting_types(purpose: str, account: ErpAccount | None) -> tuple[str, ...]:
	"""QuickBooks account types an ERPNext account may be mapped to for `purpose`.

	A credit card is a liability paid like a bank account: only a Liability bank account may map to a QuickBooks
	Credit Card account. Input tax (VAT reclaimable) is an asset: only an Asset tax account may map to Other
	Current Asset. Stock accounts are assets, Stock Received But Not Billed (a Liability) maps to Other Current
	Liability. "Other" accepts any type.
	"""
	types = _TYPES_BY_PURPOSE.get(purpose, ())
	root_type = account.root_type if account else ""
	if purpose == BANK_AND_CASH and root_type == "Liability":
		types = (CREDIT_CARD, *types)
	if purpose == TAX and root_type == "Asset":
		types = (*types, INPUT_TAX)
	if purpose == STOCK and root_type == "Liability":
		types = ("Other Current Liability",)
	return types


def check_account_mappings(
	rows: Sequence[AccountMappingRow],
	company: str,
	settings: str,
	erp_accounts: Mapping[str, ErpAccount],
	qbo_accounts: Mapping[str, QboAccount],
) -> list[Problem]:
	"""Every problem of the account mapping table, in row order."""
	problems: list[Problem] = []
	for row in rows:
		problems.extend(_account_row_problems(row, company, settings, erp_accounts, qbo_accounts))
	problems.extend(_repeated_accounts(rows))
	return sorted(problems, key=lambda problem: problem.row or 0)


def _account_row_problems(
	row: AccountMappingRow,
	company: str,
	settings: str,
	erp_accounts: Mapping[str, ErpAccount],
	qbo_accounts: Mapping[str, QboAccount],
) -> list[Problem]:
	problems = []
	if row.purpose not in PURPOSES:
		problems.append(problem(UNKNOWN_PURPOSE, row.idx, row.purpose, purposes=", ".join(PURPOSES)))
	erp = erp_accounts.get(row.erpnext_account)
	problems.extend(_erp_account_problems(row.idx, row.erpnext_account, erp, company))
	qbo = qbo_accounts.get(row.qbo_account)
	if qbo is None:
		problems.append(problem(QBO_ACCOUNT_NOT_FOUND, row.idx, row.qbo_account))
		return problems
	if qbo.settings and qbo.settings != settings:
		problems.append(problem(OTHER_CONNECTION, row.idx, qbo.name, settings=qbo.settings))
	if not qbo.active:
		problems.append(problem(QBO_INACTIVE, row.idx, qbo.name))
	allowed = fitting_types(row.purpose, erp)
	if row.purpose in _TYPES_BY_PURPOSE and qbo.account_type not in allowed:
		facts = {
			"purpose": row.purpose,
			"qbo_type": qbo.account_type or "?",
			"allowed": ", ".join(allowed),
			"erpnext_account": row.erpnext_account,
		}
		problems.append(problem(TYPE_MISMATCH, row.idx, qbo.name, **facts))
	if erp and qbo.currency and erp.currency and erp.currency.upper() != qbo.currency.upper():
		facts = {"erpnext_account": erp.name, "erpnext_currency": erp.currency, "qbo_currency": qbo.currency}
		problems.append(problem(CURRENCY_MISMATCH, row.idx, qbo.name, **facts))
	return problems


def _erp_account_problems(idx: int, name: str, erp: ErpAccount | None, company: str) -> list[Problem]:
	if erp is None:
		return [problem(ACCOUNT_NOT_FOUND, idx, name)]
	problems = []
	if erp.company != company:
		problems.append(problem(OTHER_COMPANY, idx, name, company=erp.company, own_company=company))
	if erp.is_group:
		problems.append(problem(GROUP_ACCOUNT, idx, name))
	return problems


def _repeated_accounts(rows: Sequence[AccountMappingRow]) -> list[Problem]:
	"""An account twice for one purpose is a duplicate; for two purposes it must name one QuickBooks account,
	because a push looks accounts up by ERPNext account, whatever the purpose."""
	problems = []
	first_row: dict[tuple[str, str], AccountMappingRow] = {}
	first_target: dict[str, AccountMappingRow] = {}
	for row in rows:
		if not row.erpnext_account:
			continue
		earlier = first_row.setdefault((row.purpose, row.erpnext_account), row)
		if earlier is not row:
			facts = {"purpose": row.purpose, "first_row": str(earlier.idx)}
			problems.append(problem(DUPLICATE, row.idx, row.erpnext_account, **facts))
			continue
		target = first_target.setdefault(row.erpnext_account, row)
		if target.qbo_account and row.qbo_account and target.qbo_account != row.qbo_account:
			facts = {"first_row": str(target.idx), "purpose": row.purpose, "first_purpose": target.purpose}
			problems.append(problem(CONFLICT, row.idx, row.erpnext_account, **facts))
	return problems


def check_tax_mappings(
	rows: Sequence[TaxMappingRow],
	company: str,
	settings: str,
	erp_accounts: Mapping[str, ErpAccount],
	tax_codes: Mapping[str, QboTaxCode],
) -> list[Problem]:
	"""Every problem of the tax mapping table: one source per row, the company's own leaf accounts, active
	QuickBooks tax codes of this connection, and no source mapped twice."""
	problems: list[Problem] = []
	seen: dict[str, int] = {}
	for row in rows:
		if bool(row.erpnext_tax_account) == bool(row.item_tax_template):
			problems.append(problem(TAX_ROW_SOURCE, row.idx, row.source or row.qbo_tax_code))
		elif row.erpnext_tax_account:
			erp = erp_accounts.get(row.erpnext_tax_account)
			problems.extend(_erp_account_problems(row.idx, row.erpnext_tax_account, erp, company))
		if row.source:
			first = seen.setdefault(row.source, row.idx)
			if first != row.idx:
				problems.append(problem(DUPLICATE, row.idx, row.source, purpose=TAX, first_row=str(first)))
		problems.extend(_tax_code_problems(row.idx, row.qbo_tax_code, settings, tax_codes))
	return problems


def check_tax_code(key: str, settings: str, tax_codes: Mapping[str, QboTaxCode]) -> list[Problem]:
	"""The problems of a tax code chosen outside the tables (the Tax Code for Untaxed Lines): no row."""
	return _tax_code_problems(None, key, settings, tax_codes)


def _tax_code_problems(
	idx: int | None, key: str, settings: str, tax_codes: Mapping[str, QboTaxCode]
) -> list[Problem]:
	code = tax_codes.get(key)
	if code is None:
		return [problem(TAX_CODE_NOT_FOUND, idx, key)]
	problems = []
	if code.settings and code.settings != settings:
		problems.append(problem(OTHER_CONNECTION, idx, code.name, settings=code.settings))
	if not code.active:
		problems.append(problem(TAX_CODE_INACTIVE, idx, code.name))
	return problems


@dataclass(frozen=True)
class MissingTaxMappings:
	"""What a non-US connection still needs before documents can be pushed."""

	accounts: tuple[str, ...] = ()
	templates: tuple[str, ...] = ()
	exempt_code: bool = False

	def __bool__(self) -> bool:
		return bool(self.accounts or self.templates or self.exempt_code)


def missing_tax_mappings(
	is_us: bool,
	used_tax_accounts: Iterable[str],
	used_templates: Iterable[str],
	rows: Sequence[TaxMappingRow],
	exempt_tax_code: str | None,
) -> MissingTaxMappings:
	"""Outside the US every line carries a real tax code, so every tax account and Item Tax Template the
	company's invoices use must name one, and untaxed lines need the exempt code. US companies need none:
	QuickBooks computes the sales tax itself."""
	if is_us:
		return MissingTaxMappings()
	mapped = {row.source for row in rows if row.qbo_tax_code}
	return MissingTaxMappings(
		accounts=tuple(sorted(set(used_tax_accounts) - mapped)),
		templates=tuple(sorted(set(used_templates) - mapped)),
		exempt_code=not exempt_tax_code,
	)


# -- suggestions ---------------------------------------------------------------------------------------------

# Words that say nothing about what an account is for. "Expense" and "income" are dropped too: the purpose
# already limits the candidates to expense or income accounts, and those words would match them all.
_NOISE = frozenset(
	{"a", "an", "and", "or", "of", "the", "in", "on", "to", "for", "by", "with", "from"}
	| {"account", "accounts", "ac", "acct", "expense", "expenses", "income"}
)
# ERPNext's and QuickBooks' words for the same thing, reduced to one.
_SYNONYMS = {
	"debtors": "receivable",
	"debtor": "receivable",
	"ar": "receivable",
	"creditors": "payable",
	"creditor": "payable",
	"ap": "payable",
	"revenue": "sales",
	"costs": "cost",
	"cogs": "cost",
	"vat": "tax",
	"gst": "tax",
	"hst": "tax",
	"duties": "tax",
	"taxes": "tax",
	"checking": "bank",
	"discounts": "discount",
	"roundoff": "rounding",
	"round": "rounding",
	"writeoff": "write",
	"mastercard": "card",
	"visa": "card",
	"amex": "card",
	"advertising": "marketing",
	"advertisement": "marketing",
	"promotion": "marketing",
	"stock": "inventory",
	"inventories": "inventory",
}
_WORD = re.compile(r"[a-z0-9]+")
_ABBREVIATIONS = re.compile(r"\b([a-z])/([a-z])\b")  # "A/R" -> "ar"


def name_words(name: str, company_abbr: str = "") -> frozenset[str]:
	"""The meaningful words of an account name: the ERPNext " - ABBR" suffix, account numbers, punctuation and
	filler words dropped, plurals and synonyms folded ("Debtors" and "Accounts Receivable (A/R)" share
	"receivable")."""
	if company_abbr and name.endswith(f" - {company_abbr}"):
		name = name[: -len(company_abbr) - 3]
	words = set()
	for word in _WORD.findall(
		_ABBREVIATIONS.sub(lambda match: match.group(1) + match.group(2), name.lower())
	):
		if word.isdigit() or len(word) < 2 or word in _NOISE:
			continue
		word = _singular(_SYNONYMS.get(word, word))
		words.add(_SYNONYMS.get(word, word))
	return frozenset(words)


def head_word(name: str, company_abbr: str = "") -> str | None:
	"""The last meaningful word of an account name, which says what it is ("Office Rent" is rent)."""
	if company_abbr and name.endswith(f" - {company_abbr}"):
		name = name[: -len(company_abbr) - 3]
	last = [word for word in _WORD.findall(name.lower()) if name_words(word)]
	return next(iter(name_words(last[-1]))) if last else None


def _singular(word: str) -> str:
	if len(word) > 4 and word.endswith("ies"):
		return word[:-3] + "y"
	if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
		return word[:-1]
	return word


def similarity(left: frozenset[str], right: frozenset[str]) -> float:
	"""Jaccard similarity of two word sets: shared words / all words."""
	if not left or not right:
		return 0.0
	return len(left & right) / len(left | right)


def suggest_account(
	account: ErpAccount,
	purpose: str,
	candidates: Sequence[QboAccount],
	company_abbr: str = "",
) -> QboAccount | None:
	"""The QuickBooks account an ERPNext account most likely corresponds to, or None when there is no basis.

	Heuristic, in order:
	1. Only active QuickBooks accounts whose type fits the purpose (`fitting_types`) and whose currency agrees
	   with the ERPNext account's are candidates.
	2. A candidate named with the ERPNext name's head noun, its last meaningful word, comes first ("Office Rent"
	   is rent, so "Rent or Lease" beats "Office Expenses"); then the highest word similarity between the names
	   (`name_words`, Jaccard); then the type listed first for the purpose (Expense before Other Expense); then
	   the lower QuickBooks id.
	3. When no candidate shares a word with the ERPNext name, the only candidate is still suggested (e.g. the one
	   A/R account); with several candidates and no shared word nothing is suggested rather than a guess.
	"""
	allowed = fitting_types(purpose, account)
	fitting = [
		candidate
		for candidate in candidates
		if candidate.active
		and candidate.account_type in allowed
		and _currency_agrees(account.currency, candidate.currency)
	]
	if not fitting:
		return None
	words = name_words(account.name, company_abbr)
	head = head_word(account.name, company_abbr)

	def rank(candidate: QboAccount) -> tuple[bool, float, int, int]:
		candidate_words = name_words(candidate.name)
		return (
			head not in candidate_words,
			-similarity(words, candidate_words),
			allowed.index(candidate.account_type),
			_id_order(candidate.qbo_id),
		)

	best = min(fitting, key=rank)
	if similarity(words, name_words(best.name)) == 0 and len(fitting) > 1:
		return None
	return best


def _currency_agrees(erp_currency: str, qbo_currency: str) -> bool:
	return not erp_currency or not qbo_currency or erp_currency.upper() == qbo_currency.upper()


def _id_order(qbo_id: str) -> int:
	return int(qbo_id) if qbo_id.isdigit() else 0
