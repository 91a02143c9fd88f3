"""Throttling, injected faults, dropped connections, latency and statistics."""

import threading
import time

import pytest
import requests

from .support import decoded, make_customer


def customers_named(api, name: str) -> int:
	return api.query(f"select count(*) from Customer where DisplayName = '{name}'")["totalCount"]


def test_per_minute_limit_is_429_3001_with_retry_after(api, admin):
	admin.configure(realm_id=api.realm_id, rate_limit_per_minute=3)
	statuses = [api.get("preferences").status_code for _ in range(3)]

	throttled = api.get("preferences")

	assert statuses == [200, 200, 200]
	assert throttled.status_code == 429
	assert 1 <= int(throttled.headers["Retry-After"]) <= 60
	assert decoded(throttled)["Fault"]["Error"][0]["code"] == "3001"
	admin.advance_clock(61)
	assert api.get("preferences").status_code == 200


def test_limits_are_per_realm(api, make_api, admin):
	admin.configure(realm_id=api.realm_id, rate_limit_per_minute=1)
	other = make_api()
	api.get("preferences")
	assert api.get("preferences").status_code == 429
	assert other.get("preferences").status_code == 200


def test_window_length_is_configurable(api, admin):
	admin.configure(realm_id=api.realm_id, rate_limit_per_minute=1, rate_window_seconds=5)
	api.get("preferences")
	throttled = api.get("preferences")
	assert int(throttled.headers["Retry-After"]) <= 5
	admin.advance_clock(5)
	assert api.get("preferences").status_code == 200


def test_batch_calls_have_their_own_limit(api, admin):
	admin.configure(realm_id=api.realm_id, batch_per_minute=2)
	body = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Term"}]}
	statuses = [api.post("batch", body).status_code for _ in range(3)]
	assert statuses == [200, 200, 429]
	assert api.get("preferences").status_code == 200


def test_concurrent_requests_over_the_limit_are_429(api, admin):
	admin.configure(realm_id=api.realm_id, max_concurrent=2, latency_ms=300)
	statuses: list[int] = []

	def call() -> None:
		response = requests.get(
			f"{api.company_url}/preferences", headers=dict(api.session.headers), timeout=10
		)
		statuses.append(response.status_code)

	threads = [threading.Thread(target=call) for _ in range(5)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()

	assert statuses.count(200) >= 2
	assert 429 in statuses
	assert admin.stats()["throttled_by_realm"][api.realm_id] >= 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_injected_server_errors_use_the_system_fault_shape(api, admin, status):
	admin.inject_fault(
		match={"path_regex": "/customer", "realm_id": api.realm_id}, action="error", status=status
	)

	failed = api.post("customer", {"DisplayName": "Flaky"})
	retried = api.post("customer", {"DisplayName": "Flaky"})

	assert failed.status_code == status
	assert decoded(failed)["Fault"]["type"] == "SystemFault"
	assert retried.status_code == 200
	assert customers_named(api, "Flaky") == 1


def test_injected_auth_and_throttle_statuses_use_their_own_shapes(api, admin):
	admin.inject_fault(match={"realm_id": api.realm_id}, action="error", status=401)
	admin.inject_fault(match={"realm_id": api.realm_id}, action="throttle", retry_after=7)
	admin.inject_fault(match={"realm_id": api.realm_id}, action="error", status=429, format="xml")

	unauthorised = api.get("preferences")
	throttled = api.get("preferences")
	as_xml = api.get("preferences")

	assert unauthorised.status_code == 401 and decoded(unauthorised)["fault"]["error"][0]["code"] == "3200"
	assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
	assert as_xml.status_code == 429 and as_xml.headers["Content-Type"].startswith("application/xml")
	assert '<Error code="3001">' in as_xml.text
	assert api.get("preferences").status_code == 200


def test_faults_match_method_and_count_down(api, admin):
	admin.inject_fault(match={"method": "POST", "realm_id": api.realm_id}, action="error", times=2)

	assert api.get("preferences").status_code == 200
	assert [api.post("customer", {"DisplayName": "X"}).status_code for _ in range(3)] == [503, 503, 200]


def test_unlimited_fault_with_probability_is_reproducible(api, admin):
	def pattern() -> list[int]:
		admin.clear_faults()
		admin.inject_fault(match={"realm_id": api.realm_id}, action="error", times=0, probability=0.5, seed=7)
		return [api.get("preferences").status_code for _ in range(12)]

	first = pattern()
	assert first == pattern()
	assert {200, 503} == set(first)


def test_token_endpoint_can_fail_too(api, admin, emulator):
	admin.inject_fault(match={"path_regex": "^/oauth2/v1/tokens/bearer"}, action="error", status=503)
	response = requests.post(
		f"{emulator.base_url}/oauth2/v1/tokens/bearer", data={"grant_type": "refresh_token"}, timeout=10
	)
	assert response.status_code == 503


def test_drop_commits_then_closes_the_connection(api, admin):
	admin.inject_fault(match={"path_regex": "/customer", "realm_id": api.realm_id}, action="drop")

	with pytest.raises(requests.exceptions.ConnectionError):
		api.post("customer", {"DisplayName": "Maybe Created"}, requestid="drop-1")

	assert customers_named(api, "Maybe Created") == 1
	replay = api.post("customer", {"DisplayName": "Maybe Created"}, requestid="drop-1")
	assert replay.status_code == 200
	assert customers_named(api, "Maybe Created") == 1
	assert admin.stats()["dropped"] >= 1


def test_latency_fault_delays_but_answers(api, admin):
	admin.inject_fault(match={"realm_id": api.realm_id}, action="latency", latency_ms=50)
	assert api.get("preferences").status_code == 200


def test_stats_count_requests_per_realm(api, admin):
	admin.reset_stats()
	make_customer(api)
	api.get("preferences")
	stats = admin.stats()
	assert stats["requests"][api.realm_id] == 2
	assert stats["endpoints"]["POST customer"] >= 1


def test_batch_latency_grows_with_its_operations(api, admin):
	admin.configure(realm_id=api.realm_id, latency_ms=10, batch_item_latency_ms=20)

	def seconds_for(operations: int) -> float:
		items = [{"bId": str(n), "Query": "select * from Term"} for n in range(operations)]
		started = time.monotonic()
		assert api.post("batch", {"BatchItemRequest": items}).status_code == 200
		return time.monotonic() - started

	one, twenty = seconds_for(1), seconds_for(20)

	assert one >= 0.03 and twenty >= 0.41  # 10 ms + 20 ms per operation
	assert twenty - one >= 0.3
	assert admin.config(api.realm_id)["batch_item_latency_ms"] == 20


def test_config_is_validated_and_restorable(admin, realm):
	with pytest.raises(RuntimeError):
		admin.configure(rate_limit_per_minute=-1)
	with pytest.raises(RuntimeError):
		admin.configure(no_such_knob=1)
	assert admin.configure(realm_id=realm, latency_ms=5)["latency_ms"] == 5
	assert admin.config()["latency_ms"] == 0
	assert admin.config(realm)["latency_ms"] == 5
	admin.reset_config()
	assert admin.config(realm)["latency_ms"] == 0
