"""An Invoice or Bill made in QuickBooks (not by the connector) -> the draft Sales / Purchase Invoice that records it
for review (a plain dict, pure and Decimal; the Frappe layer inserts it as a draft, linked to its QuickBooks record).

- The party is the ERPNext Customer / Supplier linked to the QuickBooks customer / vendor (QuickBooks Links of the
  party import or of the push); none -> the import waits.
- Item lines name the ERPNext item linked to the QuickBooks item, else the one whose code is the item's SKU, else
  the one whose code or name is the item's name (`ItemMatch`); none or several -> the import waits with the reason.
  Quantities and prices are kept when they multiply to the line's amount, else one of the amount. A line's income
  (sales) or expense (bill) account is the ERPNext account mapped to the QuickBooks item's account, when exactly
  one is; otherwise ERPNext's defaults for the item apply.
- A bill's account lines (no item) become rows without an item on the ERPNext account mapped to theirs.
- Tax: QuickBooks' total tax becomes one "Actual" row on the ERPNext tax account mapped to the tax code the record
  uses (the US transaction code, or the one code its lines use elsewhere); several codes, an unmapped code or
  tax-inclusive amounts -> the import waits, rather than guessing a split.
- A discount line becomes the invoice's additional discount on the net total.
- Currency and QuickBooks' exchange rate are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from quickbooks_connector.inbound.payments import InboundSettings
from quickbooks_connector.mapping.errors import Problems, _
from quickbooks_connector.mapping.money import ZERO, money, to_decimal

INVOICE, BILL = "Invoice", "Bill"


@dataclass(frozen=True)
class Kind:
	doctype: str
	party_type: str
	party_field: str
	party_ref: str
	party_entity: str  # the QuickBooks entity its party is
	item_detail: str
	account_field: str  # the ERPNext item row's account


KINDS = {
	INVOICE: Kind(
		"Sales Invoice",
		"Customer",
		"customer",
		"CustomerRef",
		"Customer",
		"SalesItemLineDetail",
		"income_account",
	),
	BILL: Kind(
		"Purchase Invoice",
		"Supplier",
		"supplier",
		"VendorRef",
		"Vendor",
		"ItemBasedExpenseLineDetail",
		"expense_account",
	),
}
ENTITIES = frozenset(KINDS)
ACCOUNT_DETAIL = "AccountBasedExpenseLineDetail"
IGNORED_LINES = frozenset({"SubTotalLineDetail", "DescriptionOnly"})


@dataclass(frozen=True)
class ItemMatch:
	"""What the connector found for a QuickBooks item: the ERPNext item code (None: none or several, `candidates`
	says which), and the QuickBooks item's name, SKU and income / expense account ids (for messages and accounts)."""

	qbo_id: str
	item_code: str | None
	name: str = ""
	sku: str = ""
	candidates: tuple[str, ...] = ()
	income_account_id: str = ""
	expense_account_id: str = ""


def item_ids(entity: str, obj: dict) -> list[str]:
	"""The QuickBooks item ids the record's lines name, in order, once each."""
	detail = KINDS[entity].item_detail
	ids: list[str] = []
	for line in obj.get("Line") or ():
		ref = (line.get(detail) or {}).get("ItemRef") or {}
		if line.get("DetailType") == detail and ref.get("value") and str(ref["value"]) not in ids:
			ids.append(str(ref["value"]))
	return ids


def party_id(entity: str, obj: dict) -> str:
	return str((obj.get(KINDS[entity].party_ref) or {}).get("value") or "")


