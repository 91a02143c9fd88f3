"""What the mapping needs to know about the QuickBooks company and the user's mapping choices.

The caller builds one `MappingContext` from QuickBooks Settings (and the QuickBooks company's Preferences) before
mapping documents; the mapping never reads settings itself. Every ERPNext account a document posts to must be in
`account_map`, including the company's round-off, write-off and discount accounts when a document uses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from quickbooks_connector.mapping.naming import doc_number

US = "US"
CREDIT_CARD = "Credit Card"


@dataclass(frozen=True)
class QBOAccountRef:
	"""A QuickBooks account: Id, Name and AccountType (e.g. "Income", "Bank", "Credit Card")."""

	id: str
	name: str
	account_type: str = ""

	def ref(self) -> dict:
		return {"value": self.id, "name": self.name}


@dataclass(frozen=True)
class QBOTaxCodeRef:
	id: str
	name: str = ""

	def ref(self) -> dict:
		return {"value": self.id, "name": self.name} if self.name else {"value": self.id}


@dataclass(frozen=True)
class QBOListRef:
	"""A record of a QuickBooks name list a transaction names: a Class or a Department (Location)."""

	id: str
	name: str = ""

	def ref(self) -> dict:
		return {"value": self.id, "name": self.name} if self.name else {"value": self.id}


@dataclass(frozen=True)
class MappingContext:
	"""Settings for one ERPNext company connected to one QuickBooks company.

	- qbo_country: QuickBooks CompanyInfo.Country; "US" (TAX/NON line codes, explicit TotalTax) or any other country
	  (a real tax code on every line, QuickBooks computes the tax).
	- account_map: ERPNext account name -> QuickBooks account.
	- tax_accounts: ERPNext accounts whose account_type is "Tax". Tax-table rows on other accounts (freight,
	  insurance...) are charges and become lines of their own.
	- tax_code_map: ERPNext tax account or Item Tax Template name -> QuickBooks tax code. Non-US: required for
	  every tax account that taxes a line. US: optional; when present it becomes TxnTaxCodeRef on sales.
	- exempt_tax_code: non-US code for lines that bear no tax (and for charge, rounding and write-off lines).
	- round_off_account: the ERPNext company's round_off_account (rounding adjustments and cent differences).
	- default_bank_account: ERPNext bank/cash account whose QuickBooks twin a zero-amount Bill Payment names when a
	  vendor credit is applied to a bill (QuickBooks wants a bank account even when no money moves).
	- custom_txn_numbers: QuickBooks Preferences SalesFormsPrefs.CustomTxnNumbers. On: Invoices and Credit Memos
	  carry the ERPNext name as DocNumber. Off: QuickBooks numbers its sales forms itself, so none is sent (Intuit
	  warns that a sent one can lead to duplicates) and the sync record shows QuickBooks' number. Bills, Vendor
	  Credits, Bill Payments and Journal Entries are never numbered by QuickBooks and always carry one.
	- class_map: ERPNext cost center -> QuickBooks Class; used only when `track_classes` is on (see dimensions.py).
	  `class_per_transaction`: QuickBooks Preferences AccountingInfoPrefs.ClassTrackingPerTxn (one class on a sales
	  form instead of one per line).
	- department_field: the fieldname of the accounting dimension sent as the QuickBooks Department (Location),
	  e.g. "project"; None: no Department is sent. `department_label` names it in messages ("Project");
	  department_map: the dimension's value -> QuickBooks Department.
	- stock_journals: how stock and cost of goods postings are sent (mapping.stock): "" (not sent), "Per voucher"
	  or "Daily summary".
	- sales_discount_accounting: Selling Settings > Enable Discount Accounting. None = infer it per document from
	  the presence of item discount accounts / an additional discount account. (ERPNext 15 has no discount
	  accounting on purchases: Purchase Invoices always post net amounts.)
	"""

	qbo_country: str
	qbo_home_currency: str
	multicurrency: bool
	company_currency: str
	account_map: Mapping[str, QBOAccountRef] = field(default_factory=dict)
	tax_accounts: frozenset[str] = frozenset()
	tax_code_map: Mapping[str, QBOTaxCodeRef] = field(default_factory=dict)
	exempt_tax_code: QBOTaxCodeRef | None = None
	round_off_account: str | None = None
	default_bank_account: str | None = None
	sales_discount_accounting: bool | None = None
	custom_txn_numbers: bool = True
	track_classes: bool = False
	class_per_transaction: bool = False
	class_map: Mapping[str, QBOListRef] = field(default_factory=dict)
	department_field: str | None = None
	department_label: str = ""
	department_map: Mapping[str, QBOListRef] = field(default_factory=dict)
	stock_journals: str = ""

	def __post_init__(self) -> None:
		country = (self.qbo_country or "").strip().upper()
		object.__setattr__(self, "qbo_country", US if country in ("US", "USA") else country)
		object.__setattr__(self, "qbo_home_currency", self.qbo_home_currency.upper())
		object.__setattr__(self, "company_currency", self.company_currency.upper())
		object.__setattr__(self, "tax_accounts", frozenset(self.tax_accounts))

	@property
	def is_us(self) -> bool:
		return self.qbo_country == US

	def sales_form_number(self, name: str) -> str | None:
		"""The DocNumber an Invoice or Credit Memo is sent with (see `custom_txn_numbers`)."""
		return doc_number(name) if self.custom_txn_numbers else None

	def is_tax_account(self, account: str | None) -> bool:
		return bool(account) and account in self.tax_accounts
