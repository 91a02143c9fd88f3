"""Decimal helpers. ERPNext dicts carry floats; every amount is turned into a Decimal once, through its shortest
repr (so 19.99 stays 19.99), and rounded half-up to the cent only where QuickBooks needs a cent amount."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0")
CENT = Decimal("0.01")


def to_decimal(value: object) -> Decimal:
	"""Decimal from float, int, str, Decimal or None (None and "" are zero)."""
	if value is None or value == "":
		return ZERO
	if isinstance(value, Decimal):
		return value
	if isinstance(value, bool):
		return Decimal(int(value))
	if isinstance(value, int):
		return Decimal(value)
	if isinstance(value, float):
		return Decimal(repr(value))
	try:
		return Decimal(str(value).strip())
	except InvalidOperation:
		raise ValueError(f"not a number: {value!r}")


def money(value: object) -> Decimal:
	"""Round half-up to 2 decimals."""
	return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def round_to(value: Decimal, places: int) -> Decimal:
	return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def plain(value: object) -> Decimal:
	"""The same number without trailing zeros and without exponent (3.000 -> 3, 100 -> 100, 0.50 -> 0.5)."""
	number = to_decimal(value)
	if number == number.to_integral_value():
		return number.quantize(Decimal(1))
	return number.normalize()


def fmt(value: object) -> str:
	"""Amount for messages: 1,688.67."""
	return f"{money(value):,.2f}"
