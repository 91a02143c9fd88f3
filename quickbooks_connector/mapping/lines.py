"""Shared machinery for invoices and bills: planned lines, account and tax-code resolution, currency, line math.
Payments use the account lookup and the currency fields too.

`Line`s are in ERPNext's own signs (what each GL row credits on a sale / debits on a purchase, in document currency);
see invoices.py for how a document's plan is put together. Resolution looks up every account and tax code,
recording all gaps in one `Problems` list.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import product
from typing import Literal

from quickbooks_connector.mapping import currencies
from quickbooks_connector.mapping.context import MappingContext, QBOAccountRef, QBOTaxCodeRef
from quickbooks_connector.mapping.dimensions import NO_TAGS, Tags, tags_of
from quickbooks_connector.mapping.errors import Problems, _
from quickbooks_connector.mapping.limits import QTY_PRICE_PLACES, fits_qty_or_price
from quickbooks_connector.mapping.money import CENT, ZERO, fmt, money, plain, round_to, to_decimal
from quickbooks_connector.mapping.naming import DESCRIPTION_MAX, plain_text
from quickbooks_connector.mapping.payload import Origin
from quickbooks_connector.mapping.taxes import TaxRow, accounts_taxing_row

LineKind = Literal["item", "account", "text"]

# ERPNext books differences up to 5 in the last currency digit to the round-off account (round_off_debit_credit);
# anything larger between a plan and ERPNext's total means the document uses something the mapping does not cover.
ROUNDING_TOLERANCE = Decimal("0.05")
# Decimals of an exchange rate derived from ERPNext's totals (ERPNext keeps conversion rates to 9)
MAX_RATE_PLACES = 10
HALF_CENT = Decimal("0.005")
# What `close_lines` is closing, which its messages name
INVOICE, BILL = "invoice", "bill"
# Fixes several problems share
ROUND_OFF_FIX = _(
	"Set the Round Off Account of the Company (Company > Accounts tab) and map it under QuickBooks Settings > "
	"Account Mapping, then press Retry on the QuickBooks sync record."
)
TOTAL_FIX = _(
	"Check the document's taxes and totals in ERPNext (cancel and amend it if they are wrong) or record it in "
	"QuickBooks by hand, then press Retry on the QuickBooks sync record."
)
ONE_TAX_CODE_FIX = _(
	"Map these tax accounts to one combined QuickBooks tax code (a tax group holding all their rates) under "
	"QuickBooks Settings > Tax Mapping, or give the item an Item Tax Template mapped to such a code, then press "
	"Retry on the QuickBooks sync record."
)


def item_place(position: int, code: str) -> str:
	"""An item row as the ERPNext form names it: "Items row 2 (WIDGET-A)"."""
	return f"Items row {position} ({code})" if code else f"Items row {position}"


@dataclass(frozen=True)
class Line:
	"""One planned line. `kind`: "item" (a sales item line, or an expense line of a bill), "account" (an amount
	posted straight to an account: charges, discounts, rounding, write-offs), "text" (zero-amount, description only).
	`where`: the ERPNext row or field the line comes from, as the form names it ("Items row 2 (WIDGET-A)",
	"Sales Taxes and Charges row 1 (VAT)", "Rounding Adjustment"); `amount_label`: the field its amount comes from.
	`taxed_by`: the tax accounts of rows QuickBooks computes (see taxes.qbo_computes) that tax this line.
	`tags`: the cost center and dimension value of its row (see dimensions.py)."""

	kind: LineKind
	account: str | None
	amount: Decimal
	description: str
	where: str
	role: str = ""
	item_code: str = ""
	qty: Decimal | None = None
	rate: Decimal | None = None
	taxed_by: frozenset[str] = frozenset()
	template: str | None = None
	service_date: str | None = None
	amount_label: str = "Amount"
	tags: Tags = NO_TAGS

	@property
	def usage(self) -> str:
		"""How the line uses its account, for messages: "income on Items row 2 (WIDGET-A)"."""
		return f"{self.role} on {self.where}" if self.role else self.where

	@property
	def origin(self) -> Origin:
		return Origin(self.where, self.amount_label)

	def negated(self) -> Line:
		qty = -self.qty if self.qty is not None else None
		return replace(self, amount=-self.amount, qty=qty)


@dataclass(frozen=True)
class ResolvedLine:
	line: Line
	account: QBOAccountRef | None = None
	tax_code: dict | None = None
	dimensions: Mapping[str, dict] = field(default_factory=dict)  # the line's ClassRef, when it has one


class AccountBook:
	"""Looks accounts up in the mapping; each unmapped account becomes one problem naming all of its uses."""

	def __init__(self, ctx: MappingContext, problems: Problems):
		self.ctx = ctx
		self.problems = problems
		self._missing: dict[str, list[str]] = {}

	def get(self, account: str | None, usage: str) -> QBOAccountRef | None:
		if not account:
			self.problems.add(
				"account_not_set",
				_("No ERPNext account is set for {usage}."),
				_(
					"Set the account on the document (amend it) or in the company defaults, then press Retry on the "
					"QuickBooks sync record."
				),
				usage=usage,
			)
			return None
		ref = self.ctx.account_map.get(account)
		if ref is None:
			uses = self._missing.setdefault(account, [])
			if usage not in uses:
				uses.append(usage)
		return ref

	def report(self) -> None:
		for account, uses in self._missing.items():
			self.problems.add(
				"account_not_mapped",
				_("ERPNext account '{account}' ({uses}) is not mapped to a QuickBooks account."),
				_(
					"Add it under QuickBooks Settings > Account Mapping, then press Retry on the QuickBooks sync "
					"record."
				),
				account=account,
				uses="; ".join(uses),
			)


class TaxCodes:
	"""Chooses each line's TaxCodeRef. US: "TAX"/"NON". Elsewhere: the line's Item Tax Template mapping, else the
	one code its tax accounts map to, else the exempt code."""

	def __init__(self, ctx: MappingContext, problems: Problems):
		self.ctx = ctx
		self.problems = problems
		self._unmapped: dict[str, list[str]] = {}
		self._conflicts: dict[tuple[tuple[str, str], ...], list[str]] = {}

	def for_line(self, line: Line) -> dict | None:
		if self.ctx.is_us:
			return {"value": "TAX" if line.taxed_by else "NON"}
		if line.template and line.template in self.ctx.tax_code_map:
			return self.ctx.tax_code_map[line.template].ref()
		if not line.taxed_by:
			return self.exempt(line.where)
		codes: dict[str, QBOTaxCodeRef] = {}
		for account in sorted(line.taxed_by):
			code = self.ctx.tax_code_map.get(account)
			if code is None:
				self._unmapped.setdefault(account, []).append(line.where)
			else:
				codes[account] = code
		if len(codes) != len(line.taxed_by):
			return None
		if len({code.id for code in codes.values()}) > 1:
			pairs = tuple((account, code.name or code.id) for account, code in codes.items())
			self._conflicts.setdefault(pairs, []).append(line.where)
			return None
		return next(iter(codes.values())).ref()

	def exempt(self, where: str) -> dict | None:
		if self.ctx.is_us:
			return {"value": "NON"}
		if self.ctx.exempt_tax_code is None:
			self.problems.add(
				"exempt_tax_code_not_set",
				_("QuickBooks needs a tax code on every line in this country, and {place} bears no tax."),
				_(
					"Choose the exempt/zero-rated QuickBooks tax code as Tax Code for Untaxed Lines under QuickBooks "
					"Settings > Tax Mapping, then press Retry on the QuickBooks sync record."
				),
				place=where,
			)
			return None
		return self.ctx.exempt_tax_code.ref()

	def report(self) -> None:
		for account, uses in self._unmapped.items():
			self.problems.add(
				"tax_account_not_mapped",
				_(
					"ERPNext tax account '{account}' (the tax on {places}) is not mapped to a QuickBooks tax code."
				),
				_(
					"Add it under QuickBooks Settings > Tax Mapping, then press Retry on the QuickBooks sync record."
				),
				account=account,
				places="; ".join(dict.fromkeys(uses)),
			)
		for pairs, uses in self._conflicts.items():
			facts = {
				"places": "; ".join(uses),
				"mapped": ", ".join(f"'{account}' -> {code}" for account, code in pairs),
			}
			if len(uses) == 1:
				self.problems.add(
					"tax_codes_differ_on_line",
					_(
						"QuickBooks allows one tax code per line, but {places} is taxed by tax accounts that map to "
						"different QuickBooks tax codes ({mapped})."
					),
					ONE_TAX_CODE_FIX,
					**facts,
				)
			else:
				self.problems.add(
					"tax_codes_differ_on_lines",
					_(
						"QuickBooks allows one tax code per line, but {places} are taxed by tax accounts that map to "
						"different QuickBooks tax codes ({mapped})."
					),
					ONE_TAX_CODE_FIX,
					**facts,
				)


def check_currency(currency: str, ctx: MappingContext, problems: Problems, what: str) -> None:
	if not currencies.is_supported(currency):
		problems.append(currencies.unsupported(currency, what))
		return
	if ctx.company_currency != ctx.qbo_home_currency:
		problems.add(
			"home_currency_differs",
			_(
				"The ERPNext company keeps its books in {company_currency} but the QuickBooks company's home "
				"currency is {home_currency}."
			),
			_(
				"Connect a QuickBooks company whose home currency is the ERPNext company currency (QuickBooks cannot "
				"change a home currency), then press Retry on the QuickBooks sync record."
			),
			company_currency=ctx.company_currency,
			home_currency=ctx.qbo_home_currency,
		)
	if currency != ctx.qbo_home_currency and not ctx.multicurrency:
		problems.add(
			"multicurrency_off",
			_("{what} is in {currency} but Multicurrency is off in QuickBooks."),
			_(
				"Turn on Multicurrency in QuickBooks: Settings > Account and settings > Advanced > Currency, then "
				"Retry."
			),
			what=what,
			currency=currency,
		)


def currency_fields(currency: str, exchange_rate: Decimal, ctx: MappingContext) -> dict:
	fields: dict = {}
	if ctx.multicurrency or currency != ctx.qbo_home_currency:
		fields["CurrencyRef"] = {"value": currency}
	if currency != ctx.qbo_home_currency:
		fields["ExchangeRate"] = plain(exchange_rate)
	return fields


def currency_arguments(currency: str, exchange_rate: Decimal, ctx: MappingContext) -> dict:
	"""`currency_fields` as the `currency` / `exchange_rate` arguments of the credit application and deduction
	journal builders (None when the field is left out)."""
	fields = currency_fields(currency, exchange_rate, ctx)
	return {
		"currency": fields.get("CurrencyRef", {}).get("value"),
		"exchange_rate": fields.get("ExchangeRate"),
	}


def optional_header_fields(
	*, txn_date: str | None, private_note: str, currency: str | None, exchange_rate: Decimal | None
) -> dict:
	"""TxnDate, PrivateNote, CurrencyRef and ExchangeRate of a credit application or deduction journal, each only
	when given."""
	fields: dict = {}
	if txn_date:
		fields["TxnDate"] = txn_date
	if private_note:
		fields["PrivateNote"] = private_note
	if currency:
		fields["CurrencyRef"] = {"value": currency}
	if exchange_rate is not None:
		fields["ExchangeRate"] = plain(exchange_rate)
	return fields


PARTY_ACCOUNT_FIELDS = {"Accounts Receivable": "ARAccountRef", "Accounts Payable": "APAccountRef"}


def party_account_field(account: str | None, ctx: MappingContext) -> dict:
	"""The receivable/payable account the document posts to, when it is mapped to such an account in QuickBooks
	(e.g. a separate A/R for EUR customers). Unmapped, QuickBooks books it on its default A/R or A/P account."""
	ref = ctx.account_map.get(account or "")
	key = PARTY_ACCOUNT_FIELDS.get(ref.account_type) if ref else None
	return {key: ref.ref()} if key else {}


def qty_and_price(qty: Decimal, rate: Decimal | None, amount: Decimal) -> tuple[Decimal, Decimal] | None:
	"""Qty and UnitPrice such that round(Qty x UnitPrice, 2) == Amount (QuickBooks error 6070 otherwise), both as
	QuickBooks keeps them (at most 7 decimals, 15 digits; a finer value would be rounded by QuickBooks and no longer
	give the Amount): the ERPNext rate when it fits, else the shortest quotient that fits, else None (send Amount
	only, with quantity and rate in the description)."""
	if qty == 0 or not fits_qty_or_price(qty):
		return None
	if rate is not None and fits_qty_or_price(rate) and money(qty * rate) == amount:
		return plain(qty), plain(rate)
	quotient = amount / qty
	for places in range(2, QTY_PRICE_PLACES + 1):
		price = round_to(quotient, places)
		if fits_qty_or_price(price) and money(qty * price) == amount:
			return plain(qty), plain(price)
	return None


def describe(row: Mapping) -> str:
	text = (
		plain_text(row.get("description")) or plain_text(row.get("item_name")) or (row.get("item_code") or "")
	)
	return text[:DESCRIPTION_MAX]


def tax_table_lines(rows: list[TaxRow], computed: Mapping[int, TaxRow]) -> list[Line]:
	"""Every posting tax-table row QuickBooks does not compute (`computed`, by idx) as a line to its own account,
	taxed by the computed rows that tax it (see taxes.py)."""
	lines = []
	for row in rows:
		if row.idx in computed or money(row.amount) == 0:
			continue
		taxed_by = accounts_taxing_row(rows, computed, row)
		where = f"{row.table} row {row.idx} ({row.description})"
		lines.append(
			Line(
				"account",
				row.account,
				money(row.amount),
				row.description,
				where,
				taxed_by=taxed_by,
				tags=row.tags,
			)
		)
	return lines


def close_lines(
	doc: Mapping,
	lines: list[Line],
	computed: Mapping[int, TaxRow],
	reductions: Decimal,
	ctx: MappingContext,
	problems: Problems,
	what: str,
) -> tuple[list[Line], Decimal, Decimal]:
	"""Ends a document's planned lines with ERPNext's rounding adjustment and any cent difference it books to the
	round-off account. Returns them with the tax QuickBooks computes (the `computed` rows) and the total QuickBooks
	must show: what the party owes, the grand total less `reductions` (write-offs, loyalty points redeemed).
	`what`: INVOICE or BILL, for the problems."""
	lines = [*lines, *rounding_lines(doc, ctx, problems, what)]
	erp_tax = money(sum((money(row.amount) for row in computed.values()), ZERO))
	erp_total = grand_total(doc) - reductions
	residual = residual_line(erp_total, sum_amounts(lines) + erp_tax, ctx, problems, what)
	if residual:
		lines.append(replace(residual, tags=tags_of(None, doc, ctx)))
	return lines, erp_tax, erp_total


def residual_line(
	erp_total: Decimal, planned: Decimal, ctx: MappingContext, problems: Problems, what: str
) -> Line | None:
	"""The cent difference ERPNext itself books to the round-off account (e.g. taxes included in the print rate),
	or a problem when the plan is further off than rounding can explain."""
	difference = money(erp_total - planned)
	if difference == 0:
		return None
	if abs(difference) > ROUNDING_TOLERANCE:
		facts = {"planned": fmt(planned), "total": fmt(erp_total), "difference": fmt(difference)}
		if what == BILL:
			problems.add(
				"bill_total_differs",
				_(
					"The amounts this bill posts add up to {planned}, but its ERPNext total is {total} (difference "
					"{difference}); it uses something the connector cannot map."
				),
				TOTAL_FIX,
				**facts,
			)
		else:
			problems.add(
				"invoice_total_differs",
				_(
					"The amounts this invoice posts add up to {planned}, but its ERPNext total is {total} "
					"(difference {difference}); it uses something the connector cannot map."
				),
				TOTAL_FIX,
				**facts,
			)
		return None
	if not ctx.round_off_account:
		if what == BILL:
			problems.add(
				"bill_rounding_difference_without_round_off_account",
				_(
					"This bill has a rounding difference of {difference} but the company has no Round Off "
					"Account."
				),
				ROUND_OFF_FIX,
				difference=fmt(difference),
			)
		else:
			problems.add(
				"invoice_rounding_difference_without_round_off_account",
				_(
					"This invoice has a rounding difference of {difference} but the company has no Round Off "
					"Account."
				),
				ROUND_OFF_FIX,
				difference=fmt(difference),
			)
		return None
	where = "rounding difference (booked to the Round Off Account)"
	return Line("account", ctx.round_off_account, difference, "Rounding difference", where, amount_label="")


def rounding_lines(doc: Mapping, ctx: MappingContext, problems: Problems, what: str) -> list[Line]:
	"""ERPNext's rounding adjustment (rounded_total - grand_total), posted to the round-off account."""
	adjustment = amount_of(doc, "rounding_adjustment")
	if not adjustment or not to_decimal(doc.get("base_rounding_adjustment")):
		return []
	if not ctx.round_off_account:
		if what == BILL:
			problems.add(
				"bill_rounding_adjustment_without_round_off_account",
				_(
					"The bill has a Rounding Adjustment of {adjustment} but the company has no Round Off Account."
				),
				ROUND_OFF_FIX,
				adjustment=fmt(adjustment),
			)
		else:
			problems.add(
				"invoice_rounding_adjustment_without_round_off_account",
				_(
					"The invoice has a Rounding Adjustment of {adjustment} but the company has no Round Off Account."
				),
				ROUND_OFF_FIX,
				adjustment=fmt(adjustment),
			)
		return []
	return [
		Line(
			"account",
			ctx.round_off_account,
			adjustment,
			"Rounding adjustment",
			"Rounding Adjustment",
			amount_label="",
			tags=tags_of(None, doc, ctx),
		)
	]


