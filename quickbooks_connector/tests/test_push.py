"""Submitting, cancelling and amending real ERPNext documents: what the Sync Log, the document and QuickBooks (the
emulator) show after each step. The jobs are captured instead of going to Redis, and run here as a worker would."""

from datetime import timedelta
from decimal import Decimal
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, now_datetime, nowdate

from quickbooks_connector.constants import SETTINGS, SYNC_LOG, SYNC_STATUS_FIELD
from quickbooks_connector.mapping.money import money
from quickbooks_connector.qbo.errors import ServerError
from quickbooks_connector.quickbooks_connector import port, push
from quickbooks_connector.quickbooks_connector.port import lock_key, log_name
from quickbooks_connector.sync import PushEngine
from quickbooks_connector.tests.push_fixtures import (
	CUSTOMER,
	UNMAPPED_INCOME,
	PushWorld,
	captured_jobs,
	run_job,
)


class PushTestCase(FrappeTestCase):
	def setUp(self) -> None:
		# A fresh QuickBooks company per test: document names repeat once a test's documents are rolled back.
		self.world = PushWorld()

	def tearDown(self) -> None:
		frappe.db.rollback()
		# The engine commits its records (a write-ahead record must survive a dying worker), so a test's sync
		# records outlive its rollback: remove them, or the next test's scheduler runs would pick them up.
		frappe.db.delete(SYNC_LOG, {"company": self.world.company})
		frappe.db.commit()  # nosemgrep
		self.world.admin.clear_faults()

	def log(self, doc) -> frappe._dict:
		return frappe.db.get_value(SYNC_LOG, log_name(doc.doctype, doc.name), "*", as_dict=True)

	def submit_and_run(self, make, *args, **kwargs):
		"""Submit through `make`, check nothing reached QuickBooks during the submit, then run the job."""
		before = self.world.requests_sent()
		with captured_jobs() as jobs:
			doc = make(*args, **kwargs)
		self.assertEqual(self.world.requests_sent(), before, "the submit itself must not call QuickBooks")
		self.assertEqual(self.log(doc).status, "Queued")
		self.assertEqual(frappe.db.get_value(doc.doctype, doc.name, SYNC_STATUS_FIELD), "Queued")
		self.assertEqual(len(jobs), 1)
		run_job(jobs[0])
		return doc

	def held_one(self, entity: str, doc_number: str) -> dict:
		found = self.world.held(entity, "where DocNumber = {}", doc_number)
		self.assertEqual(len(found), 1, f"exactly one {entity} {doc_number} in QuickBooks")
		return found[0]

	def assert_synced(self, doc) -> frappe._dict:
		log = self.log(doc)
		self.assertEqual(log.status, "Synced", log.error)
		self.assertEqual(frappe.db.get_value(doc.doctype, doc.name, SYNC_STATUS_FIELD), "Synced")
		self.assertIn(f"realmId={self.world.realm_id}", log.qbo_url)
		return log


