"""RecurringTransaction: templates that schedule transactions (``POST /recurringtransaction``).

The body and every answer wrap one transaction: ``{"Invoice": {..., "RecurringInfo": {...}}}``; reads answer
``{"RecurringTransaction": {"Invoice": {...}}}`` and queries list such wrappers (``where Type = 'Bill'``
filters by the wrapped type). The wrapped transaction passes the rules of its type (references, line
amounts, totals) but gets no DocNumber, balance or due date of its own. ``RecurringInfo`` needs a ``Name``
unique among templates (6240), ``RecurType`` Automated|Reminded|UnScheduled and, unless UnScheduled, a
``ScheduleInfo`` with ``IntervalType`` Daily|Weekly|Monthly|Yearly, ``NumInterval`` ≥ 1 and ``StartDate``;
``NextDate`` is derived. Delete with ``?operation=delete`` and the wrapper (or a bare ``Id``/``SyncToken``).
Templates have their own Ids from the transaction sequence.

Simplifications: the emulator never creates the scheduled transactions (its clock does not run schedules);
Deposit, Transfer and JournalEntry templates are checked by their own rules; Purchase templates too.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from quickbooks_connector.emulator import faults
from quickbooks_connector.emulator.records import WriteContext, boolean, checked_date, one_of

TEMPLATE_TYPES = (
	"Invoice",
	"Bill",
	"Purchase",
	"CreditMemo",
	"Deposit",
	"Estimate",
	"JournalEntry",
	"RefundReceipt",
	"SalesReceipt",
	"Transfer",
	"VendorCredit",
	"PurchaseOrder",
)
RECUR_TYPES = ("Automated", "Reminded", "UnScheduled")
INTERVALS = ("Daily", "Weekly", "Monthly", "Yearly")


def wrapped(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
	"""The transaction type and object inside a RecurringTransaction body."""
	found = [(key, value) for key, value in body.items() if key in TEMPLATE_TYPES and isinstance(value, dict)]
	if len(found) != 1:
		raise faults.invalid_property(
			f"A RecurringTransaction wraps exactly one of {', '.join(TEMPLATE_TYPES)}", "RecurringTransaction"
		)
	return found[0]


def present(obj: dict[str, Any]) -> dict[str, Any]:
	inner = {key: value for key, value in obj.items() if key != "Type"}
	return {obj["Type"]: inner}


def prepare_template(
	ctx: WriteContext, kind: str, inner: dict[str, Any], existing: dict | None, prepare_inner
) -> dict[str, Any]:
	"""The stored template: the wrapped transaction prepared by its own rules, plus RecurringInfo."""
	if existing is not None and existing["Type"] != kind:
		raise faults.business(f"This template is a {existing['Type']}; its type can't change.", kind)
	info = _recurring_info(ctx, inner.get("RecurringInfo"), existing)
	content = prepare_inner(ctx, {k: v for k, v in inner.items() if k != "RecurringInfo"}, existing)
	return {**content, "RecurringInfo": info, "Type": kind}


def _recurring_info(ctx: WriteContext, raw: Any, existing: dict | None) -> dict[str, Any]:
	if not isinstance(raw, dict):
		raise faults.required("RecurringInfo")
	info = dict(raw)
	name = str(info.get("Name") or "").strip()
	if not name:
		raise faults.required("RecurringInfo.Name")
	if len(name) > 100:
		raise faults.bad_length("RecurringInfo.Name", 100, len(name))
	for template in ctx.realm.all("RecurringTransaction"):
		if template["RecurringInfo"]["Name"].casefold() == name.casefold() and (
			existing is None or template["Id"] != existing["Id"]
		):
			raise faults.duplicate_name(template["Id"], "RecurringInfo.Name")
	info.update(Name=name, RecurType=one_of(info, "RecurType", RECUR_TYPES, default="Automated"))
	info["Active"] = boolean(info, "Active", True)
	if info["RecurType"] == "UnScheduled":
		info.pop("ScheduleInfo", None)
		return info
	schedule = dict(info.get("ScheduleInfo") or {})
	if not schedule:
		raise faults.required("RecurringInfo.ScheduleInfo")
	element = "RecurringInfo.ScheduleInfo"
	schedule["IntervalType"] = one_of(schedule, "IntervalType", INTERVALS)
	interval = int(schedule.get("NumInterval") or 1)
	if interval < 1:
		raise faults.invalid_property("NumInterval must be at least 1", f"{element}.NumInterval")
	schedule["NumInterval"] = interval
	start = checked_date(schedule.get("StartDate") or ctx.today(), f"{element}.StartDate")
	schedule["StartDate"] = start
	if schedule.get("EndDate"):
		schedule["EndDate"] = checked_date(schedule["EndDate"], f"{element}.EndDate")
		if schedule["EndDate"] < start:
			raise faults.business("EndDate is before StartDate.", f"{element}.EndDate")
	schedule["NextDate"] = _next_date(schedule, max(start, ctx.today()))
	info["ScheduleInfo"] = schedule
	return info


def _next_date(schedule: dict[str, Any], from_day: str) -> str:
	"""The first scheduled day on or after ``from_day`` (day of month clamped to the month's length)."""
	day = date.fromisoformat(from_day)
	if schedule["IntervalType"] == "Monthly" and schedule.get("DayOfMonth"):
		wanted = int(schedule["DayOfMonth"])
		candidate = _clamp(day.year, day.month, wanted)
		if candidate < day:
			year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
			candidate = _clamp(year, month, wanted)
		return candidate.isoformat()
	if schedule["IntervalType"] == "Weekly" and schedule.get("DayOfWeek"):
		names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
		if schedule["DayOfWeek"] in names:
			ahead = (names.index(schedule["DayOfWeek"]) - day.weekday()) % 7
			return (day + timedelta(days=ahead)).isoformat()
	return day.isoformat()


def _clamp(year: int, month: int, wanted: int) -> date:
	while True:
		try:
			return date(year, month, wanted)
		except ValueError:
			wanted -= 1