def grand_total(doc: Mapping) -> Decimal:
	"""What ERPNext posts to the party account: the rounded total when it is used, else the grand total."""
	if to_decimal(doc.get("rounding_adjustment")) and to_decimal(doc.get("rounded_total")):
		return amount_of(doc, "rounded_total")
	return amount_of(doc, "grand_total")


def base_grand_total(doc: Mapping) -> Decimal:
	"""`grand_total` in company currency, as ERPNext posts it to the party account."""
	if to_decimal(doc.get("base_rounding_adjustment")) and to_decimal(doc.get("base_rounded_total")):
		return amount_of(doc, "base_rounded_total")
	return amount_of(doc, "base_grand_total")


def home_exchange_rate(doc: Mapping) -> Decimal:
	"""The ExchangeRate under which QuickBooks' home-currency total of an invoice or bill is ERPNext's
	company-currency total: the conversion rate, unless ERPNext's base total is not its total converted at that
	rate. Without taxes ERPNext adds up the lines converted one by one (3 x 10.01 EUR at 1.0837 = 3 x 10.85 =
	32.55 USD, where 30.03 x 1.0837 = 32.54)."""
	rate = to_decimal(doc.get("conversion_rate") or 1)
	return rate_converting(grand_total(doc), base_grand_total(doc), rate)


