"""QBO's validation and business rules, each with its fault code."""

import pytest

from .support import (
	account_id,
	expense_line,
	fault_of,
	make_customer,
	make_invoice,
	make_item,
	make_vendor,
	sales_line,
)

# Names


def test_display_name_is_unique_across_customers_and_vendors(api):
	customer = make_customer(api, "Acme Ltd")

	as_vendor = fault_of(api.post("vendor", {"DisplayName": "Acme Ltd"}))
	other_case = fault_of(api.post("customer", {"DisplayName": "  acme ltd "}))

	assert as_vendor["code"] == "6240"
	assert as_vendor["Detail"].endswith(f"Id={customer['Id']}")
	assert other_case["code"] == "6240"


def test_inactive_names_stay_reserved(api):
	vendor = make_vendor(api, "Old Supplier")
	api.update("Vendor", {"Id": vendor["Id"], "SyncToken": "0", "sparse": True, "Active": False})

	error = fault_of(api.post("customer", {"DisplayName": "Old Supplier"}))

	assert error["code"] == "6240"
	assert f"Id={vendor['Id']}" in error["Detail"]


def test_renaming_to_a_taken_name_is_6240_but_keeping_your_own_is_fine(api):
	make_customer(api, "Taken")
	customer = make_customer(api, "Mine")

	clash = api.post(
		"customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "DisplayName": "Taken"}
	)
	same = api.update(
		"Customer", {"Id": customer["Id"], "SyncToken": "0", "DisplayName": "Mine", "Notes": "x"}
	)

	assert fault_of(clash)["code"] == "6240"
	assert same["Notes"] == "x"


def test_item_and_account_names_are_unique_in_their_lists(api):
	item = make_item(api, "Consulting")
	item_clash = fault_of(
		api.post("item", {"Name": "consulting", "Type": "Service", "IncomeAccountRef": {"value": "1"}})
	)
	account_clash = fault_of(api.post("account", {"Name": "Checking", "AccountType": "Bank"}))
	customer_named_like_item = make_customer(api, "Consulting")

	assert item_clash["code"] == "6240" and f"Id={item['Id']}" in item_clash["Detail"]
	assert account_clash["code"] == "6240"
	assert customer_named_like_item["DisplayName"] == "Consulting"


def test_display_name_is_built_from_name_parts(api):
	customer = api.create("Customer", {"GivenName": "Ada", "FamilyName": "Lovelace"})
	assert customer["DisplayName"] == "Ada Lovelace"


@pytest.mark.parametrize(
	("entity", "body", "element"),
	[
		("customer", {"DisplayName": "Parent:Child"}, "DisplayName"),
		("item", {"Name": "A:B", "Type": "Service"}, "Name"),
		("account", {"Name": 'Say "hi"', "AccountType": "Expense"}, "Name"),
	],
)
def test_hierarchy_separator_and_quotes_are_invalid_strings(api, entity, body, element):
	error = fault_of(api.post(entity, body))
	assert (error["code"], error["element"]) == ("2040", element)


@pytest.mark.parametrize(
	("entity", "field", "limit"),
	[("customer", "DisplayName", 500), ("customer", "CompanyName", 100), ("vendor", "TaxIdentifier", 20)],
)
def test_field_length_limits_are_2050(api, entity, field, limit):
	body = {"DisplayName": "Someone", field: "x" * (limit + 1)}
	error = fault_of(api.post(entity, body))
	assert (error["code"], error["element"]) == ("2050", field)
	assert f"Max:{limit}" in error["Detail"] and f"Supplied length:{limit + 1}" in error["Detail"]


def test_doc_number_longer_than_21_is_2050(api):
	customer = make_customer(api)
	item = make_item(api)
	error = fault_of(
		api.post(
			"invoice",
			{
				"CustomerRef": {"value": customer["Id"]},
				"DocNumber": "X" * 22,
				"Line": [sales_line(item["Id"], 1, 1)],
			},
		)
	)
	assert (error["code"], error["element"]) == ("2050", "DocNumber")


