"""Two-way: payments entered in QuickBooks against invoices the connector pushed, back in ERPNext as Payment Entries
through signed webhooks. Prints events processed per minute and the end-to-end delay (payment saved in QuickBooks ->
its Payment Entry built), for a steady trickle and for a burst, next to QuickBooks' own delivery (Intuit answers
within seconds in the sandbox and has aggregated production notifications over 1-5 minutes, qbo-api.md §7).

	python benchmarks/bench_inbound.py [--invoices 200] [--rate 60] [--batch-seconds 0]

Framework-free: the bundled emulator sends its webhooks (signed, batched per realm) to a receiver here that does
what the site's endpoint does: checks the signature, queues the events, and a worker thread runs the inbound
engine (it reads each changed record back from QuickBooks, as a worker does). Payments are created through the
API with no connector marker, as a bank feed or a bookkeeper would make them. `--batch-seconds` makes the
emulator hold notifications that long before sending, like production's aggregation.

Columns: payments entered, Payment Entries built, notifications received (one may carry several events: QuickBooks
also reports the paid invoice's change), Payment Entries per minute from the first payment to the last entry, and
the delay per payment. Each event costs one read of the changed record on the connector's request budget (490 of
QuickBooks' 500/min), so past the first minute a sustained flood is bound by that budget, not by the receiver.
"""

from __future__ import annotations

import argparse
import queue
import statistics
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from quickbooks_connector import inbound
from quickbooks_connector.demo import FixtureSet, connect, mapping_context
from quickbooks_connector.emulator import EmulatorAdmin
from quickbooks_connector.emulator.server import EmulatorServer
from quickbooks_connector.inbound import InboundEngine, InboundSettings, MemoryInboundPort
from quickbooks_connector.qbo import Throttle, ThrottleLimits
from quickbooks_connector.sync import PushEngine

TOKEN = "bench-verifier-token"
TEMPLATE = "ACC-SINV-2026-00011"  # a USD invoice of the bundled samples
BANK = "Chase Checking - WP"


@dataclass
class Receiver:
	"""The site's side: signature first, then the events to a queue; a worker turns them into documents."""

	engine: InboundEngine
	port: MemoryInboundPort
	events: queue.Queue = field(default_factory=queue.Queue)
	built_at: dict[str, float] = field(
		default_factory=dict
	)  # QuickBooks payment id -> when its entry was built
	notifications: int = 0
	refused: int = 0

	def receive(self, body: bytes, header: str | None) -> int:
		try:
			events = inbound.accept(body, header, TOKEN)
		except inbound.SignatureError:
			self.refused += 1
			return 401
		self.notifications += 1
		for event in events:
			self.events.put(event)
		return 200

	def work(self) -> None:
		while True:
			event = self.events.get()
			outcome = self.engine.handle_event(event)
			if event.entity == "Payment" and outcome.action == "created":
				self.built_at.setdefault(event.id, time.monotonic())


def serve(receiver: Receiver) -> str:
	class Handler(BaseHTTPRequestHandler):
		def do_POST(self) -> None:
			body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
			self.send_response(receiver.receive(body, self.headers.get("intuit-signature")))
			self.send_header("Content-Length", "0")
			self.end_headers()

		def log_message(self, *args) -> None:
			pass

	server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
	threading.Thread(target=server.serve_forever, daemon=True).start()
	threading.Thread(target=receiver.work, daemon=True).start()
	return f"http://127.0.0.1:{server.server_address[1]}/webhook"