def rate_converting(amount: Decimal, home: Decimal, rate: Decimal) -> Decimal:
	"""`rate` when QuickBooks converts `amount` at it to `home` (it rounds amount x rate half up to the cent), else
	the rate `rate_within` finds for them (`rate` when none exists)."""
	if rate == 1 or not amount or not home:
		return rate
	return rate_within([(amount, home)], rate) or rate


def cent_splits(amounts: list[Decimal], total: Decimal) -> Iterator[list[Decimal]]:
	"""`amounts` with each moved by at most a cent (the last one taking the rest) so that they add up to `total`."""
	for moves in product((ZERO, CENT, -CENT), repeat=min(len(amounts) - 1, 4)):
		moved = [amount + move for amount, move in zip(amounts, moves, strict=False)]
		moved += amounts[len(moved) : len(amounts) - 1]
		yield [*moved, total - sum(moved, ZERO)]


def rate_within(pairs: Sequence[tuple[Decimal, Decimal]], rate: Decimal) -> Decimal | None:
	"""A rate under which QuickBooks converts every (amount, home) pair exactly: money(amount x rate) == home.
	`rate` itself when it does, else the one with the fewest decimals (from `rate`'s own, at most MAX_RATE_PLACES)
	in the middle of the range that does; None when no rate does."""
	low, high = ZERO, None
	for amount, home in pairs:
		if amount == 0 or (home and (amount < 0) != (home < 0)):
			if home:
				return None
			continue
		size, target = abs(amount), abs(home)
		low = max(low, (target - HALF_CENT) / size)
		high = min(high, (target + HALF_CENT) / size) if high is not None else (target + HALF_CENT) / size
	if high is None or low <= rate < high:
		return rate
	middle = (low + high) / 2
	for places in range(max(-rate.as_tuple().exponent, 0), MAX_RATE_PLACES + 1):
		candidate = round_to(middle, places)
		if low <= candidate < high:
			return candidate
	return None


def sum_amounts(lines: list[Line]) -> Decimal:
	return sum((line.amount for line in lines), ZERO)


def flag(doc: Mapping, fieldname: str) -> bool:
	return bool(doc.get(fieldname))


def amount_of(doc: Mapping, fieldname: str) -> Decimal:
	return money(to_decimal(doc.get(fieldname)))
