"""What the connector adds to submitting a Sales Invoice: the on_submit hook (decide + Sync Log + enqueue after
commit) and the before_submit pre-submit check. Target: the on_submit hook under 5 ms at p95.

Runs inside a bench (it submits real ERPNext documents), with the bench's Python, from the sites folder:

	cd ~/frappe-bench/sites && ../env/bin/python ../apps/quickbooks_connector/benchmarks/bench_submit_hook.py --site SITE [-n 100]

It connects the push test company to an in-process QuickBooks emulator (quickbooks_connector/tests/push_fixtures.py),
then submits N invoices per mode and rolls everything back: nothing is committed except the test company's
connected settings, and no job reaches Redis (the enqueue happens after a commit that never comes; the dedupe
look-up in Redis is still part of the measurement). QuickBooks itself is never called during a submit; the table's
last column checks that.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from unittest.mock import patch

import frappe


@dataclass
class Sample:
	mode: str
	submit_ms: list[float] = field(default_factory=list)
	hook_ms: list[float] = field(default_factory=list)
	check_ms: list[float] = field(default_factory=list)
	quickbooks_requests: int = 0
	logs: int = 0  # Queued Sync Logs after the mode ran (cumulative): proves the queue path ran


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", required=True, help="the bench site to measure on")
	parser.add_argument("-n", "--submits", type=int, default=100, help="submits per mode")
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	try:
		print_table(run(args.submits), args.submits)
	finally:
		frappe.db.rollback()
		frappe.destroy()


def run(submits: int) -> list[Sample]:
	from quickbooks_connector.tests.push_fixtures import PushWorld

	world = PushWorld()
	queue = {"enabled": 1, "push_mode": "On Submit"}
	modes: list[tuple[str, dict, bool]] = [
		("app hooks removed", {}, False),
		("QuickBooks sync disabled", {"enabled": 0}, True),
		("queue on submit, check Off", {**queue, "pre_submit_check": "Off"}, True),
		("queue on submit, check Warn", {**queue, "pre_submit_check": "Warn"}, True),
	]
	samples = []
	for mode, settings, hooks in modes:
		world.set_settings(**settings)
		sample = Sample(mode)
		before = world.requests_sent()
		with timed_hooks(sample, enabled=hooks):
			for number in range(submits + 5):
				invoice = world.sales_invoice(submit=False)
				started = time.perf_counter()
				invoice.submit()
				elapsed = (time.perf_counter() - started) * 1000
				if number >= 5:  # the first few warm caches
					sample.submit_ms.append(elapsed)
				else:
					sample.hook_ms.clear()
					sample.check_ms.clear()
		sample.quickbooks_requests = world.requests_sent() - before
		sample.logs = frappe.db.count("QuickBooks Sync Log", {"company": world.company, "status": "Queued"})
		samples.append(sample)
	return samples


@contextmanager
def timed_hooks(sample: Sample, enabled: bool) -> Iterator[None]:
	"""Frappe resolves doc_events by dotted path at every call, so patching the module attribute takes effect."""
	from quickbooks_connector.quickbooks_connector import push, validation

	def timed(function: Callable, into: list[float]) -> Callable:
		def wrapper(*args, **kwargs):
			started = time.perf_counter()
			try:
				return function(*args, **kwargs)
			finally:
				into.append((time.perf_counter() - started) * 1000)

		return wrapper

	def removed(*args, **kwargs) -> None:
		return None

	with ExitStack() as stack:
		stack.enter_context(
			patch.object(push, "on_submit", timed(push.on_submit, sample.hook_ms) if enabled else removed)
		)
		stack.enter_context(
			patch.object(
				validation,
				"check_before_submit",
				timed(validation.check_before_submit, sample.check_ms) if enabled else removed,
			)
		)
		yield


def percentile(values: list[float], share: float) -> float:
	if not values:
		return float("nan")
	return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def print_table(samples: list[Sample], submits: int) -> None:
	print()
	print(f"Sales Invoice submits on {frappe.local.site}, {submits} per mode (times in ms)")
	print()
	header = (
		f"{'mode':<30}{'submit p50':>11}{'submit p95':>11}{'on_submit p50':>14}{'on_submit p95':>14}"
		f"{'check p50':>10}{'check p95':>10}{'queued':>8}{'QBO calls':>10}"
	)
	print(header)
	print("-" * len(header))
	for sample in samples:
		print(
			f"{sample.mode:<30}{percentile(sample.submit_ms, 0.5):>11.1f}{percentile(sample.submit_ms, 0.95):>11.1f}"
			f"{percentile(sample.hook_ms, 0.5):>14.2f}{percentile(sample.hook_ms, 0.95):>14.2f}"
			f"{percentile(sample.check_ms, 0.5):>10.2f}{percentile(sample.check_ms, 0.95):>10.2f}"
			f"{sample.logs:>8}{sample.quickbooks_requests:>10}"
		)
	print()
	print(
		"on_submit = the connector's on_submit hook (settings look-up, Sync Log row, document status, enqueue after "
		"commit with a Redis dedupe look-up); check = its before_submit pre-submit check (Warn runs the mapping "
		"preflight). queued = Queued Sync Logs so far. nan = hook not run."
	)


if __name__ == "__main__":
	main()
