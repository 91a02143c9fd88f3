"""The connector's promise, checked on real documents: whatever ERPNext computes for a submitted document, the
QuickBooks record posts exactly what the document's GL Entries post, account by account, to the cent.

Each test builds a document shape through ERPNext's own controllers (insert + submit, so ERPNext computes every
amount), runs the push job as a worker would, reads back what the emulated QuickBooks holds and compares:
- the Sync Log (Synced, no total mismatch),
- TotalAmt with the document's rounded total (grand total when rounding is off), TxnTaxDetail.TotalTax with the
  tax ERPNext posts to the taxes QuickBooks computes, HomeTotalAmt with the company-currency amount of
  foreign-currency documents, and for payments the balances left open and the amount left unapplied,
- the GL Entries per account with what the QuickBooks record and its companions (a payment's deduction journal,
  a paid bill's bill payment, a return's credit application) post per account: item lines to their Item's income
  account, expense and journal lines to their account, the total to the receivable / payable / bank account, and
  the taxes QuickBooks computes (booked to its own tax liability) under one TAX key. Invoices and bills compare in
  document currency; foreign-currency payments in company currency, the way QuickBooks books them (the money at
  the payment's rate, what it settles at the settled documents' rates, the difference as exchange gain or loss)
  against their GL and the exchange gain/loss journal ERPNext makes for them.

The module has companies of its own ("QBC Push Matrix Co" on a US QuickBooks company, "QBC Push Matrix GB Co" on
a UK one), so that its settings never clash with the other push tests', and one emulated QuickBooks company per
test class.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from unittest.mock import patch

import frappe
from frappe.model.document import Document
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, flt, nowdate

from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
from erpnext.controllers.sales_and_purchase_return import make_return_doc

from quickbooks_connector.constants import SYNC_LOG, TAX_CODE
from quickbooks_connector.demo import mirror_chart
from quickbooks_connector.mapping.money import ZERO, money
from quickbooks_connector.qbo.errors import NotFoundError
from quickbooks_connector.quickbooks_connector.context import mapping_context
from quickbooks_connector.quickbooks_connector.port import log_name
from quickbooks_connector.quickbooks_connector.reference_data import fetch_reference_data
from quickbooks_connector.tests.push_fixtures import (
	CUSTOMER,
	ITEM,
	SALES_TAX_TEMPLATE,
	SUPPLIER,
	PushWorld,
	captured_jobs,
	run_job,
)
from quickbooks_connector.tests.utils import disconnect_companies

COMPANY = "QBC Push Matrix Co"
ABBR = "QPM"
EUR_CUSTOMER = "QBC Matrix EUR Customer"
EUR_SUPPLIER = "QBC Matrix EUR Supplier"
CHF_CUSTOMER = "QBC Matrix CHF Customer"  # CHF rounds totals to 0.05: a rounding adjustment
EUR_RATE = 1.0837
CHF_RATE = 1.1234
HOURS_ITEM = "QBC-MATRIX-HOURS"  # sold by the hour: fractional quantities
EXEMPT_TEMPLATE = "QBC Matrix Exempt"  # Item Tax Template: no ST 6% on the item
VAT_EXEMPT_TEMPLATE = "QBC Matrix VAT Exempt"  # Item Tax Template: no VAT 20% on the item
STANDARD_TEMPLATE = "QBC Matrix VAT Standard"  # VAT 20% only
REDUCED_TEMPLATE = "QBC Matrix VAT Reduced"  # VAT 5% only
GB_COMPANY = "QBC Push Matrix GB Co"  # connected to a QuickBooks company in the United Kingdom (VAT)
GB_ABBR = "QPG"
TAX = "TAX"  # the sales tax QuickBooks US books to its own liability account
TAX_TEMPLATE_DOCTYPES = (
	"Sales Taxes and Charges Template",
	"Purchase Taxes and Charges Template",
	"Item Tax Template",
)
# US sales tax templates: ERPNext's defaults for a company in the United States, and the push fixtures'
US_SALES_TAX_TEMPLATES = ("US ST 6%", "US ST 4%", "US ST 6.25%", SALES_TAX_TEMPLATE, EXEMPT_TEMPLATE)
# Accounts this module adds to the company: account name -> (parent group name, fields, mapping purpose)
EXTRA_ACCOUNTS = {
	"ST 2%": ("Duties and Taxes", {"account_type": "Tax", "tax_rate": 2}, "Tax"),
	"VAT 20%": ("Duties and Taxes", {"account_type": "Tax", "tax_rate": 20}, "Tax"),
	"VAT 5%": ("Duties and Taxes", {"account_type": "Tax", "tax_rate": 5}, "Tax"),
	"Eco Fee": ("Duties and Taxes", {"account_type": "Tax"}, "Tax"),
	"Withholding Tax": ("Duties and Taxes", {"account_type": "Tax"}, "Tax"),
	"Debtors EUR": (
		"Accounts Receivable",
		{"account_type": "Receivable", "account_currency": "EUR"},
		"Receivable",
	),
	"Creditors EUR": (
		"Accounts Payable",
		{"account_type": "Payable", "account_currency": "EUR"},
		"Payable",
	),
	"Debtors CHF": (
		"Accounts Receivable",
		{"account_type": "Receivable", "account_currency": "CHF"},
		"Receivable",
	),
	"Bank Charges": ("Indirect Expenses", {}, "Expense"),
	"Sales Discounts": ("Direct Income", {}, "Discount"),
	"TDS Receivable": ("Tax Assets", {}, "Other"),
	"Deferred Revenue": ("Current Liabilities", {}, "Other"),
	"Checking": ("Bank Accounts", {"account_type": "Bank"}, "Bank and Cash"),
}
# Accounts of ERPNext's standard chart this module maps besides PushWorld's
EXTRA_MAPPED = {
	"Freight and Forwarding Charges": "Expense",
	"Service": "Income",
	"Exchange Gain/Loss": "Expense",
}


class MatrixWorld(PushWorld):
	"""PushWorld on a company of this module, with the extra accounts mirrored to QuickBooks and mapped, and the
	foreign-currency parties. `tax_codes` (non-US QuickBooks companies): ERPNext tax account or Item Tax Template
	-> QuickBooks tax code name; `exempt_code`: the code of untaxed lines."""

	def __init__(
		self,
		company: str = COMPANY,
		abbr: str = ABBR,
		realm: dict | None = None,
		tax_codes: dict[str, str] | None = None,
		exempt_code: str | None = None,
	) -> None:
		super().__init__(company=company, abbr=abbr, realm=realm, enabled=0)
		_make_extra_masters(self.company, self.abbr)
		names = [self.account(name) for name in (*EXTRA_ACCOUNTS, *EXTRA_MAPPED)]
		chart = frappe.get_all(
			"Account",
			filters={"name": ["in", names]},
			fields=["name", "account_name", "account_type", "root_type", "account_currency", "is_group"],
		)
		self.qbo_accounts.update({name: ref.id for name, ref in mirror_chart(self.client, chart).items()})
		fetch_reference_data(self.settings.name)
		self.settings.reload()
		purposes = {**{name: row[2] for name, row in EXTRA_ACCOUNTS.items()}, **EXTRA_MAPPED}
		for name, purpose in purposes.items():
			self.map_account(self.account(name), purpose)
		if tax_codes:
			_switch_off_us_sales_tax(self.company)
		self._map_tax_codes(tax_codes or {}, exempt_code)
		self.settings.enabled = 1
		self.settings.save(ignore_permissions=True)
		frappe.db.commit()  # nosemgrep: like PushWorld, the mapped settings must outlive each test's rollback
		self.ctx = mapping_context(self.settings)
		self._items: dict[str, dict] = {}

	def template(self, title: str) -> str:
		return f"{title} - {self.abbr}"

	def _map_tax_codes(self, tax_codes: dict[str, str], exempt_code: str | None) -> None:
		codes = dict(
			frappe.get_all(
				TAX_CODE,
				{"settings": self.settings.name},
				["tax_code_name", "name"],
				as_list=True,
			)
		)
		for source, code in tax_codes.items():
			field = (
				"item_tax_template"
				if frappe.db.exists("Item Tax Template", source)
				else "erpnext_tax_account"
			)
			self.settings.append("tax_mappings", {field: source, "qbo_tax_code": codes[code]})
		if exempt_code:
			self.settings.exempt_tax_code = codes[exempt_code]

	def income_account_of(self, item_id: str) -> str:
		if item_id not in self._items:
			self._items[item_id] = self.client.read("Item", item_id)
		return self._items[item_id]["IncomeAccountRef"]["value"]

	def label(self, qbo_id: str) -> str:
		"""A QuickBooks account id with its name, for readable differences."""
		names = {ref.id: ref.name for ref in self.ctx.account_map.values()}
		return f"{qbo_id} {names[qbo_id]}" if qbo_id in names else qbo_id

	def qbo_account_of(self, erpnext_account: str) -> str:
		ref = self.ctx.account_map.get(erpnext_account)
		return ref.id if ref else f"unmapped {erpnext_account}"


def _make_extra_masters(company: str, abbr: str) -> None:
	for name, (parent, fields, _purpose) in EXTRA_ACCOUNTS.items():
		if not frappe.db.exists("Account", f"{name} - {abbr}"):
			frappe.get_doc(
				{
					"doctype": "Account",
					"account_name": name,
					"company": company,
					"parent_account": f"{parent} - {abbr}",
					**fields,
				}
			).insert(ignore_permissions=True)
	customer = {"customer_group": "Commercial", "territory": "All Territories"}
	parties = (
		("Customer", EUR_CUSTOMER, "EUR", customer, "Debtors EUR"),
		("Customer", CHF_CUSTOMER, "CHF", customer, "Debtors CHF"),
		("Supplier", EUR_SUPPLIER, "EUR", {"supplier_group": "Services"}, "Creditors EUR"),
	)
	for doctype, name, currency, fields, account in parties:
		if not frappe.db.exists(doctype, name):
			frappe.get_doc(
				{"doctype": doctype, f"{doctype.lower()}_name": name, "default_currency": currency, **fields}
			).insert(ignore_permissions=True)
		party = frappe.get_doc(doctype, name)
		if not any(row.company == company for row in party.accounts):
			party.append("accounts", {"company": company, "account": f"{account} - {abbr}"})
			party.save(ignore_permissions=True)
	if not frappe.db.exists("Item", HOURS_ITEM):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": HOURS_ITEM,
				"item_name": "Consulting by the hour",
				"item_group": "Services",
				"stock_uom": "Hour",
				"is_stock_item": 0,
			}
		).insert(ignore_permissions=True)
	templates = {
		EXEMPT_TEMPLATE: {"ST 6%": 0},
		VAT_EXEMPT_TEMPLATE: {"VAT 20%": 0},
		STANDARD_TEMPLATE: {"VAT 20%": 20, "VAT 5%": 0},
		REDUCED_TEMPLATE: {"VAT 20%": 0, "VAT 5%": 5},
	}
	for title, rates in templates.items():
		if not frappe.db.exists("Item Tax Template", f"{title} - {abbr}"):
			taxes = [{"tax_type": f"{account} - {abbr}", "tax_rate": rate} for account, rate in rates.items()]
			frappe.get_doc(
				{"doctype": "Item Tax Template", "title": title, "company": company, "taxes": taxes}
			).insert(ignore_permissions=True)
	# the bank account a vendor credit's zero-amount Bill Payment names (returns applied to their bill)
	if not frappe.get_cached_value("Company", company, "default_bank_account"):
		frappe.db.set_value("Company", company, "default_bank_account", f"Cash - {abbr}")
	if not frappe.db.exists(
		"Currency Exchange", {"from_currency": "EUR", "to_currency": "USD", "date": nowdate()}
	):
		frappe.get_doc(
			{
				"doctype": "Currency Exchange",
				"date": nowdate(),
				"from_currency": "EUR",
				"to_currency": "USD",
				"exchange_rate": EUR_RATE,
				"for_buying": 1,
				"for_selling": 1,
			}
		).insert(ignore_permissions=True)


def _switch_off_us_sales_tax(company: str) -> None:
	"""A company on a QuickBooks company outside the US taxes with the VAT fixtures the test maps, as a business
	there does: ERPNext's default US sales tax templates (the test companies are created in the United States) and
	the US sales tax fixtures every push company gets are switched off, so that enabling asks a code for no
	template the company does not use (the gate counts enabled templates)."""
	for doctype in TAX_TEMPLATE_DOCTYPES:
		for title in US_SALES_TAX_TEMPLATES:
			name = frappe.db.get_value(doctype, {"title": title, "company": company})
			if name:
				frappe.db.set_value(doctype, name, "disabled", 1)


class PushMatrixCase(FrappeTestCase):
	"""One emulated QuickBooks company per class (`world_options`: MatrixWorld's); each test submits documents,
	pushes them and compares the books."""

	world: MatrixWorld
	world_options: dict = {}

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.world = MatrixWorld(**cls.world_options)

	@classmethod
	def tearDownClass(cls) -> None:
		frappe.db.rollback()
		# The engine commits its records; leave none behind for the scheduler, and no live connection.
		frappe.db.delete(SYNC_LOG, {"company": cls.world.company})
		frappe.db.commit()  # nosemgrep
		disconnect_companies([cls.world.company])
		cls.world.admin.clear_faults()
		super().tearDownClass()

	# Documents --------------------------------------------------------------------------------------------

	def account(self, name: str) -> str:
		return self.world.account(name)

	@property
	def cost_center(self) -> str:
		return f"Main - {self.world.abbr}"

	def item(self, qty: float = 1, rate: float | None = 100, **fields) -> dict:
		"""An item row; rate None lets ERPNext work it out (from price_list_rate and a discount)."""
		rate_field = {} if rate is None else {"rate": rate}
		return {
			"item_code": ITEM,
			"qty": qty,
			**rate_field,
			"income_account": self.account("Sales"),
			"expense_account": self.account("Office Rent"),
			"cost_center": self.cost_center,
			**fields,
		}

	def tax(self, account: str, charge_type: str = "On Net Total", rate: float = 0, **fields) -> dict:
		return {
			"charge_type": charge_type,
			"account_head": self.account(account),
			"description": f"{account} ({charge_type})",
			"rate": rate,
			"cost_center": self.cost_center,
			**fields,
		}

	def sales_invoice(self, items: list[dict], taxes: list[dict] = (), **fields) -> Document:
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
				"items": items,
				"taxes": list(taxes),
				**fields,
			}
		)
		return self.submitted(doc)

	def purchase_invoice(self, items: list[dict], taxes: list[dict] = (), **fields) -> Document:
		return self.submitted(self.purchase_invoice_doc(items, taxes, **fields))

	def purchase_invoice_doc(self, items: list[dict], taxes: list[dict] = (), **fields) -> Document:
		"""An unsaved Purchase Invoice, for tests that must set something between insert and submit."""
		return frappe.get_doc(
			{
				"doctype": "Purchase Invoice",
				"company": self.world.company,
				"supplier": SUPPLIER,
				"posting_date": nowdate(),
				"set_posting_time": 1,
				"bill_no": frappe.generate_hash(length=10),
				"currency": "USD",
				"credit_to": self.account("Creditors"),
				"items": items,
				"taxes": list(taxes),
				**fields,
			}
		)

	def return_of(self, invoice: Document, qty: float, update_outstanding_for_self: int) -> Document:
		doc = make_return_doc(invoice.doctype, invoice.name)
		for row in doc.items:
			row.qty = -qty
		doc.update_outstanding_for_self = update_outstanding_for_self
		if doc.doctype == "Purchase Invoice":
			doc.bill_no = frappe.generate_hash(length=10)
		return self.submitted(doc)

	def payment(
		self, invoice: Document, amount: float | None = None, bank: str = "Cash", **changes
	) -> Document:
		"""A Payment Entry for `invoice` from ERPNext's own "Make Payment" (optionally a part of it)."""
		doc = get_payment_entry(invoice.doctype, invoice.name, bank_account=self.account(bank))
		doc.reference_no = frappe.generate_hash(length=8)
		doc.reference_date = nowdate()
		if amount is not None:
			doc.paid_amount = doc.received_amount = amount
			doc.references[0].allocated_amount = amount
		doc.update(changes)
		return self.submitted(doc)

	def receipt_also_settling(self, invoice: Document, other: Document, reference_no: str) -> Document:
		"""A receipt for `invoice` that also settles `other`: a second invoice, or a credit note that reduces it."""
		doc = get_payment_entry("Sales Invoice", invoice.name, bank_account=self.account("Cash"))
		doc.append(
			"references",
			{
				"reference_doctype": "Sales Invoice",
				"reference_name": other.name,
				"allocated_amount": other.rounded_total,
			},
		)
		doc.paid_amount = doc.received_amount = invoice.rounded_total + other.rounded_total
		doc.reference_no, doc.reference_date = reference_no, nowdate()
		return self.submitted(doc)

	def submitted(self, doc: Document) -> Document:
		doc.insert(ignore_permissions=True)
		doc.submit()
		return doc

	# Push and compare -------------------------------------------------------------------------------------

	def push(self, make, *args, **kwargs) -> Document:
		"""Submit through `make` and run the push job its submit queued (not those of documents ERPNext submits on
		the way, such as the exchange gain or loss journal of a foreign-currency payment)."""
		with captured_jobs() as jobs:
			doc = make(*args, **kwargs)
		own = [job for job in jobs if (job.get("doctype"), job.get("name")) == (doc.doctype, doc.name)]
		self.assertEqual(len(own), 1, f"one push job for {doc.doctype} {doc.name}")
		run_job(own[0])
		return doc

	def assert_open_as_in_erpnext(self, invoice: Document) -> None:
		"""QuickBooks leaves open on the invoice what ERPNext still has outstanding."""
		held = self.world.client.read("Invoice", self.log(invoice).qbo_id)
		outstanding = frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount")
		self.assertEqual(money(held["Balance"]), money(outstanding))

	def log(self, doc: Document) -> frappe._dict:
		"""The Sync Log of a document (or of the document a payment reference names)."""
		doctype, name = (
			(doc.reference_doctype, doc.reference_name)
			if doc.get("reference_name")
			else (doc.doctype, doc.name)
		)
		return frappe.db.get_value(SYNC_LOG, log_name(doctype, name), "*", as_dict=True)

	def assert_books_agree(self, doc: Document) -> dict:
		"""Synced without mismatch, totals as ERPNext has them, and the same postings per account as the GL."""
		log = self.log(doc)
		self.assertEqual(log.status, "Synced", f"{doc.doctype} {doc.name}: {log.error}")
		self.assertFalse(log.total_mismatch, log.error)
		held = self.world.client.read(log.qbo_entity, log.qbo_id)
		self.assertEqual(money(held["TotalAmt"]), money(abs(self.expected_total(doc))), "TotalAmt")
		if doc.doctype != "Payment Entry":
			self.assertEqual(money(held.get("TxnTaxDetail", {}).get("TotalTax", 0)), self.expected_tax(doc))
		if self.transaction_currency(doc) != "USD":
			self.assertEqual(held["CurrencyRef"]["value"], self.transaction_currency(doc))
			self.assertEqual(money(held["HomeTotalAmt"]), money(abs(self.expected_base_total(doc))))
		records = [(log.qbo_entity, held)]
		for related in frappe.parse_json(log.related or "{}").values():
			entity, qbo_id = related.split(":", 1)
			records.append((entity, self.world.client.read(entity, qbo_id)))
		if doc.doctype == "Payment Entry" and self.transaction_currency(doc) != "USD":
			self.assertEqual(self.qbo_home_postings(records), self.gl_home_postings(doc))
		else:
			self.assertEqual(self.qbo_postings(records), self.gl_postings(doc))
		if doc.doctype == "Payment Entry":
			self.assert_settles_what_erpnext_settles(doc, held)
		return held

	def assert_settles_what_erpnext_settles(self, payment: Document, held: dict) -> None:
		"""The invoices / bills are left as open as ERPNext leaves them, and no more is left unapplied."""
		if "UnappliedAmt" in held:
			self.assertEqual(money(held["UnappliedAmt"]), money(payment.unallocated_amount), "UnappliedAmt")
		for ref in payment.references:
			log = self.log(ref)
			settled = self.world.client.read(log.qbo_entity, log.qbo_id)
			outstanding = frappe.db.get_value(ref.reference_doctype, ref.reference_name, "outstanding_amount")
			self.assertEqual(
				money(settled["Balance"]), money(abs(outstanding)), f"{ref.reference_name} balance"
			)

	def expected_total(self, doc: Document) -> float | Decimal:
		if doc.doctype == "Payment Entry":
			if doc.payment_type == "Internal Transfer":
				# a journal entry: QuickBooks answers the sum of its debits as its TotalAmt
				return sum((amount for amount in self.gl_postings(doc).values() if amount > 0), ZERO)
			return doc.paid_amount if doc.payment_type == "Receive" else doc.received_amount
		total = doc.grand_total if doc.disable_rounded_total else doc.rounded_total
		if doc.get("write_off_account") and (doc.doctype == "Purchase Invoice" or doc.get("is_pos")):
			# a write-off reduces what the party is owed / owes: a negative line, not part of TotalAmt
			total -= doc.write_off_amount
		return total

	def expected_base_total(self, doc: Document) -> float:
		"""What the GL posts to the party account in company currency (ERPNext's own rule: its rounded total
		only when the rounding adjustment is not zero in company currency)."""
		if doc.doctype == "Payment Entry":  # what the bank account moves
			return doc.base_received_amount if doc.payment_type == "Receive" else doc.base_paid_amount
		if doc.base_rounding_adjustment and doc.base_rounded_total:
			return doc.base_rounded_total
		return doc.base_grand_total

	def expected_tax(self, doc: Document) -> Decimal:
		"""What the GL posts to the tax accounts QuickBooks computes (with discount accounting on the grand total,
		the tax before the discount)."""
		return abs(self.gl_postings(doc).get(TAX, ZERO))

	def transaction_currency(self, doc: Document) -> str:
		if doc.doctype == "Payment Entry":
			return (
				doc.paid_from_account_currency
				if doc.payment_type == "Receive"
				else doc.paid_to_account_currency
			)
		return doc.currency

	def labelled(self, net: dict[str, Decimal]) -> dict[str, Decimal]:
		"""The non-zero amounts of `net`, keyed by account id and name."""
		return {self.world.label(account): amount for account, amount in sorted(net.items()) if amount}

	def computed_tax_accounts(self, doc: Document) -> set[str]:
		"""The tax accounts whose amounts QuickBooks computes (and books to its own tax liability): US, those of
		sales; elsewhere, those of percentage taxes added to the total (not fixed amounts or deductions)."""
		taxes = [row for row in doc.get("taxes") or [] if self.world.ctx.is_tax_account(row.account_head)]
		if self.world.ctx.is_us:
			return {row.account_head for row in taxes} if doc.doctype == "Sales Invoice" else set()
		rate_based = ("On Net Total", "On Previous Row Amount", "On Previous Row Total")
		return {
			row.account_head
			for row in taxes
			if row.charge_type in rate_based and row.get("add_deduct_tax") != "Deduct"
		}

	def gl_postings(self, doc: Document) -> dict[str, Decimal]:
		"""Net debit per QuickBooks account of the document's GL Entries in transaction currency (company currency
		for company-currency documents: ERPNext 15 leaves the transaction-currency amounts of the additional
		discount account's entry at zero); the taxes QuickBooks computes pooled under TAX."""
		net: dict[str, Decimal] = defaultdict(Decimal)
		entries = frappe.get_all(
			"GL Entry",
			filters={"voucher_no": doc.name, "voucher_type": doc.doctype, "is_cancelled": 0},
			fields=[
				"account",
				"debit",
				"credit",
				"debit_in_transaction_currency",
				"credit_in_transaction_currency",
			],
		)
		home = self.transaction_currency(doc) == "USD"
		pooled = self.computed_tax_accounts(doc)
		for entry in entries:
			key = TAX if entry.account in pooled else self.world.qbo_account_of(entry.account)
			if home:
				net[key] += money(entry.debit) - money(entry.credit)
			else:
				net[key] += money(entry.debit_in_transaction_currency) - money(
					entry.credit_in_transaction_currency
				)
		return self.labelled(net)

	def gl_home_postings(self, payment: Document) -> dict[str, Decimal]:
		"""Net debit per QuickBooks account in company currency of a foreign-currency payment's GL Entries and of the
		exchange gain/loss journal ERPNext makes for it (QuickBooks books that difference itself)."""
		journals = frappe.get_all(
			"Journal Entry Account",
			filters={"reference_type": payment.doctype, "reference_name": payment.name, "docstatus": 1},
			pluck="parent",
		)
		net: dict[str, Decimal] = defaultdict(Decimal)
		for voucher_type, voucher_no in [(payment.doctype, payment.name)] + [
			("Journal Entry", j) for j in journals
		]:
			for entry in frappe.get_all(
				"GL Entry",
				filters={"voucher_no": voucher_no, "voucher_type": voucher_type, "is_cancelled": 0},
				fields=["account", "debit", "credit"],
			):
				net[self.world.qbo_account_of(entry.account)] += money(entry.debit) - money(entry.credit)
		return self.labelled(net)

	def qbo_home_postings(self, records: list[tuple[str, dict]]) -> dict[str, Decimal]:
		"""What the records post in home currency, as QuickBooks books a foreign-currency payment: the money at the
		payment's rate, the invoices / bills and credits it settles at their own rates, the difference to exchange
		gain or loss."""
		net: dict[str, Decimal] = defaultdict(Decimal)
		gain_loss = self.world.qbo_account_of(self.account("Exchange Gain/Loss"))
		for entity, held in records:
			rate = Decimal(str(held.get("ExchangeRate", 1)))
			if entity == "JournalEntry":
				for account, debit in self._postings(entity, held):
					net[account] += money(debit * rate)
				continue
			total = money(held["TotalAmt"])
			if not total and not held.get("Line"):
				continue
			receive = entity == "Payment"
			if receive:
				bank, party = held["DepositToAccountRef"]["value"], held["ARAccountRef"]["value"]
			else:
				bank, party = held["CheckPayment"]["BankAccountRef"]["value"], held["APAccountRef"]["value"]
			moved = money(total * rate)
			settled = money(Decimal(str(held.get("UnappliedAmt", 0))) * rate)
			for line in held.get("Line", []):
				link = line["LinkedTxn"][0]
				applied = self.world.client.read(link["TxnType"], link["TxnId"])
				home = money(money(line["Amount"]) * Decimal(str(applied.get("ExchangeRate", 1))))
				settled += (
					-home if link["TxnType"] in ("CreditMemo", "VendorCredit", "JournalEntry") else home
				)
			sign = 1 if receive else -1
			net[bank] += sign * moved
			net[party] -= sign * settled
			net[gain_loss] += sign * (settled - moved)
		return self.labelled(net)

	def qbo_postings(self, records: list[tuple[str, dict]]) -> dict[str, Decimal]:
		"""Net debit per QuickBooks account of what the records post, in transaction currency."""
		net: dict[str, Decimal] = defaultdict(Decimal)
		for entity, held in records:
			for account, debit in self._postings(entity, held):
				net[account] += money(debit)
		return self.labelled(net)

	def _postings(self, entity: str, held: dict) -> list[tuple[str, Decimal]]:
		total = money(held.get("TotalAmt") or 0)
		if entity in ("Invoice", "CreditMemo"):
			sign = 1 if entity == "Invoice" else -1
			postings = [(held["ARAccountRef"]["value"], sign * total)]
			postings.append((TAX, -sign * money(held.get("TxnTaxDetail", {}).get("TotalTax", 0))))
			for line in held["Line"]:
				self.assertIn(
					line["DetailType"], ("SalesItemLineDetail", "DescriptionOnly", "SubTotalLineDetail")
				)
				if line["DetailType"] == "SalesItemLineDetail":
					item_id = line["SalesItemLineDetail"]["ItemRef"]["value"]
					postings.append((self.world.income_account_of(item_id), -sign * money(line["Amount"])))
			return postings
		if entity in ("Bill", "VendorCredit"):
			sign = 1 if entity == "Bill" else -1
			postings = [(held["APAccountRef"]["value"], -sign * total)]
			postings.append((TAX, sign * money(held.get("TxnTaxDetail", {}).get("TotalTax", 0))))
			for line in held["Line"]:
				self.assertIn(line["DetailType"], ("AccountBasedExpenseLineDetail", "SubTotalLineDetail"))
				if line["DetailType"] == "AccountBasedExpenseLineDetail":
					account = line["AccountBasedExpenseLineDetail"]["AccountRef"]["value"]
					postings.append((account, sign * money(line["Amount"])))
			return postings
		if entity == "Payment":
			if not total:
				return []  # a credit applied to an invoice: no money moves
			return [(held["DepositToAccountRef"]["value"], total), (held["ARAccountRef"]["value"], -total)]
		if entity == "BillPayment":
			if not total:
				return []
			paid_from = (
				held.get("CheckPayment", {}).get("BankAccountRef")
				or held["CreditCardPayment"]["CCAccountRef"]
			)
			return [(paid_from["value"], -total), (held["APAccountRef"]["value"], total)]
		if entity == "JournalEntry":
			return [
				(
					line["JournalEntryLineDetail"]["AccountRef"]["value"],
					money(line["Amount"])
					* (1 if line["JournalEntryLineDetail"]["PostingType"] == "Debit" else -1),
				)
				for line in held["Line"]
			]
		raise AssertionError(f"no ledger rule for {entity}")


class TestSalesTaxes(PushMatrixCase):
	def test_on_net_total(self):
		doc = self.push(self.sales_invoice, [self.item(3, 133.33)], [self.tax("ST 6%", rate=6)])
		self.assert_books_agree(doc)

	def test_actual_freight_on_a_non_tax_account_becomes_its_own_line(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(2, 49.95), self.item(1, 12.5)],
			[
				self.tax("ST 6%", rate=6),
				self.tax("Freight and Forwarding Charges", "Actual", tax_amount=25),
			],
		)
		held = self.assert_books_agree(doc)
		freight = [line for line in held["Line"] if line.get("Amount") == Decimal("25")]
		self.assertEqual(len(freight), 1, "the freight is one line of its own")

	def test_on_previous_row_amount(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 33.33)],
			[self.tax("ST 6%", rate=6), self.tax("Eco Fee", "On Previous Row Amount", rate=10, row_id=1)],
		)
		self.assert_books_agree(doc)

	def test_on_previous_row_total(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(7, 14.29)],
			[self.tax("ST 6%", rate=6), self.tax("ST 2%", "On Previous Row Total", rate=2, row_id=1)],
		)
		self.assert_books_agree(doc)

	def test_on_item_quantity(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(4, 25.01), self.item(2.5, 10, item_code=HOURS_ITEM)],
			[self.tax("Eco Fee", "On Item Quantity", rate=0.35)],
		)
		self.assert_books_agree(doc)

	def test_two_tax_rows(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 19.99), self.item(1, 7.77, income_account=self.account("Service"))],
			[self.tax("ST 6%", rate=6), self.tax("ST 2%", rate=2)],
		)
		self.assert_books_agree(doc)

	def test_tax_included_in_the_print_rate(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 10.6), self.item(1, 33.33)],
			[self.tax("ST 6%", rate=6, included_in_print_rate=1)],
		)
		self.assert_books_agree(doc)

	def test_withholding_like_negative_row(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(2, 250.25)],
			[self.tax("ST 6%", rate=6), self.tax("Withholding Tax", rate=-2)],
		)
		self.assert_books_agree(doc)

	def test_withholding_on_an_asset_account_is_a_negative_line(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(2, 250.25)],
			[self.tax("ST 6%", rate=6), self.tax("TDS Receivable", rate=-2)],
		)
		held = self.assert_books_agree(doc)
		self.assertTrue(any(money(line.get("Amount", 0)) == Decimal("-10.01") for line in held["Line"]))

	def test_item_exempt_by_its_item_tax_template(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(2, 49.5), self.item(1, 80, item_tax_template=self.world.template(EXEMPT_TEMPLATE))],
			[self.tax("ST 6%", rate=6)],
		)
		held = self.assert_books_agree(doc)
		codes = [
			line["SalesItemLineDetail"]["TaxCodeRef"]["value"]
			for line in held["Line"]
			if line["DetailType"] == "SalesItemLineDetail" and money(line["Amount"]) != 0
		]
		self.assertEqual(codes[:2], ["TAX", "NON"])

	def test_actual_tax_and_a_tax_on_the_running_total(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 19.99)],
			[
				self.tax("Freight and Forwarding Charges", "Actual", tax_amount=9.95),
				self.tax("Eco Fee", "Actual", tax_amount=1.5),
				self.tax("ST 6%", "On Previous Row Total", rate=6, row_id=2),
			],
		)
		self.assert_books_agree(doc)

	def test_two_taxes_included_in_the_print_rate_and_a_discount_on_the_grand_total(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 10.8), self.item(2, 21.99)],
			[
				self.tax("ST 6%", rate=6, included_in_print_rate=1),
				self.tax("ST 2%", rate=2, included_in_print_rate=1),
			],
			discount_amount=7.77,
			apply_discount_on="Grand Total",
		)
		self.assert_books_agree(doc)

	def test_pos_invoice_paid_with_change_given(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 19.99)],
			[self.tax("ST 6%", rate=6)],
			is_pos=1,
			payments=[{"mode_of_payment": "Cash", "account": self.account("Cash"), "amount": 70}],
			account_for_change_amount=self.account("Cash"),
		)
		self.assertTrue(doc.change_amount)
		self.assert_books_agree(doc)
		held = self.world.client.read("Invoice", self.log(doc).qbo_id)
		self.assertEqual(money(held["Balance"]), ZERO)

	def test_pos_invoice_with_a_write_off(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 19.99)],
			[self.tax("ST 6%", rate=6)],
			is_pos=1,
			payments=[{"mode_of_payment": "Cash", "account": self.account("Cash"), "amount": 63}],
			write_off_amount=0.57,
			write_off_account=self.account("Write Off"),
			write_off_cost_center=self.cost_center,
		)
		self.assertTrue(doc.write_off_amount)
		self.assert_books_agree(doc)
		held = self.world.client.read("Invoice", self.log(doc).qbo_id)
		self.assertEqual(money(held["Balance"]), ZERO)

	def test_deferred_revenue(self):
		doc = self.push(
			self.sales_invoice,
			[
				self.item(
					12,
					49.99,
					enable_deferred_revenue=1,
					deferred_revenue_account=self.account("Deferred Revenue"),
					service_start_date=nowdate(),
					service_end_date=add_days(nowdate(), 364),
				),
				self.item(1, 19.99),
			],
			[self.tax("ST 6%", rate=6)],
		)
		self.assert_books_agree(doc)

	def test_debit_note(self):
		invoice = self.push(self.sales_invoice, [self.item(3, 133.33)], [self.tax("ST 6%", rate=6)])
		doc = self.push(
			self.sales_invoice,
			[self.item(1, 12.34)],
			[self.tax("ST 6%", rate=6)],
			is_debit_note=1,
			return_against=invoice.name,
		)
		self.assert_books_agree(doc)


