"""Create, read, full and sparse update, delete and void, in QBO's response shapes."""

import re

from .support import decoded, fault_of, make_customer, make_invoice, make_item, ok, sales_line

PACIFIC_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[78]:00$")


def test_create_returns_the_full_object_in_qbo_envelope(api):
	response = api.post("customer", {"DisplayName": "Acme Ltd"}, minorversion=75)
	body = ok(response)

	customer = body["Customer"]
	assert customer["Id"].isdigit()
	assert customer["SyncToken"] == "0"
	assert customer["domain"] == "QBO" and customer["sparse"] is False
	assert PACIFIC_TIME.match(customer["MetaData"]["CreateTime"])
	assert customer["MetaData"]["LastUpdatedTime"] == customer["MetaData"]["CreateTime"]
	assert customer["CurrencyRef"]["value"] == "USD"
	assert customer["Active"] is True
	assert re.match(r"^\d{4}-\d\d-\d\dT.*-08:00$", body["time"])
	assert response.headers["intuit_tid"]


def test_every_response_has_its_own_intuit_tid(api, emulator):
	first = api.get("preferences")
	second = api.get("preferences")
	token_error = api.session.post(f"{emulator.base_url}/oauth2/v1/tokens/bearer", data={})

	tids = {first.headers["intuit_tid"], second.headers["intuit_tid"], token_error.headers["intuit_tid"]}
	assert len(tids) == 3


def test_ids_are_per_realm_sequences(api, make_api):
	other = make_api()
	assert make_customer(api, "A")["Id"] == make_customer(other, "A")["Id"]
	assert int(make_customer(api, "B")["Id"]) == int(make_customer(api, "C")["Id"]) - 1


def test_read_returns_what_was_created(api):
	customer = make_customer(api, PrimaryEmailAddr={"Address": "ap@acme.example"})

	assert api.read("Customer", customer["Id"]) == customer


def test_read_only_fields_sent_by_the_client_are_ignored(api):
	customer = make_customer(api)
	item = make_item(api)
	invoice = make_invoice(
		api,
		customer["Id"],
		[sales_line(item["Id"], 1, 100)],
		SyncToken="7",
		TotalAmt=5,
		Balance=3,
		MetaData={"CreateTime": "2001-01-01T00:00:00-08:00"},
	)

	assert invoice["SyncToken"] == "0"
	assert invoice["TotalAmt"] == 100 and invoice["Balance"] == 100
	assert not invoice["MetaData"]["CreateTime"].startswith("2001")


def test_full_update_clears_omitted_fields_and_bumps_sync_token(api):
	customer = make_customer(api, CompanyName="Acme Holdings", Notes="key account")

	updated = api.update(
		"Customer", {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "DisplayName": "Acme Ltd"}
	)

	assert updated["SyncToken"] == "1"
	assert "CompanyName" not in updated and "Notes" not in updated
	assert updated["MetaData"]["CreateTime"] == customer["MetaData"]["CreateTime"]


def test_sparse_update_changes_only_the_sent_fields(api):
	customer = make_customer(api, CompanyName="Acme Holdings", Notes="key account")

	updated = api.update(
		"Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "lapsed"}
	)

	assert updated["Notes"] == "lapsed"
	assert updated["CompanyName"] == "Acme Holdings"
	assert updated["DisplayName"] == "Acme Ltd"


def test_stale_sync_token_is_5010(api):
	customer = make_customer(api)
	api.update("Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "first"})

	error = fault_of(
		api.post("customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "x"})
	)

	assert error["code"] == "5010"
	assert api.read("Customer", customer["Id"])["Notes"] == "first"


def test_update_without_sync_token_is_2020(api):
	customer = make_customer(api)
	error = fault_of(api.post("customer", {"Id": customer["Id"], "sparse": True, "Notes": "x"}))
	assert (error["code"], error["element"]) == ("2020", "SyncToken")


def test_reading_a_missing_id_is_http_400_code_610(api):
	error = fault_of(api.get("customer/4242"))
	assert error["code"] == "610"
	assert error["Message"] == "Object Not Found"


def test_updating_a_missing_id_is_610(api):
	error = fault_of(api.post("customer", {"Id": "4242", "SyncToken": "0", "DisplayName": "Ghost"}))
	assert error["code"] == "610"


def test_delete_returns_a_stub_and_the_object_is_gone(api):
	customer = make_customer(api)
	invoice = make_invoice(api, customer["Id"], [sales_line(make_item(api)["Id"], 1, 10)])

	body = ok(api.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="delete"))

	assert body["Invoice"] == {"status": "Deleted", "domain": "QBO", "Id": invoice["Id"]}
	assert fault_of(api.get(f"invoice/{invoice['Id']}"))["code"] == "610"
	again = api.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="delete")
	assert fault_of(again)["code"] == "610"