class TestPushOnSubmit(PushTestCase):
	def test_submitted_sales_invoice_is_queued_then_sent_with_its_total(self):
		with captured_jobs() as jobs:
			invoice = self.world.sales_invoice()

		self.assertEqual(
			jobs[0],
			{
				"method": push.JOB,
				"queue": "short",
				"enqueue_after_commit": True,
				"job_id": f"quickbooks::sync::Sales Invoice::{invoice.name}",
				"deduplicate": True,
				"doctype": "Sales Invoice",
				"name": invoice.name,
				"manual": False,
			},
		)
		self.assertEqual(run_job(jobs[0]), "Synced")

		log = self.assert_synced(invoice)
		held = self.held_one("Invoice", invoice.name)
		self.assertEqual(money(held["TotalAmt"]), money(invoice.rounded_total or invoice.grand_total))
		self.assertEqual(held["Id"], log.qbo_id)
		self.assertFalse(log.total_mismatch)
		self.assertTrue(invoice.discount_amount and invoice.total_taxes_and_charges)

	def test_customer_goes_to_quickbooks_with_its_primary_contact_and_addresses(self):
		customer = CUSTOMER
		frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": "Pat",
				"is_primary_contact": 1,
				"email_ids": [{"email_id": "pat@push.example", "is_primary": 1}],
				"phone_nos": [
					{"phone": "+1 555 0100", "is_primary_phone": 1},
					{"phone": "+1 555 0199", "is_primary_mobile_no": 1},
				],
				"links": [{"link_doctype": "Customer", "link_name": customer}],
			}
		).insert(ignore_permissions=True)
		for address_type, line in (("Billing", "1 Billing Way"), ("Shipping", "2 Dock Road")):
			frappe.get_doc(
				{
					"doctype": "Address",
					"address_title": customer,
					"address_type": address_type,
					"address_line1": line,
					"city": "Austin",
					"state": "TX",
					"pincode": "73301",
					"country": "United States",
					"is_primary_address": int(address_type == "Billing"),
					"is_shipping_address": int(address_type == "Shipping"),
					"links": [{"link_doctype": "Customer", "link_name": customer}],
				}
			).insert(ignore_permissions=True)

		invoice = self.submit_and_run(self.world.sales_invoice)

		self.assert_synced(invoice)
		held = self.world.client.read(
			"Customer", self.held_one("Invoice", invoice.name)["CustomerRef"]["value"]
		)
		self.assertEqual(held["PrimaryEmailAddr"]["Address"], "pat@push.example")
		self.assertEqual(held["PrimaryPhone"]["FreeFormNumber"], "+1 555 0100")
		self.assertEqual(held["Mobile"]["FreeFormNumber"], "+1 555 0199")
		self.assertEqual((held["BillAddr"]["Line1"], held["BillAddr"]["City"]), ("1 Billing Way", "Austin"))
		self.assertEqual(held["ShipAddr"]["Line1"], "2 Dock Road")

	def test_purchase_invoice_becomes_a_bill(self):
		bill = self.submit_and_run(self.world.purchase_invoice)

		log = self.assert_synced(bill)
		held = self.held_one("Bill", bill.bill_no)
		self.assertEqual(log.qbo_entity, "Bill")
		self.assertEqual(money(held["TotalAmt"]), money(bill.grand_total))

	def test_return_becomes_a_credit_memo(self):
		invoice = self.submit_and_run(self.world.sales_invoice)
		credit = self.submit_and_run(self.world.sales_return, invoice)

		self.assert_synced(credit)
		memo = self.held_one("CreditMemo", credit.name)
		self.assertEqual(money(memo["TotalAmt"]), money(abs(credit.rounded_total or credit.grand_total)))

	def test_payment_entry_pays_the_invoice_in_quickbooks(self):
		invoice = self.submit_and_run(self.world.sales_invoice)
		payment = self.submit_and_run(self.world.payment_for, invoice)

		self.assert_synced(payment)
		held = self.world.client.read("Payment", self.log(payment).qbo_id)
		self.assertEqual(money(held["TotalAmt"]), money(payment.paid_amount))
		self.assertEqual(money(self.held_one("Invoice", invoice.name)["Balance"]), Decimal("0.00"))

	def test_cancelled_invoice_is_voided_in_quickbooks(self):
		invoice = self.submit_and_run(self.world.sales_invoice)

		with captured_jobs() as jobs:
			invoice.cancel()
		self.assertEqual(self.log(invoice).status, "Queued")
		self.assertEqual(jobs[0]["job_id"], f"quickbooks::cancel::Sales Invoice::{invoice.name}")
		run_job(jobs[0])

		self.assertEqual(self.log(invoice).status, "Voided")
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, SYNC_STATUS_FIELD), "Voided")
		held = self.held_one("Invoice", invoice.name)
		self.assertEqual(money(held["TotalAmt"]), Decimal("0.00"))

	def test_amended_invoice_replaces_the_cancelled_one(self):
		invoice = self.submit_and_run(self.world.sales_invoice)
		with captured_jobs() as jobs:
			invoice.cancel()
		run_job(jobs[0])

		def amend():
			amended = frappe.copy_doc(invoice)
			amended.docstatus = 0
			amended.amended_from = invoice.name
			amended.insert(ignore_permissions=True)
			amended.submit()
			return amended

		amended = self.submit_and_run(amend)

		log = self.assert_synced(amended)
		self.assertEqual(log.replaces, invoice.name)
		live = [inv["DocNumber"] for inv in self.world.held("Invoice") if money(inv["TotalAmt"]) > 0]
		self.assertIn(amended.name, live)
		self.assertNotIn(invoice.name, live)


