"""Bench tier: invoices and bills made in the emulated QuickBooks by someone else become draft Sales / Purchase
Invoices (once, updated while drafts), whose submit sends nothing back; and a CloudEvents notification (a JSON
array) goes through Frappe's own request handling to the webhook endpoint, signed as Intuit signs it."""

from __future__ import annotations

import json
from threading import Thread
from unittest.mock import patch

from werkzeug.test import Client

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from quickbooks_connector import inbound
from quickbooks_connector.constants import (
	IMPORT_QUICKBOOKS_DOCUMENTS,
	INBOUND_CHANGE,
	RECEIVE_FROM_QUICKBOOKS,
	SYNC_LOG,
	WEBHOOK_METHOD,
	WEBHOOK_VERIFIER_TOKEN,
)
from quickbooks_connector.inbound import ChangeEvent
from quickbooks_connector.quickbooks_connector import push, webhooks
from quickbooks_connector.quickbooks_connector.port import log_name
from quickbooks_connector.tests.push_fixtures import ITEM, SUPPLIER, PushWorld, captured_jobs, run_job

TOKEN = "bench-import-verifier-token"
COMPANY = "QBC Inbound Import Co"


def forget(settings: str) -> None:
	"""Each class connects to a new emulated QuickBooks company whose ids start at 1 again (see test_webhooks)."""
	frappe.db.delete(SYNC_LOG, {"company": COMPANY})
	frappe.db.delete(INBOUND_CHANGE, {"settings": settings})


def post_through_frappe(body: bytes, headers: dict[str, str]):
	"""POST to the endpoint through Frappe's WSGI application (request parsing, routing, the handler), in a
	thread of its own as a web worker would (its own site context and database connection)."""
	site, answer = frappe.local.site, {}
	frappe.db.commit()  # nosemgrep: the request's own connection must not wait for this one's row locks

	def run() -> None:
		with patch("frappe.app.get_site_name", return_value=site):
			client = Client(frappe.app.application)
			answer["response"] = client.post(f"/api/method/{WEBHOOK_METHOD}", data=body, headers=headers)

	thread = Thread(target=run)
	thread.start()
	thread.join()
	return answer["response"]


