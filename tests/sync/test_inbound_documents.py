"""Invoices and bills made in QuickBooks by someone else come back as draft Sales / Purchase Invoices for review,
over real HTTP (signed webhooks from the emulator): matched to the linked parties and items, never duplicated,
following QuickBooks' edits while still drafts, flagged once submitted, and never sent back on submit; the
connector's own pushes are never imported."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from quickbooks_connector import inbound
from quickbooks_connector.inbound import InboundEngine, InboundSettings, MemoryInboundPort, documents
from quickbooks_connector.mapping.context import QBOTaxCodeRef
from quickbooks_connector.mapping.errors import MappingError

from .test_inbound import Inbound, settle, subscribe

INVOICE = "ACC-SINV-2026-00011"  # Acme Corp: CONSULT-HR, WIDGET-A
BILL = "ACC-PINV-2026-00004"  # Initech Supplies (sent with account lines)
ITEMS = {"CONSULT-HR": "Consulting Hour", "WIDGET-A": "Widget A", "SAAS-SEAT": "SaaS Seat (monthly)"}
EXPENSE = "Software Subscriptions - WP"


@pytest.fixture
def back(world, webhook_sink) -> Inbound:
	settings = InboundSettings(
		world.realm_id,
		"Wind Power LLC",
		"USD",
		world.ctx.account_map,
		import_documents=True,
		tax_code_map=world.ctx.tax_code_map,
		tax_accounts=world.ctx.tax_accounts,
	)
	port = MemoryInboundPort(world.port, items=ITEMS)
	state = Inbound(world, port, InboundEngine(inbound.reader(world.client), port, settings), [], [])
	webhook_sink.handler = state.receive
	return state


def drafts(back: Inbound, doctype: str) -> list[dict]:
	return [doc for doc in back.port.created.values() if doc["doctype"] == doctype]


def item_lines(held: dict, detail: str) -> list[dict]:
	return [line for line in held["Line"] if line.get("DetailType") == detail]


def invoice_in_quickbooks(world, pushed_id: str, qty: int = 2) -> dict:
	"""An invoice someone enters in QuickBooks for the pushed invoice's customer and items (no ERPNext marker)."""
	held = world.client.read("Invoice", pushed_id)
	lines = []
	for line in item_lines(held, "SalesItemLineDetail"):
		detail = line["SalesItemLineDetail"]
		lines.append(
			{
				"DetailType": "SalesItemLineDetail",
				"Amount": str(Decimal(qty) * Decimal("12.50")),
				"Description": "entered in QuickBooks",
				"SalesItemLineDetail": {
					"ItemRef": detail["ItemRef"],
					"Qty": qty,
					"UnitPrice": "12.50",
					"TaxCodeRef": {"value": "NON"},
				},
			}
		)
	return world.client.create(
		"Invoice",
		{"CustomerRef": held["CustomerRef"], "TxnDate": "2026-11-25", "DocNumber": "QB-1001", "Line": lines},
	)


def bill_in_quickbooks(world, pushed_id: str, item_from_invoice: str) -> dict:
	"""A bill someone enters in QuickBooks for the pushed bill's vendor: an item line (an item the connector
	pushed with an invoice; bills are sent with account lines) and an account line."""
	held = world.client.read("Bill", pushed_id)
	first = item_lines(world.client.read("Invoice", item_from_invoice), "SalesItemLineDetail")[0]
	expense = world.ctx.account_map[EXPENSE]
	return world.client.create(
		"Bill",
		{
			"VendorRef": held["VendorRef"],
			"TxnDate": "2026-11-26",
			"DocNumber": "INV-77",
			"Line": [
				{
					"DetailType": "ItemBasedExpenseLineDetail",
					"Amount": "30.00",
					"ItemBasedExpenseLineDetail": {
						"ItemRef": first["SalesItemLineDetail"]["ItemRef"],
						"Qty": 3,
						"UnitPrice": "10.00",
					},
				},
				{
					"DetailType": "AccountBasedExpenseLineDetail",
					"Amount": "45.00",
					"Description": "Hosting, November",
					"AccountBasedExpenseLineDetail": {"AccountRef": {"value": expense.id}},
				},
			],
		},
	)


