"""The entities beyond the connector's own: name lists, receipts, estimates, purchases, banking, time, recurring
templates, attachments, currencies and tax service — create, read, query, update, delete/void over HTTP."""

from decimal import Decimal

import pytest
import requests

from .support import (
	account_id,
	decoded,
	expense_line,
	fault_of,
	make_customer,
	make_item,
	make_vendor,
	ok,
	sales_line,
)

# Name lists


@pytest.mark.parametrize(
	("entity", "body", "sub_flag"),
	[("Class", {"Name": "Retail"}, "SubClass"), ("Department", {"Name": "North"}, "SubDepartment")],
)
def test_class_and_department_lifecycle(api, entity, body, sub_flag):
	parent = api.create(entity, body)
	child = api.create(entity, {"Name": "Online", "ParentRef": {"value": parent["Id"]}})
	renamed = api.update(entity, {**parent, "Name": "Retail Stores"})
	hidden = api.update(
		entity, {"Id": child["Id"], "SyncToken": child["SyncToken"], "sparse": True, "Active": False}
	)

	assert child[sub_flag] is True and child["FullyQualifiedName"] == f"{body['Name']}:Online"
	assert renamed["Name"] == "Retail Stores" and renamed["SyncToken"] == "1"
	assert hidden["Active"] is False
	assert [row["Id"] for row in api.query(f"select * from {entity}")[entity]] == [parent["Id"]]
	assert fault_of(api.post(entity.lower(), {"Name": "retail stores"}))["code"] == "6240"
	assert (
		fault_of(api.post(entity.lower(), {"Id": parent["Id"], "SyncToken": "1"}, operation="delete"))["code"]
		== "500"
	)


def test_payment_method_types_and_defaults(api):
	methods = api.query("select * from PaymentMethod")["PaymentMethod"]
	visa = api.create("PaymentMethod", {"Name": "Bank Giro"})

	assert {"Cash", "Check", "Visa"} <= {method["Name"] for method in methods}
	assert visa["Type"] == "NON_CREDIT_CARD"
	assert fault_of(api.post("paymentmethod", {"Name": "X", "Type": "CHEQUE"}))["code"] == "2170"
	assert fault_of(api.post("paymentmethod", {"Name": "x" * 32}))["code"] == "2050"


def test_tax_agency_create_read_query_but_no_update(make_api):
	api = make_api(country="GB")
	agencies = api.query("select * from TaxAgency")["TaxAgency"]
	agency = api.create("TaxAgency", {"DisplayName": "Scottish Revenue"})

	assert agencies[0]["DisplayName"] == "HM Revenue & Customs"
	assert api.read("TaxAgency", agency["Id"])["DisplayName"] == "Scottish Revenue"
	assert fault_of(api.post("taxagency", {**agency, "DisplayName": "Other"}))["code"] == "500"


# Sales forms


def test_sales_receipt_is_paid_and_can_be_voided(api):
	customer, item = make_customer(api), make_item(api)
	method = api.query("select * from PaymentMethod where Name = 'Cash'")["PaymentMethod"][0]
	receipt = api.create(
		"SalesReceipt",
		{
			"CustomerRef": {"value": customer["Id"]},
			"PaymentMethodRef": {"value": method["Id"]},
			"Line": [sales_line(item["Id"], 2, 50)],
		},
	)
	voided = ok(
		api.post(
			"salesreceipt",
			{"Id": receipt["Id"], "SyncToken": "0", "sparse": True},
			operation="update",
			include="void",
		)
	)["SalesReceipt"]

	assert receipt["TotalAmt"] == 100 and receipt["Balance"] == 0
	assert receipt["DepositToAccountRef"]["value"] == account_id(api, "Undeposited Funds")
	assert receipt["Line"][-1]["DetailType"] == "SubTotalLineDetail"
	assert voided["TotalAmt"] == 0 and "Voided" in voided["PrivateNote"]


