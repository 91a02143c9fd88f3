"""Rules of the forms: Invoice, CreditMemo, SalesReceipt, RefundReceipt, Estimate (sales), Bill, VendorCredit,
PurchaseOrder, Purchase (purchases) and JournalEntry (qbo-api.md §3.7-3.12, §8).

Reproduced:

* Required party (Invoice, CreditMemo, Estimate, Bill, VendorCredit, PurchaseOrder; optional on receipts;
  Purchase has an optional typed ``EntityRef``) and lines (2020); references checked (2500/610; categories
  can't be sold, 2500); ``Line.Description`` ≤ 4000, ``DocNumber`` ≤ 21, ``PrivateNote`` ≤ 4000,
  ``CustomerMemo`` ≤ 1000 and address limits (2050).
* ``Amount == round_half_up(Qty x UnitPrice)`` (6070) when both are sent and neither is 0; amount-only lines
  and lines with Qty and UnitPrice 0 are accepted; with Qty but no UnitPrice the price is derived.
* A ``SubTotalLineDetail`` line is added to sales forms only (after the item lines, before discounts); a
  subtotal line sent back by a client is dropped, never counted. Bills, vendor credits, purchase orders and
  purchases have none, so their lines add up to ``TotalAmt``.
* Discounts (percent or amount, needs ``AllowDiscount``, default discount account). US tax taken from
  ``TxnTaxDetail.TotalTax`` as sent (no automated sales tax); non-US tax computed from each line's TaxCode
  (sales or purchase rate list) with ``GlobalTaxCalculation``; every non-US line needs a tax code (6000) while
  ``TaxPrefs.UsingSalesTax`` is on; with it off no tax is recorded.
* ``TotalAmt``, ``HomeTotalAmt`` (at the sent ``ExchangeRate`` or the company's rate of ``TxnDate``),
  ``Balance`` (Invoice/CreditMemo/Bill/VendorCredit: minus applied payments and credits; receipts: 0; estimates,
  orders and purchases: none); ``DueDate`` from the sales term, the party's term or the company default.
* ``DocNumber`` auto-numbered for Invoice, CreditMemo, SalesReceipt, RefundReceipt and Estimate (one sequence)
  when custom transaction numbers are off; unique (6140 unless ``include=allowduplicatedocnum``) for Invoice,
  CreditMemo, SalesReceipt, RefundReceipt and Purchase, for Bill/VendorCredit per vendor while
  ``WarnDuplicateBillNumber`` is on and for JournalEntry while ``WarnDuplicateJournalNumber`` is on.
* Currency must be allowed (multicurrency) and match the party (6000); A/R and A/P accounts must have the
  right type; receipts' ``DepositToAccountRef`` Bank or Other Current Asset (SalesReceipt default Undeposited
  Funds, RefundReceipt required); Purchase ``AccountRef`` fits ``PaymentType`` (Cash: Bank/Other Current Asset,
  Check: Bank, CreditCard: Credit Card); a Purchase line on an A/R account needs a customer as ``EntityRef``,
  one on an A/P account a vendor (6000; such a check to a customer is how QuickBooks refunds a credit memo, see
  payments.py; [U] the exact text); Estimate ``TxnStatus``, PurchaseOrder ``POStatus`` enumerations.
* Journal entries must balance and name a customer/vendor on A/R/A/P lines. ``TotalAmt`` (and
  ``HomeTotalAmt``) is the sum of the debits: Intuit's API reference says JournalEntry TotalAmt is always 0,
  but real QuickBooks answers the debit total (a 5.00 entry reports 5.00), and clients that show or reconcile
  journal totals rely on that — the emulator follows the service, not the page.

Simplifications: ``GroupLineDetail`` and other rarely used line types are rejected (2170); journal entries carry
no tax computation; a RefundReceipt refunds from Bank or Other Current Asset accounts only (whether QBO also
takes a credit card account there is not known); whether QBO derives Qty from an amount and a unit price without Qty is not known (the
emulator keeps what was sent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from quickbooks_connector.emulator import faults
from quickbooks_connector.emulator.company import currency_ref
from quickbooks_connector.emulator.payments import balance_fields, linked_payers
from quickbooks_connector.emulator.records import (
	WriteContext,
	boolean,
	check_address_lengths,
	check_lengths,
	checked_account,
	checked_date,
	one_of,
	ref_to,
	transaction_currency,
	txn_date,
)
from quickbooks_connector.emulator.totals import (
	NOT_APPLICABLE,
	TAX_EXCLUDED,
	TAX_INCLUSIVE,
	TAX_MODES,
	ZERO,
	Rate,
	TaxBasis,
	TaxResult,
	check_line_amount,
	compute_tax,
	money,
	optional_money,
	percent_of,
	round2,
)

HEADER_LIMITS = {"DocNumber": 21, "PrivateNote": 4000, "CustomerMemo.value": 1000, "BillEmail.Address": 100}
LINE_LIMITS = {"Line.Description": 4000}
MISSING_TAX_CODE = "Make sure all your transactions have a VAT rate before you save."
US_TAX_CODES = ("TAX", "NON")


@dataclass(frozen=True)
class Form:
	entity: str
	party: str | None  # None: the payee is an optional typed EntityRef (Purchase)
	party_field: str
	direction: str  # "sales" | "purchase"
	line_types: tuple[str, ...]
	has_due_date: bool = False
	auto_numbered: bool = False
	party_required: bool = True
	kind: str = "open"  # "open": Balance from payments | "paid": Balance 0 (receipts) | "none": no Balance

	@property
	def sales(self) -> bool:
		return self.direction == "sales"


SALES_LINES = ("SalesItemLineDetail", "DiscountLineDetail", "DescriptionOnly")
PURCHASE_LINES = ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail")
FORMS = {
	form.entity: form
	for form in (
		Form("Invoice", "Customer", "CustomerRef", "sales", SALES_LINES, True, True),
		Form("CreditMemo", "Customer", "CustomerRef", "sales", SALES_LINES, False, True),
		Form("SalesReceipt", "Customer", "CustomerRef", "sales", SALES_LINES, False, True, False, "paid"),
		Form("RefundReceipt", "Customer", "CustomerRef", "sales", SALES_LINES, False, True, False, "paid"),
		Form("Estimate", "Customer", "CustomerRef", "sales", SALES_LINES, False, True, True, "none"),
		Form("Bill", "Vendor", "VendorRef", "purchase", PURCHASE_LINES, True),
		Form("VendorCredit", "Vendor", "VendorRef", "purchase", PURCHASE_LINES),
		Form("PurchaseOrder", "Vendor", "VendorRef", "purchase", PURCHASE_LINES, kind="none"),
		Form("Purchase", None, "EntityRef", "purchase", PURCHASE_LINES, party_required=False, kind="none"),
	)
}
# DocNumber uniqueness (6140 unless include=allowduplicatedocnum): sales forms and purchases always; bills and
# vendor credits per vendor while OtherPrefs WarnDuplicateBillNumber is on. Estimates and purchase orders: never
# checked [U].
DUPLICATE_CHECKED = {"Invoice", "CreditMemo", "SalesReceipt", "RefundReceipt", "Purchase"}
DEPOSIT_ACCOUNT_TYPES = ("Bank", "Other Current Asset")
PURCHASE_ACCOUNT_TYPES = {
	"Cash": ("Bank", "Other Current Asset"),
	"Check": ("Bank",),
	"CreditCard": ("Credit Card",),
}
ESTIMATE_STATUSES = ("Pending", "Accepted", "Closed", "Rejected", "Converted")


@dataclass
class LineTotals:
	lines: list[dict[str, Any]]
	subtotal: Decimal
	discount: Decimal
	tax: TaxResult
	total: Decimal


def form_preparer(entity: str):
	form = FORMS[entity]

	def prepare(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
		return prepare_form(ctx, form, body, existing)

	return prepare


def prepare_form(
	ctx: WriteContext, form: Form, body: dict[str, Any], existing: dict | None, template: bool = False
) -> dict[str, Any]:
	"""``template``: a RecurringTransaction's transaction (no number, balance or due date of its own)."""
	content = dict(body)
	check_lengths(body, HEADER_LIMITS)
	check_address_lengths(body)
	content["TxnDate"] = txn_date(ctx, body)
	party = _party(ctx, form, body)
	currency, rate = transaction_currency(ctx, body, party, content["TxnDate"])
	if party is not None and form.party:
		content[form.party_field] = ref_to(party, "DisplayName")
	content["CurrencyRef"] = currency_ref(currency)
	if ctx.settings.multicurrency:
		content["ExchangeRate"] = rate
	content.update(_form_accounts(ctx, form, body))
	if ctx.settings.is_us:
		content.pop("GlobalTaxCalculation", None)
	content.update(_amounts(ctx, form, body, existing, rate))
	if form.sales:
		content.update(_sales_form_fields(ctx, form, body, party))
	content.update(_form_specific(ctx, form, body))
	if form.entity == "Purchase":
		_check_party_lines(ctx, content)
	content.pop("DueDate", None)
	if form.has_due_date and not template:
		content.update(_terms_and_due_date(ctx, form, body, party, content["TxnDate"]))
	for field in ("Balance", "HomeBalance", "LinkedTxn", "RemainingCredit"):
		content.pop(field, None)
	if form.kind == "open" and not template:
		content.update(balance_fields(ctx.realm, form.entity, _id_of(existing), content["TotalAmt"], rate))
		if content["LinkedTxn"]:
			_check_paid_document(form, content, existing)
	elif form.kind == "paid":
		content.update(Balance=ZERO, HomeBalance=ZERO)
	elif form.entity == "Purchase" and not template:
		links = linked_payers(ctx.realm, form.entity, _id_of(existing))
		if links:  # a refund check a payment links to a credit memo
			content["LinkedTxn"] = links
	content.pop("DocNumber", None)
	if template:
		if body.get("DocNumber"):
			content["DocNumber"] = str(body["DocNumber"]).strip()
		return content
	party_id = party["Id"] if party is not None else ""
	doc_number = _doc_number(ctx, form, body, existing, party_id)  # last: it may consume a number
	if doc_number is not None:
		content["DocNumber"] = doc_number
	return content


