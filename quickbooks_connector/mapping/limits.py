"""What QuickBooks can hold, and the last check every payload passes before it is written.

QuickBooks stores amounts in at most 15 digits, at most 10 of them before the decimal point ("10.5 format", see the
API reference's number rules), and a line's Qty and UnitPrice with at most 7 decimals; whatever it is sent beyond
that it refuses or rounds. It also recomputes what it is given: a line's Amount must equal Qty x UnitPrice rounded
to the cent (error 6070), and the record's total is the sum of its lines plus the tax.

`check_payload` runs on every payload the mapping returns (see documents.py), so a document QuickBooks cannot hold,
or would total differently from ERPNext, fails before anything is written, with one MappingError that names each
value as the ERPNext form shows it ("Items row 3 (WIDGET-A): Rate") through the payload's `origins`.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from quickbooks_connector.mapping.errors import Problems, _
from quickbooks_connector.mapping.money import ZERO, fmt, money, plain
from quickbooks_connector.mapping.payload import MAIN, QBOPayload

MAX_DIGITS = 15  # significant digits of any number QuickBooks stores
MAX_INTEGER_DIGITS = 10  # digits before the decimal point of an amount
MAX_AMOUNT_PLACES = 5
QTY_PRICE_PLACES = 7  # decimals QuickBooks keeps of a line's Qty and UnitPrice

QTY_PRICE_FIELDS = frozenset({"Qty", "UnitPrice"})
AMOUNT_FIELDS = frozenset({"Amount", "TotalAmt", "TotalTax"})
ROUND_FIX = _(
	"Round it in ERPNext (cancel and amend the document), then press Retry on the QuickBooks sync record."
)
SKIPPED_FIELDS = frozenset({"LineNum"})  # numbers that are positions, not values
# QuickBooks line field -> the ERPNext field label it comes from (the line's Amount label is in its Origin)
FIELD_LABELS = {"Qty": "Quantity", "UnitPrice": "Rate"}
HEADER_LABELS = {"TotalTax": "Total Taxes and Charges", "ExchangeRate": "Exchange Rate", "TotalAmt": "Total"}
PAYMENT_ENTITIES = frozenset({"Payment", "BillPayment"})
# records whose total QuickBooks computes from their lines (and, outside the US, from their tax codes)
TOTALLED_ENTITIES = frozenset({"Invoice", "CreditMemo", "Bill", "VendorCredit"})
TOTALLED_LINES = frozenset(
	{"SalesItemLineDetail", "AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail"}
)


def digits(value: Decimal) -> tuple[int, int]:
	"""(digits before the decimal point, decimals) of a number, without leading or trailing zeros."""
	if not value:
		return 0, 0
	number = value.normalize()
	exponent = number.as_tuple().exponent
	return max(number.adjusted() + 1, 0), max(-exponent, 0)


def fits_amount(value: Decimal) -> bool:
	whole, places = digits(value)
	return whole <= MAX_INTEGER_DIGITS and places <= MAX_AMOUNT_PLACES and whole + places <= MAX_DIGITS


def fits_qty_or_price(value: Decimal) -> bool:
	whole, places = digits(value)
	return places <= QTY_PRICE_PLACES and whole <= MAX_INTEGER_DIGITS and whole + places <= MAX_DIGITS


def fits_number(value: Decimal) -> bool:
	return len(value.normalize().as_tuple().digits) <= MAX_DIGITS


def check_payload(payload: QBOPayload, subject: str) -> None:
	"""Raises one MappingError listing every value of the payload QuickBooks cannot hold, every line whose Amount is
	not its Qty x UnitPrice, and a total QuickBooks would compute differently from ERPNext's."""
	problems = Problems(subject)
	for path, value in _numbers(payload.body):
		_check_number(payload, path, value, problems)
	for index, line in enumerate(payload.body.get("Line") or []):
		_check_line_math(payload, index, line, problems)
	if payload.key == MAIN and payload.entity in TOTALLED_ENTITIES:
		_check_total(payload, problems)
	problems.raise_if_any()


