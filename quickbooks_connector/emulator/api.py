"""The Accounting API under ``/v3/company/{realmId}/``: routing, request-id replay and batch (qbo-api.md §2, §5).

Paths: ``{entity}`` (POST create/update, ``?operation=delete|void``, ``?operation=update&include=void``,
``include=allowduplicatedocnum``), ``{entity}/{id}`` (GET), ``query`` (GET ``?query=`` or POST with the
statement as an ``application/text`` body), ``cdc``, ``batch``, ``companyinfo/{realmId}``, ``preferences``.
Every success is HTTP 200 with ``{"<Entity>": {...}, "time": ...}``; ``minorversion`` below 75 or missing is
treated as 75 (nothing depends on it).

Request ids: a POST carrying ``requestid`` that succeeded is remembered per realm; the same request id with
the same request (path, parameters, body) returns the original status and body again and executes nothing.
The same request id with a *different* request is refused with fault 600 "RequestId already exists" — the
emulator's reading of QBO's documented-but-vague 600 code. Failed requests are not remembered, so a retry
after a fault runs again.

Batch: at most 30 items (else fault 1040), each with a unique ``bId``; items run in order, each succeeds or
fails on its own (``Fault`` inside the item, HTTP 200 overall); ``operation`` create|update|delete, void as
``update`` + ``optionsData: "void"``, or a ``Query``. A request id on the batch replays the whole batch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from quickbooks_connector.emulator import cdc, codec, entities, faults, query
from quickbooks_connector.emulator.clock import Clock, iso_datetime
from quickbooks_connector.emulator.records import WriteContext, WriteOptions
from quickbooks_connector.emulator.store import LoggedResponse, Realm

BATCH_LIMIT = 30
IGNORED_IN_FINGERPRINT = {"requestid", "minorversion"}


@dataclass(frozen=True)
class ApiRequest:
	method: str
	parts: tuple[str, ...]  # path segments after /v3/company/{realmId}/
	params: dict[str, str]
	body: bytes

	def statement(self) -> str:
		"""A query's text: the ``query`` parameter of a GET, or the ``application/text`` body of a POST."""
		if self.method == "GET":
			return self.params.get("query", "")
		return self.body.decode("utf-8", errors="replace")

	def fingerprint(self) -> str:
		params = sorted((k, v) for k, v in self.params.items() if k not in IGNORED_IN_FINGERPRINT)
		digest = hashlib.sha256(f"{self.method} {'/'.join(self.parts)} {params}".encode())
		digest.update(self.body)
		return digest.hexdigest()


