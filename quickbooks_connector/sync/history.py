"""What the sync record remembers of each QuickBooks write: when, what, with which request id, and the answer.

Support (Intuit's included) asks for the request and its intuit_tid; an accountant asks what was sent. Each entry
keeps the request body with personal data it need not keep redacted (addresses, e-mails, phone numbers), QuickBooks'
answer (the record's id, number and totals, or the fault) and the intuit_tid. Bodies hold no secret: tokens travel
in headers, never in a body. The history is bounded: the newest `MAX_ENTRIES` entries, each body cut to
`MAX_BODY_CHARS` characters of JSON.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

MAX_ENTRIES = 25
MAX_BODY_CHARS = 4000
REDACTED = "(redacted)"
PERSONAL_KEYS = frozenset(
	{"BillAddr", "ShipAddr", "BillEmail", "BillEmailCc", "BillEmailBcc", "PrimaryEmailAddr", "PrimaryPhone"}
	| {"Mobile", "Fax", "AlternatePhone", "ShipFromAddr", "TaxIdentifier", "SecondaryTaxIdentifier"}
)
OK, FAULT, UNKNOWN = "ok", "fault", "unknown"


def entry(
	at: float,
	operation: str,
	entity: str,
	request_id: str | None,
	body: dict | None,
	outcome: str,
	answer: dict | None = None,
	error: Exception | None = None,
	intuit_tid: str | None = None,
) -> dict[str, Any]:
	"""One history entry as plain JSON-ready data. `outcome`: OK, FAULT (QuickBooks answered no) or UNKNOWN (the
	answer was lost: the write may have happened)."""
	return {
		"at": at,
		"operation": operation,
		"entity": entity,
		"request_id": request_id,
		"request": _bounded(redacted(body)) if body is not None else None,
		"outcome": outcome,
		"answer": _summary(answer) if answer else (str(error) if error else None),
		"intuit_tid": intuit_tid or getattr(error, "intuit_tid", None),
	}


def append(history: list[dict], new: dict) -> None:
	history.append(new)
	del history[:-MAX_ENTRIES]


def redacted(value: Any) -> Any:
	if isinstance(value, dict):
		return {key: REDACTED if key in PERSONAL_KEYS else redacted(item) for key, item in value.items()}
	if isinstance(value, list):
		return [redacted(item) for item in value]
	return value


def _bounded(body: Any) -> str:
	text = json.dumps(body, sort_keys=True, default=_plain)
	return text if len(text) <= MAX_BODY_CHARS else text[: MAX_BODY_CHARS - 1] + "…"


def _summary(answer: dict) -> str:
	fields = ("Id", "SyncToken", "DocNumber", "TotalAmt", "Balance", "status")
	return json.dumps({key: answer[key] for key in fields if key in answer}, default=_plain)


def _plain(value: Any) -> str:
	if isinstance(value, Decimal):
		return format(value, "f")
	raise TypeError(type(value).__name__)
