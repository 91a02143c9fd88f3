"""Payments, bill payments and the balances they drive (qbo-api.md §3.9-3.11).

Reproduced: a Payment line applies its ``Amount`` to the Invoice or CreditMemo named in its ``LinkedTxn``; a
BillPayment line to a Bill or VendorCredit. Both can also apply a JournalEntry with a line on the party's A/R
(A/P) account naming the party: one that credits A/R (debits A/P) is a credit like a credit memo, one that debits
A/R (credits A/P) is a charge like an invoice; at most the net of those party lines can be applied. Refunds are
charges too: a Payment may link a Purchase whose lines debit A/R for its customer (``EntityRef``), as
``TxnType`` "Check" (PaymentType Check) or "Expense" (PaymentType Cash), which is how QuickBooks pays out a
credit memo; a BillPayment may link a Deposit whose lines credit A/P for the vendor (``Entity``) as "Deposit"
(QuickBooks' Pay Bills screen does so; [U] Intuit documents only Bill, VendorCredit and JournalEntry for a Bill
Payment line). Targets get ``Balance = TotalAmt - applied`` (CreditMemo also ``RemainingCredit``; a JournalEntry,
Purchase or Deposit keeps no balance, [U] whether QuickBooks shows the link on a Purchase or Deposit) and a
``LinkedTxn`` entry back to each payer, and their ``SyncToken`` moves on as in QBO; a target with payments
applied can't be deleted or voided (6000).
``Payment.UnappliedAmt = TotalAmt - applied to invoices + credits used``; a zero-total payment linking an
invoice and a credit memo therefore applies the credit (the same for bills and vendor credits). Payment lines
are all-or-nothing on update. Linking to an unknown id is 2500, to a deleted one 610, to a voided one, a
different party or an unsupported type 620. Deleting or voiding a payer releases what it applied.

Simplifications: only one ``LinkedTxn`` per line; applying more than a target's open balance, using more credit
than is applied to debits or applying more than ``TotalAmt`` are refused with 6000 (QBO's exact behaviour is
undocumented); exchange-rate differences between payment and invoice are ignored.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from quickbooks_connector.emulator import faults
from quickbooks_connector.emulator.company import currency_ref
from quickbooks_connector.emulator.indexes import LINKED_ENTITIES, applications_of
from quickbooks_connector.emulator.records import (
	WriteContext,
	check_lengths,
	checked_account,
	one_of,
	ref_to,
	stamp_update,
	transaction_currency,
	txn_date,
)
from quickbooks_connector.emulator.store import Realm
from quickbooks_connector.emulator.totals import ZERO, money, round2

Key = tuple[str, str]


@dataclass(frozen=True)
class Payer:
	entity: str
	party: str
	party_field: str
	debit_type: str
	credit_type: str
	party_account_type: str
	credit_posting: str  # how a journal entry line on the party account reduces what the party owes / is owed
	refund_types: tuple[str, ...]  # link types of a refund of the party's credit, applied like a charge


JOURNAL_ENTRY = "JournalEntry"
PAYERS = {
	"Payment": Payer(
		"Payment",
		"Customer",
		"CustomerRef",
		"Invoice",
		"CreditMemo",
		"Accounts Receivable",
		"Credit",
		("Check", "Expense"),
	),
	"BillPayment": Payer(
		"BillPayment",
		"Vendor",
		"VendorRef",
		"Bill",
		"VendorCredit",
		"Accounts Payable",
		"Debit",
		("Deposit",),
	),
}
# Targets whose lines on the party account, naming the party, say what can be applied (they keep no balance)
PARTY_LINE_ENTITIES = {JOURNAL_ENTRY, "Purchase", "Deposit"}
TARGET_ENTITIES = {"Invoice", "CreditMemo", "Bill", "VendorCredit", *PARTY_LINE_ENTITIES}
# Purchase PaymentType -> the TxnType a payment links it as
PURCHASE_LINK_TYPES = {"Check": "Check", "Cash": "Expense"}
DEPOSIT_ACCOUNT_TYPES = ("Bank", "Other Current Asset")


def balance_fields(
	realm: Realm, entity: str, object_id: str | None, total: Decimal, rate: Decimal
) -> dict[str, Any]:
	"""Balance, HomeBalance and LinkedTxn of an Invoice/CreditMemo/Bill/VendorCredit from the payments applied."""
	applied = realm.indexes.applied_to((entity, object_id)) if object_id else {}
	balance = total - sum(applied.values(), ZERO)
	fields: dict[str, Any] = {
		"Balance": balance,
		"HomeBalance": round2(balance * rate),
		"LinkedTxn": [
			{"TxnId": payer_id, "TxnType": payer}
			for payer, payer_id in sorted(applied, key=lambda k: int(k[1]))
		],
	}
	if entity == "CreditMemo":
		fields["RemainingCredit"] = balance
	return fields


def refresh_targets(ctx: WriteContext, targets: set[Key]) -> None:
	"""Store new versions of the targets whose applied amounts changed."""
	for entity, object_id in sorted(targets, key=lambda key: (key[0], int(key[1]))):
		target = ctx.realm.get(entity, object_id)
		if target is None or entity == JOURNAL_ENTRY:  # a journal entry has no balance of its own
			continue
		if entity in PARTY_LINE_ENTITIES:  # a refund check or deposit: only the links back
			fields = {"LinkedTxn": linked_payers(ctx.realm, entity, object_id)}
		else:
			rate = target.get("ExchangeRate", Decimal(1))
			fields = balance_fields(ctx.realm, entity, object_id, target["TotalAmt"], rate)
		if all(target.get(key) == value for key, value in fields.items()):
			continue
		ctx.realm.put(entity, stamp_update({**target, **fields}, target, ctx.now), ctx.now)


def linked_payers(realm: Realm, entity: str, object_id: str | None) -> list[dict[str, str]]:
	"""``LinkedTxn`` of a target: each payer applied to it."""
	applied = realm.indexes.applied_to((entity, object_id)) if object_id else {}
	return [
		{"TxnId": payer_id, "TxnType": payer} for payer, payer_id in sorted(applied, key=lambda k: int(k[1]))
	]


def targets_of(obj: dict[str, Any] | None) -> set[Key]:
	return set(applications_of(obj)) if obj else set()


def payer_preparer(entity: str):
	payer = PAYERS[entity]

	def prepare(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
		return prepare_payer(ctx, payer, body, existing)

	return prepare


def prepare_payer(
	ctx: WriteContext, payer: Payer, body: dict[str, Any], existing: dict | None
) -> dict[str, Any]:
	content = dict(body)
	check_lengths(body, {"DocNumber": 21, "PrivateNote": 4000, "PaymentRefNum": 21})
	party = ctx.require(payer.party, body.get(payer.party_field), payer.party_field)
	content[payer.party_field] = ref_to(party, "DisplayName")
	if body.get("TotalAmt") is None:
		raise faults.required("TotalAmt")
	total = money(body["TotalAmt"], "TotalAmt")
	if total < ZERO:
		raise faults.business("TotalAmt can't be negative.", "TotalAmt")
	currency, rate = transaction_currency(ctx, body, party)
	content["CurrencyRef"] = currency_ref(currency)
	if ctx.settings.multicurrency:
		content["ExchangeRate"] = rate
	content["TxnDate"] = txn_date(ctx, body)
	lines, debits, credits = _application_lines(ctx, payer, body.get("Line") or [], party, existing)
	if credits > debits:
		raise faults.business("More credit is used than is applied to open transactions.", "Line")
	unapplied = total - debits + credits
	if unapplied < ZERO:
		raise faults.business(f"The lines apply {debits - credits}, more than TotalAmt {total}.", "TotalAmt")
	content.update(Line=lines, TotalAmt=total, HomeTotalAmt=round2(total * rate))
	if payer.entity == "Payment":
		content["UnappliedAmt"] = unapplied
		content["ProcessPayment"] = False
		deposit = checked_account(
			ctx, body.get("DepositToAccountRef"), "DepositToAccountRef", DEPOSIT_ACCOUNT_TYPES, "undeposited"
		)
		content["DepositToAccountRef"] = ref_to(deposit)
		if body.get("ARAccountRef"):
			receivable = checked_account(
				ctx, body["ARAccountRef"], "ARAccountRef", ("Accounts Receivable",), None
			)
			content["ARAccountRef"] = ref_to(receivable)
	else:
		content.update(_bill_payment_accounts(ctx, body))
	return content


def _bill_payment_accounts(ctx: WriteContext, body: dict[str, Any]) -> dict[str, Any]:
	pay_type = one_of(body, "PayType", ("Check", "CreditCard"))
	payable = checked_account(ctx, body.get("APAccountRef"), "APAccountRef", ("Accounts Payable",), "payable")
	fields: dict[str, Any] = {"PayType": pay_type, "APAccountRef": ref_to(payable)}
	if pay_type == "Check":
		detail = dict(body.get("CheckPayment") or {})
		account = checked_account(
			ctx, detail.get("BankAccountRef"), "CheckPayment.BankAccountRef", ("Bank",), None
		)
		detail["BankAccountRef"] = ref_to(account)
		detail.setdefault("PrintStatus", "NotSet")
		fields["CheckPayment"] = detail
	else:
		detail = dict(body.get("CreditCardPayment") or {})
		account = checked_account(
			ctx, detail.get("CCAccountRef"), "CreditCardPayment.CCAccountRef", ("Credit Card",), None
		)
		detail["CCAccountRef"] = ref_to(account)
		fields["CreditCardPayment"] = detail
	return fields


def _application_lines(
	ctx: WriteContext, payer: Payer, raw_lines: list[Any], party: dict[str, Any], existing: dict | None
) -> tuple[list[dict[str, Any]], Decimal, Decimal]:
	lines = []
	per_target: dict[Key, Decimal] = defaultdict(Decimal)
	is_credit: dict[Key, bool] = {}
	for line in raw_lines:
		amount, target, credit, key = _application(ctx, payer, line, party)
		per_target[key] += amount
		is_credit[key] = credit
		lines.append(
			{**{k: v for k, v in line.items() if k != "LineEx"}, "Amount": amount, "LinkedTxn": [target]}
		)
	own = (payer.entity, existing["Id"]) if existing else None
	for (entity, object_id), amount in per_target.items():
		_check_open_balance(ctx, payer, party, entity, object_id, amount, own)
	debits = sum((a for key, a in per_target.items() if not is_credit[key]), ZERO)
	credits = sum((a for key, a in per_target.items() if is_credit[key]), ZERO)
	return lines, debits, credits


def _application(
	ctx: WriteContext, payer: Payer, line: Any, party: dict[str, Any]
) -> tuple[Decimal, dict[str, str], bool, Key]:
	"""The amount a payer line applies, its link, whether the target is a credit, and the target's key."""
	if not isinstance(line, dict) or line.get("Amount") is None:
		raise faults.required("Line.Amount")
	amount = money(line["Amount"], "Line.Amount")
	if amount < ZERO:
		raise faults.business("Payment line amounts can't be negative.", "Line.Amount")
	links = line.get("LinkedTxn") or []
	if not links:
		raise faults.required("Line.LinkedTxn")
	if len(links) > 1:
		raise faults.cannot_link("The emulator supports one LinkedTxn per payment line.")
	txn_type, txn_id = links[0].get("TxnType"), str(links[0].get("TxnId") or "")
	if txn_type not in (payer.debit_type, payer.credit_type, JOURNAL_ENTRY, *payer.refund_types):
		raise faults.cannot_link(f"A {payer.entity} can't be linked to TxnType {txn_type}.")
	entity = LINKED_ENTITIES.get(txn_type, txn_type)
	target = ctx.realm.get(entity, txn_id)
	if target is None:
		if ctx.realm.is_deleted(entity, txn_id):
			raise faults.not_found(element="Line.LinkedTxn")
		raise faults.invalid_reference("Line.LinkedTxn", txn_type, txn_id)
	if ctx.realm.is_voided(entity, txn_id):
		raise faults.cannot_link(f"{txn_type} {txn_id} is voided.")
	link = {"TxnId": txn_id, "TxnType": txn_type}
	key = (entity, txn_id)
	if entity == "Purchase" and PURCHASE_LINK_TYPES.get(target.get("PaymentType")) != txn_type:
		raise faults.cannot_link(
			f"Purchase {txn_id} ({target.get('PaymentType')}) can't be linked as {txn_type}."
		)
	if entity in PARTY_LINE_ENTITIES:
		party_total = party_lines_total(ctx, payer, entity, target, party)
		if not party_total or (entity != JOURNAL_ENTRY and party_total > ZERO):
			raise faults.cannot_link(
				f"{txn_type} {txn_id} has no {payer.party_account_type} line for this {payer.party.lower()}."
			)
		return amount, link, party_total > ZERO, key
	if target[payer.party_field]["value"] != party["Id"]:
		raise faults.cannot_link(f"{txn_type} {txn_id} belongs to another {payer.party.lower()}.")
	return amount, link, txn_type == payer.credit_type, key


