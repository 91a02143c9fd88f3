"""The throttle's windows and concurrency cap, driven by a fake clock (no HTTP, no real waiting)."""

import threading
import time

from quickbooks_connector.qbo import Throttle, ThrottleLimits


class FakeClock:
	def __init__(self) -> None:
		self.now = 1000.0
		self.sleeps: list[float] = []

	def __call__(self) -> float:
		return self.now

	def sleep(self, seconds: float) -> None:
		self.sleeps.append(seconds)
		self.now += seconds


def send_times(throttle: Throttle, clock: FakeClock, count: int, *, batch: bool = False) -> list[float]:
	times = []
	for _ in range(count):
		with throttle.slot(batch=batch):
			times.append(clock.now)
	return times


def max_in_any_window(times: list[float], window: float) -> int:
	return max(sum(1 for other in times if start <= other < start + window) for start in times)


def test_never_more_than_the_limit_in_any_window():
	clock = FakeClock()
	throttle = Throttle(ThrottleLimits(requests_per_minute=5), clock=clock, sleep=clock.sleep)

	times = send_times(throttle, clock, 23)

	assert max_in_any_window(times, 60.0) == 5
	assert times[5] > times[0] + 60  # the sixth request waited for the first to leave the window


def test_batch_calls_count_against_both_windows():
	clock = FakeClock()
	limits = ThrottleLimits(requests_per_minute=10, batches_per_minute=2)
	throttle = Throttle(limits, clock=clock, sleep=clock.sleep)

	batch_times = send_times(throttle, clock, 6, batch=True)
	plain_times = send_times(throttle, clock, 10)

	assert max_in_any_window(batch_times, 60.0) == 2
	assert max_in_any_window(sorted(batch_times + plain_times), 60.0) <= 10


def test_window_is_configurable_for_scaled_runs():
	clock = FakeClock()
	throttle = Throttle(
		ThrottleLimits(requests_per_minute=3, window_seconds=10), clock=clock, sleep=clock.sleep
	)

	times = send_times(throttle, clock, 9)

	assert max_in_any_window(times, 10.0) == 3
	assert times[-1] - times[0] < 30


def test_concurrency_is_capped_across_threads():
	throttle = Throttle(ThrottleLimits(max_concurrent=3))
	in_flight = 0
	peak = 0
	lock = threading.Lock()

	def work() -> None:
		nonlocal in_flight, peak
		with throttle.slot():
			with lock:
				in_flight += 1
				peak = max(peak, in_flight)
			time.sleep(0.01)
			with lock:
				in_flight -= 1

	threads = [threading.Thread(target=work) for _ in range(12)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()

	assert peak == 3


def test_shared_throttle_is_one_per_company_and_host():
	first = Throttle.shared("123", "https://quickbooks.api.intuit.com/v3")

	assert Throttle.shared("123", "https://quickbooks.api.intuit.com/v3") is first
	assert Throttle.shared("456", "https://quickbooks.api.intuit.com/v3") is not first
	assert Throttle.shared("123", "https://sandbox-quickbooks.api.intuit.com/v3") is not first
	assert first.limits == ThrottleLimits(requests_per_minute=490, max_concurrent=10, batches_per_minute=118)