# Required fields and references


@pytest.mark.parametrize(
	("entity", "body", "element"),
	[
		("customer", {"Notes": "no name"}, "DisplayName"),
		("item", {"Name": "No type"}, "Type"),
		("invoice", {"Line": []}, "CustomerRef"),
		("payment", {"CustomerRef": {"value": "1"}}, "TotalAmt"),
		("account", {"Name": "Untyped"}, "AccountType"),
	],
)
def test_missing_required_field_is_2020_with_element(api, entity, body, element):
	make_customer(api)
	error = fault_of(api.post(entity, body))
	assert (error["code"], error["element"]) == ("2020", element)


def test_invoice_without_lines_is_2020(api):
	customer = make_customer(api)
	error = fault_of(api.post("invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": []}))
	assert (error["code"], error["element"]) == ("2020", "Line")


@pytest.mark.parametrize(
	("body", "element"),
	[
		({"CustomerRef": {"value": "999"}}, "CustomerRef"),
		({"ItemRef": {"value": "999"}}, "Line.SalesItemLineDetail.ItemRef"),
		({"TaxCodeRef": {"value": "GST"}}, "Line.SalesItemLineDetail.TaxCodeRef"),
	],
)
def test_unknown_reference_is_2500(api, body, element):
	customer = make_customer(api)
	item = make_item(api)
	line = sales_line(item["Id"], 1, 10)
	for key in ("ItemRef", "TaxCodeRef"):
		if key in body:
			line["SalesItemLineDetail"][key] = body[key]
	invoice = {"CustomerRef": body.get("CustomerRef", {"value": customer["Id"]}), "Line": [line]}

	error = fault_of(api.post("invoice", invoice))

	assert (error["code"], error["element"]) == ("2500", element)


def test_unknown_account_on_a_bill_line_is_2500(api):
	vendor = make_vendor(api)
	error = fault_of(
		api.post("bill", {"VendorRef": {"value": vendor["Id"]}, "Line": [expense_line("999", 10)]})
	)
	assert (error["code"], error["element"]) == ("2500", "Line.AccountBasedExpenseLineDetail.AccountRef")


def test_inactive_reference_is_610(api):
	customer = make_customer(api)
	item = make_item(api)
	api.update("Item", {**item, "Active": False})

	error = fault_of(
		api.post(
			"invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(item["Id"], 1, 5)]}
		)
	)

	assert error["code"] == "610"
	assert error["Detail"].startswith(
		"Object Not Found : Something you're trying to use has been made inactive"
	)


def test_categories_cannot_be_sold(api):
	customer = make_customer(api)
	category = api.create("Item", {"Name": "Hardware", "Type": "Category"})
	error = fault_of(
		api.post(
			"invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(category["Id"], 1, 5)]}
		)
	)
	assert error["code"] == "2500"


def test_unknown_enumeration_is_2170(api):
	assert fault_of(api.post("item", {"Name": "Widget", "Type": "Group"}))["code"] == "2170"


# Line math


