"""QuickBooks' side of a reconciliation: its TrialBalance and GeneralLedger answers read into per-account figures.

`ledger_from_reports(trial_balance, general_ledger)` gives, for every account either report names, the closing
balance on the end date (TrialBalance: debit positive), the period's debits and credits and each transaction row
(GeneralLedger), and the opening balance as closing minus the period's net movement. Columns are found by their
`ColKey` (falling back to the title), so the reports may come with any column order; the GeneralLedger must carry
the debit and credit columns (`GL_COLUMNS` asks for them), because its Amount column's sign depends on the account.
Sections nest (sub-accounts): every section whose header names an account id is that account's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from quickbooks_connector.mapping.errors import Problem, _, render

ZERO = Decimal("0")
GL_COLUMNS = ("tx_date", "txn_type", "doc_num", "name", "memo", "split_acc", "debt_amt", "credit_amt")
# QuickBooks' transaction type names in reports -> the API entity
TXN_ENTITIES = {
	"Invoice": "Invoice",
	"Credit Memo": "CreditMemo",
	"Sales Receipt": "SalesReceipt",
	"Refund": "RefundReceipt",
	"Refund Receipt": "RefundReceipt",
	"Bill": "Bill",
	"Vendor Credit": "VendorCredit",
	"Expense": "Purchase",
	"Check": "Purchase",
	"Cash Expense": "Purchase",
	"Credit Card Expense": "Purchase",
	"Credit Card Credit": "Purchase",
	"Payment": "Payment",
	"Bill Payment (Check)": "BillPayment",
	"Bill Payment (Credit Card)": "BillPayment",
	"Journal Entry": "JournalEntry",
	"Deposit": "Deposit",
	"Transfer": "Transfer",
	"Credit Card Payment": "CreditCardPayment",
}
_TITLES = {
	"Date": "tx_date",
	"Transaction Type": "txn_type",
	"Num": "doc_num",
	"Name": "name",
	"Memo/Description": "memo",
	"Debit": "debt_amt",
	"Credit": "credit_amt",
}


class ReportError(ValueError):
	"""A QuickBooks report the reconciliation cannot read; `problem` says why, as data."""

	def __init__(self, problem: Problem) -> None:
		super().__init__(render(problem))
		self.problem = problem


@dataclass(frozen=True)
class Figures:
	"""An account's movement over a period, in company (home) currency: closing = opening + debit - credit."""

	opening: Decimal = ZERO
	debit: Decimal = ZERO
	credit: Decimal = ZERO

	@property
	def closing(self) -> Decimal:
		return self.opening + self.debit - self.credit

	@property
	def net(self) -> Decimal:
		return self.debit - self.credit

	def __add__(self, other: Figures) -> Figures:
		return Figures(self.opening + other.opening, self.debit + other.debit, self.credit + other.credit)

	def as_dict(self) -> dict[str, str]:
		return {"opening": str(self.opening), "debit": str(self.debit), "credit": str(self.credit)}

	@classmethod
	def from_dict(cls, data: Mapping[str, Any]) -> Figures:
		return cls(*(Decimal(str(data.get(key) or 0)) for key in ("opening", "debit", "credit")))


@dataclass(frozen=True)
class Entry:
	"""One GeneralLedger row: a transaction's posting on one account (debit positive)."""

	entity: str
	txn_id: str
	date: str
	amount: Decimal
	doc_number: str = ""
	name: str = ""
	memo: str = ""

	@property
	def key(self) -> tuple[str, str]:
		return self.entity, self.txn_id


@dataclass(frozen=True)
class Account:
	id: str
	name: str
	figures: Figures
	entries: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class QuickBooksLedger:
	start: str
	end: str
	basis: str
	currency: str
	accounts: dict[str, Account] = field(default_factory=dict)

	def as_dict(self) -> dict[str, Any]:
		"""JSON-ready (amounts as strings), for a cache; `from_dict` reads it back."""
		return {
			"start": self.start,
			"end": self.end,
			"basis": self.basis,
			"currency": self.currency,
			"accounts": [
				{
					"id": account.id,
					"name": account.name,
					"figures": account.figures.as_dict(),
					"entries": [
						[e.entity, e.txn_id, e.date, str(e.amount), e.doc_number, e.name, e.memo]
						for e in account.entries
					],
				}
				for account in self.accounts.values()
			],
		}

	@classmethod
	def from_dict(cls, data: Mapping[str, Any]) -> QuickBooksLedger:
		accounts = {}
		for row in data.get("accounts") or ():
			entries = tuple(
				Entry(entity, txn_id, day, Decimal(amount), number, name, memo)
				for entity, txn_id, day, amount, number, name, memo in row.get("entries") or ()
			)
			accounts[row["id"]] = Account(row["id"], row["name"], Figures.from_dict(row["figures"]), entries)
		return cls(data["start"], data["end"], data["basis"], data.get("currency") or "", accounts)


