"""A QuickBooks Payment or Bill Payment made in QuickBooks -> the ERPNext Payment Entry that records it (a plain
dict, pure and Decimal; the Frappe layer inserts and submits it).

- Payment (from a customer) -> Payment Entry "Receive": paid from the invoices' receivable account, paid to the
  ERPNext account mapped to the QuickBooks deposit account (read backwards through the account mapping). A payment
  waiting in Undeposited Funds (or sent without a deposit account, which QuickBooks treats the same) goes to the
  account mapped to Undeposited Funds, else to the account chosen in QuickBooks Settings, else it waits.
- Bill Payment (to a vendor) -> Payment Entry "Pay": paid from the account mapped to the cheque's bank account or the
  credit card, paid to the bills' payable account.
- One reference per QuickBooks line, allocated with the line's amount; a Credit Memo / Vendor Credit applied on the
  payment is its ERPNext return allocated negatively (ERPNext's way of settling a return against an invoice). What
  QuickBooks leaves unapplied stays unallocated on the Payment Entry, as an advance.
- Amounts are in the payment's currency, which must be the invoices' (party account's) currency. Foreign payments
  carry QuickBooks' rate; the bank side is converted with it when the bank account is in company currency.
- A payment of zero that only applies a credit to an invoice becomes a Journal Entry settling the return against
  the invoice on the party account (company currency only).

Anything that cannot be applied raises one MappingError listing its problems; the payment waits with them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from quickbooks_connector.mapping.context import QBOAccountRef, QBOTaxCodeRef
from quickbooks_connector.mapping.errors import MappingError, Problem, Problems, _
from quickbooks_connector.mapping.money import ZERO, money, to_decimal

PAYMENT, BILL_PAYMENT = "Payment", "BillPayment"
PAYERS = (PAYMENT, BILL_PAYMENT)
# QuickBooks transaction a payment line links to -> (ERPNext doctype, sign of its allocation)
TARGETS = {
	PAYMENT: {"Invoice": ("Sales Invoice", 1), "CreditMemo": ("Sales Invoice", -1)},
	BILL_PAYMENT: {"Bill": ("Purchase Invoice", 1), "VendorCredit": ("Purchase Invoice", -1)},
}
UNDEPOSITED_FUNDS = "Undeposited Funds"


@dataclass(frozen=True)
class InboundSettings:
	"""What turning QuickBooks payments into ERPNext documents needs to know (built from QuickBooks Settings).

	- account_map: ERPNext account -> QuickBooks account, as the push uses it (read backwards here).
	- undeposited_funds_ids: QuickBooks ids of Undeposited Funds accounts (AccountSubType UndepositedFunds).
	- undeposited_funds_account: the ERPNext account a payment waiting in Undeposited Funds goes to when no ERPNext
	  account is mapped to it; None: such payments wait.
	- void_cancels: a void or delete in QuickBooks of a record the connector owns cancels the ERPNext document
	  (False: it is flagged only)."""

	realm_id: str
	company: str
	company_currency: str
	account_map: Mapping[str, QBOAccountRef]
	undeposited_funds_ids: frozenset[str] = frozenset()
	undeposited_funds_account: str | None = None
	void_cancels: bool = False
	# invoices and bills made in QuickBooks become drafts (inbound/documents.py), their tax mapped back through:
	import_documents: bool = False
	tax_code_map: Mapping[str, QBOTaxCodeRef] = field(default_factory=dict)
	tax_accounts: frozenset[str] = frozenset()
	exempt_tax_code_id: str = ""

	def erpnext_accounts(self, qbo_account_id: str) -> list[str]:
		return sorted(account for account, ref in self.account_map.items() if ref.id == qbo_account_id)


@dataclass(frozen=True)
class Target:
	"""A line of the QuickBooks payment: the ERPNext document it pays (from the connector's records) and amount."""

	txn_type: str
	txn_id: str
	amount: Decimal
	doctype: str | None = None  # None: QuickBooks holds no record the connector pushed under this id
	name: str | None = None


def targets(entity: str, payment: dict) -> list[tuple[str, str, Decimal]]:
	"""(TxnType, TxnId, amount) of every line of a Payment / BillPayment."""
	found = []
	for line in payment.get("Line") or ():
		for linked in line.get("LinkedTxn") or ():
			found.append((str(linked.get("TxnType")), str(linked.get("TxnId")), money(line.get("Amount"))))
	return found


def build(
	entity: str,
	payment: dict,
	lines: list[Target],
	documents: Mapping[tuple[str, str], dict],
	settings: InboundSettings,
	account_currency: Callable[[str], str],
) -> dict:
	"""The Payment Entry (or, for a zero payment applying credits, the Journal Entry) for a QuickBooks payment."""
	subject = f"QuickBooks {entity} {payment.get('Id')}"
	problems = Problems(subject)
	for line in lines:
		if line.name is None:
			problems.add(
				"unknown_target",
				_("It pays {txn_type} {txn_id}, which the connector did not send from ERPNext."),
				_("Record this payment in ERPNext by hand, or send the {txn_type} from ERPNext first."),
				txn_type=line.txn_type,
				txn_id=line.txn_id,
			)
		elif documents[(line.doctype, line.name)].get("docstatus") != 1:
			problems.add(
				"target_not_submitted",
				_("It pays {doctype} {name}, which is not submitted in ERPNext (cancelled?)."),
				_("Record or reverse this payment in ERPNext by hand."),
				doctype=line.doctype,
				name=line.name,
			)
	problems.raise_if_any()
	docs = [documents[(line.doctype, line.name)] for line in lines]
	party = _one_party(subject, entity, docs)
	currency = _currency(subject, payment, settings, docs)
	if money(payment.get("TotalAmt")) == ZERO:
		return _credit_journal(subject, payment, lines, docs, party, currency, settings)
	return _payment_entry(subject, entity, payment, lines, docs, party, currency, settings, account_currency)


def _payment_entry(
	subject: str,
	entity: str,
	payment: dict,
	lines: list[Target],
	docs: list[dict],
	party: tuple[str, str],
	currency: str,
	settings: InboundSettings,
	account_currency: Callable[[str], str],
) -> dict:
	receive = entity == PAYMENT
	bank = _bank_account(subject, entity, payment, settings)
	party_account = docs[0]["debit_to" if receive else "credit_to"]
	total = money(payment.get("TotalAmt"))
	rate = (
		to_decimal(payment.get("ExchangeRate") or 1) if currency != settings.company_currency else Decimal(1)
	)
	bank_currency = account_currency(bank)
	if bank_currency == currency:
		bank_amount, bank_rate = total, rate
	elif bank_currency == settings.company_currency:
		bank_amount, bank_rate = money(total * rate), Decimal(1)
	else:
		raise MappingError(
			Problem.of(
				"bank_currency",
				_("The payment is in {currency}, its bank account {account} in {bank_currency}."),
				_("Map the QuickBooks account to an ERPNext account in {currency} or in company currency."),
				currency=currency,
				account=bank,
				bank_currency=bank_currency,
			),
			subject,
		)
	date = payment.get("TxnDate")
	entry = {
		"doctype": "Payment Entry",
		"payment_type": "Receive" if receive else "Pay",
		"company": settings.company,
		"posting_date": date,
		"party_type": party[0],
		"party": party[1],
		"paid_from": party_account if receive else bank,
		"paid_to": bank if receive else party_account,
		"paid_from_account_currency": currency if receive else bank_currency,
		"paid_to_account_currency": bank_currency if receive else currency,
		"paid_amount": total if receive else bank_amount,
		"received_amount": bank_amount if receive else total,
		"source_exchange_rate": rate if receive else bank_rate,
		"target_exchange_rate": bank_rate if receive else rate,
		"reference_no": _reference(entity, payment),
		"reference_date": date,
		"remarks": f"Recorded in QuickBooks: {entity} {payment.get('Id')}",
		"references": _references(lines),
	}
	return entry


def _credit_journal(
	subject: str,
	payment: dict,
	lines: list[Target],
	docs: list[dict],
	party: tuple[str, str],
	currency: str,
	settings: InboundSettings,
) -> dict:
	if currency != settings.company_currency:
		raise MappingError(
			Problem.of(
				"credit_application_currency",
				_("A credit applied in {currency} cannot be recorded automatically."),
				_("Reconcile the return against the invoice in ERPNext (Payment Reconciliation)."),
				currency=currency,
			),
			subject,
		)
	receive = party[0] == "Customer"
	rows = []
	for line, doc in zip(lines, docs, strict=True):
		settles_invoice = TARGETS_SIGN[line.txn_type] > 0
		# The invoice's side moves the party account as a payment would, the return's side the other way.
		debit = settles_invoice != receive
		rows.append(
			{
				"account": doc["debit_to" if receive else "credit_to"],
				"party_type": party[0],
				"party": party[1],
				"debit_in_account_currency": line.amount if debit else ZERO,
				"credit_in_account_currency": ZERO if debit else line.amount,
				"reference_type": line.doctype,
				"reference_name": line.name,
			}
		)
	return {
		"doctype": "Journal Entry",
		"voucher_type": "Credit Note" if receive else "Debit Note",
		"company": settings.company,
		"posting_date": payment.get("TxnDate"),
		"cheque_no": _reference(PAYMENT if receive else BILL_PAYMENT, payment),
		"cheque_date": payment.get("TxnDate"),
		"user_remark": f"Credit applied in QuickBooks: {'Payment' if receive else 'BillPayment'} {payment.get('Id')}",
		"accounts": rows,
	}


TARGETS_SIGN = {txn: sign for table in TARGETS.values() for txn, (_doctype, sign) in table.items()}


def _references(lines: list[Target]) -> list[dict]:
	return [
		{
			"reference_doctype": line.doctype,
			"reference_name": line.name,
			"allocated_amount": line.amount * TARGETS_SIGN[line.txn_type],
		}
		for line in lines
	]


def _reference(entity: str, payment: dict) -> str:
	return str(
		payment.get("PaymentRefNum") or payment.get("DocNumber") or f"QuickBooks {entity} {payment['Id']}"
	)


def _one_party(subject: str, entity: str, docs: list[dict]) -> tuple[str, str]:
	party_type, field = ("Customer", "customer") if entity == PAYMENT else ("Supplier", "supplier")
	parties = sorted({doc.get(field) for doc in docs})
	if len(parties) != 1:
		raise MappingError(
			Problem.of(
				"several_parties",
				_("It pays documents of several ERPNext parties: {parties}."),
				_("Record this payment in ERPNext by hand."),
				parties=", ".join(str(party) for party in parties),
			),
			subject,
		)
	return party_type, parties[0]


def _currency(subject: str, payment: dict, settings: InboundSettings, docs: list[dict]) -> str:
	currency = ((payment.get("CurrencyRef") or {}).get("value") or settings.company_currency).upper()
	mismatched = sorted(
		{
			doc["name"]
			for doc in docs
			if (doc.get("party_account_currency") or doc.get("currency")) != currency
		}
	)
	if mismatched:
		raise MappingError(
			Problem.of(
				"currency_mismatch",
				_("The payment is in {currency}, but {documents} are not."),
				_("Record this payment in ERPNext by hand."),
				currency=currency,
				documents=", ".join(mismatched),
			),
			subject,
		)
	return currency


def _bank_account(subject: str, entity: str, payment: dict, settings: InboundSettings) -> str:
	if entity == PAYMENT:
		ref = payment.get("DepositToAccountRef") or {}
	else:
		ref = (
			(payment.get("CheckPayment") or {}).get("BankAccountRef")
			or (payment.get("CreditCardPayment") or {}).get("CCAccountRef")
			or {}
		)
	qbo_id = str(ref.get("value") or "")
	undeposited = not qbo_id or qbo_id in settings.undeposited_funds_ids
	candidates = settings.erpnext_accounts(qbo_id) if qbo_id else []
	if len(candidates) == 1:
		return candidates[0]
	if undeposited and not candidates and settings.undeposited_funds_account:
		return settings.undeposited_funds_account
	account = ref.get("name") or (UNDEPOSITED_FUNDS if undeposited else qbo_id)
	if candidates:
		problem = Problem.of(
			"ambiguous_account",
			_("Several ERPNext accounts are mapped to the QuickBooks account {account}: {candidates}."),
			_("Keep one mapping to {account} in QuickBooks Settings, then press Retry."),
			account=account,
			candidates=", ".join(candidates),
		)
	elif undeposited:
		problem = Problem.of(
			"undeposited_funds",
			_("The payment waits in QuickBooks' Undeposited Funds, which no ERPNext account stands for."),
			_(
				"Choose the Undeposited Funds account in QuickBooks Settings (or map one to it), then press Retry."
			),
		)
	else:
		problem = Problem.of(
			"unmapped_bank_account",
			_("No ERPNext account is mapped to the QuickBooks account {account} the payment went to."),
			_("Map an ERPNext bank account to {account} in QuickBooks Settings, then press Retry."),
			account=account,
		)
	raise MappingError(problem, subject)
