"""Backfill pipelining: several batch calls in flight at once, the next chunk prepared while they are.

QuickBooks answers a batch of 30 creates in half a second to a few seconds and allows 120 batch calls a minute (two
a second): one call at a time leaves most of that unused as soon as an answer takes longer than half a second. A
backfill therefore keeps up to `width` batch calls in flight (fewer than the company's concurrent-request limit;
the request budget still decides when each one leaves) while the engine's thread maps and resolves the next chunk.

Only the HTTP call runs in the pool's threads. Locks, write-ahead records, results and one-by-one fallbacks stay on
the caller's thread (a Frappe port's database connection and named locks belong to it): a flight's `settle` runs
there with its documents still locked, then its locks are released, then its `after` runs (single pushes take
their own locks). Flights of one wave may finish in any order; `drain` waits for every one, so a wave is complete
before the next starts (invoices in QuickBooks before the payments that apply to them). If the caller fails, the
calls still in flight are waited for before their locks are released, and their documents keep their write-ahead
"outcome unknown" mark, so the next attempt looks for what they wrote before writing again.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

R = TypeVar("R")


@dataclass
class Flight(Generic[R]):
	"""One call and what to do with its answer: `settle(result, error)` under `locks`, then `after()` without."""

	call: Callable[[], Any]
	settle: Callable[[Any, BaseException | None], list[R]]
	after: Callable[[], list[R]]
	locks: ExitStack = field(default_factory=ExitStack)


class BatchPipeline(Generic[R]):
	"""Up to `width` flights at once (`width` 1: each call runs at once on the caller's thread, as without a pool).
	`before_threads` runs on the caller's thread before each call handed to the pool (the client loads its tokens
	there, see `QBOClient.valid_tokens`)."""

	def __init__(self, width: int, before_threads: Callable[[], None] | None = None) -> None:
		self.width = max(1, width)
		self._before_threads = before_threads
		self._pool = (
			ThreadPoolExecutor(max_workers=self.width, thread_name_prefix="qbo-batch")
			if self.width > 1
			else None
		)
		self._in_flight: dict[Future, Flight[R]] = {}

	def __enter__(self) -> BatchPipeline[R]:
		return self

	def __exit__(self, exc_type: object, *exc_info: object) -> None:
		try:
			if exc_type is None:
				assert not self._in_flight, "drain() the pipeline before leaving it"
			for future, flight in list(self._in_flight.items()):
				wait(
					[future]
				)  # its request may still be on the way: the documents stay locked until it is not
				flight.locks.close()
			self._in_flight.clear()
		finally:
			if self._pool:
				self._pool.shutdown(wait=True)

	def send(self, flight: Flight[R]) -> list[R]:
		"""Start the flight once fewer than `width` are in flight; returns the results of flights finished meanwhile."""
		if self._pool is None:
			try:
				result, error = flight.call(), None
			except Exception as exc:
				result, error = None, exc
			except BaseException:
				flight.locks.close()
				raise
			return self._land(flight, result, error)
		finished = self._collect(block=False)
		while len(self._in_flight) >= self.width:
			finished.extend(self._collect(block=True))
		if self._before_threads:
			try:
				self._before_threads()
			except BaseException:
				flight.locks.close()
				raise
		self._in_flight[self._pool.submit(flight.call)] = flight
		return finished

	def drain(self) -> list[R]:
		"""Wait for every flight; their results, in the order they finished."""
		finished: list[R] = []
		while self._in_flight:
			finished.extend(self._collect(block=True))
		return finished

	def _collect(self, *, block: bool) -> list[R]:
		if not self._in_flight:
			return []
		done, _pending = wait(
			list(self._in_flight), timeout=None if block else 0, return_when=FIRST_COMPLETED
		)
		finished: list[R] = []
		for future in [future for future in self._in_flight if future in done]:  # in the order they were sent
			flight = self._in_flight.pop(future)
			error = future.exception()
			finished.extend(self._land(flight, None if error else future.result(), error))
		return finished

	def _land(self, flight: Flight[R], result: Any, error: BaseException | None) -> list[R]:
		with flight.locks:
			settled = flight.settle(result, error)
		return settled + flight.after()
