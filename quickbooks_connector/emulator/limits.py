"""Runtime knobs: configuration, throttles, injected faults and request statistics.

QBO's limits (qbo-api.md §6) are 500 requests per minute and 10 concurrent requests per realm and 120 batch
calls per minute; over a limit the answer is 429 with fault 3001 and ``Retry-After``. The emulator counts
requests at arrival in a sliding window per realm (``rate_window_seconds``, 60 by default; shorter windows let
benchmarks finish sooner): a request is refused while ``limit`` requests arrived within the last window, and
``Retry-After`` is the whole seconds (at least 1) until the oldest of them leaves it. Refused requests are not
counted. A batch call counts towards both the request and the batch limit. The window runs on the emulator's
clock, so advancing the clock empties it. The concurrency slot is released as soon as the response is built,
before it is written. ``latency_ms`` delays every Accounting API call; ``batch_item_latency_ms`` adds that much per
operation to a batch call, so that a batch of 30 takes longer than a batch of 3, as in QuickBooks. Every limit is off (0) by default so tests run fast; tests and benchmarks switch them on
through ``/__emulator__/config``.

Injected faults let client tests provoke what is hard to get from the real service: 5xx system faults,
throttling, extra latency and "drop" — the request is processed and committed, then the connection is closed
without a response, so the client cannot know whether its write happened. An injected error answers in the
shape QBO uses for its status (401: gateway fault 3200, 403: 3100, 429: 3001 with ``Retry-After``, anything
else: SystemFault), as JSON or, with ``"format": "xml"``, as QBO's XML ``IntuitResponse``. Rules match on
method, a regular expression searched in the request target (path and query string) and realm; they fire
``times`` times (0: until cleared) with a ``probability`` drawn from a generator seeded with ``seed``.
"""

from __future__ import annotations

import math
import random
import re
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

DEFAULT_CONFIG: dict[str, float] = {
	"rate_limit_per_minute": 0,  # QBO: 500
	"max_concurrent": 0,  # QBO: 10
	"batch_per_minute": 0,  # QBO: 120
	"rate_window_seconds": 60,
	"latency_ms": 0,
	"batch_item_latency_ms": 0,  # added to a batch call's latency per operation it carries
	"access_token_ttl": 3600,
	"refresh_token_ttl": 8_726_400,  # 101 days, rolling
	"refresh_rotation_seconds": 86_400,  # a new refresh token about once a day
	"rotation_grace_seconds": 0,  # the old refresh token dies as soon as a new one is issued
	"auth_code_ttl": 300,
}
FAULT_ACTIONS = ("error", "drop", "throttle", "latency")


class RuntimeConfig:
	"""Global settings plus per-realm overrides."""

	def __init__(self) -> None:
		self._lock = threading.Lock()
		self.reset()

	def reset(self) -> None:
		with self._lock:
			self._global = dict(DEFAULT_CONFIG)
			self._realms: dict[str, dict[str, float]] = {}

	def get(self, realm_id: str | None = None) -> dict[str, float]:
		with self._lock:
			return {**self._global, **self._realms.get(realm_id or "", {})}

	def update(self, realm_id: str | None, values: dict[str, Any]) -> dict[str, float]:
		unknown = set(values) - set(DEFAULT_CONFIG)
		if unknown:
			raise ValueError(f"unknown config keys: {sorted(unknown)}")
		checked = {key: _non_negative(key, value) for key, value in values.items()}
		with self._lock:
			target = self._realms.setdefault(realm_id, {}) if realm_id else self._global
			target.update(checked)
		return self.get(realm_id)


def _non_negative(key: str, value: Any) -> float:
	if isinstance(value, bool) or not isinstance(value, int | float | Decimal) or value < 0:
		raise ValueError(f"{key} must be a number >= 0")
	value = int(value) if value == int(value) else float(value)
	if key == "rate_window_seconds" and value == 0:
		raise ValueError("rate_window_seconds must be greater than 0")
	return value


class SlidingWindow:
	"""At most ``limit`` events per key in any ``window`` seconds."""

	def __init__(self) -> None:
		self._events: dict[str, deque[float]] = {}
		self._lock = threading.Lock()

	def hit(self, key: str, limit: float, window: float, now: float) -> int | None:
		"""Record an event; return None when allowed, else seconds until a slot frees (Retry-After)."""
		if not limit:
			return None
		with self._lock:
			events = self._events.setdefault(key, deque())
			while events and events[0] <= now - window:
				events.popleft()
			if len(events) >= limit:
				return max(1, math.ceil(events[0] + window - now))
			events.append(now)
			return None

	def clear(self) -> None:
		with self._lock:
			self._events.clear()