class TestDiscountsAndLines(PushMatrixCase):
	def test_item_discount_percentage_below_the_price_list_rate(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, None, price_list_rate=49.99, discount_percentage=12.5)],
			[self.tax("ST 6%", rate=6)],
		)
		self.assertLess(doc.items[0].rate, doc.items[0].price_list_rate)
		self.assert_books_agree(doc)

	def test_item_discount_amount(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(4, 42.65, price_list_rate=50, discount_amount=7.35)],
			[self.tax("ST 6%", rate=6)],
		)
		self.assertAlmostEqual(doc.items[0].discount_amount, 7.35)
		self.assert_books_agree(doc)

	def test_additional_discount_on_net_total(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 133.33), self.item(2, 17.45, income_account=self.account("Service"))],
			[self.tax("ST 6%", rate=6)],
			additional_discount_percentage=10,
			apply_discount_on="Net Total",
		)
		self.assertTrue(doc.discount_amount)
		self.assert_books_agree(doc)

	def test_additional_discount_on_grand_total_with_taxes(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 21.99), self.item(1, 5.55)],
			[self.tax("ST 6%", rate=6), self.tax("ST 2%", rate=2)],
			discount_amount=15.55,
			apply_discount_on="Grand Total",
		)
		self.assert_books_agree(doc)

	def test_discount_on_the_grand_total_with_freight_and_tax_on_the_freight(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 21.99), self.item(2, 8.88, income_account=self.account("Service"))],
			[
				self.tax("ST 6%", rate=6),
				self.tax("Freight and Forwarding Charges", "Actual", tax_amount=12.5),
				self.tax("ST 2%", "On Previous Row Amount", rate=2, row_id=2),
			],
			discount_amount=9.99,
			apply_discount_on="Grand Total",
		)
		self.assert_books_agree(doc)

	def test_rounding_adjustment(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 33.37)],
			[self.tax("ST 6%", rate=6)],
			customer=CHF_CUSTOMER,
			currency="CHF",
			conversion_rate=CHF_RATE,
			debit_to=self.account("Debtors CHF"),
		)
		self.assertNotEqual(doc.rounded_total, doc.grand_total)
		self.assert_books_agree(doc)

	def test_return_with_a_rounding_adjustment(self):
		invoice = self.push(
			self.sales_invoice,
			[self.item(3, 33.37), self.item(1, 4.44)],
			[self.tax("ST 6%", rate=6)],
			customer=CHF_CUSTOMER,
			currency="CHF",
			conversion_rate=CHF_RATE,
			debit_to=self.account("Debtors CHF"),
		)
		doc = self.push(self.return_of, invoice, 1, update_outstanding_for_self=0)
		self.assertTrue(doc.rounding_adjustment)
		self.assert_books_agree(doc)
		self.assert_open_as_in_erpnext(invoice)

	def test_rounding_disabled_sends_the_grand_total(self):
		doc = self.push(
			self.sales_invoice, [self.item(3, 33.37)], [self.tax("ST 6%", rate=6)], disable_rounded_total=1
		)
		self.assertFalse(doc.rounding_adjustment)
		self.assert_books_agree(doc)

	def test_repeated_item_free_line_and_fractional_quantity(self):
		doc = self.push(
			self.sales_invoice,
			[
				self.item(2, 19.99),
				self.item(1, 24.5),
				self.item(1, 0),
				self.item(2.5, 13.33, item_code=HOURS_ITEM),
				self.item(0.75, 99.99, item_code=HOURS_ITEM, income_account=self.account("Service")),
			],
			[self.tax("ST 6%", rate=6)],
		)
		held = self.assert_books_agree(doc)
		amounts = [line["Amount"] for line in held["Line"] if line["DetailType"] == "SalesItemLineDetail"]
		# 2.5 x 13.33 = 33.325: whatever ERPNext's rounding method made of it
		self.assertIn(money(doc.items[3].amount), amounts)