def _party(ctx: WriteContext, form: Form, body: dict[str, Any]) -> dict[str, Any] | None:
	if form.party is None:  # Purchase: an optional payee of any kind, {"value", "type"}
		ref = body.get("EntityRef")
		if not isinstance(ref, dict) or not ref.get("value"):
			return None
		kind = str(ref.get("type") or "Vendor").capitalize()
		if kind not in ("Vendor", "Customer", "Employee"):
			raise faults.invalid_enum("EntityRef.type", ref.get("type"))
		return ctx.require(kind, ref, "EntityRef")
	return ctx.resolve(form.party, body.get(form.party_field), form.party_field, required=form.party_required)


def _form_specific(ctx: WriteContext, form: Form, body: dict[str, Any]) -> dict[str, Any]:
	"""Header fields of one form type: receipts' deposit account, estimates' status, PO status, purchases."""
	fields: dict[str, Any] = {}
	if form.entity in ("SalesReceipt", "RefundReceipt"):
		check_lengths(body, {"PaymentRefNum": 21})
		role = "undeposited" if form.entity == "SalesReceipt" else None
		account = checked_account(
			ctx, body.get("DepositToAccountRef"), "DepositToAccountRef", DEPOSIT_ACCOUNT_TYPES, role
		)
		fields["DepositToAccountRef"] = ref_to(account)
	if form.entity == "Estimate":
		fields["TxnStatus"] = one_of(body, "TxnStatus", ESTIMATE_STATUSES, default="Pending")
		for field in ("ExpirationDate", "AcceptedDate"):
			if body.get(field):
				fields[field] = checked_date(body[field], field)
	if form.entity == "PurchaseOrder":
		fields["POStatus"] = one_of(body, "POStatus", ("Open", "Closed"), default="Open")
	if form.entity == "Purchase":
		payment_type = one_of(body, "PaymentType", tuple(PURCHASE_ACCOUNT_TYPES))
		account = checked_account(
			ctx, body.get("AccountRef"), "AccountRef", PURCHASE_ACCOUNT_TYPES[payment_type], None
		)
		fields.update(PaymentType=payment_type, AccountRef=ref_to(account))
		fields["Credit"] = payment_type == "CreditCard" and boolean(body, "Credit", False)
		if payment_type == "Check":
			fields["PrintStatus"] = one_of(
				body, "PrintStatus", ("NotSet", "NeedToPrint", "PrintComplete"), default="NotSet"
			)
	return fields


