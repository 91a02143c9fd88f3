"""The QuickBooks Reconciliation report on a real site against the emulator: documents pushed by the connector
leave every mapped account's difference where it was; a document left unsent and a transaction made in QuickBooks
each change exactly their accounts by their amount, explained with links; QuickBooks is only called by the job."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import nowdate

from quickbooks_connector.constants import SYNC_LOG
from quickbooks_connector.quickbooks_connector import reconciliation
from quickbooks_connector.quickbooks_connector.report.quickbooks_reconciliation import (
	quickbooks_reconciliation as report,
)
from quickbooks_connector.tests.push_fixtures import PushWorld, captured_jobs, run_job

COMPANY, ABBR = "QBC Reconcile Test Co", "QRT"


class TestQuickBooksReconciliation(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.world = PushWorld(company=COMPANY, abbr=ABBR)

	def tearDown(self) -> None:
		frappe.db.rollback()
		frappe.db.delete(SYNC_LOG, {"company": self.world.company})
		frappe.db.commit()  # nosemgrep: the engine commits its records; remove them with the test's documents
		frappe.cache.delete_keys("quickbooks_reconciliation|")

	def filters(self) -> dict:
		return {"company": COMPANY, "from_date": nowdate(), "to_date": nowdate()}

	def run_report(self) -> dict[str, dict]:
		"""The report as the desk gets it: first 'fetching' (the job captured, no QuickBooks call in the request),
		then, once the job ran, its rows by QuickBooks account."""
		frappe.cache.delete_keys("quickbooks_reconciliation|")
		before = self.world.requests_sent()
		with captured_jobs() as jobs:
			columns, data, message = report.execute(self.filters())[:3]
		self.assertEqual(data, [])
		self.assertIn("Fetching", message)
		self.assertEqual(self.world.requests_sent(), before, "the web request must not call QuickBooks")
		self.assertEqual([job["method"] for job in jobs], [f"{reconciliation.__name__}.fetch_job"])
		self.assertNotIn("token", str(jobs[0]).lower())
		run_job(jobs[0])
		answer = report.execute(self.filters())
		self.assertEqual(len(answer), 5, answer[2])
		columns, data = answer[:2]
		self.assertIn("difference", [column["fieldname"] for column in columns])
		return {row["qbo_account"]: row for row in data}

	def push(self, make, *args) -> frappe.model.document.Document:
		with captured_jobs() as jobs:
			doc = make(*args)
		for job in jobs:
			run_job(job)
		return doc

	def differences(self, rows: dict[str, dict]) -> dict[str, Decimal]:
		return {name: Decimal(str(row["difference"])).quantize(Decimal("0.01")) for name, row in rows.items()}

	def test_pushed_documents_add_no_difference(self):
		"""Deltas against a first run: the site may hold committed documents of earlier runs that this test's fresh
		QuickBooks company does not have."""
		first = self.run_report()
		before = self.differences(first)
		invoice = self.push(self.world.sales_invoice)
		self.push(self.world.purchase_invoice)

		rows = self.run_report()

		after = self.differences(rows)
		self.assertEqual({name: d for name, d in after.items() if d != before.get(name, 0)}, {})
		booked = Decimal(str(rows["Sales"]["qbo_credit"] - rows["Sales"]["qbo_debit"]))
		earlier = (
			Decimal(str(first["Sales"]["qbo_credit"] - first["Sales"]["qbo_debit"]))
			if "Sales" in first
			else 0
		)
		self.assertEqual((booked - earlier).quantize(Decimal("0.01")), Decimal(str(invoice.base_net_total)))

	def test_an_unsent_document_is_its_difference_with_its_link(self):
		before = self.differences(self.run_report())
		with captured_jobs():  # submitted, its push job never runs
			invoice = self.world.purchase_invoice()

		rows = self.run_report()

		rent = rows["Office Rent"]
		amount = Decimal(str(invoice.base_net_total)).quantize(Decimal("0.01"))
		self.assertEqual(self.differences(rows)["Office Rent"] - before.get("Office Rent", 0), -amount)
		self.assertIn(invoice.name, rent["explanation"])
		self.assertIn(f"/app/purchase-invoice/{invoice.name}", rent["explanation"])
		# the Sync Log's name ("Purchase Invoice::ACC-...") travels encoded in its link
		self.assertIn(f"/app/quickbooks-sync-log/Purchase%20Invoice%3A%3A{invoice.name}", rent["explanation"])
		self.assertIn("waiting", rent["explanation"])

	def test_a_transaction_made_in_quickbooks_is_its_difference_with_its_link(self):
		before = self.differences(self.run_report())
		rent = self.world.qbo_accounts[self.world.account("Office Rent")]
		cash = self.world.qbo_accounts[self.world.account("Cash")]
		purchase = self.world.client.create(
			"Purchase",
			{
				"PaymentType": "Cash",
				"AccountRef": {"value": cash},
				"TxnDate": nowdate(),
				"PrivateNote": "<b>typed in QuickBooks</b>",
				"Line": [
					{
						"DetailType": "AccountBasedExpenseLineDetail",
						"Amount": 33.10,
						"AccountBasedExpenseLineDetail": {"AccountRef": {"value": rent}},
					}
				],
			},
		)

		rows = self.run_report()

		row = rows["Office Rent"]
		self.assertEqual(
			self.differences(rows)["Office Rent"] - before.get("Office Rent", 0), Decimal("33.10")
		)
		self.assertIn(f"Purchase {purchase['Id']}", row["explanation"])
		self.assertIn("Open in QuickBooks", row["explanation"])
		self.assertNotIn("<b>", row["explanation"])

	def test_only_accounts_managers_and_users_who_read_the_company(self):
		frappe.set_user("Guest")
		try:
			with self.assertRaises(frappe.PermissionError):
				report.execute(self.filters())
			with self.assertRaises(frappe.PermissionError):
				report.refresh(COMPANY, nowdate(), nowdate())
		finally:
			frappe.set_user("Administrator")

	def test_the_daily_check_names_the_account_and_cause_to_the_managers(self):
		with captured_jobs():
			invoice = self.world.purchase_invoice()
		start, end = reconciliation._months_to_check()[1]

		result = reconciliation.check_company(self.world.settings.name, COMPANY, start, end)

		self.assertTrue(any("Office Rent" in row.qbo_name for row in result.differences))
		subjects = frappe.get_all(
			"Notification Log",
			filters={"document_name": self.world.settings.name, "subject": ("like", "%Office Rent%")},
			fields=["subject", "email_content"],
		)
		self.assertTrue(subjects)
		self.assertTrue(any(invoice.name in (entry.email_content or "") for entry in subjects))
