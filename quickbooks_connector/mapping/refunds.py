"""Refunds: money paid back to a customer, or received back from a supplier, as QuickBooks books it.

ERPNext books a refund as a Payment Entry ("Pay" to a Customer, "Receive" from a Supplier) or as a return paid at
once (a POS Sales Invoice return with payments, a Purchase Invoice return with "Is Paid"). QuickBooks has no
Payment that pays money out to a customer, nor a Bill Payment that brings money in from a supplier, so:

- Refund to a customer of a credit it holds (a credit note, an advance): a Check (Purchase, PaymentType Check from
  a Bank account, Cash from an Other Current Asset) to the customer (EntityRef type Customer) with one line on the
  receivable account. It credits the bank and debits A/R for the customer, as ERPNext's GL rows do. The credit
  notes it refunds are then linked to it by a zero-total Payment (one line linking the Check, TxnType "Check" or
  "Expense", one per CreditMemo), which is Intuit's way to refund a credit memo: the credit memo's balance drops by
  what was refunded, as ERPNext's outstanding does. A RefundReceipt is not used here: it has item lines (income)
  and no A/R side, so it would reverse the income a second time and leave the credit memo open.
- Refund from a supplier of a credit we hold (a debit note, an advance paid): a Deposit into the bank with one
  DepositLineDetail line on the payable account naming the vendor (Entity), which debits the bank and credits A/P
  for the vendor, then a zero-total Bill Payment linking the Deposit and the VendorCredit it refunds (the way
  QuickBooks' Pay Bills screen settles a vendor refund). [U] Intuit documents Bill, VendorCredit and JournalEntry
  as what a Bill Payment line links; linking a Deposit is what the QuickBooks screen does and is unconfirmed
  through the API.
- A POS return refunded in full from one account: a RefundReceipt (sales.py): its lines reverse the income and tax
  and its DepositToAccountRef is the account the money came from, with no A/R side, as ERPNext's GL nets the
  receivable of such a return to zero. A RefundReceipt is deleted on cancel ([U] whether the API voids one).
- A Purchase Invoice return with "Is Paid": the VendorCredit, the refund Deposit (created first) and the Bill
  Payment linking them (purchase.py).

Refunds paid through a credit card account are refused with the reason (a Deposit goes to a bank or asset account;
how QuickBooks links a card charge to a credit memo is not known).
"""

from __future__ import annotations

from decimal import Decimal

from quickbooks_connector.mapping.context import CREDIT_CARD, QBOAccountRef
from quickbooks_connector.mapping.errors import Problems, _
from quickbooks_connector.mapping.lines import optional_header_fields
from quickbooks_connector.mapping.money import ZERO, money

REFUND = "refund"  # companion key of a return's refund Deposit
APPLY_REFUND = "apply-refund"  # companion key of the zero-total payment that links a refund to the credits
# Purchase PaymentType -> the TxnType a Payment line links such a Purchase as
LINK_TYPES = {"Check": "Check", "Cash": "Expense"}


def refused_account(account: QBOAccountRef | None, what: str, problems: Problems) -> bool:
	"""Records a problem when the refund goes through a credit card account (see the module's note)."""
	if account is None or account.account_type != CREDIT_CARD:
		return False
	problems.add(
		"refund_through_credit_card",
		_(
			"The {what} goes through '{account}', a credit card account in QuickBooks; the connector books refunds "
			"through bank and cash accounts only."
		),
		_(
			"Record this refund in QuickBooks by hand, or pay it through a bank or cash account in ERPNext (cancel "
			"and amend), then press Retry on the QuickBooks sync record."
		),
		what=what,
		account=account.name,
	)
	return True


def payment_type(paid_from: QBOAccountRef) -> str:
	"""PaymentType of the refund Check: Check from a bank account, Cash from any other asset account."""
	return "Check" if paid_from.account_type == "Bank" else "Cash"


def customer_refund_check(
	*,
	customer_id: str,
	paid_from: QBOAccountRef,
	receivable: QBOAccountRef,
	amount: Decimal,
	doc_number: str | None,
	txn_date: str | None,
	private_note: str,
	currency_fields: dict,
) -> dict:
	"""The Check (Purchase) that pays `amount` back to the customer: the bank is credited, the customer's
	receivable debited."""
	body: dict = {
		"PaymentType": payment_type(paid_from),
		"AccountRef": paid_from.ref(),
		"EntityRef": {"value": customer_id, "type": "Customer"},
		"Line": [
			{
				"DetailType": "AccountBasedExpenseLineDetail",
				"Amount": money(amount),
				"Description": "Refund to the customer",
				"AccountBasedExpenseLineDetail": {"AccountRef": receivable.ref()},
			}
		],
		**optional_header_fields(
			txn_date=txn_date, private_note=private_note, currency=None, exchange_rate=None
		),
		**currency_fields,
	}
	if doc_number:
		body["DocNumber"] = doc_number
	return body


def vendor_refund_deposit(
	*,
	vendor_id: str,
	deposit_to: QBOAccountRef,
	payable: QBOAccountRef,
	amount: Decimal,
	txn_date: str | None,
	private_note: str,
	currency_fields: dict,
	reference: str = "",
) -> dict:
	"""The Deposit of `amount` the vendor paid back: the bank is debited, the vendor's payable credited."""
	detail: dict = {"AccountRef": payable.ref(), "Entity": {"value": vendor_id, "type": "Vendor"}}
	if reference:
		detail["CheckNum"] = reference
	return {
		"DepositToAccountRef": deposit_to.ref(),
		"Line": [
			{
				"DetailType": "DepositLineDetail",
				"Amount": money(amount),
				"Description": "Refund from the supplier",
				"DepositLineDetail": detail,
			}
		],
		**optional_header_fields(
			txn_date=txn_date, private_note=private_note, currency=None, exchange_rate=None
		),
		**currency_fields,
	}


def customer_refund_application(
	*,
	customer_id: str,
	refund_id: str,
	refund_link_type: str,
	credits: list[tuple[str, Decimal]],
	header: dict,
) -> dict:
	"""A zero-total Payment linking the refund Check (`refund_link_type` "Check" or "Expense") with the credit memos
	it refunds, (credit memo id, amount) each; `header` holds date, note, currency and receivable account."""
	return {
		"CustomerRef": {"value": customer_id},
		"TotalAmt": ZERO,
		"Line": _linking_lines(refund_id, refund_link_type, credits, "CreditMemo"),
		**header,
	}


def vendor_refund_application(
	*,
	vendor_id: str,
	deposit_id: str,
	credits: list[tuple[str, Decimal]],
	bank: QBOAccountRef,
	header: dict,
) -> dict:
	"""A zero-total Bill Payment linking the refund Deposit with the vendor credits it refunds. QuickBooks wants a
	bank account on every Bill Payment, even when no money moves."""
	return {
		"VendorRef": {"value": vendor_id},
		"PayType": "Check",
		"CheckPayment": {"BankAccountRef": bank.ref()},
		"TotalAmt": ZERO,
		"Line": _linking_lines(deposit_id, "Deposit", credits, "VendorCredit"),
		**header,
	}


def _linking_lines(
	refund_id: str, refund_type: str, credits: list[tuple[str, Decimal]], credit_type: str
) -> list[dict]:
	total = sum((money(amount) for _, amount in credits), ZERO)
	return [
		{"Amount": total, "LinkedTxn": [{"TxnId": refund_id, "TxnType": refund_type}]},
		*(
			{"Amount": money(amount), "LinkedTxn": [{"TxnId": credit_id, "TxnType": credit_type}]}
			for credit_id, amount in credits
		),
	]