def _check_party_lines(ctx: WriteContext, content: dict[str, Any]) -> None:
	"""A Purchase line on A/R or A/P names the customer or vendor it is for (as EntityRef)."""
	ref = content.get("EntityRef") or {}
	payee = str(ref.get("type") or "Vendor").capitalize() if ref.get("value") else None
	for line in content["Line"]:
		detail = line.get("AccountBasedExpenseLineDetail") or {}
		account = ctx.realm.get("Account", (detail.get("AccountRef") or {}).get("value", "")) or {}
		needed = {"Accounts Receivable": "Customer", "Accounts Payable": "Vendor"}.get(
			account.get("AccountType")
		)
		if needed and payee != needed:
			raise faults.business(
				f"A line on {account['Name']} needs a {needed} as the payee (EntityRef).", "EntityRef"
			)


def _amounts(
	ctx: WriteContext, form: Form, body: dict[str, Any], existing: dict | None, rate: Decimal
) -> dict[str, Any]:
	mode = _tax_mode(ctx, body)
	totals = _line_totals(ctx, form, body, existing, mode)
	if totals.total < ZERO:
		raise faults.business(f"The {form.entity} total can't be negative.", "Line")
	amounts = {
		"Line": totals.lines,
		"TxnTaxDetail": _tax_detail(ctx, body, totals.tax),
		"TotalAmt": totals.total,
		"HomeTotalAmt": round2(totals.total * rate),
	}
	if not ctx.settings.is_us:
		amounts["GlobalTaxCalculation"] = mode
	return amounts


