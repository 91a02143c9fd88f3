"""What a brand-new QuickBooks Online company contains (qbo-api.md §3.4-3.6, §8, §9).

A realm starts with a default chart of accounts, the standard payment terms and the tax setup of its country: US companies get the pseudo tax codes ``TAX``/``NON`` (no automated sales-tax
engine), other countries get real tax codes with sales and purchase rates (GB VAT, CA GST/HST, AU GST,
otherwise a generic "Standard 10%"/"Zero 0%" pair). CompanyInfo and Preferences reflect the settings.

Simplifications: the chart of accounts is a representative subset of what Intuit creates, account balances
are not tracked, and every realm is on the "QuickBooks Online Plus" offering.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

CURRENCY_NAMES = {
	"USD": "United States Dollar",
	"GBP": "British Pound Sterling",
	"EUR": "Euro",
	"CAD": "Canadian Dollar",
	"AUD": "Australian Dollar",
	"INR": "Indian Rupee",
	"NZD": "New Zealand Dollar",
}
HOME_CURRENCY_BY_COUNTRY = {"US": "USD", "GB": "GBP", "CA": "CAD", "AU": "AUD", "IN": "INR", "NZ": "NZD"}
EURO_COUNTRIES = {"AT", "BE", "DE", "ES", "FI", "FR", "IE", "IT", "NL", "PT"}
ALPHA3 = {"US": "USA", "GB": "GBR", "CA": "CAN", "AU": "AUS", "IN": "IND", "FR": "FRA", "NZ": "NZL"}


@dataclass
class CompanySettings:
	"""The per-realm switches a test can choose when it creates a realm."""

	country: str = "US"
	home_currency: str = ""
	multicurrency: bool = False
	custom_txn_numbers: bool = True
	allow_discount: bool = True
	company_name: str = "Emulated Company"

	def __post_init__(self) -> None:
		self.country = str(self.country).upper()
		if len(self.country) != 2 or not self.country.isalpha():
			raise ValueError(f"country must be an ISO 3166 alpha-2 code, got {self.country!r}")
		self.home_currency = str(self.home_currency or default_currency(self.country)).upper()
		if len(self.home_currency) != 3 or not self.home_currency.isalpha():
			raise ValueError(f"home_currency must be an ISO 4217 code, got {self.home_currency!r}")

	@property
	def is_us(self) -> bool:
		return self.country == "US"

	def to_json(self) -> dict[str, Any]:
		return asdict(self)


def default_currency(country: str) -> str:
	if country in EURO_COUNTRIES:
		return "EUR"
	return HOME_CURRENCY_BY_COUNTRY.get(country, "USD")


def currency_ref(code: str) -> dict[str, str]:
	return {"value": code, "name": CURRENCY_NAMES.get(code, code)}


# Name, AccountType, AccountSubType. Keys name the accounts the emulator's rules look up by role.
DEFAULT_ACCOUNTS: dict[str, tuple[str, str, str]] = {
	"receivable": ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
	"payable": ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable"),
	"undeposited": ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
	"checking": ("Checking", "Bank", "Checking"),
	"savings": ("Savings", "Bank", "Savings"),
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

# Country -> [(tax code name, description, rate percent)]; one sales and one purchase TaxRate per code.
TAX_CODES: dict[str, list[tuple[str, str, str]]] = {
	"GB": [
		("20.0% S", "Standard rate", "20"),
		("5.0% R", "Reduced rate", "5"),
		("0.0% Z", "Zero rated", "0"),
		("Exempt", "Exempt", "0"),
		("No VAT", "Outside the scope of VAT", "0"),
	],
	"CA": [("GST", "GST", "5"), ("HST ON", "HST Ontario", "13"), ("Exempt", "Exempt", "0")],
	"AU": [("GST", "GST", "10"), ("GST free", "GST free", "0")],
}
GENERIC_TAX_CODES = [("Standard 10%", "Standard rate", "10"), ("Zero 0%", "Zero rate", "0")]


def tax_codes_for(country: str) -> list[tuple[str, str, str]]:
	return TAX_CODES.get(country, GENERIC_TAX_CODES)


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
	return {
		"AccountingInfoPrefs": {
			"TrackDepartments": False,
			"ClassTrackingPerTxn": False,
			"ClassTrackingPerTxnLine": False,
			"UseAccountNumbers": False,
			"CustomerTerminology": "Customers",
		},
		"SalesFormsPrefs": {
			"CustomTxnNumbers": settings.custom_txn_numbers,
			"AllowDiscount": settings.allow_discount,
			"DefaultDiscountAccount": discount_account_id,
			"DefaultTerms": {"value": default_terms_id},
			"AllowDeposit": False,
			"AllowShipping": False,
			"AutoApplyCredit": True,
		},
		"TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": False},
		"CurrencyPrefs": {
			"HomeCurrency": {"value": settings.home_currency},
			"MultiCurrencyEnabled": settings.multicurrency,
		},
		"OtherPrefs": {
			"NameValue": [
				{"Name": "WarnDuplicateBillNumber", "Value": "true"},
				{"Name": "WarnDuplicateJournalNumber", "Value": "false"},
			]
		},
	}
