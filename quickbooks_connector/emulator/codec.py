"""JSON in and out, with money as Decimal.

Request bodies are parsed with ``parse_float=Decimal`` so no amount ever passes through binary floating point
inside the emulator. On output a Decimal is written as a JSON number through ``float``: every value QBO
accepts (at most 15 significant digits) survives that round trip exactly, and clients that parse with
``parse_float=Decimal`` get the same digits back.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def _encode_default(value: Any) -> Any:
	if isinstance(value, Decimal):
		return float(value)
	if isinstance(value, set | frozenset):
		return sorted(value)
	raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def dumps(value: Any) -> bytes:
	return json.dumps(value, default=_encode_default, separators=(",", ":"), ensure_ascii=False).encode()


def loads(data: bytes | str) -> Any:
	"""Parse JSON with Decimal floats; raises ValueError on malformed input."""
	return json.loads(data, parse_float=Decimal)