class TestFailuresAndRetries(PushTestCase):
	def test_a_document_another_worker_is_sending_is_left_to_that_worker(self):
		with captured_jobs() as jobs:
			invoice = self.world.sales_invoice()
		other_worker = frappe.database.get_db(
			host=frappe.conf.db_host, user=frappe.conf.db_name, password=frappe.conf.db_password
		)
		other_worker.connect()
		other_worker.sql("select get_lock(%s, 0)", lock_key(invoice.doctype, invoice.name))
		try:
			with patch.object(port, "LOCK_WAIT_SECONDS", 0):
				outcome = run_job(jobs[0])
		finally:
			other_worker.close()  # a worker that ends (or dies) releases its lock with its connection

		self.assertEqual(outcome, "Busy")
		self.assertEqual(self.log(invoice).status, "Queued")
		self.assertEqual(self.world.held("Invoice"), [])
		run_job(jobs[0])
		self.assert_synced(invoice)

	def test_unmapped_account_fails_naming_it_and_sync_now_after_the_fix_succeeds(self):
		unmapped = self.world.account(UNMAPPED_INCOME)
		invoice = self.world.sales_invoice(submit=False)
		invoice.items[0].income_account = unmapped
		invoice.save()
		with captured_jobs() as jobs:
			invoice.submit()
		run_job(jobs[0])

		log = self.log(invoice)
		self.assertEqual((log.status, log.error_kind), ("Failed", "permanent"))
		self.assertIn(unmapped, log.error)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, SYNC_STATUS_FIELD), "Failed")
		self.assertEqual(self.world.held("Invoice", "where DocNumber = {}", invoice.name), [])

		self.world.settings.reload()
		self.world.map_account(unmapped, "Income", self.world.qbo_accounts[self.world.account("Sales")])
		self.world.settings.save(ignore_permissions=True)
		with captured_jobs() as jobs:
			self.assertEqual(push.sync_now("Sales Invoice", invoice.name), "Queued")
		self.assertFalse(jobs[0]["manual"])  # a Retry keeps to the sync start date
		run_job(jobs[0])

		self.assert_synced(invoice)
		self.held_one("Invoice", invoice.name)

	def test_quickbooks_down_fails_as_transient_and_is_retried_after_its_backoff(self):
		self.world.admin.inject_fault(
			match={"realm_id": self.world.realm_id}, action="error", status=503, times=0
		)
		invoice = self.submit_and_run(self.world.sales_invoice)

		log = self.log(invoice)
		self.assertEqual((log.status, log.error_kind), ("Failed", "transient"))
		self.assertIn("retried automatically", log.error)
		self.assertGreater(log.next_retry_at, now_datetime())
		with captured_jobs() as jobs:
			push.retry_due()
		self.assertEqual(jobs, [], "not before its backoff has passed")

		self.world.admin.clear_faults()
		frappe.db.set_value(SYNC_LOG, log.name, "next_retry_at", now_datetime() - timedelta(seconds=1))
		with captured_jobs() as jobs:
			push.retry_due()
		self.assertEqual(
			[job["job_id"] for job in jobs], [f"quickbooks::sync::Sales Invoice::{invoice.name}"]
		)
		run_job(jobs[0])

		self.assert_synced(invoice)
		self.held_one("Invoice", invoice.name)

	def test_document_submitted_while_disconnected_waits_for_the_reconnect(self):
		frappe.db.set_value(SETTINGS, self.world.settings.name, "connection_status", "Expired")
		with captured_jobs() as jobs:
			invoice = self.world.sales_invoice()

		log = self.log(invoice)
		self.assertEqual(jobs, [])
		self.assertEqual((log.status, log.error_kind), ("Failed", "auth"))
		self.assertIn("Connect", log.error)
		with captured_jobs() as jobs:
			push.retry_due()
		self.assertEqual(jobs, [], "nothing can succeed before the reconnect")

		frappe.db.set_value(SETTINGS, self.world.settings.name, "connection_status", "Connected")
		with captured_jobs() as jobs:
			push.retry_due()
		run_job(jobs[0])
		self.assert_synced(invoice)

	def test_reconnecting_sends_what_waited_for_the_connection_at_once(self):
		frappe.db.set_value(SETTINGS, self.world.settings.name, "connection_status", "Expired")
		with captured_jobs():
			invoice = self.world.sales_invoice()
		self.assertEqual(self.log(invoice).error_kind, "auth")

		with captured_jobs() as jobs:
			self.world.reconnect()

		pushes = [job for job in jobs if job["method"] == push.JOB]
		self.assertEqual([job["name"] for job in pushes], [invoice.name])
		run_job(pushes[0])
		self.assert_synced(invoice)

	def test_document_before_the_start_date_is_not_queued_but_can_be_sent_by_hand(self):
		self.world.set_settings(sync_start_date=add_days(nowdate(), 1))
		before = self.world.requests_sent()
		with captured_jobs() as jobs:
			invoice = self.world.sales_invoice()

		self.assertEqual(jobs, [])
		self.assertEqual(self.world.requests_sent(), before)
		log = self.log(invoice)
		self.assertEqual(log.status, "Skipped")
		self.assertIn("sync start date", log.error)

		with self.assertRaises(frappe.ValidationError):  # a plain Sync keeps to the start date
			push.sync_now("Sales Invoice", invoice.name)
		with captured_jobs() as jobs:  # the confirmed override of an Accounts Manager (here Administrator)
			push.sync_despite_start_date("Sales Invoice", invoice.name)
		run_job(jobs[0])
		self.assert_synced(invoice)

	def test_manual_only_mode_queues_nothing_on_submit(self):
		self.world.set_settings(push_mode="Manual Only")
		with captured_jobs() as jobs:
			invoice = self.world.sales_invoice()

		self.assertEqual(jobs, [])
		self.assertIsNone(self.log(invoice))
		status = push.get_status("Sales Invoice", invoice.name)
		self.assertEqual((status["log"], status["can_sync"], status["enabled"]), (None, True, True))

	def test_document_whose_job_was_lost_is_queued_again_by_the_scheduler(self):
		with patch("frappe.enqueue", side_effect=ConnectionError("Redis is down")):
			invoice = self.world.sales_invoice()
		log = self.log(invoice)
		self.assertEqual(log.status, "Queued")
		self.assertTrue(frappe.db.exists("Error Log", {"reference_name": invoice.name}))

		with captured_jobs() as jobs:
			push.retry_due()
		self.assertEqual(jobs, [], "a fresh Queued record has its job")

		frappe.db.set_value(
			SYNC_LOG, log.name, "modified", now_datetime() - timedelta(minutes=20), update_modified=False
		)
		with captured_jobs() as jobs:
			push.retry_due()
		run_job(jobs[0])
		self.assert_synced(invoice)

	def test_a_bug_in_the_hook_never_stops_a_submit(self):
		with patch.object(push, "auto_push_settings", side_effect=RuntimeError("connector bug")):
			invoice = self.world.sales_invoice()

		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "docstatus"), 1)
		self.assertIsNone(self.log(invoice))
		self.assertTrue(
			frappe.db.exists(
				"Error Log", {"reference_doctype": "Sales Invoice", "reference_name": invoice.name}
			)
		)


