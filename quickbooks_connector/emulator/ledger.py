"""The general ledger the emulator's transactions post, derived from the records it holds (for reports.py).

QuickBooks keeps a ledger behind every transaction; the emulator stores only the transactions, so this module
derives each one's postings when a report asks: one ``Posting`` per account a transaction moves, in home
currency, debit positive. Every transaction's postings add up to zero.

Accrual basis (what QuickBooks books):

* Invoice / SalesReceipt: the A/R account (SalesReceipt: its deposit account, default Undeposited Funds) is
  debited with the total; each item line credits its item's income account, a discount line debits its
  discount account, the tax credits the tax liability account (US "Sales Tax Payable", elsewhere "Tax
  Liability"). CreditMemo and RefundReceipt (refunded from ``DepositToAccountRef``) are the reverse.
* Bill / Purchase: the A/P account (Purchase: its ``AccountRef``, the bank or card paid from) is credited with
  the total; each expense line debits its account (item lines: the item's expense account, or its asset account
  for inventory items), the tax (non-US) debits the tax liability account. VendorCredit and a Purchase with
  ``Credit: true`` (a card refund) are the reverse.
* Payment: the deposit account is debited with the money (``TotalAmt`` at the payment's rate), A/R credited
  with what it settles: each applied invoice at the invoice's rate, each applied credit memo (or journal
  entry credit) back at its own rate, the unapplied amount at the payment's rate; any difference is the
  realised exchange gain or loss, booked to "Exchange Gain or Loss". BillPayment: the same with A/P and the
  bank or card account paid from.
* JournalEntry: each line on its account. Deposit: the deposit account debited with the total, each line
  credited to Undeposited Funds (a deposited payment or receipt) or its ``AccountRef``, cash back credited to
  its account. Transfer and CreditCardPayment: from one account to the other.
* Estimates, purchase orders, time activities and recurring templates post nothing. Voided transactions post
  zero amounts on the accounts they named (QuickBooks shows them with zero amounts); deleted ones are gone.

Foreign-currency documents: each line converted at the document's rate and rounded to cents; a cent left over
by rounding goes to the largest line, so that the document's A/R, A/P or bank posting is its ``HomeTotalAmt``
[U: how QuickBooks spreads such a cent is not documented]. Tax-inclusive documents (emulator simplification:
lines keep the gross amount) credit income with the lines less their share of the tax.

Cash basis (an approximation, documented as such): invoices, credit memos, bills and vendor credits post
nothing when written. A payment (bill payment) books, on its own date, each applied document's income or
expense and tax lines in proportion to the amount applied (credit memos and vendor credits the other way), and
credits A/R (debits A/P) only with what is left unapplied or applied to journal entries; receipts, purchases,
journal entries, deposits and transfers post as on the accrual basis. [U: QuickBooks' own cash basis also
moves A/R and A/P postings of journal entries and keeps some A/R and A/P on the balance sheet.]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from quickbooks_connector.emulator.indexes import LINKED_ENTITIES
from quickbooks_connector.emulator.store import Realm
from quickbooks_connector.emulator.totals import ZERO, round2

ACCRUAL = "Accrual"
CASH = "Cash"
POSTING_ENTITIES = (
	"Invoice",
	"CreditMemo",
	"SalesReceipt",
	"RefundReceipt",
	"Bill",
	"VendorCredit",
	"Purchase",
	"Payment",
	"BillPayment",
	"JournalEntry",
	"Deposit",
	"Transfer",
	"CreditCardPayment",
)
SALES = {"Invoice": 1, "SalesReceipt": 1, "CreditMemo": -1, "RefundReceipt": -1}  # sign of the debit side
PURCHASES = {"Bill": 1, "VendorCredit": -1, "Purchase": 1}
OPEN_FORMS = {"Invoice", "CreditMemo", "Bill", "VendorCredit"}  # what the cash basis books when paid
Line = tuple[str, Decimal, str]  # account Id, home amount (debit positive), memo


@dataclass(frozen=True)
class Posting:
	"""One account's share of one transaction, in home currency (debit positive)."""

	entity: str
	txn_id: str
	date: str
	account: str  # Account Id
	amount: Decimal
	memo: str = ""
	doc_number: str = ""
	party: tuple[str, str] | None = None  # (Id, name) of the customer, vendor or payee
	voided: bool = False


