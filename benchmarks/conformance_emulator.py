"""Does the emulator behave like QuickBooks Online for any client? A conformance run with plain ``requests``.

Drives the emulator the way a generic QuickBooks client does — never through this project's QuickBooks client —
through one published workflow per entity: the sandbox integration tests of a widely used open-source Python
client (create, read, query, update, delete or void as each test does) and the request shapes of Intuit's API
reference, plus the rules a reader depends on (no subtotal lines on purchases, Qty x UnitPrice, references
checked, journal totals, invoice links, preferences that change behaviour). Records are looked up by query,
never by the sandbox's Ids. Prints a table of what passes and exits 1 if anything fails.

    python benchmarks/conformance_emulator.py [--url http://127.0.0.1:8765] [--country US]

Without ``--url`` it starts an emulator of its own on a free port. The company is created through the admin
endpoint (multicurrency on, sample data) and connected through the OAuth 2.0 endpoints.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

CLIENT_ID = "emulator-client-id"
CLIENT_SECRET = "emulator-client-secret"
REDIRECT_URI = "http://localhost:8000/callback"
JSON_NAMES = {"CreditCardPayment": "CreditCardPaymentTxn"}  # Intuit's JSON name differs from the path


class Failed(AssertionError):
	pass


def check(condition: Any, message: str) -> None:
	if not condition:
		raise Failed(message)


@dataclass
class Outcome:
	entity: str
	workflow: str
	passed: bool
	detail: str


class Client:
	"""The generic client: bearer token, JSON in and out (Decimal numbers), minorversion 75."""

	def __init__(self, base_url: str, realm_id: str) -> None:
		self.base_url = base_url
		self.realm_id = realm_id
		self.session = requests.Session()
		self.session.headers.update({"Accept": "application/json", "User-Agent": "conformance-run"})
		self.tokens: dict[str, Any] = {}

	# OAuth 2.0, as any client does it
	def connect(self) -> None:
		response = self.session.get(
			f"{self.base_url}/connect/oauth2",
			params={
				"client_id": CLIENT_ID,
				"response_type": "code",
				"scope": "com.intuit.quickbooks.accounting",
				"redirect_uri": REDIRECT_URI,
				"state": "xyz",
				"realm_id": self.realm_id,
			},
			allow_redirects=False,
			timeout=30,
		)
		check(response.status_code == 302, f"authorize answered {response.status_code}")
		query = parse_qs(urlsplit(response.headers["Location"]).query)
		check(
			query["state"] == ["xyz"] and query["realmId"] == [self.realm_id], "callback lacks state/realmId"
		)
		self.tokens = self._token(
			{"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": REDIRECT_URI}
		)

	def refresh(self) -> None:
		self.tokens = self._token(
			{"grant_type": "refresh_token", "refresh_token": self.tokens["refresh_token"]}
		)

	def _token(self, form: dict[str, str]) -> dict[str, Any]:
		basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
		response = self.session.post(
			f"{self.base_url}/oauth2/v1/tokens/bearer",
			data=form,
			headers={"Authorization": f"Basic {basic}", "Accept": "application/json"},
			timeout=30,
		)
		check(response.status_code == 200, f"token endpoint answered {response.status_code}: {response.text}")
		tokens = response.json()
		check(tokens["token_type"] == "bearer" and tokens["expires_in"] == 3600, "unexpected token response")
		return tokens

	def call(
		self, method: str, path: str, body: Any = None, params: dict | None = None, **kwargs: Any
	) -> requests.Response:
		headers = {"Authorization": f"Bearer {self.tokens['access_token']}", **kwargs.pop("headers", {})}
		data = kwargs.pop("data", None)
		if body is not None:
			data = json.dumps(
				body, default=lambda value: float(value) if isinstance(value, Decimal) else str(value)
			)
			headers.setdefault("Content-Type", "application/json")
		return self.session.request(
			method,
			f"{self.base_url}/v3/company/{self.realm_id}/{path}",
			params={"minorversion": "75", **(params or {})},
			data=data,
			headers=headers,
			timeout=30,
			**kwargs,
		)

	def ok(self, response: requests.Response) -> dict[str, Any]:
		check(response.status_code == 200, f"HTTP {response.status_code}: {response.text[:300]}")
		payload = json.loads(response.text, parse_float=Decimal)
		check("Fault" not in payload, f"fault: {response.text[:300]}")
		return payload

	def fault(self, response: requests.Response) -> str:
		check(
			response.status_code == 400,
			f"expected a fault, got HTTP {response.status_code}: {response.text[:200]}",
		)
		return json.loads(response.text)["Fault"]["Error"][0]["code"]

	def create(self, entity: str, body: dict[str, Any], **params: str) -> dict[str, Any]:
		return self.ok(self.call("POST", entity.lower(), body, params))[JSON_NAMES.get(entity, entity)]

	def get(self, entity: str, object_id: str, **params: str) -> dict[str, Any]:
		answer = self.ok(self.call("GET", f"{entity.lower()}/{object_id}", params=params))
		return answer[JSON_NAMES.get(entity, entity)]

	def query(self, statement: str) -> dict[str, Any]:
		# POST with application/text, as the open-source client does
		response = self.call("POST", "query", data=statement, headers={"Content-Type": "application/text"})
		return self.ok(response)["QueryResponse"]

	def rows(self, entity: str, where: str = "", limit: int = 100) -> list[dict[str, Any]]:
		clause = f" WHERE {where}" if where else ""
		answer = self.query(f"SELECT * FROM {entity}{clause} MAXRESULTS {limit}")
		return answer.get(JSON_NAMES.get(entity, entity), [])

	def first(self, entity: str, where: str = "") -> dict[str, Any]:
		rows = self.rows(entity, where, 1)
		check(rows, f"no {entity} where {where!r}")
		return rows[0]

	def ref(self, obj: dict[str, Any], name: str = "Name") -> dict[str, str]:
		return {"value": obj["Id"], "name": obj.get(name) or obj.get("DisplayName") or ""}


Workflow = Callable[[Client], str]
WORKFLOWS: list[tuple[str, str, Workflow]] = []


def workflow(entity: str, name: str) -> Callable[[Workflow], Workflow]:
	def register(function: Workflow) -> Workflow:
		WORKFLOWS.append((entity, name, function))
		return function

	return register


def stamp() -> str:
	return uuid.uuid4().hex[:8]


# Connection and company


@workflow("OAuth 2.0", "refresh keeps the connection")
def oauth(c: Client) -> str:
	c.refresh()
	c.get("CompanyInfo", c.realm_id)
	return "authorize → code → tokens → refresh"


@workflow("CompanyInfo", "read")
def company_info(c: Client) -> str:
	info = c.get("CompanyInfo", c.realm_id)
	check(info["Country"] and info["CompanyName"], "CompanyInfo lacks Country/CompanyName")
	return f"Country {info['Country']}"


@workflow("Preferences", "read every section, update a message")
def preferences(c: Client) -> str:
	prefs = c.ok(c.call("GET", "preferences"))["Preferences"]
	check(prefs["Id"] == "1", "Preferences Id is not 1")
	check(prefs["AccountingInfoPrefs"]["TaxYearMonth"] == "January", "TaxYearMonth")
	check(prefs["ProductAndServicesPrefs"]["ForPurchase"] is True, "ForPurchase")
	check(prefs["VendorAndPurchasesPrefs"]["BillableExpenseTracking"] is True, "BillableExpenseTracking")
	check(prefs["TimeTrackingPrefs"]["WorkWeekStartDate"] == "Monday", "WorkWeekStartDate")
	check(
		prefs["OtherPrefs"]["NameValue"][0]["Name"] == "SalesFormsPrefs.DefaultCustomerMessage", "NameValue"
	)
	subject = stamp()
	prefs["EmailMessagesPrefs"]["EstimateMessage"]["Subject"] = subject
	c.ok(c.call("POST", "preferences", prefs))
	again = c.ok(c.call("GET", "preferences"))["Preferences"]
	check(again["EmailMessagesPrefs"]["EstimateMessage"]["Subject"] == subject, "subject not kept")
	return "10 sections; full update kept"


@workflow("Preferences", "custom numbers off numbers invoices")
def custom_numbers(c: Client) -> str:
	def switch(on: bool) -> None:
		prefs = c.ok(c.call("GET", "preferences"))["Preferences"]
		sales = {"CustomTxnNumbers": on}
		c.ok(
			c.call(
				"POST",
				"preferences",
				{"SyncToken": prefs["SyncToken"], "sparse": True, "SalesFormsPrefs": sales},
			)
		)

	switch(False)
	try:
		invoice = c.create("Invoice", _invoice_body(c, DocNumber="IGNORED"))
	finally:
		switch(True)
	check(
		invoice["DocNumber"] != "IGNORED" and invoice["DocNumber"].isdigit(),
		f"DocNumber {invoice.get('DocNumber')}",
	)
	return f"numbered {invoice['DocNumber']}"


@workflow("Preferences", "multicurrency cannot be turned off")
def multicurrency(c: Client) -> str:
	prefs = c.ok(c.call("GET", "preferences"))["Preferences"]
	check(prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] is True, "multicurrency is off")
	off = c.call(
		"POST",
		"preferences",
		{"SyncToken": prefs["SyncToken"], "CurrencyPrefs": {"MultiCurrencyEnabled": False}},
	)
	check(c.fault(off) == "6000", "switching off was not refused")
	return "off → 6000"


# Name lists


@workflow("Customer", "create, read, query, sparse update, duplicate")
def customer(c: Client) -> str:
	name = f"Conformance {stamp()}"
	created = c.create("Customer", {"DisplayName": name, "PrimaryEmailAddr": {"Address": "c@example.com"}})
	check(c.get("Customer", created["Id"])["DisplayName"] == name, "read differs")
	found = c.rows("Customer", f"DisplayName = '{name}'")
	check([row["Id"] for row in found] == [created["Id"]], "query by DisplayName")
	updated = c.create(
		"Customer", {"Id": created["Id"], "SyncToken": created["SyncToken"], "sparse": True, "Notes": "n"}
	)
	check(
		updated["SyncToken"] == "1" and updated["PrimaryEmailAddr"]["Address"] == "c@example.com",
		"sparse update",
	)
	check(c.fault(c.call("POST", "vendor", {"DisplayName": name})) == "6240", "duplicate name")
	return "6240 across customers and vendors"


@workflow("Vendor", "create, update")
def vendor(c: Client) -> str:
	created = c.create("Vendor", {"DisplayName": f"Supplier {stamp()}"})
	updated = c.create("Vendor", {**created, "CompanyName": "Supplies Inc"})
	check(updated["CompanyName"] == "Supplies Inc", "update lost")
	return "full update"


@workflow("Employee", "create, read")
def employee(c: Client) -> str:
	created = c.create("Employee", {"GivenName": "Test", "FamilyName": stamp()})
	check(c.get("Employee", created["Id"])["DisplayName"].startswith("Test "), "DisplayName not built")
	return "DisplayName from name parts"


@workflow("Item", "filter inventory, create service")
def item(c: Client) -> str:
	c.first("Item", "Type = 'Inventory'")
	income = c.first("Account", "AccountType = 'Income'")
	created = c.create(
		"Item", {"Name": f"Service {stamp()}", "Type": "Service", "IncomeAccountRef": c.ref(income)}
	)
	check(created["Type"] == "Service", "type")
	return "Inventory item present"


@workflow("Account", "create credit card, query with !=")
def account(c: Client) -> str:
	created = c.create("Account", _card_account(c, f"Card {stamp()}"))
	check(created["Classification"] == "Liability", "classification")
	rows = c.rows(
		"Account", "Classification = 'Asset' AND FullyQualifiedName != 'Accounts Receivable (A/R)'", 2
	)
	check(len(rows) == 2 and all(row["Classification"] == "Asset" for row in rows), "query")
	return "Classification derived"


def _card_account(c: Client, name: str) -> dict[str, Any]:
	body = {"Name": name, "AccountType": "Credit Card", "AccountSubType": "CreditCard"}
	if c.get("CompanyInfo", c.realm_id)["Country"] == "FR":  # French companies need account numbers
		body["AcctNum"] = f"519{stamp()[:3].upper().replace('-', '0')}"
	return body


@workflow("Term", "create, read")
def term(c: Client) -> str:
	created = c.create("Term", {"Name": f"Net {stamp()[:4]}", "DueDays": 45})
	check(c.get("Term", created["Id"])["Type"] == "STANDARD", "type")
	return "STANDARD"


@workflow("Class", "create, read, update")
def tracking_class(c: Client) -> str:
	created = c.create("Class", {"Name": f"Test Class {stamp()}"})
	check(c.get("Class", created["Id"])["Name"] == created["Name"], "read")
	first = c.first("Class")
	updated = c.create("Class", {**first, "Name": f"Updated {stamp()}"})
	check(c.get("Class", first["Id"])["Name"] == updated["Name"], "update")
	return "full update"


@workflow("Department", "create, read, update")
def department(c: Client) -> str:
	created = c.create("Department", {"Name": f"Test Department {stamp()}"})
	check(c.get("Department", created["Id"])["Name"] == created["Name"], "read")
	first = c.first("Department")
	c.create("Department", {**first, "Name": f"Renamed {stamp()}"})
	return "full update"


@workflow("PaymentMethod", "create, query, deactivate")
def payment_method(c: Client) -> str:
	created = c.create("PaymentMethod", {"Name": f"Giro {stamp()[:4]}", "Type": "NON_CREDIT_CARD"})
	c.create("PaymentMethod", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "Active": False})
	check(created["Id"] not in {row["Id"] for row in c.rows("PaymentMethod")}, "inactive row listed")
	return "inactive hidden from queries"


@workflow("TaxAgency", "read, create")
def tax_agency(c: Client) -> str:
	check(len(c.rows("TaxAgency", limit=1)) == 1, "no agency")
	created = c.create("TaxAgency", {"DisplayName": f"Tax Agency {stamp()}"})
	check(c.get("TaxAgency", created["Id"])["DisplayName"] == created["DisplayName"], "read")
	return "create/read/query"


@workflow("TaxCode / TaxRate", "query")
def tax_code(c: Client) -> str:
	check(c.rows("TaxCode"), "no tax codes")
	check(len(c.rows("TaxRate", limit=1)) == 1, "no tax rates")
	return f"{len(c.rows('TaxCode'))} codes"


@workflow("TaxService", "create code and rate")
def tax_service(c: Client) -> str:
	name = f"TaxCode {stamp()}"
	agency = c.first("TaxAgency")
	body = {
		"TaxCode": name,
		"TaxRateDetails": [
			{"TaxRateName": name, "RateValue": 10, "TaxAgencyId": agency["Id"], "TaxApplicableOn": "Sales"}
		],
	}
	created = c.ok(c.call("POST", "taxservice/taxcode", body))
	detail = created["TaxRateDetails"][0]
	check(
		created["TaxCode"] == name and detail["RateValue"] == 10 and detail["TaxAgencyId"] == agency["Id"],
		"answer",
	)
	check(c.get("TaxCode", created["TaxCodeId"])["Name"] == name, "code not readable")
	return f"TaxCodeId {created['TaxCodeId']}"


@workflow("CompanyCurrency", "list, add, read")
def company_currency(c: Client) -> str:
	check(c.rows("CompanyCurrency"), "no currencies")
	added = c.create("CompanyCurrency", {"Code": "CHF"})
	check(c.get("CompanyCurrency", added["Id"])["Name"] == "Swiss Franc", "name")
	return "CHF added"


@workflow("ExchangeRate", "query, update, used for home amounts")
def exchange_rate(c: Client) -> str:
	home = c.ok(c.call("GET", "preferences"))["Preferences"]["CurrencyPrefs"]["HomeCurrency"]["value"]
	code = "EUR" if home != "EUR" else "GBP"
	rate = c.first("ExchangeRate", f"SourceCurrencyCode = '{code}'")
	check(rate["TargetCurrencyCode"] == home, f"target {rate['TargetCurrencyCode']}, home {home}")
	rate["Rate"] += 1
	c.ok(c.call("POST", "exchangerate", rate))
	updated = c.first("ExchangeRate", f"SourceCurrencyCode = '{code}'")
	check(updated["Rate"] == rate["Rate"], "rate not kept")
	customer = c.create("Customer", {"DisplayName": f"Foreign {stamp()}", "CurrencyRef": {"value": code}})
	invoice = c.create(
		"Invoice", _invoice_body(c, CustomerRef=c.ref(customer, "DisplayName"), CurrencyRef={"value": code})
	)
	check(invoice["ExchangeRate"] == updated["Rate"], "rate not used")
	check(
		invoice["HomeTotalAmt"] == (invoice["TotalAmt"] * updated["Rate"]).quantize(Decimal("0.01")),
		"home total",
	)
	return f"{code} rate {updated['Rate']} booked"


# Sales


def _invoice_body(c: Client, **fields: Any) -> dict[str, Any]:
	item = c.first("Item", "Type = 'Service'")
	line = {
		"LineNum": 1,
		"Description": "description",
		"Amount": 100,
		"DetailType": "SalesItemLineDetail",
		"SalesItemLineDetail": {"ItemRef": c.ref(item), "Qty": 0, "UnitPrice": 0, "ServiceDate": ""},
	}
	line["SalesItemLineDetail"].update(_tax(c))
	return {"CustomerRef": c.ref(c.first("Customer"), "DisplayName"), "Line": [line], **fields}


def _tax(c: Client, sales: bool = True) -> dict[str, Any]:
	info = c.get("CompanyInfo", c.realm_id)
	if info["Country"] == "US":
		return {}
	code = sorted(c.rows("TaxCode"), key=lambda row: int(row["Id"]))[0]
	return {"TaxCodeRef": {"value": code["Id"]}}


@workflow("Invoice", "create (Qty 0, UnitPrice 0), read, query, void, delete")
def invoice(c: Client) -> str:
	created = c.create("Invoice", {**_invoice_body(c), "CustomerMemo": {"value": "Customer Memo"}})
	read = c.get("Invoice", created["Id"])
	check(read["Line"][0]["Amount"] == 100 and read["CustomerMemo"]["value"] == "Customer Memo", "read")
	check(read["Line"][-1]["DetailType"] == "SubTotalLineDetail", "sales forms carry a subtotal line")
	found = c.rows("Invoice", f"CustomerRef = '{read['CustomerRef']['value']}'")
	check(found and found[0]["CustomerRef"]["name"], "query by CustomerRef")
	voided = c.ok(
		c.call(
			"POST", "invoice", {"Id": created["Id"], "SyncToken": read["SyncToken"]}, {"operation": "void"}
		)
	)["Invoice"]
	check(voided["Balance"] == 0 and voided["TotalAmt"] == 0 and "Voided" in voided["PrivateNote"], "void")
	other = c.create("Invoice", _invoice_body(c))
	c.ok(
		c.call(
			"POST", "invoice", {"Id": other["Id"], "SyncToken": other["SyncToken"]}, {"operation": "delete"}
		)
	)
	check(c.rows("Invoice", f"Id = '{other['Id']}'") == [], "deleted invoice still listed")
	return "void zeroes, delete removes"


@workflow("Invoice", "request id makes create idempotent")
def idempotence(c: Client) -> str:
	request_id = str(uuid.uuid4())
	first = c.ok(c.call("POST", "invoice", _invoice_body(c), {"requestid": request_id}))["Invoice"]
	second = c.ok(c.call("POST", "invoice", _invoice_body(c), {"requestid": request_id}))["Invoice"]
	check(first["Id"] == second["Id"], "duplicate created")
	return "same Id"


@workflow("Invoice", "sharable link generated")
def invoice_link(c: Client) -> str:
	customer = c.create("Customer", {"DisplayName": stamp()})
	body = _invoice_body(
		c,
		CustomerRef=c.ref(customer, "DisplayName"),
		DueDate="2024-12-31",
		AllowOnlineCreditCardPayment=True,
		AllowOnlineACHPayment=True,
		BillEmail={"Address": "test@email.com"},
		InvoiceLink="http://not-from-the-client",
	)
	created = c.create("Invoice", body)
	read = c.get("Invoice", created["Id"], include="invoiceLink")
	check(
		read.get("InvoiceLink") and "https" in read["InvoiceLink"] and "not-from" not in read["InvoiceLink"],
		"link",
	)
	return "https link"


@workflow("Invoice", "Amount must be Qty x UnitPrice")
def qty_rule(c: Client) -> str:
	body = _invoice_body(c)
	body["Line"][0]["SalesItemLineDetail"].update(Qty=3, UnitPrice=Decimal("11.34"))
	body["Line"][0]["Amount"] = 34
	check(c.fault(c.call("POST", "invoice", body)) == "6070", "6070 expected")
	body["Line"][0]["Amount"] = Decimal("34.02")
	c.create("Invoice", body)
	return "6070 / accepted at 34.02"


@workflow("Payment", "pay an invoice")
def payment(c: Client) -> str:
	created = c.create("Invoice", _invoice_body(c))
	paid = c.create(
		"Payment",
		{
			"CustomerRef": created["CustomerRef"],
			"TotalAmt": created["TotalAmt"],
			"Line": [
				{"Amount": created["TotalAmt"], "LinkedTxn": [{"TxnId": created["Id"], "TxnType": "Invoice"}]}
			],
		},
	)
	check(paid["UnappliedAmt"] == 0 and c.get("Invoice", created["Id"])["Balance"] == 0, "balance")
	return "Balance 0"


@workflow("CreditMemo", "create")
def credit_memo(c: Client) -> str:
	created = c.create("CreditMemo", _invoice_body(c))
	check(created["RemainingCredit"] == created["TotalAmt"], "remaining credit")
	return "RemainingCredit"


@workflow("SalesReceipt", "create, void")
def sales_receipt(c: Client) -> str:
	item = c.first("Item", "Type = 'Service'")
	detail = {
		"ItemRef": c.ref(item),
		"Qty": 1,
		"UnitPrice": 100.0,
		"ServiceDate": time.strftime("%Y-%m-%d"),
		**_tax(c),
	}
	body = {
		"TotalAmt": 100.0,
		"CustomerRef": c.ref(c.first("Customer"), "DisplayName"),
		"Line": [{"Amount": 100.0, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}],
	}
	created = c.create("SalesReceipt", body)
	read = c.get("SalesReceipt", created["Id"])
	check(read["Line"][0]["SalesItemLineDetail"]["Qty"] == 1 and read["Line"][0]["Amount"] == 100, "lines")
	check("Voided" not in (read.get("PrivateNote") or ""), "already voided")
	c.ok(
		c.call(
			"POST",
			"salesreceipt",
			{"Id": read["Id"], "SyncToken": read["SyncToken"], "sparse": True},
			{"operation": "update", "include": "void"},
		)
	)
	voided = c.get("SalesReceipt", created["Id"])
	check(voided["TotalAmt"] == 0 and "Voided" in voided["PrivateNote"], "void")
	return "void via include=void"


@workflow("RefundReceipt", "create from checking")
def refund_receipt(c: Client) -> str:
	item = c.first("Item", "Type = 'Service'")
	checking = c.first("Account", "Name = 'checking'")
	body = {
		"DocNumber": f"R{stamp()[:6]}",
		"TotalAmt": 100,
		"Balance": 100,
		"PrivateNote": "Private Note",
		"PaymentType": "Check",
		"CustomerMemo": {"value": "Customer Memo"},
		"CheckPayment": {
			"CheckNum": "1001",
			"NameOnAcct": "John Smith",
			"AcctNum": "0000000000",
			"BankName": "Bank",
		},
		"Line": [
			{
				"DetailType": "SalesItemLineDetail",
				"Amount": 200,
				"SalesItemLineDetail": {"ItemRef": c.ref(item), **_tax(c)},
			}
		],
		"DepositToAccountRef": c.ref(checking),
	}
	created = c.create("RefundReceipt", body)
	read = c.get("RefundReceipt", created["Id"])
	check(read["DocNumber"] == body["DocNumber"] and read["Line"][0]["Amount"] == 200, "read")
	check(read["DepositToAccountRef"]["value"] == checking["Id"], "account")
	return "TotalAmt recomputed"


@workflow("Estimate", "create with a 10% discount")
def estimate(c: Client) -> str:
	item = c.first("Item", "Type = 'Service'")
	discount_account = c.first("Account", "AccountSubType = 'DiscountsRefundsGiven'")
	body = {
		"TotalAmt": 31.5,
		"ApplyTaxAfterDiscount": False,
		"PrintStatus": "NeedToPrint",
		"EmailStatus": "NotSet",
		"BillAddr": {
			"Line1": "65 Ocean Dr.",
			"City": "Half Moon Bay",
			"CountrySubDivisionCode": "CA",
			"PostalCode": "94213",
		},
		"BillEmail": {"Address": "Cool_Cars@intuit.com"},
		"CustomerMemo": {"value": "Thank you for your business and have a great day!"},
		"CustomerRef": c.ref(c.first("Customer"), "DisplayName"),
		"TxnTaxDetail": {"TotalTax": 0},
		"TrackingNum": "42",
		"Line": [
			{
				"LineNum": 1,
				"Description": "Pest Control Services",
				"Amount": 35.0,
				"DetailType": "SalesItemLineDetail",
				"SalesItemLineDetail": {
					"UnitPrice": 35,
					"Qty": 1,
					"ItemRef": c.ref(item),
					**(_tax(c) or {"TaxCodeRef": {"value": "NON"}}),
				},
			},
			{
				"Amount": 3.5,
				"DetailType": "DiscountLineDetail",
				"DiscountLineDetail": {
					"PercentBased": True,
					"DiscountPercent": 10,
					"DiscountAccountRef": c.ref(discount_account),
				},
			},
		],
	}
	created = c.create("Estimate", body)
	read = c.get("Estimate", created["Id"])
	check(
		read["Line"][2]["DetailType"] == "DiscountLineDetail" and read["Line"][2]["Amount"] == Decimal("3.5"),
		"discount line",
	)
	check(read["TrackingNum"] == "42" and read["PrintStatus"] == "NeedToPrint", "header fields")
	if _tax(c) == {}:
		check(read["TotalAmt"] == Decimal("31.5"), f"TotalAmt {read['TotalAmt']}")
	return f"TotalAmt {read['TotalAmt']}"


# Purchases


def _expense_line(c: Client, amount: Any) -> dict[str, Any]:
	account = c.first("Account", "AccountType = 'Expense'")
	return {
		"DetailType": "AccountBasedExpenseLineDetail",
		"Amount": amount,
		"AccountBasedExpenseLineDetail": {"AccountRef": c.ref(account), **_tax(c)},
	}


@workflow("Bill", "no subtotal line; lines add up to the total")
def bill(c: Client) -> str:
	created = c.create(
		"Bill",
		{
			"VendorRef": c.ref(c.first("Vendor"), "DisplayName"),
			"Line": [_expense_line(c, 200), _expense_line(c, 50)],
		},
	)
	check(
		all(line["DetailType"] != "SubTotalLineDetail" for line in created["Line"]), "subtotal line on a bill"
	)
	net = sum(line["Amount"] for line in created["Line"])
	check(net + created["TxnTaxDetail"].get("TotalTax", 0) == created["TotalAmt"], "lines do not add up")
	return f"TotalAmt {created['TotalAmt']}"


@workflow("BillPayment", "pay a bill by check")
def bill_payment(c: Client) -> str:
	created = c.create(
		"Bill", {"VendorRef": c.ref(c.first("Vendor"), "DisplayName"), "Line": [_expense_line(c, 80)]}
	)
	bank = c.first("Account", "AccountType = 'Bank'")
	c.create(
		"BillPayment",
		{
			"VendorRef": created["VendorRef"],
			"PayType": "Check",
			"TotalAmt": created["TotalAmt"],
			"CheckPayment": {"BankAccountRef": c.ref(bank)},
			"Line": [
				{"Amount": created["TotalAmt"], "LinkedTxn": [{"TxnId": created["Id"], "TxnType": "Bill"}]}
			],
		},
	)
	check(c.get("Bill", created["Id"])["Balance"] == 0, "bill still open")
	return "Balance 0"


@workflow("VendorCredit", "no subtotal line")
def vendor_credit(c: Client) -> str:
	created = c.create(
		"VendorCredit", {"VendorRef": c.ref(c.first("Vendor"), "DisplayName"), "Line": [_expense_line(c, 20)]}
	)
	check([line["DetailType"] for line in created["Line"]] == ["AccountBasedExpenseLineDetail"], "lines")
	return "1 line"


def _item_line(c: Client) -> dict[str, Any]:
	inventory = c.first("Item", "Type = 'Inventory'")
	taxcode = c.rows("TaxCode", limit=1)[0]
	return {
		"Amount": 100,
		"DetailType": "ItemBasedExpenseLineDetail",
		"ItemBasedExpenseLineDetail": {
			"BillableStatus": "NotBillable",
			"UnitPrice": 100,
			"Qty": 1,
			"CustomerRef": c.ref(c.first("Customer"), "DisplayName"),
			"TaxCodeRef": {"value": taxcode["Id"], "name": taxcode["Name"]},
			"ItemRef": c.ref(inventory),
		},
	}


@workflow("PurchaseOrder", "create with an item line")
def purchase_order(c: Client) -> str:
	payable = c.first("Account", "AccountType = 'Accounts Payable'")
	created = c.create(
		"PurchaseOrder",
		{
			"Line": [_item_line(c)],
			"VendorRef": c.ref(c.first("Vendor"), "DisplayName"),
			"APAccountRef": c.ref(payable),
			"TotalAmt": 100,
		},
	)
	read = c.get("PurchaseOrder", created["Id"])
	detail = read["Line"][0]["ItemBasedExpenseLineDetail"]
	check(
		read["APAccountRef"]["value"] == payable["Id"] and detail["Qty"] == 1 and detail["UnitPrice"] == 100,
		"read",
	)
	return f"POStatus {read['POStatus']}"


@workflow("Purchase", "credit card expense, allowduplicatedocnum")
def purchase(c: Client) -> str:
	card = c.first("Account", "AccountType = 'Credit Card'")
	body = {
		"DocNumber": "Doc123",
		"PaymentType": "CreditCard",
		"AccountRef": c.ref(card),
		"TotalAmt": 100,
		"Line": [_item_line(c)],
	}
	created = c.create("Purchase", body, include="allowduplicatedocnum")
	c.create("Purchase", body, include="allowduplicatedocnum")
	read = c.get("Purchase", created["Id"])
	tax = read["TxnTaxDetail"].get("TotalTax", 0)
	check(read["AccountRef"]["value"] == card["Id"] and read["DocNumber"] == "Doc123", "read")
	check(read["TotalAmt"] == 100 + tax, f"TotalAmt {read['TotalAmt']}")
	check(c.fault(c.call("POST", "purchase", body)) == "6140", "duplicate number allowed without the flag")
	return "6140 without the flag"


# Banking


@workflow("Deposit", "deposit to a bank account")
def deposit(c: Client) -> str:
	banks = c.rows("Account", "AccountType = 'Bank'", 2)
	line = {
		"Amount": 20.0,
		"DetailType": "DepositLineDetail",
		"DepositLineDetail": {"AccountRef": c.ref(banks[0])},
	}
	created = c.create("Deposit", {"DepositToAccountRef": c.ref(banks[1]), "Line": [line]})
	check(c.get("Deposit", created["Id"])["TotalAmt"] == 20, "total")
	return "TotalAmt 20"


@workflow("Transfer", "create, update")
def transfer(c: Client) -> str:
	accounts = c.rows(
		"Account", "Classification = 'Asset' AND FullyQualifiedName != 'Accounts Receivable (A/R)'", 2
	)
	created = c.create(
		"Transfer", {"Amount": 100, "FromAccountRef": c.ref(accounts[0]), "ToAccountRef": c.ref(accounts[1])}
	)
	check(c.get("Transfer", created["Id"])["Amount"] == 100, "read")
	first = c.first("Transfer")
	first["Amount"] += 1
	c.create("Transfer", first)
	check(c.get("Transfer", first["Id"])["Amount"] == first["Amount"], "update")
	return "full update"


@workflow("CreditCardPayment", "create, update")
def credit_card_payment(c: Client) -> str:
	card = c.create("Account", _card_account(c, f"Credit Card Account {stamp()}"))
	bank = c.first("Account", "AccountType = 'Bank'")
	created = c.create(
		"CreditCardPayment",
		{"Amount": 100, "BankAccountRef": c.ref(bank), "CreditCardAccountRef": c.ref(card)},
	)
	read = c.get("CreditCardPayment", created["Id"])
	check(read["Amount"] == 100 and read["CreditCardAccountRef"]["value"] == card["Id"], "read")
	read["Amount"] += 1
	c.create("CreditCardPayment", read)
	check(c.get("CreditCardPayment", read["Id"])["Amount"] == read["Amount"], "update")
	return "full update"


@workflow("JournalEntry", "TotalAmt is the sum of the debits")
def journal_entry(c: Client) -> str:
	expense, bank = c.first("Account", "AccountType = 'Expense'"), c.first("Account", "AccountType = 'Bank'")
	lines = [
		{
			"Amount": 5.00,
			"DetailType": "JournalEntryLineDetail",
			"JournalEntryLineDetail": {
				"PostingType": posting,
				"AccountRef": c.ref(account),
				**({"TaxCodeRef": _tax(c)["TaxCodeRef"], "TaxApplicableOn": "Purchase"} if _tax(c) else {}),
			},
		}
		for posting, account in (("Debit", expense), ("Credit", bank))
	]
	created = c.create("JournalEntry", {"Line": lines})
	check(created["TotalAmt"] == 5, f"TotalAmt {created['TotalAmt']}")
	return "TotalAmt 5.00"


@workflow("TimeActivity", "create, update")
def time_activity(c: Client) -> str:
	employee = c.first("Employee")
	created = c.create(
		"TimeActivity",
		{
			"NameOf": "Employee",
			"EmployeeRef": c.ref(employee, "DisplayName"),
			"Description": "Test description",
			"StartTime": "2016-07-22T10:00:00-07:00",
			"EndTime": "2016-07-22T11:00:00-07:00",
			"CostRate": 50.0,
		},
	)
	read = c.get("TimeActivity", created["Id"])
	check(
		read["NameOf"] == "Employee"
		and read["CostRate"] == 50
		and read["EmployeeRef"]["value"] == employee["Id"],
		"read",
	)
	first = c.first("TimeActivity")
	c.create("TimeActivity", {**first, "Description": "Updated test description", "CostRate": 75.0})
	check(c.get("TimeActivity", first["Id"])["CostRate"] == 75, "update")
	return "1 h"


@workflow("RecurringTransaction", "invoice and bill templates: create, read, update, filter, delete")
def recurring(c: Client) -> str:
	item = c.first("Item", "Type = 'Service'")
	line = {
		"LineNum": 1,
		"Description": "description",
		"Amount": 100,
		"DetailType": "SalesItemLineDetail",
		"SalesItemLineDetail": {"ItemRef": c.ref(item), **_tax(c)},
	}
	info = {
		"Active": True,
		"RecurType": "Automated",
		"Name": f"Test Recurring Invoice {stamp()}",
		"ScheduleInfo": {
			"StartDate": time.strftime("%Y-%m-%d"),
			"MaxOccurrences": 6,
			"IntervalType": "Monthly",
			"DayOfMonth": 1,
			"NumInterval": 1,
		},
	}
	body = {
		"Invoice": {
			"Line": [line],
			"CustomerRef": c.ref(c.first("Customer"), "DisplayName"),
			"RecurringInfo": info,
		}
	}
	created = c.ok(c.call("POST", "recurringtransaction", body))["RecurringTransaction"]["Invoice"]
	check(
		created["Line"][0]["Description"] == "description"
		and created["RecurringInfo"]["ScheduleInfo"]["MaxOccurrences"] == 6,
		"create",
	)
	read = c.ok(c.call("GET", f"recurringtransaction/{created['Id']}"))["RecurringTransaction"]
	read["Invoice"]["RecurringInfo"]["ScheduleInfo"]["DayOfMonth"] = 15
	read["Invoice"]["Line"][0]["Amount"] = 250
	read["Invoice"].pop("Deposit", None)
	c.ok(c.call("POST", "recurringtransaction", read))
	again = c.ok(c.call("GET", f"recurringtransaction/{created['Id']}"))["RecurringTransaction"]["Invoice"]
	check(
		again["RecurringInfo"]["ScheduleInfo"]["DayOfMonth"] == 15 and again["Line"][0]["Amount"] == 250,
		"update",
	)
	bill_info = {
		"Active": True,
		"RecurType": "Automated",
		"Name": f"Test Recurring Bill {stamp()}",
		"ScheduleInfo": {
			"StartDate": time.strftime("%Y-%m-%d"),
			"NumInterval": 1,
			"DaysBefore": 3,
			"IntervalType": "Weekly",
			"DayOfWeek": "Friday",
		},
	}
	c.ok(
		c.call(
			"POST",
			"recurringtransaction",
			{
				"Bill": {
					"VendorRef": c.ref(c.first("Vendor"), "DisplayName"),
					"Line": [_expense_line(c, 500)],
					"RecurringInfo": bill_info,
				}
			},
		)
	)
	bills = c.rows("RecurringTransaction", "Type = 'Bill'")
	check(bills and all("Bill" in row for row in bills), "filter by type")
	everything = c.rows("RecurringTransaction")
	check({"Bill", "Invoice"} <= {key for row in everything for key in row}, "all types")
	c.ok(c.call("POST", "recurringtransaction", {"Invoice": again}, {"operation": "delete"}))
	return f"{len(everything)} templates"


@workflow("Attachable", "note create, update")
def attachable_note(c: Client) -> str:
	vendor = c.first("Vendor")
	created = c.create(
		"Attachable",
		{"AttachableRef": [{"EntityRef": {"type": "Vendor", "value": vendor["Id"]}}], "Note": "Test note"},
	)
	check(
		c.get("Attachable", created["Id"])["AttachableRef"][0]["EntityRef"]["value"] == vendor["Id"], "link"
	)
	first = c.first("Attachable")
	c.create("Attachable", {**first, "Note": "Note updated"})
	check(c.get("Attachable", first["Id"])["Note"] == "Note updated", "update")
	return "linked to a vendor"


@workflow("Attachable", "multipart upload, download")
def attachable_file(c: Client) -> str:
	vendor = c.first("Vendor")
	metadata = json.dumps(
		{
			"AttachableRef": [{"EntityRef": {"type": "Vendor", "value": vendor["Id"]}}],
			"Note": "Sample note",
			"FileName": "test.txt",
			"ContentType": "text/plain",
		}
	)
	boundary = "-------------PythonMultipartPost"
	content = base64.b64encode(b"File contents in bytes").decode()
	body = (
		f'\n--{boundary}\nContent-Disposition: form-data; name="file_metadata_01"\nContent-Type: application/json\n\n{metadata}\n\n'
		f'--{boundary}\nContent-Disposition: form-data; name="file_content_01"\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n{content}\n\n'
		f"--{boundary}--\n"
	)
	response = c.call(
		"POST", "upload", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
	)
	created = c.ok(response)["AttachableResponse"][0]["Attachable"]
	check(c.get("Attachable", created["Id"])["Note"] == "Sample note", "read")
	link = c.call("GET", f"download/{created['Id']}")
	check(link.status_code == 200, f"download answered {link.status_code}")
	check(requests.get(link.text, timeout=30).content == b"File contents in bytes", "content differs")
	return f"{created['Size']} bytes round trip"


# Rules every reader relies on


@workflow("References", "unknown PaymentMethodRef / ClassRef / DepartmentRef refused")
def references(c: Client) -> str:
	codes = []
	for field in ("PaymentMethodRef", "ClassRef", "DepartmentRef"):
		codes.append(
			c.fault(c.call("POST", "salesreceipt", {**_invoice_body(c), field: {"value": "987654"}}))
		)
	check(codes == ["2500"] * 3, f"codes {codes}")
	return "2500 ×3"


@workflow("Batch", "create and query in one call")
def batch(c: Client) -> str:
	items = [
		{"bId": "b1", "operation": "create", "Vendor": {"DisplayName": f"Batch {stamp()}"}},
		{"bId": "b2", "Query": "select * from Class"},
	]
	answers = c.ok(c.call("POST", "batch", {"BatchItemRequest": items}))["BatchItemResponse"]
	check({answer["bId"] for answer in answers} == {"b1", "b2"} and "Vendor" in answers[0], "batch")
	return "2 items"


@workflow("ChangeDataCapture", "changes since an hour ago")
def cdc(c: Client) -> str:
	since = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(time.time() - 3600))
	since = since[:-2] + ":" + since[-2:]
	answer = c.ok(c.call("GET", "cdc", params={"entities": "Customer,Invoice,Class", "changedSince": since}))
	responses = answer["CDCResponse"][0]["QueryResponse"]
	check(len(responses) == 3 and "Customer" in responses[0], "CDC groups")
	return "3 groups"


def run(base_url: str, realm_id: str) -> list[Outcome]:
	client = Client(base_url, realm_id)
	outcomes = []
	try:
		client.connect()
	except (Failed, requests.RequestException, KeyError) as error:
		return [Outcome("OAuth 2.0", "connect", False, str(error))]
	for entity, name, function in WORKFLOWS:
		try:
			outcomes.append(Outcome(entity, name, True, function(client)))
		except (Failed, requests.RequestException, KeyError, IndexError, TypeError) as error:
			outcomes.append(Outcome(entity, name, False, f"{type(error).__name__}: {error}"[:160]))
	return outcomes


def table(outcomes: list[Outcome]) -> str:
	lines = ["| entity | workflow | result | detail |", "| --- | --- | --- | --- |"]
	for outcome in outcomes:
		mark = "PASS" if outcome.passed else "FAIL"
		lines.append(f"| {outcome.entity} | {outcome.workflow} | {mark} | {outcome.detail} |")
	passed = sum(outcome.passed for outcome in outcomes)
	lines.append(f"\n{passed} of {len(outcomes)} workflows pass")
	return "\n".join(lines)


def create_company(base_url: str, country: str) -> str:
	response = requests.post(
		f"{base_url}/__emulator__/realms",
		json={
			"country": country,
			"multicurrency": True,
			"sample_data": True,
			"company_name": "Conformance Co",
		},
		timeout=60,
	)
	response.raise_for_status()
	return response.json()["realm_id"]


def main(argv: list[str] | None = None) -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--url", help="a running emulator (default: start one)")
	parser.add_argument("--country", default="US", help="company country: US, CA, GB, AU, IN or FR")
	args = parser.parse_args(argv)
	server = None
	if args.url is None:
		from quickbooks_connector.emulator import EmulatorServer

		server = EmulatorServer(port=0).start()
	base_url = args.url or server.base_url
	try:
		outcomes = run(base_url, create_company(base_url, args.country))
	finally:
		if server is not None:
			server.stop()
	print(table(outcomes))
	return 0 if all(outcome.passed for outcome in outcomes) else 1


if __name__ == "__main__":
	sys.exit(main())
