# Copyright (c) 2026, quickbooks_connector contributors and Contributors
# See license.txt
"""QuickBooks Settings as users meet it: one per company, secrets that never reach the browser, permissions,
and the mapping validation messages.

Run: bench --site SITE run-tests --module \
	quickbooks_connector.quickbooks_connector.doctype.quickbooks_settings.test_quickbooks_settings
"""

import frappe
from frappe.desk.form.load import getdoc
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, today

from quickbooks_connector.constants import ACCOUNT, CONNECTED, DISCONNECTED, SETTINGS, TAX_CODE
from quickbooks_connector.quickbooks_connector import connection
from quickbooks_connector.quickbooks_connector.reference_data import fetch_reference_data
from quickbooks_connector.quickbooks_connector.settings import callback_url, get_client
from quickbooks_connector.quickbooks_connector.tokens import FrappeTokenStore, clear_tokens
from quickbooks_connector.tests.utils import get_test_company, make_connected_settings, make_user

# A company of its own, so tests of other modules running on the same site cannot interfere.
COMPANY, ABBR = "QBC Settings Co", "QST"
ACCOUNTS_USER = "qbc-accounts-user@example.com"
ACCOUNTS_MANAGER = "qbc-accounts-manager@example.com"
TAX_ACCOUNT = f"QBC VAT - {ABBR}"
ZERO_TEMPLATE = f"QBC Zero Rated - {ABBR}"


class SettingsTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.company = get_test_company(COMPANY, ABBR)
		make_user(ACCOUNTS_USER, ["Accounts User"])
		make_user(ACCOUNTS_MANAGER, ["Accounts Manager"])
		frappe.db.commit()  # nosemgrep: connection code commits; the fixtures must exist outside the test transaction

	@classmethod
	def tearDownClass(cls) -> None:
		if frappe.db.exists(SETTINGS, COMPANY):
			clear_tokens(COMPANY, DISCONNECTED, "")
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def setUp(self) -> None:
		frappe.set_user("Administrator")

	def tearDown(self) -> None:
		frappe.set_user("Administrator")

	def qbo_account(self, settings: str, name: str) -> str:
		return frappe.db.get_value(ACCOUNT, {"settings": settings, "account_name": name})

	def tax_code(self, settings: str, name: str) -> str:
		return frappe.db.get_value(TAX_CODE, {"settings": settings, "tax_code_name": name})

	def save_error(self, doc) -> str:
		with self.assertRaises(frappe.ValidationError) as caught:
			doc.save()
		return str(caught.exception)


class TestSettingsRecord(SettingsTestCase):
	def test_one_record_per_company_named_after_it_with_the_callback_as_redirect_url(self):
		settings = make_connected_settings(self.company)

		self.assertEqual(settings.name, COMPANY)
		self.assertEqual(settings.redirect_url, callback_url())
		self.assertTrue(
			settings.redirect_url.endswith(
				"/api/method/quickbooks_connector.quickbooks_connector.connection.callback"
			)
		)
		with self.assertRaises(frappe.DuplicateEntryError):
			frappe.get_doc({"doctype": SETTINGS, "company": COMPANY}).insert()

	def test_the_form_never_receives_the_tokens_or_the_client_secret(self):
		settings = make_connected_settings(self.company)
		tokens = FrappeTokenStore(settings.name).load()
		secret = settings.get_password("client_secret")
		frappe.local.response = frappe._dict(docs=[])

		getdoc(SETTINGS, settings.name)

		sent = frappe.local.response.docs[0]
		payload = frappe.as_json(frappe.local.response)
		for fieldname in ("access_token", "refresh_token", "client_secret"):
			self.assertEqual(set(sent.get(fieldname)), {"*"}, fieldname)
		for value in (tokens.access_token, tokens.refresh_token, secret):
			self.assertNotIn(value, payload)
		meta = frappe.get_meta(SETTINGS)
		for fieldname in ("access_token", "refresh_token"):
			field = meta.get_field(fieldname)
			self.assertEqual((field.fieldtype, field.hidden, field.read_only), ("Password", 1, 1))

	def test_a_save_cannot_change_what_the_connection_owns(self):
		settings = make_connected_settings(self.company)
		tokens = FrappeTokenStore(settings.name).load()

		settings.update(
			{
				"connection_status": "Expired",
				"realm_id": "123",
				"access_token": "typed-in",
				"refresh_token": "typed-in",
				"qbo_company_name": "Other",
				"push_mode": "Manual Only",
			}
		)
		settings.save()

		settings.reload()
		self.assertEqual(settings.push_mode, "Manual Only")  # a user field
		self.assertEqual(
			(settings.connection_status, settings.realm_id, settings.qbo_company_name),
			(CONNECTED, tokens.realm_id, f"{COMPANY} (QBO)"),
		)
		self.assertEqual(FrappeTokenStore(settings.name).load(), tokens)

	def test_deleting_the_settings_forgets_the_fetched_quickbooks_data(self):
		settings = make_connected_settings(self.company)
		fetch_reference_data(settings.name)

		frappe.delete_doc(SETTINGS, settings.name)

		self.assertFalse(frappe.db.exists(SETTINGS, settings.name))
		self.assertEqual(frappe.db.count(ACCOUNT, {"settings": settings.name}), 0)
		self.assertEqual(frappe.db.count(TAX_CODE, {"settings": settings.name}), 0)

	def test_the_emulator_url_must_be_a_full_address(self):
		settings = make_connected_settings(self.company)
		settings.emulator_url = "localhost:8765"

		self.assertIn("Enter the emulator's base URL", self.save_error(settings))


