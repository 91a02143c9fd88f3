"""Payment Entry -> QuickBooks Payment / BillPayment (and Internal Transfer -> JournalEntry).

- Receive from a Customer -> Payment: TotalAmt = `paid_amount` (party currency, the receivable account's),
  DepositToAccountRef = the mapped `paid_to`. One Line per reference to a Sales Invoice (LinkedTxn to the Invoice,
  or to the CreditMemo when a return is allocated negatively).
- Pay to a Supplier -> BillPayment: TotalAmt = `received_amount` (payable account's currency), PayType CreditCard
  when the mapped `paid_from` is a QuickBooks credit card account, else Check. One Line per Purchase Invoice
  reference (Bill / VendorCredit).
- ExchangeRate: QuickBooks moves the bank account by TotalAmt x ExchangeRate, so the rate is the one that converts
  TotalAmt to what ERPNext's bank account moves (`base_received_amount` / `base_paid_amount`): the source / target
  exchange rate, unless the bank's amount differs from the party's converted amount (ERPNext's exchange gain/loss
  row). QuickBooks relieves the invoices at their own rates and books the difference as exchange gain or loss.
- Amounts not allocated to a document QuickBooks has (advances, Sales/Purchase Orders, Journal Entries) stay
  unapplied: QuickBooks keeps them as the party's credit (UnappliedAmt), just as ERPNext keeps an advance on the
  party account. The PrivateNote says what they were allocated to in ERPNext.
- Deductions (write-offs, bank charges, discounts taken) -> a JournalEntry created first (prerequisite
  "deductions") that debits each deduction account and credits the receivable/payable with the party as Entity;
  the payment applies it like a credit (LinkedTxn TxnType JournalEntry), so the party's balance moves by the full
  allocation while the bank moves by the money actually paid. ERPNext keeps deductions in company currency; for a
  foreign-currency party the journal is in the party's currency, with amounts and an ExchangeRate of its own under
  which QuickBooks converts every line back to ERPNext's amounts (when no rate does, the payment fails and says
  so). Exchange gain/loss rows are not sent: QuickBooks books realised exchange differences itself.
- Pay to a Customer (a refund of its credit note or advance) -> a Check (Purchase) on the receivable for the
  customer, linked to the credit memos it refunds by a zero-total Payment (followup "apply-refund"); Receive from a
  Supplier (a refund of a debit note or advance) -> a Deposit on the payable for the vendor, linked to the vendor
  credits by a zero-total Bill Payment. See refunds.py for why these records.
- Internal Transfer between accounts in the company currency -> JournalEntry (credit paid_from, debit paid_to,
  deductions).
- What no QuickBooks payment form books -> a JournalEntry of the payment's own GL rows (gl_journal.py): payments to
  or from an Employee (the QuickBooks Employee named on its rows), a Shareholder or another party type QuickBooks
  has no record for (named in the line's description), payments without a party, payments with Advance Taxes and
  Charges (rows against invoices applied to them as journal rows are), internal transfers across currencies (a
  journal in the foreign currency at the rate that keeps both accounts' company-currency amounts; between two
  foreign currencies refused with what to do). The port loads the GL rows of these (`reads_gl_rows`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from quickbooks_connector.mapping import gl_journal, journal
from quickbooks_connector.mapping.context import MappingContext, QBOAccountRef
from quickbooks_connector.mapping.dimensions import DEPARTMENT_REF, Dimensions, tags_of
from quickbooks_connector.mapping.errors import MappingError, Problem, Problems, _
from quickbooks_connector.mapping.lines import (
	AccountBook,
	cent_splits,
	check_currency,
	currency_arguments,
	currency_fields,
	flag,
	optional_header_fields,
	party_account_field,
	rate_converting,
	rate_within,
)
from quickbooks_connector.mapping.money import ZERO, fmt, money, to_decimal
from quickbooks_connector.mapping.naming import doc_number, private_note, reference_number
from quickbooks_connector.mapping.payload import Origin, QBOPayload, Skip
from quickbooks_connector.mapping.purchase import pay_from
from quickbooks_connector.mapping.refs import Dependencies, LinkedDoc, PartySpec, Refs
from quickbooks_connector.mapping.refunds import (
	APPLY_REFUND,
	LINK_TYPES,
	customer_refund_application,
	customer_refund_check,
	payment_type,
	refused_account,
	vendor_refund_application,
	vendor_refund_deposit,
)

DOCTYPE = "Payment Entry"
DEDUCTIONS = "deductions"
# the Payment Entry's tables as the form names them, for messages
REFERENCES = "Payment References"
DEDUCTIONS_TABLE = "Payment Deductions or Loss"
ALLOCATION_FIX = _(
	"Correct the allocation in ERPNext (cancel and amend the payment), then press Retry on the QuickBooks sync record."
)
CUSTOMER_DOCTYPES = ("Sales Invoice",)
SUPPLIER_DOCTYPES = ("Purchase Invoice",)
CUSTOMER_REFUND, VENDOR_REFUND = "CustomerRefund", "VendorRefund"
# what a return (allocated negatively) is in QuickBooks
RETURN_ENTITIES = {"Sales Invoice": "CreditMemo", "Purchase Invoice": "VendorCredit"}
# (payment_type, party_type) -> kind
KINDS = {
	("Receive", "Customer"): "Customer",
	("Pay", "Supplier"): "Vendor",
	("Pay", "Customer"): CUSTOMER_REFUND,
	("Receive", "Supplier"): VENDOR_REFUND,
}


@dataclass(frozen=True)
class Allocation:
	doctype: str
	name: str
	amount: Decimal  # party currency, negative for a return allocated against the payment


@dataclass
class PaymentPlan:
	name: str
	kind: str  # "Customer" | "Vendor" | "Transfer" | CUSTOMER_REFUND | VENDOR_REFUND
	party: str
	currency: str
	exchange_rate: Decimal
	total: Decimal
	bank: QBOAccountRef | None
	party_account: QBOAccountRef | None
	allocations: list[Allocation]
	deductions: list[tuple[QBOAccountRef, Decimal]]  # party currency
	notes: list[str] = field(default_factory=list)
	deduction_rate: Decimal = Decimal(1)  # ExchangeRate of the deductions journal
	txn_date: str | None = None
	reference: str = ""
	application_bank: QBOAccountRef | None = None  # a supplier refund's Bill Payment names it
	# ClassRef / DepartmentRef of each line of `deductions` and of the deductions journal's party line, and the
	# payment's own DepartmentRef (see dimensions.py)
	line_dimensions: list[dict] = field(default_factory=list)
	party_dimensions: dict = field(default_factory=dict)
	dimensions: dict = field(default_factory=dict)

	@property
	def deduction_total(self) -> Decimal:
		return sum((amount for _, amount in self.deductions), ZERO)

	@property
	def is_refund(self) -> bool:
		return self.kind in (CUSTOMER_REFUND, VENDOR_REFUND)

	@property
	def party_kind(self) -> str:
		return "Customer" if self.kind in ("Customer", CUSTOMER_REFUND) else "Vendor"


def reads_gl_rows(doc: Mapping) -> bool:
	"""Whether the mapping may book the payment from its GL rows, which the port then loads: the payments
	`_booked_from_gl`, and internal transfers (those across currencies are)."""
	return doc.get("payment_type") == "Internal Transfer" or _booked_from_gl(doc)


def _booked_from_gl(doc: Mapping) -> bool:
	"""Payments no QuickBooks payment form books: other party types, no party, Advance Taxes and Charges."""
	return KINDS.get((doc.get("payment_type"), doc.get("party_type"))) is None or bool(doc.get("taxes"))


def plan(doc: Mapping, ctx: MappingContext) -> PaymentPlan | journal.JournalPlan | Skip:
	name = doc["name"]
	payment_type = doc.get("payment_type")
	party_type = doc.get("party_type")
	if payment_type == "Internal Transfer":
		return _plan_transfer(doc, ctx)
	if _booked_from_gl(doc):
		return _plan_from_gl(doc, ctx)
	kind = KINDS[(payment_type, party_type)]
	problems = Problems(f"{DOCTYPE} {name}")
	receive = payment_type == "Receive"  # money comes in: the party's amount is paid_amount, the bank paid_to
	refund = kind in (CUSTOMER_REFUND, VENDOR_REFUND)
	currency = (
		doc.get("paid_from_account_currency" if receive else "paid_to_account_currency") or ""
	).upper()
	currency = currency or ctx.company_currency
	check_currency(currency, ctx, problems, f"{DOCTYPE} {name}")
	total = money(doc.get("paid_amount" if receive else "received_amount"))
	rate = rate_converting(
		total,
		money(doc.get("base_received_amount" if receive else "base_paid_amount")),
		to_decimal(doc.get("source_exchange_rate" if receive else "target_exchange_rate") or 1),
	)
	accounts = AccountBook(ctx, problems)
	bank_field = "paid_to" if receive else "paid_from"
	bank = accounts.get(
		doc.get(bank_field), "bank/cash account the payment " + ("went into" if receive else "came from")
	)
	_check_bank_currency(doc, bank_field, currency, ctx, problems)

	customer = party_type == "Customer"
	allocations, notes = _allocations(doc, CUSTOMER_DOCTYPES if customer else SUPPLIER_DOCTYPES)
	unallocated = money(doc.get("unallocated_amount"))
	if unallocated:
		notes.append(f"{fmt(unallocated)} {currency} unallocated (advance) is left unapplied")
		if flag(doc, "book_advance_payments_in_separate_party_account"):
			problems.add(
				"advance_in_separate_account",
				_(
					"The unallocated {amount} is booked on a separate advance account in ERPNext, while QuickBooks "
					"keeps unapplied payments on the receivable/payable account."
				),
				_(
					"Allocate the payment to invoices in ERPNext (Payment Reconciliation) or turn off 'Book Advance "
					"Payments in Separate Party Account', then press Retry on the QuickBooks sync record."
				),
				amount=fmt(unallocated),
			)

	dimensions = Dimensions(ctx, problems)
	deductions, deduction_notes, line_dimensions = _deductions(doc, accounts, ctx, dimensions)
	notes.extend(deduction_notes)
	own = tags_of(None, doc, ctx)
	party_dimensions = dimensions.line_refs(own, "the payment") if deductions and not refund else {}
	department = dimensions.department_of(own, "the payment")
	party_account = None
	deduction_rate = rate
	application_bank = None
	if refund:
		_check_refund(deductions, problems)
		refused_account(bank, "refund", problems)
		party_account = accounts.get(
			doc.get("paid_from" if receive else "paid_to"), "receivable/payable account the refund settles"
		)
		if kind == VENDOR_REFUND and allocations:
			application_bank = _application_bank(bank, ctx, problems)
	elif deductions:
		party_field = "paid_from" if receive else "paid_to"
		party_account = accounts.get(doc.get(party_field), "party account of the deductions journal")
		# what the party is relieved of beyond the money paid, in its currency
		allocated = money(doc.get("total_allocated_amount")) + unallocated
		beyond_paid = allocated - total if receive else total - allocated
		converted = _in_party_currency(deductions, rate, beyond_paid)
		if converted is None:
			problems.add(
				"deductions_without_exchange_rate",
				_(
					"The deductions ({deductions} {company_currency}) go to QuickBooks as one {currency} journal "
					"entry with one exchange rate, and no rate turns whole {currency} cents adding up to {total} "
					"{currency} into exactly these {company_currency} amounts."
				),
				_(
					"Put the deductions on one row (cancel and amend the payment), or record them in QuickBooks by "
					"hand, then press Retry on the QuickBooks sync record."
				),
				deductions=", ".join(f"{account.name} {fmt(amount)}" for account, amount in deductions),
				company_currency=ctx.company_currency,
				currency=currency,
				total=fmt(beyond_paid),
			)
		else:
			deductions, deduction_rate = converted
		detail = ", ".join(f"{account.name} {fmt(amount)}" for account, amount in deductions)
		notes.append(f"deductions {detail} in a journal entry")
	accounts.report()
	dimensions.report()
	problems.raise_if_any()
	return PaymentPlan(
		name=name,
		kind=kind,
		party=doc["party"],
		currency=currency,
		exchange_rate=rate,
		total=total,
		bank=bank,
		party_account=party_account,
		allocations=allocations,
		deductions=deductions,
		notes=notes,
		txn_date=doc.get("posting_date"),
		reference=reference_number(doc.get("reference_no")),
		deduction_rate=deduction_rate,
		application_bank=application_bank,
		line_dimensions=line_dimensions,
		party_dimensions=party_dimensions,
		dimensions={DEPARTMENT_REF: department.ref()} if department is not None else {},
	)


def _allocations(doc: Mapping, linkable: tuple[str, ...]) -> tuple[list[Allocation], list[str]]:
	"""Allocations to documents QuickBooks has, merged per document (ERPNext has one row per payment term), and
	notes for the amounts that stay unapplied."""
	allocated: dict[tuple[str, str], Decimal] = {}
	notes = []
	for ref in doc.get("references") or []:
		amount = money(ref.get("allocated_amount"))
		if not amount:
			continue
		if ref.get("reference_doctype") in linkable:
			key = (ref["reference_doctype"], ref["reference_name"])
			allocated[key] = allocated.get(key, ZERO) + amount
		else:
			notes.append(
				f"{fmt(amount)} allocated to {ref.get('reference_doctype')} {ref.get('reference_name')} in ERPNext "
				"is left unapplied"
			)
	allocations = [
		Allocation(doctype, name, amount) for (doctype, name), amount in allocated.items() if amount
	]
	return allocations, notes


def _deductions(
	doc: Mapping, accounts: AccountBook, ctx: MappingContext, dimensions: Dimensions
) -> tuple[list[tuple[QBOAccountRef, Decimal]], list[str], list[dict]]:
	"""(account, company-currency amount) per deduction row, leaving exchange gain/loss rows to QuickBooks, and
	each one's ClassRef / DepartmentRef."""
	deductions, notes, refs = [], [], []
	for row in doc.get("deductions") or []:
		amount = money(row.get("amount"))
		if not amount:
			continue
		if row.get("is_exchange_gain_loss"):
			notes.append(f"exchange gain/loss {fmt(amount)} {ctx.company_currency} is booked by QuickBooks")
			continue
		account = _deduction_account(row, accounts)
		if account is not None:
			deductions.append((account, amount))
			refs.append(dimensions.line_refs(tags_of(row, doc, ctx), _deduction_place(row)))
	return deductions, notes, refs