@pytest.mark.parametrize(
	("qty", "unit_price", "amount", "accepted"),
	[
		(3, "11.34", "34.02", True),
		(3, "11.34", "34.01", False),
		("1.5", "0.3333333333", "0.50", True),  # 0.49999999995 rounds half up to 0.50
		("0.5", "0.01", "0.01", True),  # 0.005 rounds half up
		("0.5", "0.01", "0.00", False),
		(2, "49.995", "99.99", True),
	],
)
def test_amount_must_equal_qty_times_unit_price_rounded_half_up(api, qty, unit_price, amount, accepted):
	customer = make_customer(api)
	item = make_item(api)
	response = api.post(
		"invoice",
		{"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(item["Id"], qty, unit_price, amount)]},
	)
	if accepted:
		assert response.status_code == 200, response.text
	else:
		assert fault_of(response)["code"] == "6070"


def test_line_with_amount_only_is_fine(api):
	customer = make_customer(api)
	item = make_item(api)
	line = {
		"DetailType": "SalesItemLineDetail",
		"Amount": 75,
		"SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
	}
	invoice = make_invoice(api, customer["Id"], [line])
	assert invoice["TotalAmt"] == 75


# Document numbers


def test_duplicate_invoice_number_is_6140_unless_allowed(api):
	customer = make_customer(api)
	item = make_item(api)
	first = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 10)], DocNumber="INV-1")
	body = {
		"CustomerRef": {"value": customer["Id"]},
		"DocNumber": "INV-1",
		"Line": [sales_line(item["Id"], 1, 10)],
	}

	error = fault_of(api.post("invoice", body))
	allowed = api.create("Invoice", body, include="allowduplicatedocnum")
	credit_memo = api.create("CreditMemo", body)

	assert error["code"] == "6140" and f"TxnId={first['Id']}" in error["Detail"]
	assert allowed["DocNumber"] == "INV-1"
	assert credit_memo["DocNumber"] == "INV-1"  # numbers are unique per transaction type


def test_bill_numbers_are_unique_per_vendor(api):
	paper, ink = make_vendor(api, "Paper"), make_vendor(api, "Ink")
	expense = account_id(api, "Office Expenses")

	def bill(vendor):
		return {"VendorRef": {"value": vendor["Id"]}, "DocNumber": "B-7", "Line": [expense_line(expense, 10)]}

	api.create("Bill", bill(paper))
	assert api.create("Bill", bill(ink))["DocNumber"] == "B-7"
	assert fault_of(api.post("bill", bill(paper)))["code"] == "6140"
	assert api.create("Bill", bill(paper), include="allowduplicatedocnum")["DocNumber"] == "B-7"


def test_deleting_a_document_frees_its_number(api):
	customer = make_customer(api)
	item = make_item(api)
	first = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 10)], DocNumber="INV-9")
	api.post("invoice", {"Id": first["Id"], "SyncToken": "0"}, operation="delete")

	assert (
		make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 10)], DocNumber="INV-9")["DocNumber"]
		== "INV-9"
	)


def test_without_custom_numbers_doc_numbers_are_assigned(make_api):
	api = make_api(custom_txn_numbers=False)
	customer = make_customer(api)
	item = make_item(api)

	first = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 10)], DocNumber="MINE-1")
	second = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 10)])
	edited = api.update("Invoice", {**second, "DocNumber": "MINE-2"})

	assert (first["DocNumber"], second["DocNumber"]) == ("1001", "1002")
	assert edited["DocNumber"] == "1002"


# Tax codes, currencies, accounts


def test_non_us_lines_need_a_tax_code(make_api):
	api = make_api(country="GB")
	customer = make_customer(api)
	item = make_item(api)
	error = fault_of(
		api.post(
			"invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(item["Id"], 1, 10)]}
		)
	)
	assert error["code"] == "6000"
	assert "Make sure all your transactions have a VAT rate before you save." in error["Detail"]


def test_us_lines_accept_tax_and_non_only(api):
	customer = make_customer(api)
	item = make_item(api)
	taxable = sales_line(item["Id"], 1, 10, TaxCodeRef={"value": "TAX"})
	exempt = sales_line(item["Id"], 1, 10, TaxCodeRef={"value": "NON"})
	assert make_invoice(api, customer["Id"], [taxable, exempt])["TotalAmt"] == 20


def test_foreign_currency_needs_multicurrency(api):
	error = fault_of(api.post("customer", {"DisplayName": "Euro GmbH", "CurrencyRef": {"value": "EUR"}}))
	assert error["code"] == "6000" and "Multicurrency" in error["Detail"]