class TestPermissions(SettingsTestCase):
	def test_only_system_and_accounts_managers_can_read_or_change_settings(self):
		settings = make_connected_settings(self.company)

		frappe.set_user(ACCOUNTS_USER)
		self.assertFalse(frappe.has_permission(SETTINGS, "read"))
		with self.assertRaises(frappe.PermissionError):
			getdoc(SETTINGS, settings.name)
		with self.assertRaises(frappe.PermissionError):
			connection.connect(settings.name)
		with self.assertRaises(frappe.PermissionError):
			connection.test_connection(settings.name)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_list(SETTINGS)

		frappe.set_user(ACCOUNTS_MANAGER)
		self.assertTrue(frappe.has_permission(SETTINGS, "write", settings.name))
		self.assertEqual(frappe.get_list(SETTINGS, filters={"name": settings.name}, pluck="name"), [COMPANY])

	def test_fetched_quickbooks_data_is_read_only_for_users(self):
		frappe.set_user(ACCOUNTS_MANAGER)

		self.assertTrue(frappe.has_permission(ACCOUNT, "read"))
		self.assertFalse(frappe.has_permission(ACCOUNT, "write"))
		self.assertFalse(frappe.has_permission(ACCOUNT, "create"))
		frappe.set_user(ACCOUNTS_USER)
		self.assertFalse(frappe.has_permission(ACCOUNT, "read"))


class TestAccountMappingValidation(SettingsTestCase):
	def test_every_bad_row_is_listed_with_what_is_wrong_and_what_to_do(self):
		settings = make_connected_settings(self.company)
		fetch_reference_data(settings.name)
		other_company_account = frappe.db.get_value(
			"Account", {"company": ("!=", COMPANY), "account_type": "Receivable", "is_group": 0}
		)
		rows = [
			("Income", f"Sales - {ABBR}", "Sales of Product Income"),  # fine
			("Receivable", f"Debtors - {ABBR}", "Checking"),  # wrong type
			("Income", f"Indirect Income - {ABBR}", "Services"),  # group account
			("Receivable", other_company_account, "Accounts Receivable (A/R)"),  # another company
			("Income", f"Sales - {ABBR}", "Services"),  # the same account twice for one purpose
		]
		for purpose, account, qbo_name in rows:
			settings.append(
				"account_mappings",
				{
					"purpose": purpose,
					"erpnext_account": account,
					"qbo_account": self.qbo_account(settings.name, qbo_name),
				},
			)

		message = self.save_error(settings)

		self.assertNotIn("Account Mapping row 1:", message)
		self.assertIn("Account Mapping row 2:", message)
		self.assertIn("is of type Bank, which does not fit purpose Receivable", message)
		self.assertIn("Choose a QuickBooks account of type Accounts Receivable", message)
		self.assertIn(
			f"Account Mapping row 3: ERPNext account <strong>Indirect Income - {ABBR}</strong> is a group",
			message,
		)
		self.assertIn("Account Mapping row 4:", message)
		self.assertIn(f"not {COMPANY}", message)
		self.assertIn("Account Mapping row 5:", message)
		self.assertIn("is already mapped for Income in row 1", message)

	def test_currencies_of_the_two_accounts_must_agree(self):
		settings = make_connected_settings(self.company)
		fetch_reference_data(settings.name)
		eur_debtors = make_account(
			"Debtors EUR", "Accounts Receivable", account_type="Receivable", currency="EUR"
		)
		settings.append(
			"account_mappings",
			{
				"purpose": "Receivable",
				"erpnext_account": eur_debtors,
				"qbo_account": self.qbo_account(settings.name, "Accounts Receivable (A/R)"),
			},
		)

		message = self.save_error(settings)

		self.assertIn(f"ERPNext account {eur_debtors} is in EUR but QuickBooks account", message)
		self.assertIn("is in USD", message)

	def test_a_mapping_to_an_account_made_inactive_in_quickbooks_is_flagged(self):
		settings = make_connected_settings(self.company)
		fetch_reference_data(settings.name)
		travel = self.qbo_account(settings.name, "Travel")
		settings.append(
			"account_mappings",
			{"purpose": "Expense", "erpnext_account": f"Travel Expenses - {ABBR}", "qbo_account": travel},
		)
		settings.save()
		client = get_client(settings.name)
		qbo = client.read("Account", frappe.db.get_value(ACCOUNT, travel, "qbo_id"))
		client.update(
			"Account", {"Id": qbo["Id"], "SyncToken": qbo["SyncToken"], "Active": False}, sparse=True
		)
		fetch_reference_data(settings.name)
		settings.reload()

		settings.run_method("onload")

		self.assertEqual([row["idx"] for row in settings.get_onload().stale_mappings], [1])
		self.assertIn("is inactive or deleted in QuickBooks", self.save_error(settings))