class ConcurrencyGate:
	def __init__(self) -> None:
		self._active: Counter[str] = Counter()
		self._lock = threading.Lock()

	def enter(self, key: str, limit: float) -> bool:
		with self._lock:
			if limit and self._active[key] >= limit:
				return False
			self._active[key] += 1
			return True

	def leave(self, key: str) -> None:
		with self._lock:
			self._active[key] -= 1


@dataclass
class FaultRule:
	fault_id: int
	action: str
	method: str | None = None
	path_regex: re.Pattern[str] | None = None
	realm_id: str | None = None
	status: int = 503
	times: int = 1  # 0 = unlimited
	probability: float = 1.0
	latency_ms: int = 0
	retry_after: int = 1
	format: str = "json"
	random: random.Random = field(default_factory=random.Random)

	def matches(self, method: str, target: str, realm_id: str | None) -> bool:
		if self.method and self.method.upper() != method:
			return False
		if self.realm_id and self.realm_id != realm_id:
			return False
		return self.path_regex is None or self.path_regex.search(target) is not None


class FaultInjector:
	def __init__(self) -> None:
		self._rules: list[FaultRule] = []
		self._next_id = 1
		self._lock = threading.Lock()

	def add(self, spec: dict[str, Any]) -> int:
		"""Register a rule from the admin JSON; raises ValueError on a bad spec."""
		action = spec.get("action")
		if action not in FAULT_ACTIONS:
			raise ValueError(f"action must be one of {FAULT_ACTIONS}")
		match = spec.get("match") or {}
		status = int(spec.get("status", 503))
		if not 400 <= status <= 599:
			raise ValueError("status must be an HTTP error status")
		if spec.get("format", "json") not in ("json", "xml"):
			raise ValueError("format must be json or xml")
		with self._lock:
			rule = FaultRule(
				fault_id=self._next_id,
				action=action,
				method=match.get("method"),
				path_regex=re.compile(match["path_regex"]) if match.get("path_regex") else None,
				realm_id=match.get("realm_id"),
				status=status,
				times=int(spec.get("times", 1)),
				probability=float(spec.get("probability", 1.0)),
				latency_ms=int(spec.get("latency_ms", 0)),
				retry_after=int(spec.get("retry_after", 1)),
				format=spec.get("format", "json"),
				random=random.Random(spec.get("seed")),
			)
			self._next_id += 1
			self._rules.append(rule)
			return rule.fault_id

	def clear(self) -> None:
		with self._lock:
			self._rules.clear()

	def take(self, method: str, target: str, realm_id: str | None) -> FaultRule | None:
		"""The first rule that fires for this request (its remaining count goes down)."""
		with self._lock:
			for rule in self._rules:
				if not rule.matches(method, target, realm_id):
					continue
				if rule.probability < 1 and rule.random.random() >= rule.probability:
					continue
				if rule.times:
					rule.times -= 1
					if rule.times == 0:
						self._rules.remove(rule)
				return rule
		return None


class Stats:
	def __init__(self) -> None:
		self._lock = threading.Lock()
		self.reset()

	def reset(self) -> None:
		with self._lock:
			self._requests: Counter[str] = Counter()
			self._endpoints: Counter[str] = Counter()
			self._events: Counter[str] = Counter()
			self._throttled: Counter[str] = Counter()

	def request(self, realm_id: str | None, endpoint: str) -> None:
		with self._lock:
			if realm_id:
				self._requests[realm_id] += 1
			self._endpoints[endpoint] += 1

	def event(self, name: str, realm_id: str | None = None) -> None:
		with self._lock:
			self._events[name] += 1
			if name == "throttled" and realm_id:
				self._throttled[realm_id] += 1

	def snapshot(self) -> dict[str, Any]:
		with self._lock:
			return {
				"requests": dict(self._requests),
				"throttled": self._events["throttled"],
				"throttled_by_realm": dict(self._throttled),
				"faults_injected": self._events["faults_injected"],
				"dropped": self._events["dropped"],
				"endpoints": dict(self._endpoints),
			}
