"""Where the emulator used to depart from QuickBooks for third-party clients: subtotal lines, references,
amount-only lines, journal totals, invoice links, read-only input and field lengths."""

from decimal import Decimal

import pytest

from .support import (
	account_id,
	expense_line,
	fault_of,
	make_customer,
	make_invoice,
	make_item,
	make_vendor,
	ok,
	sales_line,
)

# SubTotal lines


def test_subtotal_line_only_on_sales_forms(api):
	vendor, customer, item = make_vendor(api), make_customer(api), make_item(api)
	travel = account_id(api, "Travel")
	bill = api.create("Bill", {"VendorRef": {"value": vendor["Id"]}, "Line": [expense_line(travel, 40)]})
	credit = api.create(
		"VendorCredit", {"VendorRef": {"value": vendor["Id"]}, "Line": [expense_line(travel, 5)]}
	)
	invoice = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 40)])

	assert [line["DetailType"] for line in bill["Line"]] == ["AccountBasedExpenseLineDetail"]
	assert sum(line["Amount"] for line in bill["Line"]) == bill["TotalAmt"] == 40
	assert [line["DetailType"] for line in credit["Line"]] == ["AccountBasedExpenseLineDetail"]
	assert invoice["Line"][-1] == {"Amount": 40, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}


def test_a_subtotal_line_sent_back_is_not_a_line(api):
	customer, item = make_customer(api), make_item(api)
	invoice = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 40)])
	updated = api.update("Invoice", invoice)

	assert updated["TotalAmt"] == 40
	assert [line["DetailType"] for line in updated["Line"]] == ["SalesItemLineDetail", "SubTotalLineDetail"]


# References


@pytest.mark.parametrize("field", ["PaymentMethodRef", "ClassRef", "DepartmentRef"])
def test_references_to_records_that_do_not_exist_are_2500(api, field):
	customer, item = make_customer(api), make_item(api)
	body = {
		"CustomerRef": {"value": customer["Id"]},
		"Line": [sales_line(item["Id"], 1, 10)],
		field: {"value": "9999"},
	}

	error = fault_of(api.post("salesreceipt", body))

	assert error["code"] == "2500" and error["element"] == field