def postings(realm: Realm, basis: str = ACCRUAL) -> Iterator[Posting]:
	"""Every posting of the realm's live transactions on ``basis`` (Accrual or Cash)."""
	for entity in POSTING_ENTITIES:
		for txn in realm.all(entity):
			if basis == CASH and entity in OPEN_FORMS:
				continue
			voided = realm.is_voided(entity, txn["Id"])
			if basis == CASH and entity in ("Payment", "BillPayment"):
				lines = _cash_payment(realm, entity, txn)
			else:
				lines = transaction_lines(realm, entity, txn)
			yield from _as_postings(entity, txn, lines, voided)


def transaction_lines(realm: Realm, entity: str, txn: dict[str, Any]) -> list[Line]:
	"""(account Id, home amount, memo) of what one transaction books on the accrual basis."""
	if entity in SALES:
		return _sales(realm, entity, txn)
	if entity in PURCHASES:
		return _purchase(realm, entity, txn)
	if entity in ("Payment", "BillPayment"):
		return _payment(realm, entity, txn, _settled_accrual)
	if entity == "JournalEntry":
		return _journal(txn)
	if entity == "Deposit":
		return _deposit(realm, txn)
	if entity == "Transfer":
		amount = round2(_dec(txn.get("Amount")) * _rate(txn))
		return [(_ref(txn, "ToAccountRef"), amount, ""), (_ref(txn, "FromAccountRef"), -amount, "")]
	if entity == "CreditCardPayment":
		amount = _dec(txn.get("Amount"))
		return [(_ref(txn, "CreditCardAccountRef"), amount, ""), (_ref(txn, "BankAccountRef"), -amount, "")]
	return []


# Sales and purchase forms


def _sales(realm: Realm, entity: str, txn: dict[str, Any]) -> list[Line]:
	sign, rate = SALES[entity], _rate(txn)
	if entity == "Invoice" or entity == "CreditMemo":
		anchor = _ref(txn, "ARAccountRef") or realm.roles["receivable"]
	else:
		anchor = _ref(txn, "DepositToAccountRef") or realm.roles["undeposited"]
	lines: list[Line] = []
	for line in txn.get("Line", ()):
		kind = line.get("DetailType")
		detail = line.get(kind) or {}
		if kind == "SalesItemLineDetail":
			item = realm.get("Item", (detail.get("ItemRef") or {}).get("value", "")) or {}
			account = _ref(item, "IncomeAccountRef") or realm.roles["service_income"]
			lines.append((account, -sign * _dec(line.get("Amount")), line.get("Description") or ""))
		elif kind == "DiscountLineDetail":
			account = _ref(detail, "DiscountAccountRef") or realm.roles["discounts"]
			lines.append((account, sign * _dec(line.get("Amount")), "Discount"))
	tax = _dec((txn.get("TxnTaxDetail") or {}).get("TotalTax"))
	if txn.get("GlobalTaxCalculation") == "TaxInclusive":
		lines = _net_of_tax(lines, -sign * tax)
	if tax:
		lines.append((realm.roles["tax_payable"], -sign * tax, "Tax"))
	return _home(lines, anchor, sign * _home_total(txn), rate, txn.get("PrivateNote") or "")


def _purchase(realm: Realm, entity: str, txn: dict[str, Any]) -> list[Line]:
	sign, rate = PURCHASES[entity], _rate(txn)
	if entity == "Purchase":
		anchor = _ref(txn, "AccountRef")
		sign = -1 if txn.get("Credit") else 1
	else:
		anchor = _ref(txn, "APAccountRef") or realm.roles["payable"]
	lines: list[Line] = []
	for line in txn.get("Line", ()):
		kind = line.get("DetailType")
		detail = line.get(kind) or {}
		if kind == "AccountBasedExpenseLineDetail":
			account = _ref(detail, "AccountRef")
		elif kind == "ItemBasedExpenseLineDetail":
			item = realm.get("Item", (detail.get("ItemRef") or {}).get("value", "")) or {}
			account = _ref(item, "AssetAccountRef") or _ref(item, "ExpenseAccountRef") or realm.roles["cogs"]
		else:
			continue
		lines.append((account, sign * _dec(line.get("Amount")), line.get("Description") or ""))
	tax = _dec((txn.get("TxnTaxDetail") or {}).get("TotalTax"))
	if txn.get("GlobalTaxCalculation") == "TaxInclusive":
		lines = _net_of_tax(lines, sign * tax)
	if tax:
		lines.append((realm.roles["tax_payable"], sign * tax, "Tax"))
	return _home(lines, anchor, -sign * _home_total(txn), rate, txn.get("PrivateNote") or "")


