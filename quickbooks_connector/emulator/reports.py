"""The Reports API: ``GET /v3/company/{realmId}/reports/{Name}`` for TrialBalance, GeneralLedger and
TransactionList (qbo-api.md §6b), computed from the postings of ledger.py.

Parameters: ``start_date`` and ``end_date`` (``YYYY-MM-DD``; a bad date is fault 2010), or ``date_macro``
(``Today``, ``This Month``, ``This Month-to-date``, ``Last Month``, ``This Fiscal Year``, ``This Fiscal
Year-to-date``, ``Last Fiscal Year``; default ``This Month-to-date`` [U: Intuit's default differs per report]),
``accounting_method`` ``Accrual`` (default [U: QuickBooks defaults to the company's report preference]) or
``Cash`` (else fault 2170), ``account`` (comma-separated Account Ids) and, for GeneralLedger and
TransactionList, ``columns`` (comma-separated column keys; unknown keys are ignored [U]).

Answer (no ``time`` envelope, as Intuit's reports): ``Header`` (``Time``, ``ReportName``, ``StartPeriod``,
``EndPeriod``, ``ReportBasis``, ``Currency`` = home currency, ``Option`` with ``NoReportData``), ``Columns``
(``ColTitle``, ``ColType``, ``MetaData`` ``ColKey``) and ``Rows``; money as strings with two decimals, ``""``
for none.

* TrialBalance: one Data row per account with a balance on ``end_date`` (``[name with id, Debit, Credit]``);
  balance-sheet accounts from the beginning, income and expense accounts from the start of the fiscal year
  that holds ``end_date`` (``CompanyInfo.FiscalYearStartMonth``); earlier income and expense is in Retained
  Earnings. Last row: Section ``group: "GrandTotal"`` with ``Summary`` ``["TOTAL", debits, credits]``.
  ``start_date`` does not change the balances [U].
* GeneralLedger: one Section per account with a beginning balance or activity in the period: ``Header``
  (account name with id), ``Rows`` = a "Beginning Balance" row then one Data row per transaction on the
  account (``txn_type`` cell carries the transaction ``id``, ``name`` the party's), ``Summary`` "Total for
  <account>". Default columns ``tx_date, txn_type, doc_num, name, memo, split_acc, subt_nat_amount,
  rbal_nat_amount``; ``debt_amt``, ``credit_amt`` and ``account_name`` on request [U: those keys]. Amounts
  in the account's natural sign (debits positive on assets and expenses, credits positive on liabilities,
  equity and income) [U]. ``split_acc`` names the other account, or ``-Split-`` when there are several.
* TransactionList: one Data row per transaction in the period (date, type with id, number, name, memo,
  account, split, amount = its home total) [U: Intuit's default columns].

Voided transactions are listed with zero amounts; deleted ones are not. Reports count against the request
limits like every call. Other report names are fault 5020 ("not supported") [U: QuickBooks has many more].
Sub-account nesting, ``summarize_column_by`` and ``sort_by`` are not emulated (rows are in account type
order, then by name; transactions by date, then Id).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from quickbooks_connector.emulator import faults
from quickbooks_connector.emulator.clock import iso_datetime, pacific_date
from quickbooks_connector.emulator.ledger import ACCRUAL, CASH, Posting, postings
from quickbooks_connector.emulator.store import Realm
from quickbooks_connector.emulator.totals import ZERO

REPORTS = ("TrialBalance", "GeneralLedger", "TransactionList")
DEBIT_NATURE = {"Asset", "Expense"}
PROFIT_AND_LOSS = {"Revenue", "Expense"}
TYPE_ORDER = (
	"Bank",
	"Accounts Receivable",
	"Other Current Asset",
	"Fixed Asset",
	"Other Asset",
	"Accounts Payable",
	"Credit Card",
	"Other Current Liability",
	"Long Term Liability",
	"Equity",
	"Income",
	"Cost of Goods Sold",
	"Expense",
	"Other Income",
	"Other Expense",
)
TXN_TYPES = {
	"Invoice": "Invoice",
	"CreditMemo": "Credit Memo",
	"SalesReceipt": "Sales Receipt",
	"RefundReceipt": "Refund",
	"Bill": "Bill",
	"VendorCredit": "Vendor Credit",
	"Purchase": "Expense",
	"Payment": "Payment",
	"BillPayment": "Bill Payment (Check)",
	"JournalEntry": "Journal Entry",
	"Deposit": "Deposit",
	"Transfer": "Transfer",
	"CreditCardPayment": "Credit Card Payment",
}
COLUMNS = {  # key -> (ColTitle, ColType)
	"tx_date": ("Date", "Date"),
	"txn_type": ("Transaction Type", "String"),
	"doc_num": ("Num", "String"),
	"name": ("Name", "String"),
	"memo": ("Memo/Description", "String"),
	"account_name": ("Account", "String"),
	"split_acc": ("Split", "String"),
	"debt_amt": ("Debit", "Money"),
	"credit_amt": ("Credit", "Money"),
	"subt_nat_amount": ("Amount", "Money"),
	"rbal_nat_amount": ("Balance", "Money"),
}
GL_DEFAULT = (
	"tx_date",
	"txn_type",
	"doc_num",
	"name",
	"memo",
	"split_acc",
	"subt_nat_amount",
	"rbal_nat_amount",
)
LIST_DEFAULT = (
	"tx_date",
	"txn_type",
	"doc_num",
	"name",
	"memo",
	"account_name",
	"split_acc",
	"subt_nat_amount",
)


def run(realm: Realm, name: str, params: dict[str, str], now: float) -> dict[str, Any]:
	report = next((known for known in REPORTS if known.lower() == name.lower()), None)
	if report is None:
		raise faults.unsupported(f"Report {name} is not supported.")
	options = _Options.parse(realm, params, now)
	with realm.lock:
		ledger = list(postings(realm, options.basis))
		accounts = {obj["Id"]: obj for obj in realm.all("Account")}
		fiscal_start = _fiscal_year_start(realm, options.end)
	if report == "TrialBalance":
		columns, rows = _trial_balance(
			ledger, accounts, options, fiscal_start, realm.roles["retained_earnings"]
		)
	elif report == "GeneralLedger":
		columns, rows = _general_ledger(ledger, accounts, options, _fiscal_year_start(realm, options.start))
	else:
		columns, rows = _transaction_list(ledger, accounts, options)
	header = {
		"Time": iso_datetime(now),
		"ReportName": report,
		"StartPeriod": options.start.isoformat(),
		"EndPeriod": options.end.isoformat(),
		"ReportBasis": options.basis,
		"Currency": realm.settings.home_currency,
		"Option": [
			{
				"Name": "NoReportData",
				"Value": "false" if any("ColData" in row or "Rows" in row for row in rows) else "true",
			}
		],
	}
	return {"Header": header, "Columns": {"Column": columns}, "Rows": {"Row": rows}}


class _Options:
	def __init__(self, start: date, end: date, basis: str, accounts: set[str] | None, columns: tuple) -> None:
		self.start, self.end, self.basis, self.accounts, self.columns = start, end, basis, accounts, columns

	@classmethod
	def parse(cls, realm: Realm, params: dict[str, str], now: float) -> _Options:
		lowered = {key.lower(): value for key, value in params.items()}
		today = date.fromisoformat(pacific_date(now))
		start, end = _macro(realm, lowered.get("date_macro") or "This Month-to-date", today)
		start = _date(lowered, "start_date", start)
		end = _date(lowered, "end_date", end)
		basis = lowered.get("accounting_method") or ACCRUAL
		if basis not in (ACCRUAL, CASH):
			raise faults.invalid_enum("accounting_method", basis)
		accounts = {part.strip() for part in lowered.get("account", "").split(",") if part.strip()} or None
		columns = tuple(
			key for key in (part.strip() for part in lowered.get("columns", "").split(",")) if key in COLUMNS
		)
		return cls(start, end, basis, accounts, columns)


def _date(params: dict[str, str], key: str, default: date) -> date:
	if not params.get(key):
		return default
	try:
		return date.fromisoformat(params[key])
	except ValueError:
		raise faults.invalid_property(f"{key} must be a date as YYYY-MM-DD, got {params[key]!r}", key)


def _macro(realm: Realm, macro: str, today: date) -> tuple[date, date]:
	month_start = today.replace(day=1)
	month_end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
	fiscal = _fiscal_year_start(realm, today)
	fiscal_end = fiscal.replace(year=fiscal.year + 1) - timedelta(days=1)
	last_month_end = month_start - timedelta(days=1)
	known = {
		"today": (today, today),
		"this month": (month_start, month_end),
		"this month-to-date": (month_start, today),
		"last month": (last_month_end.replace(day=1), last_month_end),
		"this fiscal year": (fiscal, fiscal_end),
		"this fiscal year-to-date": (fiscal, today),
		"last fiscal year": (fiscal.replace(year=fiscal.year - 1), fiscal - timedelta(days=1)),
	}
	if macro.lower() not in known:
		raise faults.invalid_enum("date_macro", macro)
	return known[macro.lower()]


def _fiscal_year_start(realm: Realm, day: date) -> date:
	info = realm.get("CompanyInfo", "1") or {}
	names = [name.lower() for name in calendar.month_name]
	month = names.index(str(info.get("FiscalYearStartMonth") or "January").lower()) or 1
	start = date(day.year, month, 1)
	return start if start <= day else start.replace(year=day.year - 1)


# TrialBalance


def _trial_balance(
	ledger: list[Posting], accounts: dict, options: _Options, fiscal_start: date, retained: str
) -> tuple[list[dict], list[dict]]:
	balances: dict[str, Decimal] = defaultdict(Decimal)
	for posting in ledger:
		day = date.fromisoformat(posting.date)
		if day > options.end:
			continue
		account = posting.account
		if _classification(accounts, account) in PROFIT_AND_LOSS and day < fiscal_start:
			account = retained  # earlier years' income and expense are closed into Retained Earnings
		balances[account] += posting.amount
	rows, debits, credits = [], ZERO, ZERO
	for account in _ordered(accounts, balances):
		balance = balances[account]
		if not balance or (options.accounts and account not in options.accounts):
			continue
		debit, credit = (balance, ZERO) if balance > 0 else (ZERO, -balance)
		debits, credits = debits + debit, credits + credit
		rows.append(
			{
				"ColData": [_account_cell(accounts, account), _money(debit), _money(credit)],
				"type": "Data",
			}
		)
	rows.append(
		{
			"Summary": {"ColData": [{"value": "TOTAL"}, _money(debits, True), _money(credits, True)]},
			"type": "Section",
			"group": "GrandTotal",
		}
	)
	columns = [_column("", "Account", "account"), _column("Debit", "Money", "debit")]
	return [*columns, _column("Credit", "Money", "credit")], rows


# GeneralLedger


def _general_ledger(
	ledger: list[Posting], accounts: dict, options: _Options, fiscal_start: date
) -> tuple[list[dict], list[dict]]:
	keys = options.columns or GL_DEFAULT
	by_txn = _by_transaction(ledger)
	opening: dict[str, Decimal] = defaultdict(Decimal)
	activity: dict[str, list[Posting]] = defaultdict(list)
	for posting in ledger:
		day = date.fromisoformat(posting.date)
		if day > options.end:
			continue
		if day >= options.start:
			activity[posting.account].append(posting)
		elif _classification(accounts, posting.account) not in PROFIT_AND_LOSS or day >= fiscal_start:
			opening[posting.account] += posting.amount
	rows = []
	for account in _ordered(accounts, set(opening) | set(activity)):
		if options.accounts and account not in options.accounts:
			continue
		if not opening[account] and not activity[account]:
			continue
		rows.append(_account_section(account, accounts, keys, opening[account], activity[account], by_txn))
	return [_column(*COLUMNS[key], key) for key in keys], rows


def _account_section(
	account: str,
	accounts: dict,
	keys: tuple,
	opening: Decimal,
	entries: list[Posting],
	by_txn: dict[tuple[str, str], list[Posting]],
) -> dict[str, Any]:
	sign = 1 if _classification(accounts, account) in DEBIT_NATURE else -1
	balance = sign * opening
	first = {key: "" for key in keys}
	first[keys[0]] = "Beginning Balance"
	if "rbal_nat_amount" in keys:
		first["rbal_nat_amount"] = _money(balance, True)["value"]
	rows = [{"ColData": [{"value": first[key]} for key in keys], "type": "Data"}]
	debits = credits = ZERO
	for posting in sorted(entries, key=lambda p: (p.date, int(p.txn_id))):
		balance += sign * posting.amount
		debits += max(posting.amount, ZERO)
		credits += max(-posting.amount, ZERO)
		rows.append(_gl_row(posting, accounts, keys, sign, balance, by_txn))
	total = {key: {"value": ""} for key in keys}
	total[keys[0]] = {"value": f"Total for {_account_name(accounts, account)}"}
	for key, value in (
		("subt_nat_amount", sign * (debits - credits)),
		("debt_amt", debits),
		("credit_amt", credits),
	):
		if key in keys:
			total[key] = _money(value, True)
	return {
		"Header": {"ColData": [_account_cell(accounts, account)] + [{"value": ""} for _ in keys[1:]]},
		"Rows": {"Row": rows},
		"Summary": {"ColData": [total[key] for key in keys]},
		"type": "Section",
	}


def _gl_row(
	posting: Posting,
	accounts: dict,
	keys: tuple,
	sign: int,
	balance: Decimal,
	by_txn: dict[tuple[str, str], list[Posting]],
) -> dict[str, Any]:
	others = [p.account for p in by_txn[(posting.entity, posting.txn_id)] if p.account != posting.account]
	cells = {
		"tx_date": {"value": posting.date},
		"txn_type": {"value": TXN_TYPES[posting.entity], "id": posting.txn_id},
		"doc_num": {"value": posting.doc_number},
		"name": {"value": posting.party[1], "id": posting.party[0]} if posting.party else {"value": ""},
		"memo": {"value": posting.memo},
		"account_name": _account_cell(accounts, posting.account),
		"split_acc": _account_cell(accounts, others[0]) if len(others) == 1 else {"value": "-Split-"},
		"debt_amt": _money(max(posting.amount, ZERO), posting.voided),
		"credit_amt": _money(max(-posting.amount, ZERO)),
		"subt_nat_amount": _money(sign * posting.amount, True),
		"rbal_nat_amount": _money(balance, True),
	}
	return {"ColData": [cells[key] for key in keys], "type": "Data"}


# TransactionList


def _transaction_list(ledger: list[Posting], accounts: dict, options: _Options) -> tuple[list[dict], list]:
	keys = options.columns or LIST_DEFAULT
	rows = []
	for (_, _), entries in sorted(
		_by_transaction(ledger).items(), key=lambda item: (item[1][0].date, int(item[0][1]))
	):
		head = entries[0]
		day = date.fromisoformat(head.date)
		if not options.start <= day <= options.end:
			continue
		if options.accounts and not {p.account for p in entries} & options.accounts:
			continue
		amount = sum((p.amount for p in entries if p.amount > 0), ZERO)
		others = [p.account for p in entries[1:]]
		cells = {
			"tx_date": {"value": head.date},
			"txn_type": {"value": TXN_TYPES[head.entity], "id": head.txn_id},
			"doc_num": {"value": head.doc_number},
			"name": {"value": head.party[1], "id": head.party[0]} if head.party else {"value": ""},
			"memo": {"value": head.memo},
			"account_name": _account_cell(accounts, head.account),
			"split_acc": _account_cell(accounts, others[0]) if len(others) == 1 else {"value": "-Split-"},
			"debt_amt": _money(amount, True),
			"credit_amt": _money(amount, True),
			"subt_nat_amount": _money(amount, True),
			"rbal_nat_amount": {"value": ""},
		}
		rows.append({"ColData": [cells[key] for key in keys], "type": "Data"})
	return [_column(*COLUMNS[key], key) for key in keys], rows


# Helpers


def _by_transaction(ledger: Iterable[Posting]) -> dict[tuple[str, str], list[Posting]]:
	grouped: dict[tuple[str, str], list[Posting]] = defaultdict(list)
	for posting in ledger:
		grouped[(posting.entity, posting.txn_id)].append(posting)
	return grouped


def _ordered(accounts: dict, ids: Iterable[str]) -> list[str]:
	def key(account_id: str) -> tuple:
		account = accounts.get(account_id) or {}
		kind = account.get("AccountType")
		return (
			TYPE_ORDER.index(kind) if kind in TYPE_ORDER else len(TYPE_ORDER),
			_account_name(accounts, account_id),
		)

	return sorted(ids, key=key)


def _classification(accounts: dict, account_id: str) -> str:
	return str((accounts.get(account_id) or {}).get("Classification") or "")


def _account_name(accounts: dict, account_id: str) -> str:
	account = accounts.get(account_id) or {}
	return str(account.get("FullyQualifiedName") or account.get("Name") or account_id)


def _account_cell(accounts: dict, account_id: str) -> dict[str, str]:
	return {"value": _account_name(accounts, account_id), "id": account_id}


def _column(title: str, kind: str, key: str) -> dict[str, Any]:
	return {"ColTitle": title, "ColType": kind, "MetaData": [{"Name": "ColKey", "Value": key}]}


def _money(value: Decimal, always: bool = False) -> dict[str, str]:
	"""QuickBooks' money cell: two decimals, ``""`` for nothing (unless a zero is meaningful)."""
	if not value and not always:
		return {"value": ""}
	return {"value": f"{value if value else ZERO:.2f}"}  # never "-0.00"
