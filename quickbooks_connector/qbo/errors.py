"""Typed QuickBooks Online errors, built from every fault shape QBO sends.

QBO reports failures in four shapes: the service `{"Fault": {"Error": [...]}}`, the gateway's lower-case
`{"fault": {"error": [...]}}`, an XML `<Fault>` (some 401/429s ignore `Accept: application/json`), and the OAuth
token endpoint's `{"error": "invalid_grant"}`. Callers only ever see one class per cause, and each class says
whether trying again can help (`retryable`) so the retry loop and the sync engine never have to parse codes.
"""

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar


class QBOError(Exception):
	"""A QBO failure with the fields support needs: code, message, detail, element, status and intuit_tid."""

	retryable: ClassVar[bool] = False
	action: ClassVar[str] = ""  # what the user can do about it, appended to the message
	# Set by the retry loop when an earlier attempt of the same call may have been applied (its answer was lost or
	# QuickBooks failed mid-way) although this, the last attempt, was refused: the write's outcome is unknown.
	earlier_attempt_unknown: bool = False

	def __init__(
		self,
		message: str,
		code: str | None = None,
		detail: str | None = None,
		element: str | None = None,
		status: int | None = None,
		intuit_tid: str | None = None,
	) -> None:
		super().__init__(message)
		self.message = message
		self.code = code
		self.detail = detail
		self.element = element
		self.status = status
		self.intuit_tid = intuit_tid

	def __str__(self) -> str:
		text = f"{self.message} (code {self.code})" if self.code else self.message
		if self.detail and self.detail != self.message:
			text += f": {self.detail}"
		if self.element:
			text += f" [field: {self.element}]"
		if self.action:
			text += f". {self.action}"
		if self.intuit_tid:
			text += f" (intuit_tid {self.intuit_tid})"
		return text


class AuthenticationError(QBOError):
	"""The tokens are no longer accepted (expired, revoked, rotated out or of another company)."""

	action = "Reconnect to QuickBooks to authorise the app again"


class AuthorizationError(QBOError):
	"""Authenticated, but not allowed: wrong host for the company, missing scope, or a disconnected app."""

	action = "Check that the app is connected to this company with the accounting scope"


class ThrottledError(QBOError):
	"""Over QBO's rate, concurrency or batch limit (3001 / HTTP 429)."""

	retryable = True

	def __init__(self, message: str, *, retry_after: float | None = None, **fields: Any) -> None:
		super().__init__(message, **fields)
		self.retry_after = retry_after


class StaleObjectError(QBOError):
	"""5010: the object changed in QBO since its SyncToken was read; re-read before updating."""


class DuplicateNameError(QBOError):
	"""6240: DisplayName is unique across customers, vendors and employees, inactive ones included."""

	@property
	def existing_id(self) -> str | None:
		"""Id of the record already using the name, so the caller can link to it instead of failing."""
		match = re.search(r"\bId\s*=\s*(\d+)", f"{self.detail or ''} {self.message}")
		return match.group(1) if match else None


class DuplicateDocumentNumberError(QBOError):
	"""6140: the DocNumber is already used by another transaction of this type."""


class NotFoundError(QBOError):
	"""610: the object (or one it references) does not exist, was deleted, or is inactive."""


class ValidationError(QBOError):
	"""QBO rejected the request's content; `element` names the field and `detail` says why. Never retried."""


class UnsendableValueError(ValidationError, ValueError):
	"""The client refused to send a number QuickBooks cannot store exactly (more than 15 significant digits, or not
	finite); nothing was sent. The mapping checks every value first (mapping/limits.py), so this is the last line of
	defence. Never retried."""

	action = "Correct the value in ERPNext (cancel and amend the document), then press Retry"


class ServerError(QBOError):
	"""A 5xx or SystemFault inside QBO; usually gone on a later attempt."""

	retryable = True


class NetworkError(QBOError):
	"""The request failed below HTTP (connect error, timeout, connection dropped).

	`outcome_unknown` is True when the request may have reached QBO and been committed: only a retry with the
	same requestid is then safe.
	"""

	retryable = True

	def __init__(self, message: str, *, outcome_unknown: bool, **fields: Any) -> None:
		super().__init__(message, **fields)
		self.outcome_unknown = outcome_unknown


class SendError(QBOError):
	"""Sending failed on this side, before any answer from QuickBooks, with an error whose text held a credential:
	this stands in for it with the text scrubbed (see `qbo.secret.detached`)."""


@dataclass(frozen=True)
class _Fault:
	message: str
	code: str | None = None
	detail: str | None = None
	element: str | None = None
	type: str | None = None


_CLASS_BY_CODE: dict[str, type[QBOError]] = {
	"100": AuthenticationError,
	"3200": AuthenticationError,
	"3100": AuthorizationError,
	"3001": ThrottledError,
	"5010": StaleObjectError,
	"6240": DuplicateNameError,
	"6140": DuplicateDocumentNumberError,
	"610": NotFoundError,
}
_OAUTH_MESSAGES = {
	"invalid_grant": "QuickBooks no longer accepts this refresh token or authorization code",
	"invalid_client": "QuickBooks rejected the app's client id or client secret",
	"unauthorized_client": "This app is not allowed to use this grant",
}
_CLASS_BY_STATUS: dict[int, type[QBOError]] = {
	401: AuthenticationError,
	403: AuthorizationError,
	429: ThrottledError,
}


