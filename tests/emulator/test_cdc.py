"""Change Data Capture: window, ordering, deleted stubs, the 30-day limit and the 1000-object cap."""

from datetime import datetime, timedelta, timezone

from quickbooks_connector.emulator import EmulatorAdmin

from .support import Api, decoded, fault_of, make_customer, make_invoice, make_item, ok, sales_line


def emulator_now(admin) -> datetime:
	return datetime.fromisoformat(admin.clock()["now"])


def cdc(api, entities: str, since: datetime | str) -> tuple[dict, str]:
	changed_since = since if isinstance(since, str) else since.isoformat()
	body = ok(api.get("cdc", entities=entities, changedSince=changed_since))
	groups = {}
	for group in body["CDCResponse"][0]["QueryResponse"]:
		for key, value in group.items():
			if isinstance(value, list):
				groups[key] = value
	return groups, body["time"]


def test_changes_since_a_cursor_including_deleted_stubs(api, admin):
	item = make_item(api)
	early = make_customer(api, "Before Cursor")
	start = emulator_now(admin)
	admin.advance_clock(1)

	customer = make_customer(api, "After Cursor")
	api.update("Customer", {"Id": early["Id"], "SyncToken": "0", "sparse": True, "Notes": "touched"})
	invoice = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 10)])
	gone = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 20)])
	ok(api.post("invoice", {"Id": gone["Id"], "SyncToken": "0"}, operation="delete"))

	groups, cursor = cdc(api, "Customer,Invoice", start)

	assert [c["DisplayName"] for c in groups["Customer"]] == ["After Cursor", "Before Cursor"]
	assert groups["Invoice"][0]["Id"] == invoice["Id"]
	stub = groups["Invoice"][1]
	assert stub["Id"] == gone["Id"] and stub["status"] == "Deleted" and stub["domain"] == "QBO"
	assert "LastUpdatedTime" in stub["MetaData"]
	nothing_new, _ = cdc(api, "Customer,Invoice", cursor)
	assert nothing_new == {}


def test_entities_without_changes_give_an_empty_element(api, admin):
	start = emulator_now(admin)
	make_customer(api)
	body = ok(api.get("cdc", entities="Customer,Vendor", changedSince=start.isoformat()))
	responses = body["CDCResponse"][0]["QueryResponse"]
	assert responses[1] == {}
	assert responses[0]["maxResults"] == 1


def test_date_only_changed_since_is_accepted(api, admin):
	make_customer(api)
	yesterday = (emulator_now(admin) - timedelta(days=1)).date().isoformat()
	groups, _ = cdc(api, "Customer", yesterday)
	assert len(groups["Customer"]) == 1


def test_more_than_30_days_back_is_refused(api, admin):
	too_old = emulator_now(admin) - timedelta(days=31)
	error = fault_of(api.get("cdc", entities="Customer", changedSince=too_old.isoformat()))
	assert "older than fixed days is not supported" in error["Detail"]


def test_window_moves_with_the_clock(private_server):
	server = private_server()
	admin = EmulatorAdmin(server.base_url)
	admin.configure(access_token_ttl=40 * 24 * 3600)
	realm = admin.create_realm()
	api = Api(server.base_url, realm, admin.issue_tokens(realm)["access_token"])
	start = emulator_now(admin)
	make_customer(api)
	admin.advance_clock(31 * 24 * 3600)

	assert fault_of(api.get("cdc", entities="Customer", changedSince=start.isoformat()))["code"] == "500"


def test_at_most_1000_objects(api, admin):
	start = emulator_now(admin)
	admin.seed(api.realm_id, "Customer", count=700)
	admin.seed(api.realm_id, "Vendor", count=700)

	groups, _ = cdc(api, "Customer,Vendor", start)

	assert len(groups["Customer"]) == 700
	assert len(groups["Vendor"]) == 300


def test_bad_parameters(api, admin):
	now = emulator_now(admin).astimezone(timezone.utc).isoformat()
	assert fault_of(api.get("cdc", changedSince=now))["code"] == "2020"
	assert fault_of(api.get("cdc", entities="Customer"))["code"] == "2020"
	assert fault_of(api.get("cdc", entities="TaxCode", changedSince=now))["code"] == "4000"
	assert fault_of(api.get("cdc", entities="Customer", changedSince="last tuesday"))["code"] == "2010"


def test_response_time_is_a_usable_cursor(api, admin):
	_, cursor = cdc(api, "Customer", emulator_now(admin))
	customer = make_customer(api)
	groups, _ = cdc(api, "Customer", cursor)
	assert [c["Id"] for c in groups["Customer"]] == [customer["Id"]]
	assert decoded(api.get("cdc", entities="Customer", changedSince=cursor))["time"] >= cursor