class TestDiscountAccounting(PushMatrixCase):
	"""Selling Settings > Enable Discount Accounting, seen by ERPNext and the connector alike (patched in this
	process only: the engine commits, so the shared setting itself must not change)."""

	def discount_accounting(self):
		real = frappe.db.get_single_value

		def get_single_value(doctype, fieldname, *args, **kwargs):
			if (doctype, fieldname) == ("Selling Settings", "enable_discount_accounting"):
				return 1
			return real(doctype, fieldname, *args, **kwargs)

		return patch.object(frappe.db, "get_single_value", side_effect=get_single_value)

	def test_item_discount_posted_to_its_discount_account(self):
		with self.discount_accounting():
			doc = self.push(
				self.sales_invoice,
				[
					self.item(
						3,
						None,
						price_list_rate=49.99,
						discount_percentage=12.5,
						discount_account=self.account("Sales Discounts"),
					),
					self.item(1, 20),
				],
				[self.tax("ST 6%", rate=6)],
			)
			self.assert_books_agree(doc)

	def test_additional_discount_on_net_total_posted_to_its_account(self):
		with self.discount_accounting():
			doc = self.push(
				self.sales_invoice,
				[
					self.item(3, 133.33),
					self.item(1, 80, item_tax_template=self.world.template(EXEMPT_TEMPLATE)),
				],
				[self.tax("ST 6%", rate=6)],
				additional_discount_percentage=10,
				apply_discount_on="Net Total",
				additional_discount_account=self.account("Sales Discounts"),
			)
			self.assert_books_agree(doc)

	def test_additional_discount_on_grand_total_posted_to_its_account(self):
		with self.discount_accounting():
			doc = self.push(
				self.sales_invoice,
				[self.item(3, 21.99), self.item(1, 5.55)],
				[self.tax("ST 6%", rate=6), self.tax("ST 2%", rate=2)],
				discount_amount=15.55,
				apply_discount_on="Grand Total",
				additional_discount_account=self.account("Sales Discounts"),
			)
			self.assert_books_agree(doc)

	def test_cash_discount_without_discount_accounting(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 21.99)],
			[self.tax("ST 6%", rate=6)],
			discount_amount=5,
			apply_discount_on="Grand Total",
			is_cash_or_non_trade_discount=1,
			additional_discount_account=self.account("Sales Discounts"),
		)
		self.assert_books_agree(doc)


