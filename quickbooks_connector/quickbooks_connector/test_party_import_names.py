"""The party import on a real site never writes back the name the connector itself cleaned for QuickBooks: a
Customer pushed as "Hooli- Research ..." (QuickBooks names cannot hold ':') keeps "Hooli: Research ..." when it is
imported, and a name changed in QuickBooks is still imported. The push is the real one (the sync engine's resolver
through the site's port).

Run: bench --site SITE run-tests --module quickbooks_connector.quickbooks_connector.test_party_import_names
"""

import frappe

from quickbooks_connector.constants import SETTINGS
from quickbooks_connector.mapping import PartySpec
from quickbooks_connector.quickbooks_connector.context import mapping_context
from quickbooks_connector.quickbooks_connector.port import FrappePort
from quickbooks_connector.quickbooks_connector.test_party_import import PartyImportTestCase
from quickbooks_connector.sync.resolve import Resolver
from quickbooks_connector.tests.utils import get_test_company

COMPANY, ABBR = (
	"QBC Import Names Co",
	"QIN",
)  # its own settings: the party import suite reconnects its company


class TestImportKeepsErpnextNames(PartyImportTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.company = get_test_company(COMPANY, ABBR)
		frappe.db.commit()  # nosemgrep: the import commits; the company must exist outside the test transaction

	def import_now(self) -> None:
		run = self.run_now()
		self.assertEqual((run.status, run.failed), ("Completed", 0), run.error)

	def make_party(self, party_type: str, party_name: str) -> str:
		groups = {
			"Customer": {"customer_group": "Commercial", "territory": "United States"},
			"Supplier": {"supplier_group": "Services"},
		}
		doc = frappe.get_doc(
			{"doctype": party_type, f"{party_type.lower()}_name": party_name, **groups[party_type]}
		).insert()
		frappe.db.commit()  # nosemgrep: the push and the import run on committed data
		return doc.name

	def push(self, party_type: str, name: str) -> dict:
		"""The party sent to QuickBooks the way a document's push sends it, with the link the push keeps."""
		self.advance_quickbooks_clock()
		settings = frappe.get_doc(SETTINGS, self.settings.name)
		resolver = Resolver(self.client, FrappePort(settings), mapping_context(settings), settings.realm_id)
		kind = "Customer" if party_type == "Customer" else "Vendor"
		qbo_id = resolver.party(PartySpec(kind, name, "USD"))
		frappe.db.commit()  # nosemgrep
		return self.client.read(kind, qbo_id)

	def test_a_pushed_customer_keeps_its_name_with_a_colon_through_the_import(self):
		name = self.make_party("Customer", self.name("Hooli: Research  & Development"))
		pushed = self.push("Customer", name)
		self.assertEqual(pushed["DisplayName"], self.name("Hooli- Research & Development"))

		run = self.run_now()

		self.assertEqual((run.created, run.updated, run.failed), (0, 1, 0), run.error)
		self.assertEqual(
			frappe.db.get_value("Customer", name, "customer_name"),
			self.name("Hooli: Research  & Development"),
		)

	def test_a_customer_whose_document_name_differs_keeps_its_customer_name(self):
		self.make_party("Customer", self.name("Hooli: Edge"))
		name = self.make_party("Customer", self.name("Hooli: Edge"))  # ERPNext names the second "... - 1"
		self.assertNotEqual(name, self.name("Hooli: Edge"))
		pushed = self.push("Customer", name)
		self.assertEqual(pushed["DisplayName"], name.replace(":", "-"))

		self.import_now()

		self.assertEqual(frappe.db.get_value("Customer", name, "customer_name"), self.name("Hooli: Edge"))

	def test_a_supplier_pushed_with_the_suffix_keeps_its_name(self):
		name = self.make_party("Supplier", self.name("Initech: Supplies"))
		self.client.create(
			"Customer", {"DisplayName": self.name("Initech- Supplies")}
		)  # holds the plain name
		pushed = self.push("Supplier", name)
		self.assertEqual(pushed["DisplayName"], self.name("Initech- Supplies") + " (Supplier)")

		self.import_now()

		self.assertEqual(
			frappe.db.get_value("Supplier", name, "supplier_name"), self.name("Initech: Supplies")
		)

	def test_a_name_changed_in_quickbooks_is_imported(self):
		name = self.make_party("Customer", self.name("Hooli: Cloud"))
		pushed = self.push("Customer", name)
		self.import_now()
		self.advance_quickbooks_clock()

		self.change("Customer", pushed, DisplayName=self.name("Hooli Cloud Services"))
		run = self.run_now()

		self.assertEqual(run.updated, 1, run.error)
		self.assertEqual(
			frappe.db.get_value("Customer", name, "customer_name"), self.name("Hooli Cloud Services")
		)