@dataclass
class Run:
	name: str
	payments: int
	seconds: float
	delays: list[float]
	notifications: int

	def row(self) -> str:
		delays = sorted(self.delays)
		p95 = delays[min(len(delays) - 1, int(len(delays) * 0.95))] if delays else float("nan")
		per_minute = len(self.delays) * 60 / self.seconds if self.seconds else float("nan")
		median = statistics.median(delays) if delays else float("nan")
		return (
			f"{self.name:<28}{self.payments:>9}{len(self.delays):>9}{self.notifications:>14}{per_minute:>12.0f}"
			f"{median:>10.2f}{p95:>10.2f}{max(delays, default=float('nan')):>10.2f}"
		)


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--invoices", type=int, default=200, help="pushed invoices, one payment each per run")
	parser.add_argument("--rate", type=float, default=60, help="payments per minute in the trickle run")
	parser.add_argument("--batch-seconds", type=float, default=0.0, help="the emulator's notification delay")
	args = parser.parse_args()
	server = EmulatorServer(host="127.0.0.1", port=0).start()
	try:
		runs = measure(EmulatorAdmin(server.base_url), server.base_url, args)
	finally:
		server.stop()
	print(
		f"Payments entered in QuickBooks -> Payment Entries, through signed webhooks (emulator batch delay "
		f"{args.batch_seconds:g} s)"
	)
	print(
		f"{'run':<28}{'payments':>9}{'built':>9}{'notifications':>14}{'entries/min':>12}{'p50 s':>10}{'p95 s':>10}"
		f"{'max s':>10}"
	)
	for run in runs:
		print(run.row())


def measure(admin: EmulatorAdmin, base_url: str, args: argparse.Namespace) -> list[Run]:
	fixtures = FixtureSet.load()
	realm = admin.create_realm(home_currency="USD", multicurrency=True, company_name="Inbound bench")
	# Three budgets, as in life: the connector's pushes before the run, someone else's app entering payments, and
	# the connector's reads of what changed (QuickBooks counts requests per company and app).
	client = connect(base_url, realm, throttle=own_budget())
	ctx = mapping_context(client, fixtures)
	port = fixtures.port()
	engine = PushEngine(client, port, ctx, realm, settle_seconds=0)
	template = next(doc for doc in fixtures.documents if doc["name"] == TEMPLATE)
	invoice_ids = []
	for number in range(args.invoices * 2):
		doc = {**template, "name": f"SINV-IN-{number:05d}"}
		port.add_document(doc)
		invoice_ids.append(engine.push("Sales Invoice", doc["name"]).qbo_id)
	settings = InboundSettings(realm, "Wind Power LLC", "USD", ctx.account_map, frozenset())
	inbound_port = MemoryInboundPort(port, {})
	reads = connect(base_url, realm, throttle=own_budget())
	receiver = Receiver(InboundEngine(inbound.reader(reads), inbound_port, settings), inbound_port)
	someone_else = connect(base_url, realm, throttle=own_budget())
	admin.set_webhook(realm, serve(receiver), TOKEN, batch_seconds=args.batch_seconds)
	bank = ctx.account_map[BANK].id
	trickle = run_payments(
		"trickle", someone_else, receiver, invoice_ids[: args.invoices], bank, interval=60 / args.rate
	)
	burst = run_payments(
		"burst (as fast as possible)", client, receiver, invoice_ids[args.invoices :], bank, 0
	)
	return [trickle, burst]


def own_budget() -> Throttle:
	return Throttle(ThrottleLimits())


def run_payments(
	name: str, client, receiver: Receiver, invoice_ids: list[str], bank: str, interval: float
) -> Run:
	made_at: dict[str, float] = {}
	notifications = receiver.notifications
	started = time.monotonic()
	for invoice_id in invoice_ids:
		invoice = client.read("Invoice", invoice_id)
		payment = client.create(
			"Payment",
			{
				"CustomerRef": invoice["CustomerRef"],
				"TotalAmt": invoice["Balance"],
				"TxnDate": invoice["TxnDate"],
				"DepositToAccountRef": {"value": bank},
				"Line": [
					{"Amount": invoice["Balance"], "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}
				],
			},
		)
		made_at[payment["Id"]] = time.monotonic()
		if interval:
			time.sleep(interval)
	deadline = time.monotonic() + 120
	while time.monotonic() < deadline and not all(pid in receiver.built_at for pid in made_at):
		time.sleep(0.05)
	built = {pid: receiver.built_at[pid] for pid in made_at if pid in receiver.built_at}
	finished = max(built.values(), default=time.monotonic())
	return Run(
		name,
		len(made_at),
		finished - started,
		[built[pid] - made_at[pid] for pid in built],
		receiver.notifications - notifications,
	)


if __name__ == "__main__":
	main()