def _check_number(payload: QBOPayload, path: tuple, value: Decimal, problems: Problems) -> None:
	field = path[-1]
	label = _label(payload, path)
	if field in QTY_PRICE_FIELDS:
		if not fits_qty_or_price(value):
			problems.add(
				"quantity_or_rate_too_precise",
				_(
					"{label} {value} has more digits than QuickBooks keeps (at most {places} decimals and "
					"{digits} digits in all)."
				),
				ROUND_FIX,
				label=label,
				value=plain(value),
				places=QTY_PRICE_PLACES,
				digits=MAX_DIGITS,
			)
	elif field in AMOUNT_FIELDS:
		if not fits_amount(value):
			problems.add(
				"amount_too_large",
				_(
					"{label} {value} is more than QuickBooks can hold (at most {integer_digits} digits before the "
					"decimal point and {digits} digits in all)."
				),
				_(
					"Correct the amount in ERPNext or split the document into smaller ones (cancel and amend it), "
					"then press Retry on the QuickBooks sync record."
				),
				label=label,
				value=_shown(value),
				integer_digits=MAX_INTEGER_DIGITS,
				digits=MAX_DIGITS,
			)
	elif not fits_number(value):
		problems.add(
			"number_too_long",
			_("{label} {value} has more than the {digits} digits QuickBooks keeps."),
			ROUND_FIX,
			label=label,
			value=plain(value),
			digits=MAX_DIGITS,
		)


def _check_line_math(payload: QBOPayload, index: int, line: dict, problems: Problems) -> None:
	detail = line.get(line.get("DetailType") or "") or {}
	qty, price, amount = detail.get("Qty"), detail.get("UnitPrice"), line.get("Amount")
	if qty is None or price is None or amount is None:
		return
	qty, price, amount = Decimal(str(qty)), Decimal(str(price)), Decimal(str(amount))
	if money(qty * price) != amount:
		place = _line_place(payload, index)
		problems.add(
			"line_amount_not_quantity_times_rate",
			_(
				"{place}: QuickBooks computes the line as Quantity x Rate = {qty} x {rate} = {product}, not its "
				"Amount {amount}."
			),
			_(
				"Correct the quantity, rate or amount in ERPNext (cancel and amend the document), then press Retry on "
				"the QuickBooks sync record."
			),
			place=place,
			qty=plain(qty),
			rate=plain(price),
			product=fmt(qty * price),
			amount=fmt(amount),
		)


def _check_total(payload: QBOPayload, problems: Problems) -> None:
	body = payload.body
	lines = sum(
		(
			Decimal(str(line.get("Amount") or 0))
			for line in body.get("Line") or []
			if line.get("DetailType") in TOTALLED_LINES
		),
		ZERO,
	)
	tax = (body.get("TxnTaxDetail") or {}).get("TotalTax", payload.erp_tax)
	computed = money(lines + Decimal(str(tax)))
	if computed != money(payload.erp_total):
		problems.add(
			"quickbooks_total_differs",
			_(
				"QuickBooks would total the {entity} at {computed} (its lines plus {tax} tax), but the ERPNext total "
				"is {total}."
			),
			_(
				"Check the document's items, taxes and totals in ERPNext (cancel and amend it if they are wrong) or "
				"record it in QuickBooks by hand, then press Retry on the QuickBooks sync record."
			),
			entity=payload.entity,
			computed=fmt(computed),
			tax=fmt(tax),
			total=fmt(payload.erp_total),
		)


def _numbers(value: object, path: tuple = ()) -> Iterator[tuple[tuple, Decimal]]:
	if isinstance(value, dict):
		for key, item in value.items():
			if key not in SKIPPED_FIELDS:
				yield from _numbers(item, (*path, key))
	elif isinstance(value, list | tuple):
		for index, item in enumerate(value):
			yield from _numbers(item, (*path, index))
	elif isinstance(value, Decimal | int | float) and not isinstance(value, bool):
		number = value if isinstance(value, Decimal) else Decimal(repr(value))
		if number.is_finite():
			yield path, number


def _label(payload: QBOPayload, path: tuple) -> str:
	"""The value at `path` as the ERPNext form names it."""
	field = path[-1]
	if len(path) > 2 and path[0] == "Line" and isinstance(path[1], int):
		origin = _origin(payload, path[1])
		if origin is None:
			return f"{_line_place(payload, path[1])}: {field}"
		if field == "Amount" and len(path) == 3:
			return f"{origin.place}: {origin.amount}" if origin.amount else origin.place
		return f"{origin.place}: {FIELD_LABELS.get(field, field)}"
	if field == "TotalAmt" and payload.entity in PAYMENT_ENTITIES:
		return "Paid Amount"
	return HEADER_LABELS.get(field, field)


def _line_place(payload: QBOPayload, index: int) -> str:
	origin = _origin(payload, index)
	return origin.place if origin else f"line {index + 1} of the QuickBooks {payload.entity}"


def _origin(payload: QBOPayload, index: int):
	return payload.origins[index] if index < len(payload.origins) else None


def _shown(value: Decimal) -> str:
	return fmt(value) if value == money(value) else f"{plain(value):,}"
