"""Webhooks as Intuit sends them: signed, batched per realm, retried on failure, for every change the emulator
records (API writes, voids, deletes), in the legacy and the CloudEvents format."""

import json
import time

from quickbooks_connector.inbound import parse, verify

from .support import make_customer, make_invoice, make_item, ok, payment_line, sales_line

TOKEN = "verifier-token-for-tests"


def subscribe(admin, api, sink, **options):
	return admin.set_webhook(api.realm_id, sink.url, TOKEN, **options)


def events_of(body: bytes) -> list[tuple[str, str, str]]:
	return [(event.entity, event.id, event.operation) for event in parse(body)]


def test_a_change_made_through_the_api_is_notified_signed_with_the_verifier_token(api, admin, webhook_sink):
	subscribe(admin, api, webhook_sink)

	customer = make_customer(api, "Signed Co")

	body, headers = webhook_sink.wait_for(1)[0]
	assert verify(body, headers["intuit-signature"], TOKEN)
	assert not verify(body, headers["intuit-signature"], "another-token")
	notification = json.loads(body)["eventNotifications"][0]
	assert notification["realmId"] == api.realm_id
	assert events_of(body) == [("Customer", customer["Id"], "Create")]
	assert headers["intuit-t-id"] and headers["intuit-created-time"]


def test_changes_of_one_realm_are_batched_into_one_notification(api, admin, webhook_sink):
	subscribe(admin, api, webhook_sink, batch_seconds=3600)
	first, second = make_customer(api, "Batch One"), make_customer(api, "Batch Two")

	assert admin.webhooks(api.realm_id)["subscriptions"][api.realm_id]["queued"] == 2
	admin.deliver_webhooks()

	((body, _headers),) = webhook_sink.wait_for(1)
	assert events_of(body) == [("Customer", first["Id"], "Create"), ("Customer", second["Id"], "Create")]


def test_void_and_delete_are_notified_with_their_operation(api, admin, webhook_sink):
	customer, item = make_customer(api), make_item(api)
	invoice = make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 100)])
	payment = ok(
		api.post(
			"payment",
			{
				"CustomerRef": {"value": customer["Id"]},
				"TotalAmt": 100,
				"Line": [payment_line(100, invoice["Id"], "Invoice")],
			},
		)
	)["Payment"]
	subscribe(admin, api, webhook_sink, batch_seconds=3600)

	ok(api.post("payment", {"Id": payment["Id"], "SyncToken": payment["SyncToken"]}, operation="delete"))
	current = api.read("Invoice", invoice["Id"])
	ok(api.post("invoice", {"Id": invoice["Id"], "SyncToken": current["SyncToken"]}, operation="void"))
	admin.deliver_webhooks()

	events = events_of(webhook_sink.wait_for(1)[0][0])
	assert ("Payment", payment["Id"], "Delete") in events
	assert events[-1] == ("Invoice", invoice["Id"], "Void")


def test_a_failed_notification_is_retried_and_later_changes_wait_behind_it(api, admin, webhook_sink):
	webhook_sink.answers = [500, 503]
	subscribe(admin, api, webhook_sink, retry_scale=0.01)  # 0 s, then 10 s -> 0.1 s
	first = make_customer(api, "Retry One")

	failed = webhook_sink.wait_for(3)
	assert [events_of(body) for body, _ in failed] == [[("Customer", first["Id"], "Create")]] * 3
	second = make_customer(api, "Retry Two")
	body, _headers = webhook_sink.wait_for(4)[3]
	assert events_of(body) == [("Customer", second["Id"], "Create")]
	assert eventually(lambda: len(admin.webhooks(api.realm_id)["deliveries"]) >= 4)
	log = admin.webhooks(api.realm_id)["deliveries"]
	assert [(entry["attempt"], entry["ok"]) for entry in log[:3]] == [(1, False), (2, False), (3, True)]


def test_retries_follow_the_emulator_clock(private_server, webhook_sink):
	from quickbooks_connector.emulator import EmulatorAdmin

	server = private_server()
	admin = EmulatorAdmin(server.base_url)
	realm_id = admin.create_realm()
	webhook_sink.answers = [500, 500]
	admin.set_webhook(realm_id, webhook_sink.url, TOKEN)
	admin.seed(realm_id, "Customer", count=1)

	webhook_sink.wait_for(2)  # the first try and the immediate retry; the next waits 10 s of emulator time
	assert eventually(lambda: failing(admin, realm_id) == {"attempts": 2, "events": 1})
	time.sleep(0.3)
	assert len(webhook_sink.received) == 2
	admin.advance_clock(11)
	body, _headers = webhook_sink.wait_for(3)[2]
	assert events_of(body)[0][0] == "Customer"
	assert eventually(lambda: failing(admin, realm_id) is None)


def failing(admin, realm_id):
	return admin.webhooks(realm_id)["subscriptions"][realm_id]["failing"]


def eventually(check, timeout: float = 5.0) -> bool:
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		if check():
			return True
		time.sleep(0.02)
	return False


def test_cloudevents_format(api, admin, webhook_sink):
	subscribe(admin, api, webhook_sink, format="cloudevents")

	customer = make_customer(api, "Cloud Co")

	body, headers = webhook_sink.wait_for(1)[0]
	assert verify(body, headers["intuit-signature"], TOKEN)
	(event,) = json.loads(body)
	assert event["type"] == "qbo.customer.created.v1"
	assert (event["intuitaccountid"], event["intuitentityid"]) == (api.realm_id, customer["Id"])


def test_admin_answers_never_show_the_verifier_token_and_refuse_bad_settings(api, admin, webhook_sink):
	answer = subscribe(admin, api, webhook_sink)
	listing = admin.webhooks()

	assert TOKEN not in json.dumps(answer) + json.dumps(listing)
	response = admin._session.post(
		f"{admin.base_url}/__emulator__/webhooks",
		json={"realm_id": api.realm_id, "url": "ftp://x", "verifier_token": "t"},
	)
	assert response.status_code == 400


def test_without_a_subscription_nothing_is_sent(api, admin, webhook_sink):
	subscribe(admin, api, webhook_sink, enabled=False)

	make_customer(api, "Quiet Co")
	admin.deliver_webhooks()

	assert webhook_sink.received == []