class TestTaxMapping(SettingsTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_tax_fixtures()
		submit_taxed_invoice()
		frappe.db.commit()  # nosemgrep

	def test_outside_the_us_enabling_needs_every_used_tax_account_and_template_mapped(self):
		settings = make_connected_settings(
			self.company, realm={"country": "GB"}, sync_start_date=add_days(today(), -1)
		)
		fetch_reference_data(settings.name)
		settings.enabled = 1

		message = self.save_error(settings)

		self.assertIn(TAX_ACCOUNT, message)
		self.assertIn(ZERO_TEMPLATE, message)
		self.assertIn("Tax Code for Untaxed Lines", message)
		settings.reload()
		settings.run_method("onload")
		status = settings.get_onload().tax_mapping_status
		self.assertEqual(
			(
				status["is_us"],
				status["missing_accounts"],
				status["missing_templates"],
				status["missing_exempt_code"],
			),
			(False, [TAX_ACCOUNT], [ZERO_TEMPLATE], True),
		)

		settings.append(
			"tax_mappings",
			{"erpnext_tax_account": TAX_ACCOUNT, "qbo_tax_code": self.tax_code(settings.name, "20.0% S")},
		)
		settings.append(
			"tax_mappings",
			{"item_tax_template": ZERO_TEMPLATE, "qbo_tax_code": self.tax_code(settings.name, "0.0% Z")},
		)
		settings.exempt_tax_code = self.tax_code(settings.name, "Exempt")
		settings.enabled = 1
		settings.save()

		self.assertEqual(frappe.db.get_value(SETTINGS, settings.name, "enabled"), 1)

	def test_with_no_invoice_since_the_sync_start_date_the_templates_taxes_still_need_mapping(self):
		settings = make_connected_settings(
			self.company, realm={"country": "GB"}, sync_start_date=add_days(today(), 1)
		)
		fetch_reference_data(settings.name)
		settings.exempt_tax_code = self.tax_code(settings.name, "Exempt")
		settings.enabled = 1

		message = self.save_error(settings)  # the company's Item Tax Template uses TAX_ACCOUNT

		self.assertIn(TAX_ACCOUNT, message)
		self.assertIn(ZERO_TEMPLATE, message)
		settings.reload()
		code = self.tax_code(settings.name, "20.0% S")
		settings.append("tax_mappings", {"erpnext_tax_account": TAX_ACCOUNT, "qbo_tax_code": code})
		settings.append("tax_mappings", {"item_tax_template": ZERO_TEMPLATE, "qbo_tax_code": code})
		settings.exempt_tax_code = self.tax_code(settings.name, "Exempt")
		settings.enabled = 1
		settings.save()

		self.assertEqual(frappe.db.get_value(SETTINGS, settings.name, "enabled"), 1)

	def test_us_companies_can_enable_without_tax_mappings(self):
		settings = make_connected_settings(self.company)
		settings.enabled = 1

		settings.save()

		settings.run_method("onload")
		self.assertTrue(settings.get_onload().tax_mapping_status["is_us"])

	def test_enabling_needs_a_connection(self):
		settings = make_connected_settings(self.company)
		connection.disconnect(settings.name)
		frappe.db.set_value(SETTINGS, settings.name, "realm_id", None)
		settings.reload()
		settings.enabled = 1

		self.assertIn("Connect to QuickBooks before enabling", self.save_error(settings))

	def test_a_tax_row_names_exactly_one_source(self):
		settings = make_connected_settings(self.company, realm={"country": "GB"})
		fetch_reference_data(settings.name)
		code = self.tax_code(settings.name, "20.0% S")
		settings.append(
			"tax_mappings",
			{"erpnext_tax_account": TAX_ACCOUNT, "item_tax_template": ZERO_TEMPLATE, "qbo_tax_code": code},
		)
		settings.append("tax_mappings", {"qbo_tax_code": code})

		message = self.save_error(settings)

		self.assertIn(
			"Tax Mapping row 1: fill in exactly one of ERPNext Tax Account and Item Tax Template", message
		)
		self.assertIn("Tax Mapping row 2: fill in exactly one", message)


def make_account(name: str, parent: str, account_type: str = "", currency: str = "USD") -> str:
	full_name = f"{name} - {ABBR}"
	if not frappe.db.exists("Account", full_name):
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": name,
				"company": COMPANY,
				"parent_account": f"{parent} - {ABBR}",
				"account_type": account_type,
				"account_currency": currency,
			}
		).insert(ignore_permissions=True)
	return full_name


