"""Enabling QuickBooks Settings outside the US asks for a tax code for every tax account and Item Tax Template the
company's documents can use: those of its Sales and Purchase Taxes and Charges Templates and Item Tax Templates, not
only those on invoices already submitted. A new company with no invoice yet must not be let through with the
untaxed-lines code alone, only for its first invoice to fail.

Run: bench --site SITE run-tests --module quickbooks_connector.quickbooks_connector.test_tax_mapping_gate
"""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, today

from quickbooks_connector.constants import DISCONNECTED, SETTINGS, TAX_CODE
from quickbooks_connector.quickbooks_connector.mappings import used_tax_sources
from quickbooks_connector.quickbooks_connector.reference_data import fetch_reference_data
from quickbooks_connector.quickbooks_connector.tokens import clear_tokens
from quickbooks_connector.tests.utils import get_test_company, make_connected_settings

COMPANY, ABBR = "QBC Tax Gate Co", "QTG"  # a company of its own: no invoice of it exists
OTHER_COMPANY, OTHER_ABBR = "QBC Tax Gate Other Co", "QTO"
SALES_VAT = f"QTG Output VAT - {ABBR}"
INPUT_VAT = f"QTG Input VAT - {ABBR}"
REDUCED_VAT = f"QTG Reduced VAT - {ABBR}"
FREIGHT = f"QTG Freight - {ABBR}"  # a charge, not a tax account: its lines carry the untaxed-lines code
OLD_LEVY = f"QTG Old Levy - {ABBR}"  # only in a disabled template
OTHER_VAT = f"QTG Other VAT - {OTHER_ABBR}"  # another company's
REDUCED_TEMPLATE = f"QTG Reduced - {ABBR}"
TEMPLATE_DOCTYPES = (
	"Sales Taxes and Charges Template",
	"Purchase Taxes and Charges Template",
	"Item Tax Template",
)
RETIRED_TEMPLATE = f"QTG Retired - {ABBR}"


def make_account(company: str, abbr: str, name: str, parent: str, account_type: str) -> str:
	full_name = f"{name} - {abbr}"
	if not frappe.db.exists("Account", full_name):
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": name,
				"company": company,
				"parent_account": f"{parent} - {abbr}",
				"account_type": account_type,
			}
		).insert(ignore_permissions=True)
	return full_name


def make_taxes_template(
	doctype: str, company: str, title: str, accounts: list[str], disabled: int = 0
) -> None:
	if frappe.db.exists(doctype, {"title": title, "company": company}):
		return
	frappe.get_doc(
		{
			"doctype": doctype,
			"title": title,
			"company": company,
			"disabled": disabled,
			"taxes": [
				{"charge_type": "On Net Total", "account_head": account, "description": account, "rate": 10}
				for account in accounts
			],
		}
	).insert(ignore_permissions=True)


def make_item_tax_template(company: str, title: str, account: str, disabled: int = 0) -> None:
	if frappe.db.exists("Item Tax Template", {"title": title, "company": company}):
		return
	frappe.get_doc(
		{
			"doctype": "Item Tax Template",
			"title": title,
			"company": company,
			"disabled": disabled,
			"taxes": [{"tax_type": account, "tax_rate": 5}],
		}
	).insert(ignore_permissions=True)