def test_refund_receipt_needs_an_account_to_refund_from(api):
	customer, item = make_customer(api), make_item(api)
	body = {"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(item["Id"], 1, 200)]}

	missing = fault_of(api.post("refundreceipt", body))
	refund = api.create(
		"RefundReceipt", {**body, "DepositToAccountRef": {"value": account_id(api, "Checking")}}
	)
	deleted = ok(api.post("refundreceipt", {"Id": refund["Id"], "SyncToken": "0"}, operation="delete"))

	assert missing["code"] == "2020" and missing["element"] == "DepositToAccountRef"
	assert refund["TotalAmt"] == 200 and refund["Balance"] == 0
	assert deleted["RefundReceipt"]["status"] == "Deleted"


def test_estimate_with_percent_discount(api):
	customer, item = make_customer(api), make_item(api)
	estimate = api.create(
		"Estimate",
		{
			"CustomerRef": {"value": customer["Id"]},
			"TxnStatus": "Accepted",
			"Line": [
				sales_line(item["Id"], 1, 35),
				{
					"DetailType": "DiscountLineDetail",
					"Amount": Decimal("3.5"),
					"DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10},
				},
			],
		},
	)

	assert estimate["TotalAmt"] == Decimal("31.5") and "Balance" not in estimate
	assert [line["DetailType"] for line in estimate["Line"]] == [
		"SalesItemLineDetail",
		"SubTotalLineDetail",
		"DiscountLineDetail",
	]
	assert estimate["TxnStatus"] == "Accepted"
	assert fault_of(api.post("estimate", {**estimate, "TxnStatus": "Maybe"}))["code"] == "2170"


# Purchase forms


def test_purchase_order_and_purchase_have_no_subtotal_line(api):
	vendor, item = make_vendor(api), make_item(api)
	item_line = {
		"DetailType": "ItemBasedExpenseLineDetail",
		"Amount": 100,
		"ItemBasedExpenseLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 1, "UnitPrice": 100},
	}
	order = api.create("PurchaseOrder", {"VendorRef": {"value": vendor["Id"]}, "Line": [item_line]})
	purchase = api.create(
		"Purchase",
		{
			"PaymentType": "CreditCard",
			"AccountRef": {"value": account_id(api, "Mastercard")},
			"EntityRef": {"value": vendor["Id"], "type": "Vendor"},
			"DocNumber": "Doc123",
			"Line": [item_line, expense_line(account_id(api, "Travel"), 25)],
		},
	)
	duplicate = api.post("purchase", {**purchase, "Id": None, "SyncToken": None})
	allowed = api.post(
		"purchase", {**purchase, "Id": None, "SyncToken": None}, include="allowduplicatedocnum"
	)

	assert order["TotalAmt"] == 100 and order["POStatus"] == "Open"
	assert order["APAccountRef"]["value"] == account_id(api, "Accounts Payable (A/P)")
	assert purchase["TotalAmt"] == 125 and purchase["Credit"] is False
	assert all(line["DetailType"] != "SubTotalLineDetail" for line in order["Line"] + purchase["Line"])
	assert fault_of(duplicate)["code"] == "6140" and allowed.status_code == 200


def test_purchase_account_must_fit_the_payment_type(api):
	body = {
		"PaymentType": "Check",
		"AccountRef": {"value": account_id(api, "Mastercard")},
		"Line": [expense_line(account_id(api, "Travel"), 10)],
	}
	assert fault_of(api.post("purchase", body))["code"] == "6000"
	assert fault_of(api.post("purchase", {**body, "PaymentType": "Barter"}))["code"] == "2170"


# Banking


def test_deposit_of_undeposited_payment_locks_it(api):
	customer, item = make_customer(api), make_item(api)
	receipt = api.create(
		"SalesReceipt", {"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(item["Id"], 1, 80)]}
	)
	checking = account_id(api, "Checking")
	deposit = api.create(
		"Deposit",
		{
			"DepositToAccountRef": {"value": checking},
			"Line": [
				{"Amount": 80, "LinkedTxn": [{"TxnId": receipt["Id"], "TxnType": "SalesReceipt"}]},
				{
					"Amount": 20,
					"DetailType": "DepositLineDetail",
					"DepositLineDetail": {"AccountRef": {"value": account_id(api, "Opening Balance Equity")}},
				},
			],
		},
	)
	locked = api.post(
		"salesreceipt", {"Id": receipt["Id"], "SyncToken": receipt["SyncToken"]}, operation="delete"
	)
	twice = api.post(
		"deposit",
		{
			"DepositToAccountRef": {"value": checking},
			"Line": [{"Amount": 80, "LinkedTxn": [{"TxnId": receipt["Id"], "TxnType": "SalesReceipt"}]}],
		},
	)
	ok(api.post("deposit", {"Id": deposit["Id"], "SyncToken": "0"}, operation="delete"))
	unlocked = api.post(
		"salesreceipt", {"Id": receipt["Id"], "SyncToken": receipt["SyncToken"]}, operation="delete"
	)

	assert deposit["TotalAmt"] == 100
	assert fault_of(locked)["code"] == "6540"
	assert fault_of(twice)["code"] == "6000"
	assert unlocked.status_code == 200, unlocked.text


def test_transfer_and_credit_card_payment(api):
	checking, savings, card = (account_id(api, name) for name in ("Checking", "Savings", "Mastercard"))
	transfer = api.create(
		"Transfer", {"FromAccountRef": {"value": checking}, "ToAccountRef": {"value": savings}, "Amount": 100}
	)
	updated = api.update("Transfer", {**transfer, "Amount": 101})
	same = api.post(
		"transfer", {"FromAccountRef": {"value": checking}, "ToAccountRef": {"value": checking}, "Amount": 1}
	)
	income = api.post(
		"transfer",
		{
			"FromAccountRef": {"value": checking},
			"ToAccountRef": {"value": account_id(api, "Services")},
			"Amount": 1,
		},
	)
	payment = ok(
		api.post(
			"creditcardpayment",
			{"BankAccountRef": {"value": checking}, "CreditCardAccountRef": {"value": card}, "Amount": "100"},
		)
	)["CreditCardPaymentTxn"]  # Intuit's JSON name for this entity
	swapped = api.post(
		"creditcardpayment",
		{"BankAccountRef": {"value": card}, "CreditCardAccountRef": {"value": checking}, "Amount": 1},
	)

	assert updated["Amount"] == 101 and updated["SyncToken"] == "1"
	assert fault_of(same)["code"] == "6000" and fault_of(income)["code"] == "6000"
	read = ok(api.get(f"creditcardpayment/{payment['Id']}"))["CreditCardPaymentTxn"]
	listed = api.query("select * from CreditCardPayment")["CreditCardPaymentTxn"]
	assert read["Amount"] == 100 and read["CurrencyRef"]["value"] == "USD"
	assert [row["Id"] for row in listed] == [payment["Id"]]
	assert fault_of(swapped)["code"] == "6000"


def test_time_activity_from_start_and_end_time(api):
	employee = api.create("Employee", {"GivenName": "Emily", "FamilyName": "Platt"})
	activity = api.create(
		"TimeActivity",
		{
			"NameOf": "Employee",
			"EmployeeRef": {"value": employee["Id"]},
			"StartTime": "2016-07-22T10:00:00-07:00",
			"EndTime": "2016-07-22T11:45:00-07:00",
			"CostRate": 50,
			"Description": "Test description",
		},
	)
	updated = api.update("TimeActivity", {**activity, "CostRate": 75, "Description": "Updated"})

	assert (activity["Hours"], activity["Minutes"]) == (1, 45)
	assert updated["CostRate"] == 75 and updated["Description"] == "Updated"
	assert (
		fault_of(api.post("timeactivity", {"NameOf": "Employee", "EmployeeRef": {"value": employee["Id"]}}))[
			"code"
		]
		== "2020"
	)
	assert ok(api.post("timeactivity", {"Id": activity["Id"], "SyncToken": "1"}, operation="delete"))


# Recurring templates


def test_recurring_invoice_template_lifecycle(api):
	customer, item = make_customer(api), make_item(api)
	line = {
		"DetailType": "SalesItemLineDetail",
		"Amount": 100,
		"Description": "description",
		"SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
	}
	info = {
		"Name": "Monthly retainer",
		"RecurType": "Automated",
		"Active": True,
		"ScheduleInfo": {"IntervalType": "Monthly", "NumInterval": 1, "DayOfMonth": 1, "MaxOccurrences": 6},
	}
	created = ok(
		api.post(
			"recurringtransaction",
			{"Invoice": {"CustomerRef": {"value": customer["Id"]}, "Line": [line], "RecurringInfo": info}},
		)
	)["RecurringTransaction"]["Invoice"]
	read = ok(api.get(f"recurringtransaction/{created['Id']}"))["RecurringTransaction"]["Invoice"]
	read["RecurringInfo"]["ScheduleInfo"]["DayOfMonth"] = 15
	read["Line"][0]["Amount"] = 250
	updated = ok(api.post("recurringtransaction", {"Invoice": read}))["RecurringTransaction"]["Invoice"]
	listed = api.query("select * from RecurringTransaction where Type = 'Invoice'")["RecurringTransaction"]
	deleted = ok(api.post("recurringtransaction", {"Invoice": updated}, operation="delete"))

	assert created["Line"][0]["Amount"] == 100 and "DocNumber" not in created and "Balance" not in created
	assert created["RecurringInfo"]["ScheduleInfo"]["NextDate"]
	assert updated["RecurringInfo"]["ScheduleInfo"]["DayOfMonth"] == 15 and updated["TotalAmt"] == 250
	assert [row["Invoice"]["Id"] for row in listed] == [created["Id"]]
	assert deleted["RecurringTransaction"]["status"] == "Deleted"
	assert api.query("select * from Invoice") == {}  # templates are not invoices


def test_recurring_template_needs_a_unique_name_and_schedule(api):
	vendor = make_vendor(api)
	bill = {"VendorRef": {"value": vendor["Id"]}, "Line": [expense_line(account_id(api, "Travel"), 500)]}
	weekly = {
		"Name": "Rent",
		"ScheduleInfo": {"IntervalType": "Weekly", "DayOfWeek": "Friday", "NumInterval": 1},
	}
	ok(api.post("recurringtransaction", {"Bill": {**bill, "RecurringInfo": weekly}}))

	assert (
		fault_of(api.post("recurringtransaction", {"Bill": {**bill, "RecurringInfo": weekly}}))["code"]
		== "6240"
	)
	assert (
		fault_of(
			api.post("recurringtransaction", {"Bill": {**bill, "RecurringInfo": {"Name": "No schedule"}}})
		)["code"]
		== "2020"
	)
	assert fault_of(api.post("recurringtransaction", {"Bill": bill, "Invoice": bill}))["code"] == "2010"


# Attachments


def test_note_attachable_links_to_an_existing_record(api):
	vendor = make_vendor(api)
	note = api.create(
		"Attachable",
		{"Note": "Call first", "AttachableRef": [{"EntityRef": {"type": "Vendor", "value": vendor["Id"]}}]},
	)
	updated = api.update("Attachable", {**note, "Note": "Call twice"})
	missing = api.post(
		"attachable", {"Note": "x", "AttachableRef": [{"EntityRef": {"type": "Vendor", "value": "999"}}]}
	)

	assert note["AttachableRef"][0]["EntityRef"] == {"type": "Vendor", "value": vendor["Id"]}
	assert updated["Note"] == "Call twice"
	assert fault_of(missing)["code"] == "2500"
	assert fault_of(api.post("attachable", {"AttachableRef": []}))["code"] == "2020"


def test_upload_stores_the_file_and_downloads_it(api):
	vendor = make_vendor(api)
	metadata = {
		"FileName": "note.txt",
		"ContentType": "text/plain",
		"AttachableRef": [{"EntityRef": {"type": "Vendor", "value": vendor["Id"]}}],
	}
	response = api.session.post(
		f"{api.company_url}/upload",
		files={
			"file_metadata_01": (None, __import__("json").dumps(metadata), "application/json"),
			"file_content_01": ("note.txt", b"File contents", "text/plain"),
		},
		timeout=30,
	)
	attachable = ok(response)["AttachableResponse"][0]["Attachable"]
	link = api.get(f"download/{attachable['Id']}")
	content = requests.get(link.text, timeout=30)
	forged = requests.get(link.text.replace("signature=", "signature=0"), timeout=30)

	assert attachable["Size"] == 13 and attachable["FileAccessUri"].endswith(f"/download/{attachable['Id']}")
	assert link.headers["Content-Type"].startswith("text/plain")
	assert content.content == b"File contents" and content.headers["Content-Type"] == "text/plain"
	assert forged.status_code == 403
	assert api.read("Attachable", attachable["Id"])["TempDownloadUri"].startswith("http")


def test_upload_accepts_a_text_template_body_with_base64_content(api):
	"""A widely used client writes the multipart body from a text template: LF line ends, base64 content."""
	boundary = "-------------PythonMultipartPost"
	body = (
		f'\n--{boundary}\nContent-Disposition: form-data; name="file_metadata_01"\nContent-Type: application/json\n\n'
		'{"FileName": "test.txt", "ContentType": "text/plain", "Note": "Sample note"}\n\n'
		f'--{boundary}\nContent-Disposition: form-data; name="file_content_01"\nContent-Type: text/plain\n'
		"Content-Transfer-Encoding: base64\n\nRmlsZSBjb250ZW50cyBpbiBieXRlcw==\n\n"
		f"--{boundary}--\n"
	)
	response = api.session.post(
		f"{api.company_url}/upload",
		data=body,
		headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
		timeout=30,
	)
	attachable = ok(response)["AttachableResponse"][0]["Attachable"]
	content = requests.get(api.get(f"download/{attachable['Id']}").text, timeout=30)

	assert attachable["Note"] == "Sample note" and content.content == b"File contents in bytes"


# Currencies


def test_company_currency_and_exchange_rates(make_api):
	api = make_api(multicurrency=True)
	euro = api.create("CompanyCurrency", {"Code": "EUR"})
	rate = api.query("select * from ExchangeRate where SourceCurrencyCode = 'EUR'")["ExchangeRate"][0]
	changed = ok(api.post("exchangerate", {**rate, "Rate": rate["Rate"] + 1}))["ExchangeRate"]
	read = ok(api.get("exchangerate", sourcecurrencycode="EUR", asofdate=rate["AsOfDate"]))["ExchangeRate"]
	stale = api.post("exchangerate", {**rate, "Rate": 2})

	assert euro["Name"] == "Euro" and euro["Active"] is True
	assert rate["TargetCurrencyCode"] == "USD" and "Id" not in rate
	assert changed["Rate"] == rate["Rate"] + 1 and changed["SyncToken"] == "1"
	assert read["Rate"] == changed["Rate"]
	assert fault_of(stale)["code"] == "5010"
	assert fault_of(api.post("companycurrency", {"Code": "EUR"}))["code"] == "6240"
	assert fault_of(api.post("companycurrency", {"Code": "USD"}))["code"] == "6000"


def test_company_currency_and_rates_need_multicurrency(api):
	assert fault_of(api.post("companycurrency", {"Code": "EUR"}))["code"] == "6000"
	assert fault_of(api.get("exchangerate", sourcecurrencycode="EUR"))["code"] == "6000"


def test_exchange_rate_is_used_when_a_document_sends_none(make_api):
	api = make_api(multicurrency=True)
	customer = make_customer(api, "Euro Buyer", CurrencyRef={"value": "EUR"})
	rate = api.query("select * from ExchangeRate where SourceCurrencyCode = 'EUR'")["ExchangeRate"][0]
	ok(api.post("exchangerate", {**rate, "Rate": Decimal("1.25")}))
	invoice = api.create(
		"Invoice",
		{
			"CustomerRef": {"value": customer["Id"]},
			"CurrencyRef": {"value": "EUR"},
			"Line": [sales_line(make_item(api)["Id"], 1, 100)],
		},
	)

	assert invoice["ExchangeRate"] == Decimal("1.25") and invoice["HomeTotalAmt"] == 125
	assert {row["Code"] for row in api.query("select * from CompanyCurrency")["CompanyCurrency"]} == {"EUR"}


# Tax service


def test_taxservice_creates_a_code_usable_on_lines(make_api):
	api = make_api(country="CA")
	agency = api.query("select * from TaxAgency")["TaxAgency"][0]
	created = ok(
		api.post(
			"taxservice/taxcode",
			{
				"TaxCode": "PST BC",
				"TaxRateDetails": [
					{
						"TaxRateName": "PST BC",
						"RateValue": 7,
						"TaxAgencyId": agency["Id"],
						"TaxApplicableOn": "Sales",
					}
				],
			},
		)
	)
	item = make_item(api)
	invoice = api.create(
		"Invoice",
		{
			"CustomerRef": {"value": make_customer(api)["Id"]},
			"Line": [sales_line(item["Id"], 1, 100, TaxCodeRef={"value": created["TaxCodeId"]})],
		},
	)
	again = api.post(
		"taxservice/taxcode",
		{"TaxCode": "PST BC", "TaxRateDetails": [{"TaxRateId": created["TaxRateDetails"][0]["TaxRateId"]}]},
	)

	assert created["TaxCode"] == "PST BC" and created["TaxRateDetails"][0]["TaxAgencyId"] == agency["Id"]
	assert invoice["TxnTaxDetail"]["TotalTax"] == 7 and invoice["TotalAmt"] == 107
	assert fault_of(again)["code"] == "6240"
	assert decoded(api.get(f"taxcode/{created['TaxCodeId']}"))["TaxCode"]["SalesTaxRateList"]