def _deduction_place(row: Mapping) -> str:
	return f"{DEDUCTIONS_TABLE} row {row.get('idx') or ''} ({row.get('account')})"


def _deduction_account(row: Mapping, accounts: AccountBook) -> QBOAccountRef | None:
	return accounts.get(row.get("account"), f"deduction '{row.get('description') or row.get('account')}'")


def dependencies(
	planned: PaymentPlan | journal.JournalPlan, doc: Mapping, ctx: MappingContext
) -> Dependencies:
	if isinstance(planned, journal.JournalPlan):
		return journal.dependencies(planned, doc, ctx)
	if planned.kind == "Transfer":
		return Dependencies(party=None)
	linked = tuple(
		LinkedDoc(
			allocation.doctype,
			allocation.name,
			f"{DOCTYPE} {planned.name} is allocated to it",
			RETURN_ENTITIES.get(allocation.doctype) if allocation.amount < 0 else None,
		)
		for allocation in planned.allocations
	)
	return Dependencies(party=PartySpec(planned.party_kind, planned.party, planned.currency), linked=linked)


def build_prerequisites(
	planned: PaymentPlan | journal.JournalPlan, doc: Mapping, ctx: MappingContext, refs: Refs
) -> list[QBOPayload]:
	if isinstance(planned, journal.JournalPlan):
		return journal.build_prerequisites(planned, doc, ctx, refs)
	if planned.kind == "Transfer" or planned.is_refund or not planned.deductions:
		return []
	body = build_deduction_journal(
		party_kind=planned.kind,
		party_id=refs.require_party(),
		party_account=planned.party_account,
		deductions=planned.deductions,
		txn_date=planned.txn_date,
		doc_number=doc_number(planned.name),
		private_note=private_note(DOCTYPE, planned.name, "deductions"),
		**currency_arguments(planned.currency, planned.deduction_rate, ctx),
		line_dimensions=planned.line_dimensions,
		party_dimensions=planned.party_dimensions,
	)
	origins = tuple(Origin(f"{DEDUCTIONS_TABLE} ({account.name})") for account, _ in planned.deductions)
	return [
		QBOPayload(
			"JournalEntry", body, doc_number(planned.name), ZERO, key=DEDUCTIONS, origins=(*origins, None)
		)
	]


