"""The party import on a real site: QuickBooks customers and vendors from the emulator become ERPNext Customers and
Suppliers with contacts, addresses and QuickBooks Links; repeat runs, updates, inactive records, the conflict rule
and refused records.

Run: bench --site SITE run-tests --module quickbooks_connector.quickbooks_connector.test_party_import
"""

from datetime import timedelta
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from quickbooks_connector.constants import IMPORT_RUN, LINK, SETTINGS
from quickbooks_connector.demo import connect
from quickbooks_connector.mapping.party_import import parse_qbo_datetime
from quickbooks_connector.quickbooks_connector import party_import
from quickbooks_connector.quickbooks_connector.doctype.quickbooks_import_run.quickbooks_import_run import (
	QuickBooksImportRun,
)
from quickbooks_connector.quickbooks_connector.party_import import (
	import_due,
	import_now,
	need_to_run,
	run_import,
)
from quickbooks_connector.quickbooks_connector.times import utc_to_stored
from quickbooks_connector.tests.utils import emulator_admin, make_connected_settings

IMPORT_COMPANY = "QBC Import Co"  # its own company (and so its own settings): other suites reconnect theirs
IMPORT_SETTINGS = {
	"import_customers": 1,
	"import_suppliers": 1,
	"import_interval_minutes": 60,
	"default_customer_group": "Commercial",
	"default_territory": "United States",
	"default_supplier_group": "Services",
	"enabled": 1,
}


def get_import_company() -> str:
	if not frappe.db.exists("Company", IMPORT_COMPANY):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": IMPORT_COMPANY,
				"abbr": "QIC",
				"default_currency": "USD",
				"country": "United States",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	return IMPORT_COMPANY


class PartyImportTestCase(FrappeTestCase):
	"""Each test gets a fresh emulated QuickBooks company and a name prefix of its own; the import commits party by
	party, so everything it made is deleted again afterwards."""

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.company = get_import_company()
		cls.admin = emulator_admin()
		frappe.db.commit()  # nosemgrep: the import commits; the company must exist outside the test transaction

	def setUp(self) -> None:
		self.settings = make_connected_settings(self.company, **IMPORT_SETTINGS)
		frappe.db.set_value(
			SETTINGS,
			self.settings.name,
			{"customer_import_watermark": None, "supplier_import_watermark": None, "last_import_at": None},
		)
		self.tag = frappe.generate_hash(length=6)
		self.client = connect(self.settings.emulator_url, self.settings.realm_id)

	def tearDown(self) -> None:
		frappe.db.rollback()
		self._delete_imported()
		frappe.db.commit()  # nosemgrep: undo what the import committed

	# helpers ----------------------------------------------------------------------------------------------------

	def name(self, text: str) -> str:
		return f"{text} {self.tag}"

	def add(self, entity: str, display_name: str, **body) -> dict:
		return self.client.create(entity, {"DisplayName": self.name(display_name), **body})

	def change(self, entity: str, obj: dict, **changes) -> dict:
		current = self.client.read(entity, obj["Id"])
		body = {"Id": current["Id"], "SyncToken": current["SyncToken"], **changes}
		return self.client.update(entity, body, sparse=True)

	def run_now(self) -> QuickBooksImportRun:
		return frappe.get_doc(IMPORT_RUN, run_import(self.settings.name))

	def link_of(self, entity: str, obj: dict) -> dict:
		filters = {"settings": self.settings.name, "qbo_entity": entity, "qbo_id": obj["Id"]}
		return frappe.db.get_value(
			LINK, filters, ["erpnext_doctype", "erpnext_name", "imported_version"], as_dict=True
		)

	def contact_of(self, party_type: str, name: str) -> frappe._dict:
		contact = frappe.db.get_value(party_type, name, f"{party_type.lower()}_primary_contact")
		return frappe.db.get_value("Contact", contact, ["email_id", "phone", "mobile_no"], as_dict=True)

	def addresses_of(self, party_type: str, name: str) -> dict[str, frappe._dict]:
		names = frappe.get_all(
			"Dynamic Link",
			filters={"parenttype": "Address", "link_doctype": party_type, "link_name": name},
			pluck="parent",
		)
		rows = frappe.get_all(
			"Address",
			filters={"name": ("in", names or [""])},
			fields=[
				"address_type",
				"address_line1",
				"city",
				"country",
				"is_primary_address",
				"is_shipping_address",
			],
		)
		return {row.address_type: row for row in rows}

	def advance_quickbooks_clock(self, seconds: int = 60) -> None:
		self.admin.advance_clock(seconds)

	def _delete_imported(self) -> None:
		pattern = f"%{self.tag}%"
		for party_type in ("Customer", "Supplier"):
			for name in frappe.get_all(party_type, filters={"name": ("like", pattern)}, pluck="name"):
				for doctype in ("Contact", "Address"):
					linked = frappe.get_all(
						"Dynamic Link",
						filters={"parenttype": doctype, "link_doctype": party_type, "link_name": name},
						pluck="parent",
					)
					for parent in set(linked):
						frappe.delete_doc(doctype, parent, force=True, ignore_permissions=True)
				frappe.delete_doc(party_type, name, force=True, ignore_permissions=True)
		for group in frappe.get_all("Customer Group", filters={"name": ("like", pattern)}, pluck="name"):
			frappe.delete_doc("Customer Group", group, force=True, ignore_permissions=True)
		frappe.db.delete(LINK, {"settings": self.settings.name, "realm_id": self.settings.realm_id})
		for run in frappe.get_all(IMPORT_RUN, filters={"settings": self.settings.name}, pluck="name"):
			frappe.delete_doc(IMPORT_RUN, run, force=True, ignore_permissions=True)
		frappe.db.set_value(SETTINGS, self.settings.name, "last_import_run", None)