def _sales_form_fields(
	ctx: WriteContext, form: Form, body: dict[str, Any], party: dict[str, Any] | None
) -> dict[str, Any]:
	fields = {
		"ApplyTaxAfterDiscount": boolean(body, "ApplyTaxAfterDiscount", not ctx.settings.is_us),
		"EmailStatus": body.get("EmailStatus") or "NotSet",
		"PrintStatus": body.get("PrintStatus") or "NotSet",
	}
	if fields["EmailStatus"] == "NeedToSend" and not (body.get("BillEmail") or {}).get("Address"):
		raise faults.required("BillEmail")
	if not body.get("BillAddr") and party is not None and party.get("BillAddr"):
		fields["BillAddr"] = party["BillAddr"]
	return fields


def _form_accounts(ctx: WriteContext, form: Form, body: dict[str, Any]) -> dict[str, Any]:
	if form.entity in ("Invoice", "CreditMemo"):
		if not body.get("ARAccountRef"):
			return {}
		account = checked_account(ctx, body["ARAccountRef"], "ARAccountRef", ("Accounts Receivable",), None)
		return {"ARAccountRef": ref_to(account)}
	if form.entity in ("Bill", "VendorCredit", "PurchaseOrder"):
		account = checked_account(
			ctx, body.get("APAccountRef"), "APAccountRef", ("Accounts Payable",), "payable"
		)
		return {"APAccountRef": ref_to(account)}
	return {}


def _tax_mode(ctx: WriteContext, body: dict[str, Any]) -> str:
	if ctx.settings.is_us:
		return TAX_EXCLUDED
	return one_of(body, "GlobalTaxCalculation", TAX_MODES, default=TAX_EXCLUDED)


