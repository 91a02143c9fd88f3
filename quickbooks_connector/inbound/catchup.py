"""The CDC catch-up: what changed in QuickBooks since the last fully processed time, so that nothing is lost when
webhooks are off, late or dropped (qbo-api.md §4).

QuickBooks' CDC looks back at most 30 days and answers at most 1000 objects per call, oldest change first within
each entity. So:

- `plan` starts from the cursor minus a small overlap (changes committed around the cursor's second are read again;
  handling a change twice is a no-op), never before the window (30 days less a margin for clock differences). A
  cursor older than that means changes may have been missed: the plan says so as a coded Problem, so the user can
  compare by hand, instead of failing every run.
- `fetch` asks for every entity at once; when the answer hits the cap, it asks again one entity at a time and, for an
  entity that still hits it, again from the newest change time it received (CDC has no end bound, so a shorter
  window means a later start), until an answer is under the cap. 1000 changes of one entity within one second
  cannot be paged this way: that raises a CatchUpError with its Problem.
- The next cursor is the newest change time received; the caller stores it only once every change is handled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from quickbooks_connector.inbound.events import parse_time
from quickbooks_connector.mapping.errors import Problem, _

WINDOW = timedelta(days=30)
WINDOW_MARGIN = timedelta(hours=1)
OVERLAP = timedelta(minutes=2)
FIRST_LOOK_BACK = timedelta(days=1)
CAP = 1000
# What the catch-up reads: payments made in QuickBooks and the records the connector pushes.
ENTITIES = (
	"Invoice",
	"CreditMemo",
	"Payment",
	"Bill",
	"VendorCredit",
	"BillPayment",
	"JournalEntry",
)

Cdc = Callable[[Sequence[str], datetime], dict[str, list[dict[str, Any]]]]


class CatchUpError(Exception):
	def __init__(self, problem: Problem) -> None:
		super().__init__(str(problem))
		self.problem = problem


@dataclass(frozen=True)
class Plan:
	since: datetime
	gap: Problem | None = None  # the cursor was older than QuickBooks' window


@dataclass
class Changes:
	"""Changed objects, oldest change first, and the newest change time among them."""

	items: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
	latest: datetime | None = None
	calls: int = 0

	def next_cursor(self, cursor: datetime | None) -> datetime | None:
		if self.latest is None:
			return cursor
		return self.latest if cursor is None else max(cursor, self.latest)


def plan(cursor: datetime | None, now: datetime, first_look_back: timedelta = FIRST_LOOK_BACK) -> Plan:
	"""Where the next catch-up starts (UTC)."""
	now = _utc(now)
	oldest = now - WINDOW + WINDOW_MARGIN
	if cursor is None:
		return Plan(max(now - first_look_back, oldest))
	since = _utc(cursor) - OVERLAP
	if since >= oldest:
		return Plan(min(since, now))
	gap = Problem.of(
		"catch_up_gap",
		_(
			"QuickBooks changes between {cursor} and {oldest} could not be read: QuickBooks keeps 30 days of changes."
		),
		_("Compare open invoices and bills of that period with QuickBooks; later changes are read as usual."),
		cursor=_utc(cursor).isoformat(timespec="seconds"),
		oldest=oldest.isoformat(timespec="seconds"),
	)
	return Plan(oldest, gap)


def fetch(cdc: Cdc, since: datetime, entities: Sequence[str] = ENTITIES) -> Changes:
	changes = Changes()
	answer = _call(cdc, changes, list(entities), since)
	if sum(len(rows) for rows in answer.values()) < CAP:
		_add(changes, answer)
	else:
		for entity in entities:
			_fetch_one(cdc, changes, entity, since)
	changes.items.sort(key=lambda item: (_changed_at(item[1]) or since, item[0], item[1].get("Id", "")))
	return changes


def _fetch_one(cdc: Cdc, changes: Changes, entity: str, since: datetime) -> None:
	seen: set[tuple[str, str]] = set()
	while True:
		rows = _call(cdc, changes, [entity], since).get(entity, [])
		_add(changes, {entity: [row for row in rows if _version(row) not in seen]})
		seen.update(_version(row) for row in rows)
		if len(rows) < CAP:
			return
		newest = max((_changed_at(row) for row in rows if _changed_at(row)), default=None)
		if newest is None or newest <= since:
			raise CatchUpError(
				Problem.of(
					"catch_up_capped",
					_("QuickBooks changed more than {cap} {entity} records at {time}; CDC cannot page them."),
					_("Run the catch-up again later, or compare the records of that moment by hand."),
					cap=CAP,
					entity=entity,
					time=since.isoformat(timespec="seconds"),
				)
			)
		since = newest


def _call(cdc: Cdc, changes: Changes, entities: list[str], since: datetime) -> dict[str, list[dict]]:
	changes.calls += 1
	return cdc(entities, since)


def _add(changes: Changes, answer: dict[str, list[dict[str, Any]]]) -> None:
	for entity, rows in answer.items():
		for row in rows:
			changes.items.append((entity, row))
			moment = _changed_at(row)
			if moment and (changes.latest is None or moment > changes.latest):
				changes.latest = moment


def _version(row: dict[str, Any]) -> tuple[str, str]:
	return (str(row.get("Id")), str((row.get("MetaData") or {}).get("LastUpdatedTime")))


def _changed_at(row: dict[str, Any]) -> datetime | None:
	return parse_time((row.get("MetaData") or {}).get("LastUpdatedTime"))


def _utc(moment: datetime) -> datetime:
	if moment.tzinfo is None:
		raise ValueError("times must be timezone-aware")
	return moment.astimezone(timezone.utc)
