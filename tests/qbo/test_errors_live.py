"""Each typed error, raised from a real emulator fault over HTTP."""

import pytest

from quickbooks_connector.qbo.errors import (
	AuthorizationError,
	DuplicateDocumentNumberError,
	DuplicateNameError,
	NetworkError,
	NotFoundError,
	ServerError,
	StaleObjectError,
	ThrottledError,
	ValidationError,
)


@pytest.fixture
def one_shot(make_client):
	"""A client that does not retry, so the first error surfaces."""
	return make_client(max_attempts=1)


def test_duplicate_name_links_to_the_existing_record(client):
	existing = client.create("Customer", {"DisplayName": "Initech"})

	with pytest.raises(DuplicateNameError) as raised:
		client.create("Vendor", {"DisplayName": "Initech"})  # unique across customers and vendors

	assert raised.value.existing_id == existing["Id"]
	assert raised.value.code == "6240"
	assert raised.value.intuit_tid == client.last_intuit_tid


def test_duplicate_bill_number(client):
	expense = next(client.query("select * from Account where AccountType = {}", "Expense"))["Id"]
	vendor = client.create("Vendor", {"DisplayName": "Paper Supplies"})["Id"]
	bill = {
		"VendorRef": {"value": vendor},
		"DocNumber": "B-100",
		"Line": [
			{
				"DetailType": "AccountBasedExpenseLineDetail",
				"Amount": 20,
				"AccountBasedExpenseLineDetail": {"AccountRef": {"value": expense}},
			}
		],
	}
	client.create("Bill", bill)

	with pytest.raises(DuplicateDocumentNumberError, match="6140"):
		client.create("Bill", bill)


def test_missing_object(client):
	with pytest.raises(NotFoundError) as raised:
		client.read("Customer", "987654")
	assert raised.value.status == 400  # QBO answers 400/610, not 404


def test_stale_sync_token(client):
	customer = client.create("Customer", {"DisplayName": "Hooli"})
	client.update("Customer", {"Id": customer["Id"], "SyncToken": "0", "Notes": "first"}, sparse=True)

	with pytest.raises(StaleObjectError):
		client.update("Customer", {"Id": customer["Id"], "SyncToken": "0", "Notes": "second"}, sparse=True)


def test_validation_error_names_the_field(client):
	with pytest.raises(ValidationError) as raised:
		client.create("Customer", {"DisplayName": "Bad:Name"})

	assert raised.value.element == "DisplayName"
	assert raised.value.code == "2040"
	assert "DisplayName" in str(raised.value)


def test_query_syntax_error_is_a_validation_error(client):
	with pytest.raises(ValidationError) as raised:
		list(client.query("select * from Customer where"))
	assert raised.value.code == "4000"


def test_authorization_error(one_shot, admin):
	admin.inject_fault(match={"path_regex": "/companyinfo/"}, action="error", status=403, times=1)

	with pytest.raises(AuthorizationError) as raised:
		one_shot.company_info()
	assert not raised.value.retryable


def test_throttled(one_shot, admin):
	admin.inject_fault(match={"path_regex": "/preferences"}, action="throttle", times=1)

	with pytest.raises(ThrottledError) as raised:
		one_shot.preferences()
	assert raised.value.status == 429
	assert raised.value.retry_after is not None


def test_server_error(one_shot, admin):
	admin.inject_fault(match={"path_regex": "/preferences"}, action="error", status=500, times=1)

	with pytest.raises(ServerError) as raised:
		one_shot.preferences()
	assert raised.value.retryable
	assert raised.value.intuit_tid


def test_dropped_connection(one_shot, admin):
	admin.inject_fault(match={"path_regex": "/preferences"}, action="drop", times=1)

	with pytest.raises(NetworkError) as raised:
		one_shot.preferences()
	assert raised.value.outcome_unknown


def test_xml_fault_from_the_gateway(one_shot, admin):
	admin.inject_fault(
		match={"path_regex": "/preferences"}, action="throttle", times=1, format="xml", retry_after=4
	)

	with pytest.raises(ThrottledError) as raised:
		one_shot.preferences()
	assert raised.value.code == "3001"
	assert raised.value.retry_after == 4
