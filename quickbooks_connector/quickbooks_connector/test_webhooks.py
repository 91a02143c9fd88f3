"""Bench tier: the webhook endpoint refuses what the Verifier Token does not sign, with no side effect, and queues
signed notifications without secrets; a payment made in the emulated QuickBooks against a pushed invoice becomes
one submitted, allocated Payment Entry that is never sent back."""

import json

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from quickbooks_connector import inbound
from quickbooks_connector.constants import (
	INBOUND_CHANGE,
	LAST_WEBHOOK_AT,
	RECEIVE_FROM_QUICKBOOKS,
	SETTINGS,
	SYNC_LOG,
	WEBHOOK_VERIFIER_TOKEN,
)
from quickbooks_connector.quickbooks_connector import webhooks
from quickbooks_connector.quickbooks_connector.port import log_name
from quickbooks_connector.quickbooks_connector.reference_data import fetch_reference_data
from quickbooks_connector.tests.push_fixtures import PushWorld, captured_jobs, run_job

TOKEN = "bench-verifier-token"
COMPANY = "QBC Inbound Test Co"


def forget_synced_records(settings: str) -> None:
	"""The sync records and inbound rows of the company's previous emulated QuickBooks companies. Each class
	connects to a new one, whose ids start at 1 again: a payment made there would otherwise be taken for the
	earlier run's record of the same id, which the connector wrote, and never be recorded."""
	frappe.db.delete(SYNC_LOG, {"company": COMPANY})
	frappe.db.delete(INBOUND_CHANGE, {"settings": settings})


