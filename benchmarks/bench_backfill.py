"""Historical backfill: ERPNext documents per minute through the sync engine, against QBO's rate limits.

QBO allows 500 requests/min, 10 concurrent requests and 120 batch calls/min per company (a batch call counts as a
request too). A backfill pushes invoices and bills with `PushEngine.push_many` (batches of 30), so its ceiling is
30 x 120 = 3600 documents/min; pushing one document per request (`PushEngine.push`, what submits do) is capped at
500/min.

Framework-free: the ERPNext sample invoices and bills bundled with the app (quickbooks_connector/sample_data: taxed,
discounted, in EUR, on cost centers, against a receipt) are copied under new names into an in-memory port, the real
mapping and engine push them to the bundled emulator configured with QBO's limits on a shorter rate window
(`--window 10` = 83 requests and 20 batch calls per 10 s, QBO's rates in real time), and the client throttles itself
as in production.

	python benchmarks/bench_backfill.py [--windows 3] [--window 10] [--latency-ms 50]

Each mode pushes (windows + 1) x what the client may send per window: the first window's budget goes out in a
burst, so the rate is measured over the whole windows after it ("steady/min") and compared with the ceiling.

Prints a table; exits 1 when the batched backfill's steady rate is below half of its ceiling.
"""

from __future__ import annotations

import argparse
import copy
import logging
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench_client import emulator

from quickbooks_connector.demo import DEFAULT_FIXTURES, FixtureSet, connect, mapping_context
from quickbooks_connector.emulator import EmulatorAdmin
from quickbooks_connector.qbo import Throttle, ThrottleLimits
from quickbooks_connector.sync import MemoryPort, PushEngine, Status

QBO_REQUESTS_PER_MINUTE = 500
QBO_MAX_CONCURRENT = 10
QBO_BATCHES_PER_MINUTE = 120
BATCH_SIZE = 30
CLIENT_HEADROOM = 0.97  # the client stays a little under each limit so clock skew never costs a 429
TEMPLATES = ("Sales Invoice", "Purchase Invoice")


@dataclass
class Run:
	mode: str
	documents: int
	synced: int
	requests: int
	seconds: float
	throttled: int
	ceiling_per_minute: float
	steady_per_minute: float  # after the first rate window, whose unused budget allows a burst

	@property
	def per_minute(self) -> float:
		return self.synced / self.seconds * 60


def main() -> int:
	args = parse_args()
	logging.basicConfig(
		level=logging.ERROR
	)  # expected refusals (accounts QuickBooks already has) are not news
	fixtures = FixtureSet.load(args.fixtures)
	with emulator(args.emulator_url) as base_url:
		admin = EmulatorAdmin(base_url)
		runs = [
			backfill(admin, base_url, fixtures, args, batched=True),
			backfill(admin, base_url, fixtures, args, batched=False),
		]
	print_table(args, runs)
	return 0 if runs[0].steady_per_minute >= 0.5 * runs[0].ceiling_per_minute else 1


def parse_args() -> argparse.Namespace:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument(
		"--windows", type=int, default=3, help="rate windows measured after the first window's burst"
	)
	parser.add_argument("--window", type=float, default=10.0, help="rate window in seconds (QBO: 60)")
	parser.add_argument("--latency-ms", type=int, default=50, help="emulator latency per request")
	parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
	parser.add_argument("--emulator-url", help="use a running emulator instead of starting one")
	return parser.parse_args()


def generated_documents(
	fixtures: FixtureSet, port: MemoryPort, count: int, prefix: str
) -> list[tuple[str, str]]:
	"""`count` copies of the non-return invoices and bills, renamed (and, for bills, renumbered)."""
	templates = [
		doc for doc in fixtures.documents if doc["doctype"] in TEMPLATES and not doc.get("is_return")
	]
	refs = []
	for number in range(count):
		doc = copy.deepcopy(templates[number % len(templates)])
		doc["name"] = f"{prefix}-{number:05d}"
		if doc.get("bill_no"):
			doc["bill_no"] = f"{prefix}-B{number:05d}"
		port.add_document(doc)
		refs.append((doc["doctype"], doc["name"]))
	return refs