def ledger_from_reports(
	trial_balance: Mapping[str, Any], general_ledger: Mapping[str, Any]
) -> QuickBooksLedger:
	header = trial_balance.get("Header") or {}
	closing = dict(_trial_balance_rows(trial_balance))
	names = {account_id: name for account_id, (name, _) in closing.items()}
	movements: dict[str, list[Entry]] = {}
	for account_id, name, entries in _ledger_sections(general_ledger):
		names.setdefault(account_id, name)
		movements.setdefault(account_id, []).extend(entries)
	accounts = {}
	for account_id in {*closing, *movements}:
		entries = tuple(movements.get(account_id, ()))
		debit = sum((e.amount for e in entries if e.amount > 0), ZERO)
		credit = -sum((e.amount for e in entries if e.amount < 0), ZERO)
		end_balance = closing.get(account_id, ("", ZERO))[1]
		figures = Figures(end_balance - debit + credit, debit, credit)
		accounts[account_id] = Account(account_id, names.get(account_id, account_id), figures, entries)
	return QuickBooksLedger(
		str(header.get("StartPeriod") or ""),
		str(header.get("EndPeriod") or ""),
		str(header.get("ReportBasis") or ""),
		str(header.get("Currency") or ""),
		accounts,
	)


def _trial_balance_rows(report: Mapping[str, Any]) -> Iterator[tuple[str, tuple[str, Decimal]]]:
	keys = _column_keys(report)
	debit, credit = _index(keys, "debit", 1), _index(keys, "credit", 2)
	for row in _data_rows(report.get("Rows") or {}):
		cells = row.get("ColData") or []
		first = cells[0] if cells else {}
		if not first.get("id"):
			continue
		balance = _amount(cells, debit) - _amount(cells, credit)
		yield str(first["id"]), (str(first.get("value") or ""), balance)


def _ledger_sections(report: Mapping[str, Any]) -> Iterator[tuple[str, str, list[Entry]]]:
	keys = _column_keys(report)
	if "debt_amt" not in keys or "credit_amt" not in keys:
		raise ReportError(
			Problem.of(
				"report_without_debit_credit",
				_("The QuickBooks General Ledger report came without its Debit and Credit columns."),
				_("Ask for it with columns={columns}."),
				columns=",".join(GL_COLUMNS),
			)
		)
	yield from _sections(report.get("Rows") or {}, keys)


def _sections(rows: Mapping[str, Any], keys: list[str]) -> Iterator[tuple[str, str, list[Entry]]]:
	for row in rows.get("Row") or ():
		if "Rows" not in row and "Header" not in row:
			continue
		head = ((row.get("Header") or {}).get("ColData") or [{}])[0]
		inner = row.get("Rows") or {}
		if head.get("id"):
			entries = [entry for entry in (_entry(r, keys) for r in inner.get("Row") or ()) if entry]
			yield str(head["id"]), str(head.get("value") or ""), entries
		yield from _sections(inner, keys)


def _entry(row: Mapping[str, Any], keys: list[str]) -> Entry | None:
	cells = row.get("ColData")
	if not cells or row.get("type") == "Section":
		return None
	by_key = {key: cells[index] for index, key in enumerate(keys) if index < len(cells)}
	kind = by_key.get("txn_type") or {}
	entity = TXN_ENTITIES.get(str(kind.get("value") or ""))
	if not entity or not kind.get("id"):
		return None  # the Beginning Balance row, or a type the reconciliation does not know
	return Entry(
		entity,
		str(kind["id"]),
		str((by_key.get("tx_date") or {}).get("value") or ""),
		_amount(cells, keys.index("debt_amt")) - _amount(cells, keys.index("credit_amt")),
		str((by_key.get("doc_num") or {}).get("value") or ""),
		str((by_key.get("name") or {}).get("value") or ""),
		str((by_key.get("memo") or {}).get("value") or ""),
	)


def _data_rows(rows: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
	for row in rows.get("Row") or ():
		if row.get("ColData"):
			yield row
		if row.get("Rows"):
			yield from _data_rows(row["Rows"])


def _column_keys(report: Mapping[str, Any]) -> list[str]:
	keys = []
	for column in (report.get("Columns") or {}).get("Column") or ():
		meta = {item.get("Name"): item.get("Value") for item in column.get("MetaData") or ()}
		keys.append(str(meta.get("ColKey") or _TITLES.get(str(column.get("ColTitle") or ""), "")))
	return keys


def _index(keys: list[str], key: str, default: int) -> int:
	return keys.index(key) if key in keys else default


def _amount(cells: list[Mapping[str, Any]], index: int) -> Decimal:
	if index >= len(cells):
		return ZERO
	text = str(cells[index].get("value") or "").replace(",", "").strip()
	try:
		return Decimal(text) if text else ZERO
	except InvalidOperation:
		return ZERO