class TestPartyImport(PartyImportTestCase):
	def test_first_import_of_a_few_hundred_parties_then_a_repeat_without_duplicates(self):
		realm = self.settings.realm_id
		template = {
			"DisplayName": self.name("Customer {n}"),
			"CompanyName": self.name("Customer {n}"),
			"PrimaryEmailAddr": {"Address": f"c{{n}}.{self.tag}@example.com"},
			"PrimaryPhone": {"FreeFormNumber": "555-01{n}"},
			"BillAddr": {
				"Line1": "{n} Main St",
				"City": "Springfield",
				"CountrySubDivisionCode": "IL",
				"Country": "USA",
			},
		}
		self.admin.seed(realm, "Customer", count=120, template=template)
		self.admin.seed(realm, "Vendor", count=80, template={"DisplayName": self.name("Vendor {n}")})
		gone = self.add("Customer", "Gone Ltd", Active=False)

		run = self.run_now()

		self.assertEqual(run.status, "Completed", run.error)
		self.assertEqual((run.created, run.updated, run.skipped, run.failed), (201, 0, 0, 0))
		self.assertEqual(frappe.db.count("Customer", {"name": ("like", f"%{self.tag}%")}), 121)
		self.assertEqual(frappe.db.count("Supplier", {"name": ("like", f"%{self.tag}%")}), 80)
		first = frappe.db.get_value("Customer", {"customer_name": self.name("Customer 1")}, "*", as_dict=True)
		self.assertEqual(
			(first.customer_group, first.territory, first.customer_type),
			("Commercial", "United States", "Company"),
		)
		self.assertEqual(self.contact_of("Customer", first.name).email_id, f"c1.{self.tag}@example.com")
		billing = self.addresses_of("Customer", first.name)["Billing"]
		self.assertEqual(
			(billing.address_line1, billing.city, billing.country),
			("1 Main St", "Springfield", "United States"),
		)
		self.assertEqual(
			first.customer_primary_address,
			frappe.db.get_value("Address", {"address_line1": "1 Main St", "address_title": first.name}),
		)
		self.assertEqual(frappe.db.get_value("Supplier", self.name("Vendor 1"), "supplier_group"), "Services")
		self.assertTrue(frappe.db.get_value("Customer", self.name("Gone Ltd"), "disabled"))
		self.assertEqual(self.link_of("Customer", gone).erpnext_name, self.name("Gone Ltd"))
		settings = frappe.db.get_value(
			SETTINGS,
			self.settings.name,
			["last_import_run", "customer_import_watermark", "supplier_import_watermark"],
			as_dict=True,
		)
		self.assertEqual(settings.last_import_run, run.name)
		self.assertTrue(settings.customer_import_watermark and settings.supplier_import_watermark)
		self.assertEqual(len(run.items), 201)

		again = self.run_now()

		self.assertEqual((again.created, again.updated, again.skipped, again.failed), (0, 0, 0, 0))
		self.assertEqual(again.unchanged, 201)  # read again within the overlap margin, recognised, left alone
		self.assertEqual(frappe.db.count("Customer", {"name": ("like", f"%{self.tag}%")}), 121)
		self.assertEqual(frappe.db.count("Contact", {"name": ("like", f"%{self.tag}%")}), 120)
		self.assertEqual(
			frappe.db.count(LINK, {"settings": self.settings.name, "realm_id": self.settings.realm_id}), 201
		)

	def test_changes_in_quickbooks_update_the_party_its_contact_and_address(self):
		acme = self.add(
			"Customer",
			"Acme",
			CompanyName=self.name("Acme"),
			PrimaryEmailAddr={"Address": "old@acme.test"},
			BillAddr={"Line1": "1 Old Rd", "City": "Boston", "Country": "US"},
		)
		self.run_now()
		self.advance_quickbooks_clock()

		self.change(
			"Customer",
			acme,
			PrimaryEmailAddr={"Address": "new@acme.test"},
			PrimaryPhone={"FreeFormNumber": "(555) 010-2000"},
			BillAddr={"Line1": "2 New Rd", "City": "Boston", "Country": "US"},
			ShipAddr={"Line1": "9 Dock St", "City": "Salem", "Country": "US"},
		)
		run = self.run_now()

		self.assertEqual((run.created, run.updated), (0, 1))
		name = self.name("Acme")
		contact = self.contact_of("Customer", name)
		self.assertEqual((contact.email_id, contact.phone), ("new@acme.test", "(555) 010-2000"))
		self.assertEqual(frappe.db.get_value("Customer", name, "email_id"), "new@acme.test")
		addresses = self.addresses_of("Customer", name)
		self.assertEqual(addresses["Billing"].address_line1, "2 New Rd")
		self.assertEqual(addresses["Shipping"].city, "Salem")
		self.assertEqual(frappe.db.count("Contact", {"name": ("like", f"%{self.tag}%")}), 1)
		self.assertEqual(run.items[0].action, "Updated")

	def test_inactive_in_quickbooks_disables_the_supplier(self):
		vendor = self.add("Vendor", "Paper Co")
		self.run_now()
		self.advance_quickbooks_clock()

		self.change("Vendor", vendor, Active=False)
		self.run_now()

		self.assertEqual(frappe.db.get_value("Supplier", self.name("Paper Co"), "disabled"), 1)

	def test_erpnext_edits_after_the_quickbooks_change_are_kept(self):
		acme = self.add("Customer", "Acme", PrimaryEmailAddr={"Address": "a@acme.test"})
		self.run_now()
		self.advance_quickbooks_clock()
		changed = self.change("Customer", acme, PrimaryEmailAddr={"Address": "qbo@acme.test"})
		name = self.name("Acme")
		customer = frappe.get_doc("Customer", name)
		customer.customer_type = "Individual"
		customer.save()
		# the user's edit happened after QuickBooks' change (on any clock the emulator runs)
		edited_at = utc_to_stored(
			parse_qbo_datetime(changed["MetaData"]["LastUpdatedTime"]) + timedelta(minutes=1)
		)
		frappe.db.set_value("Customer", name, "modified", edited_at, update_modified=False)
		frappe.db.commit()  # nosemgrep: the import runs on committed data

		run = self.run_now()

		self.assertEqual((run.updated, run.skipped), (0, 1))
		self.assertEqual(run.items[0].message, "kept ERPNext edits")
		self.assertEqual(frappe.db.get_value("Customer", name, "customer_type"), "Individual")
		self.assertEqual(self.contact_of("Customer", name).email_id, "a@acme.test")

	def test_a_quickbooks_change_after_the_erpnext_edit_wins(self):
		acme = self.add("Customer", "Acme", PrimaryEmailAddr={"Address": "a@acme.test"})
		self.run_now()
		name = self.name("Acme")
		customer = frappe.get_doc("Customer", name)
		customer.customer_type = "Individual"
		customer.save()
		frappe.db.commit()  # nosemgrep: the import runs on committed data
		self.advance_quickbooks_clock()
		self.change("Customer", acme, PrimaryEmailAddr={"Address": "qbo@acme.test"}, CompanyName=name)

		run = self.run_now()

		self.assertEqual((run.updated, run.skipped), (1, 0))
		self.assertEqual(frappe.db.get_value("Customer", name, "customer_type"), "Company")
		self.assertEqual(self.contact_of("Customer", name).email_id, "qbo@acme.test")

	def test_refused_records_fail_alone_with_a_reason_and_hold_the_watermark(self):
		group_name = self.name("Wholesale")
		frappe.get_doc(
			{
				"doctype": "Customer Group",
				"customer_group_name": group_name,
				"parent_customer_group": "All Customer Groups",
			}
		).insert()
		frappe.db.set_value(
			SETTINGS, self.settings.name, "default_supplier_group", self.name("Missing Group")
		)
		frappe.db.commit()  # nosemgrep: the import runs on committed data
		clash = self.client.create("Customer", {"DisplayName": group_name})  # ERPNext: a group has this name
		bad_time = parse_qbo_datetime(clash["MetaData"]["LastUpdatedTime"])
		self.advance_quickbooks_clock(3600)
		fine = self.add("Customer", "Fine Customer")
		vendor = self.add("Vendor", "Stranded Vendor")

		run = self.run_now()

		self.assertEqual(run.status, "Completed with Errors")
		self.assertEqual((run.created, run.failed), (1, 2))
		failures = {(row.qbo_entity, row.qbo_id): row.message for row in run.items if row.action == "Failed"}
		self.assertIn("Customer Group", failures["Customer", clash["Id"]])
		self.assertIn(self.name("Missing Group"), failures["Vendor", vendor["Id"]])
		self.assertTrue(frappe.db.exists("Customer", self.name("Fine Customer")))
		self.assertEqual(self.link_of("Customer", fine).erpnext_name, self.name("Fine Customer"))
		watermark = frappe.db.get_value(SETTINGS, self.settings.name, "customer_import_watermark")
		self.assertLessEqual(watermark, utc_to_stored(bad_time))

	def test_customer_and_vendor_of_one_party_become_customer_and_supplier_of_that_name(self):
		name = self.name("Globex")
		customer = self.client.create("Customer", {"DisplayName": f"{name} (Customer)", "CompanyName": name})
		vendor = self.client.create("Vendor", {"DisplayName": f"{name} (Supplier)", "CompanyName": name})

		self.run_now()

		self.assertEqual(self.link_of("Customer", customer).erpnext_name, name)
		self.assertEqual(self.link_of("Vendor", vendor).erpnext_name, name)
		self.assertTrue(frappe.db.exists("Customer", name) and frappe.db.exists("Supplier", name))

	def test_an_existing_erpnext_customer_is_linked_by_email_instead_of_duplicated(self):
		existing = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": self.name("Initech Inc"),
				"customer_group": "Commercial",
				"territory": "United States",
			}
		).insert()
		frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": self.name("Initech"),
				"email_ids": [{"email_id": f"ap.{self.tag}@initech.test", "is_primary": 1}],
				"links": [{"link_doctype": "Customer", "link_name": existing.name}],
			}
		).insert()
		frappe.db.commit()  # nosemgrep: the import runs on committed data
		self.advance_quickbooks_clock()
		initech = self.add("Customer", "Initech", PrimaryEmailAddr={"Address": f"ap.{self.tag}@initech.test"})

		run = self.run_now()

		self.assertEqual((run.created, run.updated), (0, 1))
		self.assertEqual(self.link_of("Customer", initech).erpnext_name, existing.name)
		self.assertIn("e-mail", run.items[0].message)

	def test_import_now_publishes_progress_to_the_settings_form(self):
		self.admin.seed(
			self.settings.realm_id, "Vendor", count=120, template={"DisplayName": self.name("V{n}")}
		)
		with patch.object(party_import.frappe, "publish_realtime") as publish:
			run_import(self.settings.name, trigger="User", show_progress=True, progress_key="run-1")
		run = frappe.get_doc(IMPORT_RUN, frappe.db.get_value(SETTINGS, self.settings.name, "last_import_run"))
		self.assertEqual((run.trigger, run.created), ("User", 120))
		progress = [call for call in publish.call_args_list if call.args[0] == party_import.PROGRESS_EVENT]
		self.assertEqual(len(progress), 1)  # every 100 records, tagged with this run's key
		self.assertAlmostEqual(progress[0].args[1]["percent"], 100 * 100 / 120)
		self.assertEqual(progress[0].args[1]["progress_key"], "run-1")
		self.assertEqual(progress[0].kwargs["docname"], self.settings.name)

	def test_a_run_left_running_by_a_dead_worker_is_closed_by_the_next_one(self):
		stale = frappe.get_doc(
			{"doctype": IMPORT_RUN, "settings": self.settings.name, "status": "Running"}
		).insert()
		frappe.db.commit()  # nosemgrep: the import runs on committed data

		run = self.run_now()

		self.assertEqual(run.status, "Completed")
		self.assertEqual(frappe.db.get_value(IMPORT_RUN, stale.name, "status"), "Failed")

	def test_a_run_without_a_connection_is_recorded_as_failed(self):
		frappe.db.set_value(SETTINGS, self.settings.name, "connection_status", "Expired")
		frappe.db.commit()  # nosemgrep: the import runs on committed data

		run = self.run_now()

		self.assertEqual(run.status, "Failed")
		self.assertIn("expired", run.error)


