"""Sales Invoice -> QuickBooks Invoice (return -> CreditMemo with positive amounts).

What each line posts follows ERPNext 15's `SalesInvoice.get_gl_entries` so that QuickBooks shows the same accounts
and amounts as the GL:
- Item lines post `net_amount` (after item and document discounts, without taxes included in the print rate) to
  the line's income account (the deferred revenue account when deferred revenue is on, except on returns).
- Discount accounting (Selling Settings): an item with a `discount_account` posts its gross amount to income and
  `discount_amount x qty` to the discount account, as a negative line; an additional discount with an
  `additional_discount_account` posts the items before that discount and the discount as negative lines (one per
  tax treatment, so each carries the right tax code). A cash / non-trade discount posts a negative line too.
- Tax-table rows: see taxes.py. US: `TxnTaxDetail.TotalTax` = the tax rows' sum, which QuickBooks honours.
- POS: write-off and loyalty redemption reduce what the customer owes: negative lines to those accounts; payments
  become QuickBooks Payments applied to the invoice (followups), the change given back reduces the payment made
  into the change account.
- Rounding adjustment: a line to the round-off account, so the total equals `rounded_total`. Any remaining cent
  difference (ERPNext books it to the round-off account too) gets a line of its own; a larger one is an error.
- Zero-amount lines (free items) carry no posting: they become description-only lines.
- A return whose `update_outstanding_for_self` is off reduces the original invoice's balance in ERPNext: the credit
  memo is applied to that invoice by a zero-total Payment (followup "apply-credit").
- A POS return that pays its whole total back from one account -> RefundReceipt from that account (refunds.py); one
  refunded in part or through several accounts is refused with the reason.
- A sale of fixed assets -> its Invoice plus a JournalEntry of the asset disposal (companion "asset-disposal",
  see assets.py).
Not mapped (Skip with the reason): internal-customer transfers (nothing posted). The stock and cost of goods
postings of an invoice that updates stock are a JournalEntry companion (followup "stock", see stock.py) when stock
postings are sent per voucher, part of the day's summary otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from quickbooks_connector.mapping import assets, stock
from quickbooks_connector.mapping import taxes as tax
from quickbooks_connector.mapping.context import MappingContext, QBOAccountRef
from quickbooks_connector.mapping.dimensions import Tags, tags_of
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
	INVOICE,
	AccountBook,
	Line,
	ResolvedLine,
	TaxCodes,
	amount_of,
	close_lines,
	currency_fields,
	describe,
	flag,
	item_place,
	optional_header_fields,
	party_account_field,
	qty_and_price,
	tax_table_lines,
)
from quickbooks_connector.mapping.money import ZERO, fmt, money, plain, to_decimal
from quickbooks_connector.mapping.naming import doc_number, private_note
from quickbooks_connector.mapping.payload import QBOPayload, Skip
from quickbooks_connector.mapping.refs import (
	Dependencies,
	ItemSpec,
	PartySpec,
	Refs,
	item_spec_for_account,
	item_spec_for_line,
)
from quickbooks_connector.mapping.refunds import refused_account

DOCTYPE = "Sales Invoice"
REFUND_RECEIPT = "RefundReceipt"


def plan(doc: Mapping, ctx: MappingContext) -> Plan | Skip:
	skip = _unsupported(doc)
	if skip:
		return skip
	draft = start_plan(DOCTYPE, doc, ctx, _plan_lines)
	resolved = [_resolve(line, draft.accounts, draft.codes) for line in draft.lines]
	payments = _pos_payments(doc, draft.accounts, draft.problems)
	refund = _pos_refund(doc, draft.erp_total, draft.accounts, draft.problems)
	stock.check_invoice(doc, ctx, draft.accounts, draft.problems)
	assets.check_invoice(doc, ctx, draft.problems)
	draft.report_gaps()
	txn_tax_code = _txn_tax_code(doc, ctx, draft.problems)
	return draft.finish(
		entity=REFUND_RECEIPT if refund else "CreditMemo" if draft.is_return else "Invoice",
		party=doc["customer"],
		lines=resolved,
		doc_number=ctx.sales_form_number(doc["name"]),
		note_details=_note_details(doc),
		settlements=refund or payments,
		txn_tax_code=txn_tax_code,
	)


def reads_gl_rows(doc: Mapping) -> bool:
	"""Whether the mapping reads the invoice's GL rows, which the port then loads: fixed asset sales (assets.py),
	invoices that update stock (stock.py)."""
	return assets.sells_assets(doc) or stock.reads_gl_rows(doc)


def dependencies(planned: Plan, doc: Mapping, ctx: MappingContext) -> Dependencies:
	items: dict[str, ItemSpec] = {}
	for resolved in planned.lines:
		spec = _item_spec(resolved)
		if spec is not None:
			items.setdefault(spec.key, spec)
	party = PartySpec("Customer", planned.party, planned.currency)
	# a refund receipt settles itself: nothing of it is applied to the invoice it returns
	linked = () if planned.entity == REFUND_RECEIPT else original_link(DOCTYPE, doc, "invoice")
	return Dependencies(party=party, items=tuple(items.values()), linked=linked)


def build_prerequisites(planned: Plan, doc: Mapping, ctx: MappingContext, refs: Refs) -> list[QBOPayload]:
	return []


def build_payload(planned: Plan, doc: Mapping, ctx: MappingContext, refs: Refs) -> QBOPayload:
	body = transaction_body(
		planned,
		ctx,
		party_field="CustomerRef",
		party_id=refs.require_party(),
		lines=[_line_json(resolved, refs, number) for number, resolved in enumerate(planned.lines, start=1)],
		party_account=None if planned.entity == REFUND_RECEIPT else doc.get("debit_to"),
	)
	if planned.entity == REFUND_RECEIPT:  # the account the money was paid back from
		body["DepositToAccountRef"] = planned.settlements[0][0].ref()
	if ctx.is_us:
		detail: dict = {"TotalTax": planned.erp_tax}
		if planned.txn_tax_code is not None:
			detail["TxnTaxCodeRef"] = planned.txn_tax_code
		body["TxnTaxDetail"] = detail
	return planned.payload(body)


def build_followups(
	planned: Plan, doc: Mapping, ctx: MappingContext, refs: Refs, qbo_id: str
) -> list[QBOPayload]:
	if planned.entity == REFUND_RECEIPT:
		return stock.invoice_companions(doc, ctx, refs) + assets.invoice_companions(doc, ctx, refs)
	customer_id = refs.require_party()
	currency = currency_fields(planned.currency, planned.exchange_rate, ctx)
	# on the invoice's receivable, or QuickBooks would settle it from its default A/R account
	receivable = party_account_field(doc.get("debit_to"), ctx)
	followups = []
	if applies_to_original(doc):
		original = refs.require_linked(DOCTYPE, doc["return_against"])
		body = build_credit_application(
			credit_memo_id=qbo_id,
			invoice_id=original.id,
			amount=planned.erp_total,
			customer_id=customer_id,
			**credit_application_details(planned, doc["return_against"], ctx),
		)
		body.update(receivable)
		followups.append(QBOPayload("Payment", body, None, ZERO, key=APPLY_CREDIT))
	for number, (account, amount, label) in enumerate(planned.settlements, start=1):
		body = {
			"CustomerRef": {"value": customer_id},
			"TotalAmt": amount,
			"TxnDate": planned.txn_date,
			"PaymentRefNum": doc_number(doc["name"]),
			"PrivateNote": private_note(DOCTYPE, doc["name"], f"POS payment {label}"),
			"DepositToAccountRef": account.ref(),
			"Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": qbo_id, "TxnType": "Invoice"}]}],
			**currency,
			**receivable,
			**planned.department,
		}
		followups.append(QBOPayload("Payment", body, None, amount, key=f"pos-payment-{number}"))
	return followups + stock.invoice_companions(doc, ctx, refs) + assets.invoice_companions(doc, ctx, refs)


def build_credit_application(
	credit_memo_id: str,
	invoice_id: str,
	amount: Decimal,
	customer_id: str,
	*,
	txn_date: str | None = None,
	currency: str | None = None,
	exchange_rate: Decimal | None = None,
	private_note: str = "",
) -> dict:
	"""A zero-total Payment that applies `amount` of a CreditMemo to an Invoice (QuickBooks' way of linking them).
	`amount` must not exceed the invoice's open balance in QuickBooks."""
	amount = money(amount)
	body: dict = {
		"CustomerRef": {"value": customer_id},
		"TotalAmt": ZERO,
		"Line": [
			{"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]},
			{"Amount": amount, "LinkedTxn": [{"TxnId": credit_memo_id, "TxnType": "CreditMemo"}]},
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
	if flag(doc, "is_internal_customer") and doc.get("represents_company") == doc.get("company"):
		return Skip(
			Problem.of(
				"internal_customer_transfer",
				_(
					"{doctype} {name} is a transfer to an internal customer of the same company; ERPNext posts no "
					"income for it, so there is nothing to send to QuickBooks."
				),
				doctype=DOCTYPE,
				name=name,
			)
		)
	return None


def _discount_accounting(doc: Mapping, ctx: MappingContext) -> bool:
	if ctx.sales_discount_accounting is not None:
		return ctx.sales_discount_accounting
	return bool(doc.get("additional_discount_account")) or any(
		row.get("discount_account") for row in doc.get("items") or []
	)


def _plan_lines(doc: Mapping, ctx: MappingContext, problems: Problems) -> tuple[list[Line], Decimal, Decimal]:
	"""Lines in ERPNext's signs, the tax QuickBooks must show, and the total it must show."""
	accounting = _discount_accounting(doc, ctx)
	discount = amount_of(doc, "discount_amount")
	gross_income = accounting and bool(discount) and bool(doc.get("additional_discount_account"))
	rows = tax.sales_tax_rows(
		doc, ctx, before_discount=gross_income and doc.get("apply_discount_on") == "Grand Total"
	)
	computed = {row.idx: row for row in rows if tax.qbo_computes(row, ctx, purchase=False)}
	items = doc.get("items") or []
	distributed = any(to_decimal(row.get("distributed_discount_amount")) for row in items)

	lines: list[Line] = []
	for position, row in enumerate(items, start=1):
		tags = tags_of(row, doc, ctx)
		lines.extend(
			_item_lines(row, position, doc, rows, computed, accounting, gross_income, distributed, tags)
		)
	lines.extend(_additional_discount_lines(doc, lines, accounting, distributed, tags_of(None, doc, ctx)))
	lines.extend(tax_table_lines(rows, computed))
	lines.extend(_pos_adjustment_lines(doc, ctx))
	return close_lines(doc, lines, computed, _write_off(doc) + _loyalty(doc), ctx, problems, INVOICE)


def _item_lines(
	row: Mapping,
	position: int,
	doc: Mapping,
	rows: list[tax.TaxRow],
	computed: dict[int, tax.TaxRow],
	accounting: bool,
	gross_income: bool,
	distributed: bool,
	tags: Tags,
) -> list[Line]:
	code = row.get("item_code") or row.get("item_name") or ""
	where = item_place(position, code)
	qty = to_decimal(row.get("qty"))
	amount = money(row.get("net_amount"))
	rate = to_decimal(row.get("net_rate"))
	if gross_income:
		# ERPNext credits income before the additional discount and books the discount separately
		if distributed:
			amount += money(row.get("distributed_discount_amount"))
		else:
			amount = money(row.get("amount"))
		rate = to_decimal(row.get("rate"))
	item_discount = ZERO
	if accounting and row.get("discount_account") and to_decimal(row.get("discount_amount")):
		item_discount = money(to_decimal(row.get("discount_amount")) * qty)
		rate += to_decimal(row.get("discount_amount"))
	description = describe(row)
	if money(amount + item_discount) == 0:
		return [Line("text", None, ZERO, _with_qty(description, qty, rate), where)]
	income_account = row.get("income_account")
	if row.get("enable_deferred_revenue") and not flag(doc, "is_return"):
		income_account = row.get("deferred_revenue_account")
	taxed_by = tax.accounts_taxing_item(rows, computed, row)
	common = {"taxed_by": taxed_by, "template": row.get("item_tax_template") or None, "tags": tags}
	lines = [
		Line(
			"item",
			income_account,
			amount + item_discount,
			description,
			where,
			role="income",
			item_code=code,
			qty=qty,
			rate=rate,
			service_date=row.get("service_start_date") or None,
			**common,
		)
	]
	if item_discount:
		lines.append(
			Line(
				"account",
				row.get("discount_account"),
				-item_discount,
				f"Discount on {code}",
				where,
				role="discount",
				amount_label="Discount Amount",
				**common,
			)
		)
	return lines


def _additional_discount_lines(
	doc: Mapping, lines: list[Line], accounting: bool, distributed: bool, tags: Tags
) -> list[Line]:
	"""The additional discount as negative lines on its account, when ERPNext books it there."""
	discount = amount_of(doc, "discount_amount")
	account = doc.get("additional_discount_account")
	if not (discount and account and (accounting or flag(doc, "is_cash_or_non_trade_discount"))):
		return []
	where = "Additional Discount Amount"
	groups: dict[tuple[frozenset[str], str | None], Decimal] = {}
	if accounting and distributed:
		items = [row for row in doc.get("items") or []]
		item_lines = [line for line in lines if line.kind in ("item", "text")]
		for row, line in zip(items, item_lines, strict=True):
			key = (line.taxed_by, line.template)
			groups[key] = groups.get(key, ZERO) + money(row.get("distributed_discount_amount"))
	remainder = discount - sum(groups.values(), ZERO)
	if remainder:
		groups[(frozenset(), None)] = groups.get((frozenset(), None), ZERO) + remainder
	return [
		Line(
			"account",
			account,
			-amount,
			"Additional discount",
			where,
			taxed_by=taxed_by,
			template=template,
			amount_label="",
			tags=tags,
		)
		for (taxed_by, template), amount in groups.items()
		if amount
	]


def _write_off(doc: Mapping) -> Decimal:
	"""ERPNext books a write-off only on POS invoices (make_write_off_gl_entry)."""
	if flag(doc, "is_pos") and doc.get("write_off_account"):
		return amount_of(doc, "write_off_amount")
	return ZERO


def _loyalty(doc: Mapping) -> Decimal:
	return amount_of(doc, "loyalty_amount") if flag(doc, "redeem_loyalty_points") else ZERO


def _pos_adjustment_lines(doc: Mapping, ctx: MappingContext) -> list[Line]:
	lines = []
	write_off = _write_off(doc)
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
	loyalty = _loyalty(doc)
	if loyalty:
		account = doc.get("loyalty_redemption_account")
		lines.append(
			Line(
				"account",
				account,
				-loyalty,
				"Loyalty points redeemed",
				"Loyalty Amount",
				amount_label="",
				tags=tags_of(None, doc, ctx),
			)
		)
	return lines


def _with_qty(description: str, qty: Decimal, rate: Decimal) -> str:
	return f"{description} ({plain(qty)} x {plain(rate)})".strip()


def _resolve(line: Line, accounts: AccountBook, codes: TaxCodes) -> ResolvedLine:
	if line.kind == "text":
		return ResolvedLine(line, None, None if codes.ctx.is_us else codes.exempt(line.where))
	return ResolvedLine(line, accounts.get(line.account, line.usage), codes.for_line(line))


def _item_spec(resolved: ResolvedLine) -> ItemSpec | None:
	line, account = resolved.line, resolved.account
	if account is None:
		return None
	if line.kind == "item":
		return item_spec_for_line(line.item_code, line.description, account.id, account.name)
	return item_spec_for_account(account.id, account.name)


def _line_json(resolved: ResolvedLine, refs: Refs, number: int) -> dict:
	line = resolved.line
	if line.kind == "text":
		detail = {"TaxCodeRef": resolved.tax_code} if resolved.tax_code else {}
		return {
			"LineNum": number,
			"DetailType": "DescriptionOnly",
			"Description": line.description,
			"DescriptionLineDetail": detail,
		}
	spec = _item_spec(resolved)
	detail: dict = {
		"ItemRef": {"value": refs.require_item(spec.key)},
		"TaxCodeRef": resolved.tax_code,
		**resolved.dimensions,
	}
	description = line.description
	if line.qty is not None:
		fitted = qty_and_price(line.qty, line.rate, line.amount)
		if fitted:
			detail["Qty"], detail["UnitPrice"] = fitted
		else:
			description = _with_qty(description, line.qty, line.rate or ZERO)
	if line.service_date:
		detail["ServiceDate"] = line.service_date
	return {
		"LineNum": number,
		"DetailType": "SalesItemLineDetail",
		"Amount": line.amount,
		"Description": description,
		"SalesItemLineDetail": detail,
	}


def _pos_payments(
	doc: Mapping, accounts: AccountBook, problems: Problems
) -> list[tuple[QBOAccountRef, Decimal, str]]:
	"""(deposit account, amount, label) per account that received POS money, net of the change given back."""
	if not flag(doc, "is_pos") or flag(doc, "is_return"):
		return []
	totals: dict[str, Decimal] = {}
	labels: dict[str, str] = {}
	for row in doc.get("payments") or []:
		amount = money(row.get("amount"))
		if amount:
			totals[row.get("account")] = totals.get(row.get("account"), ZERO) + amount
			labels.setdefault(row.get("account"), row.get("mode_of_payment") or row.get("account"))
	change = amount_of(doc, "change_amount")
	if change:
		change_account = doc.get("account_for_change_amount")
		if change_account not in totals:
			problems.add(
				"change_from_unpaid_account",
				_(
					"The POS invoice gives {change} change from '{account}', an account that received no payment on "
					"it."
				),
				_(
					"Give change from the account the customer paid into (POS Profile > Account for Change Amount), "
					"then press Retry on the QuickBooks sync record."
				),
				change=fmt(change),
				account=change_account,
			)
		else:
			totals[change_account] -= change
	payments = []
	for account, amount in totals.items():
		ref = accounts.get(account, f"POS payment ({labels[account]})")
		if ref is not None and amount > 0:
			payments.append((ref, amount, labels[account]))
	return payments


def _pos_refund(
	doc: Mapping, total: Decimal, accounts: AccountBook, problems: Problems
) -> list[tuple[QBOAccountRef, Decimal, str]]:
	"""A POS return that pays its whole total back from one account: [(that account, total, label)], booked as a
	RefundReceipt (see refunds.py). Nothing for any other document; a problem for a POS return refunded in part or
	from several accounts."""
	if not (flag(doc, "is_pos") and flag(doc, "is_return")):
		return []
	paid: dict[str, Decimal] = {}
	for row in doc.get("payments") or []:
		if money(row.get("amount")):
			paid[row.get("account")] = paid.get(row.get("account"), ZERO) - money(row.get("amount"))
	refunded = sum(paid.values(), ZERO)
	if not refunded:
		return []
	if len(paid) > 1 or refunded != total:
		problems.add(
			"pos_refund_not_whole",
			_(
				"The POS return pays back {refunded} through {accounts} against a total of {total}; QuickBooks books "
				"a return refunded at once as one Refund Receipt of its whole total from one account."
			),
			_(
				"Make the return a credit note without payments and refund it with a Payment Entry per account, or "
				"record it in QuickBooks by hand, then press Retry on the QuickBooks sync record."
			),
			refunded=fmt(refunded),
			accounts=", ".join(str(account) for account in paid),
			total=fmt(total),
		)
		return []
	account = next(iter(paid))
	label = next(
		(row.get("mode_of_payment") for row in doc.get("payments") or [] if row.get("account") == account),
		None,
	)
	ref = accounts.get(account, f"POS refund ({label or account})")
	if ref is None or refused_account(ref, "POS refund", problems):
		return []
	return [(ref, refunded, label or account)]


def _txn_tax_code(doc: Mapping, ctx: MappingContext, problems: Problems) -> dict | None:
	"""US only: TxnTaxCodeRef when the invoice's tax accounts are mapped to one QuickBooks tax code."""
	if not ctx.is_us:
		return None
	accounts = {
		row.get("account_head")
		for row in doc.get("taxes") or []
		if ctx.is_tax_account(row.get("account_head")) and money(row.get("tax_amount_after_discount_amount"))
	}
	codes = {
		ctx.tax_code_map[account].id: ctx.tax_code_map[account]
		for account in accounts
		if account in ctx.tax_code_map
	}
	if len(codes) > 1:
		problems.add(
			"us_tax_codes_differ",
			_(
				"The invoice's tax accounts ({accounts}) map to different QuickBooks tax codes; a US invoice carries "
				"one."
			),
			_(
				"Map them to one combined QuickBooks tax code (tax group) under QuickBooks Settings > Tax Mapping, "
				"then press Retry on the QuickBooks sync record."
			),
			accounts=", ".join(sorted(accounts)),
		)
		return None
	return next(iter(codes.values())).ref() if codes else None


def _note_details(doc: Mapping) -> list[str]:
	details = []
	if flag(doc, "is_return") and doc.get("return_against"):
		details.append(f"return against {doc['return_against']}")
	elif flag(doc, "is_return"):
		details.append("return")
	if flag(doc, "is_debit_note") and doc.get("return_against"):
		details.append(f"debit note against {doc['return_against']}")
	if doc.get("amended_from"):
		details.append(f"amends {doc['amended_from']}")
	if flag(doc, "is_pos"):
		details.append("POS")
	return details