def build_payload(
	planned: PaymentPlan | journal.JournalPlan, doc: Mapping, ctx: MappingContext, refs: Refs
) -> QBOPayload:
	if isinstance(planned, journal.JournalPlan):
		return journal.build_payload(planned, doc, ctx, refs)
	if planned.kind == "Transfer":
		return _transfer_payload(planned, ctx)
	if planned.is_refund:
		return _refund_payload(planned, ctx, refs)
	lines = [_allocation_line(allocation, refs, planned.kind) for allocation in planned.allocations]
	origins = [
		Origin(f"{REFERENCES} ({allocation.doctype} {allocation.name})", "Allocated")
		for allocation in planned.allocations
	]
	if planned.deductions and planned.deduction_total:
		journal_id = refs.companions.get(DEDUCTIONS)
		if not journal_id:
			raise LookupError(
				"Refs.companions has no 'deductions' JournalEntry: create build_prerequisites first"
			)
		lines.append(
			{
				"Amount": abs(planned.deduction_total),
				"LinkedTxn": [{"TxnId": journal_id, "TxnType": "JournalEntry"}],
			}
		)
		origins.append(Origin(DEDUCTIONS_TABLE))
	note = private_note(DOCTYPE, planned.name, *_reference_note(planned), *planned.notes)
	body: dict = {
		"TotalAmt": planned.total,
		"TxnDate": planned.txn_date,
		"PrivateNote": note,
		**currency_fields(planned.currency, planned.exchange_rate, ctx),
		**party_account_field(doc.get(_party_field(planned.kind)), ctx),
		**planned.dimensions,
	}
	if lines:
		body["Line"] = lines
	if planned.kind == "Customer":
		body["CustomerRef"] = {"value": refs.require_party()}
		body["PaymentRefNum"] = planned.reference or doc_number(planned.name)
		body["DepositToAccountRef"] = planned.bank.ref()
		return QBOPayload("Payment", body, None, planned.total, origins=tuple(origins))
	body["VendorRef"] = {"value": refs.require_party()}
	body["DocNumber"] = doc_number(planned.name)
	body.update(pay_from(planned.bank))
	return QBOPayload("BillPayment", body, doc_number(planned.name), planned.total, origins=tuple(origins))