def make_fixtures() -> None:
	get_test_company(COMPANY, ABBR)
	get_test_company(OTHER_COMPANY, OTHER_ABBR)
	for name in ("QTG Output VAT", "QTG Input VAT", "QTG Reduced VAT", "QTG Old Levy"):
		make_account(COMPANY, ABBR, name, "Duties and Taxes", "Tax")
	make_account(COMPANY, ABBR, "QTG Freight", "Indirect Expenses", "Chargeable")
	make_account(OTHER_COMPANY, OTHER_ABBR, "QTG Other VAT", "Duties and Taxes", "Tax")
	make_taxes_template("Sales Taxes and Charges Template", COMPANY, "QTG UK Sales", [SALES_VAT, FREIGHT])
	make_taxes_template("Purchase Taxes and Charges Template", COMPANY, "QTG UK Purchases", [INPUT_VAT])
	make_taxes_template("Sales Taxes and Charges Template", COMPANY, "QTG Old", [OLD_LEVY], disabled=1)
	make_taxes_template("Sales Taxes and Charges Template", OTHER_COMPANY, "QTG Other Sales", [OTHER_VAT])
	make_item_tax_template(COMPANY, "QTG Reduced", REDUCED_VAT)
	make_item_tax_template(COMPANY, "QTG Retired", OLD_LEVY, disabled=1)
	# ERPNext gives a new company default templates of its country (US sales tax here): off, so that the company's
	# taxes are exactly the fixtures above
	for doctype in TEMPLATE_DOCTYPES:
		for name in frappe.get_all(
			doctype, {"company": COMPANY, "title": ("not like", "QTG%")}, pluck="name"
		):
			frappe.db.set_value(doctype, name, "disabled", 1)


class TestTaxMappingGate(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_fixtures()
		frappe.db.commit()  # nosemgrep: connecting commits; the fixtures must exist outside the test transaction

	@classmethod
	def tearDownClass(cls) -> None:
		if frappe.db.exists(SETTINGS, COMPANY):
			clear_tokens(COMPANY, DISCONNECTED, "")
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def settings(self):
		settings = make_connected_settings(
			COMPANY, realm={"country": "GB"}, sync_start_date=add_days(today(), -30)
		)
		fetch_reference_data(settings.name)
		settings.exempt_tax_code = self.tax_code(settings.name, "Exempt")
		return settings

	def tax_code(self, settings: str, name: str) -> str:
		return frappe.db.get_value(TAX_CODE, {"settings": settings, "tax_code_name": name})

	def test_the_tax_sources_are_those_of_the_companys_enabled_templates(self):
		self.assertEqual(
			used_tax_sources(COMPANY, today()),
			(sorted([SALES_VAT, INPUT_VAT, REDUCED_VAT]), [REDUCED_TEMPLATE]),
		)

	def test_a_company_without_invoices_cannot_enable_with_its_template_taxes_unmapped(self):
		settings = self.settings()
		settings.enabled = 1

		with self.assertRaises(frappe.ValidationError) as caught:
			settings.save()

		message = str(caught.exception)
		for source in (SALES_VAT, INPUT_VAT, REDUCED_VAT, REDUCED_TEMPLATE):
			self.assertIn(source, message)
		for other in (FREIGHT, OLD_LEVY, OTHER_VAT, RETIRED_TEMPLATE):
			self.assertNotIn(other, message)
		self.assertIn("Map them on the Tax Mapping tab", message)
		self.assertNotIn("Tax Code Mapping", message)
		settings.reload()
		settings.run_method("onload")
		status = settings.get_onload().tax_mapping_status
		self.assertEqual(
			(status["missing_accounts"], status["missing_templates"]),
			(sorted([SALES_VAT, INPUT_VAT, REDUCED_VAT]), [REDUCED_TEMPLATE]),
		)

	def test_with_every_template_tax_mapped_the_settings_enable(self):
		settings = self.settings()
		code = self.tax_code(settings.name, "20.0% S")
		for account in (SALES_VAT, INPUT_VAT, REDUCED_VAT):
			settings.append("tax_mappings", {"erpnext_tax_account": account, "qbo_tax_code": code})
		settings.append("tax_mappings", {"item_tax_template": REDUCED_TEMPLATE, "qbo_tax_code": code})
		settings.enabled = 1

		settings.save()

		self.assertEqual(frappe.db.get_value(SETTINGS, settings.name, "enabled"), 1)
		settings.reload()
		settings.run_method("onload")
		self.assertEqual(settings.get_onload().tax_mapping_status["missing_accounts"], [])
