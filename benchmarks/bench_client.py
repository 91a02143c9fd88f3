"""How many invoices per minute the QBO client pushes under QBO's limits: one per request vs batched by 30.

QBO allows 500 requests/min, 10 concurrent requests and 120 batch calls/min per company (batch calls count as
requests too). So the ceilings are 500 invoices/min one at a time and 120 x 30 = 3600 invoices/min batched.

To finish in about two minutes the emulator and the client's throttle use a shorter rate window with the limits
scaled to it (`--window 12` = 100 requests and 24 batch calls per 12 s, QBO's rates in real time); results are
reported per minute. `--time-scale 2` would additionally run two QBO minutes per wall-clock minute.

	python benchmarks/bench_client.py [--window 12] [--duration 48] [--latency-ms 100] [--emulator-url URL]

Done when batched throughput is within 10% of its ceiling. The client keeps ~2% headroom under each limit.
"""

import argparse
import math
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

from quickbooks_connector.emulator import EmulatorAdmin
from quickbooks_connector.qbo import (
	BatchOperation,
	MemoryTokenStore,
	OAuth,
	QBOClient,
	Throttle,
	ThrottleLimits,
	Tokens,
	endpoints_for,
)
from quickbooks_connector.qbo.errors import QBOError
from quickbooks_connector.qbo.throttle import (
	DEFAULT_BATCHES_PER_MINUTE,
	DEFAULT_REQUESTS_PER_MINUTE,
)

QBO_REQUESTS_PER_MINUTE = 500
QBO_MAX_CONCURRENT = 10
QBO_BATCHES_PER_MINUTE = 120
BATCH_SIZE = 30


@dataclass(frozen=True)
class Limits:
	"""Per-window limits for the emulator and for the client's throttle."""

	requests: int
	batches: int
	client_requests: int
	client_batches: int


@dataclass
class Outcome:
	mode: str
	invoices: int = 0
	requests: int = 0
	errors: int = 0
	throttled: int = 0


def main() -> int:
	args = parse_args()
	with emulator(args.emulator_url) as base_url:
		admin = EmulatorAdmin(base_url)
		admin.reset()
		limits = window_limits(args)
		outcomes = [
			run(admin, base_url, args, limits, "one at a time", batched=False),
			run(admin, base_url, args, limits, f"batched ({BATCH_SIZE}/call)", batched=True),
		]
	print_table(args, limits, outcomes)
	batched = outcomes[1]
	return 0 if per_minute(batched.invoices, args) >= 0.9 * batched_ceiling(args) else 1


def parse_args() -> argparse.Namespace:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--window", type=float, default=12.0, help="rate window in seconds (QBO: 60)")
	parser.add_argument("--duration", type=float, default=48.0, help="seconds measured per mode")
	parser.add_argument("--time-scale", type=float, default=1.0, help="QBO minutes per wall-clock minute")
	parser.add_argument("--requests-per-minute", type=int, default=QBO_REQUESTS_PER_MINUTE)
	parser.add_argument("--batches-per-minute", type=int, default=QBO_BATCHES_PER_MINUTE)
	parser.add_argument("--max-concurrent", type=int, default=QBO_MAX_CONCURRENT)
	parser.add_argument("--latency-ms", type=int, default=100, help="emulator latency per request")
	parser.add_argument("--emulator-url", help="use a running emulator instead of starting one")
	return parser.parse_args()


def window_limits(args: argparse.Namespace) -> Limits:
	per_window = args.window / 60 * args.time_scale
	requests = math.floor(args.requests_per_minute * per_window)
	batches = math.floor(args.batches_per_minute * per_window)
	return Limits(
		requests=requests,
		batches=batches,
		client_requests=math.floor(requests * DEFAULT_REQUESTS_PER_MINUTE / QBO_REQUESTS_PER_MINUTE),
		client_batches=math.floor(batches * DEFAULT_BATCHES_PER_MINUTE / QBO_BATCHES_PER_MINUTE),
	)


