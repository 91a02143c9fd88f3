"""Preferences: every section QuickBooks returns, sparse and full updates, and the behaviour they switch."""

import json
import subprocess
import sys

from .support import (
	Api,
	account_id,
	fault_of,
	make_customer,
	make_invoice,
	make_item,
	ok,
	sales_line,
)

SECTIONS = {
	"AccountingInfoPrefs",
	"ProductAndServicesPrefs",
	"SalesFormsPrefs",
	"EmailMessagesPrefs",
	"VendorAndPurchasesPrefs",
	"TimeTrackingPrefs",
	"TaxPrefs",
	"CurrencyPrefs",
	"ReportPrefs",
	"OtherPrefs",
}


def preferences(api: Api) -> dict:
	return ok(api.get("preferences"))["Preferences"]


def update(api: Api, **sections) -> dict:
	current = preferences(api)
	return ok(api.post("preferences", {"SyncToken": current["SyncToken"], "sparse": True, **sections}))[
		"Preferences"
	]


def test_every_section_is_returned(api):
	prefs = preferences(api)

	assert SECTIONS <= set(prefs)
	assert prefs["Id"] == "1"
	assert prefs["AccountingInfoPrefs"]["TaxYearMonth"] == "January"
	assert prefs["ProductAndServicesPrefs"]["ForPurchase"] is True
	assert prefs["VendorAndPurchasesPrefs"]["BillableExpenseTracking"] is True
	assert prefs["TimeTrackingPrefs"]["WorkWeekStartDate"] == "Monday"
	assert prefs["OtherPrefs"]["NameValue"][0]["Name"] == "SalesFormsPrefs.DefaultCustomerMessage"


def test_sparse_and_full_updates_change_one_field_and_move_the_sync_token(api):
	before = preferences(api)
	sparse = update(api, EmailMessagesPrefs={"EstimateMessage": {"Subject": "Your estimate"}})
	full = dict(sparse)
	full["EmailMessagesPrefs"]["InvoiceMessage"]["Subject"] = "Your invoice"
	full_answer = ok(api.post("preferences", full))["Preferences"]
	stale = api.post("preferences", {**before, "SalesFormsPrefs": {"AllowShipping": True}})

	assert sparse["EmailMessagesPrefs"]["EstimateMessage"] == {
		"Subject": "Your estimate",
		"Message": before["EmailMessagesPrefs"]["EstimateMessage"]["Message"],
	}
	assert sparse["SyncToken"] == str(int(before["SyncToken"]) + 1)
	assert full_answer["EmailMessagesPrefs"]["InvoiceMessage"]["Subject"] == "Your invoice"
	assert full_answer["EmailMessagesPrefs"]["EstimateMessage"]["Subject"] == "Your estimate"
	assert fault_of(stale)["code"] == "5010"
	assert fault_of(api.post("preferences", {"SalesFormsPrefs": {}}))["code"] == "2020"
	assert (
		fault_of(api.post("preferences", {"SyncToken": full_answer["SyncToken"], "GamePrefs": {}}))["code"]
		== "2010"
	)


def test_custom_transaction_numbers_off_numbers_sales_forms(api):
	customer, item = make_customer(api), make_item(api)
	update(api, SalesFormsPrefs={"CustomTxnNumbers": False})
	first = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 10)], DocNumber="MINE-1")
	second = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 10)])

	assert first["DocNumber"] != "MINE-1" and int(second["DocNumber"]) == int(first["DocNumber"]) + 1


def test_multicurrency_can_be_switched_on_but_never_off(api):
	refused = api.post("customer", {"DisplayName": "Euro Buyer", "CurrencyRef": {"value": "EUR"}})
	switched = update(api, CurrencyPrefs={"MultiCurrencyEnabled": True})
	customer = make_customer(api, "Euro Buyer", CurrencyRef={"value": "EUR"})
	off = api.post(
		"preferences", {"SyncToken": switched["SyncToken"], "CurrencyPrefs": {"MultiCurrencyEnabled": False}}
	)
	home = update(api, CurrencyPrefs={"HomeCurrency": {"value": "EUR"}})

	assert fault_of(refused)["code"] == "6000"
	assert customer["CurrencyRef"]["value"] == "EUR"
	assert fault_of(off)["code"] == "6000"
	assert home["CurrencyPrefs"]["HomeCurrency"]["value"] == "USD"  # read-only, ignored


