"""Fetching QuickBooks reference data into ERPNext and suggesting account mappings from it.

Run: bench --site SITE run-tests --module quickbooks_connector.quickbooks_connector.test_reference_data
"""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from quickbooks_connector.constants import ACCOUNT, SETTINGS, TAX_CODE, TAX_RATE, TERM
from quickbooks_connector.quickbooks_connector import connection, mappings, reference_data
from quickbooks_connector.quickbooks_connector.reference_data import fetch_reference_data
from quickbooks_connector.quickbooks_connector.settings import QuickBooksNotConnectedError, get_client
from quickbooks_connector.tests.utils import (
	disconnect_companies,
	emulator_admin,
	get_test_company,
	make_connected_settings,
)

COMPANY, ABBR = (
	"QBC Reference Co",
	"QRF",
)  # its own company: other modules' tests on the site cannot interfere
OWN_COMPANIES = (COMPANY,)


class ReferenceDataTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.company = get_test_company(COMPANY, ABBR)
		cls.admin = emulator_admin()

	@classmethod
	def tearDownClass(cls) -> None:
		disconnect_companies(OWN_COMPANIES)
		super().tearDownClass()

	def setUp(self) -> None:
		frappe.set_user("Administrator")

	def rows(self, doctype: str, settings: str, **filters) -> list[dict]:
		return frappe.get_all(
			doctype, filters={"settings": settings, **filters}, fields=["*"], order_by="qbo_id"
		)


class TestFetch(ReferenceDataTestCase):
	def test_fetch_creates_named_rows_for_accounts_tax_codes_and_terms(self):
		settings = make_connected_settings(self.company)

		counts = fetch_reference_data(settings.name)

		accounts = {row.account_name: row for row in self.rows(ACCOUNT, settings.name)}
		self.assertEqual(counts[ACCOUNT]["created"], len(accounts))
		receivable = accounts["Accounts Receivable (A/R)"]
		self.assertEqual(receivable.account_type, "Accounts Receivable")
		self.assertEqual(receivable.currency, "USD")
		self.assertEqual(receivable.name, f"{settings.name}-{receivable.qbo_id}")
		self.assertEqual({row.tax_code_name for row in self.rows(TAX_CODE, settings.name)}, {"TAX", "NON"})
		terms = {row.term_name: row.due_days for row in self.rows(TERM, settings.name)}
		self.assertEqual(terms["Net 30"], 30)
		self.assertIsNotNone(frappe.db.get_value(SETTINGS, settings.name, "last_reference_fetch"))
		# Link fields show the QuickBooks name, not "<settings>-<id>".
		meta = frappe.get_meta(ACCOUNT)
		self.assertEqual((meta.title_field, meta.show_title_field_in_link), ("account_name", 1))

	def test_tax_codes_of_a_non_us_company_carry_their_rates(self):
		settings = make_connected_settings(self.company, realm={"country": "GB"})

		fetch_reference_data(settings.name)

		codes = {row.tax_code_name: row for row in self.rows(TAX_CODE, settings.name)}
		self.assertEqual(codes["20.0% S"].sales_rates, "20.0% S (20%)")
		self.assertEqual(codes["20.0% S"].purchase_rates, "20.0% S (Purchases) (20%)")
		rates = {row.tax_rate_name: row.rate_value for row in self.rows(TAX_RATE, settings.name)}
		self.assertEqual(rates["5.0% R"], 5)

	def test_refetch_updates_changed_rows_and_marks_inactive_and_vanished_ones(self):
		settings = make_connected_settings(self.company)
		fetch_reference_data(settings.name)
		client = get_client(settings.name)
		travel = next(client.query("SELECT * FROM Account WHERE Name = {}", "Travel"))
		client.update(
			"Account", {"Id": travel["Id"], "SyncToken": travel["SyncToken"], "Active": False}, sparse=True
		)
		rent = next(client.query("SELECT * FROM Account WHERE Name = {}", "Rent or Lease"))
		client.update(
			"Account", {"Id": rent["Id"], "SyncToken": rent["SyncToken"], "Name": "Rent"}, sparse=True
		)
		frappe.get_doc(
			{"doctype": ACCOUNT, "settings": settings.name, "qbo_id": "99999", "account_name": "Gone"}
		).insert(ignore_permissions=True)

		counts = fetch_reference_data(settings.name)

		self.assertEqual(counts[ACCOUNT], {"created": 0, "updated": 2, "deleted": 1})
		by_id = {row.qbo_id: row for row in self.rows(ACCOUNT, settings.name)}
		self.assertEqual((by_id[travel["Id"]].active, by_id[travel["Id"]].deleted_in_quickbooks), (0, 0))
		self.assertEqual(by_id[rent["Id"]].account_name, "Rent")
		self.assertEqual((by_id["99999"].active, by_id["99999"].deleted_in_quickbooks), (0, 1))
		self.assertEqual(
			fetch_reference_data(settings.name)[ACCOUNT], {"created": 0, "updated": 0, "deleted": 0}
		)

	def test_the_button_queues_one_long_job_per_settings(self):
		settings = make_connected_settings(self.company)

		with (
			patch.object(reference_data, "is_job_enqueued", return_value=False),
			patch.object(frappe, "enqueue") as enqueue,
		):
			answer = reference_data.fetch_quickbooks_data(settings.name)
		with (
			patch.object(reference_data, "is_job_enqueued", return_value=True),
			patch.object(frappe, "enqueue") as enqueue_again,
		):
			again = reference_data.fetch_quickbooks_data(settings.name)

		self.assertTrue(answer["queued"])
		kwargs = enqueue.call_args.kwargs
		self.assertEqual(
			enqueue.call_args.args[0], "quickbooks_connector.quickbooks_connector.reference_data.fetch_job"
		)
		self.assertEqual(kwargs["queue"], "long")
		self.assertEqual(kwargs["job_id"], f"quickbooks_reference_data::{settings.name}")
		self.assertTrue(kwargs["deduplicate"])
		self.assertFalse(again["queued"])
		enqueue_again.assert_not_called()

	def test_the_button_refuses_when_not_connected(self):
		settings = make_connected_settings(self.company)
		connection.disconnect(settings.name)

		with self.assertRaises(QuickBooksNotConnectedError):
			reference_data.fetch_quickbooks_data(settings.name)

	def test_the_job_notifies_the_user_when_done_and_when_it_fails(self):
		settings = make_connected_settings(self.company)
		frappe.db.delete("Notification Log", {"document_name": settings.name, "for_user": "Administrator"})

		reference_data.fetch_job(settings.name, "Administrator")
		frappe.db.commit()  # nosemgrep: as the worker does after each job
		self.admin.inject_fault(match={"path_regex": "/query"}, action="error", status=403, times=1)
		reference_data.fetch_job(settings.name, "Administrator")

		subjects = frappe.get_all(
			"Notification Log",
			filters={"document_name": settings.name, "for_user": "Administrator"},
			pluck="subject",
			order_by="creation",
		)
		self.assertEqual(subjects, ["QuickBooks data fetched", "QuickBooks data fetch failed"])
		self.admin.clear_faults()


