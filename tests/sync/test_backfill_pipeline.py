"""Backfill pipelining: several batch calls in flight, a wave finished before the next starts, each document once."""

from __future__ import annotations

import threading
import time

from quickbooks_connector.qbo import QBOClient
from quickbooks_connector.sync import PushEngine, Status

INVOICE = "ACC-SINV-2026-00012"
UNALLOCATED_PAYMENT = "ACC-PAY-2026-00010"  # refers to no invoice: it fits in a batch of its own wave


class RecordsBatches(QBOClient):
	"""The world's client, noting when each batch call started and ended, and what it created."""

	def __init__(self, client: QBOClient) -> None:
		self.__dict__.update(client.__dict__)
		self.calls: list[tuple[str, float, float]] = []
		self.threads: set[str] = set()
		self._calls_lock = threading.Lock()

	def batch(self, operations, request_id=None):
		started = time.monotonic()
		try:
			return super().batch(operations, request_id=request_id)
		finally:
			with self._calls_lock:
				self.calls.append((operations[0].entity, started, time.monotonic()))
				self.threads.add(threading.current_thread().name)


def peak_overlap(calls: list[tuple[str, float, float]]) -> int:
	events = sorted([(start, 1) for _, start, _ in calls] + [(end, -1) for _, _, end in calls])
	peak = current = 0
	for _, change in events:
		current += change
		peak = max(peak, current)
	return peak


def test_batch_calls_overlap_and_a_wave_finishes_before_the_next(world):
	world.engine.push("Sales Invoice", INVOICE)  # the customer and items exist: only batches are measured
	world.engine.push("Payment Entry", UNALLOCATED_PAYMENT)
	invoices = [("Sales Invoice", world.add_copy(INVOICE, f"SINV-PIPE-{n:03d}")["name"]) for n in range(95)]
	payments = [
		("Payment Entry", world.add_copy(UNALLOCATED_PAYMENT, f"PAY-PIPE-{n:03d}")["name"]) for n in range(35)
	]
	world.admin.configure(realm_id=world.realm_id, latency_ms=600)
	client = RecordsBatches(world.client)
	engine = PushEngine(client, world.port, world.ctx, world.realm_id, settle_seconds=0, batch_pipeline=3)

	records = engine.push_many(payments + invoices)
	world.admin.configure(realm_id=world.realm_id, latency_ms=0)

	assert len(records) == 130 and all(record.status == Status.SYNCED for record in records)
	invoice_calls = [call for call in client.calls if call[0] == "Invoice"]
	payment_calls = [call for call in client.calls if call[0] == "Payment"]
	assert len(invoice_calls) == 4 and len(payment_calls) == 2
	assert 2 <= peak_overlap(invoice_calls) <= 3  # several in flight, never more than the pipeline's width
	assert max(end for _, _, end in invoice_calls) <= min(start for _, start, _ in payment_calls)
	assert "MainThread" not in client.threads
	for _, name in invoices + payments:
		entity = "Invoice" if name.startswith("SINV") else "Payment"
		assert len(world.held(entity, "where PrivateNote LIKE {}", f"%{name}%")) == 1


def test_width_one_sends_each_call_from_the_engines_thread(world):
	world.engine.push("Sales Invoice", INVOICE)
	invoices = [("Sales Invoice", world.add_copy(INVOICE, f"SINV-ONE-{n:03d}")["name"]) for n in range(35)]
	client = RecordsBatches(world.client)
	engine = PushEngine(client, world.port, world.ctx, world.realm_id, settle_seconds=0, batch_pipeline=1)

	records = engine.push_many(invoices)

	assert all(record.status == Status.SYNCED for record in records)
	assert peak_overlap(client.calls) == 1 and client.threads == {"MainThread"}


def test_batch_results_keep_their_own_calls_intuit_tid(world):
	world.engine.push("Sales Invoice", INVOICE)
	invoices = [("Sales Invoice", world.add_copy(INVOICE, f"SINV-TID-{n:03d}")["name"]) for n in range(65)]
	world.admin.configure(realm_id=world.realm_id, latency_ms=300)
	engine = PushEngine(
		world.client, world.port, world.ctx, world.realm_id, settle_seconds=0, batch_pipeline=3
	)

	records = engine.push_many(invoices)

	by_call: dict[str, set[str]] = {}
	for record in records:
		entry = record.history[-1]
		by_call.setdefault(entry["request_id"], set()).add(entry["intuit_tid"])
	assert len(by_call) == 3  # three batch calls, each with one intuit_tid of its own
	assert all(len(tids) == 1 and None not in tids for tids in by_call.values())
	assert len(set().union(*by_call.values())) == 3
