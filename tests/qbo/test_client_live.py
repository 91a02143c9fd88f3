"""Entity operations, queries, CDC and company settings against the emulator over real HTTP."""

import logging
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from quickbooks_connector.qbo import QBOClient
from quickbooks_connector.qbo.errors import NotFoundError, ServerError


def first_id(client: QBOClient, statement: str, *params) -> str:
	return next(client.query(statement, *params))["Id"]


@pytest.fixture
def sales_refs(client) -> dict[str, str]:
	"""A customer and a service item to put on invoices."""
	income = first_id(client, "select * from Account where AccountType = {}", "Income")
	item = client.create(
		"Item", {"Name": "Consulting", "Type": "Service", "IncomeAccountRef": {"value": income}}
	)
	customer = client.create("Customer", {"DisplayName": "Acme Ltd"})
	return {"customer": customer["Id"], "item": item["Id"]}


def invoice_payload(refs: dict[str, str], qty: int = 3, unit_price: str = "11.34") -> dict:
	price = Decimal(unit_price)
	return {
		"CustomerRef": {"value": refs["customer"]},
		"Line": [
			{
				"DetailType": "SalesItemLineDetail",
				"Amount": price * qty,
				"SalesItemLineDetail": {"ItemRef": {"value": refs["item"]}, "Qty": qty, "UnitPrice": price},
			}
		],
	}


def test_create_read_and_updates(client):
	created = client.create("Customer", {"DisplayName": "Globex", "CompanyName": "Globex Corp"})
	assert created["SyncToken"] == "0"
	assert client.read("Customer", created["Id"])["DisplayName"] == "Globex"

	sparse = client.update("Customer", {"Id": created["Id"], "SyncToken": "0", "Notes": "VIP"}, sparse=True)
	assert (sparse["Notes"], sparse["CompanyName"], sparse["SyncToken"]) == ("VIP", "Globex Corp", "1")

	full = client.update("Customer", {"Id": created["Id"], "SyncToken": "1", "DisplayName": "Globex"})
	assert "CompanyName" not in full  # a full update blanks what it leaves out
	assert full["SyncToken"] == "2"


def test_amounts_round_trip_as_exact_decimals(client, sales_refs):
	invoice = client.create("Invoice", invoice_payload(sales_refs))

	assert invoice["TotalAmt"] == Decimal("34.02")  # 3 x 11.34 is 34.019999... in float
	assert isinstance(invoice["TotalAmt"], Decimal)


def test_void_invoice_keeps_it_with_zero_amounts(client, sales_refs):
	invoice = client.create("Invoice", invoice_payload(sales_refs))

	voided = client.void("Invoice", invoice["Id"], invoice["SyncToken"])

	assert voided["Id"] == invoice["Id"]
	assert voided["TotalAmt"] == 0
	assert client.read("Invoice", invoice["Id"])["Balance"] == 0