class TestPreSubmitCheck(PushTestCase):
	def invoice_with_unmapped_income(self):
		invoice = self.world.sales_invoice(submit=False)
		invoice.items[0].income_account = self.world.account(UNMAPPED_INCOME)
		invoice.save()
		return invoice

	def test_block_refuses_a_document_quickbooks_would_refuse(self):
		self.world.set_settings(pre_submit_check="Block")
		invoice = self.invoice_with_unmapped_income()

		with captured_jobs(), self.assertRaises(frappe.ValidationError) as refused:
			invoice.submit()

		self.assertIn(self.world.account(UNMAPPED_INCOME), str(refused.exception))
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "docstatus"), 0)

	def test_warn_lets_it_through_with_the_problems_listed(self):
		self.world.set_settings(pre_submit_check="Warn")
		invoice = self.invoice_with_unmapped_income()
		frappe.clear_messages()

		with captured_jobs() as jobs:
			invoice.submit()

		messages = " ".join(frappe.parse_json(message).get("message", "") for message in frappe.message_log)
		self.assertIn(self.world.account(UNMAPPED_INCOME), messages)
		self.assertIn("QuickBooks Settings", messages)
		self.assertEqual(len(jobs), 1)

	def test_a_mapped_document_passes_silently(self):
		self.world.set_settings(pre_submit_check="Block")
		frappe.clear_messages()

		with captured_jobs():
			invoice = self.world.sales_invoice()

		self.assertEqual(invoice.docstatus, 1)
		self.assertEqual(frappe.message_log, [])