def build_followups(
	planned: PaymentPlan | journal.JournalPlan, doc: Mapping, ctx: MappingContext, refs: Refs, qbo_id: str
) -> list[QBOPayload]:
	if isinstance(planned, journal.JournalPlan):
		return journal.build_followups(planned, doc, ctx, refs, qbo_id)
	if not (planned.is_refund and planned.allocations):
		return []
	credits = [_refunded_credit(allocation, refs, planned.kind) for allocation in planned.allocations]
	refunded = ", ".join(f"{allocation.doctype} {allocation.name}" for allocation in planned.allocations)
	header = {
		"TxnDate": planned.txn_date,
		"PrivateNote": private_note(DOCTYPE, planned.name, f"refund applied to {refunded}"),
		**currency_fields(planned.currency, planned.exchange_rate, ctx),
		**party_account_field(doc.get(_party_field(planned.kind)), ctx),
	}
	header = {key: value for key, value in header.items() if value is not None}
	if planned.kind == CUSTOMER_REFUND:
		body = customer_refund_application(
			customer_id=refs.require_party(),
			refund_id=qbo_id,
			refund_link_type=LINK_TYPES[payment_type(planned.bank)],
			credits=credits,
			header=header,
		)
		return [QBOPayload("Payment", body, None, ZERO, key=APPLY_REFUND)]
	body = vendor_refund_application(
		vendor_id=refs.require_party(),
		deposit_id=qbo_id,
		credits=credits,
		bank=planned.application_bank,
		header=header,
	)
	return [QBOPayload("BillPayment", body, None, ZERO, key=APPLY_REFUND)]


