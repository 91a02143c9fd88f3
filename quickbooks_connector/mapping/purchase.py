"""Purchase Invoice -> QuickBooks Bill (return -> VendorCredit with positive amounts).

Lines follow ERPNext 15's `PurchaseInvoice.get_gl_entries`:
- Item rows post `net_amount` to the row's `expense_account` (the deferred expense account when deferred expense is
  on, except on returns) as AccountBasedExpenseLineDetail lines: no QuickBooks Items are needed, and the row's
  quantity and rate go into the description. ERPNext 15 has no discount accounting on purchases, so item and
  document discounts are already inside `net_amount`.
- Tax-table rows: "Add" rows debit, "Deduct" rows (tax withheld, discounts received) credit their account;
  "Valuation" rows post nothing. US: every row is an expense line to its account (QuickBooks US has no purchase
  tax). Elsewhere: see taxes.py.
- Write-off: a negative line to the write-off account (it reduces what is owed to the supplier).
- Rounding adjustment and cent differences: lines to the round-off account.
- "Is Paid" invoices: a Bill Payment from the cash/bank account follows (followup "paid"). An "Is Paid" return: the
  money the supplier paid back is a Deposit created first (prerequisite "refund"), linked to the vendor credit by a
  zero-total Bill Payment (followup "apply-refund"); see refunds.py.
- A return whose `update_outstanding_for_self` is off reduces the original bill's balance in ERPNext: the vendor
  credit is applied to that bill by a zero-total Bill Payment (followup "apply-credit").
- DocNumber: the supplier's invoice number (`bill_no`) when set, else the ERPNext name; the PrivateNote always names
  the ERPNext document.
Not mapped (Skip with the reason): internal-supplier transfers, and stock valuation postings ERPNext derives from
the stock ledger (valuation taxes on stock items that update stock or
come from a Purchase Receipt, landed costs, subcontracting supplies).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from quickbooks_connector.mapping import taxes as tax
from quickbooks_connector.mapping.context import CREDIT_CARD, MappingContext, QBOAccountRef
from quickbooks_connector.mapping.dimensions import tags_of
from quickbooks_connector.mapping.errors import Problem, Problems, _
from quickbooks_connector.mapping.invoices import (
	APPLY_CREDIT,
	Plan,
	applies_to_original,
	credit_application_details,
	original_link,
	start_plan,
	transaction_body,
)
from quickbooks_connector.mapping.lines import (
	BILL,
	AccountBook,
	Line,
	ResolvedLine,
	amount_of,
	close_lines,
	currency_fields,
	describe,
	flag,
	item_place,
	optional_header_fields,
	party_account_field,
	tax_table_lines,
)
from quickbooks_connector.mapping.money import ZERO, money, plain, to_decimal
from quickbooks_connector.mapping.naming import doc_number, private_note
from quickbooks_connector.mapping.payload import QBOPayload, Skip
from quickbooks_connector.mapping.refs import Dependencies, PartySpec, Refs
from quickbooks_connector.mapping.refunds import (
	APPLY_REFUND,
	REFUND,
	refused_account,
	vendor_refund_application,
	vendor_refund_deposit,
)

DOCTYPE = "Purchase Invoice"
PAID = "paid"


def plan(doc: Mapping, ctx: MappingContext) -> Plan | Skip:
	skip = _unsupported(doc)
	if skip:
		return skip
	draft = start_plan(DOCTYPE, doc, ctx, _plan_lines)
	resolved = [
		# QuickBooks US has no purchase tax: US bill lines carry no tax code
		ResolvedLine(
			line,
			draft.accounts.get(line.account, line.usage),
			None if ctx.is_us else draft.codes.for_line(line),
		)
		for line in draft.lines
	]
	settlements = _paid_settlements(doc, draft.accounts)
	application_bank = _application_bank(ctx, draft.problems) if applies_to_original(doc) else None
	if draft.is_return and settlements:  # refunded at once: a Deposit linked to the vendor credit
		refund_account = settlements[0][0]
		refused_account(refund_account, "refund", draft.problems)
		draft.accounts.get(doc.get("credit_to"), "payable account the refund settles")
		if refund_account.account_type == "Bank":
			application_bank = refund_account
		else:
			application_bank = application_bank or _application_bank(ctx, draft.problems)
	draft.report_gaps()
	return draft.finish(
		entity="VendorCredit" if draft.is_return else "Bill",
		party=doc["supplier"],
		lines=resolved,
		doc_number=doc_number(doc.get("bill_no") or doc["name"]),
		note_details=_note_details(doc),
		settlements=settlements,
		application_bank=application_bank,
	)


def dependencies(planned: Plan, doc: Mapping, ctx: MappingContext) -> Dependencies:
	party = PartySpec("Vendor", planned.party, planned.currency)
	return Dependencies(party=party, linked=original_link(DOCTYPE, doc, "bill"))


def build_prerequisites(planned: Plan, doc: Mapping, ctx: MappingContext, refs: Refs) -> list[QBOPayload]:
	"""A return refunded at once: the Deposit of the money the vendor paid back, which the vendor credit is then
	linked to (see refunds.py)."""
	if not _refund(planned):
		return []
	((deposit_to, amount, _),) = planned.settlements
	body = vendor_refund_deposit(
		vendor_id=refs.require_party(),
		deposit_to=deposit_to,
		payable=ctx.account_map[doc["credit_to"]],
		amount=amount,
		txn_date=planned.txn_date,
		private_note=private_note(DOCTYPE, doc["name"], "refund"),
		currency_fields=currency_fields(planned.currency, planned.exchange_rate, ctx),
	)
	body.update(planned.department)
	return [QBOPayload("Deposit", body, None, amount, key=REFUND)]


def build_payload(planned: Plan, doc: Mapping, ctx: MappingContext, refs: Refs) -> QBOPayload:
	body = transaction_body(
		planned,
		ctx,
		party_field="VendorRef",
		party_id=refs.require_party(),
		lines=[_line_json(resolved, number) for number, resolved in enumerate(planned.lines, start=1)],
		party_account=doc.get("credit_to"),
	)
	return planned.payload(body)


def build_followups(
	planned: Plan, doc: Mapping, ctx: MappingContext, refs: Refs, qbo_id: str
) -> list[QBOPayload]:
	vendor_id = refs.require_party()
	currency = currency_fields(planned.currency, planned.exchange_rate, ctx)
	# on the bill's payable, or QuickBooks would pay it from its default A/P account
	payable = party_account_field(doc.get("credit_to"), ctx)
	followups = []
	refunded = sum((amount for _, amount, _ in planned.settlements), ZERO) if _refund(planned) else ZERO
	if applies_to_original(doc) and planned.erp_total > refunded:
		original = refs.require_linked(DOCTYPE, doc["return_against"])
		body = build_vendor_credit_application(
			vendor_credit_id=qbo_id,
			bill_id=original.id,
			amount=planned.erp_total - refunded,
			vendor_id=vendor_id,
			bank_account_id=planned.application_bank.id,
			**credit_application_details(planned, doc["return_against"], ctx),
		)
		body.update(payable)
		followups.append(QBOPayload("BillPayment", body, None, ZERO, key=APPLY_CREDIT))
	if refunded:
		header = {
			"TxnDate": planned.txn_date,
			"PrivateNote": private_note(DOCTYPE, doc["name"], "refund applied to the vendor credit"),
			**currency,
			**payable,
		}
		body = vendor_refund_application(
			vendor_id=vendor_id,
			deposit_id=refs.companions[REFUND],
			credits=[(qbo_id, refunded)],
			bank=planned.application_bank,
			header={key: value for key, value in header.items() if value is not None},
		)
		return [*followups, QBOPayload("BillPayment", body, None, ZERO, key=APPLY_REFUND)]
	for paid_from, amount, label in planned.settlements:
		body = {
			"VendorRef": {"value": vendor_id},
			"TotalAmt": amount,
			"TxnDate": planned.txn_date,
			"DocNumber": doc_number(doc["name"]),
			"PrivateNote": private_note(DOCTYPE, doc["name"], label),
			"Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": qbo_id, "TxnType": "Bill"}]}],
			**pay_from(paid_from),
			**currency,
			**payable,
			**planned.department,
		}
		followups.append(QBOPayload("BillPayment", body, doc_number(doc["name"]), amount, key=PAID))
	return followups


def pay_from(account: QBOAccountRef) -> dict:
	"""PayType and account block of a Bill Payment: CreditCard when the QuickBooks account is a credit card."""
	if account.account_type == CREDIT_CARD:
		return {"PayType": "CreditCard", "CreditCardPayment": {"CCAccountRef": account.ref()}}
	return {"PayType": "Check", "CheckPayment": {"BankAccountRef": account.ref()}}


def build_vendor_credit_application(
	vendor_credit_id: str,
	bill_id: str,
	amount: Decimal,
	vendor_id: str,
	bank_account_id: str,
	*,
	txn_date: str | None = None,
	currency: str | None = None,
	exchange_rate: Decimal | None = None,
	private_note: str = "",
) -> dict:
	"""A zero-total Bill Payment that applies `amount` of a VendorCredit to a Bill. QuickBooks wants a bank account
	on every Bill Payment even when no money moves. `amount` must not exceed the bill's open balance."""
	amount = money(amount)
	body: dict = {
		"VendorRef": {"value": vendor_id},
		"PayType": "Check",
		"CheckPayment": {"BankAccountRef": {"value": bank_account_id}},
		"TotalAmt": ZERO,
		"Line": [
			{"Amount": amount, "LinkedTxn": [{"TxnId": bill_id, "TxnType": "Bill"}]},
			{"Amount": amount, "LinkedTxn": [{"TxnId": vendor_credit_id, "TxnType": "VendorCredit"}]},
		],
	}
	body.update(
		optional_header_fields(
			txn_date=txn_date, private_note=private_note, currency=currency, exchange_rate=exchange_rate
		)
	)
	return body


