"""Batch: any number of operations, chunked by 30, per-item results in input order, safe whole-chunk retries."""

import pytest

from quickbooks_connector.qbo import BatchOperation
from quickbooks_connector.qbo.errors import DuplicateNameError, NotFoundError, ValidationError


def create_customer(name: str) -> BatchOperation:
	return BatchOperation("create", "Customer", payload={"DisplayName": name})


def test_mixed_results_over_several_requests_come_back_in_input_order(client, admin, realm):
	existing = client.create("Customer", {"DisplayName": "Already There"})
	operations = [create_customer(f"Batch {n}") for n in range(40)]
	operations[3] = create_customer("Already There")
	operations[17] = BatchOperation("create", "Customer", payload={"DisplayName": "Bad:Name"})
	operations[31] = BatchOperation("delete", "Invoice", payload={"Id": "999999", "SyncToken": "0"})
	operations[35] = BatchOperation(
		"query", "Customer", query="select * from Customer where DisplayName = 'Already There'"
	)
	admin.reset_stats()

	results = client.batch(operations)

	assert admin.stats()["requests"][realm] == 2  # 40 operations -> requests of 30 + 10
	assert [result.ok for result in results] == [n not in (3, 17, 31) for n in range(40)]
	assert isinstance(results[3].error, DuplicateNameError)
	assert results[3].error.existing_id == existing["Id"]
	assert isinstance(results[17].error, ValidationError)
	assert isinstance(results[31].error, NotFoundError)
	assert results[35].data["Customer"][0]["Id"] == existing["Id"]
	created = [results[n].data["DisplayName"] for n in range(40) if n not in (3, 17, 31, 35)]
	assert created == [f"Batch {n}" for n in range(40) if n not in (3, 17, 31, 35)]
	assert client.count("Customer", "DisplayName like {}", "Batch %") == 36


def test_update_delete_and_void_in_a_batch(client):
	income = next(client.query("select * from Account where AccountType = {}", "Income"))["Id"]
	item = client.create("Item", {"Name": "Hours", "Type": "Service", "IncomeAccountRef": {"value": income}})
	customer = client.create("Customer", {"DisplayName": "Batch Target"})
	line = {
		"DetailType": "SalesItemLineDetail",
		"Amount": 10,
		"SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 1, "UnitPrice": 10},
	}
	to_void, to_delete = (
		client.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line]}) for _ in range(2)
	)

	results = client.batch(
		[
			BatchOperation("update", "Customer", payload={**customer, "Notes": "batched", "sparse": True}),
			BatchOperation("void", "Invoice", payload=to_void),
			BatchOperation("delete", "Invoice", payload=to_delete),
		]
	)

	assert [result.ok for result in results] == [True, True, True], [result.error for result in results]
	assert client.read("Customer", customer["Id"])["Notes"] == "batched"
	assert client.read("Invoice", to_void["Id"])["TotalAmt"] == 0
	assert results[2].data["status"] == "Deleted"


def test_dropped_batch_response_is_retried_without_duplicates(client, admin, fake_time):
	admin.inject_fault(match={"method": "POST", "path_regex": "/batch"}, action="drop", times=1)

	results = client.batch([create_customer(f"Retried {n}") for n in range(5)])

	assert all(result.ok for result in results)
	assert len(fake_time.sleeps) == 1
	assert client.count("Customer", "DisplayName like {}", "Retried %") == 5


def test_a_failed_chunk_marks_its_items_and_stops(make_client, admin):
	client = make_client(max_attempts=1)
	admin.inject_fault(match={"method": "POST", "path_regex": "/batch"}, action="error", status=503, times=0)

	results = client.batch([create_customer(f"Never {n}") for n in range(35)])

	assert len(results) == 35
	assert not any(result.ok for result in results)
	assert admin.stats()["requests"].get(client.realm_id, 0) == 1  # the second chunk was not sent
	admin.clear_faults()
	assert client.count("Customer", "DisplayName like {}", "Never %") == 0


def test_bids_must_be_unique(client):
	with pytest.raises(ValueError, match="unique"):
		client.batch([BatchOperation("query", "Customer", query="select * from Customer", bid="x")] * 2)