def build_deduction_journal(
	*,
	party_kind: str,
	party_id: str,
	party_account: QBOAccountRef,
	deductions: list[tuple[QBOAccountRef, Decimal]],
	txn_date: str | None = None,
	doc_number: str | None = None,
	private_note: str = "",
	currency: str | None = None,
	exchange_rate: Decimal | None = None,
	line_dimensions: Sequence[Mapping[str, dict]] = (),
	party_dimensions: Mapping[str, dict] | None = None,
) -> dict:
	"""JournalEntry for a payment's deductions: each (account, amount) is debited (credited when negative) and the
	party's receivable/payable takes the opposite side with the party as Entity, so the payment can apply it.
	`line_dimensions`: each deduction line's ClassRef / DepartmentRef; `party_dimensions`: the party line's."""
	lines = [_journal_line(account, amount, f"Deduction: {account.name}") for account, amount in deductions]
	for line, refs in zip(lines, line_dimensions, strict=False):
		line["JournalEntryLineDetail"].update(refs)
	total = sum((amount for _, amount in deductions), ZERO)
	if total:
		party_line = _journal_line(party_account, -total, "Deductions of the payment")
		party_line["JournalEntryLineDetail"]["Entity"] = {
			"Type": party_kind,
			"EntityRef": {"value": party_id},
		}
		party_line["JournalEntryLineDetail"].update(party_dimensions or {})
		lines.append(party_line)
	body: dict = {"Line": lines}
	if doc_number:
		body["DocNumber"] = doc_number
	body.update(
		optional_header_fields(
			txn_date=txn_date, private_note=private_note, currency=currency, exchange_rate=exchange_rate
		)
	)
	return body


