"""Money arithmetic and tax computation, all in Decimal with ROUND_HALF_UP to cents.

QBO rules reproduced: a line's ``Amount`` must equal ``Qty x UnitPrice`` rounded half-up to 2 dp (fault 6070)
when both are sent and not zero;
a percent discount is rounded to cents; non-US tax is computed per tax rate over the whole document and
rounded once per rate (``TxnTaxDetail.TaxLine``); tax-inclusive documents back the net out of the gross.

Simplifications: every rate is ``TaxOnAmount`` (no tax-on-tax); with ``TaxInclusive`` the line ``Amount``
stays the gross amount that was sent (real QBO shows the net and keeps the gross in ``TaxInclusiveAmt``), so a
document read and sent back unchanged keeps its totals; discounts are spread pro rata over all taxable lines.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from quickbooks_connector.emulator import faults

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
TAX_EXCLUDED = "TaxExcluded"
TAX_INCLUSIVE = "TaxInclusive"
NOT_APPLICABLE = "NotApplicable"
TAX_MODES = (TAX_EXCLUDED, TAX_INCLUSIVE, NOT_APPLICABLE)


def round2(value: Decimal) -> Decimal:
	return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Any, element: str) -> Decimal:
	"""A JSON number (or numeric string) as Decimal; anything else is fault 2010."""
	if isinstance(value, bool) or value is None:
		raise faults.invalid_property(f"{element} must be a number", element)
	try:
		amount = value if isinstance(value, Decimal) else Decimal(str(value))
	except InvalidOperation:
		raise faults.invalid_property(f"{element} must be a number, got {value!r}", element)
	if not amount.is_finite():
		raise faults.invalid_property(f"{element} must be a finite number", element)
	return amount


def optional_money(value: Any, element: str) -> Decimal | None:
	return None if value is None else money(value, element)


def check_line_amount(amount: Decimal, qty: Decimal | None, unit_price: Decimal | None, element: str) -> None:
	"""6070 unless Amount == round_half_up(Qty x UnitPrice). Checked only when both factors are sent and
	neither is zero: QBO accepts amount-only lines, and lines whose Qty and UnitPrice are 0 (a widely used
	client sends those by default and its sandbox tests expect success)."""
	if not qty or not unit_price:
		return
	expected = round2(qty * unit_price)
	if amount != expected:
		raise faults.amount_mismatch(element, amount, expected)


def percent_of(base: Decimal, percent: Decimal) -> Decimal:
	return round2(base * percent / HUNDRED)


@dataclass(frozen=True)
class Rate:
	rate_id: str
	name: str
	percent: Decimal


@dataclass
class _RateTotals:
	rate: Rate
	net: Decimal = ZERO
	tax: Decimal = ZERO


@dataclass
class TaxBasis:
	"""Line amounts grouped by the rates of their tax code, before rounding."""

	groups: dict[tuple[Rate, ...], Decimal] = field(default_factory=lambda: defaultdict(Decimal))

	def add(self, rates: tuple[Rate, ...], amount: Decimal) -> None:
		self.groups[rates] += amount


@dataclass(frozen=True)
class TaxResult:
	total_tax: Decimal
	tax_lines: list[dict[str, Any]]


def compute_tax(basis: TaxBasis, mode: str, discount_factor: Decimal) -> TaxResult:
	"""Tax per rate for the whole document. Amounts are net (TaxExcluded) or gross (TaxInclusive);
	``discount_factor`` scales them for a document-level discount."""
	if mode == NOT_APPLICABLE:
		return TaxResult(ZERO, [])
	per_rate: dict[str, _RateTotals] = {}
	for rates, amount in basis.groups.items():
		base = amount * discount_factor
		combined = sum((rate.percent for rate in rates), ZERO)
		net = base * HUNDRED / (HUNDRED + combined) if mode == TAX_INCLUSIVE else base
		for rate in rates:
			totals = per_rate.setdefault(rate.rate_id, _RateTotals(rate))
			totals.net += net
			totals.tax += net * rate.percent / HUNDRED
	lines = [_tax_line(totals) for totals in per_rate.values()]
	return TaxResult(sum((line["Amount"] for line in lines), ZERO), lines)


def _tax_line(totals: _RateTotals) -> dict[str, Any]:
	return {
		"Amount": round2(totals.tax),
		"DetailType": "TaxLineDetail",
		"TaxLineDetail": {
			"TaxRateRef": {"value": totals.rate.rate_id, "name": totals.rate.name},
			"PercentBased": True,
			"TaxPercent": totals.rate.percent,
			"NetAmountTaxable": round2(totals.net),
		},
	}
