"""A write whose answer was lost may still be under way inside QuickBooks: the engine waits before it looks."""

from __future__ import annotations

import threading
import time

from quickbooks_connector.demo import connect
from quickbooks_connector.sync import ErrorKind, PushEngine, Status

from .test_lifecycle import cancel_in_erpnext
from .test_trust import INVOICE_A, INVOICE_B, drop_next, edit_description, ours


class Clock:
	def __init__(self) -> None:
		self.now = time.time()

	def __call__(self) -> float:
		return self.now


def late_invoice(world, seconds: float) -> threading.Event:
	"""QuickBooks answers the next invoice write only after `seconds`, long after the client gave up; the write
	lands when it answers. Returns an event set once it has."""
	world.admin.inject_fault(
		match={"realm_id": world.realm_id, "method": "POST", "path_regex": r"/invoice(\?|$)"},
		action="latency",
		latency_ms=int(seconds * 1000),
		times=1,
	)
	landed = threading.Event()

	def watch() -> None:
		deadline = time.monotonic() + seconds + 5
		while time.monotonic() < deadline and not ours(world, "Invoice", "Sales Invoice", INVOICE_B):
			time.sleep(0.05)
		landed.set()

	threading.Thread(target=watch, daemon=True).start()
	return landed


def test_a_cancel_right_after_a_lost_answer_waits_until_the_write_must_have_landed(make_world):
	world = make_world()
	clock = Clock()
	engine = world.engine_with(clock=clock, settle_seconds=120)
	slow_client = world.client  # the client's read timeout is short in these tests
	engine.push("Sales Invoice", INVOICE_A)  # customer and items exist: only the invoice is late
	landed = late_invoice(world, seconds=1.5)
	slow_client._timeout = (2, 0.3)
	lost = engine.push("Sales Invoice", INVOICE_B)
	assert lost.outcome_unknown

	cancel_in_erpnext(world, "Sales Invoice", INVOICE_B)
	waiting = engine.sync("Sales Invoice", INVOICE_B)  # at once: QuickBooks has not written the invoice yet

	assert waiting.status == Status.FAILED and waiting.error_kind == ErrorKind.TRANSIENT
	assert waiting.next_retry_at >= clock.now + 100 and "arriving at QuickBooks" in waiting.error
	assert landed.wait(10) and len(ours(world, "Invoice", "Sales Invoice", INVOICE_B)) == 1

	clock.now = waiting.next_retry_at  # the scheduler's retry
	cancelled = engine.sync("Sales Invoice", INVOICE_B)

	assert cancelled.status == Status.VOIDED
	assert ours(world, "Invoice", "Sales Invoice", INVOICE_B) == []


def test_a_retry_of_a_cancelled_document_removes_what_its_lost_write_left(world):
	world.engine.push("Sales Invoice", INVOICE_A)
	drop_next(world, "invoice")
	lost = world.engine.push("Sales Invoice", INVOICE_B)
	assert lost.outcome_unknown and len(ours(world, "Invoice", "Sales Invoice", INVOICE_B)) == 1

	cancel_in_erpnext(world, "Sales Invoice", INVOICE_B)
	retried = world.engine.push("Sales Invoice", INVOICE_B)  # the scheduler's retry, not the cancel job

	assert retried.status == Status.VOIDED
	assert ours(world, "Invoice", "Sales Invoice", INVOICE_B) == []


def test_a_refusal_after_a_lost_answer_within_one_call_keeps_the_outcome_open(make_world):
	"""The client's first try is committed but its answer lost; its retry is throttled: the write may exist."""
	world = make_world(custom_txn_numbers=False)  # no document number for QuickBooks to refuse as a duplicate
	client = connect(world.admin.base_url, world.realm_id, max_attempts=2, sleep=lambda seconds: None)
	engine = PushEngine(client, world.port, world.ctx, world.realm_id, settle_seconds=0)
	engine.push("Sales Invoice", INVOICE_A)
	drop_next(world, "invoice")
	world.admin.inject_fault(
		match={"realm_id": world.realm_id, "method": "POST", "path_regex": r"/invoice(\?|$)"},
		action="throttle",
		times=1,
	)
	refused = engine.push("Sales Invoice", INVOICE_B)
	assert refused.status == Status.FAILED and refused.outcome_unknown

	edit_description(
		world, "Sales Invoice", INVOICE_B
	)  # a new request id: only the look-up prevents a second
	engine.push("Sales Invoice", INVOICE_B)

	assert len(ours(world, "Invoice", "Sales Invoice", INVOICE_B)) == 1