def _journal_line(
	account: QBOAccountRef, debit: Decimal, description: str, dimensions: Mapping[str, dict] | None = None
) -> dict:
	return {
		"DetailType": "JournalEntryLineDetail",
		"Amount": abs(debit),
		"Description": description,
		"JournalEntryLineDetail": {
			"PostingType": "Debit" if debit > 0 else "Credit",
			"AccountRef": account.ref(),
			**(dimensions or {}),
		},
	}


def _allocation_line(allocation: Allocation, refs: Refs, kind: str) -> dict:
	txn = refs.require_linked(allocation.doctype, allocation.name)
	credits = ("CreditMemo",) if kind == "Customer" else ("VendorCredit",)
	if (allocation.amount < 0) != (txn.entity in credits):
		facts = {
			"doctype": DOCTYPE,
			"amount": fmt(allocation.amount),
			"linked_doctype": allocation.doctype,
			"linked_name": allocation.name,
			"entity": txn.entity,
		}
		if allocation.amount < 0:
			raise MappingError(
				Problem.of(
					"negative_allocation",
					_(
						"{doctype} allocates {amount} to {linked_doctype} {linked_name}, which is a {entity} in "
						"QuickBooks; a negative allocation cannot apply to it."
					),
					ALLOCATION_FIX,
					**facts,
				)
			)
		raise MappingError(
			Problem.of(
				"positive_allocation",
				_(
					"{doctype} allocates {amount} to {linked_doctype} {linked_name}, which is a {entity} in "
					"QuickBooks; a positive allocation cannot apply to it."
				),
				ALLOCATION_FIX,
				**facts,
			)
		)
	return {"Amount": abs(allocation.amount), "LinkedTxn": [{"TxnId": txn.id, "TxnType": txn.entity}]}


def _in_party_currency(
	deductions: list[tuple[QBOAccountRef, Decimal]], rate: Decimal, party_total: Decimal
) -> tuple[list[tuple[QBOAccountRef, Decimal]], Decimal] | None:
	"""The deductions (company currency) in the party's currency, adding up to `party_total` (what ERPNext relieves
	the party of beyond the money paid, in its currency), with the journal's ExchangeRate under which QuickBooks
	converts every line and the total back to ERPNext's amounts; None when no split tried has such a rate. Tried:
	each line converted at the payment's rate, then moved by a cent either way, keeping the total."""
	if rate == 1:
		return deductions, rate
	amounts = [amount for _, amount in deductions]
	home_total = sum(amounts, ZERO)
	for split in cent_splits([money(amount / rate) for amount in amounts], party_total):
		found = rate_within([*zip(split, amounts, strict=True), (party_total, home_total)], rate)
		if found is not None:
			return list(zip([account for account, _ in deductions], split, strict=True)), found
	return None


def _check_bank_currency(
	doc: Mapping, bank_field: str, currency: str, ctx: MappingContext, problems: Problems
) -> None:
	bank_currency = (doc.get(f"{bank_field}_account_currency") or currency).upper()
	if bank_currency not in (currency, ctx.qbo_home_currency):
		problems.add(
			"bank_currency_differs",
			_(
				"The payment is in {currency} but its bank account '{account}' is in {bank_currency}; QuickBooks "
				"moves a {currency} payment only through a {currency} or {home_currency} account."
			),
			_(
				"Record the currency exchange as an Internal Transfer and pay from a {currency} account, then press "
				"Retry on the QuickBooks sync record."
			),
			currency=currency,
			account=doc.get(bank_field),
			bank_currency=bank_currency,
			home_currency=ctx.qbo_home_currency,
		)


def _reference_note(planned: PaymentPlan) -> list[str]:
	return [f"reference {planned.reference}"] if planned.reference else []


def _reference_note_of(doc: Mapping) -> list[str]:
	reference = reference_number(doc.get("reference_no"))
	return [f"reference {reference}"] if reference else []


def _party_field(kind: str) -> str:
	"""The Payment Entry field holding the receivable/payable account: the account money leaves the party from."""
	return "paid_from" if kind in ("Customer", VENDOR_REFUND) else "paid_to"