def test_transaction_currency_must_match_the_customer(make_api):
	api = make_api(multicurrency=True)
	customer = make_customer(api, "Euro GmbH", CurrencyRef={"value": "EUR"})
	item = make_item(api)
	line = sales_line(item["Id"], 1, 100)

	home = fault_of(api.post("invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line]}))
	euro = make_invoice(api, customer["Id"], [line], CurrencyRef={"value": "EUR"}, ExchangeRate="1.1")

	assert home["code"] == "6000" and home["element"] == "CurrencyRef"
	assert euro["CurrencyRef"]["value"] == "EUR"
	assert euro["TotalAmt"] == 100 and euro["HomeTotalAmt"] == 110


def test_party_currency_is_write_once_and_defaults_to_home(make_api):
	api = make_api(multicurrency=True)
	customer = make_customer(api)
	error = fault_of(api.post("customer", {**customer, "CurrencyRef": {"value": "EUR"}}))
	assert customer["CurrencyRef"]["value"] == "USD"
	assert error["code"] == "6000"


@pytest.mark.parametrize(
	("body_key", "account_name"),
	[("DepositToAccountRef", "Office Expenses"), ("ARAccountRef", "Checking")],
)
def test_payment_accounts_must_have_the_right_type(api, body_key, account_name):
	customer = make_customer(api)
	payment = {
		"CustomerRef": {"value": customer["Id"]},
		"TotalAmt": 10,
		body_key: {"value": account_id(api, account_name)},
	}
	error = fault_of(api.post("payment", payment))
	assert (error["code"], error["element"]) == ("6000", body_key)


def test_bill_needs_an_accounts_payable_account(api):
	vendor = make_vendor(api)
	bill = {
		"VendorRef": {"value": vendor["Id"]},
		"APAccountRef": {"value": account_id(api, "Accounts Receivable (A/R)")},
		"Line": [expense_line(account_id(api, "Travel"), 10)],
	}
	error = fault_of(api.post("bill", bill))
	assert (error["code"], error["element"]) == ("6000", "APAccountRef")


def test_bill_payment_by_check_needs_a_bank_account(api):
	vendor = make_vendor(api)
	payment = {
		"VendorRef": {"value": vendor["Id"]},
		"PayType": "Check",
		"TotalAmt": 10,
		"CheckPayment": {"BankAccountRef": {"value": account_id(api, "Undeposited Funds")}},
	}
	error = fault_of(api.post("billpayment", payment))
	assert (error["code"], error["element"]) == ("6000", "CheckPayment.BankAccountRef")


def test_journal_entry_must_balance_and_name_parties_on_receivables(api):
	travel, checking = account_id(api, "Travel"), account_id(api, "Checking")
	receivable = account_id(api, "Accounts Receivable (A/R)")

	def line(account, posting, amount, **detail):
		return {
			"DetailType": "JournalEntryLineDetail",
			"Amount": amount,
			"JournalEntryLineDetail": {"PostingType": posting, "AccountRef": {"value": account}, **detail},
		}

	unbalanced = fault_of(
		api.post("journalentry", {"Line": [line(travel, "Debit", 10), line(checking, "Credit", 9)]})
	)
	no_customer = fault_of(
		api.post("journalentry", {"Line": [line(receivable, "Debit", 5), line(checking, "Credit", 5)]})
	)
	entry = api.create("JournalEntry", {"Line": [line(travel, "Debit", 10), line(checking, "Credit", 10)]})

	assert unbalanced["code"] == "6000"
	assert no_customer["code"] == "6000"
	assert [line["Id"] for line in entry["Line"]] == ["1", "2"]


def test_discounts_need_allow_discount(make_api):
	api = make_api(allow_discount=False)
	customer = make_customer(api)
	item = make_item(api)
	discount = {
		"DetailType": "DiscountLineDetail",
		"Amount": 5,
		"DiscountLineDetail": {"PercentBased": False},
	}
	error = fault_of(
		api.post(
			"invoice",
			{"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(item["Id"], 1, 50), discount]},
		)
	)
	assert error["code"] == "6000"
