"""Realms (QBO companies), their objects and id sequences, and persistence to a JSON state file.

Each realm has one re-entrant lock; every Accounting API call holds it for the whole operation, which makes
writes atomic (validate everything, then commit) and keeps request-id replay race free. Stored objects are
never mutated in place: a write stores a new dict, so a response built from stored objects stays consistent
while it is serialised outside the lock.

Ids are digit strings from per-realm sequences: name lists count separately, transactions share one
sequence (a ``TxnId`` is unique across transaction types, as in QBO). Objects without an ``Id`` of their own
(ExchangeRate) are keyed by a hidden ``_key``. Attachment contents live in ``files`` (base64 in the state
file). Deleted objects leave a tombstone
used for 610 faults and CDC ``Deleted`` stubs. ``changes`` keeps, per entity, ids in order of their last
change so CDC reads only the tail it needs.
"""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quickbooks_connector.emulator import codec
from quickbooks_connector.emulator.company import CompanySettings
from quickbooks_connector.emulator.indexes import RealmIndexes

TRANSACTION_ENTITIES = {
	"Invoice",
	"Bill",
	"Payment",
	"BillPayment",
	"CreditMemo",
	"VendorCredit",
	"JournalEntry",
	"SalesReceipt",
	"RefundReceipt",
	"Estimate",
	"PurchaseOrder",
	"Purchase",
	"Deposit",
	"Transfer",
	"CreditCardPayment",
	"RecurringTransaction",
}
REQUEST_LOG_SIZE = 10_000
FIRST_SALES_NUMBER = 1001


@dataclass
class LoggedResponse:
	"""A successful response kept for request-id replay."""

	fingerprint: str
	status: int
	body: Any


class Realm:
	def __init__(self, realm_id: str, settings: CompanySettings) -> None:
		self.id = realm_id
		self.settings = settings
		self.lock = threading.RLock()
		self.objects: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
		self.deleted: dict[str, dict[str, float]] = defaultdict(dict)
		self.voided: dict[str, set[str]] = defaultdict(set)
		self.changes: dict[str, dict[str, float]] = defaultdict(dict)
		self.sequences: dict[str, int] = {}
		self.next_sales_number = FIRST_SALES_NUMBER
		self.roles: dict[str, str] = {}  # "receivable", "default_terms", ... -> object Id
		self.indexes = RealmIndexes()
		self.responses: OrderedDict[str, LoggedResponse] = OrderedDict()
		self.versions: dict[str, int] = defaultdict(int)  # bumped on every change of an entity
		self.query_results: OrderedDict[Any, tuple[int, list[dict[str, Any]]]] = OrderedDict()  # see query.py
		self.files: dict[str, bytes] = {}  # Attachable Id -> uploaded content
		# Told of every change (realm id, entity, object id, Create/Update/Void/Delete, time): webhooks.py
		self.listener: Callable[[str, str, str, str, float], None] | None = None

	# Objects

	def next_id(self, entity: str) -> str:
		object_id = self.peek_id(entity)
		self.sequences[_sequence(entity)] = int(object_id)
		return object_id

	def peek_id(self, entity: str) -> str:
		"""The Id the next object of ``entity`` will get."""
		return str(self.sequences.get(_sequence(entity), 0) + 1)

	def get(self, entity: str, object_id: str) -> dict[str, Any] | None:
		return self.objects[entity].get(object_id)

	def all(self, entity: str) -> Iterator[dict[str, Any]]:
		return iter(self.objects[entity].values())

	def count(self, entity: str) -> int:
		return len(self.objects[entity])

	def is_deleted(self, entity: str, object_id: str) -> bool:
		return object_id in self.deleted[entity]

	def is_voided(self, entity: str, object_id: str) -> bool:
		return object_id in self.voided[entity]

	def put(self, entity: str, obj: dict[str, Any], changed_at: float, operation: str | None = None) -> None:
		key = object_key(obj)
		old = self.objects[entity].get(key)
		self.objects[entity][key] = obj
		self.indexes.update(entity, old, obj)
		self._touch(entity, key, changed_at)
		self._tell(entity, key, operation or ("Create" if old is None else "Update"), changed_at)

	def remove(self, entity: str, object_id: str, changed_at: float) -> None:
		old = self.objects[entity].pop(object_id)
		self.indexes.update(entity, old, None)
		self.deleted[entity][object_id] = changed_at
		self._touch(entity, object_id, changed_at)
		self._tell(entity, object_id, "Delete", changed_at)

	def changed_since(self, entity: str, since: float) -> list[tuple[str, float]]:
		"""(id, change time) of objects changed at or after ``since``, oldest first."""
		tail: list[tuple[str, float]] = []
		for object_id, changed_at in reversed(self.changes[entity].items()):
			if changed_at < since:
				break
			tail.append((object_id, changed_at))
		tail.reverse()
		return tail

	def _tell(self, entity: str, object_id: str, operation: str, changed_at: float) -> None:
		if self.listener is not None:
			self.listener(self.id, entity, object_id, operation, changed_at)

	def _touch(self, entity: str, object_id: str, changed_at: float) -> None:
		self.versions[entity] += 1
		changes = self.changes[entity]
		changes.pop(object_id, None)
		changes[object_id] = changed_at

	# Request-id log

	def logged_response(self, request_id: str) -> LoggedResponse | None:
		return self.responses.get(request_id)

	def log_response(self, request_id: str, response: LoggedResponse) -> None:
		self.responses[request_id] = response
		while len(self.responses) > REQUEST_LOG_SIZE:
			self.responses.popitem(last=False)

	# Persistence

	def to_json(self) -> dict[str, Any]:
		return {
			"settings": self.settings.to_json(),
			"objects": {entity: list(objects.values()) for entity, objects in self.objects.items()},
			"deleted": {entity: dict(tombstones) for entity, tombstones in self.deleted.items()},
			"voided": {entity: sorted(ids) for entity, ids in self.voided.items()},
			"changes": {entity: list(changes.items()) for entity, changes in self.changes.items()},
			"sequences": dict(self.sequences),
			"next_sales_number": self.next_sales_number,
			"roles": dict(self.roles),
			"responses": [[rid, r.fingerprint, r.status, r.body] for rid, r in self.responses.items()],
			"files": {object_id: base64.b64encode(data).decode() for object_id, data in self.files.items()},
		}

	@classmethod
	def from_json(cls, realm_id: str, data: dict[str, Any]) -> Realm:
		realm = cls(realm_id, CompanySettings.from_json(data["settings"]))
		for entity, objects in data["objects"].items():
			for obj in objects:
				realm.objects[entity][object_key(obj)] = obj
				realm.indexes.update(entity, None, obj)
		for entity, tombstones in data["deleted"].items():
			realm.deleted[entity].update({object_id: float(at) for object_id, at in tombstones.items()})
		for entity, ids in data["voided"].items():
			realm.voided[entity].update(ids)
		for entity, changes in data["changes"].items():
			realm.changes[entity].update((object_id, float(at)) for object_id, at in changes)
		realm.sequences = dict(data["sequences"])
		realm.next_sales_number = data["next_sales_number"]
		realm.roles = dict(data["roles"])
		for request_id, fingerprint, status, body in data["responses"]:
			realm.responses[request_id] = LoggedResponse(fingerprint, status, body)
		realm.files = {key: base64.b64decode(text) for key, text in data.get("files", {}).items()}
		return realm


