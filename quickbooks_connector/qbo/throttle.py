"""Keep one process under QBO's per-company limits instead of discovering them through 429s.

QBO allows 500 requests per minute and 10 concurrent requests per company and app, and 120 batch calls per
minute (batch calls also count as requests). Every thread of a process talking to the same company must share
one budget, hence the module-level registry behind `Throttle.shared`.

The windows are sliding logs stamped when a request *finishes*: QBO counts a request when it arrives, which is
after we send it and before we see the response, so a request we stop counting has already left QBO's window
too. Requests still in flight count against the window.

`RequestBudget` is what the client needs of any budget. `Throttle` keeps one in this process (the core, its tests,
the benchmarks); `qbo.redis_budget.RedisBudget` keeps one in Redis for every worker process on every machine of a
site, with the same limits and the same counting rule.
"""

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

# Slightly under QBO's limits: headroom for clock skew and for other tools using the same company.
DEFAULT_REQUESTS_PER_MINUTE = 490
DEFAULT_MAX_CONCURRENT = 10
DEFAULT_BATCHES_PER_MINUTE = 118

_EDGE = 0.001  # wait a hair past the window edge so "exactly one window ago" is never counted twice
_POLL = 0.05  # how often to look again when every slot of a window is taken by requests still in flight


class _Window:
	"""At most `limit` requests in any `seconds`-long interval."""

	def __init__(self, limit: int, seconds: float) -> None:
		if limit < 1:
			raise ValueError("a throttle limit must be at least 1")
		self.limit = limit
		self.seconds = seconds
		self.in_flight = 0
		self.finished: deque[float] = deque()

	def wait_needed(self, now: float) -> float:
		"""Seconds until a slot frees up; 0 when one is free now."""
		while self.finished and self.finished[0] < now - self.seconds:
			self.finished.popleft()
		if self.in_flight + len(self.finished) < self.limit:
			return 0.0
		if not self.finished:
			return _POLL
		return self.finished[0] + self.seconds - now + _EDGE


@dataclass(frozen=True)
class ThrottleLimits:
	requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE
	max_concurrent: int = DEFAULT_MAX_CONCURRENT
	batches_per_minute: int = DEFAULT_BATCHES_PER_MINUTE
	window_seconds: float = 60.0  # the "minute"; scaled down only by benchmarks and tests


class RequestBudget(Protocol):
	"""A per-company request budget: every QBO call runs inside `with budget.slot(batch=...)`, which blocks until
	the request may be sent (under the per-minute windows and the concurrency cap) and holds a concurrency slot
	until the response is in. `limits` says what the budget allows, so callers can size their own parallelism."""

	limits: ThrottleLimits

	def slot(self, *, batch: bool = False) -> AbstractContextManager[None]: ...


class Throttle:
	"""Per-company request budget kept in this process: wrap every QBO call in `with throttle.slot(batch=...)`."""

	_registry: dict[tuple[str, str, ThrottleLimits], "Throttle"] = {}
	_registry_lock = threading.Lock()

	def __init__(
		self,
		limits: ThrottleLimits | None = None,
		*,
		clock: Callable[[], float] = time.monotonic,
		sleep: Callable[[float], None] = time.sleep,
	) -> None:
		self.limits = limits or ThrottleLimits()
		self._clock = clock
		self._sleep = sleep
		self._lock = threading.Lock()
		self._concurrency = threading.BoundedSemaphore(self.limits.max_concurrent)
		self._requests = _Window(self.limits.requests_per_minute, self.limits.window_seconds)
		self._batches = _Window(self.limits.batches_per_minute, self.limits.window_seconds)

	@classmethod
	def shared(cls, realm_id: str, api_base: str, limits: ThrottleLimits | None = None) -> "Throttle":
		"""The process-wide throttle for one company on one API host, created on first use."""
		key = (api_base, realm_id, limits or ThrottleLimits())
		with cls._registry_lock:
			if key not in cls._registry:
				cls._registry[key] = cls(key[2])
			return cls._registry[key]

	@contextmanager
	def slot(self, *, batch: bool = False) -> Iterator[None]:
		"""Block until the request may be sent; hold a concurrency slot until it completes."""
		windows = (self._requests, self._batches) if batch else (self._requests,)
		with self._concurrency:
			self._reserve(windows)
			try:
				yield
			finally:
				self._release(windows)

	def _reserve(self, windows: tuple[_Window, ...]) -> None:
		while True:
			with self._lock:
				wait = max(window.wait_needed(self._clock()) for window in windows)
				if wait == 0:
					for window in windows:
						window.in_flight += 1
					return
			self._sleep(wait)

	def _release(self, windows: tuple[_Window, ...]) -> None:
		with self._lock:
			now = self._clock()
			for window in windows:
				window.in_flight -= 1
				window.finished.append(now)
