# Copyright (c) 2026, quickbooks_connector contributors
# For license information, please see license.txt

import json
import time
from decimal import Decimal

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from quickbooks_connector.constants import SETTINGS, SYNC_LOG, SYNC_STATUS_FIELD
from quickbooks_connector.mapping.errors import Problem
from quickbooks_connector.quickbooks_connector import push
from quickbooks_connector.quickbooks_connector.port import FrappePort, log_name
from quickbooks_connector.sync import ErrorKind, Status, SyncRecord
from quickbooks_connector.tests.push_fixtures import PushWorld, captured_jobs
from quickbooks_connector.tests.utils import make_user

ACCOUNTS_USER = "qbc-push-accounts-user@example.com"
OUTSIDER = "qbc-push-outsider@example.com"


class TestQuickBooksSyncLog(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.world = PushWorld(push_mode="Manual Only")
		make_user(ACCOUNTS_USER, ["Accounts User"])
		make_user(OUTSIDER, ["Blogger"])
		frappe.db.commit()  # nosemgrep: users outlive each test's rollback

	def tearDown(self) -> None:
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def submitted_invoice(self):
		with captured_jobs():
			return self.world.sales_invoice()

	def test_a_sync_record_round_trips_through_its_log(self):
		invoice = self.submitted_invoice()
		now = time.time()
		record = SyncRecord(
			"Sales Invoice",
			invoice.name,
			status=Status.FAILED,
			qbo_entity="Invoice",
			qbo_id="42",
			sync_token="3",
			doc_number=invoice.name,
			attempts=2,
			error="QuickBooks is busy",
			error_kind=ErrorKind.TRANSIENT,
			outcome_unknown=True,
			request_id="rid",
			payload_hash="hash",
			erp_total=Decimal("381.59"),
			erp_tax=Decimal("21.60"),
			qbo_total=Decimal("381.59"),
			qbo_tax=Decimal("21.60"),
			next_retry_at=now + 120,
			last_attempt_at=now,
			related={"after:apply-credit": "Payment:7"},
		)
		port = FrappePort(self.world.settings)

		port.save_record(record)
		loaded = port.get_record("Sales Invoice", invoice.name)

		for field in ("next_retry_at", "last_attempt_at"):
			self.assertAlmostEqual(getattr(loaded, field), getattr(record, field), places=3)
			setattr(loaded, field, getattr(record, field))
		self.assertEqual(loaded, record)
		log = frappe.get_doc(SYNC_LOG, log_name("Sales Invoice", invoice.name))
		self.assertEqual(
			(log.company, log.settings, log.status), (self.world.company, self.world.settings.name, "Failed")
		)
		self.assertAlmostEqual(
			(log.next_retry_at - now_datetime()).total_seconds(), 120, delta=30
		)  # system time zone
		self.assertIn("txnId=42", log.qbo_url)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, SYNC_STATUS_FIELD), "Failed")

	def test_bulk_retry_from_the_list_queues_every_selected_document(self):
		invoices = [self.submitted_invoice() for _ in range(2)]
		port = FrappePort(self.world.settings)
		for invoice in invoices:
			port.save_record(
				SyncRecord(
					"Sales Invoice", invoice.name, Status.FAILED, error="x", error_kind=ErrorKind.PERMANENT
				)
			)

		with captured_jobs() as jobs:
			queued = push.retry([log_name("Sales Invoice", invoice.name) for invoice in invoices])

		self.assertEqual(queued, 2)
		self.assertEqual(sorted(job["name"] for job in jobs), sorted(invoice.name for invoice in invoices))
		# a Retry keeps to the sync start date: only "Send despite Start Date" overrides it
		self.assertFalse(any(job["manual"] for job in jobs))
		for invoice in invoices:
			self.assertEqual(
				frappe.db.get_value(SYNC_LOG, log_name("Sales Invoice", invoice.name), "status"), "Queued"
			)

	def test_accounts_users_see_why_their_invoice_failed_but_cannot_edit_the_log(self):
		invoice = self.submitted_invoice()
		FrappePort(self.world.settings).save_record(
			SyncRecord(
				"Sales Invoice",
				invoice.name,
				Status.FAILED,
				error="Map Sales",
				error_kind=ErrorKind.PERMANENT,
			)
		)
		frappe.set_user(ACCOUNTS_USER)

		status = push.get_status("Sales Invoice", invoice.name)

		self.assertEqual((status["log"]["status"], status["log"]["error"]), ("Failed", "Map Sales"))
		self.assertTrue(status["can_sync"])
		self.assertTrue(frappe.has_permission(SYNC_LOG, "read"))
		self.assertFalse(frappe.has_permission(SYNC_LOG, "write"))

	def test_nobody_pushes_a_document_they_cannot_read(self):
		invoice = self.submitted_invoice()
		frappe.set_user(OUTSIDER)

		with captured_jobs() as jobs, self.assertRaises(frappe.PermissionError):
			push.sync_now("Sales Invoice", invoice.name)
		self.assertEqual(jobs, [])

	def test_a_synced_document_is_not_queued_again(self):
		invoice = self.submitted_invoice()
		FrappePort(self.world.settings).save_record(
			SyncRecord("Sales Invoice", invoice.name, Status.SYNCED, qbo_entity="Invoice", qbo_id="9")
		)

		with captured_jobs() as jobs:
			self.assertEqual(push.sync_now("Sales Invoice", invoice.name), "Synced")
		self.assertEqual(jobs, [])

	def test_the_log_keeps_the_writes_and_problems_and_resync_sends_a_voided_record_again(self):
		invoice = self.submitted_invoice()
		self.assertEqual(push.run_sync("Sales Invoice", invoice.name, manual=True), "Synced")
		log = frappe.get_doc(SYNC_LOG, log_name("Sales Invoice", invoice.name))
		history = json.loads(log.history) if isinstance(log.history, str) else log.history
		self.assertEqual(
			[entry["operation"] for entry in history if entry["entity"] == "Invoice"], ["create"]
		)
		first_id = log.qbo_id

		with captured_jobs() as jobs:  # refused while the record is live: nothing is sent twice
			push.resync("Sales Invoice", invoice.name)
		self.assertEqual(push.run_resync(jobs[0]["doctype"], jobs[0]["name"], jobs[0]["user"]), "Refused")

		held = self.world.client.read("Invoice", first_id)
		self.world.client.void("Invoice", first_id, held["SyncToken"])  # someone voids it in QuickBooks
		with captured_jobs() as jobs:
			push.resync("Sales Invoice", invoice.name)
		self.assertEqual(push.run_resync(jobs[0]["doctype"], jobs[0]["name"], jobs[0]["user"]), "Synced")

		log.reload()
		self.assertEqual(log.generation, 1)
		self.assertNotEqual(log.qbo_id, first_id)
		total = self.world.client.read("Invoice", log.qbo_id)["TotalAmt"]
		self.assertEqual(Decimal(str(total)), Decimal(str(invoice.grand_total)))

	def test_problems_are_kept_as_data_and_rendered_as_the_error(self):
		invoice = self.submitted_invoice()
		problem = Problem.of(
			"unmapped_account_demo", "Account {account} is not mapped.", "Map it.", account="X"
		)
		record = SyncRecord(
			"Sales Invoice",
			invoice.name,
			Status.FAILED,
			error="(old text)",
			error_kind=ErrorKind.PERMANENT,
			problems=[problem.as_dict()],
		)
		port = FrappePort(self.world.settings)

		port.save_record(record)

		self.assertEqual(port.get_record("Sales Invoice", invoice.name).problems, [problem.as_dict()])
		error = frappe.db.get_value(SYNC_LOG, log_name("Sales Invoice", invoice.name), "error")
		self.assertEqual(error, "Account X is not mapped. Map it.")

	def test_an_unmapped_account_is_mapped_from_the_sync_record_and_the_document_retried_in_one_step(self):
		settings = frappe.get_doc(SETTINGS, self.world.settings.name)
		income = next(row for row in settings.account_mappings if row.purpose == "Income")
		removed = {"purpose": income.purpose, "account": income.erpnext_account, "qbo": income.qbo_account}
		settings.remove(income)
		settings.save()
		invoice = self.submitted_invoice()
		self.assertEqual(push.run_sync("Sales Invoice", invoice.name, manual=True), "Failed")
		log = log_name("Sales Invoice", invoice.name)
		problems = json.loads(frappe.db.get_value(SYNC_LOG, log, "problems"))
		self.assertIn(
			("account_not_mapped", removed["account"]),
			[(problem["code"], problem["facts"].get("account")) for problem in problems],
		)

		with captured_jobs() as jobs:
			push.map_and_retry(
				log, removed["account"], qbo_account=removed["qbo"], purpose=removed["purpose"]
			)

		mapped = frappe.get_doc(SETTINGS, self.world.settings.name).account_mappings
		self.assertIn(removed["account"], [row.erpnext_account for row in mapped])
		self.assertEqual([job["name"] for job in jobs], [invoice.name])
		self.assertEqual(push.run_sync("Sales Invoice", invoice.name, manual=jobs[0]["manual"]), "Synced")