def make_tax_fixtures() -> None:
	make_account("QBC VAT", "Duties and Taxes", account_type="Tax")
	# ERPNext gives a new company default tax templates of its country (US sales tax): off, so that the company's
	# taxes are exactly these fixtures
	for doctype in (
		"Sales Taxes and Charges Template",
		"Purchase Taxes and Charges Template",
		"Item Tax Template",
	):
		for name in frappe.get_all(
			doctype, {"company": COMPANY, "title": ("not like", "QBC%")}, pluck="name"
		):
			frappe.db.set_value(doctype, name, "disabled", 1)
	if not frappe.db.exists("Item Tax Template", ZERO_TEMPLATE):
		frappe.get_doc(
			{
				"doctype": "Item Tax Template",
				"title": "QBC Zero Rated",
				"company": COMPANY,
				"taxes": [{"tax_type": TAX_ACCOUNT, "tax_rate": 0}],
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Item", "QBC Zero Rated Service"):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": "QBC Zero Rated Service",
				"item_group": "All Item Groups",
				"is_stock_item": 0,
				"stock_uom": "Nos",
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Customer", "QBC Tax Customer"):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": "QBC Tax Customer",
				"customer_group": "All Customer Groups",
				"territory": "All Territories",
			}
		).insert(ignore_permissions=True)


def submit_taxed_invoice() -> None:
	"""A submitted Sales Invoice of today with a tax row and an item with an Item Tax Template."""
	if frappe.db.exists(
		"Sales Invoice", {"company": COMPANY, "docstatus": 1, "customer": "QBC Tax Customer"}
	):
		return
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": COMPANY,
			"customer": "QBC Tax Customer",
			"posting_date": today(),
			"due_date": today(),
			"currency": "USD",
			"debit_to": f"Debtors - {ABBR}",
			"items": [
				{
					"item_code": "QBC Zero Rated Service",
					"qty": 1,
					"rate": 100,
					"income_account": f"Sales - {ABBR}",
					"cost_center": f"Main - {ABBR}",
				},
				{
					"item_code": "QBC Zero Rated Service",
					"qty": 1,
					"rate": 50,
					"income_account": f"Sales - {ABBR}",
					"cost_center": f"Main - {ABBR}",
					"item_tax_template": ZERO_TEMPLATE,
				},
			],
			"taxes": [
				{
					"charge_type": "On Net Total",
					"account_head": TAX_ACCOUNT,
					"description": "VAT",
					"rate": 20,
					"cost_center": f"Main - {ABBR}",
				}
			],
		}
	)
	invoice.insert(ignore_permissions=True)
	invoice.submit()
