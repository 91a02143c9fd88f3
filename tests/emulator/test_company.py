"""A new company looks like a new QuickBooks company of its country, optionally with sample data."""

import pytest

from .support import account_id, make_customer, make_item, ok, sales_line


@pytest.mark.parametrize("country", ["UK", "XX", "DE", "usa"])
def test_unknown_country_codes_are_refused(admin, country):
	with pytest.raises(RuntimeError, match=" 400 "):
		admin.create_realm(country=country)


def test_uk_is_refused_with_the_code_quickbooks_uses(admin):
	with pytest.raises(RuntimeError, match="United Kingdom"):
		admin.create_realm(country="UK")


@pytest.mark.parametrize(
	("country", "currency", "agency", "method"),
	[
		("US", "USD", None, "Check"),
		("GB", "GBP", "HM Revenue & Customs", "Cheque"),
		("CA", "CAD", "Canada Revenue Agency", "Cheque"),
		("AU", "AUD", "Australian Taxation Office", "Cheque"),
		("IN", "INR", "Goods and Services Tax Network", "Cheque"),
		("FR", "EUR", "Direction générale des Finances publiques", "Cheque"),
	],
)
def test_new_company_of_each_country(make_api, country, currency, agency, method):
	api = make_api(country=country)
	info = ok(api.get(f"companyinfo/{api.realm_id}"))["CompanyInfo"]
	prefs = ok(api.get("preferences"))["Preferences"]
	agencies = api.query("select * from TaxAgency").get("TaxAgency", [])
	methods = {row["Name"] for row in api.query("select * from PaymentMethod")["PaymentMethod"]}
	terms = {row["Name"] for row in api.query("select * from Term")["Term"]}

	assert info["Country"] == country
	assert prefs["CurrencyPrefs"]["HomeCurrency"]["value"] == currency
	assert [row["DisplayName"] for row in agencies] == ([agency] if agency else [])
	assert method in methods and "Cash" in methods
	assert {"Net 30", "Due on receipt"} <= terms


def test_indian_gst_codes_are_groups_of_central_and_state_rates(make_api):
	api = make_api(country="IN")
	code = api.query("select * from TaxCode where Name = 'GST 18%'")["TaxCode"][0]
	invoice = api.create(
		"Invoice",
		{
			"CustomerRef": {"value": make_customer(api)["Id"]},
			"Line": [sales_line(make_item(api)["Id"], 1, 100, TaxCodeRef={"value": code["Id"]})],
		},
	)

	assert code["TaxGroup"] is True and len(code["SalesTaxRateList"]["TaxRateDetail"]) == 2
	assert invoice["TxnTaxDetail"]["TotalTax"] == 18
	assert sorted(line["Amount"] for line in invoice["TxnTaxDetail"]["TaxLine"]) == [9, 9]


def test_french_accounts_carry_plan_comptable_numbers(make_api):
	api = make_api(country="FR")
	accounts = api.query("select * from Account maxresults 1000")["Account"]

	assert all(len(account["AcctNum"]) == 6 for account in accounts)
	assert ok(api.get("preferences"))["Preferences"]["AccountingInfoPrefs"]["UseAccountNumbers"] is True


def test_existing_realm_defaults_stay(api):
	prefs = ok(api.get("preferences"))["Preferences"]

	assert prefs["CurrencyPrefs"] == {"HomeCurrency": {"value": "USD"}, "MultiCurrencyEnabled": False}
	assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is True
	assert {row["Id"] for row in api.query("select * from TaxCode")["TaxCode"]} == {"TAX", "NON"}
	assert account_id(api, "Checking")


@pytest.mark.parametrize("country", ["US", "GB", "IN", "FR"])
def test_sample_company_has_data_to_read(make_api, country):
	api = make_api(country=country, sample_data=True, multicurrency=True)
	counts = {
		entity: ok(api.get("query", query=f"select count(*) from {entity}"))["QueryResponse"]["totalCount"]
		for entity in (
			"Customer",
			"Vendor",
			"Employee",
			"Item",
			"Class",
			"Department",
			"Invoice",
			"Bill",
			"Payment",
			"BillPayment",
			"SalesReceipt",
			"Estimate",
			"Purchase",
			"TimeActivity",
			"RecurringTransaction",
		)
	}
	inventory = api.query("select * from Item where Type = 'Inventory'")["Item"]
	open_invoices = api.query("select * from Invoice where Balance > '0'")["Invoice"]

	assert all(count > 0 for count in counts.values()), counts
	assert counts["Customer"] >= 4 and counts["Invoice"] == 6 and counts["Payment"] == 5
	assert inventory and len(open_invoices) == 3


def test_us_sample_company_has_a_sales_tax_code(make_api):
	api = make_api(sample_data=True)
	codes = {row["Name"] for row in api.query("select * from TaxCode")["TaxCode"]}
	assert {"TAX", "NON", "California"} <= codes