class TestWebhooks(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.world = PushWorld(COMPANY, "QIT")
		cls.world.set_settings(**{RECEIVE_FROM_QUICKBOOKS: 1, WEBHOOK_VERIFIER_TOKEN: TOKEN})
		forget_synced_records(
			cls.world.settings.name
		)  # what an earlier run left (or crashed before removing)
		frappe.db.commit()  # nosemgrep: the endpoint reads the committed token

	@classmethod
	def tearDownClass(cls) -> None:
		frappe.db.rollback()
		forget_synced_records(cls.world.settings.name)
		frappe.db.commit()  # nosemgrep: the push and inbound jobs commit their records; remove them
		super().tearDownClass()

	def post(self, body: bytes, signature: str | None) -> dict:
		headers = {"Content-Type": "application/json"}
		if signature is not None:
			headers["intuit-signature"] = signature
		environ = EnvironBuilder(method="POST", data=body, headers=headers).get_environ()
		frappe.local.request = Request(environ)
		frappe.local.response = frappe._dict()
		answer = webhooks.receive()
		return {"status": frappe.local.response.get("http_status_code") or 200, **answer}

	def notification(self, entity: str, qbo_id: str) -> bytes:
		entities = [
			{"name": entity, "id": qbo_id, "operation": "Create", "lastUpdated": "2026-12-01T10:00:00-0800"}
		]
		payload = {
			"eventNotifications": [
				{"realmId": self.world.realm_id, "dataChangeEvent": {"entities": entities}}
			]
		}
		return json.dumps(payload).encode()

	def test_a_forged_or_tampered_notification_is_refused_with_no_side_effect(self):
		body = self.notification("Payment", "1")
		before = frappe.db.get_value(SETTINGS, self.world.settings.name, LAST_WEBHOOK_AT)
		with captured_jobs() as jobs:
			answers = [
				self.post(body, inbound.signature(body, "guessed")),
				self.post(body + b" ", inbound.signature(body, TOKEN)),
				self.post(body, None),
			]
		self.assertEqual([answer["status"] for answer in answers], [401, 401, 401])
		self.assertEqual(jobs, [])
		self.assertEqual(frappe.db.get_value(SETTINGS, self.world.settings.name, LAST_WEBHOOK_AT), before)

	def test_a_signed_notification_is_queued_without_secrets(self):
		body = self.notification("Payment", "1")
		with captured_jobs() as jobs:
			answer = self.post(body, inbound.signature(body, TOKEN))
		self.assertEqual(answer["status"], 200)
		(job,) = jobs
		self.assertEqual(job["settings"], self.world.settings.name)
		self.assertEqual([event["id"] for event in job["events"]], ["1"])
		self.assertNotIn(TOKEN, json.dumps(job, default=str))
		self.assertTrue(frappe.db.get_value(SETTINGS, self.world.settings.name, LAST_WEBHOOK_AT))

	def test_a_payment_made_in_quickbooks_becomes_one_submitted_allocated_payment_entry(self):
		with captured_jobs() as jobs:
			invoice = self.world.sales_invoice()
		for job in jobs:
			run_job(job)
		qbo_invoice_id = frappe.db.get_value(SYNC_LOG, log_name("Sales Invoice", invoice.name), "qbo_id")
		held = self.world.client.read("Invoice", qbo_invoice_id)
		cash = self.world.qbo_accounts[self.world.account("Cash")]
		payment = self.world.client.create(
			"Payment",
			{
				"CustomerRef": held["CustomerRef"],
				"TotalAmt": 40,
				"DepositToAccountRef": {"value": cash},
				"Line": [{"Amount": 40, "LinkedTxn": [{"TxnId": qbo_invoice_id, "TxnType": "Invoice"}]}],
			},
		)
		body = self.notification("Payment", payment["Id"])

		with captured_jobs() as jobs:
			self.post(body, inbound.signature(body, TOKEN))
			self.post(body, inbound.signature(body, TOKEN))  # delivered twice
			for job in list(jobs):
				run_job(job)

		entries = frappe.get_all(
			"Payment Entry Reference",
			filters={"reference_name": invoice.name, "docstatus": 1},
			fields=["parent", "allocated_amount"],
		)
		self.assertEqual(len(entries), 1)
		self.assertEqual(flt(entries[0].allocated_amount), 40)
		entry = frappe.get_doc("Payment Entry", entries[0].parent)
		self.assertEqual((entry.payment_type, entry.paid_to), ("Receive", self.world.account("Cash")))
		log = frappe.db.get_value(
			SYNC_LOG, log_name("Payment Entry", entry.name), ["status", "qbo_id"], as_dict=True
		)
		self.assertEqual((log.status, log.qbo_id), ("Synced", payment["Id"]))
		self.assertFalse([job for job in jobs if job.get("method", "").endswith("push.run_sync")], "no echo")
		self.assertEqual(
			flt(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount")),
			flt(held["TotalAmt"]) - 40,
		)

	def test_a_waiting_payment_is_recorded_after_the_user_maps_its_account_and_presses_retry(self):
		with captured_jobs() as jobs:
			invoice = self.world.sales_invoice()
		for job in jobs:
			run_job(job)
		qbo_invoice_id = frappe.db.get_value(SYNC_LOG, log_name("Sales Invoice", invoice.name), "qbo_id")
		held = self.world.client.read("Invoice", qbo_invoice_id)
		savings = self.world.client.create(
			"Account", {"Name": f"Savings {frappe.generate_hash(length=6)}", "AccountType": "Bank"}
		)
		payment = self.world.client.create(
			"Payment",
			{
				"CustomerRef": held["CustomerRef"],
				"TotalAmt": 25,
				"DepositToAccountRef": {"value": savings["Id"]},
				"Line": [{"Amount": 25, "LinkedTxn": [{"TxnId": qbo_invoice_id, "TxnType": "Invoice"}]}],
			},
		)
		body = self.notification("Payment", payment["Id"])
		with captured_jobs() as jobs:
			self.post(body, inbound.signature(body, TOKEN))
			for job in list(jobs):
				run_job(job)
		change = frappe.get_all(
			INBOUND_CHANGE,
			filters={"settings": self.world.settings.name, "qbo_id": payment["Id"], "qbo_entity": "Payment"},
			fields=["name", "status"],
		)
		self.assertEqual([row.status for row in change], ["Waiting"])  # the deposit account is not mapped

		bank = frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": f"QBC Savings {frappe.generate_hash(length=6)}",
				"parent_account": frappe.db.get_value(
					"Account", self.world.account("Cash"), "parent_account"
				),
				"company": self.world.company,
				"account_type": "Bank",
			}
		).insert(ignore_permissions=True)
		fetch_reference_data(self.world.settings.name)
		self.world.settings.reload()
		self.world.map_account(bank.name, "Bank and Cash", savings["Id"])
		self.world.settings.save(ignore_permissions=True)
		with captured_jobs() as jobs:
			webhooks.retry_inbound(change[0].name)
			for job in list(jobs):
				run_job(job)

		self.assertEqual(frappe.db.get_value(INBOUND_CHANGE, change[0].name, "status"), "Recorded")
		entries = frappe.get_all(
			"Payment Entry Reference",
			filters={"reference_name": invoice.name, "docstatus": 1},
			fields=["parent", "allocated_amount"],
		)
		self.assertEqual([flt(row.allocated_amount) for row in entries], [25])
		self.assertEqual(frappe.db.get_value("Payment Entry", entries[0].parent, "paid_to"), bank.name)
