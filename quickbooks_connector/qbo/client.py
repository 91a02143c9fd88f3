"""QuickBooks Online Accounting API client: one company, safe to retry, kind to QBO's limits.

Every call goes through one pipeline: throttle slot -> bearer token (refreshed proactively, or once after a 401)
-> HTTP with a timeout -> typed error or JSON parsed with Decimal amounts. Writes carry one requestid for all
their retries, so a response lost after QBO committed can never create a duplicate.

One client may be used from several threads at once (a backfill keeps several batch calls in flight): the budget
is shared, `last_intuit_tid` is the calling thread's own, and each batch result carries its call's intuit_tid.
Call `valid_tokens()` in the thread that owns the token store before handing the client to other threads, so
that they find good tokens and never need the store (a Frappe store needs the job's own database connection).
"""

import hashlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import quote as url_quote

import requests

from quickbooks_connector import __version__
from quickbooks_connector.qbo.auth import OAuth, TokenManager, Tokens, TokenStore
from quickbooks_connector.qbo.environments import Endpoints
from quickbooks_connector.qbo.errors import (
	AuthenticationError,
	NetworkError,
	QBOError,
	ServerError,
	UnsendableValueError,
	error_from_fault,
	error_from_http,
	fault_in,
)
from quickbooks_connector.qbo.retry import RetryPolicy, call_with_retries
from quickbooks_connector.qbo.secret import Secret, detached, scrub
from quickbooks_connector.qbo.throttle import RequestBudget, Throttle

log = logging.getLogger(__name__)

MINOR_VERSION = 75  # QBO ignores anything lower since 2025-08-01
BATCH_SIZE = 30  # QBO's maximum items per batch request
PAGE_SIZE = 1000  # QBO's maximum MAXRESULTS
MAX_REQUEST_ID_LENGTH = 50

# How each entity is voided: Invoice has its own operation; payments are a sparse update that includes void.
_VOID_PARAMS = {
	"Invoice": {"operation": "void"},
	"Payment": {"operation": "update", "include": "void"},
	"BillPayment": {"operation": "update", "include": "void"},
	"SalesReceipt": {"operation": "update", "include": "void"},
}
_ENTITY_NAME = re.compile(r"^[A-Z][A-Za-z]+$")  # as QBO spells it: the response key is the same
_ORDER_BY = re.compile(r"\border\s*by\b", re.IGNORECASE)
_PAGING = re.compile(r"\b(startposition|maxresults)\b", re.IGNORECASE)
_COUNT = re.compile(r"\bcount\s*\(", re.IGNORECASE)
_NETWORK_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)

BatchOperationName = Literal["create", "update", "delete", "void", "query"]


@dataclass(frozen=True)
class BatchOperation:
	"""One item of a batch: `payload` for create/update/delete/void, `query` for query."""

	operation: BatchOperationName
	entity: str
	payload: dict[str, Any] | None = None
	query: str | None = None
	bid: str | None = None  # your own id for the item (<= 10 chars); generated when omitted

	def __post_init__(self) -> None:
		if self.operation == "query":
			if not self.query:
				raise ValueError("a query batch operation needs `query`")
		elif self.operation in ("create", "update", "delete", "void"):
			if not self.payload:
				raise ValueError(f"a {self.operation} batch operation needs `payload`")
		else:
			raise ValueError(f"unknown batch operation {self.operation!r}")
		if self.bid is not None and not 0 < len(self.bid) <= 10:
			raise ValueError("a batch bId must be 1 to 10 characters")


@dataclass(frozen=True)
class BatchResult:
	operation: str
	entity: str
	ok: bool
	data: dict[str, Any] | None = None  # the object, `{"status": "Deleted", ...}`, or the QueryResponse
	error: QBOError | None = None
	intuit_tid: str | None = None  # of the batch request that carried the operation


@dataclass(frozen=True)
class _Request:
	method: str
	path: str  # relative to the company URL, e.g. "/invoice"
	params: dict[str, str]
	body: bytes | None = None
	content_type: str | None = None
	batch: bool = False


