"""Real stock documents on a company with perpetual inventory ("QBC Push Stock Co"), submitted through ERPNext's
controllers and pushed by the jobs their submit queues to an emulated QuickBooks company: each QuickBooks journal
posts what the voucher's GL Entries post, account by account, to the cent; an invoice that updates stock sends its
stock posting as a journal of its own; a landed cost updates its receipt's journal in place; a cancel removes what
was sent; in Daily Summary mode one journal per day follows every posting of that day; the pre-submit check names
an unmapped stock account before ERPNext posts anything."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import frappe
from frappe.model.document import Document
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from quickbooks_connector.constants import (
	PRE_SUBMIT_CHECK,
	STOCK_JOURNAL_MODE,
	STOCK_SUMMARY,
	SYNC_STOCK_JOURNALS,
)
from quickbooks_connector.demo import mirror_chart
from quickbooks_connector.mapping.money import money
from quickbooks_connector.mapping.stock import DAILY_SUMMARY, PER_VOUCHER
from quickbooks_connector.quickbooks_connector import stock_sync
from quickbooks_connector.quickbooks_connector.context import mapping_context
from quickbooks_connector.quickbooks_connector.port import SYNC_LOG, log_name
from quickbooks_connector.quickbooks_connector.reference_data import fetch_reference_data
from quickbooks_connector.quickbooks_connector.stock_ledger import summary_name
from quickbooks_connector.tests.push_fixtures import CUSTOMER, SUPPLIER, PushWorld, captured_jobs, run_job
from quickbooks_connector.tests.utils import disconnect_companies

COMPANY = "QBC Push Stock Co"
ABBR = "QPS"
STOCK_ITEM = "QBC-STOCK-BOLT"
STOCK_VOUCHERS = ("Delivery Note", "Purchase Receipt", "Stock Entry", "Stock Reconciliation")
# Accounts of ERPNext's standard chart stock postings use: account name -> mapping purpose
STOCK_ACCOUNTS = {
	"Stock In Hand": "Other",
	"Stock Received But Not Billed": "Other",
	"Cost of Goods Sold": "Expense",
	"Stock Adjustment": "Expense",
	"Expenses Included In Valuation": "Expense",
}


class StockWorld(PushWorld):
	"""PushWorld on a company of this module, its stock accounts mirrored and mapped, stock postings sent."""

	def __init__(self) -> None:
		super().__init__(company=COMPANY, abbr=ABBR)
		frappe.db.set_value("Company", COMPANY, "enable_perpetual_inventory", 1)
		_make_stock_item()
		names = [self.account(name) for name in STOCK_ACCOUNTS]
		chart = frappe.get_all(
			"Account",
			filters={"name": ["in", names]},
			fields=["name", "account_name", "account_type", "root_type", "account_currency", "is_group"],
		)
		self.qbo_accounts.update({name: ref.id for name, ref in mirror_chart(self.client, chart).items()})
		fetch_reference_data(self.settings.name)
		self.settings.reload()
		for name, purpose in STOCK_ACCOUNTS.items():
			self.map_account(self.account(name), purpose)
		self.settings.update({SYNC_STOCK_JOURNALS: 1, STOCK_JOURNAL_MODE: PER_VOUCHER})
		self.settings.save(ignore_permissions=True)
		frappe.db.commit()  # nosemgrep: the mapped settings must outlive each test's rollback
		self.ctx = mapping_context(self.settings)

	@property
	def warehouse(self) -> str:
		return f"Stores - {self.abbr}"


def _make_stock_item() -> None:
	if not frappe.db.exists("Item", STOCK_ITEM):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": STOCK_ITEM,
				"item_name": "Stock bolt",
				"item_group": "All Item Groups",
				"stock_uom": "Nos",
				"is_stock_item": 1,
				"valuation_rate": 2.5,
			}
		).insert(ignore_permissions=True)


class TestStockPostings(FrappeTestCase):
	world: StockWorld

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.world = StockWorld()

	@classmethod
	def tearDownClass(cls) -> None:
		frappe.db.rollback()
		frappe.db.delete(SYNC_LOG, {"company": cls.world.company})
		frappe.db.delete(STOCK_SUMMARY, {"company": cls.world.company})
		frappe.db.commit()  # nosemgrep: the engine commits its records; leave none for the scheduler
		disconnect_companies([cls.world.company])
		super().tearDownClass()

	# Documents --------------------------------------------------------------------------------------------

	def account(self, name: str) -> str:
		return self.world.account(name)

	def stock_entry(
		self, purpose: str, qty: float, rate: float = 2.5, posting_date: str | None = None
	) -> Document:
		warehouse = "t_warehouse" if purpose == "Material Receipt" else "s_warehouse"
		doc = frappe.get_doc(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": purpose,
				"company": self.world.company,
				"posting_date": posting_date or nowdate(),
				"set_posting_time": 1,
				"items": [
					{
						"item_code": STOCK_ITEM,
						"qty": qty,
						"basic_rate": rate,
						warehouse: self.world.warehouse,
						"expense_account": self.account("Cost of Goods Sold"),
						"cost_center": f"Main - {self.world.abbr}",
					}
				],
			}
		)
		doc.insert(ignore_permissions=True)
		doc.submit()
		return doc

	def delivery_note(self, qty: float = 2) -> Document:
		doc = frappe.get_doc(
			{
				"doctype": "Delivery Note",
				"company": self.world.company,
				"customer": CUSTOMER,
				"posting_date": nowdate(),
				"set_posting_time": 1,
				"currency": "USD",
				"items": [
					{
						"item_code": STOCK_ITEM,
						"qty": qty,
						"rate": 4,
						"warehouse": self.world.warehouse,
						"expense_account": self.account("Cost of Goods Sold"),
						"income_account": self.account("Sales"),
						"cost_center": f"Main - {self.world.abbr}",
					}
				],
			}
		)
		doc.insert(ignore_permissions=True)
		doc.submit()
		return doc

	def purchase_receipt(self, qty: float = 5, rate: float = 180) -> Document:
		doc = frappe.get_doc(
			{
				"doctype": "Purchase Receipt",
				"company": self.world.company,
				"supplier": SUPPLIER,
				"posting_date": nowdate(),
				"set_posting_time": 1,
				"currency": "USD",
				"items": [
					{
						"item_code": STOCK_ITEM,
						"qty": qty,
						"rate": rate,
						"warehouse": self.world.warehouse,
						"cost_center": f"Main - {self.world.abbr}",
					}
				],
			}
		)
		doc.insert(ignore_permissions=True)
		doc.submit()
		return doc

	def landed_cost(self, receipt: Document, amount: float = 45) -> Document:
		doc = frappe.get_doc(
			{
				"doctype": "Landed Cost Voucher",
				"company": self.world.company,
				"distribute_charges_based_on": "Amount",
				"purchase_receipts": [
					{
						"receipt_document_type": "Purchase Receipt",
						"receipt_document": receipt.name,
						"supplier": receipt.supplier,
						"grand_total": receipt.grand_total,
					}
				],
				"taxes": [
					{
						"expense_account": self.account("Expenses Included In Valuation"),
						"description": "Inbound freight",
						"amount": amount,
					}
				],
			}
		)
		doc.get_items_from_purchase_receipts()
		doc.insert(ignore_permissions=True)
		doc.submit()
		return doc

	def stock_invoice(self, qty: float = 3) -> Document:
		doc = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"company": self.world.company,
				"customer": CUSTOMER,
				"posting_date": nowdate(),
				"set_posting_time": 1,
				"due_date": add_days(nowdate(), 30),
				"currency": "USD",
				"update_stock": 1,
				"debit_to": self.account("Debtors"),
				"items": [
					{
						"item_code": STOCK_ITEM,
						"qty": qty,
						"rate": 4,
						"warehouse": self.world.warehouse,
						"income_account": self.account("Sales"),
						"expense_account": self.account("Cost of Goods Sold"),
						"cost_center": f"Main - {self.world.abbr}",
					}
				],
			}
		)
		doc.insert(ignore_permissions=True)
		doc.submit()
		return doc

	def restore_settings(self) -> None:
		"""Per voucher, no pre-submit check, every stock account mapped (the settings are committed state)."""
		self.world.settings.reload()
		mapped = {row.erpnext_account for row in self.world.settings.account_mappings}
		for name, purpose in STOCK_ACCOUNTS.items():
			if self.account(name) not in mapped:
				self.world.map_account(self.account(name), purpose)
		self.world.settings.update({STOCK_JOURNAL_MODE: PER_VOUCHER, PRE_SUBMIT_CHECK: "Off"})
		self.world.settings.save(ignore_permissions=True)
		frappe.db.commit()  # nosemgrep: like the world's own settings
		self.world.ctx = mapping_context(self.world.settings)

	# Push and compare -------------------------------------------------------------------------------------

	def run_jobs(self, make, *args, **kwargs) -> tuple[Document, list[dict]]:
		"""Submit (or cancel) through `make`, then run every QuickBooks job it queued, as workers would."""
		with captured_jobs() as jobs:
			doc = make(*args, **kwargs)
		ours = [job for job in jobs if str(job["method"]).startswith("quickbooks_connector.")]
		for job in ours:
			run_job(job)
		return doc, ours

	def log(self, doctype: str, name: str) -> frappe._dict:
		return frappe.db.get_value(SYNC_LOG, log_name(doctype, name), "*", as_dict=True)

	def journal(self, doctype: str, name: str, key: str | None = None) -> dict:
		log = self.log(doctype, name)
		self.assertEqual(log.status, "Synced", f"{doctype} {name}: {log.error}")
		self.assertFalse(log.total_mismatch, log.error)
		if key is None:
			return self.world.client.read("JournalEntry", log.qbo_id)
		entity, qbo_id = frappe.parse_json(log.related)[key].split(":")
		return self.world.client.read(entity, qbo_id)

	def books(self, held: dict) -> dict[str, Decimal]:
		by_id = {ref.id: name for name, ref in self.world.ctx.account_map.items()}
		net: dict[str, Decimal] = defaultdict(Decimal)
		for line in held["Line"]:
			detail = line["JournalEntryLineDetail"]
			amount = money(line["Amount"])
			net[by_id[detail["AccountRef"]["value"]]] += (
				amount if detail["PostingType"] == "Debit" else -amount
			)
		return {account: amount for account, amount in net.items() if amount}

	def gl(self, filters: dict, accounts: set[str] | None = None) -> dict[str, Decimal]:
		net: dict[str, Decimal] = defaultdict(Decimal)
		for row in frappe.get_all(
			"GL Entry", filters={**filters, "is_cancelled": 0}, fields=["account", "debit", "credit"]
		):
			if accounts is None or row.account in accounts:
				net[row.account] += money(row.debit) - money(row.credit)
		return {account: amount for account, amount in net.items() if amount}

	def day_gl(self, day: str) -> dict[str, Decimal]:
		"""What the company's stock postings of the day post: stock vouchers' rows, and the stock rows of invoices
		that update stock (on the stock and cost of goods accounts)."""
		net: dict[str, Decimal] = defaultdict(Decimal)
		stock = {self.account("Stock In Hand"), self.account("Cost of Goods Sold")}
		updating = set(
			frappe.get_all("Sales Invoice", {"company": self.world.company, "update_stock": 1}, pluck="name")
		)
		for row in frappe.get_all(
			"GL Entry",
			filters={"company": self.world.company, "posting_date": day, "is_cancelled": 0},
			fields=["voucher_type", "voucher_no", "account", "debit", "credit"],
		):
			invoice_stock = row.voucher_no in updating and row.account in stock
			if row.voucher_type in STOCK_VOUCHERS or (row.voucher_type == "Sales Invoice" and invoice_stock):
				net[row.account] += money(row.debit) - money(row.credit)
		return {account: amount for account, amount in net.items() if amount}

	def voucher_gl(self, doc: Document, accounts: set[str] | None = None) -> dict[str, Decimal]:
		return self.gl({"voucher_type": doc.doctype, "voucher_no": doc.name}, accounts)

	# Per voucher ------------------------------------------------------------------------------------------

	def test_each_stock_voucher_books_its_gl_entries(self):
		receipt, _ = self.run_jobs(self.stock_entry, "Material Receipt", 100)
		issue, _ = self.run_jobs(self.stock_entry, "Material Issue", 7)
		delivery, _ = self.run_jobs(self.delivery_note, 2)
		for doc in (receipt, issue, delivery):
			with self.subTest(doc.name):
				held = self.journal(doc.doctype, doc.name)
				self.assertEqual(held["DocNumber"], doc.name)
				self.assertTrue(self.voucher_gl(doc), "perpetual inventory posts the stock value")
				self.assertEqual(self.books(held), self.voucher_gl(doc))

	def test_an_invoice_that_updates_stock_sends_its_stock_posting_and_takes_it_back_on_cancel(self):
		self.run_jobs(self.stock_entry, "Material Receipt", 20)
		invoice, _ = self.run_jobs(self.stock_invoice, 3)
		stock = {self.account("Stock In Hand"), self.account("Cost of Goods Sold")}
		held = self.journal("Sales Invoice", invoice.name, "after:stock")
		self.assertEqual(self.books(held), self.voucher_gl(invoice, stock))
		self.assertEqual(set(self.voucher_gl(invoice, stock)), stock)

		invoice.reload()
		self.run_jobs(invoice.cancel)
		self.assertEqual(self.log("Sales Invoice", invoice.name).status, "Voided")
		live = [row for row in self.world.held("JournalEntry") if row["Id"] == held["Id"]]
		self.assertEqual(live, [], "the stock journal is deleted with the invoice")

	def test_a_landed_cost_updates_the_receipts_journal_in_place(self):
		receipt, _ = self.run_jobs(self.purchase_receipt, 5, 180)
		before = self.journal("Purchase Receipt", receipt.name)
		self.assertEqual(self.books(before)[self.account("Stock In Hand")], Decimal("900.00"))

		voucher, jobs = self.run_jobs(self.landed_cost, receipt, 45)

		self.assertIn(
			("Purchase Receipt", receipt.name), {(job.get("doctype"), job.get("name")) for job in jobs}
		)
		self.assertEqual(self.log(voucher.doctype, voucher.name).status, "Skipped")
		after = self.journal("Purchase Receipt", receipt.name)
		self.assertEqual(after["Id"], before["Id"])
		self.assertEqual(self.books(after), self.voucher_gl(receipt))
		self.assertEqual(self.books(after)[self.account("Stock In Hand")], Decimal("945.00"))

	def test_cancel_deletes_the_vouchers_journal(self):
		entry, _ = self.run_jobs(self.stock_entry, "Material Receipt", 4)
		qbo_id = self.journal(entry.doctype, entry.name)["Id"]
		entry.reload()
		self.run_jobs(entry.cancel)
		self.assertEqual(self.log(entry.doctype, entry.name).status, "Voided")
		self.assertNotIn(qbo_id, {row["Id"] for row in self.world.held("JournalEntry")})

	def test_the_pre_submit_check_names_an_unmapped_stock_account(self):
		self.addCleanup(self.restore_settings)
		self.world.set_settings(**{PRE_SUBMIT_CHECK: "Block"})
		self.world.settings.account_mappings = [
			row
			for row in self.world.settings.account_mappings
			if row.erpnext_account != self.account("Stock In Hand")
		]
		self.world.settings.save(ignore_permissions=True)
		with self.assertRaises(frappe.ValidationError) as raised:
			self.stock_entry("Material Receipt", 1)
		self.assertIn(self.account("Stock In Hand"), str(raised.exception))

	# Daily summary ----------------------------------------------------------------------------------------

	def test_daily_summary_books_a_days_postings_once_and_follows_a_late_one(self):
		self.addCleanup(self.restore_settings)
		self.world.set_settings(**{STOCK_JOURNAL_MODE: DAILY_SUMMARY})
		frappe.db.commit()  # nosemgrep: the jobs read the settings afresh
		day = add_days(nowdate(), -1)
		first, _ = self.run_jobs(self.stock_entry, "Material Receipt", 30, 2.5, day)
		second, _ = self.run_jobs(self.stock_entry, "Material Issue", 4, 2.5, day)
		for doc in (first, second):
			self.assertEqual(self.log(doc.doctype, doc.name).status, "Skipped")
		name = summary_name(self.world.company, day)
		self.assertEqual(
			frappe.db.get_value(STOCK_SUMMARY, name, "docstatus"), 0, "open until the day is over"
		)

		with captured_jobs() as jobs:
			stock_sync.close_stock_days()
		for job in jobs:
			if str(job["method"]).startswith("quickbooks_connector."):
				run_job(job)
		held = self.journal(STOCK_SUMMARY, name)
		self.assertEqual(held["TxnDate"], str(day))
		self.assertEqual(self.books(held), self.day_gl(day))

		late, _ = self.run_jobs(self.stock_entry, "Material Issue", 2, 2.5, day)
		updated = self.journal(STOCK_SUMMARY, name)
		self.assertEqual(updated["Id"], held["Id"])
		self.assertEqual(self.books(updated), self.day_gl(day))
		self.assertEqual(self.log(late.doctype, late.name).status, "Skipped")