class TestBackfill(PushTestCase):
	def test_backfill_sends_the_period_in_batches_and_notifies_the_user(self):
		self.world.set_settings(push_mode="Manual Only")
		with captured_jobs():
			invoices = [self.world.sales_invoice() for _ in range(3)]
			bill = self.world.purchase_invoice()
		with captured_jobs() as jobs:
			push.start_backfill(
				self.world.settings.name, nowdate(), nowdate(), ["Sales Invoice", "Purchase Invoice"]
			)
		self.assertEqual(
			(jobs[0]["queue"], jobs[0]["job_id"]),
			("long", f"quickbooks::backfill::{self.world.settings.name}"),
		)

		# The job commits after every chunk; here the test's rollback must still undo everything.
		with patch.object(frappe.db, "commit"):
			counts = run_job(jobs[0])

		self.assertGreaterEqual(counts["Synced"], 4)
		for doc in [*invoices, bill]:
			self.assert_synced(doc)
		self.held_one("Bill", bill.bill_no)
		self.assertTrue(
			frappe.db.exists(
				"Notification Log",
				{
					"document_name": self.world.settings.name,
					"subject": ["like", "QuickBooks backfill finished%"],
				},
			)
		)

	def test_quickbooks_failing_between_batch_calls_sends_the_chunk_one_by_one_without_an_error_log(self):
		self.world.set_settings(push_mode="Manual Only")
		with captured_jobs():
			invoices = [self.world.sales_invoice() for _ in range(2)]
		with captured_jobs() as jobs:
			push.start_backfill(self.world.settings.name, nowdate(), nowdate(), ["Sales Invoice"])
		error_logs = frappe.db.count("Error Log")
		token_endpoint_down = ServerError("An application error has occurred while processing your request")

		# The job commits after every chunk (and rolls back before going one by one); here the test's own
		# rollback must still undo everything.
		with (
			patch.object(frappe.db, "commit"),
			patch.object(frappe.db, "rollback"),
			patch.object(PushEngine, "push_many", side_effect=token_endpoint_down),
		):
			run_job(jobs[0])

		for doc in invoices:
			self.assert_synced(doc)
		self.assertEqual(frappe.db.count("Error Log"), error_logs)