def build(
	entity: str,
	obj: dict,
	party: str | None,
	items: Mapping[str, ItemMatch],
	settings: InboundSettings,
) -> dict:
	"""The draft Sales / Purchase Invoice for a QuickBooks Invoice / Bill; one MappingError listing every problem."""
	kind = KINDS[entity]
	problems = Problems(f"QuickBooks {entity} {obj.get('Id')}")
	if not party:
		ref = obj.get(kind.party_ref) or {}
		problems.add(
			"unknown_party",
			_("Its {party_entity} {party} is linked to no ERPNext {party_type}."),
			_("Import {party_type}s from QuickBooks (QuickBooks Settings, Import now), then press Retry."),
			party_entity=kind.party_entity,
			party=ref.get("name") or ref.get("value") or "-",
			party_type=kind.party_type,
		)
	rows, discount = _rows(entity, obj, items, settings, problems)
	currency = str((obj.get("CurrencyRef") or {}).get("value") or settings.company_currency).upper()
	taxes = _taxes(entity, obj, settings, problems)
	problems.raise_if_any()
	rate = to_decimal(obj.get("ExchangeRate") or 1) if currency != settings.company_currency else Decimal(1)
	date = obj.get("TxnDate")
	doc = {
		"doctype": kind.doctype,
		"company": settings.company,
		kind.party_field: party,
		"posting_date": date,
		"set_posting_time": 1,
		"due_date": obj.get("DueDate") or date,
		"currency": currency,
		"conversion_rate": rate,
		"items": rows,
		"taxes": taxes,
		"remarks": _remarks(entity, obj),
	}
	if entity == BILL:
		doc.update(bill_no=obj.get("DocNumber") or None, bill_date=date)
	if discount:
		doc.update(apply_discount_on="Net Total", discount_amount=discount)
	return doc


def _rows(
	entity: str, obj: dict, items: Mapping[str, ItemMatch], settings: InboundSettings, problems: Problems
) -> tuple[list[dict], Decimal]:
	kind = KINDS[entity]
	rows: list[dict] = []
	discount = ZERO
	for line in obj.get("Line") or ():
		detail_type = line.get("DetailType")
		detail = line.get(detail_type or "") or {}
		amount = money(line.get("Amount") or 0)
		if detail_type in IGNORED_LINES:
			continue
		if detail_type == "DiscountLineDetail" and entity == INVOICE:
			discount += amount
		elif detail_type == kind.item_detail:
			row = _item_row(kind, line, detail, amount, items, settings, problems)
			if row:
				rows.append(row)
		elif detail_type == ACCOUNT_DETAIL and entity == BILL:
			row = _account_row(line, detail, amount, settings, problems)
			if row:
				rows.append(row)
		else:
			problems.add(
				"unsupported_line",
				_("It has a {line_type} line, which is not imported."),
				_("Record this {entity} in ERPNext by hand."),
				line_type=detail_type or "-",
				entity=entity,
			)
	return rows, discount


def _item_row(
	kind: Kind,
	line: dict,
	detail: dict,
	amount: Decimal,
	items: Mapping[str, ItemMatch],
	settings: InboundSettings,
	problems: Problems,
) -> dict | None:
	ref = detail.get("ItemRef") or {}
	match = items.get(str(ref.get("value") or ""))
	if match is None or match.item_code is None:
		name = (match.name if match else "") or ref.get("name") or ref.get("value") or "-"
		if match and match.candidates:
			problems.add(
				"ambiguous_item",
				_("Several ERPNext items match the QuickBooks item {item}: {candidates}."),
				_("Link one of them to it (push it once) or make its name or SKU unique, then press Retry."),
				item=name,
				candidates=", ".join(match.candidates),
			)
		else:
			problems.add(
				"unknown_item",
				_("No ERPNext item matches the QuickBooks item {item} (SKU {sku})."),
				_("Create an ERPNext item with that name or SKU as its code, then press Retry."),
				item=name,
				sku=(match.sku if match else "") or "-",
			)
		return None
	qty, rate = _qty_rate(detail, amount)
	row = {
		"item_code": match.item_code,
		"qty": qty,
		"rate": rate,
		"description": line.get("Description") or match.name or match.item_code,
	}
	account_id = match.income_account_id if kind.doctype == "Sales Invoice" else match.expense_account_id
	accounts = settings.erpnext_accounts(account_id) if account_id else []
	if len(accounts) == 1:
		row[kind.account_field] = accounts[0]
	return row


