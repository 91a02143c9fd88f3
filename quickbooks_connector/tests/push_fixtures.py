"""Bench-tier helpers for the push tests: a company connected to an emulated QuickBooks company with its accounts
mirrored and mapped, parties and an item, and real ERPNext documents to submit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

import requests

import frappe
from frappe.model.document import Document
from frappe.utils import add_days, nowdate

from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
from erpnext.controllers.accounts_controller import get_taxes_and_charges

from quickbooks_connector.constants import ENABLED, PRE_SUBMIT_CHECK, PUSH_MODE, SYNC_START_DATE
from quickbooks_connector.demo import mirror_chart
from quickbooks_connector.quickbooks_connector import connection
from quickbooks_connector.quickbooks_connector.reference_data import fetch_reference_data
from quickbooks_connector.quickbooks_connector.settings import get_client
from quickbooks_connector.tests.utils import emulator_admin, get_test_company, make_connected_settings

# A company of its own: other bench tests reconnect the shared test company's settings to other realms.
COMPANY = "QBC Push Test Co"
COMPANY_ABBR = "QPT"
SALES_TAX_TEMPLATE = "QBC Push Sales Tax"
CUSTOMER = "QBC Push Customer"
SUPPLIER = "QBC Push Supplier"
ITEM = "QBC-PUSH-SERVICE"
# ERPNext account (by account name in the test company) -> mapping purpose
MAPPED = {
	"Debtors": "Receivable",
	"Creditors": "Payable",
	"Cash": "Bank and Cash",
	"Sales": "Income",
	"Office Rent": "Expense",
	"ST 6%": "Tax",
	"Round Off": "Rounding",
	"Write Off": "Write Off",
}
UNMAPPED_INCOME = "QBC Unmapped Income"


class PushWorld:
	"""What every push test needs; built once per test class (commits: the settings hold committed tokens)."""

	def __init__(
		self, company: str = COMPANY, abbr: str = COMPANY_ABBR, realm: dict | None = None, **settings_fields
	) -> None:
		"""`company` / `abbr`: a test module whose settings must not clash with other modules' gets its own;
		`realm`: options of the emulated QuickBooks company (see make_connected_settings)."""
		self.company = get_test_company(company, abbr)
		self.abbr = abbr
		self.admin = emulator_admin()
		_make_masters(self.company, self.abbr)
		self.settings = make_connected_settings(self.company, realm=realm)
		self.realm_id = self.settings.realm_id
		self.client = get_client(self.settings)
		self.qbo_accounts = self._mirror_accounts()
		fetch_reference_data(self.settings.name)
		self.settings.reload()
		for account, purpose in MAPPED.items():
			self.map_account(f"{account} - {self.abbr}", purpose)
		self.settings.update(
			{
				ENABLED: 1,
				PUSH_MODE: "On Submit",
				PRE_SUBMIT_CHECK: "Off",
				SYNC_START_DATE: None,
				**settings_fields,
			}
		)
		self.settings.save(ignore_permissions=True)
		frappe.db.commit()  # nosemgrep: the connected, mapped settings must outlive each test's rollback

	def account(self, name: str) -> str:
		return f"{name} - {self.abbr}"

	def _mirror_accounts(self) -> dict[str, str]:
		"""QuickBooks twins of the mapped accounts: ERPNext account -> QuickBooks Account id."""
		names = [self.account(name) for name in MAPPED]
		chart = frappe.get_all(
			"Account",
			filters={"name": ["in", names]},
			fields=["name", "account_name", "account_type", "root_type", "account_currency", "is_group"],
		)
		return {name: ref.id for name, ref in mirror_chart(self.client, chart).items()}

	def map_account(self, erpnext_account: str, purpose: str, qbo_account_id: str | None = None) -> None:
		qbo_id = qbo_account_id or self.qbo_accounts[erpnext_account]
		self.settings.append(
			"account_mappings",
			{
				"purpose": purpose,
				"erpnext_account": erpnext_account,
				"qbo_account": f"{self.settings.name}-{qbo_id}",
			},
		)

	def set_settings(self, **values) -> None:
		"""Change settings for one test (rolled back with it)."""
		self.settings.reload()
		self.settings.update(values)
		self.settings.save(ignore_permissions=True)

	def reconnect(self) -> None:
		"""What the user does on Reconnect: consent on the (emulated) Intuit page, come back through the callback."""
		consent = requests.get(connection.connect(self.settings.name), allow_redirects=False, timeout=10)
		query = parse_qs(urlsplit(consent.headers["Location"]).query)
		frappe.local.response = frappe._dict()
		connection.callback(**{key: values[0] for key, values in query.items()})

	def requests_sent(self) -> int:
		return self.admin.stats()["requests"].get(self.realm_id, 0)

	def held(self, entity: str, where: str = "", *params) -> list[dict]:
		return list(self.client.query(f"select * from {entity} {where}".strip(), *params))

	# Documents ------------------------------------------------------------------------------------------------

	def sales_invoice(self, submit: bool = True, **fields) -> Document:
		template = f"{SALES_TAX_TEMPLATE} - {self.abbr}"
		taxes = get_taxes_and_charges("Sales Taxes and Charges Template", template)
		doc = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"company": self.company,
				"customer": CUSTOMER,
				"posting_date": nowdate(),
				"set_posting_time": 1,
				"due_date": add_days(nowdate(), 30),
				"currency": "USD",
				"debit_to": self.account("Debtors"),
				"taxes_and_charges": template,
				"taxes": taxes,
				"additional_discount_percentage": 10,
				"apply_discount_on": "Net Total",
				"items": [
					{
						"item_code": ITEM,
						"qty": 3,
						"rate": 133.33,
						"income_account": self.account("Sales"),
						"cost_center": f"Main - {self.abbr}",
					}
				],
				**fields,
			}
		)
		doc.insert(ignore_permissions=True)
		if submit:
			doc.submit()
		return doc

	def purchase_invoice(self, submit: bool = True, **fields) -> Document:
		doc = frappe.get_doc(
			{
				"doctype": "Purchase Invoice",
				"company": self.company,
				"supplier": SUPPLIER,
				"posting_date": nowdate(),
				"set_posting_time": 1,
				"bill_no": frappe.generate_hash(length=10),
				"credit_to": self.account("Creditors"),
				"items": [
					{
						"item_code": ITEM,
						"qty": 2,
						"rate": 410.25,
						"expense_account": self.account("Office Rent"),
						"cost_center": f"Main - {self.abbr}",
					}
				],
				**fields,
			}
		)
		doc.insert(ignore_permissions=True)
		if submit:
			doc.submit()
		return doc

	def sales_return(self, invoice: Document) -> Document:
		from erpnext.controllers.sales_and_purchase_return import make_return_doc

		doc = make_return_doc("Sales Invoice", invoice.name)
		doc.items[0].qty = -1
		doc.insert(ignore_permissions=True)
		doc.submit()
		return doc

	def payment_for(self, invoice: Document, amount: float | None = None) -> Document:
		doc = get_payment_entry(invoice.doctype, invoice.name, bank_account=self.account("Cash"))
		doc.reference_no = frappe.generate_hash(length=8)
		doc.reference_date = nowdate()
		if amount is not None:
			doc.paid_amount = doc.received_amount = amount
			doc.references[0].allocated_amount = amount
		doc.insert(ignore_permissions=True)
		doc.submit()
		return doc


@contextmanager
def captured_jobs() -> Iterator[list[dict]]:
	"""The jobs the code under test enqueues, instead of handing them to Redis (a test runs them itself)."""
	jobs: list[dict] = []

	def enqueue(method, **kwargs):
		jobs.append({"method": method, **kwargs})

	with patch("frappe.enqueue", side_effect=enqueue):
		yield jobs


def run_job(job: dict):
	"""Run a captured job the way a worker would: its method with its own keyword arguments."""
	arguments = {
		key: value
		for key, value in job.items()
		if key not in ("method", "queue", "enqueue_after_commit", "job_id", "deduplicate", "timeout")
	}
	return frappe.get_attr(job["method"])(**arguments)


def _make_masters(company: str, abbr: str) -> None:
	if not frappe.db.exists("Customer", CUSTOMER):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": CUSTOMER,
				"customer_type": "Company",
				"customer_group": "Commercial",
				"territory": "All Territories",
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Supplier", SUPPLIER):
		frappe.get_doc(
			{"doctype": "Supplier", "supplier_name": SUPPLIER, "supplier_group": "Services"}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Item", ITEM):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": ITEM,
				"item_name": "Push test service",
				"item_group": "Services",
				"stock_uom": "Nos",
				"is_stock_item": 0,
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Account", f"ST 6% - {abbr}"):
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": "ST 6%",
				"company": company,
				"parent_account": frappe.db.get_value(
					"Account", {"company": company, "account_name": "Duties and Taxes", "is_group": 1}
				),
				"account_type": "Tax",
				"tax_rate": 6,
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Sales Taxes and Charges Template", f"{SALES_TAX_TEMPLATE} - {abbr}"):
		frappe.get_doc(
			{
				"doctype": "Sales Taxes and Charges Template",
				"title": SALES_TAX_TEMPLATE,
				"company": company,
				"taxes": [
					{
						"charge_type": "On Net Total",
						"account_head": f"ST 6% - {abbr}",
						"description": "Sales tax 6%",
						"rate": 6,
						"cost_center": f"Main - {abbr}",
					}
				],
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Account", f"{UNMAPPED_INCOME} - {abbr}"):
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": UNMAPPED_INCOME,
				"company": company,
				"parent_account": frappe.db.get_value(
					"Account",
					{
						"company": company,
						"root_type": "Income",
						"is_group": 1,
						"parent_account": ["is", "set"],
					},
				),
				"root_type": "Income",
			}
		).insert(ignore_permissions=True)
