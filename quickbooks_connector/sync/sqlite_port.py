"""A SyncPort and a TokenStore over one SQLite file that several processes on one machine share.

`PushEngine` needs documents, sync records, links and a per-document lock from its port (port.py). `SQLitePort` keeps
them in one SQLite database in WAL mode that any number of worker processes open at once: the exactly-once soak
(`benchmarks/soak_exactly_once.py`) runs its workers on it, and it runs the engine outside Frappe with more than one
process. Every write is committed when it returns, so what the engine saved survives a worker killed right after.

Locks are lease rows. `lock()` claims `(key, owner, expires_at)` in a `BEGIN IMMEDIATE` transaction and polls until
`lock_timeout`, then raises `DocumentBusy`. A row is taken over when its lease has run out or when its owner process
is gone (same host: the pid no longer runs, is a zombie, or belongs to a process started later), so a killed worker
never leaves a document locked. A background thread renews the leases a process holds while it is alive. Locks are
re-entrant per thread: the engine takes a document's lock again while holding it (a batch item finishing its
companion records one by one).

`SQLiteTokenStore` keeps one company's OAuth tokens in the same kind of file, with `refresh_lock()` on the same leases,
so that processes refreshing at once take turns and the one that waited adopts the tokens just saved (`TokenManager`).
Tokens are stored in plain text: this store is for tests, benchmarks and development machines.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from quickbooks_connector.qbo.auth import Tokens
from quickbooks_connector.sync.port import DocumentBusy, DocumentNotFound
from quickbooks_connector.sync.records import ErrorKind, Status, SyncRecord

LOCK_TIMEOUT_SECONDS = 120.0  # as long as the Frappe port waits for a document's named lock
LEASE_SECONDS = 30.0
POLL_SECONDS = 0.02
_IN_CHUNK = 500  # names per IN (...): below SQLite's oldest limit of 999 parameters

SCHEMA = """
create table if not exists documents (
	doctype text not null, name text not null, data text not null, primary key (doctype, name));
create table if not exists parties (
	party_type text not null, name text not null, data text not null, primary key (party_type, name));
create table if not exists records (
	doctype text not null, name text not null, status text not null, error_kind text,
	outcome_unknown integer not null default 0, next_retry_at real, qbo_id text, updated_at real not null,
	data text not null, primary key (doctype, name));
create index if not exists records_by_status on records (status, error_kind, next_retry_at);
create table if not exists links (
	qbo_entity text not null, key text not null, qbo_id text not null, primary key (qbo_entity, key));
create index if not exists links_by_id on links (qbo_entity, qbo_id);
create table if not exists leases (
	key text primary key, owner text not null, host text not null, pid integer not null,
	started text not null, expires_at real not null);
