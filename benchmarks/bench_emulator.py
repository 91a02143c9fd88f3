"""How fast is the QBO emulator on loopback? It must never be the bottleneck of a connector test or benchmark.

Starts an emulator (in a child process unless ``--in-process``), seeds a company with many customers through
the admin API, then measures requests per second for reads, creates, 1000-row query pages, a fresh LIKE +
ORDERBY search and a count over all customers, sequentially and from a few threads (one keep-alive HTTP
session per thread), and prints a table. Client and emulator share the machine, so the numbers are a floor.

    python benchmarks/bench_emulator.py [--requests 2000] [--pages 50] [--threads 4] [--customers 50000]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import requests

from quickbooks_connector.emulator import EmulatorAdmin, EmulatorServer

Call = Callable[[requests.Session, int], requests.Response]


@dataclass
class Result:
	name: str
	threads: int
	requests: int
	seconds: float
	latencies: list[float]

	def row(self) -> str:
		latencies = sorted(self.latencies)
		p50 = statistics.median(latencies) * 1000
		p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
		rate = self.requests / self.seconds
		return (
			f"| {self.name:<34} | {self.threads:>7} | {self.requests:>8} | {self.seconds:>7.2f} | "
			f"{rate:>8.0f} | {p50:>6.2f} | {p95:>6.2f} |"
		)


def measure(name: str, call: Call, total: int, threads: int, headers: dict[str, str]) -> Result:
	counter = itertools.count()
	latencies: list[float] = []
	errors: list[str] = []
	lock = threading.Lock()

	def worker() -> None:
		session = requests.Session()
		session.headers.update(headers)
		mine = []
		while (number := next(counter)) < total:
			started = time.perf_counter()
			response = call(session, number)
			mine.append(time.perf_counter() - started)
			if response.status_code != 200:
				with lock:
					errors.append(f"{name}: HTTP {response.status_code} {response.text[:300]}")
				return
		with lock:
			latencies.extend(mine)

	pool = [threading.Thread(target=worker) for _ in range(threads)]
	started = time.perf_counter()
	for thread in pool:
		thread.start()
	for thread in pool:
		thread.join()
	if errors:
		raise RuntimeError(errors[0])
	return Result(name, threads, total, time.perf_counter() - started, latencies)


@contextlib.contextmanager
def running_emulator(in_process: bool) -> Iterator[str]:
	"""The emulator's base URL; by default in a child process so it does not share the GIL with the client."""
	if in_process:
		with EmulatorServer(port=0) as server:
			yield server.base_url
		return
	command = [sys.executable, "-m", "quickbooks_connector.emulator", "--port", "0"]
	with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
		try:
			yield process.stdout.readline().split()[-1]
		finally:
			process.terminate()


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--requests", type=int, default=2000, help="requests per read/create run")
	parser.add_argument("--pages", type=int, default=50, help="requests per query run")
	parser.add_argument("--threads", type=int, default=4, help="threads for the concurrent runs")
	parser.add_argument("--customers", type=int, default=50_000, help="customers seeded before measuring")
	parser.add_argument("--in-process", action="store_true", help="run the emulator in this process")
	args = parser.parse_args()

	with running_emulator(args.in_process) as base_url:
		admin = EmulatorAdmin(base_url)
		realm = admin.create_realm()
		started = time.perf_counter()
		first, last = (int(i) for i in admin.seed(realm, "Customer", count=args.customers))
		seed_seconds = time.perf_counter() - started
		headers = {
			"Authorization": f"Bearer {admin.issue_tokens(realm)['access_token']}",
			"Accept": "application/json",
		}
		company = f"{base_url}/v3/company/{realm}"
		names = itertools.count()

		def read(session: requests.Session, number: int) -> requests.Response:
			return session.get(f"{company}/customer/{first + number % (last - first + 1)}")

		def create(session: requests.Session, number: int) -> requests.Response:
			return session.post(f"{company}/customer", json={"DisplayName": f"Bench customer {next(names)}"})

		def page(session: requests.Session, number: int) -> requests.Response:
			start = 1 + (number * 1000) % args.customers
			return query(session, f"select * from Customer orderby Id startposition {start} maxresults 1000")

		def cold_search(session: requests.Session, number: int) -> requests.Response:
			where = f"DisplayName like '%{number % 1000}%'"  # a new statement each time: no reusable result
			return query(session, f"select * from Customer where {where} orderby DisplayName maxresults 1000")

		def count(session: requests.Session, number: int) -> requests.Response:
			return query(session, "select count(*) from Customer")

		def query(session: requests.Session, statement: str) -> requests.Response:
			return session.get(f"{company}/query", params={"query": statement})

		runs = [
			("read customer by Id", read, args.requests),
			("create customer", create, args.requests),
			("page of 1000 (ORDERBY Id paging)", page, args.pages),
			("LIKE + ORDERBY, 1000 rows, cold", cold_search, args.pages),
			("count(*) over all customers", count, args.pages),
		]
		results = [
			measure(name, call, total, threads, headers)
			for threads in (1, args.threads)
			for name, call, total in runs
		]

	where = "in process" if args.in_process else "in a child process"
	print(f"\nQBO emulator {where} on loopback; {args.customers} customers seeded in {seed_seconds:.2f} s\n")
	print(f"| {'operation':<34} | threads | requests | seconds |    req/s | p50 ms | p95 ms |")
	print(f"|{'-' * 36}|---------|----------|---------|----------|--------|--------|")
	for result in results:
		print(result.row())


if __name__ == "__main__":
	main()
