"""Persistence across restarts, the command line, and the admin endpoints."""

import json
import subprocess
import sys

import pytest
import requests

from quickbooks_connector.emulator import EmulatorAdmin

from .support import Api, decoded, make_customer

AMOUNT_ONLY_LINE = {"DetailType": "SalesItemLineDetail", "Amount": 12, "SalesItemLineDetail": {}}


def test_state_survives_a_restart(private_server, tmp_path):
	state = tmp_path / "qbo.state.json"
	first = private_server(state_file=state)
	admin = EmulatorAdmin(first.base_url)
	realm = admin.create_realm(country="GB")
	tokens = admin.issue_tokens(realm)
	api = Api(first.base_url, realm, tokens["access_token"])
	customer = make_customer(api)
	api.post("customer", {"DisplayName": "Replayed"}, requestid="persist-1")
	first.stop()

	second = private_server(state_file=state)
	api = Api(second.base_url, realm, tokens["access_token"])

	assert api.read("Customer", customer["Id"]) == customer
	assert make_customer(api, "Next")["Id"] == str(int(customer["Id"]) + 2)
	assert decoded(api.post("customer", {"DisplayName": "Replayed"}, requestid="persist-1")).get("Customer")
	assert api.query("select count(*) from Customer where DisplayName = 'Replayed'")["totalCount"] == 1
	assert api.query("select * from TaxCode where Name = '20.0% S'")["TaxCode"]
	assert (
		api.post("customer", {"DisplayName": customer["DisplayName"]}).status_code == 400
	)  # names indexed again


def test_new_entities_preferences_and_files_survive_a_restart(private_server, tmp_path):
	state = tmp_path / "qbo.state.json"
	first = private_server(state_file=state)
	admin = EmulatorAdmin(first.base_url)
	realm = admin.create_realm(
		multicurrency=True, preferences={"SalesFormsPrefs": {"CustomTxnNumbers": False}}
	)
	tokens = admin.issue_tokens(realm)
	api = Api(first.base_url, realm, tokens["access_token"])
	make_customer(api, "Euro Buyer", CurrencyRef={"value": "EUR"})
	rate = api.query("select * from ExchangeRate")["ExchangeRate"][0]
	api.post("exchangerate", {**rate, "Rate": 1.5})
	upload = api.session.post(
		f"{api.company_url}/upload",
		files={"file_content_01": ("a.txt", b"kept", "text/plain")},
		timeout=30,
	)
	attachable = decoded(upload)["AttachableResponse"][0]["Attachable"]
	first.stop()

	second = private_server(state_file=state)
	api = Api(second.base_url, realm, tokens["access_token"])
	link = api.get(f"download/{attachable['Id']}").text

	assert requests.get(link, timeout=30).content == b"kept"
	assert api.query("select * from ExchangeRate")["ExchangeRate"][0]["Rate"] == 1.5
	assert api.query("select * from CompanyCurrency")["CompanyCurrency"][0]["Code"] == "EUR"
	assert decoded(api.get("preferences"))["Preferences"]["SalesFormsPrefs"]["CustomTxnNumbers"] is False


def test_save_endpoint_writes_the_file_now(private_server, tmp_path):
	state = tmp_path / "state.json"
	server = private_server(state_file=state)
	admin = EmulatorAdmin(server.base_url)
	realm = admin.create_realm()

	assert admin.save() == str(state)
	assert realm in json.loads(state.read_text())["realms"]


def test_save_without_state_file_is_refused(admin):
	with pytest.raises(RuntimeError, match="409"):
		admin.save()


def test_reset_wipes_realms_tokens_and_config(private_server):
	server = private_server()
	admin = EmulatorAdmin(server.base_url)
	realm = admin.create_realm()
	tokens = admin.issue_tokens(realm)
	admin.configure(latency_ms=5)

	admin.reset()

	assert admin.config()["latency_ms"] == 0
	response = requests.get(
		f"{server.base_url}/v3/company/{realm}/preferences",
		headers={"Authorization": f"Bearer {tokens['access_token']}"},
		timeout=10,
	)
	assert response.status_code == 401
	with pytest.raises(RuntimeError, match="404"):
		admin.issue_tokens(realm)