def test_void_payment_uses_a_sparse_update(client, sales_refs):
	invoice = client.create("Invoice", invoice_payload(sales_refs))
	payment = client.create(
		"Payment",
		{
			"CustomerRef": {"value": sales_refs["customer"]},
			"TotalAmt": invoice["TotalAmt"],
			"Line": [
				{"Amount": invoice["TotalAmt"], "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
			],
		},
	)
	assert client.read("Invoice", invoice["Id"])["Balance"] == 0

	voided = client.void("Payment", payment["Id"], payment["SyncToken"])

	assert voided["TotalAmt"] == 0
	assert client.read("Invoice", invoice["Id"])["Balance"] == invoice["TotalAmt"]


def test_void_of_an_entity_qbo_cannot_void_is_refused_locally(client):
	with pytest.raises(ValueError, match="cannot void"):
		client.void("Customer", "1", "0")


def test_delete_invoice(client, sales_refs):
	invoice = client.create("Invoice", invoice_payload(sales_refs))

	deleted = client.delete("Invoice", invoice["Id"], invoice["SyncToken"])

	assert deleted["status"] == "Deleted"
	with pytest.raises(NotFoundError):
		client.read("Invoice", invoice["Id"])


def test_query_pages_through_thousands_of_rows(client, admin, realm):
	admin.seed(realm, "Customer", count=2_600, template={"DisplayName": "Seeded {n}"})

	names = [
		row["DisplayName"]
		for row in client.query("select * from Customer where DisplayName like {}", "Seeded%")
	]

	assert len(names) == 2_600
	assert set(names) == {f"Seeded {n}" for n in range(1, 2_601)}


def test_query_with_its_own_order_keeps_it(client, admin, realm):
	admin.seed(realm, "Customer", count=5, template={"DisplayName": "Ordered {n}"})

	rows = list(
		client.query("select * from Customer where DisplayName like {} orderby DisplayName desc", "Ordered%")
	)

	assert [row["DisplayName"] for row in rows] == [f"Ordered {n}" for n in (5, 4, 3, 2, 1)]


def test_query_values_with_quotes_match_exactly(client):
	client.create("Customer", {"DisplayName": "Cutlery 'R Us"})
	client.create("Customer", {"DisplayName": "Other"})

	found = list(client.query("select * from Customer where DisplayName = {}", "Cutlery 'R Us"))
	injected = list(
		client.query("select * from Customer where DisplayName = {}", "x' AND DisplayName = 'Other")
	)

	assert [row["DisplayName"] for row in found] == ["Cutlery 'R Us"]
	assert injected == []


def test_query_refuses_manual_paging_and_count(client):
	with pytest.raises(ValueError):
		list(client.query("select * from Customer maxresults 10"))
	with pytest.raises(ValueError):
		list(client.query("select count(*) from Customer"))


def test_count(client, admin, realm):
	admin.seed(realm, "Customer", count=7, template={"DisplayName": "Counted {n}"})

	assert client.count("Customer", "DisplayName like {}", "Counted%") == 7
	assert client.count("Customer") >= 7


def test_cdc_returns_changes_by_entity(client):
	since = datetime.now(timezone.utc) - timedelta(minutes=5)
	customer = client.create("Customer", {"DisplayName": "Changed Co"})

	changes = client.cdc(["Customer", "Invoice"], since)

	assert customer["Id"] in {row["Id"] for row in changes["Customer"]}
	assert changes["Invoice"] == []


def test_cdc_needs_an_aware_datetime(client):
	with pytest.raises(ValueError, match="timezone"):
		client.cdc(["Customer"], datetime.now())


def test_company_info_and_preferences(client):
	assert client.company_info()["Country"] == "US"
	assert client.preferences()["CurrencyPrefs"]["HomeCurrency"]["value"] == "USD"


def test_each_call_is_logged_with_its_intuit_tid_and_never_a_token(client, store, caplog):
	caplog.set_level(logging.DEBUG, logger="quickbooks_connector.qbo")

	client.company_info()

	assert client.last_intuit_tid
	messages = [
		record.getMessage() for record in caplog.records if record.name.startswith("quickbooks_connector")
	]
	assert any(
		"GET" in message
		and "/companyinfo/" in message
		and "200" in message
		and client.last_intuit_tid in message
		for message in messages
	)
	tokens = store.load()
	assert not any(tokens.access_token in message or tokens.refresh_token in message for message in messages)


def test_amount_with_more_than_15_digits_is_refused_before_sending(client, sales_refs):
	payload = invoice_payload(sales_refs)
	payload["Line"][0]["Amount"] = Decimal("1234567890123.4567")

	with pytest.raises(ValueError, match="15 significant digits"):
		client.create("Invoice", payload)


def test_every_call_pins_minorversion_75(make_client, admin):
	"""The fault only fires when the query string carries minorversion=75, proving the client sent it."""
	client = make_client(max_attempts=1)
	admin.inject_fault(
		match={"path_regex": r"/preferences\?(.*&)?minorversion=75(&|$)"}, action="error", status=500
	)

	with pytest.raises(ServerError):
		client.preferences()


def test_writes_carry_a_requestid_and_reads_do_not(make_client, admin):
	client = make_client(max_attempts=1)
	admin.inject_fault(
		match={"path_regex": r"/customer\?(.*&)?requestid=[0-9a-f]{32}(&|$)"}, action="error", status=500
	)
	admin.inject_fault(match={"path_regex": r"requestid="}, action="error", status=500)

	with pytest.raises(ServerError):
		client.create("Customer", {"DisplayName": "With Request Id"})
	assert client.company_info()[
		"CompanyName"
	]  # the catch-all requestid fault is still armed: reads carry none
