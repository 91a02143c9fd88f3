"""A backfill chunk's parties loaded in bulk are exactly what the one-by-one loader (ERPNext's own look-ups) gives."""

import frappe
from frappe.tests.utils import FrappeTestCase

from quickbooks_connector.quickbooks_connector.party_loader import load_parties, load_party
from quickbooks_connector.tests.utils import get_test_company


class TestPartyLoader(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.company = get_test_company()
		frappe.db.commit()  # nosemgrep: the company must outlive each test's rollback

	def tearDown(self) -> None:
		frappe.db.rollback()

	def test_bulk_parties_equal_the_single_ones_with_contacts_and_addresses(self):
		tag = frappe.generate_hash(length=6)
		full = self.customer(f"QBC Loader Full {tag}")
		phones = [
			{"phone": "555-0100", "is_primary_phone": 1},
			{"phone": "555-0101", "is_primary_mobile_no": 1},
		]
		self.contact(full, "Customer", "ann", is_primary_contact=1, phone_nos=phones)
		self.contact(full, "Customer", "old", is_primary_contact=0)
		# (a new primary address unsets the flag on the party's earlier one: the disabled one comes first)
		self.address(full, "Customer", "3 Closed Ln", "Shipping", is_shipping_address=1, disabled=1)
		self.address(full, "Customer", "1 Billing Rd", "Billing", is_primary_address=1)
		self.address(full, "Customer", "2 Dock St", "Shipping", is_shipping_address=1)
		billing_only = self.customer(f"QBC Loader Billing {tag}")
		self.contact(billing_only, "Customer", "bob", is_billing_contact=1)
		self.address(billing_only, "Customer", "4 Only Way", "Shipping")
		bare = self.customer(f"QBC Loader Bare {tag}")
		supplier = frappe.get_doc(
			{"doctype": "Supplier", "supplier_name": f"QBC Loader Vendor {tag}", "supplier_group": "Services"}
		).insert(ignore_permissions=True)
		self.contact(supplier.name, "Supplier", "ap", is_primary_contact=1)
		self.address(supplier.name, "Supplier", "5 Vendor Ave", "Billing")

		customers = load_parties("Customer", [full, billing_only, bare, "QBC No Such Customer"], self.company)
		suppliers = load_parties("Supplier", [supplier.name], self.company)

		for name in (full, billing_only, bare):
			self.assertEqual(customers[name], load_party("Customer", name, self.company))
		self.assertEqual(suppliers[supplier.name], load_party("Supplier", supplier.name, self.company))
		self.assertNotIn("QBC No Such Customer", customers)
		# what the mapping sends: the primary contact's details, the primary and the shipping address
		first = customers[full]
		self.assertEqual(
			(first["email"], first["phone"], first["mobile"]),
			(f"ann.{tag}@example.com", "555-0100", "555-0101"),
		)
		self.assertEqual(first["billing_address"]["address_line1"], "1 Billing Rd")
		self.assertEqual(first["shipping_address"]["address_line1"], "2 Dock St")
		self.assertEqual(customers[billing_only]["email"], f"bob.{tag}@example.com")
		self.assertEqual(customers[billing_only]["shipping_address"]["address_line1"], "4 Only Way")
		self.assertIsNone(customers[bare]["billing_address"])
		self.assertEqual(suppliers[supplier.name]["billing_address"]["address_line1"], "5 Vendor Ave")
		currency = frappe.get_cached_value("Company", self.company, "default_currency")
		self.assertEqual(first["party_account_currency"], currency)

	def customer(self, name: str) -> str:
		return (
			frappe.get_doc(
				{
					"doctype": "Customer",
					"customer_name": name,
					"customer_type": "Company",
					"customer_group": "Commercial",
					"territory": "All Territories",
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	def contact(self, party: str, party_type: str, first_name: str, **fields) -> str:
		tag = party.rpartition(" ")[2]
		email = f"{first_name}.{tag}@example.com"
		return (
			frappe.get_doc(
				{
					"doctype": "Contact",
					"first_name": first_name,
					"email_ids": [{"email_id": email, "is_primary": 1}],
					"links": [{"link_doctype": party_type, "link_name": party}],
					**fields,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	def address(self, party: str, party_type: str, line1: str, address_type: str, **fields) -> str:
		return (
			frappe.get_doc(
				{
					"doctype": "Address",
					"address_title": party,
					"address_type": address_type,
					"address_line1": line1,
					"city": "Springfield",
					"country": "United States",
					"links": [{"link_doctype": party_type, "link_name": party}],
					**fields,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
