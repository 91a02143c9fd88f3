"""What happens in QuickBooks comes back: payments entered in the emulator "by someone else" against documents the
connector pushed become one Payment Entry each, through signed webhooks over real HTTP or the CDC catch-up; forged
notifications and the connector's own writes change nothing; edits, voids and deletes of pushed records are
flagged with what changed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from quickbooks_connector import inbound
from quickbooks_connector.inbound import InboundEngine, InboundSettings, MemoryInboundPort, SignatureError

TOKEN = "the-apps-verifier-token"
INVOICE = "ACC-SINV-2026-00011"  # Acme Corp, 1688.67 USD on Debtors - WP
BILL = "ACC-PINV-2026-00004"  # Initech Supplies, 671.15 USD on Creditors - WP
EUR_INVOICE = "ACC-SINV-2026-00013"  # Globex GmbH, 1120.00 EUR on Debtors EUR - WP
BANK = "Chase Checking - WP"


@dataclass
class Inbound:
	world: object
	port: MemoryInboundPort
	engine: InboundEngine
	outcomes: list
	refused: list

	def receive(self, body: bytes, headers: dict[str, str]) -> None:
		"""What the webhook endpoint does: signature first, then every event (here at once, not enqueued)."""
		try:
			events = inbound.accept(body, headers.get("intuit-signature"), TOKEN)
		except SignatureError:
			self.refused.append(body)
			return
		self.outcomes.extend(self.engine.handle_event(event) for event in events)

	def payment_entries(self) -> list[dict]:
		return [doc for doc in self.port.created.values() if doc["doctype"] == "Payment Entry"]

	def actions(self) -> list[str]:
		return [outcome.action for outcome in self.outcomes]


@pytest.fixture
def back(world, webhook_sink) -> Inbound:
	undeposited = {
		row["Id"] for row in world.held("Account") if row.get("AccountSubType") == "UndepositedFunds"
	}
	settings = InboundSettings(
		world.realm_id,
		"Wind Power LLC",
		"USD",
		world.ctx.account_map,
		frozenset(undeposited),
	)
	port = MemoryInboundPort(world.port, {"Debtors EUR - WP": "EUR"})
	engine = InboundEngine(inbound.reader(world.client), port, settings)
	state = Inbound(world, port, engine, [], [])
	webhook_sink.handler = state.receive
	return state


def subscribe(world, sink, **options) -> None:
	world.admin.set_webhook(world.realm_id, sink.url, TOKEN, **options)


def settle(world, sink) -> list:
	"""Every notification the emulator has for the realm, delivered and handled."""
	world.admin.deliver_webhooks()
	deadline = 50
	while world.admin.webhooks(world.realm_id)["subscriptions"][world.realm_id]["queued"] and deadline:
		world.admin.deliver_webhooks()
		deadline -= 1
	return sink.received


def customer_payment(world, invoice_id: str, amount: str, **fields) -> dict:
	"""A payment recorded in QuickBooks by someone else (no ERPNext marker)."""
	invoice = world.client.read("Invoice", invoice_id)
	body = {
		"CustomerRef": invoice["CustomerRef"],
		"TotalAmt": amount,
		"TxnDate": "2026-11-20",
		"PaymentRefNum": "QB-CHQ-7",
		"DepositToAccountRef": {"value": world.ctx.account_map[BANK].id},
		"Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}],
		**fields,
	}
	return world.client.create("Payment", body)


def test_a_payment_entered_in_quickbooks_becomes_one_payment_entry_allocated_to_the_pushed_invoice(
	world, back, webhook_sink
):
	invoice = world.engine.push("Sales Invoice", INVOICE)
	subscribe(world, webhook_sink)

	payment = customer_payment(world, invoice.qbo_id, "1000.00")
	settle(world, webhook_sink)

	(entry,) = back.payment_entries()
	assert entry["payment_type"] == "Receive"
	assert (entry["party_type"], entry["party"]) == ("Customer", "Acme Corp")
	assert (entry["paid_from"], entry["paid_to"]) == ("Debtors - WP", BANK)
	assert entry["paid_amount"] == entry["received_amount"] == Decimal("1000.00")
	assert entry["reference_no"] == "QB-CHQ-7" and entry["posting_date"] == "2026-11-20"
	assert entry["references"] == [
		{
			"reference_doctype": "Sales Invoice",
			"reference_name": INVOICE,
			"allocated_amount": Decimal("1000.00"),
		}
	]
	imported = back.port.get_import(inbound.import_key(world.realm_id, "Payment", payment["Id"]))
	assert imported.name == entry["name"]
	# QuickBooks also notified the invoice whose balance the payment changed: nothing to flag
	assert back.port.findings == {}


def test_the_same_notification_twice_changes_nothing(world, back, webhook_sink):
	invoice = world.engine.push("Sales Invoice", INVOICE)
	subscribe(world, webhook_sink)
	customer_payment(world, invoice.qbo_id, "200.00")
	received = list(settle(world, webhook_sink))

	for body, headers in received:
		back.receive(body, headers)

	assert len(back.payment_entries()) == 1
	assert back.actions().count("created") == 1


def test_a_forged_or_tampered_notification_is_refused_before_anything_happens(world, back, webhook_sink):
	invoice = world.engine.push("Sales Invoice", INVOICE)
	payment = customer_payment(world, invoice.qbo_id, "300.00")
	body = json.dumps(
		{
			"eventNotifications": [
				{
					"realmId": world.realm_id,
					"dataChangeEvent": {
						"entities": [{"name": "Payment", "id": payment["Id"], "operation": "Create"}]
					},
				}
			]
		}
	).encode()
	good = inbound.signature(body, TOKEN)

	back.receive(body, {"intuit-signature": inbound.signature(body, "guessed-token")})
	back.receive(body + b" ", {"intuit-signature": good})
	back.receive(body, {})

	assert len(back.refused) == 3
	assert back.outcomes == [] and back.port.created == {} and back.port.imports == {}
	back.receive(body, {"intuit-signature": good})
	assert back.actions() == ["created"]


def test_with_webhooks_off_the_catch_up_brings_the_payment(world, back):
	invoice = world.engine.push("Sales Invoice", INVOICE)
	payment = customer_payment(world, invoice.qbo_id, "1688.67")
	now = datetime.now(timezone.utc)

	plan = inbound.plan(None, now)
	changes = inbound.fetch(world.client.cdc, plan.since)
	outcomes = [back.engine.handle(entity, obj) for entity, obj in changes.items]

	(entry,) = back.payment_entries()
	assert entry["references"][0]["reference_name"] == INVOICE
	assert entry["paid_amount"] == Decimal("1688.67")
	assert [o.action for o in outcomes].count("created") == 1
	# the next run starts from what this one saw, and brings nothing new
	again = inbound.fetch(world.client.cdc, inbound.plan(changes.next_cursor(None), now).since)
	assert [back.engine.handle(entity, obj).action for entity, obj in again.items].count("created") == 0
	assert payment["Id"] in {obj["Id"] for entity, obj in again.items if entity == "Payment"}


def test_a_connector_push_never_comes_back_as_an_import(world, back, webhook_sink):
	subscribe(world, webhook_sink)

	world.engine.push("Sales Invoice", INVOICE)
	world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")
	world.engine.push("Payment Entry", "ACC-PAY-2026-00008")  # pays both invoices
	world.engine.push("Purchase Invoice", BILL)
	settle(world, webhook_sink)

	assert back.outcomes, "the pushes were notified"
	assert set(back.actions()) <= {"ignored", "unchanged"}
	assert back.port.created == {} and back.port.findings == {}


def test_a_payment_that_cannot_be_applied_waits_with_its_reason_and_is_never_duplicated(world, back):
	invoice = world.engine.push("Sales Invoice", INVOICE)
	unmapped = world.client.create("Account", {"Name": "Savings in QuickBooks only", "AccountType": "Bank"})[
		"Id"
	]
	payment = customer_payment(world, invoice.qbo_id, "50.00", DepositToAccountRef={"value": unmapped})

	first = back.engine.handle("Payment", world.client.read("Payment", payment["Id"]))
	second = back.engine.handle("Payment", world.client.read("Payment", payment["Id"]))

	assert (first.action, second.action) == ("waiting", "waiting")
	assert [problem["code"] for problem in first.problems][-1] == "unmapped_bank_account"
	assert back.port.created == {}


def test_undeposited_funds_wait_until_an_account_is_chosen(world, back):
	invoice = world.engine.push("Sales Invoice", INVOICE)
	payment = customer_payment(world, invoice.qbo_id, "75.00", DepositToAccountRef=None)
	held = world.client.read("Payment", payment["Id"])

	assert back.engine.handle("Payment", held).problems[-1]["code"] == "undeposited_funds"
	back.engine.settings = InboundSettings(
		**{**back.engine.settings.__dict__, "undeposited_funds_account": "Undeposited Funds - WP"}
	)
	outcome = back.engine.handle("Payment", held)

	assert outcome.action == "created"
	assert back.port.created[outcome.document[1]]["paid_to"] == "Undeposited Funds - WP"


def test_a_bill_payment_made_in_quickbooks_becomes_a_pay_entry(world, back):
	bill = world.engine.push("Purchase Invoice", BILL)
	held_bill = world.client.read("Bill", bill.qbo_id)
	payment = world.client.create(
		"BillPayment",
		{
			"VendorRef": held_bill["VendorRef"],
			"PayType": "Check",
			"CheckPayment": {"BankAccountRef": {"value": world.ctx.account_map[BANK].id}},
			"TotalAmt": "671.15",
			"TxnDate": "2026-11-21",
			"Line": [{"Amount": "671.15", "LinkedTxn": [{"TxnId": bill.qbo_id, "TxnType": "Bill"}]}],
		},
	)

	outcome = back.engine.handle("BillPayment", world.client.read("BillPayment", payment["Id"]))

	entry = back.port.created[outcome.document[1]]
	assert (entry["payment_type"], entry["party"]) == ("Pay", "Initech Supplies")
	assert (entry["paid_from"], entry["paid_to"]) == (BANK, "Creditors - WP")
	assert entry["references"][0]["reference_name"] == BILL


def test_a_foreign_payment_keeps_its_currency_and_rate(world, back):
	invoice = world.engine.push("Sales Invoice", EUR_INVOICE)
	payment = customer_payment(
		world, invoice.qbo_id, "1120.00", CurrencyRef={"value": "EUR"}, ExchangeRate="1.1"
	)

	outcome = back.engine.handle("Payment", world.client.read("Payment", payment["Id"]))

	entry = back.port.created[outcome.document[1]]
	assert (entry["paid_from_account_currency"], entry["paid_to_account_currency"]) == ("EUR", "USD")
	assert entry["paid_amount"] == Decimal("1120.00") and entry["source_exchange_rate"] == Decimal("1.1")
	assert entry["received_amount"] == Decimal("1232.00")


def test_edits_voids_and_deletes_in_quickbooks_are_flagged_once_with_what_changed(world, back, webhook_sink):
	invoice = world.engine.push("Sales Invoice", INVOICE)
	payment = customer_payment(world, invoice.qbo_id, "100.00")
	back.engine.handle("Payment", world.client.read("Payment", payment["Id"]))
	subscribe(world, webhook_sink)

	held = world.client.read("Payment", payment["Id"])
	world.client.update(
		"Payment", {**held, "TotalAmt": "120.00", "Line": [{**held["Line"][0], "Amount": "120.00"}]}
	)
	held = world.client.read("Invoice", invoice.qbo_id)
	lines = [line for line in held["Line"] if line["DetailType"] != "SubTotalLineDetail"]
	world.client.update("Invoice", {**held, "Line": lines[:-1]})  # someone drops a line in QuickBooks
	settle(world, webhook_sink)

	kinds = sorted((f.doctype, f.kind) for f in back.port.findings.values())
	assert kinds == [("Payment Entry", "edited"), ("Sales Invoice", "edited")]
	invoice_finding = next(f for f in back.port.findings.values() if f.doctype == "Sales Invoice")
	assert {change.field for change in invoice_finding.changes} >= {"total", "lines"}
	assert "changed in QuickBooks" in str(invoice_finding.problem)
	assert len(back.payment_entries()) == 1  # an edit is flagged, never a second Payment Entry

	for body, headers in list(webhook_sink.received):  # redelivered: flagged once
		back.receive(body, headers)
	assert len(back.port.findings) == 2


def test_a_void_in_quickbooks_is_flagged_or_cancels_per_the_setting(world, back):
	invoice = world.engine.push("Sales Invoice", INVOICE)
	held = world.client.read("Invoice", invoice.qbo_id)
	world.client.void("Invoice", held["Id"], held["SyncToken"])
	voided = world.client.read("Invoice", invoice.qbo_id)

	flagged = back.engine.handle("Invoice", voided)
	assert (flagged.action, flagged.finding.kind) == ("flagged", "voided")
	assert back.port.cancelled == []

	back.port.findings.clear()
	back.engine.settings = InboundSettings(**{**back.engine.settings.__dict__, "void_cancels": True})
	assert back.engine.handle("Invoice", voided).action == "cancelled"
	assert back.port.cancelled == [("Sales Invoice", INVOICE)]


def test_an_erpnext_cancel_voids_in_quickbooks_without_a_finding(world, back, webhook_sink):
	world.engine.push("Sales Invoice", INVOICE)
	subscribe(world, webhook_sink)
	doc = world.port.get_document("Sales Invoice", INVOICE)
	world.port.add_document({**doc, "docstatus": 2})

	world.engine.sync("Sales Invoice", INVOICE)
	settle(world, webhook_sink)

	assert "Void" in {event.operation for body, _ in webhook_sink.received for event in inbound.parse(body)}
	assert back.port.findings == {}
