"""Reading ERPNext's taxes table: what each row posts and which lines it taxes.

Every row posts `tax_amount_after_discount_amount` (document currency) to its `account_head`, as ERPNext's GL does
(`make_tax_gl_entries`); on purchases "Deduct" rows post a credit and "Valuation" rows post nothing. With sales
discount accounting and the discount applied on the Grand Total, ERPNext posts `tax_amount` (before discount)
instead and books the whole discount on the additional discount account.

Which lines a row taxes is worked out per line the way ERPNext computes taxes (`taxes_and_totals`): the rate for a
line is the line's Item Tax Template rate for that account (`item_tax_rate`) when present, else the row's rate;
"Actual" rows spread over every line, "On Previous Row Amount" follows the row it refers to, "On Previous Row Total"
includes the line itself. This is done per line rather than from `item_wise_tax_detail`, which is keyed by item code
and merges lines of the same item that carry different tax templates.

Who computes a row in QuickBooks (`qbo_computes`):
- US: tax rows on sales (TxnTaxDetail.TotalTax carries their sum); nothing on purchases - QuickBooks US has no
  purchase tax, so purchase tax rows are expense lines on the tax account, exactly what the GL shows.
- Other countries: rate-based "Add" rows on tax accounts, through each line's tax code. Rows QuickBooks cannot
  derive from a rate (Actual, On Item Quantity, Deduct, tax withholding) are posted as lines to their account.
- Rows on accounts that are not tax accounts (freight, insurance...) are always lines to their account.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from quickbooks_connector.mapping.context import MappingContext
from quickbooks_connector.mapping.dimensions import NO_TAGS, Tags, tags_of
from quickbooks_connector.mapping.money import ZERO, to_decimal

ACTUAL = "Actual"
ON_NET_TOTAL = "On Net Total"
ON_PREVIOUS_ROW_AMOUNT = "On Previous Row Amount"
ON_PREVIOUS_ROW_TOTAL = "On Previous Row Total"
ON_ITEM_QUANTITY = "On Item Quantity"
RATE_BASED = frozenset({ON_NET_TOTAL, ON_PREVIOUS_ROW_AMOUNT, ON_PREVIOUS_ROW_TOTAL})
# the taxes table's label on the form, for messages
SALES_TAXES = "Sales Taxes and Charges"
PURCHASE_TAXES = "Purchase Taxes and Charges"


@dataclass(frozen=True)
class TaxRow:
	idx: int
	account: str
	charge_type: str
	rate: Decimal
	row_id: int | None
	amount: Decimal
	description: str
	is_tax: bool
	deduct: bool = False
	withholding: bool = False
	in_total: bool = True
	table: str = SALES_TAXES
	tags: Tags = NO_TAGS  # the row's cost center and dimension value


def sales_tax_rows(doc: Mapping, ctx: MappingContext, *, before_discount: bool) -> list[TaxRow]:
	field = "tax_amount" if before_discount else "tax_amount_after_discount_amount"
	return [_row(position, tax, doc, ctx, to_decimal(tax.get(field))) for position, tax in _taxes(doc)]


def purchase_tax_rows(doc: Mapping, ctx: MappingContext) -> list[TaxRow]:
	rows = []
	for position, tax in _taxes(doc):
		amount = to_decimal(tax.get("tax_amount_after_discount_amount"))
		in_total = tax.get("category") != "Valuation"
		if tax.get("add_deduct_tax") == "Deduct":
			amount = -amount
		row = _row(position, tax, doc, ctx, amount if in_total else ZERO, in_total)
		rows.append(replace(row, table=PURCHASE_TAXES))
	return rows


def _taxes(doc: Mapping) -> Iterable[tuple[int, Mapping]]:
	return enumerate(doc.get("taxes") or [], start=1)


def _row(
	position: int, tax: Mapping, doc: Mapping, ctx: MappingContext, amount: Decimal, in_total: bool = True
) -> TaxRow:
	account = tax.get("account_head") or ""
	row_id = tax.get("row_id")
	return TaxRow(
		idx=position,
		account=account,
		charge_type=tax.get("charge_type") or ACTUAL,
		rate=to_decimal(tax.get("rate")),
		row_id=int(row_id) if row_id not in (None, "", 0, "0") else None,
		amount=amount,
		description=tax.get("description") or account,
		is_tax=ctx.is_tax_account(account),
		deduct=tax.get("add_deduct_tax") == "Deduct",
		withholding=bool(tax.get("is_tax_withholding_account")),
		in_total=in_total,
		tags=tags_of(tax, doc, ctx),
	)


def qbo_computes(row: TaxRow, ctx: MappingContext, *, purchase: bool) -> bool:
	if not row.is_tax or not row.in_total:
		return False
	if ctx.is_us:
		return not purchase
	return row.charge_type in RATE_BASED and not row.deduct and not row.withholding


def item_tax_rates(item: Mapping) -> dict[str, Decimal]:
	raw = item.get("item_tax_rate")
	if not raw:
		return {}
	parsed = json.loads(raw) if isinstance(raw, str) else raw
	return {account: to_decimal(rate) for account, rate in (parsed or {}).items()}


def rows_taxing_item(rows: list[TaxRow], item: Mapping, own_lines: Iterable[int] = ()) -> set[int]:
	"""Positions (idx) of the rows that put a non-zero tax on this item line. `own_lines`: rows posted as lines of
	their own (charges); ERPNext spreads them over the items, but in QuickBooks their amount - and any tax "On
	Previous Row Amount" of them - belongs to their own line, not to the items."""
	separate = set(own_lines)
	rates = item_tax_rates(item)
	net_amount = to_decimal(item.get("net_amount"))
	qty = to_decimal(item.get("qty"))
	hits: set[int] = set()
	for row in rows:
		rate = rates.get(row.account, row.rate)
		if row.charge_type == ACTUAL:
			hit = row.amount != 0 and net_amount != 0
		elif row.charge_type == ON_ITEM_QUANTITY:
			hit = rate != 0 and qty != 0
		elif row.charge_type == ON_PREVIOUS_ROW_AMOUNT:
			hit = rate != 0 and row.row_id in hits
		else:
			hit = rate != 0
		if hit and row.idx not in separate:
			hits.add(row.idx)
	return hits


def rows_taxing_row(rows: list[TaxRow], charge: TaxRow) -> set[int]:
	"""Positions of the later rows that tax the amount of row `charge` (compound taxes, tax on freight)."""
	hits: set[int] = set()
	for row in rows:
		if row.idx <= charge.idx or row.rate == 0:
			continue
		if row.charge_type == ON_PREVIOUS_ROW_AMOUNT and row.row_id in hits | {charge.idx}:
			hits.add(row.idx)
		elif row.charge_type == ON_PREVIOUS_ROW_TOTAL and (row.row_id or 0) >= charge.idx:
			hits.add(row.idx)
	return hits


def accounts_taxing_item(rows: list[TaxRow], computed: Mapping[int, TaxRow], item: Mapping) -> frozenset[str]:
	"""Tax accounts of the rows QuickBooks computes (`computed`, by idx) that tax this item line."""
	own_lines = [row.idx for row in rows if row.idx not in computed]
	return frozenset(computed[i].account for i in rows_taxing_item(rows, item, own_lines) if i in computed)


def accounts_taxing_row(rows: list[TaxRow], computed: Mapping[int, TaxRow], charge: TaxRow) -> frozenset[str]:
	"""Tax accounts of the rows QuickBooks computes that tax the line of charge row `charge`."""
	return frozenset(computed[i].account for i in rows_taxing_row(rows, charge) if i in computed)
