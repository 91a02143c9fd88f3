"""What a brand-new QuickBooks Online company contains (qbo-api.md §3.4-3.6, §8, §9).

Countries are given as QBO writes ``CompanyInfo.Country``: ``US``, ``CA``, ``GB`` (not "UK"), ``AU``, ``IN``
and ``FR`` — the countries with a QuickBooks Online edition the emulator models. Any other code is refused
when the company is created rather than given made-up tax codes.

A new company has a default chart of accounts (French companies: with Plan Comptable Général account numbers,
which QBO requires there), the standard payment terms, the payment methods of its country and its tax set-up:
US companies have the pseudo tax codes ``TAX``/``NON`` and no tax agency (QBO's automated sales tax is not
emulated); the other countries have their tax agency and real tax codes with sales and purchase rates
(GB VAT 20/5/0 %, Exempt, No VAT; CA GST 5 %, HST ON 13 %, Zero-rated, Exempt; AU GST 10 %, GST free,
Input taxed; IN GST 5/12/18/28 % as CGST+SGST groups, IGST 18 %, Exempt; FR TVA 20/10/5.5/2.1 %, Exonéré).
CompanyInfo and Preferences (every section QBO returns) reflect the settings. ``sample_data`` adds a few
customers, vendors, employees, items, classes, departments and transactions (see sample.py).

Simplifications: the chart of accounts is a representative subset of what Intuit creates (English names in
every country), account balances are not tracked, and every realm is on the "QuickBooks Online Plus" offering.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from quickbooks_connector.emulator.rates import currency_name, is_known

HOME_CURRENCY_BY_COUNTRY = {"US": "USD", "GB": "GBP", "CA": "CAD", "AU": "AUD", "IN": "INR", "FR": "EUR"}
SUPPORTED_COUNTRIES = tuple(HOME_CURRENCY_BY_COUNTRY)
ALPHA3 = {"US": "USA", "GB": "GBR", "CA": "CAN", "AU": "AUS", "IN": "IND", "FR": "FRA"}


@dataclass
class CompanySettings:
	"""The per-realm switches a test can choose when it creates a realm."""

	country: str = "US"
	home_currency: str = ""
	multicurrency: bool = False
	custom_txn_numbers: bool = True
	allow_discount: bool = True
	company_name: str = "Emulated Company"
	preferences: dict[str, Any] = field(default_factory=dict)  # Preferences sections applied at creation
	sample_data: bool = False

	def __post_init__(self) -> None:
		self.country = str(self.country).upper()
		if self.country not in SUPPORTED_COUNTRIES:
			hint = ' (QuickBooks writes the United Kingdom as "GB")' if self.country == "UK" else ""
			raise ValueError(
				f"country {self.country!r} is not a QuickBooks Online country the emulator models{hint}; "
				f"use one of {', '.join(SUPPORTED_COUNTRIES)}"
			)
		self.home_currency = str(self.home_currency or default_currency(self.country)).upper()
		if not is_known(self.home_currency):
			raise ValueError(
				f"home_currency must be an ISO 4217 code the emulator knows, got {self.home_currency!r}"
			)
		if not isinstance(self.preferences, dict):
			raise ValueError("preferences must be an object of Preferences sections")

	@classmethod
	def from_json(cls, data: dict[str, Any]) -> CompanySettings:
		known = {item.name for item in fields(cls)}
		return cls(**{key: value for key, value in data.items() if key in known})

	@property
	def is_us(self) -> bool:
		return self.country == "US"

	def to_json(self) -> dict[str, Any]:
		return asdict(self)


def default_currency(country: str) -> str:
	return HOME_CURRENCY_BY_COUNTRY.get(country, "USD")


def currency_ref(code: str) -> dict[str, str]:
	return {"value": code, "name": currency_name(code)}


# Name, AccountType, AccountSubType. Keys name the accounts the emulator's rules look up by role.
# Order = Id order. Unsorted queries answer in Id order, and clients that take "the first account" of a kind
# (a widely used client's sandbox tests take the first account as a payable account, and the first non-A/R
# assets as bank accounts) find what they find in a real company's name-sorted lists.
DEFAULT_ACCOUNTS: dict[str, tuple[str, str, str]] = {
	"payable": ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable"),
	"checking": ("Checking", "Bank", "Checking"),
	"savings": ("Savings", "Bank", "Savings"),
	"receivable": ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
	"undeposited": ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
	"credit_card": ("Mastercard", "Credit Card", "CreditCard"),
	"inventory": ("Inventory Asset", "Other Current Asset", "Inventory"),
	"product_income": ("Sales of Product Income", "Income", "SalesOfProductIncome"),
	"service_income": ("Services", "Income", "ServiceFeeIncome"),
	"discounts": ("Discounts given", "Income", "DiscountsRefundsGiven"),
	"cogs": ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
	"advertising": ("Advertising", "Expense", "AdvertisingPromotional"),
	"office": ("Office Expenses", "Expense", "OfficeGeneralAdministrativeExpenses"),
	"rent": ("Rent or Lease", "Expense", "RentOrLeaseOfBuildings"),
	"travel": ("Travel", "Expense", "Travel"),
	"utilities": ("Utilities", "Expense", "Utilities"),
	"exchange": ("Exchange Gain or Loss", "Other Expense", "ExchangeGainOrLoss"),
	"tax_payable": ("Sales Tax Payable", "Other Current Liability", "SalesTaxPayable"),
	"opening_equity": ("Opening Balance Equity", "Equity", "OpeningBalanceEquity"),
	"retained_earnings": ("Retained Earnings", "Equity", "RetainedEarnings"),
}
NON_US_TAX_ACCOUNT = ("Tax Liability", "Other Current Liability", "GlobalTaxPayable")

# AccountType -> (Classification, default AccountSubType)
ACCOUNT_TYPES: dict[str, tuple[str, str]] = {
	"Bank": ("Asset", "CashOnHand"),
	"Other Current Asset": ("Asset", "EmployeeCashAdvances"),
	"Fixed Asset": ("Asset", "OtherFixedAssets"),
	"Other Asset": ("Asset", "OtherLongTermAssets"),
	"Accounts Receivable": ("Asset", "AccountsReceivable"),
	"Equity": ("Equity", "OpeningBalanceEquity"),
	"Expense": ("Expense", "Travel"),
	"Other Expense": ("Expense", "Depreciation"),
	"Cost of Goods Sold": ("Expense", "CostOfLaborCos"),
	"Accounts Payable": ("Liability", "AccountsPayable"),
	"Credit Card": ("Liability", "CreditCard"),
	"Long Term Liability": ("Liability", "NotesPayable"),
	"Other Current Liability": ("Liability", "OtherCurrentLiabilities"),
	"Income": ("Revenue", "OtherPrimaryIncome"),
	"Other Income": ("Revenue", "OtherMiscellaneousIncome"),
}
# Only these account types can hold a foreign currency.
CURRENCY_ACCOUNT_TYPES = {"Bank", "Credit Card", "Accounts Receivable", "Accounts Payable"}

DEFAULT_TERMS: list[tuple[str, int]] = [("Due on receipt", 0), ("Net 15", 15), ("Net 30", 30), ("Net 60", 60)]
DEFAULT_TERM_NAME = "Net 30"

# Country -> [(tax code name, description, [(rate name, percent)])]; each rate exists once for sales and once
# for purchases ("<name> (Purchases)"); a code with two rates is a tax group.
TAX_CODES: dict[str, list[tuple[str, str, list[tuple[str, str]]]]] = {
	"GB": [
		("20.0% S", "Standard rate", [("20.0% S", "20")]),
		("5.0% R", "Reduced rate", [("5.0% R", "5")]),
		("0.0% Z", "Zero rated", [("0.0% Z", "0")]),
		("Exempt", "Exempt", [("Exempt", "0")]),
		("No VAT", "Outside the scope of VAT", [("No VAT", "0")]),
	],
	"CA": [
		("GST", "GST", [("GST", "5")]),
		("HST ON", "HST Ontario", [("HST ON", "13")]),
		("Zero-rated", "Zero-rated", [("Zero-rated", "0")]),
		("Exempt", "Exempt", [("Exempt", "0")]),
	],
	"AU": [
		("GST", "GST", [("GST", "10")]),
		("GST free", "GST free", [("GST free", "0")]),
		("Input taxed", "Input taxed", [("Input taxed", "0")]),
	],
	"IN": [
		("GST 5%", "GST 5%", [("CGST 2.5%", "2.5"), ("SGST 2.5%", "2.5")]),
		("GST 12%", "GST 12%", [("CGST 6%", "6"), ("SGST 6%", "6")]),
		("GST 18%", "GST 18%", [("CGST 9%", "9"), ("SGST 9%", "9")]),
		("GST 28%", "GST 28%", [("CGST 14%", "14"), ("SGST 14%", "14")]),
		("IGST 18%", "IGST 18%", [("IGST 18%", "18")]),
		("Exempt", "Exempt", [("Exempt", "0")]),
	],
	"FR": [
		("TVA 20%", "Taux normal", [("TVA 20%", "20")]),
		("TVA 10%", "Taux intermédiaire", [("TVA 10%", "10")]),
		("TVA 5,5%", "Taux réduit", [("TVA 5,5%", "5.5")]),
		("TVA 2,1%", "Taux particulier", [("TVA 2,1%", "2.1")]),
		("Exonéré", "Exonéré", [("Exonéré", "0")]),
	],
}
TAX_AGENCIES = {
	"GB": "HM Revenue & Customs",
	"CA": "Canada Revenue Agency",
	"AU": "Australian Taxation Office",
	"IN": "Goods and Services Tax Network",
	"FR": "Direction générale des Finances publiques",
}
PAYMENT_METHODS: dict[str, list[tuple[str, str]]] = {
	"US": [
		("Cash", "NON_CREDIT_CARD"),
		("Check", "NON_CREDIT_CARD"),
		("Visa", "CREDIT_CARD"),
		("MasterCard", "CREDIT_CARD"),
		("American Express", "CREDIT_CARD"),
		("Discover", "CREDIT_CARD"),
		("Diners Club", "CREDIT_CARD"),
	],
	"other": [
		("Cash", "NON_CREDIT_CARD"),
		("Cheque", "NON_CREDIT_CARD"),
		("Direct Debit", "NON_CREDIT_CARD"),
		("Bank Transfer", "NON_CREDIT_CARD"),
		("Visa", "CREDIT_CARD"),
		("MasterCard", "CREDIT_CARD"),
		("American Express", "CREDIT_CARD"),
	],
}
# Plan Comptable Général numbers for French companies (QBO requires AcctNum there).
FR_ACCOUNT_NUMBERS = {
	"receivable": "411000",
	"payable": "401000",
	"undeposited": "511000",
	"checking": "512000",
	"savings": "512100",
	"credit_card": "519000",
	"inventory": "370000",
	"product_income": "707000",
	"service_income": "706000",
	"discounts": "709000",
	"cogs": "607000",
	"advertising": "623000",
	"office": "606400",
	"rent": "613200",
	"travel": "625100",
	"utilities": "606100",
	"exchange": "666000",
	"tax_payable": "445700",
	"opening_equity": "101000",
	"retained_earnings": "110000",
}


def tax_codes_for(country: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
	return TAX_CODES.get(country, [])


def payment_methods_for(country: str) -> list[tuple[str, str]]:
	return PAYMENT_METHODS["US" if country == "US" else "other"]


def us_pseudo_tax_codes() -> list[dict[str, Any]]:
	"""US companies expose ``TAX``/``NON`` instead of real tax codes (their Ids are the names)."""
	return [
		{
			"Id": "TAX",
			"Name": "TAX",
			"Description": "TAX",
			"Taxable": True,
			"TaxGroup": False,
			"Active": True,
		},
		{
			"Id": "NON",
			"Name": "NON",
			"Description": "NON",
			"Taxable": False,
			"TaxGroup": False,
			"Active": True,
		},
	]


def company_info(settings: CompanySettings, start_date: str) -> dict[str, Any]:
	address = {
		"Line1": "1 Emulator Way",
		"City": "Mountain View",
		"Country": ALPHA3.get(settings.country, ""),
	}
	return {
		"CompanyName": settings.company_name,
		"LegalName": settings.company_name,
		"CompanyAddr": address,
		"LegalAddr": dict(address),
		"CustomerCommunicationAddr": dict(address),
		"Country": settings.country,
		"Email": {"Address": "books@example.com"},
		"FiscalYearStartMonth": "January",
		"CompanyStartDate": start_date,
		"SupportedLanguages": "en",
		"NameValue": [
			{"Name": "NeoEnabled", "Value": "true"},
			{"Name": "IsQbdtMigrated", "Value": "false"},
			{"Name": "SubscriptionStatus", "Value": "SUBSCRIBED"},
			{"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
			{"Name": "PayrollFeature", "Value": "false"},
			{"Name": "AccountantFeature", "Value": "false"},
			{"Name": "ItemCategoriesFeature", "Value": "true"},
		],
	}


def preferences(settings: CompanySettings, default_terms_id: str, discount_account_id: str) -> dict[str, Any]:
	"""Every section QBO returns for a new company of the given settings."""
	message = "We appreciate your business. Please find your {0} details here. Feel free to contact us."
	return {
		"AccountingInfoPrefs": {
			"FirstMonthOfFiscalYear": "January",
			"UseAccountNumbers": settings.country == "FR",
			"TaxYearMonth": "January",
			"ClassTrackingPerTxn": False,
			"ClassTrackingPerTxnLine": False,
			"TrackDepartments": False,
			"DepartmentTerminology": "Location",
			"CustomerTerminology": "Customers",
		},
		"ProductAndServicesPrefs": {
			"ForSales": True,
			"ForPurchase": True,
			"QuantityWithPriceAndRate": True,
			"QuantityOnHand": True,
		},
		"SalesFormsPrefs": {
			"CustomField": [
				{
					"CustomField": [
						{
							"Name": f"SalesFormsPrefs.UseSalesCustom{n}",
							"Type": "BooleanType",
							"BooleanValue": False,
						}
						for n in (1, 2, 3)
					]
				}
			],
			"CustomTxnNumbers": settings.custom_txn_numbers,
			"AllowDeposit": False,
			"AllowDiscount": settings.allow_discount,
			"DefaultDiscountAccount": discount_account_id,
			"AllowEstimates": True,
			"AllowServiceDate": False,
			"AllowShipping": False,
			"DefaultShippingAccount": False,
			"DefaultTerms": {"value": default_terms_id},
			"AutoApplyCredit": True,
			"AutoApplyPayments": True,
			"EmailCopyToCompany": False,
			"ETransactionEnabledStatus": "NotApplicable",
			"ETransactionAttachPDF": False,
			"ETransactionPaymentEnabled": False,
			"IPNSupportEnabled": False,
			"UsingPriceLevels": False,
			"UsingProgressInvoicing": False,
			"PrintItemWithZeroAmount": False,
		},
		"EmailMessagesPrefs": {
			"InvoiceMessage": {"Subject": "Invoice from {CompanyName}", "Message": message.format("invoice")},
			"EstimateMessage": {
				"Subject": "Estimate from {CompanyName}",
				"Message": message.format("estimate"),
			},
			"SalesReceiptMessage": {
				"Subject": "Sales Receipt from {CompanyName}",
				"Message": message.format("sales receipt"),
			},
			"StatementMessage": {
				"Subject": "Statement from {CompanyName}",
				"Message": message.format("statement"),
			},
		},
		"VendorAndPurchasesPrefs": {
			"TrackingByCustomer": True,
			"BillableExpenseTracking": True,
			"DefaultTerms": {"value": default_terms_id},
			"DefaultMarkup": 0,
			"POCustomField": [
				{
					"CustomField": [
						{
							"Name": f"PurchasePrefs.UsePurchaseCustom{n}",
							"Type": "BooleanType",
							"BooleanValue": False,
						}
						for n in (1, 2, 3)
					]
				}
			],
		},
		"TimeTrackingPrefs": {
			"UseServices": True,
			"BillCustomers": True,
			"ShowBillRateToAll": False,
			"WorkWeekStartDate": "Monday",
			"MarkTimeEntriesBillable": True,
		},
		"TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": False},
		"CurrencyPrefs": {
			"HomeCurrency": {"value": settings.home_currency},
			"MultiCurrencyEnabled": settings.multicurrency,
		},
		"ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
		"OtherPrefs": {
			"NameValue": [
				{"Name": "SalesFormsPrefs.DefaultCustomerMessage", "Value": "Thank you for your business."},
				{"Name": "SalesFormsPrefs.DefaultItem", "Value": ""},
				{"Name": "DTXCopyMemo", "Value": "false"},
				{"Name": "UncategorizedAssetAccountId", "Value": ""},
				{"Name": "WarnDuplicateCheckNumber", "Value": "true"},
				{"Name": "WarnDuplicateBillNumber", "Value": "true"},
				{"Name": "WarnDuplicateJournalNumber", "Value": "false"},
				{"Name": "SignoutInactiveMinutes", "Value": "60"},
			]
		},
	}