def _net_of_tax(lines: list[Line], tax: Decimal) -> list[Line]:
	"""Gross lines less their pro-rata share of the tax (the emulator keeps tax-inclusive lines gross)."""
	gross = sum((amount for _, amount, _ in lines), ZERO)
	if not gross or not tax:
		return lines
	net = [(account, round2(amount - tax * amount / gross), memo) for account, amount, memo in lines]
	return _fit(net, gross - tax)


def _home(lines: list[Line], anchor: str, anchor_amount: Decimal, rate: Decimal, note: str) -> list[Line]:
	"""The lines in home currency, fitted so that with the anchor (A/R, A/P, bank: its home total) they balance."""
	home = [(account, round2(amount * rate), memo) for account, amount, memo in lines]
	return [(anchor, anchor_amount, note), *_fit(home, -anchor_amount)]


def _fit(lines: list[Line], target: Decimal) -> list[Line]:
	"""The lines with the rounding left over (``target`` minus their sum) added to the largest one."""
	residual = target - sum((amount for _, amount, _ in lines), ZERO)
	if not residual or not lines:
		return lines
	largest = max(range(len(lines)), key=lambda index: abs(lines[index][1]))
	account, amount, memo = lines[largest]
	return [*lines[:largest], (account, amount + residual, memo), *lines[largest + 1 :]]


# Payments


def _payment(realm: Realm, entity: str, txn: dict[str, Any], settle) -> list[Line]:
	receive = entity == "Payment"
	sign = 1 if receive else -1  # a payment received debits the bank; a bill payment credits it
	money_account = _money_account(realm, entity, txn)
	party_account = (
		_ref(txn, "ARAccountRef" if receive else "APAccountRef")
		or realm.roles["receivable" if receive else "payable"]
	)
	moved = _home_total(txn)
	note = txn.get("PrivateNote") or ""
	lines = [(money_account, sign * moved, note)]
	settle(realm, entity, txn, party_account, sign, lines)
	unapplied = round2(_dec(txn.get("UnappliedAmt")) * _rate(txn))
	if unapplied:
		lines.append((party_account, -sign * unapplied, "Unapplied"))
	gain_loss = -sum((amount for _, amount, _ in lines), ZERO)
	if gain_loss:
		lines.append((realm.roles["exchange"], gain_loss, "Exchange gain or loss"))
	return lines


def _settled_accrual(
	realm: Realm, entity: str, txn: dict[str, Any], party_account: str, sign: int, lines: list[Line]
) -> None:
	"""A/R (A/P) credited (debited) with each application at the applied document's own rate."""
	for (_, target), amount in _applications(realm, entity, txn):
		lines.append((party_account, -sign * round2(amount * _rate(target)), ""))


def _cash_payment(realm: Realm, entity: str, txn: dict[str, Any]) -> list[Line]:
	return _payment(realm, entity, txn, _settled_cash)


def _settled_cash(
	realm: Realm, entity: str, txn: dict[str, Any], party_account: str, sign: int, lines: list[Line]
) -> None:
	"""Each applied invoice's (bill's) income (expense) and tax lines in proportion to the amount applied;
	applications of journal entries settle A/R (A/P) as on the accrual basis."""
	for (kind, target), amount in _applications(realm, entity, txn):
		total = _dec(target.get("TotalAmt"))
		if kind in ("JournalEntry", "Purchase", "Deposit") or not total:  # these post on their own date
			lines.append((party_account, -sign * round2(amount * _rate(target)), ""))
			continue
		(_, anchor, _), *booked = transaction_lines(realm, kind, target)
		share = abs(amount) / total
		part = [(account, round2(value * share), memo) for account, value, memo in booked]
		direction = Decimal(1) if anchor > 0 else Decimal(-1)
		lines.extend(_fit(part, -direction * round2(abs(amount) * _rate(target))))


def _applications(
	realm: Realm, entity: str, txn: dict[str, Any]
) -> Iterator[tuple[tuple[str, dict[str, Any]], Decimal]]:
	"""((entity, target), amount) of each line of a payment; credits (credit memos, vendor credits, journal
	entry credits) with a negative amount."""
	for line in txn.get("Line", ()):
		for link in line.get("LinkedTxn", ())[:1]:
			kind = LINKED_ENTITIES.get(link.get("TxnType"), link.get("TxnType"))  # a refund "Check": Purchase
			target = realm.get(kind, str(link.get("TxnId"))) if kind else None
			if target is None:
				continue
			amount = _dec(line.get("Amount"))
			credit = kind in ("CreditMemo", "VendorCredit") or (
				kind == "JournalEntry" and _journal_is_credit(realm, entity == "Payment", target)
			)
			yield (kind, target), -amount if credit else amount