def test_line_class_reference_is_checked_with_its_path(api):
	customer, item = make_customer(api), make_item(api)
	line = sales_line(item["Id"], 1, 10, ClassRef={"value": "4242"})

	error = fault_of(api.post("invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line]}))

	assert error["code"] == "2500" and error["element"] == "Line.SalesItemLineDetail.ClassRef"


def test_inactive_class_department_and_payment_method_are_610(api):
	customer, item = make_customer(api), make_item(api)
	refs = {}
	for entity, field in (
		("Class", "ClassRef"),
		("Department", "DepartmentRef"),
		("PaymentMethod", "PaymentMethodRef"),
	):
		record = api.create(entity, {"Name": f"Old {entity}"})
		api.update(entity, {"Id": record["Id"], "SyncToken": "0", "sparse": True, "Active": False})
		refs[field] = {"value": record["Id"]}
	for field, ref in refs.items():
		body = {"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(item["Id"], 1, 10)], field: ref}
		assert fault_of(api.post("salesreceipt", body))["code"] == "610", field


def test_valid_references_are_kept_with_their_names(api):
	customer, item = make_customer(api), make_item(api)
	klass = api.create("Class", {"Name": "Retail"})
	place = api.create("Department", {"Name": "North"})
	invoice = make_invoice(
		api,
		customer["Id"],
		[sales_line(item["Id"], 1, 10, ClassRef={"value": klass["Id"]})],
		DepartmentRef={"value": place["Id"]},
	)

	assert invoice["DepartmentRef"]["value"] == place["Id"]
	assert invoice["Line"][0]["SalesItemLineDetail"]["ClassRef"]["value"] == klass["Id"]


# Qty x UnitPrice


def test_amount_only_and_zero_factor_lines_are_accepted(api):
	customer, item = make_customer(api), make_item(api)
	lines = [
		{
			"DetailType": "SalesItemLineDetail",
			"Amount": 100,
			"SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
		},
		sales_line(item["Id"], 0, 0, amount=100),
		sales_line(item["Id"], 4, 0, amount=100),
	]
	invoice = make_invoice(api, customer["Id"], lines)

	assert invoice["TotalAmt"] == 300
	assert invoice["Line"][2]["SalesItemLineDetail"]["UnitPrice"] == 25  # derived from the amount


def test_amount_must_equal_qty_times_price_when_both_are_given(api):
	customer, item = make_customer(api), make_item(api)
	error = fault_of(
		api.post(
			"invoice",
			{"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(item["Id"], 2, 30, amount=100)]},
		)
	)
	assert error["code"] == "6070"


# Journal entries


def test_journal_entry_total_is_the_sum_of_its_debits(api):
	lines = [
		{
			"DetailType": "JournalEntryLineDetail",
			"Amount": Decimal("5.00"),
			"JournalEntryLineDetail": {
				"PostingType": posting,
				"AccountRef": {"value": account_id(api, name)},
			},
		}
		for posting, name in (("Debit", "Travel"), ("Credit", "Checking"))
	]
	entry = api.create("JournalEntry", {"Line": lines})

	assert entry["TotalAmt"] == 5 and entry["HomeTotalAmt"] == 5


# InvoiceLink and read-only input


def test_invoice_link_is_generated_not_echoed(api):
	customer, item = make_customer(api), make_item(api)
	invoice = make_invoice(
		api,
		customer["Id"],
		[sales_line(item["Id"], 1, 10)],
		InvoiceLink="https://evil.example/phish",
		BillEmail={"Address": "a@b.example"},
		AllowOnlineCreditCardPayment=True,
	)
	linked = ok(api.get(f"invoice/{invoice['Id']}", include="invoiceLink"))["Invoice"]
	plain = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 10)])
	unlinked = ok(api.get(f"invoice/{plain['Id']}", include="invoiceLink"))["Invoice"]

	assert "InvoiceLink" not in invoice
	assert linked["InvoiceLink"].startswith("https://") and "evil" not in linked["InvoiceLink"]
	assert "InvoiceLink" not in unlinked  # no e-mail address, no online payment


def test_read_only_fields_sent_are_ignored(api):
	customer = make_customer(api, FullyQualifiedName="Somebody:Else", Level=3)
	vendor, travel = make_vendor(api), account_id(api, "Travel")
	bill = api.create(
		"Bill",
		{
			"VendorRef": {"value": vendor["Id"]},
			"Line": [expense_line(travel, 10)],
			"Balance": 1,
			"HomeBalance": 1,
			"TotalAmt": 99,
		},
	)

	assert customer["FullyQualifiedName"] == "Acme Ltd" and customer["Level"] == 0
	assert bill["TotalAmt"] == 10 and bill["Balance"] == 10 and bill["HomeBalance"] == 10


# Field lengths


def test_address_limits(api):
	error = fault_of(api.post("customer", {"DisplayName": "Far Away", "BillAddr": {"PostalCode": "1" * 31}}))
	assert error["code"] == "2050" and error["element"] == "BillAddr.PostalCode"


@pytest.mark.parametrize(
	("country", "number", "code"),
	[
		("US", "1" * 21, "2050"),
		("US", "T0412101530", None),
		("GB", "12345678", "2050"),
		("CA", "1" * 20, None),
		("AU", "1" * 21, "2050"),
		("FR", "12345", "2050"),
		("FR", None, "2020"),
		("FR", "622600", None),
	],
)
def test_account_number_limits_follow_the_company_country(make_api, country, number, code):
	api = make_api(country=country)
	body = {"Name": "Numbered", "AccountType": "Expense", **({"AcctNum": number} if number else {})}
	response = api.post("account", body)
	if code is None:
		assert ok(response)["Account"]["AcctNum"] == number
	else:
		assert fault_of(response)["code"] == code


def test_payment_method_and_class_name_limits(api):
	assert fault_of(api.post("paymentmethod", {"Name": "x" * 32}))["element"] == "Name"
	assert fault_of(api.post("class", {"Name": "x" * 101}))["code"] == "2050"


# Query and CDC


def test_not_equal_operator(api):
	rows = api.query(
		"select * from Account where Classification = 'Asset' and FullyQualifiedName != 'Accounts Receivable (A/R)'"
	)
	assert rows["Account"] and all(row["Name"] != "Accounts Receivable (A/R)" for row in rows["Account"])


def test_cdc_refuses_entities_intuit_excludes(api):
	assert fault_of(api.get("cdc", entities="TimeActivity", changedSince="2026-01-01"))["code"] == "4000"


def test_line_description_and_indian_party_limits(api, make_api):
	customer, item = make_customer(api), make_item(api)
	line = {**sales_line(item["Id"], 1, 10), "Description": "x" * 4001}
	error = fault_of(api.post("invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line]}))
	indian = make_api(country="IN")

	assert error["code"] == "2050" and error["element"] == "Line.Description"
	assert (
		fault_of(indian.post("customer", {"DisplayName": "Mumbai Traders", "GSTIN": "2" * 16}))["element"]
		== "GSTIN"
	)


def test_empty_string_flags_read_as_unset(api):
	customer, item = make_customer(api), make_item(api)
	memo = api.create(
		"CreditMemo",
		{
			"CustomerRef": {"value": customer["Id"]},
			"ApplyTaxAfterDiscount": "",
			"Line": [sales_line(item["Id"], 1, 5)],
		},
	)
	assert memo["ApplyTaxAfterDiscount"] is False


def test_first_accounts_of_a_new_company(api):
	"""Clients that take the first account, or the first non-A/R assets, find a payable and bank accounts."""
	first = api.query("select * from Account maxresults 1")["Account"][0]
	assets = api.query(
		"select * from Account where Classification = 'Asset' and FullyQualifiedName != 'Accounts Receivable (A/R)' maxresults 2"
	)["Account"]

	assert first["AccountType"] == "Accounts Payable"
	assert [account["AccountType"] for account in assets] == ["Bank", "Bank"]


def test_connection_close_is_answered_and_honoured(api):
	response = api.session.get(f"{api.company_url}/preferences", headers={"Connection": "close"}, timeout=30)
	again = api.get("preferences")

	assert response.headers["Connection"] == "close"
	assert again.status_code == 200  # the client opened a new connection instead of reusing the closed one