class TestPurchaseInvoices(PushMatrixCase):
	def test_paid_at_once(self):
		def paid_bill():
			doc = self.purchase_invoice_doc(
				[self.item(2, 45.55)],
				[self.tax("ST 6%", rate=6)],
				is_paid=1,
				mode_of_payment="Cash",
				cash_bank_account=self.account("Cash"),
			)
			doc.insert(ignore_permissions=True)
			doc.paid_amount = doc.rounded_total or doc.grand_total
			doc.save(ignore_permissions=True)
			doc.submit()
			return doc

		doc = self.push(paid_bill)
		self.assert_books_agree(doc)
		held = self.world.client.read("Bill", self.log(doc).qbo_id)
		self.assertEqual(money(held["Balance"]), ZERO)

	def test_write_off(self):
		doc = self.push(
			self.purchase_invoice,
			[self.item(2, 45.55)],
			[self.tax("ST 6%", rate=6)],
			write_off_amount=0.57,
			write_off_account=self.account("Write Off"),
			write_off_cost_center=self.cost_center,
		)
		self.assert_books_agree(doc)
		held = self.world.client.read("Bill", self.log(doc).qbo_id)
		self.assertEqual(money(held["Balance"]), money(doc.outstanding_amount))

	def test_deduct_row(self):
		doc = self.push(
			self.purchase_invoice,
			[self.item(2, 410.25), self.item(3, 9.99)],
			[self.tax("ST 6%", rate=6), self.tax("Withholding Tax", rate=2, add_deduct_tax="Deduct")],
		)
		self.assert_books_agree(doc)

	def test_freight_taxed_by_a_later_row_and_discounts(self):
		doc = self.push(
			self.purchase_invoice,
			[self.item(3, None, discount_percentage=5, price_list_rate=35.13)],
			[
				self.tax("Freight and Forwarding Charges", "Actual", tax_amount=12.4),
				self.tax("ST 6%", "On Previous Row Total", rate=6, row_id=1),
			],
			additional_discount_percentage=3,
		)
		self.assert_books_agree(doc)