def _journal_is_credit(realm: Realm, receive: bool, journal: dict[str, Any]) -> bool:
	"""Whether a journal entry applied by a payment gives the party credit (credits A/R, debits A/P)."""
	account_type = "Accounts Receivable" if receive else "Accounts Payable"
	net = ZERO
	for line in journal.get("Line", ()):
		detail = line.get("JournalEntryLineDetail") or {}
		account = realm.get("Account", _ref(detail, "AccountRef")) or {}
		if account.get("AccountType") == account_type:
			amount = _dec(line.get("Amount"))
			net += amount if detail.get("PostingType") == "Debit" else -amount
	return net < 0 if receive else net > 0


def _money_account(realm: Realm, entity: str, txn: dict[str, Any]) -> str:
	if entity == "Payment":
		return _ref(txn, "DepositToAccountRef") or realm.roles["undeposited"]
	check = txn.get("CheckPayment") or {}
	card = txn.get("CreditCardPayment") or {}
	return _ref(check, "BankAccountRef") or _ref(card, "CCAccountRef") or realm.roles["checking"]


# Journal entries and banking


def _journal(txn: dict[str, Any]) -> list[Line]:
	rate, lines = _rate(txn), []
	for line in txn.get("Line", ()):
		detail = line.get("JournalEntryLineDetail") or {}
		amount = _dec(line.get("Amount"))
		signed = amount if detail.get("PostingType") == "Debit" else -amount
		lines.append((_ref(detail, "AccountRef"), round2(signed * rate), line.get("Description") or ""))
	return _fit(lines, ZERO)


def _deposit(realm: Realm, txn: dict[str, Any]) -> list[Line]:
	lines: list[Line] = []
	for line in txn.get("Line", ()):
		amount = _dec(line.get("Amount"))
		links = line.get("LinkedTxn") or ()
		if links:
			source = realm.get(links[0].get("TxnType", ""), str(links[0].get("TxnId"))) or {}
			account = _ref(source, "DepositToAccountRef") or realm.roles["undeposited"]
		else:
			account = _ref(line.get("DepositLineDetail") or {}, "AccountRef")
		lines.append((account, -amount, line.get("Description") or ""))
	cash_back = txn.get("CashBack") or {}
	if cash_back.get("Amount"):
		lines.append((_ref(cash_back, "AccountRef"), _dec(cash_back["Amount"]), "Cash back"))
	rate = _rate(txn)
	return _home(
		lines, _ref(txn, "DepositToAccountRef"), _home_total(txn), rate, txn.get("PrivateNote") or ""
	)


# Helpers


def _as_postings(entity: str, txn: dict[str, Any], lines: list[Line], voided: bool) -> Iterator[Posting]:
	net: dict[str, Decimal] = defaultdict(Decimal)
	memos: dict[str, str] = {}
	for account, amount, memo in lines:
		if not account:
			continue
		net[account] += amount
		memos.setdefault(account, memo)
	party = _party(txn)
	for account, amount in net.items():
		if amount or voided:
			yield Posting(
				entity,
				txn["Id"],
				str(txn.get("TxnDate") or ""),
				account,
				amount,
				memos.get(account, ""),
				str(txn.get("DocNumber") or ""),
				party,
				voided,
			)


def _party(txn: dict[str, Any]) -> tuple[str, str] | None:
	for field in ("CustomerRef", "VendorRef", "EntityRef"):
		ref = txn.get(field)
		if isinstance(ref, dict) and ref.get("value"):
			return str(ref["value"]), str(ref.get("name") or "")
	return None


def _home_total(txn: dict[str, Any]) -> Decimal:
	if txn.get("HomeTotalAmt") is not None:
		return _dec(txn["HomeTotalAmt"])
	return round2(_dec(txn.get("TotalAmt")) * _rate(txn))


def _rate(txn: dict[str, Any]) -> Decimal:
	return _dec(txn.get("ExchangeRate")) or Decimal(1)


def _ref(obj: dict[str, Any], field: str) -> str:
	ref = obj.get(field)
	return str(ref.get("value") or "") if isinstance(ref, dict) else ""


def _dec(value: Any) -> Decimal:
	if value is None or value == "":
		return ZERO
	return value if isinstance(value, Decimal) else Decimal(str(value))
