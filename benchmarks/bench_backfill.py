"""Historical backfill: ERPNext documents per minute through the sync engine, against QBO's rate limits, at several
batch-call latencies, for documents of existing and of all-new customers and suppliers.

QBO allows 500 requests/min, 10 concurrent requests and 120 batch calls/min per company (a batch call counts as a
request too). A backfill (`PushEngine.push_many`) sends documents in batch calls of 30 with several calls in flight
while it maps the next chunk, so its ceiling is 30 x 120 = 3600 documents/min. When every document has a party
QuickBooks does not know yet, each chunk also needs a batch call creating its 30 parties: the ceiling halves to
1800/min. QuickBooks answers a batch of 30 in well under a second to a few seconds; `--latencies` sets how long the
emulator takes for a batch call of 30 operations (it grows with the operations a call carries, see the emulator's
`batch_item_latency_ms`; every other request takes 50 ms).

Framework-free: the ERPNext sample invoices and bills bundled with the app (quickbooks_connector/sample_data: taxed,
discounted, in EUR, on cost centers, against a receipt) are copied under new names into an in-memory port, and the
real mapping and engine push them to the bundled emulator configured with QBO's limits on a shorter rate window
(`--window 10` = 83 requests and 20 batch calls per 10 s, QBO's rates in real time); the client throttles itself
as in production (3% under each limit).

	python benchmarks/bench_backfill.py [--latencies 0.1,0.5,1,2] [--parties existing,new] [--windows 2]
		[--window 10] [--pipeline 6] [--one-by-one]

Each run pushes (windows + 1) x what the client may send per window in one `push_many` call: the first window's
budget goes out in a burst, so the rate is measured from the moment that many documents were in QuickBooks to the
end ("steady/min") and compared with the ceiling. `--one-by-one` adds a run of `PushEngine.push` (what submits do,
one request per document; ceiling 500/min) at the first latency.

Prints a table; exits 1 when a pipelined run's steady rate is below half of its ceiling.
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
from quickbooks_connector.sync import MemoryPort, PushEngine, Status, SyncRecord
from quickbooks_connector.sync.engine import BATCH_PIPELINE

QBO_REQUESTS_PER_MINUTE = 500
QBO_MAX_CONCURRENT = 10
QBO_BATCHES_PER_MINUTE = 120
BATCH_SIZE = 30
CLIENT_HEADROOM = 0.97  # the client stays a little under each limit so clock skew never costs a 429
TEMPLATES = ("Sales Invoice", "Purchase Invoice")
BASE_LATENCY_MS = 50  # every request; a batch call of 30 takes the run's latency in all
PARTY_FIELDS = {"Sales Invoice": ("Customer", "customer"), "Purchase Invoice": ("Supplier", "supplier")}


@dataclass
class Run:
	mode: str
	latency: float
	parties: str
	documents: int
	synced: int
	requests: int
	batch_calls: int
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
	runs = []
	with emulator(args.emulator_url) as base_url:
		admin = EmulatorAdmin(base_url)
		for parties in args.parties:
			for latency in args.latencies:
				runs.append(backfill(admin, base_url, fixtures, args, latency, parties, batched=True))
				print(f"  done: {runs[-1].mode}, {latency:g} s, {parties} parties", file=sys.stderr)
		if args.one_by_one:
			runs.append(
				backfill(admin, base_url, fixtures, args, args.latencies[0], "existing", batched=False)
			)
	print_table(args, runs)
	pipelined = [run for run in runs if run.batch_calls]
	return 0 if all(run.steady_per_minute >= 0.5 * run.ceiling_per_minute for run in pipelined) else 1


def parse_args() -> argparse.Namespace:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument(
		"--latencies",
		type=lambda text: [float(value) for value in text.split(",")],
		default=[0.1, 0.5, 1.0, 2.0],
		help="seconds a batch call of 30 takes, comma-separated",
	)
	parser.add_argument(
		"--parties",
		type=lambda text: text.split(","),
		default=["existing", "new"],
		help="existing: parties already in QuickBooks; new: a new customer or supplier per document",
	)
	parser.add_argument(
		"--windows", type=int, default=2, help="rate windows measured after the first window's burst"
	)
	parser.add_argument("--window", type=float, default=10.0, help="rate window in seconds (QBO: 60)")
	parser.add_argument(
		"--pipeline",
		type=int,
		default=BATCH_PIPELINE,
		help="batch calls in flight (PushEngine.batch_pipeline)",
	)
	parser.add_argument(
		"--one-by-one", action="store_true", help="add a run pushing one document per request"
	)
	parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
	parser.add_argument("--emulator-url", help="use a running emulator instead of starting one")
	return parser.parse_args()


def generated_documents(
	fixtures: FixtureSet, port: MemoryPort, count: int, prefix: str, new_parties: bool
) -> list[tuple[str, str]]:
	"""`count` copies of the non-return invoices and bills, renamed (and, for bills, renumbered); with
	`new_parties`, each for a customer or supplier of its own that QuickBooks does not know yet."""
	templates = [
		doc for doc in fixtures.documents if doc["doctype"] in TEMPLATES and not doc.get("is_return")
	]
	refs = []
	for number in range(count):
		doc = copy.deepcopy(templates[number % len(templates)])
		doc["name"] = f"{prefix}-{number:05d}"
		if doc.get("bill_no"):
			doc["bill_no"] = f"{prefix}-B{number:05d}"
		if new_parties:
			party_type, field = PARTY_FIELDS[doc["doctype"]]
			party = copy.deepcopy(port.parties[(party_type, doc[field])])
			name = f"{prefix} {party_type} {number:05d}"
			party.update(name=name, email_id=f"{prefix.lower()}-{number:05d}@example.com")
			party[f"{field}_name"] = name
			port.add_party(party_type, party)
			doc[field], doc[f"{field}_name"] = name, name
		port.add_document(doc)
		refs.append((doc["doctype"], doc["name"]))
	return refs


def backfill(
	admin: EmulatorAdmin,
	base_url: str,
	fixtures: FixtureSet,
	args: argparse.Namespace,
	latency: float,
	parties: str,
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
	new_parties = parties == "new"
	documents_per_call = BATCH_SIZE // 2 if new_parties else BATCH_SIZE  # a parties' call per documents' call
	# What the client may send in one window: the first window goes out in a burst, each later one when the window
	# slides past the previous burst. Whole windows make the steady rate exact.
	allowance = client_batches * documents_per_call if batched else client_requests
	count = allowance * (args.windows + 1)
	prefix = "BF"
	refs = generated_documents(fixtures, port, count, prefix, new_parties)
	admin.configure(
		realm_id=realm,
		rate_limit_per_minute=requests,  # enforced per rate_window_seconds
		batch_per_minute=batches,
		max_concurrent=QBO_MAX_CONCURRENT,
		rate_window_seconds=args.window,
		latency_ms=BASE_LATENCY_MS,
		batch_item_latency_ms=max(0.0, latency * 1000 - BASE_LATENCY_MS) / BATCH_SIZE,
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
	engine = PushEngine(
		connect(base_url, realm, throttle=throttle), port, ctx, realm, batch_pipeline=args.pipeline
	)
	synced_at = watch_synced(port, {name for _, name in refs})
	admin.reset_stats()

	started = time.monotonic()
	records = engine.push_many(refs) if batched else [engine.push(*ref) for ref in refs]
	seconds = time.monotonic() - started

	stats = admin.stats()
	failed = [record for record in records if record.status != Status.SYNCED]
	if failed:
		print(
			f"{len(failed)} documents not synced, e.g. {failed[0].name}: {failed[0].error}", file=sys.stderr
		)
	batch_ceiling = min(QBO_BATCHES_PER_MINUTE, QBO_REQUESTS_PER_MINUTE) * documents_per_call
	return Run(
		mode=f"push_many, {args.pipeline} in flight" if batched else "push, one per request",
		latency=latency,
		parties=parties,
		documents=count,
		synced=len(records) - len(failed),
		requests=stats["requests"].get(realm, 0),
		batch_calls=stats["endpoints"].get("POST batch", 0),
		seconds=seconds,
		throttled=stats.get("throttled_by_realm", {}).get(realm, 0),
		steady_per_minute=steady_rate(sorted(synced_at.values()), allowance),
		ceiling_per_minute=batch_ceiling if batched else QBO_REQUESTS_PER_MINUTE,
	)


def watch_synced(port: MemoryPort, names: set[str]) -> dict[str, float]:
	"""When each of the documents was first saved as synced."""
	synced_at: dict[str, float] = {}
	save = port.save_record

	def save_record(record: SyncRecord) -> None:
		save(record)
		if record.status == Status.SYNCED and record.name in names:
			synced_at.setdefault(record.name, time.monotonic())

	port.save_record = save_record  # type: ignore[method-assign]
	return synced_at


def steady_rate(times: list[float], burst: int) -> float:
	"""Documents per minute from the moment the first window's burst allowance is in QuickBooks to the last one."""
	if len(times) <= burst + 1:
		return float("nan")
	return (len(times) - burst) / (times[-1] - times[burst - 1]) * 60


