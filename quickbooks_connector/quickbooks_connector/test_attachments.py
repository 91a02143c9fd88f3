"""The document itself: with Attach Document PDF on, a submitted invoice's PDF (in the print format chosen on
QuickBooks Settings) is attached to its QuickBooks record; a PDF that cannot be made leaves the invoice Synced,
with a note, and the scheduled retry attaches it.

Run: bench --site SITE run-tests --module quickbooks_connector.quickbooks_connector.test_attachments
"""

import shutil
import unittest
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from quickbooks_connector.constants import ATTACH_PDF, SYNC_LOG
from quickbooks_connector.quickbooks_connector import push
from quickbooks_connector.quickbooks_connector.context import sync_policy
from quickbooks_connector.quickbooks_connector.port import FrappePort, log_name
from quickbooks_connector.tests.push_fixtures import PushWorld, captured_jobs, run_job
from quickbooks_connector.tests.utils import disconnect_companies

COMPANY, ABBR = "QBC Attachments Co", "QAT"  # its own company: other modules reconnect theirs
FAKE_PDF = b"%PDF-1.4\n% a print made for the test\n%%EOF\n"


class TestAttachments(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.world = PushWorld(COMPANY, ABBR, **{ATTACH_PDF: 1})

	@classmethod
	def tearDownClass(cls) -> None:
		disconnect_companies((COMPANY,))
		super().tearDownClass()

	def tearDown(self) -> None:
		frappe.db.rollback()
		frappe.db.delete(SYNC_LOG, {"company": COMPANY})  # the engine commits its records
		frappe.db.commit()  # nosemgrep
		self.world.admin.clear_faults()

	def submit_and_run(self):
		with captured_jobs() as jobs:
			invoice = self.world.sales_invoice()
		for job in jobs:
			run_job(job)
		return invoice

	def attachments_of(self, log: frappe._dict) -> list[dict]:
		statement = "where AttachableRef.EntityRef.Type = {} and AttachableRef.EntityRef.value = {}"
		return self.world.held("Attachable", statement, log.qbo_entity, log.qbo_id)

	def log_of(self, invoice) -> frappe._dict:
		return frappe.db.get_value(SYNC_LOG, log_name(invoice.doctype, invoice.name), "*", as_dict=True)

	def test_the_settings_ask_for_pdfs_of_sales_and_purchase_invoices_only(self):
		policy = sync_policy(self.world.settings)

		self.assertEqual(policy.attach_pdf, frozenset({"Sales Invoice", "Purchase Invoice"}))
		self.assertIsNone(FrappePort(self.world.settings).get_pdf("Payment Entry", "ACC-PAY-ANY"))

	def test_the_port_prints_in_the_chosen_format_for_quickbooks_not_for_the_user(self):
		invoice = self.world.sales_invoice()
		print_format = frappe.get_doc(
			{
				"doctype": "Print Format",
				"name": "QAT Invoice For QuickBooks",
				"doc_type": "Sales Invoice",
				"module": "Accounts",
				"custom_format": 1,
				"print_format_type": "Jinja",
				"html": "<p>{{ doc.name }}</p>",
			}
		).insert(ignore_permissions=True)
		self.world.set_settings(sales_invoice_print_format=print_format.name)
		seen = {}

		def get_print(doctype, name, print_format=None, **options):
			seen.update(doctype=doctype, name=name, format=print_format, **options)
			seen["ignoring_permissions"] = frappe.flags.ignore_print_permissions
			return FAKE_PDF

		before = frappe.flags.ignore_print_permissions
		with patch("frappe.get_print", side_effect=get_print):
			content = FrappePort(self.world.settings.name).get_pdf("Sales Invoice", invoice.name)

		self.assertEqual(content, FAKE_PDF)
		self.assertEqual(
			(seen["doctype"], seen["name"], seen["format"]),
			("Sales Invoice", invoice.name, print_format.name),
		)
		self.assertTrue(seen["as_pdf"] and seen["ignoring_permissions"])
		self.assertEqual(frappe.flags.ignore_print_permissions, before)

	@unittest.skipUnless(
		shutil.which("wkhtmltopdf"), "wkhtmltopdf is not installed here: Frappe cannot make PDFs without it"
	)
	def test_a_real_print_reaches_quickbooks(self):
		invoice = self.submit_and_run()

		log = self.log_of(invoice)
		held = self.attachments_of(log)
		self.assertEqual((log.status, log.error), ("Synced", None))
		self.assertEqual([row["FileName"] for row in held], [f"{invoice.name}.pdf"])
		self.assertGreater(held[0]["Size"], 1000)

	def test_a_pdf_that_cannot_be_made_leaves_the_invoice_synced_and_the_retry_attaches_it(self):
		with patch("frappe.get_print", side_effect=OSError("wkhtmltopdf exited with code 1")):
			invoice = self.submit_and_run()
		pending = self.log_of(invoice)

		self.assertEqual((pending.status, pending.error_kind), ("Synced", "transient"))
		self.assertIn("PDF", pending.error)
		self.assertIn("wkhtmltopdf exited with code 1", pending.error)
		self.assertEqual(self.attachments_of(pending), [])
		self.assertEqual(len(self.world.held("Invoice", "where DocNumber = {}", invoice.name)), 1)

		frappe.db.set_value(SYNC_LOG, pending.name, "next_retry_at", add_to_date(now_datetime(), minutes=-1))
		with captured_jobs() as jobs, patch("frappe.get_print", return_value=FAKE_PDF):
			push.retry_due()
			mine = [job for job in jobs if job.get("name") == invoice.name]
			self.assertEqual(len(mine), 1, "the scheduled retry picks up the pending PDF")
			run_job(mine[0])
		attached = self.log_of(invoice)

		self.assertEqual((attached.status, attached.error, attached.error_kind), ("Synced", None, None))
		self.assertEqual([row["FileName"] for row in self.attachments_of(attached)], [f"{invoice.name}.pdf"])
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", invoice.name, "quickbooks_sync_status"), "Synced"
		)
