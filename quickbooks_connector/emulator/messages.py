"""The request and response objects passed between the HTTP handler and the emulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from quickbooks_connector.emulator import codec


@dataclass
class Request:
	method: str
	path: str
	params: dict[str, str]
	headers: Message
	body: bytes
	target: str  # path and query string as sent


@dataclass
class Response:
	status: int
	body: bytes = b""
	headers: dict[str, str] = field(default_factory=dict)
	drop: bool = False  # close the connection without answering


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
	content_type = {"Content-Type": "application/json;charset=UTF-8"}
	return Response(status, codec.dumps(payload), {**content_type, **(headers or {})})