def test_an_invoice_made_in_quickbooks_becomes_one_draft_sales_invoice_even_when_delivered_twice(
	world, back, webhook_sink
):
	pushed = world.engine.push("Sales Invoice", INVOICE)
	subscribe(world, webhook_sink)

	made = invoice_in_quickbooks(world, pushed.qbo_id)
	settle(world, webhook_sink)
	for body, headers in list(webhook_sink.received):  # Intuit may deliver again
		back.receive(body, headers)

	(draft,) = drafts(back, "Sales Invoice")
	assert draft["docstatus"] == 0
	assert (draft["customer"], draft["posting_date"], draft["currency"]) == ("Acme Corp", "2026-11-25", "USD")
	assert [(row["item_code"], row["qty"], row["rate"]) for row in draft["items"]] == [
		("CONSULT-HR", Decimal(2), Decimal("12.50")),
		("WIDGET-A", Decimal(2), Decimal("12.50")),
	]
	assert "QB-1001" in draft["remarks"] and draft["taxes"] == []
	assert back.actions().count("created") == 1
	record = world.port.get_record("Sales Invoice", draft["name"])
	assert (record.status.value, record.qbo_entity, record.qbo_id) == ("Synced", "Invoice", made["Id"])


def test_an_edit_in_quickbooks_updates_the_draft_and_is_flagged_once_it_is_submitted(world, back):
	pushed = world.engine.push("Sales Invoice", INVOICE)
	made = invoice_in_quickbooks(world, pushed.qbo_id)
	created = back.engine.handle("Invoice", world.client.read("Invoice", made["Id"]))

	held = world.client.read("Invoice", made["Id"])
	line = item_lines(held, "SalesItemLineDetail")[0]
	line["SalesItemLineDetail"]["Qty"] = 4
	line["Amount"] = "50.00"
	world.client.update("Invoice", {**held, "Line": [line]})
	updated = back.engine.handle("Invoice", world.client.read("Invoice", made["Id"]))

	assert (created.action, updated.action) == ("created", "updated")
	(draft,) = drafts(back, "Sales Invoice")
	assert [(row["item_code"], row["qty"]) for row in draft["items"]] == [("CONSULT-HR", Decimal(4))]

	world.port.add_document({**draft, "docstatus": 1})  # the user reviews and submits it
	held = world.client.read("Invoice", made["Id"])
	world.client.update("Invoice", {**held, "TxnDate": "2026-11-27"})
	edited = world.client.read("Invoice", made["Id"])
	outcomes = [back.engine.handle("Invoice", edited).action for _ in range(2)]

	assert outcomes == ["flagged", "ignored"]
	(finding,) = back.port.findings.values()
	assert (finding.doctype, finding.name, finding.kind) == ("Sales Invoice", draft["name"], "edited")
	assert back.port.created[draft["name"]]["items"][0]["qty"] == Decimal(4)  # submitted: never rewritten


def test_submitting_the_draft_sends_nothing_back(world, back):
	pushed = world.engine.push("Sales Invoice", INVOICE)
	made = invoice_in_quickbooks(world, pushed.qbo_id)
	outcome = back.engine.handle("Invoice", world.client.read("Invoice", made["Id"]))
	before = {row["Id"] for row in world.held("Invoice")}

	name = outcome.document[1]
	world.port.add_document({**back.port.created[name], "docstatus": 1})
	record = world.engine.sync("Sales Invoice", name)

	assert {row["Id"] for row in world.held("Invoice")} == before
	assert (record.status.value, record.qbo_id) == ("Synced", made["Id"])


def test_a_bill_made_in_quickbooks_becomes_a_draft_purchase_invoice_with_its_account_lines(
	world, back, webhook_sink
):
	invoice = world.engine.push("Sales Invoice", INVOICE)
	pushed = world.engine.push("Purchase Invoice", BILL)
	subscribe(world, webhook_sink)

	made = bill_in_quickbooks(world, pushed.qbo_id, invoice.qbo_id)
	settle(world, webhook_sink)
	held = world.client.read("Bill", made["Id"])
	world.client.update("Bill", {**held, "DocNumber": "INV-77b"})
	settle(world, webhook_sink)

	(draft,) = drafts(back, "Purchase Invoice")
	assert (draft["supplier"], draft["bill_no"], draft["bill_date"]) == (
		"Initech Supplies",
		"INV-77b",
		"2026-11-26",
	)
	item_row, account_row = draft["items"]
	assert (item_row["item_code"], item_row["qty"], item_row["rate"]) == (
		"CONSULT-HR",
		Decimal(3),
		Decimal("10.00"),
	)
	assert (account_row["expense_account"], account_row["rate"]) == (EXPENSE, Decimal("45.00"))
	assert "item_code" not in account_row and account_row["description"] == "Hosting, November"
	assert back.actions().count("created") == 1 and back.actions().count("updated") == 1