create table if not exists tokens (realm_id text primary key, data text not null);
"""


def connect(path: str | Path) -> sqlite3.Connection:
	"""A connection in autocommit mode (transactions are explicit), WAL journal, waiting for locks instead of failing."""
	db = sqlite3.connect(str(path), timeout=60.0, isolation_level=None, check_same_thread=False)
	db.execute("pragma busy_timeout = 60000")
	db.execute("pragma journal_mode = wal")
	db.execute("pragma synchronous = normal")
	return db


def create_schema(path: str | Path) -> None:
	db = connect(path)
	try:
		db.executescript(SCHEMA)
	finally:
		db.close()


class _Database:
	"""One connection per process (re-opened after a fork), shared by the threads of the process."""

	def __init__(self, path: str | Path) -> None:
		self.path = Path(path)
		self._guard = threading.RLock()
		self._db: sqlite3.Connection | None = None
		self._pid: int | None = None

	def _connection(self) -> sqlite3.Connection:
		if self._pid != os.getpid():
			self._db = connect(self.path)  # a connection inherited through fork() must not be used
			self._pid = os.getpid()
		return self._db

	def execute(self, statement: str, params: tuple = ()) -> list[tuple]:
		with self._guard:
			return self._connection().execute(statement, params).fetchall()

	@contextmanager
	def transaction(self) -> Iterator[sqlite3.Connection]:
		"""`BEGIN IMMEDIATE`: the write lock is taken at once, so a read-modify-write cannot lose an update."""
		with self._guard:
			db = self._connection()
			db.execute("begin immediate")
			try:
				yield db
			except BaseException:
				db.execute("rollback")
				raise
			db.execute("commit")


# Leases ---------------------------------------------------------------------------------------------------


def _process_start(pid: int) -> str | None:
	"""When the process started (clock ticks after boot, from /proc), '' where /proc does not exist, None when the
	process is gone or a zombie."""
	if not os.path.isdir("/proc/self"):
		try:
			os.kill(pid, 0)
		except ProcessLookupError:
			return None
		except PermissionError:
			pass
		return ""
	try:
		with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
			stat = handle.read()
	except OSError:
		return None
	fields = stat.rsplit(")", 1)[-1].split()
	if not fields or fields[0] in ("Z", "X"):
		return None
	return fields[19] if len(fields) > 19 else ""


class Leases:
	"""Named locks across processes: a row per held key, re-entrant per thread, taken over from dead owners."""

	def __init__(
		self,
		path: str | Path,
		lease_seconds: float = LEASE_SECONDS,
		poll_seconds: float = POLL_SECONDS,
		on_takeover: Callable[[str, str], None] | None = None,
	) -> None:
		self.path = Path(path)
		self.lease_seconds = lease_seconds
		self.poll_seconds = poll_seconds
		self.on_takeover = on_takeover
		self._db = _Database(path)
		self._local = threading.local()
		self._identity: tuple[int, str, str] | None = None
		self._keepalive_pid: int | None = None
		self._keepalive_guard = threading.Lock()

	@contextmanager
	def hold(self, key: str, timeout: float, busy: Callable[[], Exception]) -> Iterator[None]:
		held: dict[str, int] = self._held()
		if held.get(key):
			held[key] += 1
			try:
				yield
			finally:
				held[key] -= 1
			return
		owner = self._acquire(key, timeout, busy)
		held[key] = 1
		try:
			yield
		finally:
			held[key] -= 1
			if not held[key]:
				del held[key]
				self._db.execute("delete from leases where key = ? and owner = ?", (key, owner))

	def owner_of(self, key: str) -> tuple[str, int] | None:
		"""(host, pid) of the process holding `key`, if any (expired or not)."""
		rows = self._db.execute("select host, pid from leases where key = ?", (key,))
		return (rows[0][0], rows[0][1]) if rows else None

	def _held(self) -> dict[str, int]:
		held = getattr(self._local, "held", None)
		if held is None or getattr(self._local, "pid", None) != os.getpid():
			held = self._local.held = {}
			self._local.pid = os.getpid()
		return held

	def _me(self) -> tuple[int, str, str]:
		pid = os.getpid()
		if self._identity is None or self._identity[0] != pid:
			self._identity = (pid, socket.gethostname(), _process_start(pid) or "")
		return self._identity

	def _acquire(self, key: str, timeout: float, busy: Callable[[], Exception]) -> str:
		pid, host, started = self._me()
		owner = f"{host}|{pid}|{started}|{threading.get_ident()}"
		deadline = time.monotonic() + timeout
		while True:
			previous = self._try(key, owner, host, pid, started)
			if previous is not False:
				self._ensure_keepalive()
				if previous and self.on_takeover:
					self.on_takeover(key, previous)
				return owner
			if time.monotonic() >= deadline:
				raise busy()
			time.sleep(self.poll_seconds * (0.5 + random.random()))

	def _try(self, key: str, owner: str, host: str, pid: int, started: str) -> str | None | bool:
		"""None: taken (it was free); the previous owner: taken over from a dead or expired one; False: busy."""
		now = time.time()
		with self._db.transaction() as db:
			row = db.execute(
				"select owner, host, pid, started, expires_at from leases where key = ?", (key,)
			).fetchone()
			if row is not None and row[0] != owner and not self._stale(row, now):
				return False
			db.execute(
				"insert or replace into leases (key, owner, host, pid, started, expires_at) values (?, ?, ?, ?, ?, ?)",
				(key, owner, host, pid, started, now + self.lease_seconds),
			)
		return row[0] if row is not None and row[0] != owner else None

	def _stale(self, row: tuple, now: float) -> bool:
		_owner, host, pid, started, expires_at = row
		if expires_at < now:
			return True
		if host != socket.gethostname():
			return False  # another machine: only its lease says whether it still works on the key
		current = _process_start(pid)
		return current is None or (bool(started) and bool(current) and current != started)

	def _ensure_keepalive(self) -> None:
		with self._keepalive_guard:
			if self._keepalive_pid == os.getpid():
				return
			self._keepalive_pid = os.getpid()
		thread = threading.Thread(target=self._renew_forever, name="sqlite-port-leases", daemon=True)
		thread.start()

	def _renew_forever(self) -> None:
		pid, host, started = self._me()
		db = _Database(self.path)
		while True:
			time.sleep(self.lease_seconds / 3)
			try:
				db.execute(
					"update leases set expires_at = ? where host = ? and pid = ? and started = ?",
					(time.time() + self.lease_seconds, host, pid, started),
				)
			except sqlite3.Error:
				pass  # the next round tries again; a lease outlives two missed renewals


# Sync records ---------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
	if isinstance(value, Enum):
		return value.value
	if isinstance(value, Decimal):
		return str(value)
	raise TypeError(f"cannot store {type(value).__name__}")


def record_to_json(record: SyncRecord) -> str:
	data = {field.name: getattr(record, field.name) for field in dataclasses.fields(SyncRecord)}
	return json.dumps(data, default=_plain, sort_keys=True)


def record_from_json(text: str) -> SyncRecord:
	"""A SyncRecord from its JSON; keys of fields the record no longer has are ignored, new fields keep defaults."""
	data = json.loads(text)
	values = {}
	for field in dataclasses.fields(SyncRecord):
		if field.name in data:
			values[field.name] = _field_value(str(field.type), data[field.name])
	return SyncRecord(**values)


def _field_value(annotation: str, value: Any) -> Any:
	if value is None:
		return None
	if "ErrorKind" in annotation:
		return ErrorKind(value)
	if "Status" in annotation:
		return Status(value)
	if "Decimal" in annotation:
		return Decimal(str(value))
	return value


class SQLitePort:
	"""SyncPort over a SQLite file; open one per process (or share one between the threads of a process)."""

	def __init__(
		self,
		path: str | Path,
		*,
		lock_timeout: float = LOCK_TIMEOUT_SECONDS,
		lease_seconds: float = LEASE_SECONDS,
	) -> None:
		self.path = Path(path)
		self.lock_timeout = lock_timeout
		create_schema(self.path)
		self._db = _Database(self.path)
		self._leases = Leases(self.path, lease_seconds, on_takeover=self.on_lock_takeover)

	# Documents and parties --------------------------------------------------------------------------------

	def add_document(self, doc: dict) -> None:
		self._db.execute(
			"insert or replace into documents (doctype, name, data) values (?, ?, ?)",
			(doc["doctype"], doc["name"], _dumps(doc)),
		)

	def get_document(self, doctype: str, name: str) -> dict:
		rows = self._db.execute("select data from documents where doctype = ? and name = ?", (doctype, name))
		if not rows:
			raise DocumentNotFound(f"{doctype} {name} does not exist")
		return json.loads(rows[0][0])

	def update_document(self, doctype: str, name: str, change: Callable[[dict], None]) -> dict:
		"""Change a stored document in one transaction (`change` edits the dict in place); returns it."""
		with self._db.transaction() as db:
			row = db.execute(
				"select data from documents where doctype = ? and name = ?", (doctype, name)
			).fetchone()
			if row is None:
				raise DocumentNotFound(f"{doctype} {name} does not exist")
			doc = json.loads(row[0])
			change(doc)
			db.execute(
				"update documents set data = ? where doctype = ? and name = ?", (_dumps(doc), doctype, name)
			)
		return doc

	def add_party(self, party_type: str, party: dict) -> None:
		self._db.execute(
			"insert or replace into parties (party_type, name, data) values (?, ?, ?)",
			(party_type, party["name"], _dumps(party)),
		)

	def get_party(self, party_type: str, name: str) -> dict:
		rows = self._db.execute(
			"select data from parties where party_type = ? and name = ?", (party_type, name)
		)
		if not rows:
			raise DocumentNotFound(f"{party_type} {name} does not exist")
		return json.loads(rows[0][0])

	def get_parties(self, party_type: str, names: Sequence[str]) -> dict[str, dict]:
		wanted = list(dict.fromkeys(names))
		parties: dict[str, dict] = {}
		for start in range(0, len(wanted), _IN_CHUNK):
			part = wanted[start : start + _IN_CHUNK]
			marks = ", ".join("?" * len(part))
			rows = self._db.execute(
				f"select name, data from parties where party_type = ? and name in ({marks})",
				(party_type, *part),
			)
			parties.update((name, json.loads(data)) for name, data in rows)
		return {name: parties[name] for name in wanted if name in parties}

	# Sync records -----------------------------------------------------------------------------------------

	def get_pdf(self, doctype: str, name: str) -> bytes | None:
		return None  # no print formats here: the benchmarks and the demo attach no PDFs

	def get_record(self, doctype: str, name: str) -> SyncRecord | None:
		rows = self._db.execute("select data from records where doctype = ? and name = ?", (doctype, name))
		return record_from_json(rows[0][0]) if rows else None

	def save_record(self, record: SyncRecord) -> None:
		self._db.execute(
			"insert or replace into records (doctype, name, status, error_kind, outcome_unknown, next_retry_at, "
			"qbo_id, updated_at, data) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			(
				record.doctype,
				record.name,
				Status(record.status).value,
				ErrorKind(record.error_kind).value if record.error_kind else None,
				int(bool(record.outcome_unknown)),
				record.next_retry_at,
				record.qbo_id,
				time.time(),
				record_to_json(record),
			),
		)

	def save_records(self, records: Sequence[SyncRecord]) -> None:
		with self._db.transaction():
			for record in records:
				self.save_record(record)

	def update_record(
		self, doctype: str, name: str, change: Callable[[SyncRecord | None], SyncRecord | None]
	) -> SyncRecord | None:
		"""Read, change and save one record in one transaction (what a submit or cancel hook does beside a worker
		that may be saving the same record). `change` returns the record to save, or None to leave it."""
		with self._db.transaction():
			changed = change(self.get_record(doctype, name))
			if changed is not None:
				self.save_record(changed)
		return changed

	# Links ------------------------------------------------------------------------------------------------

	def get_link(self, qbo_entity: str, key: str) -> str | None:
		rows = self._db.execute(
			"select qbo_id from links where qbo_entity = ? and key = ?", (qbo_entity, key)
		)
		return rows[0][0] if rows else None

	def set_link(self, qbo_entity: str, key: str, qbo_id: str) -> None:
		self._db.execute(
			"insert or replace into links (qbo_entity, key, qbo_id) values (?, ?, ?)",
			(qbo_entity, key, qbo_id),
		)

	def get_linked_key(self, qbo_entity: str, qbo_id: str) -> str | None:
		rows = self._db.execute(
			"select key from links where qbo_entity = ? and qbo_id = ? order by key limit 1",
			(qbo_entity, qbo_id),
		)
		return rows[0][0] if rows else None

	# Locks ------------------------------------------------------------------------------------------------

	def lock(self, doctype: str, name: str) -> AbstractContextManager[None]:
		def busy() -> DocumentBusy:
			return DocumentBusy(
				f"{doctype} {name} is being sent to QuickBooks by another worker; it will be retried."
			)

		return self._leases.hold(lock_key(doctype, name), self.lock_timeout, busy)

	def lock_holder(self, doctype: str, name: str) -> tuple[str, int] | None:
		"""(host, pid) of the process holding the document's lock, if a lease row exists."""
		return self._leases.owner_of(lock_key(doctype, name))

	def on_lock_takeover(self, key: str, previous_owner: str) -> None:
		"""Called after a lock was taken over from a dead or expired owner; subclasses may count it."""


