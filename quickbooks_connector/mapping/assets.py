"""A Sales Invoice that sells fixed assets -> its Invoice plus a JournalEntry of the disposal (followup
"asset-disposal").

For a fixed asset item ERPNext posts no income: the invoice's GL credits the asset account with its gross purchase
amount, debits its accumulated depreciation, and books the gain or loss on the company's disposal account (and sets
the item row's income account to that disposal account). A QuickBooks Invoice line must post to an item's income
account, and an invoice cannot post to balance sheet accounts, so the connector sends:

- the Invoice as for any sale: the receivable, taxes and every line; the asset line credits its selling amount
  (`base_net_amount`) to the row's income account, the disposal account;
- a companion JournalEntry (company currency) of the disposal: the invoice's GL rows on the asset and accumulated
  depreciation accounts (account type Fixed Asset, Accumulated Depreciation, Capital Work in Progress) and on the
  disposal account, plus a debit of each asset line's selling amount on its income account, which takes back what
  the Invoice credited there. Together they book every account as ERPNext's GL does: the disposal account ends with
  ERPNext's gain or loss, the asset accounts with the cost and depreciation taken off. A return (ERPNext's asset
  regain) is the same with the signs turned. Cancel deletes the journal with the invoice (registry writes).

Why not refuse it: the two records reproduce ERPNext's GL to the cent (checked below: the disposal rows must add up
to the selling amounts, or the invoice fails with the coded reason), keep the customer's receivable on the invoice
where payments find it, and the journal is undone with the invoice. Refused with the reason: a disposal account
that other (non-asset) lines of the invoice also credit as income (its GL rows could not be told apart), and a
document whose GL rows do not add up as above. A foreign-currency invoice's asset line is converted by QuickBooks
at the invoice's rate; the journal takes back ERPNext's company-currency amount, which may differ by a cent there.

The GL rows come as `gl_entries` (see gl_journal.py); before submit only the accounts' mapping is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from quickbooks_connector.mapping import gl_journal, journal
from quickbooks_connector.mapping.context import MappingContext
from quickbooks_connector.mapping.dimensions import tags_of
from quickbooks_connector.mapping.errors import MappingError, Problem, Problems, _
from quickbooks_connector.mapping.lines import flag
from quickbooks_connector.mapping.money import ZERO, fmt, money
from quickbooks_connector.mapping.payload import QBOPayload
from quickbooks_connector.mapping.refs import Refs

DOCTYPE = "Sales Invoice"
DISPOSAL = "asset-disposal"  # the companion's key
ITEMS = "Items"
ASSET_ACCOUNT_TYPES = ("Fixed Asset", "Accumulated Depreciation", "Capital Work in Progress")


def asset_items(doc: Mapping) -> list[Mapping]:
	return [row for row in doc.get("items") or [] if flag(row, "is_fixed_asset")]


def sells_assets(doc: Mapping) -> bool:
	return bool(asset_items(doc))


def check_invoice(doc: Mapping, ctx: MappingContext, problems: Problems) -> None:
	"""Adds to `problems` what keeps the disposal journal from being made (nothing when the invoice sells no asset;
	before submit, only whether the asset lines' accounts are mapped, which the invoice's own lines check)."""
	if not sells_assets(doc) or not gl_journal.has_gl_rows(doc):
		return
	try:
		_plan(doc, ctx)
	except MappingError as error:
		for problem in error.problems:
			problems.append(problem)


def invoice_companions(doc: Mapping, ctx: MappingContext, refs: Refs) -> list[QBOPayload]:
	"""The disposal JournalEntry of an invoice that sells fixed assets (none otherwise)."""
	if not sells_assets(doc) or not gl_journal.has_gl_rows(doc):
		return []
	planned = _plan(doc, ctx)
	payload = journal.build_payload(planned, doc, ctx, refs)
	return [
		QBOPayload(
			payload.entity, payload.body, None, payload.erp_total, key=DISPOSAL, origins=payload.origins
		)
	]


def _plan(doc: Mapping, ctx: MappingContext) -> journal.JournalPlan:
	name = doc["name"]
	subject = f"{DOCTYPE} {name}"
	assets = asset_items(doc)
	disposal_accounts = {row.get("income_account") for row in assets}
	shared = sorted(
		{
			row.get("income_account")
			for row in doc.get("items") or []
			if not flag(row, "is_fixed_asset") and row.get("income_account") in disposal_accounts
		}
	)
	if shared:
		raise MappingError(
			Problem.of(
				"asset_disposal_account_shared",
				_(
					"The invoice sells fixed assets and other items into the same income account ({accounts}); "
					"ERPNext's gain or loss on the disposal cannot be told apart from the other income there."
				),
				_(
					"Sell the fixed assets on an invoice of their own (cancel and amend this one), or set another "
					"income account on the other items, then press Retry on the QuickBooks sync record."
				),
				accounts=", ".join(shared),
			),
			subject,
		)
	gl = [
		row
		for row in doc.get(gl_journal.GL_ROWS) or []
		if row.get("account_type") in ASSET_ACCOUNT_TYPES or row.get("account") in disposal_accounts
	]
	rows = gl_journal.gl_rows(doc, ctx, gl)
	sold = sum((money(row.get("base_net_amount")) for row in assets), ZERO)
	booked = sum((row.home for row in rows), ZERO)
	if booked != -sold:
		raise MappingError(
			Problem.of(
				"asset_disposal_rows_differ",
				_(
					"ERPNext's disposal entries for the fixed assets sold (asset, accumulated depreciation, gain or "
					"loss: {booked} net) do not add up to their selling amount ({sold}), so the invoice and a "
					"disposal journal entry cannot reproduce them."
				),
				_(
					"Check the invoice's General Ledger in ERPNext (Accounting Ledger on the form) and repost it if "
					"it is incomplete (Repost Accounting Ledger), then press Retry on the QuickBooks sync record."
				),
				booked=fmt(-booked),
				sold=fmt(sold),
			),
			subject,
		)
	offsets = [
		journal.Row(
			idx=row.get("idx") or position,
			account=row.get("income_account") or "",
			currency=ctx.company_currency,
			amount=money(row.get("base_net_amount")),
			home=money(row.get("base_net_amount")),
			rate=Decimal(1),
			party_type="",
			party="",
			reference_type="",
			reference_name="",
			remark=f"Selling amount of {row.get('asset') or row.get('item_code')} (on the invoice)",
			tags=tags_of(row, doc, ctx),
			table=ITEMS,
		)
		for position, row in enumerate(assets, start=1)
		if money(row.get("base_net_amount"))
	]
	details = ["fixed asset disposal", *(f"asset {row['asset']}" for row in assets if row.get("asset"))]
	return journal.plan_rows(doc, [*rows, *offsets], ctx, doctype=DOCTYPE, details=details)
