# Copyright (c) 2026, quickbooks_connector contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from quickbooks_connector.constants import LINK
from quickbooks_connector.quickbooks_connector.port import FrappePort
from quickbooks_connector.tests.push_fixtures import CUSTOMER, ITEM, PushWorld


class TestQuickBooksLink(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.world = PushWorld()

	def setUp(self) -> None:
		self.port = FrappePort(self.world.settings)

	def tearDown(self) -> None:
		frappe.db.rollback()

	def test_links_are_found_both_ways_and_name_the_erpnext_record(self):
		self.port.set_link("Customer", CUSTOMER, "58")
		self.port.set_link("Item", f"{ITEM}|12", "7")
		self.port.set_link("Item", "account|40", "8")

		self.assertEqual(self.port.get_link("Customer", CUSTOMER), "58")
		self.assertEqual(self.port.get_linked_key("Item", "7"), f"{ITEM}|12")
		self.assertIsNone(self.port.get_link("Vendor", CUSTOMER))
		rows = {
			row.erpnext_key: (row.erpnext_doctype, row.erpnext_name, row.realm_id)
			for row in frappe.get_all(LINK, self.this_realm(), ["*"])
		}
		realm = self.world.realm_id
		self.assertEqual(rows[CUSTOMER], ("Customer", CUSTOMER, realm))
		self.assertEqual(rows[f"{ITEM}|12"], ("Item", ITEM, realm))
		self.assertEqual(rows["account|40"], (None, None, realm))

	def test_relinking_a_key_updates_its_link(self):
		self.port.set_link("Customer", CUSTOMER, "58")
		self.port.set_link("Customer", CUSTOMER, "59")

		self.assertEqual(self.port.get_link("Customer", CUSTOMER), "59")
		self.assertEqual(frappe.db.count(LINK, {**self.this_realm(), "erpnext_key": CUSTOMER}), 1)

	def test_one_quickbooks_record_per_key_and_one_key_per_record(self):
		self.port.set_link("Customer", CUSTOMER, "58")

		with self.assertRaises(frappe.UniqueValidationError):
			self.new_link(erpnext_key=CUSTOMER, qbo_id="60")
		with self.assertRaises(frappe.UniqueValidationError):
			self.new_link(erpnext_key="Someone Else", qbo_id="58")

	def test_a_pushed_link_keeps_one_record_per_key_and_one_key_per_record(self):
		self.port.set_link("Customer", CUSTOMER, "58")
		other_port = FrappePort(self.world.settings)  # another worker: nothing cached

		with self.assertRaises(frappe.UniqueValidationError):
			other_port.links._insert_pushed("Customer", CUSTOMER, "60")
		with self.assertRaises(frappe.UniqueValidationError):
			other_port.set_link("Customer", "Someone Else", "58")
		self.assertEqual(frappe.db.count(LINK, {**self.this_realm(), "qbo_id": "58"}), 1)
		self.assertEqual(other_port.get_link("Customer", CUSTOMER), "58")

	def test_key_defaults_to_the_erpnext_name_as_the_party_import_writes_it(self):
		link = self.new_link(erpnext_doctype="Customer", erpnext_name=CUSTOMER, qbo_id="61")

		self.assertEqual((link.erpnext_key, link.realm_id), (CUSTOMER, self.world.realm_id))
		self.assertEqual(self.port.get_link("Customer", CUSTOMER), "61")

	def test_links_of_another_quickbooks_company_are_ignored(self):
		self.new_link(erpnext_key=CUSTOMER, qbo_id="62", realm_id="another-realm")

		self.assertIsNone(self.port.get_link("Customer", CUSTOMER))
		self.assertIsNone(self.port.get_linked_key("Customer", "62"))

	def this_realm(self) -> dict:
		"""Links belong to one QuickBooks company; earlier tests' companies keep theirs."""
		return {"settings": self.world.settings.name, "realm_id": self.world.realm_id}

	def new_link(self, **fields):
		"""A link as the connector writes it (Links are read-only to users; see test_security)."""
		link = frappe.get_doc(
			{"doctype": LINK, "settings": self.world.settings.name, "qbo_entity": "Customer", **fields}
		)
		link.flags.quickbooks_connector_write = True
		return link.insert(ignore_permissions=True)