def lock_key(doctype: str, name: str) -> str:
	return f"document|{doctype}|{name}"


def _dumps(value: Any) -> str:
	return json.dumps(value, default=_plain_document)


def _plain_document(value: Any) -> Any:
	if isinstance(value, Decimal):
		return str(value)
	if hasattr(value, "isoformat"):
		return value.isoformat()
	raise TypeError(f"cannot store {type(value).__name__}")


# Tokens ---------------------------------------------------------------------------------------------------


class SQLiteTokenStore:
	"""TokenStore for one company, shared by processes: `refresh_lock()` is a lease on the company's token row."""

	def __init__(
		self,
		path: str | Path,
		realm_id: str,
		*,
		lock_timeout: float = LOCK_TIMEOUT_SECONDS,
		lease_seconds: float = LEASE_SECONDS,
	) -> None:
		self.path = Path(path)
		self.realm_id = realm_id
		self.lock_timeout = lock_timeout
		create_schema(self.path)
		self._db = _Database(self.path)
		self._leases = Leases(self.path, lease_seconds)

	def load(self) -> Tokens | None:
		rows = self._db.execute("select data from tokens where realm_id = ?", (self.realm_id,))
		if not rows:
			return None
		data = json.loads(rows[0][0])
		names = {field.name for field in dataclasses.fields(Tokens)}
		return Tokens(**{key: value for key, value in data.items() if key in names})

	def save(self, tokens: Tokens) -> None:
		data = {field.name: getattr(tokens, field.name) for field in dataclasses.fields(Tokens)}
		self._db.execute(
			"insert or replace into tokens (realm_id, data) values (?, ?)", (self.realm_id, json.dumps(data))
		)

	def refresh_lock(self) -> AbstractContextManager[None]:
		def busy() -> TimeoutError:
			return TimeoutError(
				f"another process has been refreshing the tokens of company {self.realm_id} too long"
			)

		return self._leases.hold(self.lock_key, self.lock_timeout, busy)

	@property
	def lock_key(self) -> str:
		return f"tokens|{self.realm_id}"

	def lock_holder(self) -> tuple[str, int] | None:
		return self._leases.owner_of(self.lock_key)