class TestForeignCurrency(PushMatrixCase):
	def eur_invoice(self, items: list[dict], taxes: list[dict] = (), **fields) -> Document:
		return self.push(
			self.sales_invoice,
			items,
			taxes,
			customer=EUR_CUSTOMER,
			currency="EUR",
			conversion_rate=EUR_RATE,
			debit_to=self.account("Debtors EUR"),
			**fields,
		)

	def eur_bill(self, items: list[dict], taxes: list[dict] = (), **fields) -> Document:
		return self.push(
			self.purchase_invoice,
			items,
			taxes,
			supplier=EUR_SUPPLIER,
			currency="EUR",
			conversion_rate=EUR_RATE,
			credit_to=self.account("Creditors EUR"),
			**fields,
		)

	def test_eur_invoice_to_an_eur_customer_on_an_eur_receivable(self):
		doc = self.eur_invoice([self.item(3, 133.33), self.item(1, 7.77)], [self.tax("ST 6%", rate=6)])
		held = self.assert_books_agree(doc)
		self.assertEqual(Decimal(str(held["ExchangeRate"])), Decimal(str(EUR_RATE)))

	def test_eur_invoice_whose_company_currency_lines_add_up_to_more_than_the_converted_total(self):
		# without taxes ERPNext's base total is the sum of the lines converted one by one (3 x 10.85 = 32.55 USD),
		# not the converted total (30.03 x 1.0837 = 32.54): QuickBooks gets the rate that gives 32.55
		for rounding_off in (0, 1):
			doc = self.eur_invoice([self.item(1, 10.01)] * 3, disable_rounded_total=rounding_off)
			held = self.assert_books_agree(doc)
			self.assertEqual(money(held["HomeTotalAmt"]), Decimal("32.55"))
			self.assertEqual(Decimal(str(held["ExchangeRate"])), Decimal("1.0839"))

	def test_eur_bill_from_an_eur_supplier(self):
		doc = self.push(
			self.purchase_invoice,
			[self.item(2, 410.25), self.item(1, 3.33)],
			[self.tax("ST 6%", rate=6)],
			supplier=EUR_SUPPLIER,
			currency="EUR",
			conversion_rate=EUR_RATE,
			credit_to=self.account("Creditors EUR"),
		)
		self.assert_books_agree(doc)

	def test_eur_bill_whose_company_currency_lines_add_up_to_more_than_the_converted_total(self):
		doc = self.push(
			self.purchase_invoice,
			[self.item(1, 10.01)] * 3,
			supplier=EUR_SUPPLIER,
			currency="EUR",
			conversion_rate=EUR_RATE,
			credit_to=self.account("Creditors EUR"),
		)
		held = self.assert_books_agree(doc)
		self.assertEqual(money(held["HomeTotalAmt"]), Decimal("32.55"))

	def test_eur_return_applied_to_its_invoice(self):
		invoice = self.eur_invoice([self.item(3, 133.33)], [self.tax("ST 6%", rate=6)])
		doc = self.push(self.return_of, invoice, 1, update_outstanding_for_self=0)
		self.assert_books_agree(doc)
		self.assert_open_as_in_erpnext(invoice)

	def test_eur_supplier_payment(self):
		bill = self.eur_bill([self.item(2, 410.25)])
		doc = self.push(self.payment, bill)
		self.assert_books_agree(doc)

	def test_eur_receipt(self):
		invoice = self.eur_invoice([self.item(3, 133.33)], [self.tax("ST 6%", rate=6)])
		doc = self.push(self.payment, invoice)
		self.assert_books_agree(doc)
		held = self.world.client.read("Invoice", self.log(invoice).qbo_id)
		self.assertEqual(money(held["Balance"]), ZERO)

	def test_eur_receipt_whose_bank_amount_is_not_the_converted_amount(self):
		invoice = self.eur_invoice([self.item(3, 133.33)], [self.tax("ST 6%", rate=6)])

		# the bank credited less than 423.99 EUR x 1.0837 = 459.48
		doc = self.push(self.payment, invoice, received_amount=455)
		self.assertTrue(any(row.is_exchange_gain_loss for row in doc.deductions))
		held = self.assert_books_agree(doc)
		self.assertEqual(money(held["HomeTotalAmt"]), Decimal("455.00"))

	def test_eur_supplier_payment_whose_bank_amount_is_not_the_converted_amount(self):
		bill = self.eur_bill([self.item(2, 410.25)])

		# the bank charged more than 820.50 EUR x 1.0837 = 889.18
		doc = self.push(self.payment, bill, paid_amount=893.12)
		self.assertTrue(any(row.is_exchange_gain_loss for row in doc.deductions))
		held = self.assert_books_agree(doc)
		self.assertEqual(money(held["HomeTotalAmt"]), Decimal("893.12"))

	def test_eur_receipt_with_a_write_off_in_company_currency(self):
		invoice = self.eur_invoice([self.item(3, 133.33)], [self.tax("ST 6%", rate=6)])

		def receipt():
			doc = get_payment_entry("Sales Invoice", invoice.name, bank_account=self.account("Cash"))
			doc.reference_no, doc.reference_date = "EUR-WRITE-OFF", nowdate()
			# 419.16 EUR x 1.0837 = 454.24 USD of 459.48 USD: 5.24 USD written off, which is no whole number of
			# euro cents (4.84 EUR x 1.0837 = 5.25)
			doc.paid_amount, doc.received_amount = 419.16, 454.24
			doc.set_amounts()
			doc.append(
				"deductions",
				{
					"account": self.account("Write Off"),
					"cost_center": self.cost_center,
					"amount": doc.difference_amount,
				},
			)
			return self.submitted(doc)

		doc = self.push(receipt)
		self.assertEqual(doc.deductions[0].amount, 5.24)
		self.assert_books_agree(doc)

	def test_eur_receipt_with_write_offs_no_exchange_rate_converts_fails_and_says_why(self):
		invoice = self.eur_invoice([self.item(3, 133.33)], [self.tax("ST 6%", rate=6)])

		def receipt():
			doc = get_payment_entry("Sales Invoice", invoice.name, bank_account=self.account("Cash"))
			doc.reference_no, doc.reference_date = "EUR-TWO-WRITE-OFFS", nowdate()
			doc.paid_amount, doc.received_amount = 419.16, 454.24
			for account, amount in (("Write Off", 3), ("Bank Charges", 2.24)):
				doc.append(
					"deductions",
					{"account": self.account(account), "cost_center": self.cost_center, "amount": amount},
				)
			return self.submitted(doc)

		doc = self.push(receipt)

		log = self.log(doc)
		self.assertEqual((log.status, log.error_kind), ("Failed", "permanent"))
		self.assertIn("Put the deductions on one row", log.error)
		for entity in ("Payment", "JournalEntry"):
			written = [held for held in self.world.held(entity) if doc.name in held.get("PrivateNote", "")]
			self.assertEqual(written, [], f"no {entity} for {doc.name}")

	def test_eur_receipt_at_another_rate_than_the_invoice(self):
		invoice = self.eur_invoice([self.item(3, 133.33)], [self.tax("ST 6%", rate=6)])

		def receipt():
			doc = get_payment_entry("Sales Invoice", invoice.name, bank_account=self.account("Cash"))
			doc.reference_no, doc.reference_date = "EUR-RATE", nowdate()
			doc.source_exchange_rate = 1.1021
			doc.received_amount = flt(doc.paid_amount * 1.1021, 2)
			doc.set_amounts()
			return self.submitted(doc)

		doc = self.push(receipt)
		self.assertNotEqual(doc.source_exchange_rate, invoice.conversion_rate)
		self.assert_books_agree(doc)