def _unsupported(doc: Mapping) -> Skip | None:
	name = doc["name"]
	if flag(doc, "is_internal_supplier") and doc.get("represents_company") == doc.get("company"):
		return Skip(
			Problem.of(
				"internal_supplier_transfer",
				_(
					"{doctype} {name} is a transfer from an internal supplier of the same company; ERPNext posts no "
					"expense for it, so there is nothing to send to QuickBooks."
				),
				doctype=DOCTYPE,
				name=name,
			)
		)
	valuation = [
		row.get("item_code") or row.get("item_name")
		for row in doc.get("items") or []
		if (
			to_decimal(row.get("item_tax_amount"))
			and (flag(doc, "update_stock") or row.get("purchase_receipt"))
		)
		or (
			flag(doc, "update_stock")
			and (to_decimal(row.get("landed_cost_voucher_amount")) or to_decimal(row.get("rm_supp_cost")))
		)
	]
	if valuation:
		return Skip(
			Problem.of(
				"stock_valuation",
				_(
					"{doctype} {name} adds taxes or costs to the stock value of {items}; ERPNext posts those through "
					"the stock ledger, which the connector does not push."
				),
				_("Record it in QuickBooks by hand."),
				doctype=DOCTYPE,
				name=name,
				items=", ".join(valuation),
			)
		)
	return None


