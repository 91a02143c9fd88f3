"""One per-company request budget for every worker process on every machine of a site, kept in Redis.

QBO's limits (500 requests and 120 batch calls per minute, 10 concurrent requests) hold per company and app, not
per process: four workers with a `Throttle` each would send four times the budget and meet 429s. `RedisBudget`
keeps the budget in the site's Redis with the same interface (`RequestBudget`) and the same counting rule as the
in-process `Throttle`.

Design, per company (one Redis hash tag, so a Redis Cluster keeps the three keys on one node):

- ``{prefix}:requests`` and ``{prefix}:batches``: sliding logs as sorted sets, one member per request, scored by
  when it counts until. A request being sent is scored `now + lease` (it counts as long as it is in flight), and
  re-scored with the time it finished when its answer is in; members older than the window are dropped. Sliding
  logs rather than fixed windows (INCR + EXPIRE per minute): a fixed window lets a full budget go out at 0:59 and
  another at 1:00, twice QBO's rate within two seconds, and QBO (like the emulator) counts in a sliding window, so
  that burst would come back as 429s. The log costs one member per request of the last minute (at most a few
  hundred per company) and O(log n) per operation.
- ``{prefix}:slots``: the concurrency slots as a sorted set of slot ids scored by their lease expiry. A worker that
  dies mid-request never releases its slot; the slot is dropped once its lease has expired, and its request
  stops counting in the windows a window after that. The lease must outlast a request (the client's read timeout
  is 60 s); a request slower than its lease loses its slot early, which at worst costs a 429 that is retried.

Acquiring checks all three and takes them in one Lua script (atomic: no other worker's check can interleave), on
the Redis server's clock (`TIME`), so machines whose clocks disagree still share one window. A refused acquire
answers how long to wait: until the oldest finished request leaves the window when that is what blocks, or a
short poll when requests in flight hold the budget. Releasing is a second script. Keys expire when the budget is
idle. If Redis cannot be reached, calls go through the process's own `Throttle` instead (logged), for 30 s before
Redis is tried again: pushes go on, at worst with 429s from QBO, which the client retries.

The core never imports frappe or redis: `redis` is any client with `evalsha(sha, numkeys, *keys_and_args)` and
`eval(script, numkeys, *keys_and_args)` (redis-py's `Redis`, and so Frappe's `frappe.cache`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from quickbooks_connector.qbo.throttle import RequestBudget, Throttle, ThrottleLimits

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 90.0  # longer than any request: the client's read timeout is 60 s
POLL_SECONDS = 0.05  # how soon to ask again when requests in flight hold the budget
RETRY_REDIS_AFTER = 30.0  # after Redis failed, calls use the fallback this long before Redis is tried again

# KEYS: slots, requests, batches. ARGV: slot id, max concurrent, requests limit, batches limit (0: not a batch),
# window ms, lease ms. Answers 0 when the slot was taken, else the milliseconds to wait (-1: poll).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = ARGV[1]
local max_concurrent, request_limit, batch_limit = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local window, lease = tonumber(ARGV[5]), tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
-- 0: free now; > 0: milliseconds until free; -1: held by requests in flight (ask again soon)
local function combine(wait, w)
	if w > 0 then
		return math.max(wait, w)
	end
	if w < 0 and wait == 0 then
		return -1
	end
	return wait
end
local function window_wait(key, limit)
	redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
	local count = redis.call('ZCARD', key)
	if count < limit then
		return 0
	end
	-- one more fits once the (count - limit + 1) oldest have left the window
	local blocking = tonumber(redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')[2])
	if blocking > now then
		return -1
	end
	return blocking + window - now + 1
end
local wait = 0
if redis.call('ZCARD', KEYS[1]) >= max_concurrent then
	wait = -1
end
wait = combine(wait, window_wait(KEYS[2], request_limit))
if batch_limit > 0 then
	wait = combine(wait, window_wait(KEYS[3], batch_limit))
end
if wait ~= 0 then
	return wait
end
redis.call('ZADD', KEYS[1], now + lease, id)
redis.call('ZADD', KEYS[2], now + lease, id)
if batch_limit > 0 then
	redis.call('ZADD', KEYS[3], now + lease, id)
end
for i = 1, 3 do
	redis.call('PEXPIRE', KEYS[i], window + 2 * lease)
end
return 0
"""

# KEYS: slots, requests, batches. ARGV: slot id, window ms, lease ms. Frees the slot; the request counts from now.
_RELEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = ARGV[1]
redis.call('ZREM', KEYS[1], id)
redis.call('ZADD', KEYS[2], 'XX', now, id)
redis.call('ZADD', KEYS[3], 'XX', now, id)
for i = 2, 3 do
	redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2]) + 2 * tonumber(ARGV[3]))