class TestInboundDocuments(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.world = PushWorld(COMPANY, "QIM")
		cls.world.set_settings(
			**{RECEIVE_FROM_QUICKBOOKS: 1, IMPORT_QUICKBOOKS_DOCUMENTS: 1, WEBHOOK_VERIFIER_TOKEN: TOKEN}
		)
		forget(cls.world.settings.name)
		frappe.db.commit()  # nosemgrep: the endpoint (another connection) reads the committed token

	@classmethod
	def tearDownClass(cls) -> None:
		frappe.db.rollback()
		forget(cls.world.settings.name)
		frappe.db.commit()  # nosemgrep: the jobs under test commit their records; remove them
		super().tearDownClass()

	# helpers -----------------------------------------------------------------------------------------------

	def pushed(self, doc) -> dict:
		"""The QuickBooks record the connector made of a submitted document (its push job run here)."""
		return self.world.client.read(
			"Invoice" if doc.doctype == "Sales Invoice" else "Bill",
			frappe.db.get_value(SYNC_LOG, log_name(doc.doctype, doc.name), "qbo_id"),
		)

	def deliver(self, entity: str, qbo_id: str, operation: str = "Create") -> list[dict]:
		"""A webhook event for the record, handled as its job does; the jobs it queues are returned."""
		event = ChangeEvent(self.world.realm_id, entity, qbo_id, operation, None)
		user = frappe.session.user
		frappe.set_user("Guest")  # the endpoint's caller, whose session the queued job inherits
		try:
			with captured_jobs() as jobs:
				webhooks.handle_events(self.world.settings.name, [event.as_dict()])
		finally:
			frappe.set_user(user)
		return jobs

	def drafts_of(self, entity: str, qbo_id: str) -> list:
		return frappe.get_all(
			SYNC_LOG,
			filters={"settings": self.world.settings.name, "qbo_entity": entity, "qbo_id": qbo_id},
			fields=["reference_doctype", "reference_name", "status", "sync_token"],
		)

	def sales_line(self, item_ref: dict, qty: int, price: float) -> dict:
		return {
			"DetailType": "SalesItemLineDetail",
			"Amount": qty * price,
			"SalesItemLineDetail": {
				"ItemRef": item_ref,
				"Qty": qty,
				"UnitPrice": price,
				"TaxCodeRef": {"value": "NON"},
			},
		}

	# tests -------------------------------------------------------------------------------------------------

	def test_an_invoice_made_in_quickbooks_becomes_one_draft_that_submits_without_a_second_record(self):
		with captured_jobs() as jobs:
			sent = self.world.sales_invoice()
		for job in jobs:
			run_job(job)
		held = self.pushed(sent)
		item_ref = next(
			line["SalesItemLineDetail"]["ItemRef"] for line in held["Line"] if "SalesItemLineDetail" in line
		)
		made = self.world.client.create(
			"Invoice",
			{
				"CustomerRef": held["CustomerRef"],
				"DocNumber": "QB-7001",
				"Line": [self.sales_line(item_ref, 2, 50.0)],
			},
		)

		self.deliver("Invoice", made["Id"])
		self.deliver("Invoice", made["Id"])  # delivered twice

		(log,) = self.drafts_of("Invoice", made["Id"])
		self.assertEqual((log.reference_doctype, log.status), ("Sales Invoice", "Synced"))
		self.assertEqual(
			frappe.db.get_value(log.reference_doctype, log.reference_name, "owner"), "Administrator"
		)
		draft = frappe.get_doc("Sales Invoice", log.reference_name)
		self.assertEqual((draft.docstatus, draft.customer), (0, sent.customer))
		self.assertEqual([(row.item_code, flt(row.qty)) for row in draft.items], [(ITEM, 2)])
		self.assertEqual(flt(draft.grand_total), 100.0)
		self.assertIn("QB-7001", draft.remarks)

		held = self.world.client.read("Invoice", made["Id"])
		self.world.client.update("Invoice", {**held, "Line": [self.sales_line(item_ref, 3, 50.0)]})
		self.deliver("Invoice", made["Id"], "Update")

		draft.reload()
		self.assertEqual(([flt(row.qty) for row in draft.items], flt(draft.grand_total)), ([3.0], 150.0))
		self.assertEqual(len(self.drafts_of("Invoice", made["Id"])), 1)

		invoices_before = len(self.world.held("Invoice"))
		with captured_jobs() as jobs:
			draft.submit()  # the reviewer submits it
		self.assertFalse([job for job in jobs if job["method"].endswith("push.run_sync")], "nothing queued")
		push.run_sync("Sales Invoice", draft.name, manual=True)  # and presses Sync to QuickBooks anyway
		self.assertEqual(len(self.world.held("Invoice")), invoices_before)
		log = frappe.db.get_value(
			SYNC_LOG, log_name("Sales Invoice", draft.name), ["status", "qbo_id"], as_dict=True
		)
		self.assertEqual((log.status, log.qbo_id), ("Synced", made["Id"]))

		held = self.world.client.read("Invoice", made["Id"])
		self.world.client.update("Invoice", {**held, "Line": [self.sales_line(item_ref, 4, 50.0)]})
		self.deliver("Invoice", made["Id"], "Update")
		draft.reload()
		self.assertEqual((draft.docstatus, flt(draft.grand_total)), (1, 150.0))  # submitted: never rewritten
		self.assertIn(
			"changed in QuickBooks",
			frappe.db.get_value(SYNC_LOG, log_name("Sales Invoice", draft.name), "qbo_change"),
		)

	def test_a_bill_made_in_quickbooks_becomes_a_draft_purchase_invoice(self):
		with captured_jobs() as jobs:
			sent = self.world.sales_invoice()
			bill = self.world.purchase_invoice()
		for job in jobs:
			run_job(job)
		item_ref = next(
			line["SalesItemLineDetail"]["ItemRef"]
			for line in self.pushed(sent)["Line"]
			if "SalesItemLineDetail" in line
		)
		rent = self.world.account("Office Rent")
		made = self.world.client.create(
			"Bill",
			{
				"VendorRef": self.pushed(bill)["VendorRef"],
				"DocNumber": "RENT-12",
				"Line": [
					{
						"DetailType": "ItemBasedExpenseLineDetail",
						"Amount": 30,
						"ItemBasedExpenseLineDetail": {"ItemRef": item_ref, "Qty": 3, "UnitPrice": 10},
					},
					{
						"DetailType": "AccountBasedExpenseLineDetail",
						"Amount": 500,
						"Description": "Office rent, December",
						"AccountBasedExpenseLineDetail": {
							"AccountRef": {"value": self.world.qbo_accounts[rent]}
						},
					},
				],
			},
		)

		self.deliver("Bill", made["Id"])

		(log,) = self.drafts_of("Bill", made["Id"])
		draft = frappe.get_doc("Purchase Invoice", log.reference_name)
		self.assertEqual((draft.docstatus, draft.supplier, draft.bill_no), (0, SUPPLIER, "RENT-12"))
		self.assertEqual(
			[(row.item_code, flt(row.amount)) for row in draft.items], [(ITEM, 30.0), (None, 500.0)]
		)
		self.assertEqual(draft.items[1].expense_account, rent)
		self.assertEqual(flt(draft.grand_total), 530.0)

	def test_a_cloudevents_array_reaches_the_endpoint_through_frappe_request_handling(self):
		events = [
			{
				"specversion": "1.0",
				"id": frappe.generate_hash(length=12),
				"source": "intuit.bench",
				"type": "qbo.invoice.created.v1",
				"datacontenttype": "application/json",
				"time": "2026-12-02T10:00:00.123456789Z",
				"intuitentityid": "9001",
				"intuitaccountid": self.world.realm_id,
				"data": {},
			}
		]
		body = json.dumps(events).encode()
		for content_type in ("application/json", "application/cloudevents-batch+json"):
			with captured_jobs() as jobs:
				signed = post_through_frappe(
					body, {"Content-Type": content_type, "intuit-signature": inbound.signature(body, TOKEN)}
				)
				forged = post_through_frappe(
					body, {"Content-Type": content_type, "intuit-signature": inbound.signature(body, "guess")}
				)
			self.assertEqual((signed.status_code, forged.status_code), (200, 401), content_type)
			self.assertEqual(signed.json["message"], {"ok": True})
			(job,) = jobs
			self.assertEqual(job["settings"], self.world.settings.name)
			self.assertEqual(
				[(event["entity"], event["id"], event["operation"]) for event in job["events"]],
				[("Invoice", "9001", "Create")],
			)