def _plan_lines(doc: Mapping, ctx: MappingContext, problems: Problems) -> tuple[list[Line], Decimal, Decimal]:
	rows = tax.purchase_tax_rows(doc, ctx)
	computed = {row.idx: row for row in rows if tax.qbo_computes(row, ctx, purchase=True)}
	lines: list[Line] = []
	for position, row in enumerate(doc.get("items") or [], start=1):
		line = _item_line(row, position, doc, rows, computed, ctx)
		if line is not None:
			lines.append(line)
	lines.extend(tax_table_lines(rows, computed))
	write_off = amount_of(doc, "write_off_amount") if doc.get("write_off_account") else ZERO
	if write_off:
		lines.append(
			Line(
				"account",
				doc.get("write_off_account"),
				-write_off,
				"Write off",
				"Write Off Amount",
				amount_label="",
				tags=tags_of(None, doc, ctx, "write_off_cost_center"),
			)
		)
	return close_lines(doc, lines, computed, write_off, ctx, problems, BILL)


def _item_line(
	row: Mapping,
	position: int,
	doc: Mapping,
	rows: list[tax.TaxRow],
	computed: dict[int, tax.TaxRow],
	ctx: MappingContext,
) -> Line | None:
	amount = money(row.get("net_amount"))
	if amount == 0:
		return None
	code = row.get("item_code") or row.get("item_name") or ""
	account = row.get("expense_account")
	if row.get("enable_deferred_expense") and not flag(doc, "is_return"):
		account = row.get("deferred_expense_account")
	qty, rate = to_decimal(row.get("qty")), to_decimal(row.get("net_rate"))
	description = f"{describe(row)} ({plain(abs(qty))} x {plain(rate)})"
	taxed_by = tax.accounts_taxing_item(rows, computed, row)
	return Line(
		"item",
		account,
		amount,
		description,
		item_place(position, code),
		role="expense",
		item_code=code,
		taxed_by=taxed_by,
		template=row.get("item_tax_template") or None,
		tags=tags_of(row, doc, ctx),
	)


