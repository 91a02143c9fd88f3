"""The emulator behind the HTTP socket: routing to OAuth, the Accounting API and the admin endpoints, plus
the gateway behaviour in front of the Accounting API (injected faults, bearer check, throttles, latency).

Order for ``/v3/company/{realmId}/...``: injected error/throttle fault → bearer check (401/403) → per-minute
limits (429 + ``Retry-After``) → concurrency limit (429) → latency (a batch's growing with its operations) → the
call itself → an injected "drop" closes the connection after the call has been committed. Every response gets an ``intuit_tid`` header.
``/app/...`` serves read-only record pages in place of the QuickBooks web app (see pages.py);
``/attachments/...`` serves attachment downloads behind signed, expiring links (see attachments.py).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from quickbooks_connector.emulator import attachments, codec, control, faults, pages
from quickbooks_connector.emulator.api import AccountingAPI, ApiRequest, RawResult
from quickbooks_connector.emulator.clock import Clock, iso_datetime
from quickbooks_connector.emulator.company import CompanySettings
from quickbooks_connector.emulator.entities import setup_company
from quickbooks_connector.emulator.limits import (
	ConcurrencyGate,
	FaultInjector,
	FaultRule,
	RuntimeConfig,
	SlidingWindow,
	Stats,
)
from quickbooks_connector.emulator.messages import Request, Response, json_response
from quickbooks_connector.emulator.oauth import OAuthError, OAuthServer
from quickbooks_connector.emulator.store import StateFile, Store
from quickbooks_connector.emulator.webhooks import WebhookSender

logger = logging.getLogger(__name__)

DEFAULT_CLIENT_ID = "emulator-client-id"
DEFAULT_CLIENT_SECRET = "emulator-client-secret"
AUTHORIZE_PATH = "/connect/oauth2"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"
REVOKE_PATH = "/v2/oauth2/tokens/revoke"
COMPANY_PREFIX = "/v3/company/"
ADMIN_PREFIX = "/__emulator__/"
STATE_VERSION = 1


class Emulator:
	def __init__(self, client_id: str, client_secret: str, state_path: Path | None = None) -> None:
		self.clock = Clock()
		self.config = RuntimeConfig()
		self.stats = Stats()
		self.webhooks = WebhookSender(self.clock.now, self.stats.event)
		self.store = Store(
			bootstrap=lambda realm: setup_company(realm, self.clock.now()), listener=self.webhooks.record
		)
		self.oauth = OAuthServer(client_id, client_secret, self.clock, self.config.get)
		self.api = AccountingAPI(self.clock)
		self.faults = FaultInjector()
		self.request_window = SlidingWindow()
		self.batch_window = SlidingWindow()
		self.concurrency = ConcurrencyGate()
		self.state = StateFile(state_path, self.snapshot) if state_path else None

	# Life cycle

	def start(self) -> None:
		if self.state is not None:
			data = self.state.load()
			if data is not None:
				self.restore(data)
			self.state.start()

	def stop(self) -> None:
		self.webhooks.stop()
		if self.state is not None:
			self.state.stop()

	def reset(self) -> None:
		self.webhooks.remove()
		self.store.clear()
		self.oauth.reset()
		self.config.reset()
		self.faults.clear()
		self.stats.reset()
		self.request_window.clear()
		self.batch_window.clear()
		self.clock.reset()
		self.changed()

	def create_realm(self, settings: CompanySettings) -> str:
		realm = self.store.create_realm(settings)
		self.changed()
		return realm.id

	def changed(self) -> None:
		if self.state is not None:
			self.state.mark_dirty()

	def snapshot(self) -> dict[str, Any]:
		return {
			"version": STATE_VERSION,
			"clock_offset": self.clock.offset,
			"realms": self.store.to_json(),
			"oauth": self.oauth.to_json(),
		}

	def restore(self, data: dict[str, Any]) -> None:
		if data.get("version") != STATE_VERSION:
			raise ValueError(f"unsupported emulator state file version {data.get('version')!r}")
		self.clock.reset()
		self.clock.advance(float(data["clock_offset"]))
		self.store.load_json(data["realms"])
		self.oauth.load_json(data["oauth"])

	# Requests

	def handle(self, request: Request) -> Response:
		try:
			response = self._route(request)
		except faults.QBOFault as fault:
			response = self._fault_response(fault)
		except Exception:
			logger.exception("emulator bug while handling %s %s", request.method, request.target)
			response = self._fault_response(faults.system_failure(500))
		response.headers.setdefault("intuit_tid", str(uuid.uuid4()))
		if response.drop:
			self.stats.event("dropped")
		return response

	def _route(self, request: Request) -> Response:
		path = request.path
		if path.startswith(ADMIN_PREFIX):
			return control.handle(self, request, path[len(ADMIN_PREFIX) :])
		if path.startswith(COMPANY_PREFIX):
			realm_id, _, rest = path[len(COMPANY_PREFIX) :].partition("/")
			return self._company_call(request, realm_id, tuple(part for part in rest.split("/") if part))
		if path.startswith(attachments.DOWNLOAD_PREFIX) and request.method == "GET":
			return self._download(request, path[len(attachments.DOWNLOAD_PREFIX) :])
		if path.startswith(pages.PAGE_PREFIX) and request.method == "GET":
			return pages.render(self.store, path[len(pages.PAGE_PREFIX) :], request.params)
		if path == AUTHORIZE_PATH and request.method == "GET":
			return self._oauth_call(request, self._authorize)
		if path == TOKEN_PATH and request.method == "POST":
			return self._oauth_call(request, self._token)
		if path == REVOKE_PATH and request.method == "POST":
			return self._oauth_call(request, self._revoke)
		return json_response(404, {"error": "not_found", "error_description": f"No route for {path}"})

	def _download(self, request: Request, rest: str) -> Response:
		"""A TempDownloadUri: the attachment's bytes, no bearer token (the signed link is the credential)."""
		realm_id, _, object_id = rest.partition("/")
		realm = self.store.get(realm_id)
		if realm is None or not attachments.check_download(
			realm_id, object_id, request.params, self.clock.now()
		):
			return Response(403, b"The link is invalid or has expired.", {"Content-Type": "text/plain"})
		with realm.lock:
			obj, data = realm.get("Attachable", object_id), realm.files.get(object_id)
		if obj is None or data is None:
			return Response(404, b"No such attachment.", {"Content-Type": "text/plain"})
		headers = {
			"Content-Type": obj.get("ContentType") or "application/octet-stream",
			"Content-Disposition": f'attachment; filename="{obj.get("FileName") or "attachment"}"',
		}
		return Response(200, data, headers)

	# OAuth endpoints

	def _oauth_call(self, request: Request, endpoint: Callable[[Request], Response]) -> Response:
		self.stats.request(None, f"{request.method} {request.path}")
		early = self._injected_fault(request, None)
		if isinstance(early, Response):
			return early
		try:
			response = endpoint(request)
		except OAuthError as error:
			return json_response(error.status, error.body())
		self.changed()
		response.drop = early is not None and early.action == "drop"
		return response

	def _authorize(self, request: Request) -> Response:
		realm_id = request.params.get("realm_id", "")
		if not self.store.get(realm_id):
			realm_id = self.create_realm(CompanySettings())
		location = self.oauth.authorize(request.params, realm_id)
		return Response(302, b"", {"Location": location})

	def _token(self, request: Request) -> Response:
		form = dict(parse_qsl(request.body.decode("utf-8", errors="replace")))
		want_hard = (request.headers.get("x-include-refresh-token-hard-expires-in") or "").lower() == "true"
		tokens = self.oauth.token(request.headers.get("Authorization"), form, want_hard)
		return json_response(200, tokens, {"Cache-Control": "no-store", "Pragma": "no-cache"})

	def _revoke(self, request: Request) -> Response:
		try:
			payload = codec.loads(request.body or b"{}")
		except ValueError:
			payload = dict(parse_qsl(request.body.decode("utf-8", errors="replace")))
		token = payload.get("token") if isinstance(payload, dict) else None
		if not token:
			raise OAuthError(400, "invalid_request", "token is required")
		self.oauth.revoke(request.headers.get("Authorization"), str(token))
		return Response(200)

	# Accounting API

	def _company_call(self, request: Request, realm_id: str, parts: tuple[str, ...]) -> Response:
		head = parts[0].lower() if parts else ""
		self.stats.request(realm_id, f"{request.method} {head}")
		early = self._injected_fault(request, realm_id)
		if isinstance(early, Response):
			return early
		self.oauth.check_bearer(request.headers.get("Authorization"), realm_id)
		realm = self.store.get(realm_id)
		if realm is None:
			raise faults.wrong_realm()
		config = self.config.get(realm_id)
		self._throttle(realm_id, head, config)
		if not self.concurrency.enter(realm_id, config["max_concurrent"]):
			self.stats.event("throttled", realm_id)
			raise faults.throttled(1)
		try:
			_sleep_ms(
				config["latency_ms"]
				+ (early.latency_ms if early else 0)
				+ (config["batch_item_latency_ms"] * _batch_size(request.body) if head == "batch" else 0)
			)
			api_request = ApiRequest(
				request.method,
				parts,
				request.params,
				request.body,
				request.headers.get("Content-Type") or "application/json",
				f"http://{request.headers.get('Host') or 'localhost'}",
			)
			status, body = self.api.handle(realm, api_request)
		finally:
			self.concurrency.leave(realm_id)
		if request.method == "POST":
			self.changed()
		if isinstance(body, RawResult):
			response = Response(status, body.encode(), {"Content-Type": "text/plain;charset=UTF-8"})
		else:
			response = json_response(status, body)
		response.drop = early is not None and early.action == "drop"
		return response

	def _throttle(self, realm_id: str, head: str, config: dict[str, float]) -> None:
		now, window = self.clock.now(), config["rate_window_seconds"]
		retry_after = self.request_window.hit(realm_id, config["rate_limit_per_minute"], window, now)
		if retry_after is None and head == "batch":
			retry_after = self.batch_window.hit(realm_id, config["batch_per_minute"], window, now)
		if retry_after is not None:
			self.stats.event("throttled", realm_id)
			raise faults.throttled(retry_after)

	def _injected_fault(self, request: Request, realm_id: str | None) -> Response | FaultRule | None:
		"""A ready response for error/throttle faults, the rule for drop/latency faults, or None."""
		rule = self.faults.take(request.method, request.target, realm_id)
		if rule is None:
			return None
		self.stats.event("faults_injected")
		if rule.action in ("error", "throttle"):
			status = 429 if rule.action == "throttle" else rule.status
			if status == 429:
				self.stats.event("throttled", realm_id)
			return self._fault_response(
				faults.injected(status, rule.retry_after), as_xml=rule.format == "xml"
			)
		if rule.action == "latency" and not request.path.startswith(COMPANY_PREFIX):
			_sleep_ms(rule.latency_ms)
		return rule

	def _fault_response(self, fault: faults.QBOFault, as_xml: bool = False) -> Response:
		now = self.clock.now()
		if as_xml:
			xml = fault.xml(iso_datetime(now, milliseconds=True))
			return Response(
				fault.status, xml, {"Content-Type": "application/xml;charset=UTF-8", **fault.headers}
			)
		body = fault.body(iso_datetime(now, milliseconds=True), int(now * 1000))
		return json_response(fault.status, body, fault.headers)


def _batch_size(body: bytes | None) -> int:
	"""How many operations a batch request carries (0 when it is unreadable: the API answers that)."""
	try:
		items = json.loads(body or b"{}").get("BatchItemRequest")
	except (ValueError, AttributeError):
		return 0
	return len(items) if isinstance(items, list) else 0


def _sleep_ms(milliseconds: float) -> None:
	if milliseconds > 0:
		time.sleep(milliseconds / 1000)