def print_table(args: argparse.Namespace, runs: list[Run]) -> None:
	print()
	print(
		f"QBO limits: {QBO_REQUESTS_PER_MINUTE} requests/min, {QBO_MAX_CONCURRENT} concurrent, "
		f"{QBO_BATCHES_PER_MINUTE} batch calls/min; emulated on a {args.window:g} s window with the limits scaled to "
		f"it. Latency: the seconds a batch call of 30 takes ({BASE_LATENCY_MS} ms for every other request). "
		"Documents: copies of the bundled sample invoices and bills the connector pushes."
	)
	print()
	header = (
		f"{'mode':<24}{'latency':>8}{'parties':>10}{'documents':>10}{'synced':>8}{'calls':>7}{'batch':>7}"
		f"{'seconds':>9}{'docs/min':>10}{'steady/min':>12}{'ceiling/min':>13}{'of ceiling':>12}{'429s':>6}"
	)
	print(header)
	print("-" * len(header))
	for run in runs:
		print(
			f"{run.mode:<24}{run.latency:>7g}s{run.parties:>10}{run.documents:>10}{run.synced:>8}{run.requests:>7}"
			f"{run.batch_calls:>7}{run.seconds:>9.1f}{run.per_minute:>10.0f}{run.steady_per_minute:>12.0f}"
			f"{run.ceiling_per_minute:>13.0f}{run.steady_per_minute / run.ceiling_per_minute:>12.1%}"
			f"{run.throttled:>6}"
		)
	print()
	print(
		"docs/min = synced documents / wall-clock seconds x 60 (the emulated window runs in real time), including "
		"the first window's burst; steady/min counts only after it and is compared with the ceiling (batched: 30 "
		"documents per batch call, 15 when each document also has a new party to create; one per request: "
		"requests/min). calls: requests QuickBooks received, batch: of which batch calls."
	)


if __name__ == "__main__":
	sys.exit(main())
