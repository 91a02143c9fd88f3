"""The request budget in Redis, against a real redis-server started for these tests (skipped only when the
redis-server binary is missing; `.ci/run` installs it): one budget for several processes, leases that free a dead
worker's slot, the fallback when Redis is away, and the client calling QuickBooks under it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from quickbooks_connector.qbo import MemoryTokenStore, QBOClient, ThrottleLimits, Tokens
from quickbooks_connector.qbo.redis_budget import RedisBudget

from .redis_server import RedisServer

pytestmark = pytest.mark.skipif(
	RedisServer().binary is None, reason="redis-server is not installed (.ci/run installs it)"
)


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
	with RedisServer() as server:
		yield server


@pytest.fixture
def connection(redis_server: RedisServer) -> Iterator[redis.Redis]:
	client = redis.Redis.from_url(redis_server.url)
	yield client
	client.close()


def budget_for(connection: redis.Redis, limits: ThrottleLimits, **options) -> RedisBudget:
	return RedisBudget(connection, f"test|{uuid.uuid4().hex}", limits, **options)


def peak_overlap(intervals: list[tuple[float, float]]) -> int:
	events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
	peak = current = 0
	for _, change in events:  # at equal times an end (-1) sorts before a start (+1)
		current += change
		peak = max(peak, current)
	return peak


def most_started_within(starts: list[float], seconds: float) -> int:
	starts = sorted(starts)
	return max(sum(1 for other in starts if first <= other < first + seconds) for first in starts)


def test_requests_and_batch_calls_stay_within_their_windows(connection):
	limits = ThrottleLimits(requests_per_minute=4, max_concurrent=10, batches_per_minute=2, window_seconds=1)
	budget = budget_for(connection, limits)
	plain, batches = [], []

	started = time.time()
	for _ in range(3):
		with budget.slot(batch=True):
			batches.append(time.time())
	for _ in range(5):
		with budget.slot():
			plain.append(time.time())

	assert most_started_within(batches, 1.0) <= 2
	assert most_started_within(batches + plain, 1.0) <= 4
	assert batches[2] - batches[0] >= 1.0  # the third batch call waited for the first to leave the window
	assert time.time() - started < 10


def test_concurrency_is_capped_across_threads(connection):
	budget = budget_for(connection, ThrottleLimits(max_concurrent=3, window_seconds=1))
	intervals = []
	lock = threading.Lock()

	def work() -> None:
		with budget.slot():
			start = time.time()
			time.sleep(0.05)
			end = time.time()
		with lock:
			intervals.append((start, end))

	threads = [threading.Thread(target=work) for _ in range(10)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()

	assert len(intervals) == 10
	assert peak_overlap(intervals) <= 3
	assert budget.in_use()["slots"] == 0


WORKER = textwrap.dedent(
	"""
	import json, sys, time
	import redis
	from quickbooks_connector.qbo import ThrottleLimits
	from quickbooks_connector.qbo.redis_budget import RedisBudget

	url, prefix, count, hold, start_at = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
	limits = ThrottleLimits(requests_per_minute=6, max_concurrent=2, batches_per_minute=6, window_seconds=2)
	budget = RedisBudget(redis.Redis.from_url(url), prefix, limits)
	time.sleep(max(0.0, start_at - time.time()))
	for _ in range(count):
		with budget.slot():
			start = time.time()
			time.sleep(hold)
			end = time.time()
		print(json.dumps([start, end]), flush=True)
	"""
)


def test_several_processes_share_one_budget(redis_server, connection):
	"""Three worker processes, 6 requests each, on one budget of 6 requests per 2 s and 2 at a time."""
	prefix = f"test|{uuid.uuid4().hex}"
	start_at = time.time() + 3  # every process is up before anyone sends: they contend from the first request
	workers = [
		subprocess.Popen(
			[sys.executable, "-c", WORKER, redis_server.url, prefix, "6", "0.05", str(start_at)],
			stdout=subprocess.PIPE,
			text=True,
			cwd=os.getcwd(),
		)
		for _ in range(3)
	]
	outputs = [worker.communicate(timeout=120)[0] for worker in workers]
	assert [worker.returncode for worker in workers] == [0, 0, 0]
	intervals = [tuple(json.loads(line)) for output in outputs for line in output.splitlines()]

	assert len(intervals) == 18
	# Recorded inside the slot: each interval lies within the time its slot was held.
	assert peak_overlap(intervals) <= 2
	# Each start is recorded a little after Redis granted it, never before: 0.7 s of slack covers the delay of a
	# loaded machine. 18 requests at 6 per 2 s take at least 4 s after the first.
	starts = [start for start, _ in intervals]
	assert most_started_within(starts, 2.0 - 0.7) <= 6
	assert max(starts) - min(starts) >= 4.0 - 0.7
	assert RedisBudget(connection, prefix, ThrottleLimits()).in_use()["slots"] == 0


HOLDER = textwrap.dedent(
	"""
	import sys, time
	import redis
	from quickbooks_connector.qbo import ThrottleLimits
	from quickbooks_connector.qbo.redis_budget import RedisBudget

	limits = ThrottleLimits(max_concurrent=1, window_seconds=1)
	budget = RedisBudget(redis.Redis.from_url(sys.argv[1]), sys.argv[2], limits, lease_seconds=float(sys.argv[3]))
	with budget.slot():
		print("holding", flush=True)
		time.sleep(600)
	"""
)


def test_a_killed_workers_slot_is_freed_after_its_lease(redis_server, connection):
	prefix, lease = f"test|{uuid.uuid4().hex}", 2.0
	holder = subprocess.Popen(
		[sys.executable, "-c", HOLDER, redis_server.url, prefix, str(lease)],
		stdout=subprocess.PIPE,
		text=True,
	)
	try:
		assert holder.stdout and holder.stdout.readline().strip() == "holding"
		granted_before = time.time()
	finally:
		os.kill(holder.pid, signal.SIGKILL)
		holder.wait()
	budget = RedisBudget(connection, prefix, ThrottleLimits(max_concurrent=1, window_seconds=1))
	assert budget.in_use()["slots"] == 1  # the dead worker never released it

	with budget.slot():
		waited_until = time.time()

	assert waited_until >= granted_before + lease - 0.5  # held until the lease ran out...
	assert waited_until <= granted_before + lease + 5  # ...and not longer
	assert budget.in_use()["slots"] == 0


def test_scripts_are_loaded_again_after_redis_forgot_them(connection):
	budget = budget_for(connection, ThrottleLimits(window_seconds=1))
	with budget.slot():
		pass
	connection.script_flush()

	with budget.slot(batch=True):
		assert budget.in_use() == {"slots": 1, "requests": 2, "batches": 1}


def test_without_redis_the_process_budget_takes_over_for_a_while(caplog):
	unreachable = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
	now = [100.0]
	budget = RedisBudget(unreachable, "test|down", ThrottleLimits(max_concurrent=1), clock=lambda: now[0])

	for _ in range(3):
		with budget.slot():
			pass
	assert caplog.text.count("using this process's own") == 1  # Redis was asked once, not on every call
	now[0] += 31
	with budget.slot():
		pass

	assert caplog.text.count("using this process's own") == 2


def test_the_client_sends_under_the_shared_budget(connection, emulator, endpoints, oauth, realm, tokens):
	budget = budget_for(connection, ThrottleLimits(requests_per_minute=3, window_seconds=1))
	store = MemoryTokenStore(Tokens.from_token_response(tokens, realm, time.time()))
	client = QBOClient(realm, oauth, store, endpoints, throttle=budget)

	started = time.time()
	for _ in range(4):
		assert client.company_info()["CompanyName"]

	assert time.time() - started >= 1.0  # the fourth call waited for the window
	assert 1 <= budget.in_use()["requests"] <= 3
	assert client.budget is budget