def _line_totals(
	ctx: WriteContext, form: Form, body: dict[str, Any], existing: dict | None, mode: str
) -> LineTotals:
	raw_lines = [line for line in body.get("Line") or () if line.get("DetailType") != "SubTotalLineDetail"]
	if not raw_lines:
		raise faults.required("Line")
	ids = _LineIds(existing)
	lines: list[dict[str, Any]] = []
	discounts: list[dict[str, Any]] = []
	basis = TaxBasis()
	subtotal = ZERO
	for line in raw_lines:
		check_lengths({"Line": line}, LINE_LIMITS)
		detail_type = line.get("DetailType")
		if not detail_type:
			raise faults.required("Line.DetailType")
		if detail_type not in form.line_types:
			raise faults.invalid_enum("Line.DetailType", detail_type)
		if detail_type == "DiscountLineDetail":
			discounts.append(line)
			continue
		built = _build_line(ctx, form, line, detail_type, mode, basis)
		subtotal += built.get("Amount", ZERO) if detail_type != "DescriptionOnly" else ZERO
		lines.append(ids.assign(built, len(lines) + 1))
	if form.sales:  # QBO adds a subtotal to sales forms only, after the item lines
		lines.append({"Amount": subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
	discount = ZERO
	for line in discounts:
		built = _discount_line(ctx, line, subtotal)
		discount += built["Amount"]
		lines.append(ids.assign(built, len(lines) + 1))
	factor = (subtotal - discount) / subtotal if subtotal and discount else Decimal(1)
	tax = _document_tax(ctx, body, basis, mode, factor)
	added_tax = ZERO if mode == TAX_INCLUSIVE else tax.total_tax
	return LineTotals(lines, subtotal, discount, tax, subtotal - discount + added_tax)


def _check_paid_document(form: Form, content: dict[str, Any], existing: dict | None) -> None:
	"""A document with payments or credits applied keeps its party and at least the applied amount."""
	if existing and existing[form.party_field]["value"] != content[form.party_field]["value"]:
		raise faults.business(
			f"This {form.entity} has payments or credits linked to it, so its {form.party.lower()} can't change.",
			form.party_field,
		)
	if content["Balance"] < ZERO:
		raise faults.business(
			f"The new total {content['TotalAmt']} is less than what is already applied to this {form.entity}.",
			"Line",
		)


class _LineIds:
	"""Line Ids: an Id of an existing line is kept, anything else gets the next free number."""

	def __init__(self, existing: dict | None) -> None:
		lines = existing.get("Line", ()) if existing else ()
		self._known = {str(line["Id"]) for line in lines if line.get("Id")}
		self._next = max((int(line_id) for line_id in self._known), default=0) + 1
		self._used: set[str] = set()

	def assign(self, line: dict[str, Any], number: int) -> dict[str, Any]:
		line_id = str(line.get("Id") or "")
		if line_id not in self._known or line_id in self._used:
			line_id = str(self._next)
			self._next += 1
		self._used.add(line_id)
		return {
			"Id": line_id,
			"LineNum": number,
			**{k: v for k, v in line.items() if k not in ("Id", "LineNum")},
		}


def _build_line(
	ctx: WriteContext, form: Form, line: dict[str, Any], detail_type: str, mode: str, basis: TaxBasis
) -> dict[str, Any]:
	if detail_type == "DescriptionOnly":
		return dict(line)
	element = f"Line.{detail_type}"
	if line.get("Amount") is None:
		raise faults.required("Line.Amount")
	amount = money(line["Amount"], "Line.Amount")
	detail = dict(line.get(detail_type) or {})
	if detail_type == "AccountBasedExpenseLineDetail":
		account = ctx.require("Account", detail.get("AccountRef"), f"{element}.AccountRef")
		detail["AccountRef"] = ref_to(account)
	else:
		_item_line_detail(ctx, detail, amount, element, required=detail_type == "ItemBasedExpenseLineDetail")
	customer = ctx.resolve("Customer", detail.get("CustomerRef"), f"{element}.CustomerRef")
	if customer is not None:
		detail["CustomerRef"] = ref_to(customer, "DisplayName")
	_line_tax_code(ctx, form, detail, amount, element, mode, basis)
	if mode == TAX_INCLUSIVE:
		detail["TaxInclusiveAmt"] = amount
	return {**line, "Amount": amount, "DetailType": detail_type, detail_type: detail}


def _item_line_detail(
	ctx: WriteContext, detail: dict[str, Any], amount: Decimal, element: str, required: bool
) -> None:
	item = ctx.resolve("Item", detail.get("ItemRef"), f"{element}.ItemRef", required=required)
	if item is not None:
		if item["Type"] == "Category":
			raise faults.invalid_reference(
				f"{element}.ItemRef", "Item", f"{item['Id']} (categories can't be used)"
			)
		detail["ItemRef"] = ref_to(item)
	qty = optional_money(detail.get("Qty"), f"{element}.Qty")
	unit_price = optional_money(detail.get("UnitPrice"), f"{element}.UnitPrice")
	check_line_amount(amount, qty, unit_price, "Line.Amount")
	if qty is not None:
		detail["Qty"] = qty
	if unit_price:
		detail["UnitPrice"] = unit_price
	elif qty:  # Qty without a unit price: QBO derives the price from the amount
		detail["UnitPrice"] = (amount / qty).quantize(Decimal("1.0000000"))
	elif unit_price is not None:
		detail["UnitPrice"] = unit_price


def _line_tax_code(
	ctx: WriteContext,
	form: Form,
	detail: dict[str, Any],
	amount: Decimal,
	element: str,
	mode: str,
	basis: TaxBasis,
) -> None:
	ref = detail.get("TaxCodeRef")
	element = f"{element}.TaxCodeRef"
	if ctx.settings.is_us:
		if ref and str(ref.get("value")) not in US_TAX_CODES:
			raise faults.invalid_reference(element, "TaxCode", ref.get("value"))
		return
	if (mode == NOT_APPLICABLE or not ctx.pref("TaxPrefs", "UsingSalesTax", True)) and not ref:
		return
	if not ref or not ref.get("value"):
		raise faults.business(MISSING_TAX_CODE, element)
	code = ctx.require("TaxCode", ref, element)
	detail["TaxCodeRef"] = {"value": code["Id"], "name": code["Name"]}
	basis.add(_rates(ctx, code, form, element), amount)


def _rates(ctx: WriteContext, code: dict[str, Any], form: Form, element: str) -> tuple[Rate, ...]:
	list_field = "SalesTaxRateList" if form.sales else "PurchaseTaxRateList"
	details = (code.get(list_field) or {}).get("TaxRateDetail") or []
	if not details:
		raise faults.business(f"Tax code {code['Name']} can't be used on {form.direction} forms.", element)
	rates = []
	for detail in details:
		rate = ctx.realm.get("TaxRate", detail["TaxRateRef"]["value"])
		assert rate is not None, "tax codes only reference existing rates"
		rates.append(Rate(rate["Id"], rate["Name"], money(rate["RateValue"], "RateValue")))
	return tuple(rates)


def _discount_line(ctx: WriteContext, line: dict[str, Any], subtotal: Decimal) -> dict[str, Any]:
	if not ctx.settings.allow_discount:
		raise faults.business(
			"Discounts are turned off for this company (Preferences.SalesFormsPrefs.AllowDiscount).", "Line"
		)
	detail = dict(line.get("DiscountLineDetail") or {})
	if detail.get("PercentBased"):
		percent = detail.get("DiscountPercent")
		if percent is None:
			raise faults.required("Line.DiscountLineDetail.DiscountPercent")
		detail["DiscountPercent"] = money(percent, "Line.DiscountLineDetail.DiscountPercent")
		amount = percent_of(subtotal, detail["DiscountPercent"])
	else:
		if line.get("Amount") is None:
			raise faults.required("Line.Amount")
		amount = money(line["Amount"], "Line.Amount")
		detail["PercentBased"] = False
	element = "Line.DiscountLineDetail.DiscountAccountRef"
	account = ctx.resolve("Account", detail.get("DiscountAccountRef"), element)
	account = account or ctx.realm.objects["Account"][_default_discount_account(ctx)]
	detail["DiscountAccountRef"] = ref_to(account)
	return {**line, "Amount": amount, "DetailType": "DiscountLineDetail", "DiscountLineDetail": detail}


def _default_discount_account(ctx: WriteContext) -> str:
	preferences = ctx.realm.objects["Preferences"]["1"]
	return preferences["SalesFormsPrefs"]["DefaultDiscountAccount"]


def _document_tax(
	ctx: WriteContext, body: dict[str, Any], basis: TaxBasis, mode: str, factor: Decimal
) -> TaxResult:
	if not ctx.settings.is_us:
		return compute_tax(basis, mode, factor)
	sent = body.get("TxnTaxDetail") or {}
	if not ctx.pref("TaxPrefs", "UsingSalesTax", True):  # sales tax not set up: no tax is recorded
		return TaxResult(ZERO, [])
	total_tax = optional_money(sent.get("TotalTax"), "TxnTaxDetail.TotalTax") or ZERO
	return TaxResult(total_tax, sent.get("TaxLine") or [])


def _tax_detail(ctx: WriteContext, body: dict[str, Any], tax: TaxResult) -> dict[str, Any]:
	detail: dict[str, Any] = {}
	sent = body.get("TxnTaxDetail") or {}
	if ctx.settings.is_us and sent.get("TxnTaxCodeRef"):
		detail["TxnTaxCodeRef"] = sent["TxnTaxCodeRef"]
	detail["TotalTax"] = tax.total_tax
	if tax.tax_lines:
		detail["TaxLine"] = tax.tax_lines
	return detail


def _terms_and_due_date(
	ctx: WriteContext, form: Form, body: dict[str, Any], party: dict[str, Any], txn_day: str
) -> dict[str, Any]:
	term = ctx.resolve("Term", body.get("SalesTermRef"), "SalesTermRef")
	if term is None:
		party_term = party.get("SalesTermRef" if form.sales else "TermRef")
		term = ctx.realm.get("Term", party_term["value"]) if party_term else None
	if term is None and form.sales:
		term = ctx.role("default_terms")
	fields: dict[str, Any] = {"SalesTermRef": ref_to(term)} if term else {}
	if body.get("DueDate"):
		fields["DueDate"] = checked_date(body["DueDate"], "DueDate")
	else:
		fields["DueDate"] = due_date(date.fromisoformat(txn_day), term).isoformat()
	return fields


def due_date(txn_day: date, term: dict | None) -> date:
	if term is None:
		return txn_day
	if term.get("Type") != "DATE_DRIVEN":
		return txn_day + timedelta(days=int(term.get("DueDays") or 0))
	# Date-driven: due on DayOfMonthDue of this month, or of next month when the document is dated within
	# DueNextMonthDays of that day (or after it).
	day = int(term["DayOfMonthDue"])
	cutoff = day - int(term.get("DueNextMonthDays") or 0)
	year, month = txn_day.year, txn_day.month
	if txn_day.day >= cutoff:
		year, month = (year + 1, 1) if month == 12 else (year, month + 1)
	return _clamped_date(year, month, day)


def _clamped_date(year: int, month: int, day: int) -> date:
	while True:
		try:
			return date(year, month, day)
		except ValueError:
			day -= 1


def _doc_number(
	ctx: WriteContext, form: Form, body: dict[str, Any], existing: dict | None, party_id: str
) -> str | None:
	"""Runs last in ``prepare_form``: auto-numbering consumes a number only for a write that will succeed."""
	if form.auto_numbered and not ctx.settings.custom_txn_numbers:
		if existing is not None:
			return existing.get("DocNumber")
		number = str(ctx.realm.next_sales_number)
		ctx.realm.next_sales_number += 1
		return number
	value = body.get("DocNumber")
	if value in (None, ""):
		return None
	doc_number = str(value).strip()
	check_doc_number_unique(
		ctx, form.entity, "" if form.sales or form.party is None else party_id, doc_number, existing
	)
	return doc_number


def check_doc_number_unique(
	ctx: WriteContext, entity: str, scope: str, doc_number: str, existing: dict | None
) -> None:
	"""6140 for a DocNumber already used by another record of the type (see DUPLICATE_CHECKED)."""
	if ctx.options.allow_duplicate_doc_number:
		return
	if entity in ("Bill", "VendorCredit"):
		checked = ctx.name_value_pref("WarnDuplicateBillNumber")
	elif entity == "JournalEntry":
		checked = ctx.name_value_pref("WarnDuplicateJournalNumber")
	else:
		checked = entity in DUPLICATE_CHECKED
	if not checked:
		return
	owners = ctx.realm.indexes.doc_number_owners((entity, scope, doc_number))
	others = owners - {existing["Id"]} if existing else owners
	if others:
		raise faults.duplicate_doc_number(doc_number, entity, min(others, key=int))


# Journal entries


def prepare_journal_entry(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	content = dict(body)
	check_lengths(body, {"DocNumber": 21, "PrivateNote": 4000})
	content["TxnDate"] = txn_date(ctx, body)
	currency, rate = transaction_currency(ctx, body, None, content["TxnDate"])
	content["CurrencyRef"] = currency_ref(currency)
	if ctx.settings.multicurrency:
		content["ExchangeRate"] = rate
	raw_lines = body.get("Line") or []
	if not raw_lines:
		raise faults.required("Line")
	ids = _LineIds(existing)
	lines = [ids.assign(_journal_line(ctx, line), number) for number, line in enumerate(raw_lines, 1)]
	debits = sum((line["Amount"] for line in lines if _posting(line) == "Debit"), ZERO)
	credits = sum((line["Amount"] for line in lines if _posting(line) == "Credit"), ZERO)
	if debits != credits or not debits:
		raise faults.business(
			f"The journal entry is out of balance: debits {debits}, credits {credits}. "
			"Debits and credits must be equal and not zero.",
			"Line",
		)
	content["Line"] = lines
	content["TotalAmt"] = debits
	content["HomeTotalAmt"] = round2(debits * rate)
	content.pop("DocNumber", None)
	if body.get("DocNumber") not in (None, ""):
		content["DocNumber"] = str(body["DocNumber"]).strip()
		check_doc_number_unique(ctx, "JournalEntry", "", content["DocNumber"], existing)
	return content


def _posting(line: dict[str, Any]) -> str | None:
	return (line.get("JournalEntryLineDetail") or {}).get("PostingType")


def _journal_line(ctx: WriteContext, line: dict[str, Any]) -> dict[str, Any]:
	if line.get("DetailType") == "DescriptionOnly":
		return {**line, "Amount": ZERO}
	if line.get("DetailType") != "JournalEntryLineDetail":
		raise faults.invalid_enum("Line.DetailType", line.get("DetailType"))
	element = "Line.JournalEntryLineDetail"
	if line.get("Amount") is None:
		raise faults.required("Line.Amount")
	amount = money(line["Amount"], "Line.Amount")
	if amount < ZERO:
		raise faults.business("Journal entry line amounts can't be negative; use PostingType.", "Line.Amount")
	detail = dict(line.get("JournalEntryLineDetail") or {})
	detail["PostingType"] = one_of(detail, "PostingType", ("Debit", "Credit"))
	account = ctx.require("Account", detail.get("AccountRef"), f"{element}.AccountRef")
	detail["AccountRef"] = ref_to(account)
	entity = _journal_entity(ctx, detail.get("Entity"), element)
	party_needed = {"Accounts Receivable": "Customer", "Accounts Payable": "Vendor"}.get(
		account["AccountType"]
	)
	if party_needed and (entity is None or entity["Type"] != party_needed):
		raise faults.business(
			f"A line on {account['Name']} needs a {party_needed} in Entity.", f"{element}.Entity"
		)
	if entity is not None:
		detail["Entity"] = entity
	code = ctx.resolve("TaxCode", detail.get("TaxCodeRef"), f"{element}.TaxCodeRef")
	if code is not None:
		detail["TaxCodeRef"] = ref_to(code)
	return {**line, "Amount": amount, "JournalEntryLineDetail": detail}


def _journal_entity(ctx: WriteContext, entity: Any, element: str) -> dict[str, Any] | None:
	if not entity:
		return None
	entity_type = one_of(entity, "Type", ("Customer", "Vendor", "Employee"))
	party = ctx.require(entity_type, entity.get("EntityRef"), f"{element}.Entity.EntityRef")
	return {"Type": entity_type, "EntityRef": ref_to(party, "DisplayName")}


def _id_of(existing: dict | None) -> str | None:
	return existing["Id"] if existing else None