class TestReturns(PushMatrixCase):
	def invoice(self) -> Document:
		return self.push(
			self.sales_invoice, [self.item(3, 133.33), self.item(2, 12.5)], [self.tax("ST 6%", rate=6)]
		)

	def test_sales_return_applied_to_its_invoice(self):
		invoice = self.invoice()
		doc = self.push(self.return_of, invoice, 1, update_outstanding_for_self=0)
		self.assertFalse(doc.update_outstanding_for_self)
		self.assert_books_agree(doc)
		self.assert_open_as_in_erpnext(invoice)

	def test_sales_return_updating_its_own_outstanding(self):
		invoice = self.invoice()
		doc = self.push(self.return_of, invoice, 1, update_outstanding_for_self=1)
		self.assert_books_agree(doc)
		held = self.world.client.read("Invoice", self.log(invoice).qbo_id)
		self.assertEqual(money(held["Balance"]), money(invoice.rounded_total))

	def test_purchase_return(self):
		bill = self.push(self.purchase_invoice, [self.item(2, 410.25)], [self.tax("ST 6%", rate=6)])
		doc = self.push(self.return_of, bill, 1, update_outstanding_for_self=0)
		self.assert_books_agree(doc)
		held = self.world.client.read("Bill", self.log(bill).qbo_id)
		self.assertEqual(
			money(held["Balance"]),
			money(frappe.db.get_value("Purchase Invoice", bill.name, "outstanding_amount")),
		)


