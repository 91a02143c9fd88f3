"""SQLitePort and SQLiteTokenStore: what worker processes sharing one file rely on."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from decimal import Decimal

import pytest

from quickbooks_connector.qbo import Tokens
from quickbooks_connector.sync import DocumentBusy, DocumentNotFound, ErrorKind, Status, SyncRecord
from quickbooks_connector.sync.sqlite_port import SQLitePort, SQLiteTokenStore, lock_key

HOLD_LOCK = textwrap.dedent(
	"""
	import sys, time
	from quickbooks_connector.sync.sqlite_port import SQLitePort
	port = SQLitePort(sys.argv[1])
	with port.lock("Sales Invoice", "SINV-1"):
		print("locked", flush=True)
		time.sleep(60)
	"""
)


@pytest.fixture
def path(tmp_path):
	return tmp_path / "port.sqlite"


@pytest.fixture
def port(path):
	return SQLitePort(path, lock_timeout=0.3)


def hold_lock_in_another_process(path) -> subprocess.Popen:
	process = subprocess.Popen(
		[sys.executable, "-c", HOLD_LOCK, str(path)], stdout=subprocess.PIPE, text=True
	)
	assert process.stdout.readline().strip() == "locked"
	return process


def test_a_record_comes_back_as_it_was_saved(port):
	record = SyncRecord(
		"Sales Invoice",
		"SINV-1",
		status=Status.FAILED,
		qbo_entity="Invoice",
		qbo_id="42",
		attempts=3,
		error="QuickBooks is busy",
		error_kind=ErrorKind.TRANSIENT,
		outcome_unknown=True,
		erp_total=Decimal("1688.67"),
		qbo_total=Decimal("1688.67"),
		next_retry_at=1234.5,
		related={"after:apply-credit": "Payment:7"},
	)
	port.save_record(record)

	assert port.get_record("Sales Invoice", "SINV-1") == record
	assert port.get_record("Sales Invoice", "SINV-2") is None


def test_a_second_port_on_the_same_file_sees_documents_links_and_records(path, port):
	port.add_document({"doctype": "Sales Invoice", "name": "SINV-1", "grand_total": 10.5, "items": []})
	port.add_party("Customer", {"name": "Acme Corp", "email": "ap@acme.example"})
	port.set_link("Customer", "Acme Corp", "17")
	port.save_record(SyncRecord("Sales Invoice", "SINV-1", status=Status.SYNCED, qbo_id="3"))

	other = SQLitePort(path)
	assert other.get_document("Sales Invoice", "SINV-1")["grand_total"] == 10.5
	assert other.get_party("Customer", "Acme Corp")["email"] == "ap@acme.example"
	assert other.get_link("Customer", "Acme Corp") == "17"
	assert other.get_linked_key("Customer", "17") == "Acme Corp"
	assert other.get_record("Sales Invoice", "SINV-1").status == Status.SYNCED
	with pytest.raises(DocumentNotFound):
		other.get_document("Sales Invoice", "SINV-2")
	with pytest.raises(DocumentNotFound):
		other.get_party("Supplier", "Acme Corp")


def test_update_document_and_update_record_change_what_is_stored(port):
	port.add_document({"doctype": "Sales Invoice", "name": "SINV-1", "docstatus": 1})
	port.update_document("Sales Invoice", "SINV-1", lambda doc: doc.update(docstatus=2))
	assert port.get_document("Sales Invoice", "SINV-1")["docstatus"] == 2

	def queued(record):
		record = record or SyncRecord("Sales Invoice", "SINV-1")
		record.error = "queued again"
		return record

	port.update_record("Sales Invoice", "SINV-1", queued)
	assert port.get_record("Sales Invoice", "SINV-1").error == "queued again"
	assert port.update_record("Sales Invoice", "SINV-1", lambda record: None) is None


def test_the_lock_is_reentrant_in_one_thread_and_busy_for_another(port):
	outcome = []

	def other_thread():
		try:
			with port.lock("Sales Invoice", "SINV-1"):
				outcome.append("locked")
		except DocumentBusy:
			outcome.append("busy")

	with port.lock("Sales Invoice", "SINV-1"):
		with port.lock("Sales Invoice", "SINV-1"):  # a batch item finishing its companions
			thread = threading.Thread(target=other_thread)
			thread.start()
			thread.join()
		assert outcome == ["busy"]
	with port.lock("Sales Invoice", "SINV-1"):
		pass  # released once the outer block is left
	assert port.lock_holder("Sales Invoice", "SINV-1") is None


def test_another_process_holding_the_lock_makes_the_document_busy(path, port):
	process = hold_lock_in_another_process(path)
	try:
		started = time.monotonic()
		with pytest.raises(DocumentBusy):
			with port.lock("Sales Invoice", "SINV-1"):
				pass
		assert time.monotonic() - started >= 0.3
		assert port.lock_holder("Sales Invoice", "SINV-1")[1] == process.pid
		with port.lock("Sales Invoice", "SINV-2"):  # other documents are free
			pass
	finally:
		process.kill()
		process.wait()


@pytest.mark.parametrize("reaped", [True, False], ids=["reaped", "zombie"])
def test_a_lock_held_by_a_killed_process_is_taken_over_at_once(path, reaped):
	taken_over = []

	class Port(SQLitePort):
		def on_lock_takeover(self, key, previous_owner):
			taken_over.append(key)

	port = Port(path, lock_timeout=5, lease_seconds=600)
	process = hold_lock_in_another_process(path)
	process.kill()  # SIGKILL: no cleanup, the lease row stays
	if reaped:
		process.wait()
	started = time.monotonic()
	with port.lock("Sales Invoice", "SINV-1"):
		assert time.monotonic() - started < 2  # not the 600 s lease, nor the 5 s timeout
	assert taken_over == [lock_key("Sales Invoice", "SINV-1")]
	process.wait()


def test_an_expired_lease_of_another_machine_is_taken_over(path, port):
	port._db.execute(
		"insert into leases (key, owner, host, pid, started, expires_at) values (?, ?, ?, ?, ?, ?)",
		(lock_key("Sales Invoice", "SINV-1"), "elsewhere|1|1|1", "another-host", 1, "1", time.time() - 1),
	)
	with port.lock("Sales Invoice", "SINV-1"):
		pass


def test_a_live_lease_of_another_machine_is_respected(path, port):
	port._db.execute(
		"insert into leases (key, owner, host, pid, started, expires_at) values (?, ?, ?, ?, ?, ?)",
		(lock_key("Sales Invoice", "SINV-1"), "elsewhere|1|1|1", "another-host", 1, "1", time.time() + 60),
	)
	with pytest.raises(DocumentBusy):
		with port.lock("Sales Invoice", "SINV-1"):
			pass


def tokens(access: str) -> Tokens:
	return Tokens(access, f"refresh-{access}", 2000.0, 9000.0, None, "realm-1", 1000.0)


def test_token_store_keeps_one_companys_tokens(path):
	store = SQLiteTokenStore(path, "realm-1")
	assert store.load() is None
	store.save(tokens("a"))
	assert SQLiteTokenStore(path, "realm-1").load() == tokens("a")
	assert SQLiteTokenStore(path, "realm-2").load() is None


def test_token_refresh_lock_lets_one_refresher_at_a_time(path):
	store = SQLiteTokenStore(path, "realm-1")
	store.save(tokens("0"))
	inside, overlaps = [], []

	def refresher(number: int) -> None:
		own = SQLiteTokenStore(path, "realm-1")  # as another process would
		with own.refresh_lock():
			inside.append(number)
			if len(inside) > 1:
				overlaps.append(number)
			current = own.load()
			time.sleep(0.02)
			own.save(tokens(str(int(current.access_token) + 1)))
			inside.remove(number)

	threads = [threading.Thread(target=refresher, args=(number,)) for number in range(5)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	assert overlaps == []
	assert store.load().access_token == "5"  # no refresh lost