def error_from_http(
	status: int,
	body: str,
	*,
	intuit_tid: str | None = None,
	retry_after: str | None = None,
) -> QBOError:
	"""The typed error for a failed HTTP response (or a 200 whose body is a Fault)."""
	fault = _parse_fault(body) or _Fault(message=f"HTTP {status}", detail=_snippet(body))
	return _build(fault, status=status, intuit_tid=intuit_tid, retry_after=parse_retry_after(retry_after))


def error_from_fault(fault: dict[str, Any], *, intuit_tid: str | None = None) -> QBOError:
	"""The typed error for a Fault object found inside an HTTP 200 (batch items)."""
	parsed = _fault_from_json({"Fault": fault}) or _Fault(
		message="Unknown fault", detail=json.dumps(fault)[:300]
	)
	return _build(parsed, status=None, intuit_tid=intuit_tid, retry_after=None)


def fault_in(data: Any) -> dict[str, Any] | None:
	"""The top-level Fault of a parsed JSON body, if any: QBO documents Faults inside HTTP 200 too."""
	if isinstance(data, dict):
		fault = data.get("Fault") or data.get("fault")
		if isinstance(fault, dict):
			return fault
	return None


def parse_retry_after(value: str | None) -> float | None:
	"""Retry-After as seconds; the header may be delta-seconds or an HTTP date."""
	if not value:
		return None
	try:
		return max(0.0, float(value))
	except ValueError:
		pass
	try:
		return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
	except (TypeError, ValueError):
		return None


def _build(
	fault: _Fault, *, status: int | None, intuit_tid: str | None, retry_after: float | None
) -> QBOError:
	cls = _classify(fault, status)
	fields = {
		"code": fault.code,
		"detail": fault.detail,
		"element": fault.element or None,
		"status": status,
		"intuit_tid": intuit_tid,
	}
	if cls is ThrottledError:
		return ThrottledError(fault.message, retry_after=retry_after, **fields)
	return cls(fault.message, **fields)


def _classify(fault: _Fault, status: int | None) -> type[QBOError]:
	if fault.code in _CLASS_BY_CODE:
		return _CLASS_BY_CODE[fault.code]
	if status in _CLASS_BY_STATUS:
		return _CLASS_BY_STATUS[status]
	if (status or 0) >= 500 or (fault.type or "").lower() == "systemfault":
		return ServerError
	if (fault.type or "").lower() in ("authentication", "authenticationfault"):
		return AuthenticationError
	return ValidationError


def _parse_fault(body: str) -> _Fault | None:
	text = (body or "").strip()
	if text.startswith("<"):
		return _fault_from_xml(text)
	try:
		data = json.loads(text)
	except ValueError:
		return None
	return _fault_from_json(data) or _fault_from_oauth(data)


def _fault_from_json(data: Any) -> _Fault | None:
	"""Service `Fault.Error[]` (capitalised keys) or gateway `fault.error[]` (lower-case keys)."""
	fault = fault_in(data)
	if fault is None:
		return None
	errors = fault.get("Error") or fault.get("error") or [{}]
	first = {key.lower(): value for key, value in errors[0].items()}
	return _Fault(
		message=first.get("message") or "QuickBooks error",
		code=_text(first.get("code")),
		detail=_text(first.get("detail")),
		element=_text(first.get("element")),
		type=_text(fault.get("type")),
	)


def _fault_from_oauth(data: Any) -> _Fault | None:
	"""The token endpoint's RFC 6749 error: `invalid_grant` means the refresh token is dead."""
	if not isinstance(data, dict) or not isinstance(data.get("error"), str):
		return None
	code = data["error"]
	message = _OAUTH_MESSAGES.get(code, "QuickBooks refused the token request")
	auth_type = "authentication" if code in _OAUTH_MESSAGES else None
	return _Fault(message=message, code=code, detail=data.get("error_description"), type=auth_type)


def _fault_from_xml(text: str) -> _Fault | None:
	"""`<IntuitResponse><Fault type=".."><Error code=".." element=".."><Message/><Detail/></Error></Fault>`."""
	try:
		root = ET.fromstring(text)
	except ET.ParseError:
		return None
	fault = next((node for node in root.iter() if _local(node.tag) == "Fault"), None)
	error = next((node for node in root.iter() if _local(node.tag) == "Error"), None)
	if fault is None or error is None:
		return None
	children = {_local(child.tag): (child.text or "").strip() for child in error}
	return _Fault(
		message=children.get("Message") or "QuickBooks error",
		code=error.get("code"),
		detail=children.get("Detail"),
		element=error.get("element"),
		type=fault.get("type"),
	)


def _local(tag: str) -> str:
	return tag.rsplit("}", 1)[-1]


def _text(value: Any) -> str | None:
	return None if value in (None, "") else str(value)


def _snippet(body: str) -> str | None:
	return " ".join((body or "").split())[:300] or None
