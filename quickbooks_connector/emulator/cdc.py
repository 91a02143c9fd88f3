"""Change Data Capture: ``GET /cdc?entities=A,B&changedSince=<ISO>`` (qbo-api.md §4).

Reproduced: full current objects changed at or after ``changedSince`` grouped per entity in the order asked for,
oldest change first; deleted objects follow as ``{"Id", "status": "Deleted", "domain", "MetaData"}`` stubs
(also for ids the client never saw); at most 1000 objects per response; ``changedSince`` more than 30 days in
the past is refused; entities without changes give an empty ``{}`` element; TaxCode, TaxRate, TaxAgency,
TimeActivity and ExchangeRate are not available through CDC (4000), as Intuit documents. The response ``time`` is the cursor for the next call.

Work is proportional to the number of changes in the window, not to the size of the company.
"""

from __future__ import annotations

from typing import Any

from quickbooks_connector.emulator import faults
from quickbooks_connector.emulator.clock import iso_datetime, parse_datetime
from quickbooks_connector.emulator.entities import SPECS
from quickbooks_connector.emulator.query import QUERYABLE
from quickbooks_connector.emulator.store import Realm

WINDOW_SECONDS = 30 * 24 * 3600
MAX_OBJECTS = 1000
NOT_TRACKED = {name for name, spec in SPECS.items() if not spec.cdc}  # TaxCode, TaxRate, TaxAgency, ...


def changes(realm: Realm, params: dict[str, str], now: float) -> list[dict[str, Any]]:
	"""The ``QueryResponse`` list of a CDC response (caller holds the realm lock)."""
	entities = _entities(params.get("entities"))
	since = _changed_since(params.get("changedSince"), now)
	remaining = MAX_OBJECTS
	responses = []
	for entity in entities:
		rows = _rows(realm, entity, since)[:remaining]
		remaining -= len(rows)
		responses.append({entity: rows, "startPosition": 1, "maxResults": len(rows)} if rows else {})
	return responses


def _entities(raw: str | None) -> list[str]:
	if not raw:
		raise faults.required("entities")
	entities = []
	for name in (part.strip() for part in raw.split(",") if part.strip()):
		entity = QUERYABLE.get(name.lower())
		if entity is None or entity in NOT_TRACKED:
			raise faults.query_parse(f"Invalid entity name {name} for change data capture.")
		entities.append(entity)
	return entities


def _changed_since(raw: str | None, now: float) -> float:
	if not raw:
		raise faults.required("changedSince")
	try:
		since = parse_datetime(raw)
	except ValueError:
		raise faults.invalid_property(
			f"changedSince must be an ISO date or datetime, got {raw!r}", "changedSince"
		)
	if now - since > WINDOW_SECONDS:
		raise faults.unsupported(
			f"Operation cdc with changedSince date {raw} which is older than fixed days is not supported."
		)
	return since


def _rows(realm: Realm, entity: str, since: float) -> list[dict[str, Any]]:
	live, deleted = [], []
	for object_id, changed_at in realm.changed_since(entity, since):
		obj = realm.get(entity, object_id)
		if obj is not None:
			live.append(obj)
		else:
			deleted.append(_deleted_stub(object_id, changed_at))
	return live + deleted


def _deleted_stub(object_id: str, deleted_at: float) -> dict[str, Any]:
	return {
		"Id": object_id,
		"status": "Deleted",
		"domain": "QBO",
		"MetaData": {"LastUpdatedTime": iso_datetime(deleted_at)},
	}