class TestSuggestMappings(ReferenceDataTestCase):
	def test_suggestions_add_rows_for_unmapped_accounts_and_never_touch_existing_rows(self):
		settings = make_connected_settings(self.company)
		fetch_reference_data(settings.name)
		services = frappe.db.get_value(ACCOUNT, {"settings": settings.name, "account_name": "Services"})
		doc = frappe.get_doc(SETTINGS, settings.name)
		doc.append(
			"account_mappings",
			{"purpose": "Income", "erpnext_account": f"Sales - {ABBR}", "qbo_account": services},
		)
		doc.save()

		result = mappings.suggest_mappings(settings.name)

		doc.reload()
		by_account = {row.erpnext_account: row for row in doc.account_mappings}
		self.assertEqual(by_account[f"Sales - {ABBR}"].qbo_account, services)  # kept as the user chose
		self.assertNotIn(f"Sales - {ABBR}", [row["erpnext_account"] for row in result["added"]])
		self.assertEqual(self.qbo_name(by_account[f"Debtors - {ABBR}"]), "Accounts Receivable (A/R)")
		self.assertEqual(by_account[f"Debtors - {ABBR}"].purpose, "Receivable")
		self.assertEqual(self.qbo_name(by_account[f"Creditors - {ABBR}"]), "Accounts Payable (A/P)")
		self.assertEqual(self.qbo_name(by_account[f"Marketing Expenses - {ABBR}"]), "Advertising")
		self.assertEqual(self.qbo_name(by_account[f"Service - {ABBR}"]), "Services")
		unmatched = {row["erpnext_account"] for row in result["unmatched"]}
		self.assertIn(f"Cash - {ABBR}", unmatched)  # two QuickBooks bank accounts, no shared word: no guess
		self.assertEqual(len(doc.account_mappings), 1 + len(result["added"]))

		again = mappings.suggest_mappings(settings.name)

		self.assertEqual(again["added"], [])
		self.assertEqual(
			len(frappe.get_doc(SETTINGS, settings.name).account_mappings), len(doc.account_mappings)
		)

	def qbo_name(self, row) -> str:
		return frappe.db.get_value(ACCOUNT, row.qbo_account, "account_name")
