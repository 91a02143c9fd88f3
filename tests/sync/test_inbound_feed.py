"""The change feed's pure parts: both notification formats give the same events and keys, malformed bodies are
refused, and the catch-up stays inside QuickBooks' 30-day window and pages past the 1000-object cap."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from quickbooks_connector import inbound
from quickbooks_connector.inbound import PayloadError, catchup

LEGACY = {
	"eventNotifications": [
		{
			"realmId": "1185883450",
			"dataChangeEvent": {
				"entities": [
					{
						"name": "Payment",
						"id": "42",
						"operation": "Create",
						"lastUpdated": "2025-09-10T14:31:25-0700",
					}
				]
			},
		}
	]
}
CLOUD = [
	{
		"specversion": "1.0",
		"id": "88cd52aa-0000",
		"source": "intuit.x",
		"type": "qbo.payment.created.v1",
		"time": "2025-09-10T21:31:25.179851517Z",
		"intuitentityid": "42",
		"intuitaccountid": "1185883450",
		"data": {},
	}
]


def test_both_formats_give_the_same_event_and_key():
	(legacy,) = inbound.parse(json.dumps(LEGACY).encode())
	(cloud,) = inbound.parse(json.dumps(CLOUD).encode())

	assert (legacy.realm_id, legacy.entity, legacy.id, legacy.operation) == (
		"1185883450",
		"Payment",
		"42",
		"Create",
	)
	assert (cloud.entity, cloud.operation) == ("Payment", "Create")
	assert legacy.key == cloud.key
	assert inbound.ChangeEvent.from_dict(legacy.as_dict()) == legacy


def test_cloudevents_entity_names_and_verbs_are_read_as_the_api_spells_them():
	event = {**CLOUD[0], "type": "qbo.billpayment.voided.v1"}
	(parsed,) = inbound.parse(json.dumps([event]))
	assert (parsed.entity, parsed.operation) == ("BillPayment", "Void")


@pytest.mark.parametrize(
	"body", [b"not json", b"{}", b'{"eventNotifications": [{"dataChangeEvent": {}}]}', b"[{}]"]
)
def test_anything_else_is_refused(body):
	with pytest.raises(PayloadError):
		inbound.parse(body)


NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def test_the_catch_up_starts_a_little_before_the_cursor():
	plan = inbound.plan(NOW - timedelta(hours=3), NOW)
	assert plan.since == NOW - timedelta(hours=3) - catchup.OVERLAP and plan.gap is None


def test_a_cursor_older_than_quickbooks_window_is_clamped_and_reported():
	plan = inbound.plan(NOW - timedelta(days=45), NOW)
	assert NOW - plan.since < timedelta(days=30)
	assert plan.gap.code == "catch_up_gap"


def change(entity_id: int, at: datetime) -> dict:
	return {"Id": str(entity_id), "MetaData": {"LastUpdatedTime": at.isoformat()}}


def test_a_capped_answer_is_read_again_one_entity_at_a_time_from_its_newest_change():
	start = NOW - timedelta(days=1)
	payments = [change(n, start + timedelta(seconds=n)) for n in range(1, 2501)]
	calls = []

	def cdc(entities, since):
		calls.append((tuple(entities), since))
		answer = {entity: [] for entity in entities}
		if "Payment" in entities:
			answer["Payment"] = [
				row for row in payments if datetime.fromisoformat(row["MetaData"]["LastUpdatedTime"]) >= since
			][:1000]
		return answer

	changes = inbound.fetch(cdc, start, ("Invoice", "Payment"))

	assert sorted({int(obj["Id"]) for _entity, obj in changes.items}) == list(range(1, 2501))
	assert len(changes.items) == 2500  # overlapping answers are not handled twice
	assert changes.latest == start + timedelta(seconds=2500)
	assert calls[0][0] == ("Invoice", "Payment") and len(calls) > 3


def test_a_thousand_changes_in_one_second_cannot_be_paged():
	def cdc(entities, since):
		return {entity: [change(n, since) for n in range(1000)] for entity in entities}

	with pytest.raises(inbound.CatchUpError) as raised:
		inbound.fetch(cdc, NOW, ("Payment",))
	assert raised.value.problem.code == "catch_up_capped"