def run(
	admin: EmulatorAdmin, base_url: str, args: argparse.Namespace, limits: Limits, mode: str, *, batched: bool
) -> Outcome:
	"""Create invoices for `duration` seconds from `max_concurrent` threads; count those done in time."""
	realm = admin.create_realm(company_name=f"Bench {mode}")
	endpoints = endpoints_for("custom", base_url)
	oauth = OAuth("emulator-client-id", "emulator-client-secret", "https://example.com/callback", endpoints)
	store = MemoryTokenStore(Tokens.from_token_response(admin.issue_tokens(realm), realm, time.time()))
	throttle = Throttle(
		ThrottleLimits(
			requests_per_minute=limits.client_requests,
			max_concurrent=args.max_concurrent,
			batches_per_minute=limits.client_batches,
			window_seconds=args.window,
		)
	)
	make_client = lambda: QBOClient(realm, oauth, store, endpoints, throttle=throttle)  # noqa: E731
	payload = invoice_payload(
		QBOClient(realm, oauth, store, endpoints, throttle=Throttle())
	)  # not in the budget
	admin.configure(
		realm_id=realm,
		rate_limit_per_minute=limits.requests,  # enforced per rate_window_seconds
		batch_per_minute=limits.batches,
		max_concurrent=args.max_concurrent,
		rate_window_seconds=args.window,
		latency_ms=args.latency_ms,
	)
	admin.advance_clock(args.window)  # setup calls leave the emulator's window before measuring
	outcome = Outcome(mode)
	lock = threading.Lock()
	deadline = time.monotonic() + args.duration

	def work() -> None:
		client = make_client()
		while time.monotonic() < deadline:
			try:
				created = create_batch(client, payload) if batched else create_one(client, payload)
			except QBOError:
				with lock:
					outcome.errors += 1
				continue
			with lock:
				if time.monotonic() <= deadline:  # finished inside the measured period
					outcome.invoices += created
					outcome.requests += 1

	threads = [threading.Thread(target=work) for _ in range(args.max_concurrent)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	outcome.throttled = admin.stats()["throttled_by_realm"].get(realm, 0)
	return outcome


def create_one(client: QBOClient, payload: dict) -> int:
	client.create("Invoice", payload)
	return 1


def create_batch(client: QBOClient, payload: dict) -> int:
	results = client.batch([BatchOperation("create", "Invoice", payload=payload)] * BATCH_SIZE)
	failed = [result.error for result in results if not result.ok]
	if failed:
		raise failed[0]
	return len(results)


def invoice_payload(client: QBOClient) -> dict:
	income = next(client.query("select * from Account where AccountType = {}", "Income"))["Id"]
	item = client.create(
		"Item", {"Name": "Bench Service", "Type": "Service", "IncomeAccountRef": {"value": income}}
	)
	customer = client.create("Customer", {"DisplayName": "Bench Customer"})
	price = Decimal("125.50")
	return {
		"CustomerRef": {"value": customer["Id"]},
		"Line": [
			{
				"DetailType": "SalesItemLineDetail",
				"Amount": price * 2,
				"SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 2, "UnitPrice": price},
			}
		],
	}


def per_minute(count: float, args: argparse.Namespace) -> float:
	"""Per QBO minute: wall-clock rate divided by how many QBO minutes pass per wall-clock minute."""
	return count / args.duration * 60 / args.time_scale


def one_at_a_time_ceiling(args: argparse.Namespace) -> float:
	return args.requests_per_minute


def batched_ceiling(args: argparse.Namespace) -> float:
	# Batch calls also count as requests, so the tighter of the two limits caps them.
	return min(args.batches_per_minute, args.requests_per_minute) * BATCH_SIZE


def print_table(args: argparse.Namespace, limits: Limits, outcomes: list[Outcome]) -> None:
	print()
	print(
		f"QBO limits per minute: {args.requests_per_minute} requests, {args.max_concurrent} concurrent, "
		f"{args.batches_per_minute} batch calls (batch calls count as requests too)"
	)
	print(
		f"Scaled run: a {args.window:g} s rate window ({args.time_scale:g} QBO minute per wall minute) allows "
		f"{limits.requests} requests / {limits.batches} batch calls per window; the client throttles at "
		f"{limits.client_requests} / {limits.client_batches}. {args.duration:g} s per mode, "
		f"{args.latency_ms} ms emulator latency, {args.max_concurrent} threads."
	)
	print()
	header = (
		f"{'mode':<20}{'invoices':>10}{'HTTP calls':>12}{'invoices/min':>14}{'ceiling/min':>13}"
		f"{'of ceiling':>12}{'429s':>7}{'errors':>8}"
	)
	print(header)
	print("-" * len(header))
	ceilings = [one_at_a_time_ceiling(args), batched_ceiling(args)]
	for outcome, ceiling in zip(outcomes, ceilings, strict=True):
		rate = per_minute(outcome.invoices, args)
		print(
			f"{outcome.mode:<20}{outcome.invoices:>10}{outcome.requests:>12}{rate:>14.0f}{ceiling:>13.0f}"
			f"{rate / ceiling:>12.1%}{outcome.throttled:>7}{outcome.errors:>8}"
		)
	print()
	print(
		"Ceilings: one at a time = requests/min; batched = 30 x min(batch calls/min, requests/min). Only calls "
		"that finished inside the measured period count; the ~2% client headroom is included in the gap."
	)


class emulator:
	"""A running emulator: the one at `url`, or a fresh `python -m quickbooks_connector.emulator` process (its
	own process, so the benchmark's client threads do not share a GIL with the server)."""

	def __init__(self, url: str | None) -> None:
		self._url = url
		self._process: subprocess.Popen[str] | None = None

	def __enter__(self) -> str:
		if self._url:
			return self._url
		self._process = subprocess.Popen(
			[sys.executable, "-m", "quickbooks_connector.emulator", "--port", "0"],
			stdout=subprocess.PIPE,
			text=True,
		)
		line = self._process.stdout.readline() if self._process.stdout else ""
		if "http://" not in line:
			self.__exit__()
			raise RuntimeError(f"the emulator did not start: {line!r}")
		return line.strip().rsplit(" ", 1)[-1]

	def __exit__(self, *exc_info: object) -> None:
		if self._process:
			self._process.terminate()
			self._process.wait(timeout=10)


if __name__ == "__main__":
	sys.exit(main())