def _line_json(resolved: ResolvedLine, number: int) -> dict:
	line = resolved.line
	detail: dict = {"AccountRef": resolved.account.ref(), **resolved.dimensions}
	if resolved.tax_code is not None:
		detail["TaxCodeRef"] = resolved.tax_code
	return {
		"LineNum": number,
		"DetailType": "AccountBasedExpenseLineDetail",
		"Amount": line.amount,
		"Description": line.description,
		"AccountBasedExpenseLineDetail": detail,
	}


def _paid_settlements(doc: Mapping, accounts: AccountBook) -> list[tuple[QBOAccountRef, Decimal, str]]:
	"""The Bill Payment an "Is Paid" invoice makes from its cash/bank account; for a return, the refund the
	supplier paid into it."""
	if not (flag(doc, "is_paid") and amount_of(doc, "paid_amount")):
		return []
	paid_from = accounts.get(doc.get("cash_bank_account"), "cash/bank account of the paid invoice")
	if paid_from is None:
		return []
	return [(paid_from, abs(amount_of(doc, "paid_amount")), "paid on purchase")]


def _refund(planned: Plan) -> bool:
	"""A return the supplier refunded at once ("Is Paid")."""
	return planned.entity == "VendorCredit" and bool(planned.settlements)


def _application_bank(ctx: MappingContext, problems: Problems) -> QBOAccountRef | None:
	account = ctx.account_map.get(ctx.default_bank_account or "")
	if account is None:
		problems.add(
			"default_bank_account_not_mapped",
			_(
				"Applying this return to its original bill needs a zero-amount Bill Payment, and QuickBooks wants a "
				"bank account on it, but the company's Default Bank Account is not set or not mapped."
			),
			_(
				"Set the Default Bank Account of the Company (Company > Accounts tab) and map it under QuickBooks "
				"Settings > Account Mapping, then press Retry on the QuickBooks sync record."
			),
		)
	return account


def _note_details(doc: Mapping) -> list[str]:
	details = []
	if flag(doc, "is_return"):
		details.append(f"return against {doc['return_against']}" if doc.get("return_against") else "return")
	if doc.get("bill_no"):
		details.append(f"supplier invoice {doc['bill_no']}")
	if doc.get("amended_from"):
		details.append(f"amends {doc['amended_from']}")
	return details
