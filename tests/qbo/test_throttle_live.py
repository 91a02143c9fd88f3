"""The client's throttle keeps it under the emulator's limits, so QBO never has to answer 429.

Time is shared: the throttle's clock and sleep are injected, and every skipped wait also advances the
emulator's clock, so a minute-long window passes without anyone waiting.
"""

import threading

import pytest

from quickbooks_connector.qbo import BatchOperation, Throttle, ThrottleLimits
from quickbooks_connector.qbo.errors import ThrottledError

from .conftest import FakeTime


@pytest.fixture
def shared_time(admin) -> FakeTime:
	return FakeTime(advance_emulator=admin.advance_clock)


def throttled_client(make_client, shared_time: FakeTime, limits: ThrottleLimits, **options):
	throttle = Throttle(limits, clock=shared_time.clock, sleep=shared_time.sleep)
	return make_client(throttle=throttle, sleep=shared_time.sleep, clock=shared_time.clock, **options)


def test_per_minute_limit_is_never_exceeded(make_client, admin, realm, shared_time):
	admin.configure(realm_id=realm, rate_limit_per_minute=20)
	client = throttled_client(
		make_client, shared_time, ThrottleLimits(requests_per_minute=20), max_attempts=1
	)
	admin.reset_stats()
	started = shared_time.clock()

	for _ in range(50):
		client.preferences()

	assert admin.stats()["throttled"] == 0
	# 50 requests at 20 per minute span two full windows (unthrottled they take milliseconds); windows are
	# stamped when a request finishes, so allow for the time the first request itself took.
	assert shared_time.clock() - started > 115


def test_without_the_throttle_the_emulator_limit_bites(make_client, admin, realm, shared_time):
	"""Control for the test above: the limit is real, so staying under it is the throttle's doing."""
	admin.configure(realm_id=realm, rate_limit_per_minute=20)
	client = throttled_client(
		make_client, shared_time, ThrottleLimits(requests_per_minute=1000), max_attempts=1
	)

	with pytest.raises(ThrottledError):
		for _ in range(50):
			client.preferences()


def test_batch_limit_is_never_exceeded(make_client, admin, realm, shared_time):
	admin.configure(realm_id=realm, batch_per_minute=3)
	client = throttled_client(make_client, shared_time, ThrottleLimits(batches_per_minute=3), max_attempts=1)
	admin.reset_stats()
	query = BatchOperation("query", "Customer", query="select * from Customer")
	started = shared_time.clock()

	for _ in range(7):
		assert all(result.ok for result in client.batch([query] * 2))

	assert admin.stats()["throttled"] == 0
	assert shared_time.clock() - started > 115  # 7 batch calls at 3 per minute span two full windows


def test_concurrent_limit_is_shared_by_threads(make_client, admin, realm):
	admin.configure(realm_id=realm, max_concurrent=2, latency_ms=30)
	throttle = Throttle(ThrottleLimits(max_concurrent=2))
	clients = [make_client(throttle=throttle, max_attempts=1) for _ in range(6)]
	admin.reset_stats()
	failures: list[BaseException] = []

	def work(client) -> None:
		try:
			for _ in range(3):
				client.preferences()
		except BaseException as exc:
			failures.append(exc)

	threads = [threading.Thread(target=work, args=(client,)) for client in clients]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()

	assert failures == []
	assert admin.stats()["throttled"] == 0
	assert admin.stats()["requests"][realm] == 18