end
return 1
"""


class ScriptingRedis(Protocol):
	"""What `RedisBudget` needs of a Redis client (redis-py's `Redis` has both)."""

	def evalsha(self, sha: str, numkeys: int, *keys_and_args: Any) -> Any: ...

	def eval(self, script: str, numkeys: int, *keys_and_args: Any) -> Any: ...


class _Script:
	"""A Lua script run by its SHA1, loaded with EVAL the first time Redis does not know it (NOSCRIPT)."""

	def __init__(self, source: str) -> None:
		self.source = source
		self.sha = hashlib.sha1(source.encode()).hexdigest()

	def __call__(self, redis: ScriptingRedis, keys: list[str], args: list[Any]) -> Any:
		try:
			return redis.evalsha(self.sha, len(keys), *keys, *args)
		except (
			Exception
		) as error:  # redis-py raises NoScriptError; other clients pass Redis' "NOSCRIPT ..." on
			if type(error).__name__ != "NoScriptError" and "NOSCRIPT" not in str(error):
				raise
		return redis.eval(self.source, len(keys), *keys, *args)


_acquire, _release = _Script(_ACQUIRE), _Script(_RELEASE)


class RedisBudget:
	"""The budget of one company shared through Redis: `with budget.slot(batch=...)` around every QBO call.

	`key_prefix` names the company (the Frappe layer uses the site and the realm id); `limits` are the same as a
	`Throttle`'s; `fallback` is used while Redis cannot be reached."""

	def __init__(
		self,
		redis: ScriptingRedis,
		key_prefix: str,
		limits: ThrottleLimits | None = None,
		*,
		lease_seconds: float = DEFAULT_LEASE_SECONDS,
		fallback: RequestBudget | None = None,
		sleep: Callable[[float], None] = time.sleep,
		clock: Callable[[], float] = time.monotonic,
	) -> None:
		self.limits = limits or ThrottleLimits()
		if (
			min(self.limits.requests_per_minute, self.limits.max_concurrent, self.limits.batches_per_minute)
			< 1
		):
			raise ValueError("a budget limit must be at least 1")
		self._redis = redis
		tag = "{" + key_prefix + "}"  # one hash slot for the three keys
		self.keys = [f"qbo-budget:{tag}:slots", f"qbo-budget:{tag}:requests", f"qbo-budget:{tag}:batches"]
		self._window_ms = round(self.limits.window_seconds * 1000)
		self._lease_ms = round(lease_seconds * 1000)
		self._fallback = fallback or Throttle(self.limits)
		self._sleep = sleep
		self._clock = clock
		self._down_until = 0.0
		self._owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"

	@contextmanager
	def slot(self, *, batch: bool = False) -> Iterator[None]:
		"""Block until the request may be sent; hold a concurrency slot (and its lease) until it completes."""
		slot_id = f"{self._owner}-{uuid.uuid4().hex}"
		if not self._acquire(slot_id, batch):
			with self._fallback.slot(batch=batch):
				yield
			return
		try:
			yield
		finally:
			self._release(slot_id)

	def in_use(self) -> dict[str, int]:
		"""How many slots are taken and how many requests and batch calls the windows hold (for benchmarks)."""
		return {
			name: int(self._redis.zcard(key))  # type: ignore[attr-defined]
			for name, key in zip(("slots", "requests", "batches"), self.keys, strict=True)
		}

	def _acquire(self, slot_id: str, batch: bool) -> bool:
		"""Wait for and take the slot; False when Redis cannot be reached (the caller uses the fallback)."""
		limits = self.limits
		args = [
			slot_id,
			limits.max_concurrent,
			limits.requests_per_minute,
			limits.batches_per_minute if batch else 0,
			self._window_ms,
			self._lease_ms,
		]
		while True:
			if self._clock() < self._down_until:
				return False
			try:
				wait_ms = int(_acquire(self._redis, self.keys, args))
			except Exception as error:
				self._down_until = self._clock() + RETRY_REDIS_AFTER
				log.warning(
					"QuickBooks request budget in Redis unavailable (%s: %s); using this process's own for %.0f s",
					type(error).__name__,
					error,
					RETRY_REDIS_AFTER,
				)
				return False
			if wait_ms == 0:
				return True
			# A little jitter so that workers waiting for the same moment do not all ask at once.
			seconds = POLL_SECONDS if wait_ms < 0 else wait_ms / 1000
			self._sleep(seconds * random.uniform(1.0, 1.2))

	def _release(self, slot_id: str) -> None:
		try:
			_release(self._redis, self.keys, [slot_id, self._window_ms, self._lease_ms])
		except Exception as error:  # the lease frees the slot in time; the request still counts meanwhile
			log.warning("QuickBooks request budget slot not released (%s: %s)", type(error).__name__, error)