class TestPayments(PushMatrixCase):
	def invoice(self, rate: float = 133.33) -> Document:
		return self.push(self.sales_invoice, [self.item(3, rate)], [self.tax("ST 6%", rate=6)])

	def test_partial_receipt(self):
		invoice = self.invoice()
		doc = self.push(self.payment, invoice, 100)
		self.assert_books_agree(doc)
		held = self.world.client.read("Invoice", self.log(invoice).qbo_id)
		self.assertEqual(money(held["Balance"]), money(invoice.rounded_total) - 100)

	def test_receipt_across_two_invoices(self):
		first, second = self.invoice(), self.invoice(71.17)

		doc = self.push(self.receipt_also_settling, first, second, "TWO-INVOICES")
		self.assert_books_agree(doc)
		for invoice in (first, second):
			held = self.world.client.read("Invoice", self.log(invoice).qbo_id)
			self.assertEqual(money(held["Balance"]), ZERO)

	def test_receipt_for_an_invoice_less_its_open_credit_note(self):
		invoice = self.invoice()
		credit_note = self.push(self.return_of, invoice, 1, update_outstanding_for_self=1)

		doc = self.push(self.receipt_also_settling, invoice, credit_note, "NET-OF-CREDIT")
		self.assert_books_agree(doc)

	def test_supplier_payment(self):
		bill = self.push(self.purchase_invoice, [self.item(2, 410.25)], [self.tax("ST 6%", rate=6)])
		doc = self.push(self.payment, bill)
		self.assert_books_agree(doc)

	def test_internal_transfer(self):
		def transfer():
			return self.submitted(
				frappe.get_doc(
					{
						"doctype": "Payment Entry",
						"payment_type": "Internal Transfer",
						"company": self.world.company,
						"posting_date": nowdate(),
						"paid_from": self.account("Cash"),
						"paid_to": self.account("Checking"),
						"paid_amount": 1250.75,
						"received_amount": 1250.75,
						"reference_no": "TRANSFER",
						"reference_date": nowdate(),
					}
				)
			)

		doc = self.push(transfer)
		self.assertEqual(self.log(doc).qbo_entity, "JournalEntry")
		self.assert_books_agree(doc)

	def test_unallocated_advance(self):
		def advance():
			return self.submitted(
				frappe.get_doc(
					{
						"doctype": "Payment Entry",
						"payment_type": "Receive",
						"company": self.world.company,
						"posting_date": nowdate(),
						"party_type": "Customer",
						"party": CUSTOMER,
						"paid_from": self.account("Debtors"),
						"paid_to": self.account("Cash"),
						"paid_amount": 250.5,
						"received_amount": 250.5,
						"reference_no": "ADVANCE",
						"reference_date": nowdate(),
					}
				)
			)

		doc = self.push(advance)
		held = self.assert_books_agree(doc)
		self.assertEqual(money(held["UnappliedAmt"]), Decimal("250.50"))

	def test_supplier_payment_with_a_discount_taken(self):
		bill = self.push(self.purchase_invoice, [self.item(2, 410.25)], [self.tax("ST 6%", rate=6)])
		outstanding = bill.rounded_total
		doc = self.push(
			self.payment,
			bill,
			deductions=[
				{"account": self.account("Write Off"), "cost_center": self.cost_center, "amount": -8.7},
			],
			paid_amount=outstanding - 8.7,
			received_amount=outstanding - 8.7,
		)
		self.assertEqual(doc.references[0].allocated_amount, outstanding)
		self.assert_books_agree(doc)
		held = self.world.client.read("Bill", self.log(bill).qbo_id)
		self.assertEqual(money(held["Balance"]), ZERO)

	def test_receipt_with_write_off_and_bank_charges_then_cancelled(self):
		invoice = self.invoice()
		outstanding = invoice.rounded_total
		doc = self.push(
			self.payment,
			invoice,
			deductions=[
				{"account": self.account("Write Off"), "cost_center": self.cost_center, "amount": 3},
				{"account": self.account("Bank Charges"), "cost_center": self.cost_center, "amount": 2.25},
			],
			paid_amount=outstanding - 5.25,
			received_amount=outstanding - 5.25,
		)
		self.assertEqual(doc.references[0].allocated_amount, outstanding)
		self.assert_books_agree(doc)
		journal = frappe.parse_json(self.log(doc).related)["before:deductions"]
		self.assertTrue(journal.startswith("JournalEntry:"))
		held = self.world.client.read("Invoice", self.log(invoice).qbo_id)
		self.assertEqual(money(held["Balance"]), ZERO)

		# cancelled: the payment is voided first, which frees its journal to be deleted
		with captured_jobs() as jobs:
			doc.cancel()
		run_job(jobs[0])
		self.assertEqual(self.log(doc).status, "Voided", self.log(doc).error)
		with self.assertRaises(NotFoundError):
			self.world.client.read("JournalEntry", journal.split(":")[1])
		held = self.world.client.read("Invoice", self.log(invoice).qbo_id)
		self.assertEqual(money(held["Balance"]), money(invoice.rounded_total))


