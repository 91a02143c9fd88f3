"""Safe retries: dropped responses, 5xx and 429 are retried with the same requestid; validation never is."""

import pytest

from quickbooks_connector.qbo import QBOClient, endpoints_for
from quickbooks_connector.qbo.errors import NetworkError, ServerError, ThrottledError, ValidationError


def requests_seen(admin, realm: str) -> int:
	return admin.stats()["requests"].get(realm, 0)


def test_dropped_create_is_retried_and_creates_exactly_one_object(client, admin, fake_time):
	admin.inject_fault(match={"method": "POST", "path_regex": "/customer"}, action="drop", times=1)

	created = client.create("Customer", {"DisplayName": "Dropped Once"})

	assert len(fake_time.sleeps) == 1  # one lost response, one retry
	assert client.count("Customer", "DisplayName = {}", "Dropped Once") == 1
	assert created["DisplayName"] == "Dropped Once"


def test_callers_own_request_id_makes_a_later_retry_idempotent(make_client, admin):
	client = make_client(max_attempts=1)
	admin.inject_fault(match={"method": "POST", "path_regex": "/customer"}, action="drop", times=1)

	with pytest.raises(NetworkError) as raised:
		client.create("Customer", {"DisplayName": "Job Retry"}, request_id="erpnext-Customer-Job-Retry-1")
	assert raised.value.outcome_unknown  # QBO may have committed it: the caller must reuse the request id

	again = client.create("Customer", {"DisplayName": "Job Retry"}, request_id="erpnext-Customer-Job-Retry-1")

	assert client.count("Customer", "DisplayName = {}", "Job Retry") == 1
	assert again["DisplayName"] == "Job Retry"


def test_server_errors_are_retried_then_succeed(client, admin, fake_time):
	admin.inject_fault(
		match={"method": "POST", "path_regex": "/customer"}, action="error", status=503, times=2
	)

	client.create("Customer", {"DisplayName": "After Two 503s"})

	assert len(fake_time.sleeps) == 2
	assert client.count("Customer", "DisplayName = {}", "After Two 503s") == 1


def test_reads_are_retried_too(client, admin, fake_time):
	admin.inject_fault(
		match={"method": "GET", "path_regex": "/companyinfo/"}, action="error", status=502, times=1
	)

	assert client.company_info()["CompanyName"]
	assert len(fake_time.sleeps) == 1


def test_throttling_is_retried_honouring_retry_after(client, admin, fake_time):
	admin.inject_fault(match={"path_regex": "/companyinfo/"}, action="throttle", times=1)

	assert client.company_info()["CompanyName"]
	assert len(fake_time.sleeps) == 1
	assert fake_time.sleeps[0] >= 1  # the emulator's Retry-After is a floor for the wait


def test_attempts_are_bounded(make_client, admin, realm, fake_time):
	client = make_client(max_attempts=3)
	admin.inject_fault(match={"path_regex": "/companyinfo/"}, action="error", status=500, times=0)
	admin.reset_stats()

	with pytest.raises(ServerError):
		client.company_info()

	assert requests_seen(admin, realm) == 3
	assert len(fake_time.sleeps) == 2


def test_retry_deadline_is_respected(make_client, admin, fake_time):
	client = make_client(max_attempts=100, retry_deadline=10.0)
	admin.inject_fault(match={"path_regex": "/companyinfo/"}, action="error", status=503, times=0)

	with pytest.raises(ServerError):
		client.company_info()

	assert sum(fake_time.sleeps) <= 10.0  # no wait ever ends past the deadline
	assert len(fake_time.sleeps) < 99  # it stopped because of time, not attempts


def test_throttled_error_surfaces_when_retries_run_out(make_client, admin):
	client = make_client(max_attempts=1)
	admin.inject_fault(match={"path_regex": "/companyinfo/"}, action="throttle", times=1)

	with pytest.raises(ThrottledError) as raised:
		client.company_info()
	assert raised.value.retryable


def test_validation_errors_are_never_retried(client, admin, realm, fake_time):
	admin.reset_stats()

	with pytest.raises(ValidationError):
		client.create("Invoice", {"CustomerRef": {"value": "1"}})  # no Line

	assert fake_time.sleeps == []
	assert requests_seen(admin, realm) == 1


def test_unreachable_host_is_a_network_error_after_retries(realm, oauth, store, fake_time):
	client = QBOClient(
		realm,
		oauth,
		store,
		endpoints_for("custom", "http://127.0.0.1:9"),  # discard port: nothing listens
		max_attempts=2,
		sleep=fake_time.sleep,
		clock=fake_time.clock,
		timeout=(1, 1),
	)

	with pytest.raises(NetworkError):
		client.company_info()
	assert len(fake_time.sleeps) == 1
