"""The Reports API: TrialBalance, GeneralLedger and TransactionList computed from the transactions the emulator
holds, in QuickBooks' response shape (Header, Columns, Rows with sections and summaries, money as strings)."""

from __future__ import annotations

from decimal import Decimal

from .support import (
	account_id,
	decoded,
	expense_line,
	fault_of,
	make_customer,
	make_invoice,
	make_item,
	make_vendor,
	ok,
	payment_line,
	sales_line,
)


def report(api, name: str, **params) -> dict:
	return ok(api.get(f"reports/{name}", **params))


def trial_balance(api, **params) -> dict[str, Decimal]:
	"""Account name -> debit minus credit."""
	rows = report(api, "TrialBalance", **params)["Rows"]["Row"]
	return {
		row["ColData"][0]["value"]: Decimal(row["ColData"][1]["value"] or 0)
		- Decimal(row["ColData"][2]["value"] or 0)
		for row in rows
		if row.get("type") == "Data"
	}


def ledger_rows(api, account: str, **params) -> list[list[str]]:
	"""The Data rows of one account's GeneralLedger section, as cell values."""
	body = report(api, "GeneralLedger", **params)
	for section in body["Rows"]["Row"]:
		if section["Header"]["ColData"][0]["value"] == account:
			return [[cell["value"] for cell in row["ColData"]] for row in section["Rows"]["Row"]]
	return []


def sell(api, amount: str = "100.00", day: str = "2026-03-10", **fields) -> dict:
	customer = make_customer(api, f"Customer {day} {amount}")
	item = make_item(api, f"Item {day} {amount}")
	return make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, amount)], TxnDate=day, **fields)


def test_trial_balance_has_quickbooks_shape_and_balances(api):
	sell(api, "100.00")
	vendor = make_vendor(api)
	api.create(
		"Bill",
		{
			"VendorRef": {"value": vendor["Id"]},
			"TxnDate": "2026-03-11",
			"Line": [expense_line(account_id(api, "Rent or Lease"), "40.00")],
		},
	)

	body = report(api, "TrialBalance", start_date="2026-03-01", end_date="2026-03-31")

	assert body["Header"]["ReportName"] == "TrialBalance"
	assert (body["Header"]["StartPeriod"], body["Header"]["EndPeriod"]) == ("2026-03-01", "2026-03-31")
	assert body["Header"]["ReportBasis"] == "Accrual" and body["Header"]["Currency"] == "USD"
	assert [column["ColTitle"] for column in body["Columns"]["Column"]] == ["", "Debit", "Credit"]
	total = body["Rows"]["Row"][-1]
	assert total["group"] == "GrandTotal" and total["Summary"]["ColData"][0]["value"] == "TOTAL"
	assert total["Summary"]["ColData"][1]["value"] == total["Summary"]["ColData"][2]["value"] == "140.00"
	balances = trial_balance(api, start_date="2026-03-01", end_date="2026-03-31")
	assert balances == {
		"Accounts Receivable (A/R)": Decimal("100.00"),
		"Accounts Payable (A/P)": Decimal("-40.00"),
		"Services": Decimal("-100.00"),
		"Rent or Lease": Decimal("40.00"),
	}
	first = body["Rows"]["Row"][0]["ColData"]
	assert first[0]["id"] and first[1]["value"] in ("100.00", "")


def test_payment_moves_receivable_to_the_bank_and_end_date_cuts_off(api):
	invoice = sell(api, "250.00", "2026-03-10")
	bank = account_id(api, "Checking")
	api.create(
		"Payment",
		{
			"CustomerRef": invoice["CustomerRef"],
			"TotalAmt": "250.00",
			"TxnDate": "2026-04-02",
			"DepositToAccountRef": {"value": bank},
			"Line": [payment_line("250.00", invoice["Id"], "Invoice")],
		},
	)

	march = trial_balance(api, start_date="2026-03-01", end_date="2026-03-31")
	april = trial_balance(api, start_date="2026-04-01", end_date="2026-04-30")

	assert march["Accounts Receivable (A/R)"] == Decimal("250.00") and "Checking" not in march
	assert april["Checking"] == Decimal("250.00") and "Accounts Receivable (A/R)" not in april


def test_general_ledger_sections_rows_and_running_balance(api):
	first = sell(api, "100.00", "2026-03-10", DocNumber="A-1")
	sell(api, "30.00", "2026-02-20", DocNumber="A-0")

	body = report(api, "GeneralLedger", start_date="2026-03-01", end_date="2026-03-31")
	rows = ledger_rows(api, "Services", start_date="2026-03-01", end_date="2026-03-31")

	keys = [column["MetaData"][0]["Value"] for column in body["Columns"]["Column"]]
	assert keys == [
		"tx_date",
		"txn_type",
		"doc_num",
		"name",
		"memo",
		"split_acc",
		"subt_nat_amount",
		"rbal_nat_amount",
	]
	assert rows[0][0] == "Beginning Balance" and rows[0][-1] == "30.00"  # income: credits are positive
	assert rows[1][:4] == ["2026-03-10", "Invoice", "A-1", first["CustomerRef"]["name"]]
	assert rows[1][5] == "Accounts Receivable (A/R)" and rows[1][6:] == ["100.00", "130.00"]
	section = next(s for s in body["Rows"]["Row"] if s["Header"]["ColData"][0]["value"] == "Services")
	assert section["Rows"]["Row"][1]["ColData"][1]["id"] == first["Id"]
	assert section["Summary"]["ColData"][0]["value"] == "Total for Services"
	assert section["Summary"]["ColData"][6]["value"] == "100.00"