def backfill(
	admin: EmulatorAdmin,
	base_url: str,
	fixtures: FixtureSet,
	args: argparse.Namespace,
	*,
	batched: bool,
) -> Run:
	realm = admin.create_realm(home_currency="USD", multicurrency=True, company_name="Backfill bench")
	setup_client = connect(base_url, realm)
	ctx = mapping_context(setup_client, fixtures)  # mirrors the chart of accounts; outside the measurement
	port = fixtures.port()
	warm_up = PushEngine(setup_client, port, ctx, realm)
	for doc in fixtures.documents:  # parties and items exist afterwards, as in a company that already syncs
		if doc["doctype"] in TEMPLATES and not doc.get("is_return"):
			warm_up.push(doc["doctype"], doc["name"])
	per_window = args.window / 60
	requests, batches = (
		math.floor(QBO_REQUESTS_PER_MINUTE * per_window),
		math.floor(QBO_BATCHES_PER_MINUTE * per_window),
	)
	client_requests, client_batches = (
		math.floor(requests * CLIENT_HEADROOM),
		math.floor(batches * CLIENT_HEADROOM),
	)
	# What the client may send in one window: the first window goes out in a burst, each later one when
	# the window slides past the previous burst. Whole windows make the steady rate exact.
	allowance = client_batches * BATCH_SIZE if batched else client_requests
	count = allowance * (args.windows + 1)
	refs = generated_documents(fixtures, port, count, "BF" if batched else "OB")
	admin.configure(
		realm_id=realm,
		rate_limit_per_minute=requests,  # enforced per rate_window_seconds
		batch_per_minute=batches,
		max_concurrent=QBO_MAX_CONCURRENT,
		rate_window_seconds=args.window,
		latency_ms=args.latency_ms,
	)
	admin.advance_clock(args.window)  # the setup calls leave the emulator's window before measuring
	throttle = Throttle(
		ThrottleLimits(
			requests_per_minute=client_requests,
			max_concurrent=QBO_MAX_CONCURRENT,
			batches_per_minute=client_batches,
			window_seconds=args.window,
		)
	)
	engine = PushEngine(connect(base_url, realm, throttle=throttle), port, ctx, realm)
	admin.reset_stats()

	# One batch call (or one document) per push_many call, timestamped, gives the steady-state rate.
	chunk = BATCH_SIZE if batched else 1
	records, marks = [], []
	started = time.monotonic()
	for start in range(0, len(refs), chunk):
		part = refs[start : start + chunk]
		records.extend(engine.push_many(part) if batched else [engine.push(*ref) for ref in part])
		marks.append((len(records), time.monotonic()))
	seconds = time.monotonic() - started

	stats = admin.stats()
	failed = [record for record in records if record.status != Status.SYNCED]
	if failed:
		print(
			f"{len(failed)} documents not synced, e.g. {failed[0].name}: {failed[0].error}", file=sys.stderr
		)
	return Run(
		mode=f"push_many (batches of {BATCH_SIZE})" if batched else "push, one per request",
		documents=count,
		synced=len(records) - len(failed),
		requests=stats["requests"].get(realm, 0),
		seconds=seconds,
		throttled=stats.get("throttled_by_realm", {}).get(realm, 0),
		steady_per_minute=steady_rate(marks, allowance),
		ceiling_per_minute=(
			min(QBO_BATCHES_PER_MINUTE, QBO_REQUESTS_PER_MINUTE) * BATCH_SIZE
			if batched
			else QBO_REQUESTS_PER_MINUTE
		),
	)


def steady_rate(marks: list[tuple[int, float]], burst: int) -> float:
	"""Documents per minute from the moment the first window's burst allowance is used up."""
	after_burst = [(done, at) for done, at in marks if done >= burst]
	if len(after_burst) < 2:
		return float("nan")
	(first_done, first_at), (last_done, last_at) = after_burst[0], after_burst[-1]
	return (last_done - first_done) / (last_at - first_at) * 60


def print_table(args: argparse.Namespace, runs: list[Run]) -> None:
	print()
	print(
		f"QBO limits: {QBO_REQUESTS_PER_MINUTE} requests/min, {QBO_MAX_CONCURRENT} concurrent, "
		f"{QBO_BATCHES_PER_MINUTE} batch calls/min; emulated on a {args.window:g} s window with the limits "
		f"scaled to it, {args.latency_ms} ms latency per request. Documents: copies of the bundled sample "
		"invoices and bills the connector pushes."
	)
	print()
	header = (
		f"{'mode':<28}{'documents':>10}{'synced':>8}{'HTTP calls':>12}{'seconds':>9}{'docs/min':>10}"
		f"{'steady/min':>12}{'ceiling/min':>13}{'of ceiling':>12}{'429s':>6}"
	)
	print(header)
	print("-" * len(header))
	for run in runs:
		print(
			f"{run.mode:<28}{run.documents:>10}{run.synced:>8}{run.requests:>12}{run.seconds:>9.1f}"
			f"{run.per_minute:>10.0f}{run.steady_per_minute:>12.0f}{run.ceiling_per_minute:>13.0f}"
			f"{run.steady_per_minute / run.ceiling_per_minute:>12.1%}{run.throttled:>6}"
		)
	print()
	print(
		"docs/min = synced documents / wall-clock seconds x 60 (the emulated window runs in real time), which "
		"includes the first window's burst; steady/min counts only after it and is compared with the ceiling "
		"(one per request: requests/min; batched: 30 x batch calls/min)."
	)


if __name__ == "__main__":
	sys.exit(main())
