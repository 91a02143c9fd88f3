"""Batch requests and request-id replay."""

from .support import decoded, fault_of, make_customer, make_invoice, make_item, ok, sales_line


def batch(api, items, **params):
	return api.post("batch", {"BatchItemRequest": items}, **params)


def test_batch_items_succeed_or_fail_on_their_own(api):
	customer = make_customer(api)
	item = make_item(api)
	invoice = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 10)])
	doomed = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 20)])

	response = batch(
		api,
		[
			{"bId": "b1", "operation": "create", "Vendor": {"DisplayName": "Smith Family Store"}},
			{"bId": "b2", "operation": "create", "Customer": {"DisplayName": customer["DisplayName"]}},
			{
				"bId": "b3",
				"operation": "update",
				"Customer": {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "vip"},
			},
			{"bId": "b4", "operation": "delete", "Invoice": {"Id": doomed["Id"], "SyncToken": "0"}},
			{
				"bId": "b5",
				"operation": "update",
				"optionsData": "void",
				"Invoice": {"Id": invoice["Id"], "SyncToken": "0"},
			},
			{"bId": "b6", "Query": "select * from Customer where Id = '" + customer["Id"] + "'"},
			{"bId": "b7", "Query": "select * from Customer where"},
		],
	)

	results = {entry["bId"]: entry for entry in ok(response)["BatchItemResponse"]}
	assert results["b1"]["Vendor"]["DisplayName"] == "Smith Family Store"
	assert results["b2"]["Fault"]["Error"][0]["code"] == "6240"
	assert results["b2"]["Fault"]["type"] == "ValidationFault"
	assert results["b3"]["Customer"]["Notes"] == "vip"
	assert results["b4"]["Invoice"] == {"status": "Deleted", "domain": "QBO", "Id": doomed["Id"]}
	assert results["b5"]["Invoice"]["TotalAmt"] == 0
	assert results["b6"]["QueryResponse"]["Customer"][0]["Id"] == customer["Id"]
	assert results["b7"]["Fault"]["Error"][0]["code"] == "4000"


def test_payment_void_in_a_batch(api):
	customer = make_customer(api)
	payment = api.create("Payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 10})
	response = batch(
		api,
		[
			{
				"bId": "v",
				"operation": "update",
				"optionsData": "void",
				"Payment": {"Id": payment["Id"], "SyncToken": "0", "sparse": True},
			}
		],
	)
	assert ok(response)["BatchItemResponse"][0]["Payment"]["TotalAmt"] == 0


def test_batch_of_30_is_fine_31_is_a_fault(api):
	items = [{"bId": str(n), "operation": "create", "Vendor": {"DisplayName": f"V{n}"}} for n in range(31)]

	too_many = fault_of(batch(api, items))
	thirty = ok(batch(api, items[:30]))["BatchItemResponse"]

	assert too_many["code"] == "1040"
	assert len(thirty) == 30 and all("Vendor" in entry for entry in thirty)
	assert api.query("select count(*) from Vendor")["totalCount"] == 30


def test_batch_needs_unique_bids_and_known_operations(api):
	same_bid = [{"bId": "x", "Query": "select * from Customer"}] * 2
	no_bid = [{"Query": "select * from Customer"}]
	bad_op = [{"bId": "1", "operation": "upsert", "Customer": {"DisplayName": "A"}}]

	assert fault_of(batch(api, same_bid))["code"] == "2010"
	assert fault_of(batch(api, no_bid))["code"] == "2020"
	assert ok(batch(api, bad_op))["BatchItemResponse"][0]["Fault"]["Error"][0]["code"] == "2170"


def test_repeated_request_id_returns_the_original_and_creates_nothing(api):
	first = api.post("customer", {"DisplayName": "Once Only"}, requestid="req-1")
	second = api.post("customer", {"DisplayName": "Once Only"}, requestid="req-1")

	assert first.status_code == second.status_code == 200
	assert decoded(first) == decoded(second)
	assert api.query("select count(*) from Customer")["totalCount"] == 1


def test_request_ids_are_per_realm(api, make_api):
	other = make_api()
	api.post("customer", {"DisplayName": "Mine"}, requestid="shared")
	theirs = other.post("customer", {"DisplayName": "Theirs"}, requestid="shared")
	assert decoded(theirs)["Customer"]["DisplayName"] == "Theirs"


def test_same_request_id_with_a_different_body_is_600(api):
	api.post("customer", {"DisplayName": "First"}, requestid="req-2")

	error = fault_of(api.post("customer", {"DisplayName": "Second"}, requestid="req-2"))

	assert error["code"] == "600"
	assert api.query("select count(*) from Customer")["totalCount"] == 1


def test_failed_requests_are_not_remembered(api):
	body = {"DisplayName": "Retry Me", "Title": "T" * 17}
	assert fault_of(api.post("customer", body, requestid="req-3"))["code"] == "2050"
	fixed = api.post("customer", {"DisplayName": "Retry Me"}, requestid="req-3")
	assert fixed.status_code == 200


def test_update_replay_does_not_double_apply(api):
	customer = make_customer(api)
	body = {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "once"}
	first = decoded(api.post("customer", body, requestid="upd-1"))
	replay = decoded(api.post("customer", body, requestid="upd-1"))
	assert first == replay
	assert api.read("Customer", customer["Id"])["SyncToken"] == "1"


def test_batch_request_id_replays_the_whole_batch(api):
	items = [{"bId": "1", "operation": "create", "Vendor": {"DisplayName": "Batch Vendor"}}]

	first = decoded(batch(api, items, requestid="batch-1"))
	second = decoded(batch(api, items, requestid="batch-1"))

	assert first == second
	assert "Vendor" in second["BatchItemResponse"][0]
	assert api.query("select count(*) from Vendor")["totalCount"] == 1
