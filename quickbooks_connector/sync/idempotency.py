"""Deterministic request ids and payload fingerprints.

QuickBooks replays the original response for a repeated `requestid`, so the same logical write must always carry the
same id. The id covers the payload hash too: after a user fixes a mapping the payload changes and so does the id —
which is why the engine looks a document up before writing again whenever an earlier outcome was unknown.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from decimal import Decimal

_NAMESPACE = uuid.UUID("6f1c3a52-6f0e-4d55-9a51-7f0a3c1d2b9e")


def _default(value: object) -> str:
	if isinstance(value, Decimal):
		return format(value.normalize(), "f")
	raise TypeError(f"cannot fingerprint {type(value).__name__}")


def payload_hash(payload: dict) -> str:
	canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_default)
	return hashlib.sha256(canonical.encode()).hexdigest()


def request_id(realm_id: str, doctype: str, name: str, operation: str, fingerprint: str = "") -> str:
	"""A 36-character id, within QuickBooks' limit of 50 (and 36 for batch requests)."""
	return str(uuid.uuid5(_NAMESPACE, "|".join((realm_id, doctype, name, operation, fingerprint))))