def _account_row(
	line: dict, detail: dict, amount: Decimal, settings: InboundSettings, problems: Problems
) -> dict | None:
	ref = detail.get("AccountRef") or {}
	accounts = settings.erpnext_accounts(str(ref.get("value") or ""))
	if len(accounts) != 1:
		problems.add(
			"unmapped_account",
			_("{count} ERPNext accounts are mapped to the QuickBooks account {account} a line is booked to."),
			_("Map exactly one ERPNext account to {account} in QuickBooks Settings, then press Retry."),
			count=len(accounts),
			account=ref.get("name") or ref.get("value") or "-",
		)
		return None
	text = line.get("Description") or ref.get("name") or accounts[0]
	return {
		"item_name": str(text)[:140],
		"description": text,
		"qty": Decimal(1),
		"rate": amount,
		"uom": "Nos",
		"conversion_factor": Decimal(1),
		"expense_account": accounts[0],
	}


def _qty_rate(detail: dict, amount: Decimal) -> tuple[Decimal, Decimal]:
	"""QuickBooks' quantity and unit price when they give the line's amount; otherwise one of the amount."""
	qty, price = detail.get("Qty"), detail.get("UnitPrice")
	if qty not in (None, "") and price not in (None, ""):
		qty, price = to_decimal(qty), to_decimal(price)
		if qty and money(qty * price) == amount:
			return qty, price
	return Decimal(1), amount


def _taxes(entity: str, obj: dict, settings: InboundSettings, problems: Problems) -> list[dict]:
	detail = obj.get("TxnTaxDetail") or {}
	total = money(detail.get("TotalTax") or 0)
	if total == ZERO:
		return []
	if obj.get("GlobalTaxCalculation") == "TaxInclusive":
		problems.add(
			"tax_inclusive",
			_("Its amounts include tax, which is not imported."),
			_("Record this {entity} in ERPNext by hand."),
			entity=entity,
		)
		return []
	codes = _tax_codes(obj, settings)
	accounts = sorted(
		account
		for account, code in settings.tax_code_map.items()
		if code.id in codes and account in settings.tax_accounts
	)
	if len(codes) != 1 or len(accounts) != 1:
		problems.add(
			"unmapped_tax",
			_("Its tax ({total}, tax codes {codes}) maps to {count} ERPNext tax accounts, not one."),
			_(
				"Map one ERPNext tax account to its QuickBooks tax code in QuickBooks Settings, then press Retry."
			),
			total=total,
			codes=", ".join(sorted(codes)) or "-",
			count=len(accounts),
		)
		return []
	row = {
		"charge_type": "Actual",
		"account_head": accounts[0],
		"description": f"Tax recorded in QuickBooks ({next(iter(codes))})",
		"tax_amount": total,
	}
	if entity == BILL:
		row.update(category="Total", add_deduct_tax="Add")
	return [row]


def _tax_codes(obj: dict, settings: InboundSettings) -> set[str]:
	"""The tax code the record's tax comes from: the US transaction code, else those its lines use (exempt and
	the US TAX / NON markers aside)."""
	txn_code = str(((obj.get("TxnTaxDetail") or {}).get("TxnTaxCodeRef") or {}).get("value") or "")
	if txn_code:
		return {txn_code}
	codes = set()
	for line in obj.get("Line") or ():
		code = str(
			((line.get(line.get("DetailType") or "") or {}).get("TaxCodeRef") or {}).get("value") or ""
		)
		if code and code not in ("TAX", "NON") and code != settings.exempt_tax_code_id:
			codes.add(code)
	return codes


def _remarks(entity: str, obj: dict) -> str:
	number = obj.get("DocNumber")
	made = (
		f"Made in QuickBooks: {entity} {number} (Id {obj.get('Id')})"
		if number
		else f"Made in QuickBooks: {entity} Id {obj.get('Id')}"
	)
	memo = obj.get("PrivateNote") or (obj.get("CustomerMemo") or {}).get("value")
	return f"{made}\n{memo}" if memo else made