def _check_refund(deductions: list[tuple[QBOAccountRef, Decimal]], problems: Problems) -> None:
	if deductions:
		problems.add(
			"refund_with_deductions",
			_(
				"The refund carries deductions ({deductions}); a refund goes to QuickBooks as one cheque or deposit "
				"of the money that moved."
			),
			_(
				"Book the deductions in a Journal Entry and leave the refund without them (cancel and amend it), then "
				"press Retry on the QuickBooks sync record."
			),
			deductions=", ".join(f"{account.name} {fmt(amount)}" for account, amount in deductions),
		)


def _application_bank(
	bank: QBOAccountRef | None, ctx: MappingContext, problems: Problems
) -> QBOAccountRef | None:
	"""The bank account the zero-total Bill Payment linking a supplier refund names: the refund's own when it is a
	bank account, else the company's default bank account."""
	if bank is not None and bank.account_type == "Bank":
		return bank
	account = ctx.account_map.get(ctx.default_bank_account or "")
	if account is None or account.account_type != "Bank":
		problems.add(
			"refund_application_bank_not_mapped",
			_(
				"Linking this refund to the supplier's credit needs a zero-amount Bill Payment, and QuickBooks wants "
				"a bank account on it, but the refund did not go to a bank account and the company's Default Bank "
				"Account is not set or not mapped to one."
			),
			_(
				"Set the Default Bank Account of the Company (Company > Accounts tab) and map it under QuickBooks "
				"Settings > Account Mapping, then press Retry on the QuickBooks sync record."
			),
		)
		return None
	return account


def _refund_payload(planned: PaymentPlan, ctx: MappingContext, refs: Refs) -> QBOPayload:
	"""The money of a refund: a Check to the customer, or a Deposit from the vendor (see refunds.py)."""
	note = private_note(DOCTYPE, planned.name, "refund", *_reference_note(planned), *planned.notes)
	currency = currency_fields(planned.currency, planned.exchange_rate, ctx)
	origins = (Origin("Paid Amount", ""),)
	if planned.kind == CUSTOMER_REFUND:
		body = customer_refund_check(
			customer_id=refs.require_party(),
			paid_from=planned.bank,
			receivable=planned.party_account,
			amount=planned.total,
			doc_number=doc_number(planned.name),
			txn_date=planned.txn_date,
			private_note=note,
			currency_fields=currency,
		)
		body.update(planned.dimensions)
		return QBOPayload("Purchase", body, doc_number(planned.name), planned.total, origins=origins)
	body = vendor_refund_deposit(
		vendor_id=refs.require_party(),
		deposit_to=planned.bank,
		payable=planned.party_account,
		amount=planned.total,
		txn_date=planned.txn_date,
		private_note=note,
		currency_fields=currency,
		reference=planned.reference,
	)
	body.update(planned.dimensions)
	return QBOPayload("Deposit", body, None, planned.total, origins=origins)


def _refunded_credit(allocation: Allocation, refs: Refs, kind: str) -> tuple[str, Decimal]:
	"""(QuickBooks id, amount) of a credit the refund pays out: ERPNext allocates a refund negatively to the credit
	note or debit note it refunds."""
	txn = refs.require_linked(allocation.doctype, allocation.name)
	credit = "CreditMemo" if kind == CUSTOMER_REFUND else "VendorCredit"
	if allocation.amount < 0 and txn.entity == credit:
		return txn.id, -allocation.amount
	raise MappingError(
		Problem.of(
			"refund_allocation",
			_(
				"{doctype} refunds {amount} against {linked_doctype} {linked_name}, which is a {entity} in "
				"QuickBooks; a refund can only pay out a {credit}."
			),
			ALLOCATION_FIX,
			doctype=DOCTYPE,
			amount=fmt(-allocation.amount),
			linked_doctype=allocation.doctype,
			linked_name=allocation.name,
			entity=txn.entity,
			credit=credit,
		)
	)


def _plan_from_gl(doc: Mapping, ctx: MappingContext) -> journal.JournalPlan | Skip:
	"""A payment no QuickBooks payment form books, as the journal entry of its GL rows (see gl_journal.py)."""
	party = f"{doc.get('party_type')} {doc.get('party')}" if doc.get("party") else "no party"
	what = doc.get("payment_type") or "payment"
	details = [f"{what} ({party}) booked as its General Ledger entries", *_reference_note_of(doc)]
	named = [
		(doc.get("paid_from"), "account the payment came from"),
		(doc.get("paid_to"), "account the payment went to"),
		*(
			(row.get("account_head"), f"tax '{row.get('description') or row.get('account_head')}'")
			for row in doc.get("taxes") or []
		),
		*(
			(row.get("account"), f"deduction '{row.get('description') or row.get('account')}'")
			for row in doc.get("deductions") or []
		),
	]
	return gl_journal.plan(doc, ctx, details=details, accounts=named)