class TestNonUSQuickBooks(PushMatrixCase):
	"""A QuickBooks company in the United Kingdom: every line carries a VAT code and QuickBooks computes the VAT."""

	world_options = {
		"company": GB_COMPANY,
		"abbr": GB_ABBR,
		"realm": {"country": "GB"},
		"tax_codes": {
			f"VAT 20% - {GB_ABBR}": "20.0% S",
			f"VAT 5% - {GB_ABBR}": "5.0% R",
			f"Eco Fee - {GB_ABBR}": "No VAT",
			f"Withholding Tax - {GB_ABBR}": "No VAT",
			f"{VAT_EXEMPT_TEMPLATE} - {GB_ABBR}": "Exempt",
			f"{STANDARD_TEMPLATE} - {GB_ABBR}": "20.0% S",
			f"{REDUCED_TEMPLATE} - {GB_ABBR}": "5.0% R",
		},
		"exempt_code": "Exempt",
	}

	def line_codes(self, held: dict) -> list[str]:
		return [
			line[line["DetailType"]]["TaxCodeRef"]["name"]
			for line in held["Line"]
			if line["DetailType"] in ("SalesItemLineDetail", "AccountBasedExpenseLineDetail")
		]

	def test_vat_on_net_total(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 133.33), self.item(2, 17.45, income_account=self.account("Service"))],
			[self.tax("VAT 20%", rate=20)],
		)
		held = self.assert_books_agree(doc)
		self.assertEqual(self.line_codes(held), ["20.0% S", "20.0% S"])

	def test_item_exempt_by_its_item_tax_template_and_a_reduced_rate(self):
		doc = self.push(
			self.sales_invoice,
			[
				self.item(2, 49.5),
				self.item(1, 80, item_tax_template=self.world.template(VAT_EXEMPT_TEMPLATE)),
			],
			[self.tax("VAT 20%", rate=20)],
		)
		held = self.assert_books_agree(doc)
		self.assertEqual(self.line_codes(held), ["20.0% S", "Exempt"])

	def test_standard_and_reduced_rate_lines(self):
		doc = self.push(
			self.sales_invoice,
			[
				self.item(3, 19.99, item_tax_template=self.world.template(STANDARD_TEMPLATE)),
				self.item(2, 7.49, item_tax_template=self.world.template(REDUCED_TEMPLATE)),
				self.item(1, 3.33, item_tax_template=self.world.template(REDUCED_TEMPLATE)),
			],
			[self.tax("VAT 20%", rate=20), self.tax("VAT 5%", rate=5)],
			additional_discount_percentage=7.5,
		)
		held = self.assert_books_agree(doc)
		self.assertEqual(self.line_codes(held), ["20.0% S", "5.0% R", "5.0% R"])

	def test_vat_included_in_the_print_rate(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 10.99), self.item(1, 33.33), self.item(7, 1.99)],
			[self.tax("VAT 20%", rate=20, included_in_print_rate=1)],
		)
		self.assert_books_agree(doc)

	def test_discount_on_the_grand_total(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 21.99), self.item(1, 5.55)],
			[self.tax("VAT 20%", rate=20)],
			discount_amount=15.55,
			apply_discount_on="Grand Total",
		)
		self.assert_books_agree(doc)

	def test_freight_taxed_by_vat_on_the_running_total(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 19.99)],
			[
				self.tax("Freight and Forwarding Charges", "Actual", tax_amount=9.95),
				self.tax("VAT 20%", "On Previous Row Total", rate=20, row_id=1),
			],
		)
		held = self.assert_books_agree(doc)
		self.assertEqual(self.line_codes(held), ["20.0% S", "20.0% S"])

	def test_fixed_amount_and_per_quantity_taxes_are_lines_of_their_own(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(4, 25.01), self.item(2.5, 10, item_code=HOURS_ITEM)],
			[
				self.tax("VAT 20%", rate=20),
				self.tax("VAT 5%", "Actual", tax_amount=3.5),
				self.tax("Eco Fee", "On Item Quantity", rate=0.35),
			],
		)
		self.assert_books_agree(doc)

	def test_bill_with_vat_and_a_deducted_withholding(self):
		doc = self.push(
			self.purchase_invoice,
			[self.item(2, 410.25), self.item(3, 9.99)],
			[self.tax("VAT 20%", rate=20), self.tax("Withholding Tax", rate=2, add_deduct_tax="Deduct")],
		)
		self.assert_books_agree(doc)

	def test_return_applied_to_its_invoice(self):
		invoice = self.push(
			self.sales_invoice, [self.item(3, 133.33), self.item(2, 12.5)], [self.tax("VAT 20%", rate=20)]
		)
		doc = self.push(self.return_of, invoice, 1, update_outstanding_for_self=0)
		self.assert_books_agree(doc)
		self.assert_open_as_in_erpnext(invoice)

	def test_eur_invoice(self):
		doc = self.push(
			self.sales_invoice,
			[self.item(3, 133.33), self.item(1, 7.77)],
			[self.tax("VAT 20%", rate=20)],
			customer=EUR_CUSTOMER,
			currency="EUR",
			conversion_rate=EUR_RATE,
			debit_to=self.account("Debtors EUR"),
		)
		self.assert_books_agree(doc)
