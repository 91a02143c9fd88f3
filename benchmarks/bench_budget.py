"""Several worker processes pushing to one QuickBooks company: one request budget shared through Redis, or a throttle
in each process.

QuickBooks allows 500 requests a minute per company, whatever number of processes send them. Each worker process
here runs a few threads that create invoices one request at a time, as workers pushing submitted documents do, for
`--duration` seconds against one emulated company with QuickBooks' limits on (a `--window` second rate window with
the limits scaled to it, as in bench_client.py). Two modes:

- "Redis budget": every process sends under one `RedisBudget` (qbo/redis_budget.py) on a redis-server this script
  starts in a temporary directory, as the site's workers do under `get_client`;
- "throttle per process": every process has its own in-process `Throttle` with the full budget, as before the
  shared budget: together they send several times what QuickBooks allows and meet 429s.

	python benchmarks/bench_budget.py [--workers 4] [--threads 3] [--window 10] [--duration 30] [--latency-ms 100]

Prints, per mode: the requests the workers completed, their aggregate rate per minute and share of QuickBooks' 500,
each worker's share of them, and the 429s the emulator answered. Needs `redis-server` (Debian: redis-server) and
redis-py. Exits 1 when the shared budget met a 429 or used less than 80% of the limit.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

from bench_client import QBO_REQUESTS_PER_MINUTE, emulator, invoice_payload

from quickbooks_connector.demo import connect
from quickbooks_connector.emulator import EmulatorAdmin
from quickbooks_connector.qbo import Throttle, ThrottleLimits
from quickbooks_connector.qbo.errors import QBOError
from quickbooks_connector.qbo.throttle import DEFAULT_MAX_CONCURRENT, DEFAULT_REQUESTS_PER_MINUTE

QBO_BATCHES_PER_MINUTE = 120
MODES = ("Redis budget", "throttle per process")


@dataclass
class Outcome:
	mode: str
	per_worker: list[int] = field(default_factory=list)
	errors: int = 0
	throttled: int = 0
	seen_by_quickbooks: int = 0
	seconds: list[float] = field(
		default_factory=list
	)  # how long each completed create took, retries included

	def percentile(self, share: float) -> float:
		ordered = sorted(self.seconds)
		return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")

	@property
	def requests(self) -> int:
		return sum(self.per_worker)


def main() -> int:
	args = parse_args()
	if args.worker:
		return worker(json.loads(args.worker))
	if not shutil.which("redis-server"):
		print("redis-server is not installed (Debian: apt-get install redis-server)", file=sys.stderr)
		return 2
	with emulator(args.emulator_url) as base_url, redis_server() as redis_url:
		admin = EmulatorAdmin(base_url)
		outcomes = [run(admin, base_url, redis_url, args, mode) for mode in MODES]
	print_table(args, outcomes)
	shared = outcomes[0]
	ok = shared.throttled == 0 and per_minute(shared.requests, args) >= 0.8 * QBO_REQUESTS_PER_MINUTE
	return 0 if ok else 1


def parse_args() -> argparse.Namespace:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--workers", type=int, default=4, help="worker processes")
	parser.add_argument("--threads", type=int, default=3, help="threads per worker process")
	parser.add_argument("--window", type=float, default=10.0, help="rate window in seconds (QBO: 60)")
	parser.add_argument("--duration", type=float, default=30.0, help="seconds measured per mode")
	parser.add_argument("--latency-ms", type=int, default=100, help="emulator latency per request")
	parser.add_argument("--emulator-url", help="use a running emulator instead of starting one")
	parser.add_argument("--worker", help=argparse.SUPPRESS)
	return parser.parse_args()


def scaled(limit_per_minute: float, args: argparse.Namespace) -> int:
	return math.floor(limit_per_minute * args.window / 60)


def run(admin: EmulatorAdmin, base_url: str, redis_url: str, args: argparse.Namespace, mode: str) -> Outcome:
	realm = admin.create_realm(company_name=f"Budget bench ({mode})")
	payload = invoice_payload(connect(base_url, realm, throttle=Throttle()))
	admin.configure(
		realm_id=realm,
		rate_limit_per_minute=scaled(QBO_REQUESTS_PER_MINUTE, args),
		batch_per_minute=scaled(QBO_BATCHES_PER_MINUTE, args),
		max_concurrent=DEFAULT_MAX_CONCURRENT,
		rate_window_seconds=args.window,
		latency_ms=args.latency_ms,
	)
	admin.advance_clock(args.window)  # the set-up calls leave the emulator's window before measuring
	admin.reset_stats()
	start_at = time.time() + 6  # every worker is up before any sends: they contend from the first request
	config = {
		"base_url": base_url,
		"realm": realm,
		"payload": payload,
		"shared": mode == MODES[0],
		"redis_url": redis_url,
		"budget_key": f"bench|{uuid.uuid4().hex}",
		"threads": args.threads,
		"window": args.window,
		"start_at": start_at,
		"deadline": start_at + args.duration,
	}
	workers = [
		subprocess.Popen(
			[sys.executable, __file__, "--worker", json.dumps(config, default=str)],
			stdout=subprocess.PIPE,
			text=True,
		)
		for _ in range(args.workers)
	]
	outcome = Outcome(mode)
	for process in workers:
		output, _ = process.communicate(timeout=args.duration + 120)
		report = json.loads(output.strip().splitlines()[-1])
		outcome.per_worker.append(report["requests"])
		outcome.errors += report["errors"]
		outcome.seconds.extend(report["seconds"])
	stats = admin.stats()
	outcome.throttled = stats["throttled_by_realm"].get(realm, 0)
	outcome.seen_by_quickbooks = stats["requests"].get(realm, 0)
	return outcome


def worker(config: dict) -> int:
	"""One worker process: `threads` threads creating invoices until the deadline; prints what it completed."""
	limits = ThrottleLimits(
		requests_per_minute=math.floor(DEFAULT_REQUESTS_PER_MINUTE * config["window"] / 60),
		max_concurrent=DEFAULT_MAX_CONCURRENT,
		batches_per_minute=math.floor(118 * config["window"] / 60),
		window_seconds=config["window"],
	)
	if config["shared"]:
		import redis

		from quickbooks_connector.qbo.redis_budget import RedisBudget

		budget = RedisBudget(redis.Redis.from_url(config["redis_url"]), config["budget_key"], limits)
	else:
		budget = Throttle(limits)
	logging.disable(logging.WARNING)  # the 429s of the per-process mode are counted, not news
	client = connect(config["base_url"], config["realm"], throttle=budget)
	client.valid_tokens()
	counts: dict = {"requests": 0, "errors": 0, "seconds": []}
	lock = threading.Lock()

	def work() -> None:
		while time.time() < config["deadline"]:
			started = time.monotonic()
			try:
				client.create("Invoice", config["payload"])
			except QBOError:
				with lock:
					counts["errors"] += 1
				continue
			with lock:
				if time.time() <= config["deadline"]:  # finished inside the measured period
					counts["requests"] += 1
					counts["seconds"].append(round(time.monotonic() - started, 3))

	time.sleep(max(0.0, config["start_at"] - time.time()))
	threads = [threading.Thread(target=work) for _ in range(config["threads"])]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	print(json.dumps(counts), flush=True)
	return 0


def per_minute(count: float, args: argparse.Namespace) -> float:
	return count / args.duration * 60


def print_table(args: argparse.Namespace, outcomes: list[Outcome]) -> None:
	print()
	print(
		f"QBO limit: {QBO_REQUESTS_PER_MINUTE} requests/min per company. {args.workers} worker processes x "
		f"{args.threads} threads create invoices one request at a time for {args.duration:g} s; the emulator "
		f"allows {scaled(QBO_REQUESTS_PER_MINUTE, args)} requests per {args.window:g} s window (QBO's rate), "
		f"{args.latency_ms} ms latency. Each budget allows {DEFAULT_REQUESTS_PER_MINUTE}/min."
	)
	print()
	header = (
		f"{'mode':<22}{'requests':>10}{'per min':>9}{'of 500/min':>12}{'per worker (share)':>24}"
		f"{'429s':>7}{'sent':>7}{'errors':>8}{'p50 s':>8}{'p95 s':>8}{'max s':>8}"
	)
	print(header)
	print("-" * len(header))
	for outcome in outcomes:
		rate = per_minute(outcome.requests, args)
		shares = " ".join(f"{count / max(outcome.requests, 1):.0%}" for count in outcome.per_worker)
		print(
			f"{outcome.mode:<22}{outcome.requests:>10}{rate:>9.0f}{rate / QBO_REQUESTS_PER_MINUTE:>12.1%}"
			f"{shares:>24}{outcome.throttled:>7}{outcome.seen_by_quickbooks:>7}{outcome.errors:>8}"
			f"{outcome.percentile(0.5):>8.2f}{outcome.percentile(0.95):>8.2f}{max(outcome.seconds, default=0):>8.2f}"
		)
	print()
	print(
		"requests: invoices the workers created inside the measured period; per min: their aggregate rate; "
		"sent: requests the emulator received (429s included); 429s are retried by the client after Retry-After; "
		"p50/p95/max: seconds per completed create, waits for the budget and retries included."
	)


@contextmanager
def redis_server():
	"""A redis-server on a free loopback port in a temporary directory, nothing saved to disk."""
	with tempfile.TemporaryDirectory(prefix="bench-redis-") as directory:
		with socket.socket() as probe:
			probe.bind(("127.0.0.1", 0))
			port = probe.getsockname()[1]
		command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", directory]
		process = subprocess.Popen(
			[*command, "--save", "", "--appendonly", "no"],
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
		)
		try:
			deadline = time.monotonic() + 20
			while time.monotonic() < deadline:
				try:
					socket.create_connection(("127.0.0.1", port), timeout=1).close()
					break
				except OSError:
					time.sleep(0.05)
			yield f"redis://127.0.0.1:{port}/0"
		finally:
			process.terminate()
			process.wait(timeout=10)


if __name__ == "__main__":
	sys.exit(main())
