"""Real Journal Entries of several voucher types, submitted through ERPNext's controllers on a company of their own
("QBC Push Journal Co") and pushed by the job their submit queues to an emulated QuickBooks company: the QuickBooks
JournalEntry posts what the entry's GL Entries post, account by account, to the cent (in company currency, each
line converted at the entry's exchange rate); the invoices and bills an entry settles are left as open in
QuickBooks as ERPNext leaves them; a cancel removes everything; ERPNext's own exchange gain or loss entries are
skipped with their reason."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import frappe
from frappe.model.document import Document
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, flt, nowdate

from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

from quickbooks_connector.demo import mirror_chart
from quickbooks_connector.mapping.money import money
from quickbooks_connector.qbo.errors import NotFoundError
from quickbooks_connector.quickbooks_connector.context import mapping_context
from quickbooks_connector.quickbooks_connector.port import SYNC_LOG, log_name
from quickbooks_connector.quickbooks_connector.reference_data import fetch_reference_data
from quickbooks_connector.tests.push_fixtures import CUSTOMER, ITEM, SUPPLIER, captured_jobs, run_job
from quickbooks_connector.tests.test_push_matrix import EUR_CUSTOMER, EUR_RATE, MatrixWorld
from quickbooks_connector.tests.utils import disconnect_companies

COMPANY = "QBC Push Journal Co"
ABBR = "QPJ"
# Accounts of ERPNext's standard chart these tests post to, besides the push worlds' own: name -> mapping purpose
JOURNAL_ACCOUNTS = {
	"Capital Stock": "Other",
	"Depreciation": "Expense",
	"Accumulated Depreciation": "Other",
}


class JournalWorld(MatrixWorld):
	"""MatrixWorld (its EUR customer and receivable, a bank account, bank charges, deferred revenue) on a company of
	this module, with the equity and depreciation accounts mapped too."""

	def __init__(self) -> None:
		super().__init__(company=COMPANY, abbr=ABBR)
		names = [self.account(name) for name in JOURNAL_ACCOUNTS]
		chart = frappe.get_all(
			"Account",
			filters={"name": ["in", names]},
			fields=["name", "account_name", "account_type", "root_type", "account_currency", "is_group"],
		)
		self.qbo_accounts.update({name: ref.id for name, ref in mirror_chart(self.client, chart).items()})
		fetch_reference_data(self.settings.name)
		self.settings.reload()
		for name, purpose in JOURNAL_ACCOUNTS.items():
			self.map_account(self.account(name), purpose)
		self.settings.save(ignore_permissions=True)
		frappe.db.commit()  # nosemgrep: the mapped settings must outlive each test's rollback
		self.ctx = mapping_context(self.settings)


class TestJournalEntries(FrappeTestCase):
	world: JournalWorld

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.world = JournalWorld()

	@classmethod
	def tearDownClass(cls) -> None:
		frappe.db.rollback()
		frappe.db.delete(SYNC_LOG, {"company": cls.world.company})
		frappe.db.commit()  # nosemgrep: the engine commits its records; leave none for the scheduler
		disconnect_companies([cls.world.company])
		cls.world.admin.clear_faults()
		super().tearDownClass()

	# Documents --------------------------------------------------------------------------------------------

	def account(self, name: str) -> str:
		return self.world.account(name)

	def row(self, account: str, debit: float = 0, credit: float = 0, **fields) -> dict:
		return {
			"account": self.account(account),
			"debit_in_account_currency": debit,
			"credit_in_account_currency": credit,
			"cost_center": f"Main - {self.world.abbr}",
			**fields,
		}

	def journal(self, voucher_type: str, rows: list[dict], **fields) -> Document:
		doc = frappe.get_doc(
			{
				"doctype": "Journal Entry",
				"company": self.world.company,
				"voucher_type": voucher_type,
				"posting_date": nowdate(),
				"user_remark": f"{voucher_type} from the bench test",
				"accounts": rows,
				**fields,
			}
		)
		doc.insert(ignore_permissions=True)
		doc.submit()
		return doc

	def sales_invoice(self, rate: float = 216.5, **fields) -> Document:
		doc = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"company": self.world.company,
				"customer": CUSTOMER,
				"posting_date": nowdate(),
				"set_posting_time": 1,
				"due_date": add_days(nowdate(), 30),
				"currency": "USD",
				"debit_to": self.account("Debtors"),
				"items": [
					{
						"item_code": ITEM,
						"qty": 1,
						"rate": rate,
						"income_account": self.account("Sales"),
						"cost_center": f"Main - {self.world.abbr}",
					}
				],
				**fields,
			}
		)
		doc.insert(ignore_permissions=True)
		doc.submit()
		return doc

	def purchase_invoice(self, rate: float = 410.25) -> Document:
		doc = frappe.get_doc(
			{
				"doctype": "Purchase Invoice",
				"company": self.world.company,
				"supplier": SUPPLIER,
				"posting_date": nowdate(),
				"set_posting_time": 1,
				"bill_no": frappe.generate_hash(length=10),
				"currency": "USD",
				"credit_to": self.account("Creditors"),
				"items": [
					{
						"item_code": ITEM,
						"qty": 1,
						"rate": rate,
						"expense_account": self.account("Office Rent"),
						"cost_center": f"Main - {self.world.abbr}",
					}
				],
			}
		)
		doc.insert(ignore_permissions=True)
		doc.submit()
		return doc

	# Push and compare -------------------------------------------------------------------------------------

	def push(self, make, *args, **kwargs) -> Document:
		"""Submit through `make` and run the push job its submit queued for it (ERPNext may submit other documents
		on the way, such as an exchange gain or loss journal, which queue jobs of their own)."""
		with captured_jobs() as jobs:
			doc = make(*args, **kwargs)
		own = [job for job in jobs if (job["doctype"], job["name"]) == (doc.doctype, doc.name)]
		self.assertEqual(len(own), 1, f"one push job for {doc.doctype} {doc.name}")
		run_job(own[0])
		return doc

	def log(self, doctype: str, name: str) -> frappe._dict:
		return frappe.db.get_value(SYNC_LOG, log_name(doctype, name), "*", as_dict=True)

	def held(self, doc: Document) -> dict:
		log = self.log(doc.doctype, doc.name)
		self.assertEqual(log.status, "Synced", f"{doc.doctype} {doc.name}: {log.error}")
		self.assertFalse(log.total_mismatch, log.error)
		return self.world.client.read(log.qbo_entity, log.qbo_id)

	def assert_books_agree(self, journal: Document) -> dict:
		"""The QuickBooks JournalEntry posts per account what the entry's GL Entries post, in company currency."""
		held = self.held(journal)
		self.assertEqual(held["DocNumber"], journal.name)
		self.assertTrue(
			held["PrivateNote"].startswith(f"ERPNext Journal Entry {journal.name}; {journal.voucher_type}")
		)
		by_id = {ref.id: name for name, ref in self.world.ctx.account_map.items()}
		rate = Decimal(str(held.get("ExchangeRate", 1)))
		posted: dict[str, Decimal] = defaultdict(Decimal)
		for line in held["Line"]:
			detail = line["JournalEntryLineDetail"]
			amount = money(Decimal(str(line["Amount"])) * rate)
			posted[by_id[detail["AccountRef"]["value"]]] += (
				amount if detail["PostingType"] == "Debit" else -amount
			)
		gl: dict[str, Decimal] = defaultdict(Decimal)
		for row in frappe.get_all(
			"GL Entry",
			filters={"voucher_type": "Journal Entry", "voucher_no": journal.name, "is_cancelled": 0},
			fields=["account", "debit", "credit"],
		):
			gl[row.account] += money(row.debit) - money(row.credit)
		self.assertEqual(
			{account: amount for account, amount in posted.items() if amount},
			{account: amount for account, amount in gl.items() if amount},
		)
		return held

	def assert_open_as_in_erpnext(self, invoice: Document) -> None:
		held = self.held(invoice)
		outstanding = frappe.db.get_value(invoice.doctype, invoice.name, "outstanding_amount")
		self.assertEqual(money(held["Balance"]), money(abs(outstanding)), f"{invoice.name} balance")

	# Tests ------------------------------------------------------------------------------------------------

	def test_bank_entry_for_bank_charges(self):
		doc = self.push(
			self.journal,
			"Bank Entry",
			[self.row("Bank Charges", debit=12.5), self.row("Checking", credit=12.5)],
			cheque_no="STMT-11-FEE",
			cheque_date=nowdate(),
		)
		held = self.assert_books_agree(doc)
		self.assertIn("reference STMT-11-FEE", held["PrivateNote"])

	def test_cash_contra_and_plain_journal_entries(self):
		for voucher_type, rows in (
			("Cash Entry", [self.row("Office Rent", debit=350), self.row("Cash", credit=350)]),
			("Contra Entry", [self.row("Checking", debit=1000), self.row("Cash", credit=1000)]),
			(
				"Journal Entry",
				[
					self.row("Office Rent", debit=99.99),
					self.row("Creditors", credit=99.99, party_type="Supplier", party=SUPPLIER),
				],
			),
		):
			with self.subTest(voucher_type):
				self.assert_books_agree(self.push(self.journal, voucher_type, rows))

	def test_depreciation_and_deferred_revenue_entries(self):
		depreciation = self.push(
			self.journal,
			"Depreciation Entry",
			[self.row("Depreciation", debit=125.4), self.row("Accumulated Depreciation", credit=125.4)],
		)
		self.assert_books_agree(depreciation)
		deferred = self.push(
			self.journal,
			"Deferred Revenue",
			[self.row("Deferred Revenue", debit=80), self.row("Sales", credit=80)],
		)
		self.assert_books_agree(deferred)

	def test_opening_entry_with_a_customer_and_a_supplier(self):
		doc = self.push(
			self.journal,
			"Opening Entry",
			[
				self.row("Checking", debit=10000),
				self.row("Debtors", debit=1200, party_type="Customer", party=CUSTOMER),
				self.row("Creditors", credit=750, party_type="Supplier", party=SUPPLIER),
				self.row("Capital Stock", credit=10450),
			],
		)
		self.assertEqual(doc.is_opening, "Yes")
		held = self.assert_books_agree(doc)
		self.assertIn("no opening flag", held["PrivateNote"])
		entities = sorted(
			line["JournalEntryLineDetail"]["Entity"]["Type"]
			for line in held["Line"]
			if "Entity" in line["JournalEntryLineDetail"]
		)
		self.assertEqual(entities, ["Customer", "Vendor"])

	def test_credit_note_against_an_invoice_leaves_erpnexts_outstanding_open(self):
		invoice = self.sales_invoice(216.5)
		doc = self.push(
			self.journal,
			"Credit Note",
			[
				self.row(
					"Debtors",
					credit=50,
					party_type="Customer",
					party=CUSTOMER,
					reference_type="Sales Invoice",
					reference_name=invoice.name,
				),
				self.row("Write Off", debit=50),
			],
		)
		self.assert_books_agree(doc)
		self.assertEqual(flt(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount")), 166.5)
		self.assert_open_as_in_erpnext(invoice)

		with captured_jobs() as jobs:
			doc.cancel()
		run_job(jobs[0])
		log = self.log(doc.doctype, doc.name)
		self.assertEqual(log.status, "Voided", log.error)
		with self.assertRaises(NotFoundError):
			self.world.client.read("JournalEntry", log.qbo_id)
		self.assert_open_as_in_erpnext(invoice)  # 216.50 again, in both

	def test_write_off_entry_closes_a_short_paid_invoice(self):
		invoice = self.sales_invoice(21.64)
		self.push(self.world.payment_for, invoice, 21.0)
		doc = self.push(
			self.journal,
			"Write Off Entry",
			[
				self.row(
					"Debtors",
					credit=0.64,
					party_type="Customer",
					party=CUSTOMER,
					reference_type="Sales Invoice",
					reference_name=invoice.name,
				),
				self.row("Write Off", debit=0.64),
			],
		)
		self.assert_books_agree(doc)
		self.assert_open_as_in_erpnext(invoice)
		self.assertEqual(money(self.held(invoice)["Balance"]), Decimal("0.00"))

	def test_debit_note_against_a_bill_is_applied_to_it(self):
		bill = self.purchase_invoice(410.25)
		doc = self.push(
			self.journal,
			"Debit Note",
			[
				self.row(
					"Creditors",
					debit=60.25,
					party_type="Supplier",
					party=SUPPLIER,
					reference_type="Purchase Invoice",
					reference_name=bill.name,
				),
				self.row("Office Rent", credit=60.25),
			],
		)
		self.assert_books_agree(doc)
		self.assert_open_as_in_erpnext(bill)

	def test_foreign_currency_receipt_against_an_eur_invoice(self):
		invoice = self.sales_invoice(
			1120,
			customer=EUR_CUSTOMER,
			currency="EUR",
			conversion_rate=EUR_RATE,
			debit_to=self.account("Debtors EUR"),
		)
		euros = 500.0
		doc = self.push(
			self.journal,
			"Bank Entry",
			[
				self.row("Checking", debit=flt(euros * EUR_RATE, 2)),
				self.row(
					"Debtors EUR",
					credit=euros,
					party_type="Customer",
					party=EUR_CUSTOMER,
					exchange_rate=EUR_RATE,
					reference_type="Sales Invoice",
					reference_name=invoice.name,
				),
			],
			multi_currency=1,
			cheque_no="WIRE-500",
			cheque_date=nowdate(),
		)
		held = self.assert_books_agree(doc)
		self.assertEqual(held["CurrencyRef"]["value"], "EUR")
		self.assert_open_as_in_erpnext(invoice)
		self.assertEqual(money(self.held(invoice)["Balance"]), Decimal("620.00"))

	def test_exchange_gain_or_loss_erpnext_books_for_a_payment_is_skipped(self):
		invoice = self.sales_invoice(
			100,
			customer=EUR_CUSTOMER,
			currency="EUR",
			conversion_rate=EUR_RATE,
			debit_to=self.account("Debtors EUR"),
		)

		def receipt() -> Document:
			doc = get_payment_entry("Sales Invoice", invoice.name, bank_account=self.account("Checking"))
			doc.reference_no, doc.reference_date = "EUR-AT-1.1021", nowdate()
			doc.source_exchange_rate = 1.1021
			doc.received_amount = flt(doc.paid_amount * 1.1021, 2)
			doc.set_amounts()
			doc.insert(ignore_permissions=True)
			doc.submit()
			return doc

		with captured_jobs() as jobs:
			payment = receipt()
		gain_loss = frappe.get_all(
			"Journal Entry Account",
			filters={"reference_type": "Payment Entry", "reference_name": payment.name, "docstatus": 1},
			pluck="parent",
		)
		self.assertEqual(len(gain_loss), 1, "ERPNext books the exchange difference in a journal of its own")
		self.assertEqual(
			frappe.db.get_value("Journal Entry", gain_loss[0], "voucher_type"), "Exchange Gain Or Loss"
		)
		for job in jobs:
			run_job(job)

		log = self.log("Journal Entry", gain_loss[0])
		self.assertEqual(log.status, "Skipped")
		self.assertIn(payment.name, log.error)
		self.assertIn("twice", log.error)
		self.held(payment)
		self.assert_open_as_in_erpnext(invoice)
