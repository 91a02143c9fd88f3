"""Webhook notifications as Intuit sends them (qbo-api.md §7), for every change the emulator records: writes
through the API (by the connector or by "someone else"), voids, deletes, admin seeding.

Reproduced: one subscription per realm (endpoint URL and Verifier Token, set through ``POST
/__emulator__/webhooks``); the body is the legacy ``{"eventNotifications": [{"realmId", "dataChangeEvent":
{"entities": [...]}}]}`` or, with ``format: "cloudevents"``, a CloudEvents array (``type``
``qbo.<entity>.<verb>.v1``, ``intuitaccountid``, ``intuitentityid``); headers ``intuit-signature`` (base64
HMAC-SHA256 of the raw body keyed by the Verifier Token), ``intuit-created-time``, ``intuit-t-id``; events of one
realm are batched into one notification (after ``batch_seconds`` of the emulator clock, 0 by default, as
the sandbox's near-real-time delivery); anything but a 2xx answer within ``timeout_seconds`` (3 s, Intuit's limit)
is a failure, retried after 0 s, 10 s, 20 s, 30 s, 5 min, 20 min, 2 h, 4 h, 6 h, then every 6 h, measured on the
emulator clock and multiplied by ``retry_scale`` (tests use small scales, or advance the clock); the queue is in
order: events recorded meanwhile wait behind the failing notification, in the next one.

[U] Intuit does not document whether applying a payment notifies an Update of the invoice whose balance it
changes; the emulator notifies every record it changes (and its CDC returns them), the invoice included. [U] The
CloudEvents verbs other than ``created``, the ``source`` value and whether production still aggregates for minutes
are not confirmed; ``lastUpdated`` is written ``2015-10-05T14:42:19-0800`` as in Intuit's legacy sample. Only the
entities Intuit lists for webhooks notify (``COVERED``). Subscriptions are not kept in the state file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

import requests

from quickbooks_connector.emulator.clock import PACIFIC, iso_datetime

RETRY_DELAYS = (0, 10, 20, 30, 300, 1200, 7200, 14400, 21600)
THEN_EVERY = 21600
POLL_SECONDS = 0.05
LOG_SIZE = 500
FORMATS = ("legacy", "cloudevents")
COVERED = frozenset(
	(
		"Account Bill BillPayment Class CreditMemo Customer Department Deposit Employee Estimate Invoice Item "
		"JournalEntry Payment PaymentMethod Preferences Purchase PurchaseOrder RefundReceipt SalesReceipt "
		"TaxAgency Term TimeActivity Transfer Vendor VendorCredit"
	).split()
)
_VERBS = {"Create": "created", "Update": "updated", "Delete": "deleted", "Merge": "merged", "Void": "voided"}


@dataclass
class Subscription:
	url: str
	verifier_token: str
	format: str = "legacy"
	enabled: bool = True
	batch_seconds: float = 0.0
	retry_scale: float = 1.0
	timeout_seconds: float = 3.0

	def public(self) -> dict[str, Any]:
		"""The settings without the token (admin answers never echo it)."""
		return {
			**{key: value for key, value in asdict(self).items() if key != "verifier_token"},
			"token_set": True,
		}


@dataclass(frozen=True)
class Event:
	entity: str
	id: str
	operation: str
	at: float


@dataclass
class Notification:
	events: list[Event]
	attempts: int = 0
	next_at: float = 0.0
	body: bytes = b""


@dataclass
class _Realm:
	subscription: Subscription
	queue: deque[Event] = field(default_factory=deque)
	inflight: Notification | None = None


class WebhookSender:
	def __init__(self, now: Callable[[], float], on_event: Callable[[str], None] | None = None) -> None:
		self._now = now
		self._on_event = on_event or (lambda name: None)
		self._realms: dict[str, _Realm] = {}
		self._lock = threading.RLock()
		self._deliver_lock = threading.Lock()  # one delivery pass at a time: notifications stay in order
		self._wake = threading.Event()
		self._stopped = threading.Event()
		self._thread: threading.Thread | None = None
		self._session = requests.Session()
		self.log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)

	# Configuration

	def configure(self, realm_id: str, settings: dict[str, Any]) -> dict[str, Any]:
		with self._lock:
			current = self._realms.get(realm_id)
			values = {**asdict(current.subscription), **settings} if current else dict(settings)
			subscription = _subscription(values)
			if current:
				current.subscription = subscription
			else:
				self._realms[realm_id] = _Realm(subscription)
		self._start()
		return subscription.public()

	def remove(self, realm_id: str | None = None) -> None:
		with self._lock:
			if realm_id is None:
				self._realms.clear()
			else:
				self._realms.pop(realm_id, None)

	def status(self, realm_id: str | None = None) -> dict[str, Any]:
		with self._lock:
			realms = {
				key: {
					**state.subscription.public(),
					"queued": len(state.queue),
					"failing": _failing(state.inflight),
				}
				for key, state in self._realms.items()
				if realm_id in (None, key)
			}
			log = [entry for entry in self.log if realm_id in (None, entry["realm_id"])]
		return {"subscriptions": realms, "deliveries": log}

	# Changes (called with the realm's lock held: only queue here, never send)

	def record(self, realm_id: str, entity: str, object_id: str, operation: str, at: float) -> None:
		if entity not in COVERED:
			return
		with self._lock:
			state = self._realms.get(realm_id)
			if state is None or not state.subscription.enabled:
				return
			state.queue.append(Event(entity, object_id, operation, at))
		self._wake.set()

	# Delivery

	def deliver_due(self, force: bool = False) -> int:
		"""Sends what is due now (everything queued or waiting for a retry with ``force``); how many notifications
		were answered 2xx."""
		delivered = 0
		with self._deliver_lock:
			for realm_id in self._realm_ids():
				while True:
					notification, subscription = self._next(realm_id, force)
					if notification is None:
						break
					if not self._attempt(realm_id, notification, subscription):
						break
					delivered += 1
		return delivered

	def _realm_ids(self) -> list[str]:
		with self._lock:
			return list(self._realms)

	def _next(self, realm_id: str, force: bool) -> tuple[Notification | None, Subscription | None]:
		with self._lock:
			state = self._realms.get(realm_id)
			if state is None or not state.subscription.enabled:
				return None, None
			now = self._now()
			if state.inflight is None:
				if not state.queue or (
					not force and now < state.queue[0].at + state.subscription.batch_seconds
				):
					return None, None
				events = list(state.queue)
				state.queue.clear()
				state.inflight = Notification(events, body=_body(realm_id, events, state.subscription.format))
			elif not force and now < state.inflight.next_at:
				return None, None
			return state.inflight, state.subscription

	def _attempt(self, realm_id: str, notification: Notification, subscription: Subscription) -> bool:
		headers = {
			"Content-Type": "application/json",
			"intuit-signature": sign(notification.body, subscription.verifier_token),
			"intuit-created-time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
			"intuit-t-id": str(uuid.uuid4()),
		}
		status, error = None, None
		try:
			response = self._session.post(
				subscription.url,
				data=notification.body,
				headers=headers,
				timeout=subscription.timeout_seconds,
			)
			status = response.status_code
		except requests.RequestException as failure:
			error = type(failure).__name__
		ok = status is not None and 200 <= status < 300
		with self._lock:
			notification.attempts += 1
			if ok:
				state = self._realms.get(realm_id)
				if state is not None and state.inflight is notification:
					state.inflight = None
			else:
				delay = RETRY_DELAYS[min(notification.attempts - 1, len(RETRY_DELAYS) - 1)]
				if notification.attempts > len(RETRY_DELAYS):
					delay = THEN_EVERY
				notification.next_at = self._now() + delay * subscription.retry_scale
			self.log.append(
				{
					"realm_id": realm_id,
					"at": iso_datetime(self._now(), milliseconds=True),
					"attempt": notification.attempts,
					"events": len(notification.events),
					"status": status,
					"error": error,
					"ok": ok,
				}
			)
		self._on_event("webhooks_delivered" if ok else "webhook_failures")
		return ok

	# Thread

	def _start(self) -> None:
		with self._lock:
			if self._thread is not None and self._thread.is_alive():
				return
			self._stopped.clear()
			self._thread = threading.Thread(target=self._run, name="emulator-webhooks", daemon=True)
			self._thread.start()

	def stop(self) -> None:
		self._stopped.set()
		self._wake.set()
		if self._thread is not None:
			self._thread.join(timeout=10)
		self._thread = None

	def _run(self) -> None:
		while not self._stopped.is_set():
			self._wake.wait(POLL_SECONDS)
			self._wake.clear()
			if self._stopped.is_set():
				return
			try:
				self.deliver_due()
			except Exception:  # a delivery bug must not stop later deliveries
				self._on_event("webhook_errors")


def sign(body: bytes, verifier_token: str) -> str:
	return base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()).decode()


def _subscription(values: dict[str, Any]) -> Subscription:
	unknown = set(values) - set(Subscription.__dataclass_fields__)
	if unknown:
		raise ValueError(f"unknown webhook settings: {sorted(unknown)}")
	if not str(values.get("url") or "").startswith(("http://", "https://")):
		raise ValueError("url must be an http(s) URL")
	if not values.get("verifier_token"):
		raise ValueError("verifier_token is required")
	if values.get("format", "legacy") not in FORMATS:
		raise ValueError(f"format must be one of {FORMATS}")
	for key in ("batch_seconds", "retry_scale", "timeout_seconds"):
		if key in values and (isinstance(values[key], bool) or float(values[key]) < 0):
			raise ValueError(f"{key} must be a number >= 0")
	return Subscription(
		url=str(values["url"]),
		verifier_token=str(values["verifier_token"]),
		format=str(values.get("format", "legacy")),
		enabled=bool(values.get("enabled", True)),
		batch_seconds=float(values.get("batch_seconds", 0.0)),
		retry_scale=float(values.get("retry_scale", 1.0)),
		timeout_seconds=float(values.get("timeout_seconds", 3.0)) or 3.0,
	)


def _failing(notification: Notification | None) -> dict[str, Any] | None:
	if notification is None or not notification.attempts:
		return None
	return {"attempts": notification.attempts, "events": len(notification.events)}


def _body(realm_id: str, events: list[Event], form: str) -> bytes:
	if form == "cloudevents":
		data: Any = [_cloud_event(realm_id, event) for event in events]
	else:
		entities = [
			{
				"name": event.entity,
				"id": event.id,
				"operation": event.operation,
				"lastUpdated": _legacy_time(event.at),
			}
			for event in events
		]
		data = {"eventNotifications": [{"realmId": realm_id, "dataChangeEvent": {"entities": entities}}]}
	return json.dumps(data, separators=(",", ":")).encode()


def _cloud_event(realm_id: str, event: Event) -> dict[str, Any]:
	moment = datetime.fromtimestamp(event.at, timezone.utc).isoformat(timespec="microseconds")
	return {
		"specversion": "1.0",
		"id": str(uuid.uuid4()),
		"source": "intuit.emulator",
		"type": f"qbo.{event.entity.lower()}.{_VERBS.get(event.operation, event.operation.lower())}.v1",
		"datacontenttype": "application/json",
		"time": moment.replace("+00:00", "Z"),
		"intuitentityid": event.id,
		"intuitaccountid": realm_id,
		"data": {},
	}


def _legacy_time(at: float) -> str:
	return datetime.fromtimestamp(at, PACIFIC).strftime("%Y-%m-%dT%H:%M:%S%z")
