"""A backfill through the real Frappe layer: real ERPNext documents of mixed types, each with a party QuickBooks
does not know yet, sent by the backfill job (`push.run_backfill`) to an emulated QuickBooks company that enforces
QBO's limits (500 requests/min, 10 concurrent, 120 batch calls/min, on the real 60 s window), with the site's
shared Redis budget in front of it as in production.

Prints documents per minute, the share of the ceiling, the share of the job's time spent in the database, and the
worker's peak memory. Ceiling: 30 documents per batch call x 120 batch calls/min = 3,600/min when parties exist;
when every document brings a new party, each chunk also needs a batch call creating its parties, so 1,800/min.

Runs inside a bench, with the bench's Python, from the sites folder, on a scratch site (it commits a company's
worth of documents, under a company of its own):

	cd ~/frappe-bench/sites && ../env/bin/python ../apps/quickbooks_connector/benchmarks/bench_site_backfill.py \
		--site SITE [--documents 10000] [--latency 0.5]

The emulator runs in a process of its own (started here), so that its work is not counted as the worker's. Making
the documents is not measured (a few per second); only the backfill job is.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from unittest.mock import patch

import requests

import frappe
from frappe.utils import nowdate

QBO_REQUESTS_PER_MINUTE = 500
QBO_BATCHES_PER_MINUTE = 120
QBO_MAX_CONCURRENT = 10
BATCH_SIZE = 30
COMPANY, ABBR = "QBC Backfill Bench Co", "QBB"
MIX = (("Sales Invoice", 6), ("Purchase Invoice", 3), ("Payment Entry", 1))  # of every 10 documents


@dataclass
class Result:
	documents: int
	synced: int
	seconds: float
	db_seconds: float
	db_queries: int
	peak_rss_mib: float
	requests: int
	batch_calls: int
	throttled: int

	@property
	def per_minute(self) -> float:
		return self.synced * 60 / self.seconds


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--documents", type=int, default=10_000)
	parser.add_argument(
		"--latency", type=float, default=0.5, help="seconds QuickBooks takes for a batch of 30"
	)
	parser.add_argument("--port", type=int, default=8799, help="the emulator's port")
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	try:
		with emulator_process(args.port) as base_url:
			world, settings = connected_company(base_url, args.latency)
			made = make_documents(world, args.documents)
			print(f"made {sum(made.values())} documents: {dict(made)}", file=sys.stderr)
			result = measure(world, settings)
			print_table(result, args)
			return 0 if result.synced == result.documents else 1
	finally:
		frappe.destroy()


@contextmanager
def emulator_process(port: int):
	process = subprocess.Popen(
		[sys.executable, "-m", "quickbooks_connector.emulator", "--port", str(port)],
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
	)
	base_url = f"http://127.0.0.1:{port}"
	try:
		for _ in range(100):
			try:
				requests.get(base_url, timeout=1)  # any answer: it listens
				break
			except requests.ConnectionError:
				time.sleep(0.1)
		yield base_url
	finally:
		process.terminate()
		process.wait(10)


def connected_company(base_url: str, latency: float):
	"""The bench company connected to a fresh emulated company with QBO's limits; pushes wait for the backfill."""
	from quickbooks_connector.tests import utils
	from quickbooks_connector.tests.push_fixtures import PushWorld

	utils._emulator = SimpleNamespace(base_url=base_url)  # the external emulator, not one in this process
	frappe.conf.quickbooks_allow_emulator = 1
	world = PushWorld(COMPANY, ABBR, push_mode="Manual Only")
	world.admin.configure(
		realm_id=world.realm_id,
		rate_limit_per_minute=QBO_REQUESTS_PER_MINUTE,
		batch_per_minute=QBO_BATCHES_PER_MINUTE,
		max_concurrent=QBO_MAX_CONCURRENT,
		rate_window_seconds=60,
		latency_ms=50,
		batch_item_latency_ms=max(0.0, latency * 1000 - 50) / BATCH_SIZE,
	)
	return world, world.settings.name