def test_a_foreign_invoice_keeps_its_currency_and_rate(world, back):
	pushed = world.engine.push("Sales Invoice", "ACC-SINV-2026-00013")  # Globex GmbH, in EUR
	held = world.client.read("Invoice", pushed.qbo_id)
	line = item_lines(held, "SalesItemLineDetail")[0]
	made = world.client.create(
		"Invoice",
		{
			"CustomerRef": held["CustomerRef"],
			"CurrencyRef": {"value": "EUR"},
			"ExchangeRate": "1.08",
			"Line": [
				{
					"DetailType": "SalesItemLineDetail",
					"Amount": "100.00",
					"SalesItemLineDetail": {"ItemRef": line["SalesItemLineDetail"]["ItemRef"]},
				}
			],
		},
	)

	outcome = back.engine.handle("Invoice", world.client.read("Invoice", made["Id"]))

	draft = back.port.created[outcome.document[1]]
	assert (draft["currency"], draft["conversion_rate"]) == ("EUR", Decimal("1.08"))


def test_an_unmatched_item_waits_with_its_reason_until_the_item_exists(world, back):
	pushed = world.engine.push("Sales Invoice", INVOICE)
	held = world.client.read("Invoice", pushed.qbo_id)
	item = world.client.create(
		"Item",
		{
			"Name": "Gadget Z",
			"Sku": "GADGET-Z",
			"Type": "NonInventory",
			"IncomeAccountRef": {"value": world.ctx.account_map["Sales - WP"].id},
		},
	)
	made = world.client.create(
		"Invoice",
		{
			"CustomerRef": held["CustomerRef"],
			"Line": [
				{
					"DetailType": "SalesItemLineDetail",
					"Amount": "80.00",
					"SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 1, "UnitPrice": "80.00"},
				}
			],
		},
	)
	record = world.client.read("Invoice", made["Id"])

	waiting = back.engine.handle("Invoice", record)
	assert waiting.action == "waiting" and back.port.created == {}
	assert [problem["code"] for problem in waiting.problems][-1] == "unknown_item"
	assert "Gadget Z" in waiting.reason and "GADGET-Z" in waiting.reason

	back.port.items["GADGET-Z"] = "Gadget Z (ERPNext)"  # created in ERPNext with the SKU as its code
	created = back.engine.handle("Invoice", record)

	assert created.action == "created"
	(row,) = back.port.created[created.document[1]]["items"]
	assert (row["item_code"], row["income_account"]) == ("GADGET-Z", "Sales - WP")


def test_nothing_is_imported_when_the_setting_is_off_and_a_push_never_is(world, back, webhook_sink):
	pushed = world.engine.push("Sales Invoice", INVOICE)
	made = invoice_in_quickbooks(world, pushed.qbo_id)
	off = replace(back.engine.settings, import_documents=False)
	assert (
		InboundEngine(back.engine.read, back.port, off)
		.handle("Invoice", world.client.read("Invoice", made["Id"]))
		.action
		== "ignored"
	)

	subscribe(world, webhook_sink)
	world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")
	world.engine.push("Purchase Invoice", BILL)
	settle(world, webhook_sink)

	assert back.outcomes and set(back.actions()) <= {"ignored", "unchanged"}
	assert back.port.created == {}


def _taxed(**fields) -> dict:
	return {
		"Id": "70",
		"TxnDate": "2026-11-28",
		"CustomerRef": {"value": "5", "name": "Acme Corp"},
		"Line": [
			{
				"DetailType": "SalesItemLineDetail",
				"Amount": "100.00",
				"SalesItemLineDetail": {"ItemRef": {"value": "9"}, "TaxCodeRef": {"value": "TAX"}},
			}
		],
		"TxnTaxDetail": {"TxnTaxCodeRef": {"value": "3"}, "TotalTax": "8.25"},
		**fields,
	}


def test_quickbooks_tax_becomes_one_row_on_the_tax_account_mapped_to_its_code_or_the_import_waits():
	settings = InboundSettings(
		"1",
		"Wind Power LLC",
		"USD",
		{},
		tax_code_map={"Sales Tax Payable - WP": QBOTaxCodeRef("3"), "VAT - WP": QBOTaxCodeRef("4")},
		tax_accounts=frozenset({"Sales Tax Payable - WP", "VAT - WP"}),
	)
	items = {"9": documents.ItemMatch("9", "WIDGET-A")}

	doc = documents.build("Invoice", _taxed(), "Acme Corp", items, settings)
	(row,) = doc["taxes"]
	assert (row["charge_type"], row["account_head"], row["tax_amount"]) == (
		"Actual",
		"Sales Tax Payable - WP",
		Decimal("8.25"),
	)

	for obj, code in (
		(_taxed(TxnTaxDetail={"TxnTaxCodeRef": {"value": "99"}, "TotalTax": "8.25"}), "unmapped_tax"),
		(_taxed(GlobalTaxCalculation="TaxInclusive"), "tax_inclusive"),
	):
		with pytest.raises(MappingError) as refused:
			documents.build("Invoice", obj, "Acme Corp", items, settings)
		assert [problem.code for problem in refused.value.problems] == [code]