class QBOClient:
	"""The QBO Accounting API for one company (realm)."""

	def __init__(
		self,
		realm_id: str,
		oauth: OAuth,
		token_store: TokenStore,
		endpoints: Endpoints,
		throttle: RequestBudget | None = None,
		timeout: float | tuple[float, float] = (5, 60),
		max_attempts: int = 5,
		retry_deadline: float = 60.0,
		minor_version: int = MINOR_VERSION,
		sleep: Callable[[float], None] = time.sleep,
		clock: Callable[[], float] = time.time,
	) -> None:
		self.realm_id = realm_id
		self.minor_version = minor_version
		self._local = threading.local()  # per thread: the intuit_tid of that thread's last call
		self._company_url = f"{endpoints.api_base}/company/{realm_id}"
		self._tokens = TokenManager(oauth, token_store, clock=clock)
		self._throttle: RequestBudget = throttle or Throttle.shared(realm_id, endpoints.api_base)
		self._policy = RetryPolicy(max_attempts=max_attempts, deadline=retry_deadline)
		self._timeout = timeout
		self._sleep = sleep
		self._clock = clock
		self._http = requests.Session()
		self._http.headers.update(
			{"Accept": "application/json", "User-Agent": f"quickbooks_connector/{__version__}"}
		)

	@property
	def last_intuit_tid(self) -> str | None:
		"""Intuit's id of the last call this thread made (support asks for it)."""
		return getattr(self._local, "intuit_tid", None)

	@last_intuit_tid.setter
	def last_intuit_tid(self, tid: str | None) -> None:
		self._local.intuit_tid = tid

	@property
	def budget(self) -> RequestBudget:
		"""The company's request budget this client sends under."""
		return self._throttle

	def valid_tokens(self) -> None:
		"""Load the tokens now, refreshing them if they expire within minutes, in the calling thread."""
		self._tokens.valid_tokens()

	# -- entities -----------------------------------------------------------------------------------------

	def create(self, entity: str, payload: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
		"""Create an object; pass a deterministic `request_id` to make the create idempotent across jobs."""
		return self._write(entity, payload, request_id=request_id)[entity]

	def read(self, entity: str, qbo_id: str) -> dict[str, Any]:
		return self._call(_Request("GET", f"/{_path(entity)}/{url_quote(qbo_id, safe='')}", {}))[entity]

	def update(
		self, entity: str, payload: dict[str, Any], sparse: bool = False, request_id: str | None = None
	) -> dict[str, Any]:
		"""Update with the current SyncToken. Full updates blank every writable field left out; sparse ones
		change only the fields sent."""
		_require(payload, "Id", "SyncToken")
		return self._write(entity, {**payload, "sparse": sparse}, request_id=request_id)[entity]

	def delete(
		self, entity: str, qbo_id: str, sync_token: str, request_id: str | None = None
	) -> dict[str, Any]:
		"""Delete a transaction; returns `{"status": "Deleted", "Id": ...}`. Name lists are made inactive."""
		body = {"Id": qbo_id, "SyncToken": sync_token}
		return self._write(entity, body, params={"operation": "delete"}, request_id=request_id)[entity]

	def void(
		self, entity: str, qbo_id: str, sync_token: str, request_id: str | None = None
	) -> dict[str, Any]:
		"""Void a transaction: it stays in QBO with zero amounts."""
		if entity not in _VOID_PARAMS:
			raise ValueError(f"QBO cannot void a {entity}; voidable: {', '.join(_VOID_PARAMS)}")
		body: dict[str, Any] = {"Id": qbo_id, "SyncToken": sync_token}
		if entity != "Invoice":
			body["sparse"] = True
		return self._write(entity, body, params=_VOID_PARAMS[entity], request_id=request_id)[entity]

	def company_info(self) -> dict[str, Any]:
		return self._call(_Request("GET", f"/companyinfo/{self.realm_id}", {}))["CompanyInfo"]

	def preferences(self) -> dict[str, Any]:
		return self._call(_Request("GET", "/preferences", {}))["Preferences"]

	def report(self, name: str, **params: Any) -> dict[str, Any]:
		"""A report of the Reports API (`TrialBalance`, `GeneralLedger`, ...) as QuickBooks answers it:
		`{"Header", "Columns", "Rows"}`. Dates may be `date`s, lists (`account=[...]`, `columns=[...]`) are sent
		comma-separated; `None` values are left out."""
		if not _ENTITY_NAME.match(name):
			raise ValueError(f"not a report name: {name!r}")
		sent = {key: _report_param(value) for key, value in params.items() if value is not None}
		return self._call(_Request("GET", f"/reports/{name}", sent))

	def upload(
		self,
		entity: str,
		qbo_id: str,
		filename: str,
		content_type: str,
		content: bytes,
		note: str = "",
		request_id: str | None = None,
	) -> dict[str, Any]:
		"""Attach a file to a record (multipart `/upload`): the Attachable QuickBooks made. The body is the same
		bytes on every retry (its boundary derives from its content), as a repeated `request_id` needs."""
		_path(entity)
		request_id = request_id or uuid.uuid4().hex
		if len(request_id) > MAX_REQUEST_ID_LENGTH:
			raise ValueError(f"request_id must be at most {MAX_REQUEST_ID_LENGTH} characters")
		metadata = {
			"AttachableRef": [{"EntityRef": {"type": entity, "value": qbo_id}, "IncludeOnSend": False}],
			"FileName": filename,
			"ContentType": content_type,
			**({"Note": note} if note else {}),
		}
		body, boundary = _multipart(_dumps(metadata), filename, content_type, content)
		request = _Request(
			"POST",
			"/upload",
			{"requestid": request_id},
			body,
			content_type=f"multipart/form-data; boundary={boundary}",
		)
		answers = self._call(request).get("AttachableResponse") or [{}]
		fault = fault_in(answers[0])
		if fault:
			raise error_from_fault(fault, intuit_tid=self.last_intuit_tid)
		if "Attachable" not in answers[0]:
			raise ServerError("QuickBooks answered the upload without an Attachable", status=200)
		return answers[0]["Attachable"]

	# -- queries ------------------------------------------------------------------------------------------

	def query(self, statement: str, *params: Any, page_size: int = PAGE_SIZE) -> Iterator[dict[str, Any]]:
		"""Every row of a SELECT, fetched page by page as you iterate.

		Values go in `{}` placeholders and are quoted and escaped here; never format user input into the
		statement yourself. Pages are ordered by Id unless the statement orders itself, so rows created while
		paging land on later pages instead of shifting earlier ones.
		"""
		if _PAGING.search(statement) or _COUNT.search(statement):
			raise ValueError("query() pages by itself and returns rows; use count() for COUNT(*)")
		if not 0 < page_size <= PAGE_SIZE:
			raise ValueError(f"page_size must be between 1 and {PAGE_SIZE}")
		filled = fill_placeholders(statement, params)
		if not _ORDER_BY.search(statement):
			filled += " ORDERBY Id"
		return self._pages(filled, page_size)

	def _pages(self, statement: str, page_size: int) -> Iterator[dict[str, Any]]:
		start = 1
		while True:
			response = self._query(f"{statement} STARTPOSITION {start} MAXRESULTS {page_size}")
			rows = next((value for value in response.values() if isinstance(value, list)), [])
			yield from rows
			if len(rows) < page_size:
				return
			start += page_size

	def count(self, entity: str, where: str = "", *params: Any) -> int:
		"""How many objects match, e.g. `count("Customer", "Active = {}", False)`."""
		if not _ENTITY_NAME.match(entity):
			raise ValueError(f"not an entity name: {entity!r}")
		statement = f"SELECT COUNT(*) FROM {entity}"
		if where:
			statement += f" WHERE {fill_placeholders(where, params)}"
		return int(self._query(statement).get("totalCount", 0))

	def cdc(self, entities: Sequence[str], changed_since: datetime) -> dict[str, list[dict[str, Any]]]:
		"""Objects of `entities` changed since a time (QBO looks back 30 days at most and returns at most
		1000 objects, so keep windows short). Deleted objects come back as `{"status": "Deleted"}` stubs."""
		if changed_since.tzinfo is None:
			raise ValueError("changed_since must be timezone-aware")
		params = {"entities": ",".join(entities), "changedSince": changed_since.isoformat(timespec="seconds")}
		data = self._call(_Request("GET", "/cdc", params))
		changes: dict[str, list[dict[str, Any]]] = {entity: [] for entity in entities}
		for block in data.get("CDCResponse", []):
			for response in block.get("QueryResponse", []):
				for key, value in response.items():
					if isinstance(value, list):
						changes.setdefault(key, []).extend(value)
		return changes

	# -- batch --------------------------------------------------------------------------------------------

	def batch(self, operations: Sequence[BatchOperation], request_id: str | None = None) -> list[BatchResult]:
		"""Run any number of operations in batch requests of 30; one result per operation, in input order.

		Items fail independently (`ok=False` with a typed error). A batch request that fails as a whole
		after its retries marks its items and all later ones with that error; later chunks are not sent.
		Each chunk has its own requestid (derived from `request_id` when given), so retrying it is safe.
		"""
		chunks = [operations[start : start + BATCH_SIZE] for start in range(0, len(operations), BATCH_SIZE)]
		bids = [_bids(chunk) for chunk in chunks]  # all checked before anything is sent
		results: list[BatchResult] = []
		failure: QBOError | None = None
		for index, chunk in enumerate(chunks):
			if failure is None:
				try:
					results.extend(
						self._batch_chunk(chunk, bids[index], _chunk_request_id(request_id, index))
					)
					continue
				except QBOError as error:
					failure = error
			results.extend(BatchResult(op.operation, op.entity, ok=False, error=failure) for op in chunk)
		return results

	def _batch_chunk(
		self, chunk: Sequence[BatchOperation], bids: list[str], request_id: str
	) -> list[BatchResult]:
		items = [_batch_item(op, bid) for op, bid in zip(chunk, bids, strict=True)]
		body = _dumps({"BatchItemRequest": items})
		data = self._call(_Request("POST", "/batch", {"requestid": request_id}, body, batch=True))
		by_bid = {item.get("bId"): item for item in data.get("BatchItemResponse", [])}
		return [
			_batch_result(op, by_bid.get(bid), self.last_intuit_tid)
			for op, bid in zip(chunk, bids, strict=True)
		]

	# -- pipeline -----------------------------------------------------------------------------------------

	def _write(
		self,
		entity: str,
		body: dict[str, Any],
		*,
		params: dict[str, str] | None = None,
		request_id: str | None = None,
	) -> dict[str, Any]:
		request_id = request_id or uuid.uuid4().hex
		if len(request_id) > MAX_REQUEST_ID_LENGTH:
			raise ValueError(f"request_id must be at most {MAX_REQUEST_ID_LENGTH} characters")
		params = {**(params or {}), "requestid": request_id}
		return self._call(_Request("POST", f"/{_path(entity)}", params, _dumps(body)))

	def _query(self, statement: str) -> dict[str, Any]:
		# POSTed as text: no URL length limit and no double-encoding of % and = in values.
		request = _Request("POST", "/query", {}, statement.encode(), content_type="application/text")
		return self._call(request).get("QueryResponse", {})

	def _call(self, request: _Request) -> dict[str, Any]:
		"""One logical call: the same request (same requestid, same bytes) on every retry."""
		return call_with_retries(
			lambda: self._send_authorized(request),
			self._policy,
			sleep=self._sleep,
			clock=self._clock,
			describe=f"{request.method} {request.path}",
		)

	def _send_authorized(self, request: _Request) -> dict[str, Any]:
		"""Send with a valid token; after a 401, refresh once and replay once. A second 401 is final."""
		tokens = self._tokens.valid_tokens()
		try:
			return self._send(request, tokens)
		except AuthenticationError:
			log.info("QBO %s %s: access token rejected, refreshing once", request.method, request.path)
		tokens = self._tokens.replace_rejected(tokens)
		return self._send(request, tokens)

	def _send(self, request: _Request, tokens: Tokens) -> dict[str, Any]:
		headers = {}
		if request.body is not None:
			headers["Content-Type"] = request.content_type or "application/json"
		params = {**request.params, "minorversion": str(self.minor_version)}
		started = time.monotonic()
		with self._throttle.slot(batch=request.batch):
			response = self._transmit(request, params, headers, Secret(tokens.access_token))
		tid = response.headers.get("intuit_tid")
		self.last_intuit_tid = tid
		log.log(
			logging.DEBUG if response.status_code == 200 else logging.WARNING,
			"QBO %s %s -> %s in %.0f ms (intuit_tid=%s)",
			request.method,
			request.path,
			response.status_code,
			(time.monotonic() - started) * 1000,
			tid,
		)
		return _decode(response, tid)

	def _transmit(
		self, request: _Request, params: dict[str, str], headers: dict[str, str], bearer: Secret
	) -> requests.Response:
		"""The one place the access token is revealed. A failure is raised again without the frames below (their
		headers hold the bearer token) and with its text scrubbed (see `qbo.secret`)."""
		failure: BaseException
		try:
			return self._http.request(
				request.method,
				self._company_url + request.path,
				params=params,
				data=request.body,
				headers={**headers, "Authorization": "Bearer " + bearer.reveal()},
				timeout=self._timeout,
			)
		except _NETWORK_ERRORS as exc:
			log.warning("QBO %s %s failed: %s", request.method, request.path, type(exc).__name__)
			failure = NetworkError(
				f"QuickBooks {request.method} {request.path} failed: {scrub(str(exc), (bearer,))}",
				# Only a connect timeout proves the request never left; anything later may have been applied.
				outcome_unknown=not isinstance(exc, requests.ConnectTimeout),
			)
		except Exception as exc:
			log.warning("QBO %s %s could not be sent: %s", request.method, request.path, type(exc).__name__)
			failure = detached(exc, (bearer,))
		raise failure  # here, not in the except block: no frame below this one comes along


def fill_placeholders(statement: str, params: Sequence[Any]) -> str:
	"""Put quoted, escaped values into the `{}` placeholders of a query."""
	pieces = statement.split("{}")
	if len(pieces) - 1 != len(params):
		raise ValueError(f"the query has {len(pieces) - 1} placeholders but {len(params)} values were given")
	filled = [piece + quote(value) for piece, value in zip(pieces, params, strict=False)]
	return "".join(filled) + pieces[-1]


def quote(value: Any) -> str:
	"""A query literal. Strings are single-quoted with `'` escaped as `\\'`; backslashes are escaped too, so a
	value ending in `\\` cannot swallow the closing quote. Booleans stay bare; numbers and dates are quoted, as
	QBO compares them as strings. Sequences become an IN list."""
	if isinstance(value, bool):
		return "true" if value else "false"
	if isinstance(value, str):
		return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
	if isinstance(value, int | float | Decimal):
		return f"'{value}'"
	if isinstance(value, date):  # datetime included
		return f"'{value.isoformat()}'"
	if isinstance(value, list | tuple | set | frozenset) and value:
		return "(" + ", ".join(quote(item) for item in value) + ")"
	raise TypeError(f"cannot use {value!r} as a query value")


def _decode(response: requests.Response, tid: str | None) -> dict[str, Any]:
	"""The JSON body with amounts as Decimal, or the typed error (QBO may put a Fault inside a 200)."""
	if response.status_code == 200 and not response.text.lstrip().startswith("<"):
		try:
			data = json.loads(response.text, parse_float=Decimal)
		except ValueError:  # cut off on the way; retrying the same request (same requestid) is safe
			raise ServerError("QuickBooks sent an unreadable response", status=200, intuit_tid=tid)
		if isinstance(data, dict) and not fault_in(data):
			return data
	raise error_from_http(
		response.status_code, response.text, intuit_tid=tid, retry_after=response.headers.get("Retry-After")
	)


def _dumps(payload: Any) -> bytes:
	return json.dumps(payload, default=_json_default, separators=(",", ":")).encode()


def _json_default(value: Any) -> Any:
	"""Decimals go out as JSON numbers. QBO amounts have at most 15 significant digits, which a float carries
	exactly (its repr is the shortest round-trip form), so refuse anything longer rather than round it, with a typed
	error (a ValidationError that is also a ValueError) that says so."""
	if isinstance(value, Decimal):
		if not value.is_finite():
			raise UnsendableValueError(
				f"The value {value} is not a number QuickBooks can store, so it was not sent"
			)
		digits = value.normalize().as_tuple().digits
		if len(digits) > 15:
			raise UnsendableValueError(
				f"The number {value} has more than the 15 significant digits QuickBooks stores, so it was not sent"
			)
		return float(value)
	if isinstance(value, date):
		return value.isoformat()
	raise TypeError(f"cannot serialise {type(value).__name__} for QuickBooks")


def _path(entity: str) -> str:
	if not _ENTITY_NAME.match(entity):
		raise ValueError(f"not an entity name: {entity!r}")
	return entity.lower()


def _require(payload: dict[str, Any], *keys: str) -> None:
	missing = [key for key in keys if payload.get(key) in (None, "")]
	if missing:
		raise ValueError(f"payload needs {', '.join(missing)}")


def _bids(chunk: Sequence[BatchOperation]) -> list[str]:
	bids = [op.bid or f"b{position}" for position, op in enumerate(chunk)]
	if len(set(bids)) != len(bids):
		raise ValueError("batch bIds must be unique within each request of 30 operations")
	return bids


def _chunk_request_id(request_id: str | None, index: int) -> str:
	"""Per-chunk requestid (<= 36 chars for batch): derived from the caller's id, so a re-run of the same
	logical batch replays instead of duplicating; random otherwise."""
	if request_id is None:
		return uuid.uuid4().hex
	return uuid.uuid5(uuid.NAMESPACE_URL, f"qbo-batch:{request_id}:{index}").hex


def _batch_item(op: BatchOperation, bid: str) -> dict[str, Any]:
	if op.operation == "query":
		return {"bId": bid, "Query": op.query}
	payload = op.payload or {}
	if op.operation in ("create", "update"):
		return {"bId": bid, "operation": op.operation, op.entity: payload}
	ref = {"Id": payload.get("Id"), "SyncToken": payload.get("SyncToken")}
	if op.operation == "delete":
		return {"bId": bid, "operation": "delete", op.entity: ref}
	return {"bId": bid, "operation": "update", "optionsData": "void", op.entity: {**ref, "sparse": True}}


def _batch_result(op: BatchOperation, item: dict[str, Any] | None, tid: str | None) -> BatchResult:
	if item is None:
		error = ServerError("QuickBooks returned no result for this batch item", intuit_tid=tid)
		return BatchResult(op.operation, op.entity, ok=False, error=error, intuit_tid=tid)
	if "Fault" in item:
		error = error_from_fault(item["Fault"], intuit_tid=tid)
		return BatchResult(op.operation, op.entity, ok=False, error=error, intuit_tid=tid)
	data = item.get("QueryResponse", {}) if op.operation == "query" else item.get(op.entity)
	return BatchResult(op.operation, op.entity, ok=True, data=data, intuit_tid=tid)


def _multipart(metadata: bytes, filename: str, content_type: str, content: bytes) -> tuple[bytes, str]:
	"""The `/upload` body (parts `file_metadata_01` and `file_content_01`) and its boundary."""
	boundary = "qbc" + hashlib.sha256(metadata + content).hexdigest()[:40]
	while boundary.encode() in content or boundary.encode() in metadata:
		boundary = "qbc" + hashlib.sha256(boundary.encode()).hexdigest()[:40]
	safe_name = re.sub(r'[\x00-\x1f"\\]', "_", filename)
	safe_type = re.sub(r"[\x00-\x1f]", "", content_type)
	head = (
		f"--{boundary}\r\n"
		'Content-Disposition: form-data; name="file_metadata_01"\r\n'
		"Content-Type: application/json; charset=UTF-8\r\n\r\n"
	).encode()
	content_head = (
		f"\r\n--{boundary}\r\n"
		f'Content-Disposition: form-data; name="file_content_01"; filename="{safe_name}"\r\n'
		f"Content-Type: {safe_type}\r\n\r\n"
	).encode()
	return head + metadata + content_head + content + f"\r\n--{boundary}--\r\n".encode(), boundary


def _report_param(value: Any) -> str:
	if isinstance(value, set | frozenset):
		value = sorted(value)
	if isinstance(value, list | tuple):
		return ",".join(str(part) for part in value)
	if isinstance(value, date):
		return value.isoformat()
	return str(value)