def test_command_line_help_documents_the_flags():
	result = subprocess.run(
		[sys.executable, "-m", "quickbooks_connector.emulator", "--help"],
		capture_output=True,
		text=True,
		timeout=30,
	)
	assert result.returncode == 0
	for flag in ("--host", "--port", "--state", "--client-id", "--client-secret", "emulator-client-id"):
		assert flag in result.stdout


def test_command_line_serves_with_custom_client(tmp_path):
	process = subprocess.Popen(
		[
			sys.executable,
			"-m",
			"quickbooks_connector.emulator",
			"--port",
			"0",
			"--client-id",
			"cli-app",
			"--client-secret",
			"s3cret",
		],
		stdout=subprocess.PIPE,
		text=True,
	)
	try:
		base_url = process.stdout.readline().strip().rsplit(" ", 1)[-1]
		admin = EmulatorAdmin(base_url)
		realm = admin.create_realm()
		wrong = requests.post(
			f"{base_url}/oauth2/v1/tokens/bearer",
			data={"grant_type": "refresh_token", "refresh_token": admin.issue_tokens(realm)["refresh_token"]},
			auth=("emulator-client-id", "emulator-client-secret"),
			timeout=10,
		)
		right = requests.post(
			f"{base_url}/oauth2/v1/tokens/bearer",
			data={"grant_type": "refresh_token", "refresh_token": admin.issue_tokens(realm)["refresh_token"]},
			auth=("cli-app", "s3cret"),
			timeout=10,
		)
		assert wrong.status_code == 401
		assert right.status_code == 200
	finally:
		process.terminate()
		assert process.wait(timeout=10) == 0


def test_seed_with_templates_and_objects(admin, api):
	ids = admin.seed(
		api.realm_id, "Customer", count=3, template={"DisplayName": "Seeded {n}", "Notes": "#{n}"}
	)
	objects = admin.seed(api.realm_id, "Vendor", objects=[{"DisplayName": "V1"}, {"DisplayName": "V2"}])

	assert len(ids) == 2 and int(ids[1]) - int(ids[0]) == 2
	first = api.read("Customer", ids[0])
	assert first["DisplayName"] == f"Seeded {ids[0]}" and first["Notes"] == f"#{ids[0]}"
	assert [api.read("Vendor", vendor_id)["DisplayName"] for vendor_id in objects] == ["V1", "V2"]


def test_seeding_applies_the_api_rules(admin, api):
	make_customer(api, "Taken")
	with pytest.raises(RuntimeError, match="6240"):
		admin.seed(api.realm_id, "Customer", objects=[{"DisplayName": "Free"}, {"DisplayName": "Taken"}])
	with pytest.raises(RuntimeError, match="404"):
		admin.seed("no-such-realm", "Customer", count=1)


def test_realm_options_are_checked(admin):
	with pytest.raises(RuntimeError, match="unknown realm options"):
		admin.create_realm(contry="GB")


def test_unknown_routes_are_404(emulator):
	assert requests.get(f"{emulator.base_url}/nowhere", timeout=10).status_code == 404
	assert requests.get(f"{emulator.base_url}/__emulator__/nothing", timeout=10).status_code == 404


def test_record_pages_stand_in_for_the_quickbooks_web_app(api, emulator):
	customer = make_customer(api, "Page <Test> & Co")
	invoice = api.create(
		"Invoice",
		{
			"CustomerRef": {"value": customer["Id"]},
			"DocNumber": "INV-77",
			"Line": [{"DetailType": "DescriptionOnly", "Description": "Thanks!"}, AMOUNT_ONLY_LINE],
		},
	)
	app = f"{emulator.base_url}/app"

	invoice_page = requests.get(
		f"{app}/invoice", params={"txnId": invoice["Id"], "realmId": api.realm_id}, timeout=10
	)
	customer_page = requests.get(
		f"{app}/customerdetail", params={"nameId": customer["Id"], "realmId": api.realm_id}, timeout=10
	)
	missing = requests.get(
		f"{app}/bill", params={"txnId": invoice["Id"], "realmId": api.realm_id}, timeout=10
	)

	assert invoice_page.status_code == 200 and invoice_page.headers["Content-Type"].startswith("text/html")
	assert "INV-77" in invoice_page.text and "Thanks!" in invoice_page.text and "<pre>" in invoice_page.text
	assert "Page &lt;Test&gt; &amp; Co" in customer_page.text
	assert missing.status_code == 404