class TestImportScheduling(PartyImportTestCase):
	def test_need_to_run_follows_the_interval(self):
		now = now_datetime()
		self.assertTrue(need_to_run(None, 60, now))
		self.assertFalse(need_to_run(add_to_date(now, minutes=-30), 60, now))
		self.assertTrue(need_to_run(add_to_date(now, minutes=-59, seconds=-30), 60, now))  # a late cron tick
		self.assertTrue(need_to_run(add_to_date(now, minutes=-61), 0, now))  # unset interval: hourly

	def test_import_due_enqueues_due_settings_on_the_long_queue_once(self):
		with patch.object(party_import.frappe, "enqueue") as enqueue:
			import_due()
			frappe.db.set_value(SETTINGS, self.settings.name, "last_import_at", now_datetime())
			import_due()
		calls = [call for call in enqueue.call_args_list if call.kwargs.get("settings") == self.settings.name]
		self.assertEqual(len(calls), 1)
		self.assertEqual(calls[0].kwargs["queue"], "long")
		self.assertTrue(calls[0].kwargs["deduplicate"])
		self.assertEqual(calls[0].kwargs["job_id"], f"quickbooks_party_import::{self.settings.name}")

	def test_import_due_skips_settings_with_nothing_to_import(self):
		frappe.db.set_value(SETTINGS, self.settings.name, {"import_customers": 0, "import_suppliers": 0})
		with patch.object(party_import.frappe, "enqueue") as enqueue:
			import_due()
		self.assertFalse(
			[call for call in enqueue.call_args_list if call.kwargs.get("settings") == self.settings.name]
		)

	def test_import_now_queues_the_job_with_progress(self):
		with patch.object(party_import.frappe, "enqueue", return_value=object()) as enqueue:
			result = import_now(self.settings.name)
		self.assertTrue(result["queued"])
		self.assertEqual(enqueue.call_args.kwargs["trigger"], "User")
		self.assertTrue(enqueue.call_args.kwargs["show_progress"])

	def test_import_now_says_when_an_import_is_already_running(self):
		with patch.object(party_import.frappe, "enqueue", return_value=None):
			result = import_now(self.settings.name)
		self.assertFalse(result["queued"])

	def test_import_now_needs_a_connection(self):
		frappe.db.set_value(SETTINGS, self.settings.name, "connection_status", "Expired")
		with self.assertRaises(frappe.ValidationError):
			import_now(self.settings.name)