class AccountingAPI:
	def __init__(self, clock: Clock) -> None:
		self.clock = clock

	def handle(self, realm: Realm, request: ApiRequest) -> tuple[int, Any]:
		"""(status, body) of one call; faults are raised as QBOFault."""
		request_id = request.params.get("requestid") if request.method == "POST" else None
		with realm.lock:
			if request_id:
				logged = realm.logged_response(request_id)
				if logged is not None:
					if logged.fingerprint != request.fingerprint():
						raise faults.duplicate_request(request_id)
					return logged.status, logged.body
			body = self._dispatch(realm, request)
			if request_id:
				realm.log_response(request_id, LoggedResponse(request.fingerprint(), 200, body))
			return 200, body

	def _dispatch(self, realm: Realm, request: ApiRequest) -> dict[str, Any]:
		head = request.parts[0].lower() if request.parts else ""
		method, size = request.method, len(request.parts)
		if head == "query" and size == 1 and method in ("GET", "POST"):
			return self._envelope("QueryResponse", query.run(realm, request.statement()))
		if head == "cdc" and size == 1 and method == "GET":
			responses = cdc.changes(realm, request.params, self.clock.now())
			return self._envelope("CDCResponse", [{"QueryResponse": responses}])
		if head == "batch" and size == 1 and method == "POST":
			return self._envelope("BatchItemResponse", self._batch(realm, request))
		if head == "companyinfo" and method == "GET" and request.parts[1:] == (realm.id,):
			return self._envelope("CompanyInfo", entities.read(realm, "CompanyInfo", "1"))
		if head == "preferences" and size == 1 and method == "GET":
			return self._envelope("Preferences", entities.read(realm, "Preferences", "1"))
		entity = entities.ENTITY_PATHS.get(head)
		if entity and size == 2 and method == "GET":
			return self._envelope(entity, entities.read(realm, entity, request.parts[1]))
		if entity and size == 1 and method == "POST":
			payload = _json_object(request.body)
			return self._envelope(entity, self._write(realm, entity, request.params, payload))
		raise faults.unsupported(f"Operation {method} /{'/'.join(request.parts)} is not supported.")

	def _write(self, realm: Realm, entity: str, params: dict[str, str], payload: dict[str, Any]) -> dict:
		operation = params.get("operation", "").lower()
		include = {part.strip().lower() for part in params.get("include", "").split(",")}
		options = WriteOptions(allow_duplicate_doc_number="allowduplicatedocnum" in include)
		ctx = WriteContext(realm, self.clock.now(), options)
		if operation == "delete":
			return entities.delete(ctx, entity, payload)
		if operation == "void":
			return entities.void(ctx, entity, payload, via="operation")
		if "void" in include and operation in ("", "update"):
			return entities.void(ctx, entity, payload, via="include")
		if operation == "update" or (operation == "" and payload.get("Id") not in (None, "")):
			return entities.update(ctx, entity, payload)
		if operation in ("", "create"):
			return entities.create(ctx, entity, payload)
		raise faults.unsupported(f"Operation {operation} is not supported.")

	def _batch(self, realm: Realm, request: ApiRequest) -> list[dict[str, Any]]:
		items = _json_object(request.body).get("BatchItemRequest")
		if not isinstance(items, list) or not items:
			raise faults.required("BatchItemRequest")
		if len(items) > BATCH_LIMIT:
			raise faults.batch_too_large(len(items), BATCH_LIMIT)
		bids = [item.get("bId") if isinstance(item, dict) else None for item in items]
		if any(bid in (None, "") for bid in bids):
			raise faults.required("bId")
		if len(set(bids)) != len(bids):
			raise faults.invalid_property("bId values must be unique within a batch", "bId")
		return [self._batch_item(realm, item, request.params) for item in items]

	def _batch_item(self, realm: Realm, item: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
		bid = item["bId"]
		try:
			if "Query" in item:
				return {"bId": bid, "QueryResponse": query.run(realm, str(item["Query"]))}
			entity, payload = _batch_entity(item)
			operation = str(item.get("operation") or "").lower()
			if operation not in ("create", "update", "delete"):
				raise faults.invalid_enum("operation", item.get("operation"))
			item_params = {**params, "operation": operation}
			if str(item.get("optionsData") or "").lower() == "void":
				item_params = _void_params(entity, params)
			return {"bId": bid, entity: self._write(realm, entity, item_params, payload)}
		except faults.QBOFault as fault:
			return {"bId": bid, "Fault": fault.fault()}

	def _envelope(self, key: str, value: Any) -> dict[str, Any]:
		return {key: value, "time": iso_datetime(self.clock.now(), milliseconds=True)}


def _void_params(entity: str, params: dict[str, str]) -> dict[str, str]:
	"""Batch voids are ``update`` + ``optionsData: void``; run them the way the entity is voided directly."""
	if entities.SPECS[entity].void_via == "operation":
		return {**params, "operation": "void"}
	return {**params, "operation": "update", "include": "void"}


def _batch_entity(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
	for key, value in item.items():
		if key in entities.SPECS and isinstance(value, dict):
			return key, value
	raise faults.invalid_property("The batch item names no supported entity", "BatchItemRequest")


def _json_object(body: bytes) -> dict[str, Any]:
	try:
		payload = codec.loads(body or b"{}")
	except (ValueError, UnicodeDecodeError):
		raise faults.invalid_property("The request body is not valid JSON")
	if not isinstance(payload, dict):
		raise faults.invalid_property("The request body must be a JSON object")
	return payload