def test_general_ledger_debit_credit_columns_and_account_filter(api):
	sell(api, "80.00", "2026-03-10")
	services = account_id(api, "Services")

	body = report(
		api,
		"GeneralLedger",
		start_date="2026-03-01",
		end_date="2026-03-31",
		account=services,
		columns="tx_date,txn_type,debt_amt,credit_amt",
	)

	assert [s["Header"]["ColData"][0]["id"] for s in body["Rows"]["Row"]] == [services]
	assert [c["ColTitle"] for c in body["Columns"]["Column"]] == [
		"Date",
		"Transaction Type",
		"Debit",
		"Credit",
	]
	data = body["Rows"]["Row"][0]["Rows"]["Row"][1]["ColData"]
	assert [cell["value"] for cell in data] == ["2026-03-10", "Invoice", "", "80.00"]


def test_voided_transactions_show_with_zero_amounts_and_deleted_ones_not_at_all(api):
	voided = sell(api, "60.00", "2026-03-10")
	deleted = sell(api, "70.00", "2026-03-11")
	ok(api.post("invoice", {"Id": voided["Id"], "SyncToken": voided["SyncToken"]}, operation="void"))
	current = api.read("Invoice", deleted["Id"])
	ok(api.post("invoice", {"Id": deleted["Id"], "SyncToken": current["SyncToken"]}, operation="delete"))

	rows = ledger_rows(api, "Services", start_date="2026-03-01", end_date="2026-03-31")
	balances = trial_balance(api, start_date="2026-03-01", end_date="2026-03-31")

	ids = [row[1] for row in rows[1:]]
	assert ids == ["Invoice"] and rows[1][6] == "0.00"
	assert "Services" not in balances and "Accounts Receivable (A/R)" not in balances


def test_cash_basis_books_income_when_paid(api):
	paid = sell(api, "120.00", "2026-03-10")
	sell(api, "45.00", "2026-03-12")  # never paid
	api.create(
		"Payment",
		{
			"CustomerRef": paid["CustomerRef"],
			"TotalAmt": "48.00",
			"TxnDate": "2026-03-20",
			"DepositToAccountRef": {"value": account_id(api, "Checking")},
			"Line": [payment_line("48.00", paid["Id"], "Invoice")],
		},
	)

	accrual = trial_balance(api, start_date="2026-03-01", end_date="2026-03-31", accounting_method="Accrual")
	cash = trial_balance(api, start_date="2026-03-01", end_date="2026-03-31", accounting_method="Cash")
	body = report(api, "TrialBalance", end_date="2026-03-31", accounting_method="Cash")

	assert accrual["Services"] == Decimal("-165.00")
	assert cash == {"Checking": Decimal("48.00"), "Services": Decimal("-48.00")}
	assert body["Header"]["ReportBasis"] == "Cash"


def test_foreign_invoice_posts_home_amounts_and_payment_books_exchange_difference(make_api):
	api = make_api(multicurrency=True)
	receivable = api.create(
		"Account", {"Name": "A/R EUR", "AccountType": "Accounts Receivable", "CurrencyRef": {"value": "EUR"}}
	)
	customer = make_customer(api, "Euro Kunde", CurrencyRef={"value": "EUR"})
	item = make_item(api, "Beratung")
	invoice = make_invoice(
		api,
		customer["Id"],
		[sales_line(item["Id"], 1, "100.00")],
		CurrencyRef={"value": "EUR"},
		ExchangeRate="1.10",
		TxnDate="2026-03-10",
		ARAccountRef={"value": receivable["Id"]},
	)
	api.create(
		"Payment",
		{
			"CustomerRef": {"value": customer["Id"]},
			"CurrencyRef": {"value": "EUR"},
			"ExchangeRate": "1.15",
			"TotalAmt": "100.00",
			"TxnDate": "2026-03-20",
			"ARAccountRef": {"value": receivable["Id"]},
			"DepositToAccountRef": {"value": account_id(api, "Checking")},
			"Line": [payment_line("100.00", invoice["Id"], "Invoice")],
		},
	)

	balances = trial_balance(api, end_date="2026-03-31")

	assert balances["Services"] == Decimal("-110.00")
	assert balances["Checking"] == Decimal("115.00")
	assert balances["Exchange Gain or Loss"] == Decimal("-5.00")
	assert "A/R EUR" not in balances


def test_transaction_list_lists_each_transaction_of_the_period_once(api):
	invoice = sell(api, "90.00", "2026-03-10", DocNumber="TL-1")
	sell(api, "10.00", "2026-05-01")

	body = report(api, "TransactionList", start_date="2026-03-01", end_date="2026-03-31")

	rows = [row["ColData"] for row in body["Rows"]["Row"]]
	assert len(rows) == 1
	assert [rows[0][1]["value"], rows[0][1]["id"], rows[0][2]["value"]] == ["Invoice", invoice["Id"], "TL-1"]
	assert rows[0][-1]["value"] == "90.00"


def test_bad_parameters_and_unknown_reports_are_faults(api):
	assert fault_of(api.get("reports/TrialBalance", accounting_method="Modified"))["code"] == "2170"
	assert fault_of(api.get("reports/TrialBalance", end_date="31.03.2026"))["code"] == "2010"
	assert api.get("reports/ProfitAndLossDetailByWeather").status_code >= 400


def test_reports_count_against_the_request_limit(api, admin):
	admin.configure(realm_id=api.realm_id, rate_limit_per_minute=2)
	statuses = [api.get("reports/TrialBalance").status_code for _ in range(3)]

	assert statuses == [200, 200, 429]
	assert decoded(api.get("reports/GeneralLedger"))["Fault"]["Error"][0]["code"] == "3001"