def party_lines_total(
	ctx: WriteContext, payer: Payer, entity: str, txn: dict[str, Any], party: dict[str, Any]
) -> Decimal:
	"""What a journal entry's, refund check's or refund deposit's lines on the party account, naming the party,
	credit it (positive: a credit the payer can use; negative: a charge it can pay)."""
	total = ZERO
	for account_id, posting, named, amount in _party_lines(entity, txn):
		if named != (payer.party, party["Id"]):
			continue
		account = ctx.realm.get("Account", account_id)
		if account is None or account.get("AccountType") != payer.party_account_type:
			continue
		total += amount if posting == payer.credit_posting else -amount
	return total


def _party_lines(entity: str, txn: dict[str, Any]):
	"""(account id, posting, (party type, party id), amount) of each line of a journal entry, purchase or deposit."""
	if entity == "Purchase":
		ref = txn.get("EntityRef") or {}
		named = (str(ref.get("type") or "Vendor").capitalize(), ref.get("value"))
		posting = "Credit" if txn.get("Credit") else "Debit"  # a card credit reverses the expense
	for line in txn.get("Line") or ():
		if entity == JOURNAL_ENTRY:
			detail = line.get("JournalEntryLineDetail") or {}
			party = detail.get("Entity") or {}
			named = (party.get("Type"), (party.get("EntityRef") or {}).get("value"))
			posting = detail.get("PostingType")
		elif entity == "Deposit":
			detail = line.get("DepositLineDetail") or {}
			party = detail.get("Entity") or {}
			named, posting = (party.get("type"), party.get("value")), "Credit"
		else:
			detail = line.get("AccountBasedExpenseLineDetail") or {}
		if detail.get("AccountRef"):
			yield detail["AccountRef"]["value"], posting, named, line["Amount"]


def _check_open_balance(
	ctx: WriteContext,
	payer: Payer,
	party: dict[str, Any],
	entity: str,
	object_id: str,
	amount: Decimal,
	own: Key | None,
) -> None:
	applied = ctx.realm.indexes.applied_to((entity, object_id))
	by_others = sum((value for payer_key, value in applied.items() if payer_key != own), ZERO)
	target = ctx.realm.objects[entity][object_id]
	if entity in PARTY_LINE_ENTITIES:
		total = abs(party_lines_total(ctx, payer, entity, target, party))
	else:
		total = target["TotalAmt"]
	open_balance = total - by_others
	if amount > open_balance:
		raise faults.business(
			f"The amount applied to {entity} {object_id} ({amount}) is more than its open balance ({open_balance}).",
			"Line.Amount",
		)
