"""The optional "sample company" seed: a small, consistent set of records a third-party client or a demo can
read right away (``sample_data: true`` when a company is created, or ``--sample-data`` on the command line).

Everything is created through the same rules as API writes, so the data is valid for the company's country
and tax set-up: classes and departments, customers (one with a sub-customer; with multicurrency also three
foreign currencies and a customer in one of them), vendors, employees, service,
non-inventory and inventory items, six invoices (three paid, two half paid) with five payments, a sales receipt, an estimate, bills with a bill
payment, a purchase, a time activity and a recurring invoice template. US samples also get a "California"
sales tax code (8 %) and its agency through ``taxservice``, as Intuit's US sample company has.

Difference: Intuit's sandbox sample company ("Craig's Design and Landscaping Services") is larger and its
records have other Ids; clients must look records up, not assume Ids.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from quickbooks_connector.emulator.records import WriteContext


def add_sample_data(ctx: WriteContext) -> None:
	from quickbooks_connector.emulator.entities import create, insert
	from quickbooks_connector.emulator.taxservice import create_tax_code

	realm = ctx.realm

	def make(entity: str, body: dict[str, Any]) -> dict[str, Any]:
		return create(ctx, entity, body)

	def account(role: str) -> dict[str, str]:
		return {"value": realm.roles[role]}

	for name in ("Landscaping", "Maintenance"):
		make("Class", {"Name": name})
	for name in ("North", "South"):
		make("Department", {"Name": name})
	customers = [
		make(
			"Customer",
			{
				"DisplayName": name,
				"CompanyName": name,
				"PrimaryEmailAddr": {"Address": email},
				"BillAddr": {"Line1": line, "City": city, "PostalCode": postal},
			},
		)
		for name, email, line, city, postal in (
			("Amy's Bird Sanctuary", "birds@example.com", "4581 Finch St.", "Bayshore", "94326"),
			("Bill's Windsurf Shop", "surf@example.com", "12 Ocean Dr.", "Half Moon Bay", "94213"),
			("Cool Cars", "cool.cars@example.com", "65 Ocean Dr.", "Half Moon Bay", "94213"),
			("Dukes Basketball Camp", "dukes@example.com", "25 Court St.", "Tucson", "85719"),
		)
	]
	make("Customer", {"DisplayName": "Cool Cars - Showroom", "ParentRef": {"value": customers[2]["Id"]}})
	if (
		ctx.settings.multicurrency
	):  # a multicurrency sample keeps a few foreign currencies and a customer in one
		foreign = [code for code in ("CAD", "EUR", "GBP", "USD") if code != ctx.settings.home_currency][:3]
		for code in foreign:
			make("CompanyCurrency", {"Code": code})
		make(
			"Customer",
			{"DisplayName": f"Overseas Trading ({foreign[1]})", "CurrencyRef": {"value": foreign[1]}},
		)
	vendors = [
		make("Vendor", {"DisplayName": name, "CompanyName": name, "PrimaryEmailAddr": {"Address": email}})
		for name, email in (
			("Books by Bessie", "bessie@example.com"),
			("Hicks Hardware", "hicks@example.com"),
			("Norton Lumber and Building Materials", "norton@example.com"),
		)
	]
	employees = [
		make("Employee", {"GivenName": given, "FamilyName": family})
		for given, family in (("Emily", "Platt"), ("John", "Johnson"))
	]
	design = make(
		"Item",
		{"Name": "Design", "Type": "Service", "UnitPrice": 75, "IncomeAccountRef": account("service_income")},
	)
	make(
		"Item",
		{"Name": "Hours", "Type": "Service", "UnitPrice": 50, "IncomeAccountRef": account("service_income")},
	)
	gardening = make(
		"Item",
		{
			"Name": "Garden Supplies",
			"Type": "NonInventory",
			"UnitPrice": 20,
			"IncomeAccountRef": account("product_income"),
			"ExpenseAccountRef": account("cogs"),
		},
	)
	fountain = make(
		"Item",
		{
			"Name": "Rock Fountain",
			"Type": "Inventory",
			"UnitPrice": 275,
			"PurchaseCost": 125,
			"QtyOnHand": 10,
			"InvStartDate": ctx.today(),
			"IncomeAccountRef": account("product_income"),
			"ExpenseAccountRef": account("cogs"),
			"AssetAccountRef": account("inventory"),
		},
	)
	tax = _sample_tax(ctx, create_tax_code, insert)

	def sales_line(item: dict[str, Any], qty: int, price: int) -> dict[str, Any]:
		detail: dict[str, Any] = {"ItemRef": {"value": item["Id"]}, "Qty": qty, "UnitPrice": price}
		if tax["line"]:
			detail["TaxCodeRef"] = tax["line"]
		return {"DetailType": "SalesItemLineDetail", "Amount": qty * price, "SalesItemLineDetail": detail}

	def expense_line(role: str, amount: int) -> dict[str, Any]:
		detail: dict[str, Any] = {"AccountRef": account(role)}
		if tax["purchase"]:
			detail["TaxCodeRef"] = tax["purchase"]
		return {
			"DetailType": "AccountBasedExpenseLineDetail",
			"Amount": amount,
			"AccountBasedExpenseLineDetail": detail,
		}

	invoices = [
		make("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": lines, **_numbered(ctx, number)})
		for customer, lines, number in (
			(customers[0], [sales_line(design, 4, 75), sales_line(gardening, 3, 20)], "1001"),
			(customers[1], [sales_line(fountain, 1, 275)], "1002"),
			(customers[2], [sales_line(design, 2, 75)], "1003"),
			(customers[3], [sales_line(gardening, 10, 20)], "1006"),
			(customers[0], [sales_line(design, 1, 75)], "1007"),
			(customers[1], [sales_line(gardening, 2, 20)], "1008"),
		)
	]
	for paid, share in (
		(invoices[2], 1),
		(invoices[3], 1),
		(invoices[4], 1),
		(invoices[0], 2),
		(invoices[5], 2),
	):
		amount = paid["TotalAmt"] if share == 1 else (paid["TotalAmt"] / 2).quantize(Decimal("0.01"))
		make(
			"Payment",
			{
				"CustomerRef": paid["CustomerRef"],
				"TotalAmt": amount,
				"Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": paid["Id"], "TxnType": "Invoice"}]}],
			},
		)
	make(
		"SalesReceipt",
		{
			"CustomerRef": {"value": customers[3]["Id"]},
			"Line": [sales_line(gardening, 5, 20)],
			**_numbered(ctx, "1004"),
		},
	)
	make(
		"Estimate",
		{
			"CustomerRef": {"value": customers[0]["Id"]},
			"Line": [sales_line(fountain, 2, 275)],
			**_numbered(ctx, "1005"),
		},
	)
	bills = [
		make(
			"Bill",
			{"VendorRef": {"value": vendor["Id"]}, "Line": [expense_line(role, amount)], "DocNumber": number},
		)
		for vendor, role, amount, number in (
			(vendors[0], "office", 120, "B-100"),
			(vendors[1], "utilities", 250, "H-2001"),
		)
	]
	make(
		"BillPayment",
		{
			"VendorRef": {"value": vendors[1]["Id"]},
			"PayType": "Check",
			"CheckPayment": {"BankAccountRef": account("checking")},
			"TotalAmt": bills[1]["TotalAmt"],
			"Line": [
				{"Amount": bills[1]["TotalAmt"], "LinkedTxn": [{"TxnId": bills[1]["Id"], "TxnType": "Bill"}]}
			],
		},
	)
	make(
		"Purchase",
		{
			"PaymentType": "CreditCard",
			"AccountRef": account("credit_card"),
			"EntityRef": {"value": vendors[2]["Id"], "type": "Vendor"},
			"Line": [expense_line("office", 45)],
		},
	)
	make(
		"TimeActivity",
		{
			"NameOf": "Employee",
			"EmployeeRef": {"value": employees[0]["Id"]},
			"CustomerRef": {"value": customers[0]["Id"]},
			"ItemRef": {"value": design["Id"]},
			"Hours": 3,
			"Minutes": 30,
			"HourlyRate": Decimal(75),
			"BillableStatus": "Billable",
			"Description": "Garden design",
		},
	)
	make(
		"RecurringTransaction",
		{
			"Invoice": {
				"CustomerRef": {"value": customers[1]["Id"]},
				"Line": [sales_line(design, 1, 75)],
				"RecurringInfo": {
					"Name": "Monthly design retainer",
					"RecurType": "Automated",
					"Active": True,
					"ScheduleInfo": {"IntervalType": "Monthly", "NumInterval": 1, "DayOfMonth": 1},
				},
			}
		},
	)


def _numbered(ctx: WriteContext, number: str) -> dict[str, str]:
	return {"DocNumber": number} if ctx.settings.custom_txn_numbers else {}


def _sample_tax(ctx: WriteContext, create_tax_code, insert) -> dict[str, Any]:
	"""The line tax codes the sample documents use: US ``TAX`` plus a California code; elsewhere the
	country's standard code (its first)."""
	realm = ctx.realm
	if realm.settings.is_us:
		agency = insert(
			realm,
			"TaxAgency",
			{
				"DisplayName": "California Department of Tax and Fee Administration",
				"TaxTrackedOnSales": True,
				"TaxTrackedOnPurchases": False,
			},
			ctx.now,
		)
		create_tax_code(
			ctx,
			{
				"TaxCode": "California",
				"TaxRateDetails": [
					{
						"TaxRateName": "California",
						"RateValue": 8,
						"TaxAgencyId": agency["Id"],
						"TaxApplicableOn": "Sales",
					}
				],
			},
			insert,
		)
		return {"line": None, "purchase": None}
	codes = sorted(realm.all("TaxCode"), key=lambda code: int(code["Id"]))
	return {"line": {"value": codes[0]["Id"]}, "purchase": {"value": codes[0]["Id"]}}
