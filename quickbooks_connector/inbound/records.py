"""What the connector knows of a QuickBooks record when a change to it comes in: whether it wrote it (`Pushed`,
with what it sent), whether it already recorded it in ERPNext (`Imported`), and what differs now (`Change`)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from quickbooks_connector.mapping.money import money
from quickbooks_connector.sync.records import Status, SyncRecord

PARTY_REFS = ("CustomerRef", "VendorRef", "EntityRef")
SKIPPED_LINES = {"SubTotalLineDetail"}
FIELDS = ("total", "party", "date", "currency", "lines")


@dataclass(frozen=True)
class Pushed:
	"""A QuickBooks record the connector wrote for an ERPNext document."""

	doctype: str
	name: str
	qbo_entity: str
	qbo_id: str
	sync_token: str | None = None
	removed_by_us: bool = False  # the connector voided or deleted it (the ERPNext document was cancelled)
	companion: bool = (
		False  # written alongside the document (credit application, deductions), not the document
	)
	snapshot: dict[str, Any] = field(default_factory=dict)  # `snapshot_of` what was sent


@dataclass
class Imported:
	"""A record made in QuickBooks that the connector records in ERPNext, keyed by realm, entity and Id."""

	key: str
	qbo_entity: str
	qbo_id: str
	sync_token: str | None = None
	doctype: str | None = None  # the ERPNext document made for it, once made
	name: str | None = None
	problems: list[dict] = field(default_factory=list)  # why it waits (mapping.errors.Problem.as_dict())
	findings: list[str] = field(default_factory=list)  # keys of the findings recorded about it

	def as_dict(self) -> dict[str, Any]:
		return asdict(self)


@dataclass(frozen=True)
class Change:
	field: str  # one of FIELDS
	pushed: str
	now: str


def import_key(realm_id: str, entity: str, qbo_id: str) -> str:
	return f"{realm_id}:{entity}:{qbo_id}"


def is_voided(obj: dict) -> bool:
	"""QuickBooks keeps a voided record with zero amounts and "Voided" at the start of its PrivateNote."""
	return str(obj.get("PrivateNote") or "").startswith("Voided") and money(obj.get("TotalAmt") or 0) == 0


def is_deleted(obj: dict) -> bool:
	return obj.get("status") == "Deleted"


def snapshot_of(obj: dict) -> dict[str, Any]:
	"""The fields a change is judged by, from a QuickBooks record or a request body (absent fields left out)."""
	snapshot: dict[str, Any] = {}
	if obj.get("TotalAmt") is not None:
		snapshot["total"] = str(money(obj["TotalAmt"]))
	party = next((obj[key].get("value") for key in PARTY_REFS if isinstance(obj.get(key), dict)), None)
	if party:
		snapshot["party"] = str(party)
	if obj.get("TxnDate"):
		snapshot["date"] = str(obj["TxnDate"])
	if isinstance(obj.get("CurrencyRef"), dict):
		snapshot["currency"] = str(obj["CurrencyRef"].get("value"))
	if isinstance(obj.get("Line"), list):
		snapshot["lines"] = sorted(_line(line) for line in obj["Line"] if _counts(line))
	return snapshot


def _counts(line: Any) -> bool:
	return isinstance(line, dict) and line.get("DetailType") not in SKIPPED_LINES


def _line(line: dict) -> str:
	detail = line.get(line.get("DetailType") or "") or {}
	ref = detail.get("ItemRef") or detail.get("AccountRef") or {}
	posting = detail.get("PostingType") or ""
	return " ".join(
		part for part in (posting, str(ref.get("value") or ""), str(money(line.get("Amount")))) if part
	)


def differences(pushed: dict[str, Any], now: dict[str, Any]) -> list[Change]:
	"""What QuickBooks holds now that differs from what was sent (fields the connector did not send are not judged)."""
	changes = []
	for name in FIELDS:
		if name in pushed and name in now and pushed[name] != now[name]:
			changes.append(Change(name, _text(pushed[name]), _text(now[name])))
	return changes


def _text(value: Any) -> str:
	return "; ".join(value) if isinstance(value, list) else str(value)


def pushed_from_record(record: SyncRecord, qbo_entity: str, qbo_id: str) -> Pushed | None:
	"""The Pushed view of a sync record, when `qbo_entity` `qbo_id` is its record or one of its companions."""
	removed = record.status == Status.VOIDED
	if record.qbo_entity == qbo_entity and record.qbo_id == qbo_id:
		return Pushed(
			record.doctype,
			record.name,
			qbo_entity,
			qbo_id,
			record.sync_token,
			removed,
			snapshot=_sent(record, qbo_entity, qbo_id),
		)
	if f"{qbo_entity}:{qbo_id}" in (record.related or {}).values():
		return Pushed(record.doctype, record.name, qbo_entity, qbo_id, None, removed, companion=True)
	return None


def _sent(record: SyncRecord, qbo_entity: str, qbo_id: str) -> dict[str, Any]:
	"""What the connector's successful writes of the record sent (later writes overlay earlier ones)."""
	snapshot: dict[str, Any] = {}
	for entry in record.history or ():
		if entry.get("entity") != qbo_entity or entry.get("outcome") != "ok":
			continue
		answer = _json(entry.get("answer"))
		if str(answer.get("Id")) != qbo_id:
			continue
		snapshot.update(snapshot_of(_json(entry.get("request"))))
		snapshot.update(snapshot_of({"TotalAmt": answer.get("TotalAmt")}))
	if not snapshot and record.qbo_total is not None:
		snapshot["total"] = str(money(record.qbo_total))
	return snapshot


def _json(text: Any) -> dict:
	if isinstance(text, dict):
		return text
	try:
		value = json.loads(text or "{}")
	except ValueError:  # a body cut at the history's size limit: its fields are not judged
		return {}
	return value if isinstance(value, dict) else {}
