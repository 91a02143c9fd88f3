"""The Accounting API under ``/v3/company/{realmId}/``: routing, request-id replay and batch (qbo-api.md §2, §5).

Paths: ``{entity}`` (POST create/update, ``?operation=delete|void``, ``?operation=update&include=void``,
``include=allowduplicatedocnum``), ``{entity}/{id}`` (GET), ``query`` (GET ``?query=`` or POST with the
statement as an ``application/text`` body), ``cdc``, ``batch``, ``companyinfo/{realmId}`` (GET) and
``companyinfo`` (POST), ``preferences`` (GET, POST), ``exchangerate`` (GET ``?sourcecurrencycode=&asofdate=``,
POST), ``taxservice/taxcode`` (POST), ``reports/{Name}`` (GET, see reports.py: answered bare, no ``time``),
``upload`` (multipart POST) and ``download/{id}`` (GET, a text/plain link). Every success is HTTP 200 with
``{"<Entity>": {...}, "time": ...}`` (taxservice answers its object bare, upload
``{"AttachableResponse": [...]}``, as Intuit's do); ``minorversion`` below 75 or missing is treated as 75
(nothing depends on it). ``include=invoiceLink`` adds a generated ``InvoiceLink`` to invoices that have a
BillEmail address and allow online payment. ``/{entity}/{id}/pdf`` and ``/send`` are not emulated (500).

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

from quickbooks_connector.emulator import (
	attachments,
	cdc,
	codec,
	currencies,
	entities,
	faults,
	preferences,
	query,
	reports,
	taxservice,
)
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
	content_type: str = "application/json"
	base_url: str = ""  # scheme and host the client used (for links the emulator hands out)

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
		now = self.clock.now()
		if head == "query" and size == 1 and method in ("GET", "POST"):
			response = query.run(realm, request.statement())
			return self._envelope("QueryResponse", self._present_query(realm, response, request))
		if head == "cdc" and size == 1 and method == "GET":
			responses = cdc.changes(realm, request.params, now)
			return self._envelope(
				"CDCResponse", [{"QueryResponse": self._present_cdc(realm, responses, request)}]
			)
		if head == "batch" and size == 1 and method == "POST":
			return self._envelope("BatchItemResponse", self._batch(realm, request))
		if head == "companyinfo" and method == "GET" and request.parts[1:] == (realm.id,):
			return self._envelope("CompanyInfo", entities.read(realm, "CompanyInfo", "1"))
		if head == "companyinfo" and size == 1 and method == "POST":
			return self._envelope(
				"CompanyInfo",
				preferences.update_company_info(self._ctx(realm, request), _json_object(request.body)),
			)
		if head == "preferences" and size == 1 and method == "GET":
			return self._envelope("Preferences", entities.read(realm, "Preferences", "1"))
		if head == "preferences" and size == 1 and method == "POST":
			body = _json_object(request.body)
			return self._envelope("Preferences", preferences.update(self._ctx(realm, request), body))
		if head == "exchangerate" and size == 1 and method == "GET":
			rate = currencies.read_rate(realm, _lower_keys(request.params), WriteContext(realm, now).today())
			return self._envelope("ExchangeRate", entities.present(realm, "ExchangeRate", rate))
		if head == "exchangerate" and size == 1 and method == "POST":
			rate = currencies.write_rate(self._ctx(realm, request), _json_object(request.body))
			return self._envelope("ExchangeRate", entities.present(realm, "ExchangeRate", rate))
		if (
			head == "taxservice"
			and request.parts[1:]
			and request.parts[1].lower() == "taxcode"
			and method == "POST"
		):
			return taxservice.create_tax_code(
				self._ctx(realm, request), _json_object(request.body), entities.insert
			)
		if head == "reports" and size == 2 and method == "GET":
			return reports.run(realm, request.parts[1], request.params, now)
		if head == "upload" and size == 1 and method == "POST":
			return self._envelope("AttachableResponse", self._upload(realm, request))
		if head == "download" and size == 2 and method == "GET":
			attachable = entities.read(realm, "Attachable", request.parts[1])
			if not attachable.get("_HasFile"):
				raise faults.not_found(f"Attachable {attachable['Id']} has no file.")
			return RawResult(attachments.download_link(request.base_url, realm.id, attachable["Id"], now))
		entity = entities.ENTITY_PATHS.get(head)
		if entity and size == 2 and method == "GET":
			obj = entities.read(realm, entity, request.parts[1])
			return self._envelope(entities.json_name(entity), self._present(realm, entity, obj, request))
		if entity and size == 1 and method == "POST":
			payload = _json_object(request.body)
			obj = self._write(realm, entity, request.params, payload)
			return self._envelope(entities.json_name(entity), self._present(realm, entity, obj, request))
		if (
			head in ("invoice", "salesreceipt", "estimate", "creditmemo", "refundreceipt", "purchaseorder")
			and size == 3
		):
			raise faults.unsupported(
				f"Operation {method} /{'/'.join(request.parts)} (PDF and e-mail) is not emulated."
			)
		raise faults.unsupported(f"Operation {method} /{'/'.join(request.parts)} is not supported.")

	def _ctx(self, realm: Realm, request: ApiRequest) -> WriteContext:
		return WriteContext(realm, self.clock.now())

	def _present(self, realm: Realm, entity: str, obj: dict[str, Any], request: ApiRequest) -> dict[str, Any]:
		if obj.get("status") == "Deleted":
			return obj
		shown = entities.present(realm, entity, obj, request.base_url, self.clock.now())
		if entity == "Invoice" and "invoicelink" in _includes(request.params):
			shown = _with_invoice_link(realm, shown)
		return shown

	def _present_query(self, realm: Realm, response: dict[str, Any], request: ApiRequest) -> dict[str, Any]:
		for entity in entities.PRESENTED:
			if entity in response:
				response = {
					**response,
					entity: [self._present(realm, entity, obj, request) for obj in response[entity]],
				}
		for entity, name in entities.JSON_NAMES.items():
			if entity in response:
				response = {name if key == entity else key: value for key, value in response.items()}
		return response

	def _present_cdc(self, realm: Realm, responses: list[dict[str, Any]], request: ApiRequest) -> list[dict]:
		return [self._present_query(realm, response, request) for response in responses]

	def _upload(self, realm: Realm, request: ApiRequest) -> list[dict[str, Any]]:
		parts = attachments.parse_multipart(request.content_type, request.body)
		pairs = attachments.upload_pairs(parts)
		if not pairs:
			raise faults.required("file_content_01")
		answers = []
		for metadata, content in pairs:
			try:
				obj = self._upload_one(realm, metadata, content)
				answers.append({"Attachable": self._present(realm, "Attachable", obj, request)})
			except faults.QBOFault as fault:
				answers.append({"Fault": fault.fault()})
		return answers

	def _upload_one(self, realm: Realm, metadata: dict | None, content: dict | None) -> dict[str, Any]:
		body: dict[str, Any] = {}
		if metadata is not None:
			try:
				body = codec.loads(metadata["data"] or b"{}")
			except (ValueError, UnicodeDecodeError):
				raise faults.invalid_property("file_metadata is not valid JSON")
			if not isinstance(body, dict):
				raise faults.invalid_property("file_metadata must be a JSON object")
			body = body.get("Attachable", body) if isinstance(body.get("Attachable"), dict) else body
		ctx = WriteContext(realm, self.clock.now())
		if content is None:
			return (
				entities.update(ctx, "Attachable", body)
				if body.get("Id")
				else entities.create(ctx, "Attachable", body)
			)
		data = content["data"]
		file_fields = {
			"FileName": body.get("FileName") or content["filename"] or "attachment",
			"ContentType": body.get("ContentType") or content["content_type"],
		}
		attachments.check_file(file_fields["FileName"], file_fields["ContentType"], len(data))
		if body.get("Id"):
			obj = entities.update(ctx, "Attachable", {**body, **file_fields, "sparse": True})
		else:
			obj = entities.create(ctx, "Attachable", {**body, **file_fields})
		stored = {**obj, **file_fields, "Size": len(data), "_HasFile": True}
		realm.put("Attachable", stored, ctx.now)
		realm.files[obj["Id"]] = data
		return stored

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
		if operation == "update" or (
			operation == "" and entities.identity(entity, payload).get("Id") not in (None, "")
		):
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
		return [self._batch_item(realm, item, request) for item in items]

	def _batch_item(self, realm: Realm, item: dict[str, Any], request: ApiRequest) -> dict[str, Any]:
		bid, params = item["bId"], request.params
		try:
			if "Query" in item:
				response = query.run(realm, str(item["Query"]))
				return {"bId": bid, "QueryResponse": self._present_query(realm, response, request)}
			entity, payload = _batch_entity(item)
			operation = str(item.get("operation") or "").lower()
			if operation not in ("create", "update", "delete"):
				raise faults.invalid_enum("operation", item.get("operation"))
			item_params = {**params, "operation": operation}
			if str(item.get("optionsData") or "").lower() == "void":
				item_params = _void_params(entity, params)
			obj = self._write(realm, entity, item_params, payload)
			return {"bId": bid, entities.json_name(entity): self._present(realm, entity, obj, request)}
		except faults.QBOFault as fault:
			return {"bId": bid, "Fault": fault.fault()}

	def _envelope(self, key: str, value: Any) -> dict[str, Any]:
		return {key: value, "time": iso_datetime(self.clock.now(), milliseconds=True)}


class RawResult(str):
	"""A plain-text answer (``GET /download/<id>`` answers a link, not JSON)."""


def _includes(params: dict[str, str]) -> set[str]:
	return {part.strip().lower() for part in params.get("include", "").split(",") if part.strip()}


def _lower_keys(params: dict[str, str]) -> dict[str, str]:
	return {key.lower(): value for key, value in params.items()}


def _with_invoice_link(realm: Realm, invoice: dict[str, Any]) -> dict[str, Any]:
	"""``InvoiceLink`` (asked for with ``include=invoiceLink``): generated by QBO, never taken from the client,
	for an invoice with a BillEmail address and online payment allowed. The emulator's link has Intuit's shape
	but leads nowhere."""
	online = invoice.get("AllowOnlineCreditCardPayment") or invoice.get("AllowOnlineACHPayment")
	if (
		not online
		or not (invoice.get("BillEmail") or {}).get("Address")
		or invoice.get("status") == "Deleted"
	):
		return invoice
	token = hashlib.sha256(f"{realm.id}/{invoice['Id']}".encode()).hexdigest()[:48]
	link = f"https://connect.intuit.com/portal/app/CommerceNetwork/view/scs-v1-{token}?locale=en_US"
	return {**invoice, "InvoiceLink": link}


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
