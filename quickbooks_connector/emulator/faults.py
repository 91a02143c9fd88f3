"""QBO's error bodies and codes (qbo-api.md §6), raised as :class:`QBOFault` anywhere in the emulator.

Two shapes exist in real QBO and both are reproduced:

* the service fault of the Accounting API, ``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}],
  "type": ...}, "time": "<Pacific ISO>"}`` — validation (HTTP 400), system (5xx) and throttling (429) faults;
* the gateway fault of the authentication layer, lower-case keys and an epoch-millisecond ``time``
  (401 code 3200, 403 code 3100).

Where Intuit documents no exact text the emulator uses a close paraphrase; codes follow the table in §6.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

INACTIVE_DETAIL = (
	"Object Not Found : Something you're trying to use has been made inactive. "
	"Check the fields with accounts, customers, items, vendors or employees."
)


class QBOFault(Exception):
	"""A QBO error response: HTTP status, fault code and the fields QBO puts in its error body."""

	def __init__(
		self,
		code: str,
		message: str,
		detail: str = "",
		element: str = "",
		status: int = 400,
		fault_type: str = "ValidationFault",
		gateway: bool = False,
		headers: dict[str, str] | None = None,
	) -> None:
		super().__init__(f"{code} {message}: {detail}")
		self.code = code
		self.message = message
		self.detail = detail
		self.element = element
		self.status = status
		self.fault_type = fault_type
		self.gateway = gateway
		self.headers = headers or {}

	def error(self) -> dict[str, str]:
		return {"Message": self.message, "Detail": self.detail, "code": self.code, "element": self.element}

	def fault(self) -> dict[str, Any]:
		"""The ``Fault`` object, as it also appears inside a batch item."""
		return {"Error": [self.error()], "type": self.fault_type}

	def body(self, time_iso: str, epoch_ms: int) -> dict[str, Any]:
		if not self.gateway:
			return {"Fault": self.fault(), "time": time_iso}
		return {
			"warnings": None,
			"intuitObject": None,
			"fault": {
				"error": [
					{"message": self.message, "detail": self.detail, "code": self.code, "element": None}
				],
				"type": self.fault_type,
			},
			"report": None,
			"queryResponse": None,
			"batchItemResponse": [],
			"attachableResponse": [],
			"syncErrorResponse": None,
			"requestId": None,
			"time": epoch_ms,
			"status": None,
			"cdcresponse": [],
		}

	def xml(self, time_iso: str) -> bytes:
		"""The XML shape QBO sometimes sends for 401/429 even to JSON clients."""
		return (
			'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
			f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time={quoteattr(time_iso)}>'
			f"<Fault type={quoteattr(self.fault_type)}><Error code={quoteattr(self.code)}>"
			f"<Message>{escape(self.message)}</Message><Detail>{escape(self.detail)}</Detail>"
			"</Error></Fault></IntuitResponse>"
		).encode()


def injected(status: int, retry_after: int) -> QBOFault:
	"""The fault QBO would send with this status: 401 -> 3200, 403 -> 3100, 429 -> 3001, else SystemFault."""
	if status == 401:
		return token_rejected("Token invalid: an injected fault rejected this token")
	if status == 403:
		return insufficient_scope()
	if status == 429:
		return throttled(retry_after)
	return system_failure(status)


# Authentication and throttling (gateway layer)


def token_rejected(detail: str) -> QBOFault:
	return QBOFault(
		"3200",
		"message=AuthenticationFailed; errorCode=003200; statusCode=401",
		detail,
		status=401,
		fault_type="AUTHENTICATION",
		gateway=True,
	)


def wrong_realm() -> QBOFault:
	return QBOFault(
		"100",
		"General Authentication Error",
		"AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401",
		status=401,
		fault_type="AuthenticationFault",
	)


def insufficient_scope() -> QBOFault:
	return QBOFault(
		"3100",
		"message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
		"The application does not have sufficient scope to access this resource",
		status=403,
		fault_type="AUTHORIZATION",
		gateway=True,
	)


def throttled(retry_after: int) -> QBOFault:
	return QBOFault(
		"3001",
		"message=ThrottleExceeded; errorCode=003001; statusCode=429",
		"The request limit was reached. Try again later",
		status=429,
		fault_type="SERVICE",
		headers={"Retry-After": str(retry_after)},
	)


def system_failure(status: int) -> QBOFault:
	return QBOFault(
		"10000",
		"An application error has occurred while processing your request",
		"System Failure Error: an injected fault made the emulator fail this request",
		status=status,
		fault_type="SystemFault",
	)


# Request-level faults


def unsupported(detail: str) -> QBOFault:
	return QBOFault("500", "Unsupported Operation", detail)


def duplicate_request(request_id: str) -> QBOFault:
	return QBOFault(
		"600",
		"RequestId already exists",
		f"Duplicate request: requestid {request_id} was already used for a different request",
	)


def batch_too_large(size: int, limit: int) -> QBOFault:
	return QBOFault(
		"1040",
		"Batch size exceeds allowed limit",
		f"The batch has {size} items; the maximum is {limit}",
		element="BatchItemRequest",
	)


def invalid_property(detail: str, element: str = "") -> QBOFault:
	return QBOFault("2010", "Request has invalid or unsupported property", detail, element)


def query_parse(detail: str) -> QBOFault:
	return QBOFault("4000", "Error parsing query", f"QueryParserError: {detail}")


# Validation faults


def required(element: str) -> QBOFault:
	name = element.rsplit(".", 1)[-1]
	return QBOFault(
		"2020",
		"Required param missing, need to supply the required value for the API",
		f"Required parameter {name} is missing in the request",
		element,
	)


def invalid_string(element: str, character: str) -> QBOFault:
	return QBOFault("2040", "Invalid String", f"String contains invalid character {character!r}.", element)


def bad_length(element: str, maximum: int, supplied: int) -> QBOFault:
	return QBOFault(
		"2050",
		"String length is either shorter or longer than supported by specification",
		f"String length specified does not match the supported length. Min:0 Max:{maximum} supported. "
		f"Supplied length:{supplied}",
		element,
	)


def invalid_enum(element: str, value: object) -> QBOFault:
	return QBOFault("2170", "Invalid Enumeration", f"Invalid Enumeration : {value}", element)


def invalid_reference(element: str, entity: str, value: object) -> QBOFault:
	return QBOFault(
		"2500",
		"Invalid Reference Id",
		f"Invalid Reference Id : {entity} element id {value} not found",
		element,
	)


def not_found(detail: str = INACTIVE_DETAIL, element: str = "") -> QBOFault:
	return QBOFault("610", "Object Not Found", detail, element)


def cannot_link(detail: str, element: str = "Line.LinkedTxn") -> QBOFault:
	return QBOFault("620", "Transaction can't be linked", detail, element)


def stale_object() -> QBOFault:
	return QBOFault(
		"5010",
		"Stale Object Error",
		"Stale Object Error : You and Emulator User were working on this at the same time. "
		"Emulator User finished before you did, so your work was not saved.",
	)


# Business-rule faults


def business(detail: str, element: str = "") -> QBOFault:
	return QBOFault(
		"6000",
		"A business validation error has occurred while processing your request",
		f"Business Validation Error: {detail}",
		element,
	)


def amount_mismatch(element: str, amount: object, expected: object) -> QBOFault:
	return QBOFault(
		"6070",
		"Amount is not equal to UnitPrice * Qty",
		f"Amount calculation incorrect in the request. Amount is not equal to Qty * UnitPrice. "
		f"Supplied value:{amount}, expected:{expected}",
		element,
	)


def duplicate_doc_number(doc_number: str, entity: str, existing_id: str) -> QBOFault:
	return QBOFault(
		"6140",
		"Duplicate Document Number Error",
		"Duplicate Document Number Error : You must specify a different number. This number has already "
		f"been used. DocNumber={doc_number} is assigned to TxnType={entity} with TxnId={existing_id}",
		"DocNumber",
	)


def duplicate_name(existing_id: str, element: str) -> QBOFault:
	return QBOFault(
		"6240",
		"Duplicate Name Exists Error",
		f"The name supplied already exists. : Id={existing_id}",
		element,
	)


def period_closed(close_date: str) -> QBOFault:
	return QBOFault(
		"6210",
		"Account Period Closed",
		f"Account Period Closed, cannot update through Services API. The books are closed through {close_date}.",
		"TxnDate",
	)


def deposited(entity: str, object_id: str, deposit_id: str) -> QBOFault:
	return QBOFault(
		"6540",
		"Deposited Transaction cannot be changed",
		f"Deposited Transaction cannot be changed : {entity} {object_id} is part of Deposit {deposit_id}; "
		"remove it from the deposit first.",
	)