def object_key(obj: dict[str, Any]) -> str:
	return obj.get("Id") or obj["_key"]


def _sequence(entity: str) -> str:
	return "Txn" if entity in TRANSACTION_ENTITIES else entity


class Store:
	"""All realms. ``bootstrap`` fills a new realm like a new QBO company (see entities.setup_company)."""

	def __init__(
		self,
		bootstrap: Callable[[Realm], None],
		listener: Callable[[str, str, str, str, float], None] | None = None,
	) -> None:
		self._bootstrap = bootstrap
		self._listener = listener
		self._realms: dict[str, Realm] = {}
		self._lock = threading.Lock()

	def create_realm(self, settings: CompanySettings) -> Realm:
		with self._lock:
			realm_id = self._new_realm_id()
			realm = Realm(realm_id, settings)
			self._realms[realm_id] = realm
		try:
			with realm.lock:
				self._bootstrap(realm)
				realm.listener = self._listener  # a new company's own set-up notifies nobody
		except Exception:
			with self._lock:
				self._realms.pop(realm_id, None)
			raise
		return realm

	def get(self, realm_id: str) -> Realm | None:
		return self._realms.get(realm_id)

	def realms(self) -> list[Realm]:
		with self._lock:
			return list(self._realms.values())

	def clear(self) -> None:
		with self._lock:
			self._realms.clear()

	def to_json(self) -> dict[str, Any]:
		snapshot = {}
		for realm in self.realms():
			with realm.lock:
				snapshot[realm.id] = realm.to_json()
		return snapshot

	def load_json(self, data: dict[str, Any]) -> None:
		with self._lock:
			self._realms = {realm_id: Realm.from_json(realm_id, raw) for realm_id, raw in data.items()}
			for realm in self._realms.values():
				realm.listener = self._listener

	def _new_realm_id(self) -> str:
		while True:
			realm_id = str(10**15 + secrets.randbelow(9 * 10**15))
			if realm_id not in self._realms:
				return realm_id


class StateFile:
	"""Debounced JSON persistence: ``mark_dirty()`` after a change, a saver thread writes at most every
	``interval`` seconds, ``save()`` writes now. Writes go to a temporary file that replaces the old one,
	so a crash never leaves half a state file."""

	def __init__(self, path: Path, snapshot: Callable[[], dict[str, Any]], interval: float = 1.0) -> None:
		self.path = path
		self._snapshot = snapshot
		self._interval = interval
		self._dirty = threading.Event()
		self._stopped = threading.Event()
		self._save_lock = threading.Lock()
		self._thread: threading.Thread | None = None

	def load(self) -> dict[str, Any] | None:
		if not self.path.exists():
			return None
		return codec.loads(self.path.read_bytes())

	def start(self) -> None:
		self._stopped.clear()
		self._thread = threading.Thread(target=self._run, name="emulator-state-saver", daemon=True)
		self._thread.start()

	def stop(self) -> None:
		self._stopped.set()
		self._dirty.set()
		if self._thread is not None:
			self._thread.join()
		self.save()

	def mark_dirty(self) -> None:
		self._dirty.set()

	def save(self) -> None:
		with self._save_lock:
			self._dirty.clear()
			data = codec.dumps(self._snapshot())
			self.path.parent.mkdir(parents=True, exist_ok=True)
			handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
			with os.fdopen(handle, "wb") as file:
				file.write(data)
			os.replace(temporary, self.path)

	def _run(self) -> None:
		while not self._stopped.is_set():
			self._dirty.wait()
			if self._stopped.is_set():
				return
			if self._stopped.wait(self._interval):
				return
			self.save()