def test_discounts_off_refuses_discount_lines(api):
	customer, item = make_customer(api), make_item(api)
	update(api, SalesFormsPrefs={"AllowDiscount": False})
	discount = {
		"DetailType": "DiscountLineDetail",
		"Amount": 1,
		"DiscountLineDetail": {"PercentBased": False},
	}

	error = fault_of(
		api.post(
			"invoice",
			{"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(item["Id"], 1, 10), discount]},
		)
	)

	assert error["code"] == "6000"


def test_sales_tax_off_needs_no_line_tax_codes(make_api):
	api = make_api(country="GB")
	customer, item = make_customer(api), make_item(api)
	body = {"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(item["Id"], 1, 10)]}
	refused = api.post("invoice", body)
	update(api, TaxPrefs={"UsingSalesTax": False})
	invoice = api.create("Invoice", body)

	assert fault_of(refused)["code"] == "6000"
	assert invoice["TxnTaxDetail"]["TotalTax"] == 0 and invoice["TotalAmt"] == 10


def test_book_close_date_locks_older_transactions(api):
	customer, item = make_customer(api), make_item(api)
	old = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 10)], TxnDate="2020-06-30")
	update(api, AccountingInfoPrefs={"BookCloseDate": "2020-12-31"})

	created = api.post(
		"invoice",
		{
			"CustomerRef": {"value": customer["Id"]},
			"Line": [sales_line(item["Id"], 1, 10)],
			"TxnDate": "2020-07-01",
		},
	)
	deleted = api.post("invoice", {"Id": old["Id"], "SyncToken": old["SyncToken"]}, operation="delete")
	later = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 10)], TxnDate="2021-01-01")

	assert fault_of(created)["code"] == "6210" and fault_of(deleted)["code"] == "6210"
	assert later["TxnDate"] == "2021-01-01"


def test_duplicate_journal_numbers_are_refused_while_the_warning_is_on(api):
	lines = [
		{
			"DetailType": "JournalEntryLineDetail",
			"Amount": 5,
			"JournalEntryLineDetail": {
				"PostingType": posting,
				"AccountRef": {"value": account_id(api, name)},
			},
		}
		for posting, name in (("Debit", "Travel"), ("Credit", "Checking"))
	]
	api.create("JournalEntry", {"DocNumber": "J-1", "Line": lines})
	allowed = api.post("journalentry", {"DocNumber": "J-1", "Line": lines})
	update(api, OtherPrefs={"NameValue": [{"Name": "WarnDuplicateJournalNumber", "Value": "true"}]})
	refused = api.post("journalentry", {"DocNumber": "J-1", "Line": lines})

	assert allowed.status_code == 200
	assert fault_of(refused)["code"] == "6140"


def test_default_terms_must_exist(api):
	prefs = preferences(api)
	response = api.post(
		"preferences",
		{"SyncToken": prefs["SyncToken"], "SalesFormsPrefs": {"DefaultTerms": {"value": "999"}}},
	)
	assert fault_of(response)["code"] == "2500"


def test_company_info_update(api):
	info = ok(api.get(f"companyinfo/{api.realm_id}"))["CompanyInfo"]
	updated = ok(api.post("companyinfo", {**info, "CompanyName": "Renamed Ltd", "Country": "FR"}))[
		"CompanyInfo"
	]

	assert updated["CompanyName"] == "Renamed Ltd" and updated["Country"] == "US"
	assert updated["SyncToken"] == str(int(info["SyncToken"]) + 1)


# Creating companies with settings


def test_admin_creates_a_company_with_preferences(make_api, admin):
	api = make_api(
		multicurrency=True,
		preferences={"SalesFormsPrefs": {"CustomTxnNumbers": False}, "TaxPrefs": {"UsingSalesTax": False}},
	)
	prefs = preferences(api)

	assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is False
	assert prefs["TaxPrefs"]["UsingSalesTax"] is False
	assert prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] is True
	for bad in ({"Nope": {}}, {"SalesFormsPrefs": {"DefaultTerms": {"value": "999"}}}):
		try:
			admin.create_realm(preferences=bad)
		except RuntimeError as error:
			assert " 400 " in str(error)
		else:
			raise AssertionError(f"{bad} was accepted")


def test_cli_creates_companies_at_start():
	options = json.dumps({"country": "GB", "preferences": {"SalesFormsPrefs": {"CustomTxnNumbers": False}}})
	process = subprocess.Popen(
		[sys.executable, "-m", "quickbooks_connector.emulator", "--port", "0", "--company", options],
		stdout=subprocess.PIPE,
		text=True,
	)
	try:
		assert process.stdout is not None
		listening = process.stdout.readline()
		company = process.stdout.readline()
	finally:
		process.terminate()
		process.wait(timeout=10)

	assert listening.startswith("QBO emulator listening on http://127.0.0.1:")
	assert company.startswith("company ") and company.strip().endswith("GB, GBP")


def test_cli_refuses_an_unknown_country():
	result = subprocess.run(
		[
			sys.executable,
			"-m",
			"quickbooks_connector.emulator",
			"--port",
			"0",
			"--company",
			'{"country": "UK"}',
		],
		capture_output=True,
		text=True,
		timeout=30,
	)
	assert result.returncode == 2 and '"GB"' in result.stderr