def make_documents(world, count: int) -> Counter:
	"""`count` submitted documents in the MIX, each invoice with a customer or supplier of its own; payments
	pay an invoice of the run. Committed every 50 documents."""
	made: Counter = Counter()
	run = frappe.generate_hash(length=5)
	invoices = []
	for number in range(count):
		doctype = pick(number)
		if doctype == "Payment Entry" and invoices:
			world.payment_for(invoices.pop(0))
		elif doctype == "Purchase Invoice":
			world.purchase_invoice(supplier=new_party("Supplier", f"QBB Supplier {run}-{number}"))
			doctype = "Purchase Invoice"
		else:
			invoices.append(
				world.sales_invoice(customer=new_party("Customer", f"QBB Customer {run}-{number}"))
			)
			doctype = "Sales Invoice"
		made[doctype] += 1
		if number % 50 == 49:
			frappe.db.commit()  # nosemgrep
	frappe.db.commit()  # nosemgrep
	return made


def pick(number: int) -> str:
	slot = number % 10
	for doctype, share in MIX:
		if slot < share:
			return doctype
		slot -= share
	return MIX[0][0]


def new_party(doctype: str, name: str) -> str:
	group = {
		"Customer": ("customer_group", "All Customer Groups"),
		"Supplier": ("supplier_group", "All Supplier Groups"),
	}
	field, value = group[doctype]
	party = frappe.get_doc({"doctype": doctype, f"{doctype.lower()}_name": name, field: value})
	party.insert(ignore_permissions=True)
	return party.name


def measure(world, settings: str) -> Result:
	from quickbooks_connector.quickbooks_connector import push

	timer = SqlTimer()
	world.admin.reset_stats()
	rss_before = peak_rss_mib()
	started = time.monotonic()
	with patch.object(frappe.db, "sql", timer.wrap(frappe.db.sql)), patch("frappe.publish_progress"):
		counts = push.run_backfill(
			settings, "2000-01-01", nowdate(), list(push.PUSHED_DOCTYPES), "Administrator"
		)
	seconds = time.monotonic() - started
	stats = world.admin.stats()
	return Result(
		documents=sum(counts.values()),
		synced=counts.get("Synced", 0),
		seconds=seconds,
		db_seconds=timer.seconds,
		db_queries=timer.calls,
		peak_rss_mib=max(peak_rss_mib(), rss_before),
		requests=stats["requests"].get(world.realm_id, 0),
		batch_calls=stats["endpoints"].get("POST batch", 0),
		throttled=stats.get("throttled_by_realm", {}).get(world.realm_id, 0),
	)


class SqlTimer:
	def __init__(self) -> None:
		self.seconds, self.calls = 0.0, 0

	def wrap(self, sql):
		def timed(*args, **kwargs):
			started = time.perf_counter()
			try:
				return sql(*args, **kwargs)
			finally:
				self.seconds += time.perf_counter() - started
				self.calls += 1

		return timed


def peak_rss_mib() -> float:
	return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_table(result: Result, args: argparse.Namespace) -> None:
	ceiling = QBO_BATCHES_PER_MINUTE * BATCH_SIZE / 2  # every document brings a new party
	print(
		f"Backfill through the Frappe layer: {result.documents} documents ({', '.join(f'{d} {s}0%' for d, s in MIX)}), "
		f"each invoice with a new party; batch latency {args.latency:g} s; QBO limits on the real 60 s window"
	)
	print(
		f"{'documents':>10}{'synced':>8}{'minutes':>9}{'docs/min':>10}{'ceiling':>9}{'share':>7}"
		f"{'db time':>9}{'queries':>9}{'peak MiB':>10}{'requests':>10}{'batches':>9}{'429s':>6}"
	)
	print(
		f"{result.documents:>10}{result.synced:>8}{result.seconds / 60:>9.1f}{result.per_minute:>10.0f}"
		f"{ceiling:>9.0f}{result.per_minute / ceiling:>7.0%}{result.db_seconds / result.seconds:>9.0%}"
		f"{result.db_queries:>9}{result.peak_rss_mib:>10.0f}{result.requests:>10}{result.batch_calls:>9}"
		f"{result.throttled:>6}"
	)


if __name__ == "__main__":
	sys.exit(main())
