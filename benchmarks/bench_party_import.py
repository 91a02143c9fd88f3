"""How fast, how chatty and how memory-hungry is the party import as the QuickBooks company grows?

For each size, seeds that many parties (customers and vendors, half each) in a fresh emulated company and runs
the framework-free importer against it over HTTP with a port that counts and stores nothing per party:

- a first import (everything), timed;
- the same first import again under tracemalloc, for the peak memory the importer allocates (it streams pages
  of 1000, so the peak must stay flat from 1k to 50k);
- a run after ten quiet minutes with nothing changed, for the requests a routine 5-minute run costs.

The emulator runs in a child process by default, so it neither shares the GIL nor shows up in tracemalloc.

    python benchmarks/bench_party_import.py [--sizes 1000 10000 50000] [--in-process]
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from quickbooks_connector.demo import connect
from quickbooks_connector.emulator import EmulatorAdmin, EmulatorServer
from quickbooks_connector.mapping.party_import import PartyFields
from quickbooks_connector.sync.party_import import ExistingParty, ImportSummary, ItemOutcome, PartyImporter


class CountingPort:
	"""ERPNext that accepts every party and remembers none: only watermarks and counters are kept."""

	def __init__(self) -> None:
		self.watermarks: dict[str, datetime] = {}
		self.reported = 0

	def find_by_qbo_id(self, qbo_entity: str, qbo_id: str) -> ExistingParty | None:
		return None

	def find_by_email(self, party_type: str, email: str) -> ExistingParty | None:
		return None

	def find_by_name(self, party_type: str, name: str) -> ExistingParty | None:
		return None

	def create(self, party_type: str, fields: PartyFields) -> str:
		return fields.name

	def update(self, party_type: str, name: str, fields: PartyFields) -> None:
		pass

	def link(
		self,
		qbo_entity: str,
		qbo_id: str,
		party_type: str,
		name: str,
		version: datetime | None,
		imported: bool,
	) -> None:
		pass

	def mark_deleted(self, qbo_entity: str, qbo_id: str) -> str | None:
		return None

	def get_watermark(self, qbo_entity: str) -> datetime | None:
		return self.watermarks.get(qbo_entity)

	def set_watermark(self, qbo_entity: str, value: datetime) -> None:
		self.watermarks[qbo_entity] = value

	def record(self, outcome: ItemOutcome) -> None:
		self.reported += 1


@dataclass
class Row:
	parties: int
	seconds: float
	requests: int
	peak_bytes: int
	quiet_requests: int

	def line(self) -> str:
		per_minute = self.parties / self.seconds * 60
		return (
			f"| {self.parties:>7} | {self.seconds:>7.2f} | {per_minute:>13,.0f} | {self.requests:>8} | "
			f"{self.peak_bytes / 2**20:>13.2f} | {self.quiet_requests:>17} |"
		)


class EmulatorClock:
	def __init__(self, admin: EmulatorAdmin) -> None:
		self.admin = admin

	def __call__(self) -> datetime:
		offset = self.admin.clock()["offset_seconds"]
		return datetime.now(timezone.utc) + timedelta(seconds=offset)


def measure(base_url: str, size: int) -> Row:
	admin = EmulatorAdmin(base_url)
	realm = admin.create_realm()
	admin.seed(realm, "Customer", count=size // 2)
	admin.seed(realm, "Vendor", count=size - size // 2)
	admin.advance_clock(600)  # the parties were made ten minutes before the import starts
	client = connect(base_url, realm)
	clock = EmulatorClock(admin)

	def requests() -> int:
		return admin.stats()["requests"].get(realm, 0)

	before = requests()
	started = time.perf_counter()
	summary = run(client, CountingPort(), clock)
	seconds = time.perf_counter() - started
	used = requests() - before

	port = CountingPort()
	tracemalloc.start()
	run(client, port, clock)
	peak = tracemalloc.get_traced_memory()[1]
	tracemalloc.stop()

	admin.advance_clock(600)  # ten quiet minutes: the next run finds nothing new
	before = requests()
	quiet = run(client, port, clock)
	quiet_used = requests() - before
	assert quiet.created == 0, quiet
	return Row(summary.created, seconds, used, peak, quiet_used)


def run(client, port: CountingPort, clock: EmulatorClock) -> ImportSummary:
	summary = PartyImporter(client, port, clock=clock).run()
	if summary.error or summary.failed:
		raise RuntimeError(f"the import did not go through: {summary}")
	return summary


@contextlib.contextmanager
def running_emulator(in_process: bool) -> Iterator[str]:
	if in_process:
		server = EmulatorServer(port=0).start()
		try:
			yield server.base_url
		finally:
			server.stop()
		return
	command = [sys.executable, "-m", "quickbooks_connector.emulator", "--port", "0"]
	with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
		try:
			yield process.stdout.readline().split()[-1]
		finally:
			process.terminate()


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 50_000])
	parser.add_argument("--in-process", action="store_true", help="run the emulator in this process")
	args = parser.parse_args()

	with running_emulator(args.in_process) as base_url:
		rows = [measure(base_url, size) for size in args.sizes]

	print("\nParty import (customers + vendors, half each) from the QBO emulator, counting port\n")
	print("| parties | seconds | parties / min | requests | peak MiB (py) | requests, no change |")
	print("|---------|---------|---------------|----------|---------------|-------------------|")
	for row in rows:
		print(row.line())


if __name__ == "__main__":
	main()