def test_delete_with_stale_sync_token_is_5010(api):
	customer = make_customer(api)
	invoice = make_invoice(api, customer["Id"], [sales_line(make_item(api)["Id"], 1, 10)])
	api.update("Invoice", {"Id": invoice["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "edited"})

	error = fault_of(api.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="delete"))

	assert error["code"] == "5010"


def test_name_lists_cannot_be_deleted_only_made_inactive(api):
	customer = make_customer(api)

	error = fault_of(api.post("customer", {"Id": customer["Id"], "SyncToken": "0"}, operation="delete"))
	inactive = api.update(
		"Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Active": False}
	)

	assert error["code"] == "500"
	assert inactive["Active"] is False
	assert api.read("Customer", customer["Id"])["Active"] is False


def test_tax_codes_are_read_only(api):
	error = fault_of(api.post("taxcode", {"Name": "Mine"}))
	assert error["code"] == "500"


def test_void_invoice_zeroes_amounts_and_keeps_the_record(api):
	customer = make_customer(api)
	item = make_item(api)
	invoice = make_invoice(api, customer["Id"], [sales_line(item["Id"], 2, 50)], PrivateNote="rush order")

	voided = ok(api.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="void"))["Invoice"]

	assert voided["TotalAmt"] == 0 and voided["Balance"] == 0
	assert voided["PrivateNote"] == "Voided - rush order"
	assert voided["Line"][0]["Amount"] == 0 and voided["Line"][0]["SalesItemLineDetail"]["Qty"] == 0
	assert voided["SyncToken"] == "1"
	assert api.read("Invoice", invoice["Id"])["TotalAmt"] == 0


def test_void_is_only_offered_where_qbo_has_it(api):
	customer = make_customer(api)
	invoice = make_invoice(api, customer["Id"], [sales_line(make_item(api)["Id"], 1, 10)])

	via_include = api.post(
		"invoice", {"Id": invoice["Id"], "SyncToken": "0", "sparse": True}, operation="update", include="void"
	)
	on_customer = api.post("customer", {"Id": customer["Id"], "SyncToken": "0"}, operation="void")

	assert fault_of(via_include)["code"] == "500"
	assert fault_of(on_customer)["code"] == "500"


def test_company_info_and_preferences(api, make_api):
	info = ok(api.get(f"companyinfo/{api.realm_id}"))["CompanyInfo"]
	prefs = ok(api.get("preferences"))["Preferences"]
	gb_prefs = ok(make_api(country="GB", multicurrency=True, custom_txn_numbers=False).get("preferences"))

	assert info["Country"] == "US" and info["Id"] == "1"
	assert prefs["CurrencyPrefs"] == {"HomeCurrency": {"value": "USD"}, "MultiCurrencyEnabled": False}
	assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is True
	gb = gb_prefs["Preferences"]
	assert gb["CurrencyPrefs"]["HomeCurrency"]["value"] == "GBP"
	assert gb["CurrencyPrefs"]["MultiCurrencyEnabled"] is True
	assert gb["SalesFormsPrefs"]["CustomTxnNumbers"] is False


def test_companyinfo_of_another_realm_id_in_path_is_unsupported(api):
	assert fault_of(api.get("companyinfo/123"))["code"] == "500"


def test_new_company_has_default_accounts_and_terms(api):
	accounts = {a["Name"]: a for a in api.query("select * from Account maxresults 1000")["Account"]}
	terms = {t["Name"]: t["DueDays"] for t in api.query("select * from Term")["Term"]}

	assert accounts["Accounts Receivable (A/R)"]["AccountType"] == "Accounts Receivable"
	assert accounts["Accounts Payable (A/P)"]["Classification"] == "Liability"
	assert accounts["Undeposited Funds"]["AccountSubType"] == "UndepositedFunds"
	assert accounts["Checking"]["AccountType"] == "Bank"
	for name in ("Sales of Product Income", "Services", "Discounts given", "Cost of Goods Sold"):
		assert name in accounts
	assert {"Sales Tax Payable", "Opening Balance Equity"} <= set(accounts)
	assert terms == {"Due on receipt": 0, "Net 15": 15, "Net 30": 30, "Net 60": 60}


def test_low_or_missing_minorversion_is_accepted(api):
	for version in ("4", "65", None):
		params = {"minorversion": version} if version else {}
		assert api.get("preferences", **params).status_code == 200


def test_unknown_paths_and_malformed_bodies(api):
	assert fault_of(api.get("spaceship/1"))["code"] == "500"
	bad_json = api.session.post(
		f"{api.company_url}/customer", data=b"{not json", headers={"Content-Type": "application/json"}
	)
	assert fault_of(bad_json)["code"] == "2010"


def test_amounts_are_json_numbers_that_keep_their_decimals(api):
	customer = make_customer(api)
	item = make_item(api)
	invoice = make_invoice(api, customer["Id"], [sales_line(item["Id"], 3, "11.34", amount="34.02")])

	raw = api.get(f"invoice/{invoice['Id']}").text
	assert '"TotalAmt":34.02' in raw
	assert decoded(api.get(f"invoice/{invoice['Id']}"))["Invoice"]["TotalAmt"] == invoice["TotalAmt"]


def test_voided_documents_cannot_be_voided_again_or_edited(api):
	customer = make_customer(api)
	invoice = make_invoice(api, customer["Id"], [sales_line(make_item(api)["Id"], 1, 10)])
	voided = ok(api.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="void"))["Invoice"]
	body = {"Id": invoice["Id"], "SyncToken": voided["SyncToken"]}

	again = fault_of(api.post("invoice", body, operation="void"))
	edit = fault_of(api.post("invoice", {**body, "sparse": True, "PrivateNote": "un-void?"}))

	assert again["code"] == edit["code"] == "6000"


def test_sub_customers_and_employees(api):
	parent = make_customer(api, "Acme Group")
	child = make_customer(api, "Acme Retail", ParentRef={"value": parent["Id"]})
	employee = api.create("Employee", {"GivenName": "Grace", "FamilyName": "Hopper"})

	assert child["FullyQualifiedName"] == "Acme Group:Acme Retail"
	assert child["Job"] is True and child["ParentRef"] == {"value": parent["Id"]}
	assert employee["DisplayName"] == "Grace Hopper"
	assert fault_of(api.post("vendor", {"DisplayName": "Grace Hopper"}))["code"] == "6240"
