"""Totals, discounts, tax and due dates computed by the server."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from .support import account_id, expense_line, make_customer, make_invoice, make_item, make_vendor, sales_line


def tax_codes(api) -> dict[str, str]:
	return {code["Name"]: code["Id"] for code in api.query("select * from TaxCode")["TaxCode"]}


def percent_discount(percent) -> dict:
	return {
		"DetailType": "DiscountLineDetail",
		"Amount": 0,
		"DiscountLineDetail": {"PercentBased": True, "DiscountPercent": percent},
	}


def test_us_invoice_totals_with_tax_as_sent(api):
	customer = make_customer(api)
	item = make_item(api)

	invoice = make_invoice(
		api,
		customer["Id"],
		[
			sales_line(item["Id"], 3, "11.34", "34.02", TaxCodeRef={"value": "TAX"}),
			sales_line(item["Id"], 1, 10),
		],
		TxnTaxDetail={"TotalTax": "3.52"},
	)

	assert invoice["Line"][-1] == {
		"Amount": Decimal("44.02"),
		"DetailType": "SubTotalLineDetail",
		"SubTotalLineDetail": {},
	}
	assert [line["Id"] for line in invoice["Line"][:2]] == ["1", "2"]
	assert invoice["TxnTaxDetail"]["TotalTax"] == Decimal("3.52")
	assert invoice["TotalAmt"] == Decimal("47.54")
	assert invoice["HomeTotalAmt"] == Decimal("47.54")
	assert invoice["Balance"] == Decimal("47.54")
	assert "GlobalTaxCalculation" not in invoice


def test_us_invoice_without_tax_detail_has_zero_tax(api):
	customer = make_customer(api)
	invoice = make_invoice(api, customer["Id"], [sales_line(make_item(api)["Id"], 2, 5)])
	assert invoice["TxnTaxDetail"]["TotalTax"] == 0
	assert invoice["TotalAmt"] == 10


def test_sent_subtotal_lines_are_replaced(api):
	customer = make_customer(api)
	item = make_item(api)
	stale_subtotal = {"DetailType": "SubTotalLineDetail", "Amount": 999, "SubTotalLineDetail": {}}
	invoice = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 10), stale_subtotal])
	subtotals = [line for line in invoice["Line"] if line["DetailType"] == "SubTotalLineDetail"]
	assert [line["Amount"] for line in subtotals] == [10]


def test_percent_discount_uses_the_default_discount_account(api):
	customer = make_customer(api)
	item = make_item(api)

	invoice = make_invoice(
		api, customer["Id"], [sales_line(item["Id"], 3, "33.33", "99.99"), percent_discount("8.5")]
	)

	discount = next(line for line in invoice["Line"] if line["DetailType"] == "DiscountLineDetail")
	assert discount["Amount"] == Decimal("8.50")  # 99.99 * 8.5% = 8.49915 -> 8.50
	assert discount["DiscountLineDetail"]["DiscountAccountRef"]["value"] == account_id(api, "Discounts given")
	assert invoice["TotalAmt"] == Decimal("91.49")


def test_amount_discount(api):
	customer = make_customer(api)
	item = make_item(api)
	discount = {
		"DetailType": "DiscountLineDetail",
		"Amount": "12.5",
		"DiscountLineDetail": {"PercentBased": False},
	}
	invoice = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 100), discount])
	assert invoice["TotalAmt"] == Decimal("87.50")


def test_gb_tax_is_computed_per_rate_and_rounded_once(make_api):
	api = make_api(country="GB")
	codes = tax_codes(api)
	customer = make_customer(api)
	item = make_item(api)
	standard = {"value": codes["20.0% S"]}
	reduced = {"value": codes["5.0% R"]}
	lines = [
		sales_line(item["Id"], 1, "0.03", TaxCodeRef=standard),
		sales_line(item["Id"], 1, "0.03", TaxCodeRef=standard),
		sales_line(item["Id"], 1, "10.10", TaxCodeRef=reduced),
	]

	invoice = make_invoice(api, customer["Id"], lines)

	tax_lines = {line["TaxLineDetail"]["TaxPercent"]: line for line in invoice["TxnTaxDetail"]["TaxLine"]}
	assert tax_lines[20]["Amount"] == Decimal("0.01")  # 0.06 * 20% = 0.012 (per line it would be 0.00 + 0.00)
	assert tax_lines[20]["TaxLineDetail"]["NetAmountTaxable"] == Decimal("0.06")
	assert tax_lines[5]["Amount"] == Decimal("0.51")  # 0.505 rounds half up
	assert invoice["TxnTaxDetail"]["TotalTax"] == Decimal("0.52")
	assert invoice["TotalAmt"] == Decimal("10.68")
	assert invoice["GlobalTaxCalculation"] == "TaxExcluded"


def test_gb_tax_inclusive_backs_the_net_out(make_api):
	api = make_api(country="GB")
	standard = {"value": tax_codes(api)["20.0% S"]}
	customer = make_customer(api)
	item = make_item(api)

	invoice = make_invoice(
		api,
		customer["Id"],
		[sales_line(item["Id"], 1, 120, TaxCodeRef=standard)],
		GlobalTaxCalculation="TaxInclusive",
	)

	tax_line = invoice["TxnTaxDetail"]["TaxLine"][0]
	assert tax_line["Amount"] == 20
	assert tax_line["TaxLineDetail"]["NetAmountTaxable"] == 100
	assert invoice["TotalAmt"] == 120
	assert invoice["Line"][0]["SalesItemLineDetail"]["TaxInclusiveAmt"] == 120
	resent = api.update("Invoice", invoice)
	assert resent["TotalAmt"] == 120 and resent["TxnTaxDetail"]["TotalTax"] == 20


def test_not_applicable_tax_needs_no_codes(make_api):
	api = make_api(country="GB")
	customer = make_customer(api)
	invoice = make_invoice(
		api, customer["Id"], [sales_line(make_item(api)["Id"], 1, 50)], GlobalTaxCalculation="NotApplicable"
	)
	assert invoice["TxnTaxDetail"]["TotalTax"] == 0
	assert invoice["TotalAmt"] == 50


def test_tax_after_discount_in_non_us_companies(make_api):
	api = make_api(country="GB")
	standard = {"value": tax_codes(api)["20.0% S"]}
	customer = make_customer(api)
	item = make_item(api)

	invoice = make_invoice(
		api, customer["Id"], [sales_line(item["Id"], 1, 100, TaxCodeRef=standard), percent_discount(10)]
	)

	assert invoice["TxnTaxDetail"]["TotalTax"] == 18
	assert invoice["TotalAmt"] == 108


def test_bills_use_the_purchase_rates(make_api):
	api = make_api(country="CA")
	codes = tax_codes(api)
	vendor = make_vendor(api)
	travel = account_id(api, "Travel")

	bill = api.create(
		"Bill",
		{
			"VendorRef": {"value": vendor["Id"]},
			"Line": [
				expense_line(travel, 100, TaxCodeRef={"value": codes["HST ON"]}),
				expense_line(travel, 40, TaxCodeRef={"value": codes["GST"]}),
			],
		},
	)

	rates = {
		line["TaxLineDetail"]["TaxRateRef"]["name"]: line["Amount"]
		for line in bill["TxnTaxDetail"]["TaxLine"]
	}
	assert rates == {"HST ON (Purchases)": 13, "GST (Purchases)": 2}
	assert bill["TotalAmt"] == 155
	assert bill["Balance"] == 155


@pytest.mark.parametrize(
	("country", "expected"),
	[
		("GB", {"20.0% S", "5.0% R", "0.0% Z", "Exempt", "No VAT"}),
		("CA", {"GST", "HST ON", "Zero-rated", "Exempt"}),
		("FR", {"TVA 20%", "TVA 10%", "TVA 5,5%", "TVA 2,1%", "Exonéré"}),
		("AU", {"GST", "GST free", "Input taxed"}),
		("IN", {"GST 5%", "GST 12%", "GST 18%", "GST 28%", "IGST 18%", "Exempt"}),
		("US", {"TAX", "NON"}),
	],
)
def test_tax_codes_by_country(make_api, country, expected):
	assert set(tax_codes(make_api(country=country))) == expected


def test_tax_rates_are_queryable(make_api):
	api = make_api(country="GB")
	rates = {rate["Name"]: rate["RateValue"] for rate in api.query("select * from TaxRate")["TaxRate"]}
	assert rates["20.0% S"] == 20 and rates["20.0% S (Purchases)"] == 20


def test_due_date_follows_the_terms(api):
	net_15 = api.query("select * from Term where Name = 'Net 15'")["Term"][0]
	customer = make_customer(api, SalesTermRef={"value": net_15["Id"]})
	other = make_customer(api, "Walk-in")
	item = make_item(api)
	line = [sales_line(item["Id"], 1, 10)]

	by_customer = make_invoice(api, customer["Id"], line, TxnDate="2024-01-10")
	by_default = make_invoice(api, other["Id"], line, TxnDate="2024-01-10")
	explicit = make_invoice(api, other["Id"], line, TxnDate="2024-01-10", DueDate="2024-03-01")
	today = make_invoice(api, other["Id"], line)

	assert by_customer["DueDate"] == "2024-01-25" and by_customer["SalesTermRef"]["value"] == net_15["Id"]
	assert by_default["DueDate"] == "2024-02-09"  # company default Net 30
	assert explicit["DueDate"] == "2024-03-01"
	assert date.fromisoformat(today["DueDate"]) - date.fromisoformat(today["TxnDate"]) == timedelta(days=30)


def test_date_driven_terms(api):
	term = api.create("Term", {"Name": "15th next month", "DayOfMonthDue": 15, "DueNextMonthDays": 31})
	customer = make_customer(api)
	invoice = make_invoice(
		api,
		customer["Id"],
		[sales_line(make_item(api)["Id"], 1, 1)],
		TxnDate="2024-12-20",
		SalesTermRef={"value": term["Id"]},
	)
	assert term["Type"] == "DATE_DRIVEN"
	assert invoice["DueDate"] == "2025-01-15"


def test_bill_due_date_uses_the_vendor_terms(api):
	net_60 = api.query("select * from Term where Name = 'Net 60'")["Term"][0]
	vendor = make_vendor(api, TermRef={"value": net_60["Id"]})
	bill = api.create(
		"Bill",
		{
			"VendorRef": {"value": vendor["Id"]},
			"TxnDate": "2024-05-01",
			"Line": [expense_line(account_id(api, "Travel"), 5)],
		},
	)
	assert bill["DueDate"] == "2024-06-30"


def test_full_update_recomputes_totals(api):
	customer = make_customer(api)
	item = make_item(api)
	invoice = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 10)])

	updated = api.update("Invoice", {**invoice, "Line": [invoice["Line"][0], sales_line(item["Id"], 2, 20)]})

	assert updated["TotalAmt"] == 50
	assert [line.get("Id") for line in updated["Line"]] == ["1", "2", None]