def _plan_transfer(doc: Mapping, ctx: MappingContext) -> PaymentPlan | journal.JournalPlan | Skip:
	name = doc["name"]
	home = ctx.company_currency
	source = (doc.get("paid_from_account_currency") or home).upper()
	target = (doc.get("paid_to_account_currency") or home).upper()
	if home not in (source, target) and source != target:
		raise MappingError(
			Problem.of(
				"transfer_between_foreign_currencies",
				_(
					"{doctype} {name} transfers from a {source} account to a {target} account; a QuickBooks journal "
					"entry or transfer has one foreign currency besides the home currency ({home})."
				),
				_(
					"Make it two internal transfers through a {home} account in ERPNext (cancel this one), or record "
					"it in QuickBooks by hand and leave it out, then press Retry on the QuickBooks sync record."
				),
				doctype=DOCTYPE,
				name=name,
				source=source,
				target=target,
				home=home,
			),
			f"{DOCTYPE} {name}",
		)
	if {source, target} != {home} or doc.get("taxes"):
		return _plan_from_gl(doc, ctx)
	problems = Problems(f"{DOCTYPE} {name}")
	check_currency(ctx.company_currency, ctx, problems, f"{DOCTYPE} {name}")
	accounts = AccountBook(ctx, problems)
	source = accounts.get(doc.get("paid_from"), "account the transfer came from")
	target = accounts.get(doc.get("paid_to"), "account the transfer went to")
	dimensions = Dimensions(ctx, problems)
	own = dimensions.line_refs(tags_of(None, doc, ctx), "the transfer")
	deductions, line_dimensions = [], [own, own]
	for row in doc.get("deductions") or []:
		amount = money(row.get("amount"))
		if amount:
			account = _deduction_account(row, accounts)
			if account is not None:
				deductions.append((account, amount))
				line_dimensions.append(dimensions.line_refs(tags_of(row, doc, ctx), _deduction_place(row)))
	accounts.report()
	dimensions.report()
	problems.raise_if_any()
	credit, debit = money(doc.get("base_paid_amount")), money(doc.get("base_received_amount"))
	entries = [(source, -credit), (target, debit), *deductions]
	if sum((amount for _, amount in entries), ZERO) != 0:
		raise MappingError(
			Problem.of(
				"transfer_unbalanced",
				_("{doctype} {name}: the transfer's debits and credits do not balance."),
				_(
					"Correct the amounts in ERPNext (cancel and amend), then press Retry on the QuickBooks sync record."
				),
				doctype=DOCTYPE,
				name=name,
			)
		)
	return PaymentPlan(
		name=name,
		kind="Transfer",
		party="",
		currency=ctx.company_currency,
		exchange_rate=Decimal(1),
		total=credit,
		bank=source,
		party_account=None,
		allocations=[],
		deductions=entries,
		txn_date=doc.get("posting_date"),
		reference=reference_number(doc.get("reference_no")),
		line_dimensions=line_dimensions,
	)


def _transfer_payload(planned: PaymentPlan, ctx: MappingContext) -> QBOPayload:
	# planned.deductions: the account paid from, the account paid to, then the deduction rows
	places = [
		Origin("Paid Amount", ""),
		Origin("Received Amount", ""),
		*(Origin(f"{DEDUCTIONS_TABLE} ({account.name})") for account, _ in planned.deductions[2:]),
	]
	dimensions = planned.line_dimensions or [{}] * len(places)
	kept = [
		(entry, place, refs)
		for entry, place, refs in zip(planned.deductions, places, dimensions, strict=True)
		if entry[1]
	]
	lines = [_journal_line(account, amount, "Internal transfer", refs) for (account, amount), _, refs in kept]
	body: dict = {
		"DocNumber": doc_number(planned.name),
		"TxnDate": planned.txn_date,
		"PrivateNote": private_note(DOCTYPE, planned.name, "internal transfer", *_reference_note(planned)),
		"Line": lines,
		**currency_fields(planned.currency, planned.exchange_rate, ctx),
	}
	origins = tuple(place for _, place, _ in kept)
	# QuickBooks reports a journal's TotalAmt as the sum of its debits
	debits = sum((amount for (_, amount), _, _ in kept if amount > 0), ZERO)
	return QBOPayload("JournalEntry", body, doc_number(planned.name), debits, origins=origins)
