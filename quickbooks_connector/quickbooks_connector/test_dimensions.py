"""The Dimensions tab: classes and locations fetched from QuickBooks, the suggestions by name, creating the missing
ones in QuickBooks, what a save refuses, and the maps the push gets.

Run: bench --site SITE run-tests --module quickbooks_connector.quickbooks_connector.test_dimensions
"""

import frappe
from frappe.tests.utils import FrappeTestCase

from quickbooks_connector.constants import CLASS, DEPARTMENT
from quickbooks_connector.quickbooks_connector import dimensions
from quickbooks_connector.quickbooks_connector.context import mapping_context
from quickbooks_connector.quickbooks_connector.reference_data import fetch_reference_data
from quickbooks_connector.quickbooks_connector.settings import get_client
from quickbooks_connector.tests.utils import (
	disconnect_companies,
	get_test_company,
	make_connected_settings,
	make_user,
)

COMPANY, ABBR = "QBC Dimensions Co", "QDM"  # its own company: its cost centers are this module's
OWN_COMPANIES = (COMPANY,)
PROJECT = "QDM Alpha Site"


class TestDimensions(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.company = get_test_company(COMPANY, ABBR)
		root = frappe.db.get_value("Cost Center", {"company": COMPANY, "is_group": 1}, "name")
		for name in ("East", "West"):
			if not frappe.db.exists("Cost Center", f"{name} - {ABBR}"):
				frappe.get_doc(
					{
						"doctype": "Cost Center",
						"cost_center_name": name,
						"parent_cost_center": root,
						"company": COMPANY,
					}
				).insert(ignore_permissions=True)
		if not frappe.db.exists("Project", {"project_name": PROJECT}):
			frappe.get_doc({"doctype": "Project", "project_name": PROJECT, "company": COMPANY}).insert(
				ignore_permissions=True
			)
		cls.project = frappe.db.get_value("Project", {"project_name": PROJECT}, "name")

	@classmethod
	def tearDownClass(cls) -> None:
		disconnect_companies(OWN_COMPANIES)
		super().tearDownClass()

	def setUp(self) -> None:
		frappe.set_user("Administrator")
		self.settings = make_connected_settings(self.company)
		self.settings.class_mappings = []
		self.settings.department_mappings = []
		self.settings.track_classes = 1
		self.settings.department_dimension = None
		self.settings.save()
		frappe.db.commit()  # like the helper: the token store writes through a connection of its own
		self.client = get_client(self.settings)

	def tearDown(self) -> None:
		frappe.set_user("Administrator")

	def test_the_fetch_brings_classes_and_locations(self):
		east = self.client.create("Class", {"Name": "East"})
		self.client.create("Department", {"Name": PROJECT})

		counts = fetch_reference_data(self.settings.name)

		self.assertEqual(counts[CLASS]["created"], frappe.db.count(CLASS, {"settings": self.settings.name}))
		row = frappe.get_doc(CLASS, f"{self.settings.name}-{east['Id']}")
		self.assertEqual((row.class_name, row.active), ("East", 1))
		names = frappe.get_all(DEPARTMENT, filters={"settings": self.settings.name}, pluck="department_name")
		self.assertIn(PROJECT, names)

	def test_suggestions_match_by_name_and_list_the_rest(self):
		self.client.create("Class", {"Name": "east"})
		fetch_reference_data(self.settings.name)

		result = dimensions.suggest_dimension_mappings(self.settings.name)

		self.assertEqual(result["added"]["Class"], [{"source": f"East - {ABBR}", "qbo": "east"}])
		missing = {source for source, _name in result["missing"]["Class"]}
		self.assertIn(f"West - {ABBR}", missing)
		self.assertNotIn(f"East - {ABBR}", missing)
		saved = frappe.get_doc("QuickBooks Settings", self.settings.name)
		self.assertEqual([row.cost_center for row in saved.class_mappings], [f"East - {ABBR}"])

	def test_create_missing_makes_them_in_quickbooks_and_the_push_gets_the_maps(self):
		fetch_reference_data(self.settings.name)
		self.settings.reload()
		self.settings.department_dimension = "Project"
		self.settings.save()

		created = dimensions.create_missing_in_quickbooks(self.settings.name)

		self.assertIn("West", created["created"]["Class"])
		self.assertIn(PROJECT, created["created"]["Department"])
		held = {row["Name"]: row["Id"] for row in self.client.query("select * from Class")}
		ctx = mapping_context(frappe.get_doc("QuickBooks Settings", self.settings.name))
		self.assertTrue(ctx.track_classes)
		self.assertEqual(ctx.class_map[f"West - {ABBR}"].id, held["West"])
		self.assertEqual((ctx.department_field, ctx.department_label), ("project", "Project"))
		location = ctx.department_map[self.project]
		self.assertEqual(self.client.read("Department", location.id)["Name"], PROJECT)

	def test_nothing_goes_to_the_push_while_the_tab_is_off(self):
		fetch_reference_data(self.settings.name)
		dimensions.create_missing_in_quickbooks(self.settings.name)
		self.settings.reload()
		self.settings.track_classes = 0
		self.settings.save()

		ctx = mapping_context(self.settings)

		self.assertFalse(ctx.track_classes)
		self.assertEqual(
			(dict(ctx.class_map), ctx.department_field, dict(ctx.department_map)), ({}, None, {})
		)

	def test_a_dimension_that_is_not_one_is_refused(self):
		self.settings.department_dimension = "Customer"
		with self.assertRaises(frappe.ValidationError):
			self.settings.save()

	def test_a_cost_center_mapped_twice_is_refused(self):
		east = self.client.create("Class", {"Name": "East"})
		fetch_reference_data(self.settings.name)
		self.settings.reload()
		record = f"{self.settings.name}-{east['Id']}"
		for _ in range(2):
			self.settings.append("class_mappings", {"cost_center": f"East - {ABBR}", "qbo_class": record})
		with self.assertRaises(frappe.ValidationError):
			self.settings.save()

	def test_only_managers_may_suggest_or_create(self):
		user = make_user("qbo-dimensions-clerk@example.com", ["Accounts User"])
		frappe.set_user(user)
		with self.assertRaises(frappe.PermissionError):
			dimensions.create_missing_in_quickbooks(self.settings.name)
		with self.assertRaises(frappe.PermissionError):
			dimensions.suggest_dimension_mappings(self.settings.name)
		frappe.set_user("Administrator")
		self.assertEqual(list(self.client.query("select * from Class where Name = 'West'")), [])
