"""OAuth 2.0 against the emulator with requests-oauthlib, and the bearer check on data calls."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from quickbooks_connector.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

from .support import decoded

REDIRECT_URI = "https://erp.example.com/api/method/quickbooks_connector.oauth.callback"
SCOPE = ["com.intuit.quickbooks.accounting"]


@pytest.fixture(autouse=True)
def plain_http_allowed(monkeypatch):
	monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the emulator listens on http://127.0.0.1


@pytest.fixture
def urls(emulator):
	base = emulator.base_url
	return {
		"authorize": f"{base}/connect/oauth2",
		"token": f"{base}/oauth2/v1/tokens/bearer",
		"revoke": f"{base}/v2/oauth2/tokens/revoke",
		"company": f"{base}/v3/company",
	}


def consent(urls, scope=SCOPE, **extra) -> tuple[OAuth2Session, str, dict]:
	"""Run the browser leg: returns the session, the callback URL and its query parameters."""
	session = OAuth2Session(DEFAULT_CLIENT_ID, redirect_uri=REDIRECT_URI, scope=scope)
	url, _ = session.authorization_url(urls["authorize"], **extra)
	response = requests.get(url, allow_redirects=False, timeout=10)
	assert response.status_code == 302, response.text
	location = response.headers["Location"]
	return session, location, {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def connect(urls, **extra) -> tuple[OAuth2Session, dict, str]:
	session, location, params = consent(urls, **extra)
	token = session.fetch_token(
		urls["token"], client_secret=DEFAULT_CLIENT_SECRET, authorization_response=location
	)
	return session, token, params["realmId"]


def exchange(urls, code, redirect_uri=REDIRECT_URI, secret=DEFAULT_CLIENT_SECRET) -> requests.Response:
	return requests.post(
		urls["token"],
		data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
		auth=HTTPBasicAuth(DEFAULT_CLIENT_ID, secret),
		headers={"Accept": "application/json"},
		timeout=10,
	)


def refresh(urls, refresh_token, **headers) -> requests.Response:
	return requests.post(
		urls["token"],
		data={"grant_type": "refresh_token", "refresh_token": refresh_token},
		auth=HTTPBasicAuth(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
		headers={"Accept": "application/json", **headers},
		timeout=10,
	)


def company_call(urls, realm_id, access_token) -> requests.Response:
	headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
	return requests.get(f"{urls['company']}/{realm_id}/companyinfo/{realm_id}", headers=headers, timeout=10)


def gateway_code(response: requests.Response) -> str:
	return decoded(response)["fault"]["error"][0]["code"]


def test_code_flow_through_the_redirect(urls):
	session, location, params = consent(urls, state="csrf-123")
	assert location.startswith(REDIRECT_URI + "?")
	assert params["state"] == "csrf-123" and params["code"] and params["realmId"].isdigit()

	token = session.fetch_token(
		urls["token"], client_secret=DEFAULT_CLIENT_SECRET, authorization_response=location
	)

	assert token["token_type"] == "bearer"
	assert token["expires_in"] == 3600
	assert token["refresh_token"].startswith("RT1-")
	assert 8_700_000 < token["x_refresh_token_expires_in"] <= 8_726_400
	response = session.get(f"{urls['company']}/{params['realmId']}/companyinfo/{params['realmId']}")
	assert response.status_code == 200
	assert response.json()["CompanyInfo"]["Country"] == "US"


def test_consent_to_an_existing_realm(urls, realm):
	_, _, params = consent(urls, realm_id=realm)
	assert params["realmId"] == realm


def test_codes_are_single_use(urls):
	_, _, params = consent(urls)
	assert exchange(urls, params["code"]).status_code == 200
	again = exchange(urls, params["code"])
	assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_codes_are_bound_to_the_redirect_uri(urls):
	_, _, params = consent(urls)
	response = exchange(urls, params["code"], redirect_uri="https://evil.example/callback")
	assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_codes_expire(urls, admin):
	_, _, params = consent(urls)
	admin.advance_clock(301)
	assert exchange(urls, params["code"]).json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_invalid_client(urls):
	_, _, params = consent(urls)
	response = exchange(urls, params["code"], secret="not-the-secret")
	assert response.status_code == 401 and response.json()["error"] == "invalid_client"
	assert exchange(urls, params["code"]).status_code == 200  # the failed attempt did not burn the code


def test_client_credentials_must_use_http_basic(urls):
	_, _, params = consent(urls)
	response = requests.post(
		urls["token"],
		data={
			"grant_type": "authorization_code",
			"code": params["code"],
			"redirect_uri": REDIRECT_URI,
			"client_id": DEFAULT_CLIENT_ID,
			"client_secret": DEFAULT_CLIENT_SECRET,
		},
		timeout=10,
	)
	assert response.status_code == 401


def test_unknown_client_at_the_authorize_endpoint(urls):
	response = requests.get(
		urls["authorize"],
		params={"client_id": "someone-else", "response_type": "code", "redirect_uri": REDIRECT_URI},
		allow_redirects=False,
		timeout=10,
	)
	assert response.status_code == 400


def test_refresh_keeps_the_token_until_the_rotation_interval(urls):
	session, token, realm_id = connect(urls)

	refreshed = session.refresh_token(
		urls["token"],
		refresh_token=token["refresh_token"],
		auth=HTTPBasicAuth(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
	)

	assert refreshed["refresh_token"] == token["refresh_token"]
	assert refreshed["access_token"] != token["access_token"]
	assert company_call(urls, realm_id, refreshed["access_token"]).status_code == 200
	assert (
		company_call(urls, realm_id, token["access_token"]).status_code == 200
	)  # old one lives until expiry


def test_rotation_kills_the_old_refresh_token(urls, admin):
	admin.configure(refresh_rotation_seconds=0)
	_, token, _ = connect(urls)

	rotated = refresh(urls, token["refresh_token"]).json()
	old = refresh(urls, token["refresh_token"])
	newest = refresh(urls, rotated["refresh_token"])

	assert rotated["refresh_token"] != token["refresh_token"]
	assert old.status_code == 400 and old.json()["error"] == "invalid_grant"
	assert newest.status_code == 200


def test_rotated_token_works_during_the_grace_period(urls, admin):
	admin.configure(refresh_rotation_seconds=0, rotation_grace_seconds=120)
	_, token, _ = connect(urls)
	rotated = refresh(urls, token["refresh_token"]).json()

	within_grace = refresh(urls, token["refresh_token"])
	admin.advance_clock(121)
	after_grace = refresh(urls, token["refresh_token"])

	assert within_grace.status_code == 200
	assert within_grace.json()["refresh_token"] == rotated["refresh_token"]
	assert after_grace.json()["error"] == "invalid_grant"


def test_refresh_token_expires(urls, admin):
	admin.configure(refresh_token_ttl=100)
	_, token, _ = connect(urls)
	admin.advance_clock(101)
	assert refresh(urls, token["refresh_token"]).json()["error"] == "invalid_grant"


def test_hard_expiry_is_reported_when_asked_for(urls):
	_, token, _ = connect(urls)
	plain = refresh(urls, token["refresh_token"]).json()
	asked = refresh(
		urls, token["refresh_token"], **{"x-include-refresh-token-hard-expires-in": "true"}
	).json()
	assert "x_refresh_token_hard_expires_in" not in plain
	assert asked["x_refresh_token_hard_expires_in"] > 4 * 365 * 24 * 3600


def test_expired_access_token_is_401_3200_until_refreshed(urls, admin):
	_, token, realm_id = connect(urls)
	admin.advance_clock(3601)

	expired = company_call(urls, realm_id, token["access_token"])
	fresh = refresh(urls, token["refresh_token"]).json()

	assert expired.status_code == 401 and gateway_code(expired) == "3200"
	assert company_call(urls, realm_id, fresh["access_token"]).status_code == 200


def test_revoking_the_refresh_token_disconnects(urls):
	_, token, realm_id = connect(urls)

	revoked = requests.post(
		urls["revoke"],
		json={"token": token["refresh_token"]},
		auth=HTTPBasicAuth(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
		timeout=10,
	)

	assert revoked.status_code == 200
	assert refresh(urls, token["refresh_token"]).json()["error"] == "invalid_grant"
	assert company_call(urls, realm_id, token["access_token"]).status_code == 401


def test_revoke_needs_client_authentication(urls):
	_, token, realm_id = connect(urls)
	response = requests.post(urls["revoke"], json={"token": token["refresh_token"]}, timeout=10)
	assert response.status_code == 401
	assert company_call(urls, realm_id, token["access_token"]).status_code == 200


def test_missing_or_unknown_bearer_is_gateway_401_3200(api):
	no_header = requests.get(f"{api.company_url}/preferences", timeout=10)
	garbage = requests.get(
		f"{api.company_url}/preferences", headers={"Authorization": "Bearer nope"}, timeout=10
	)

	for response in (no_header, garbage):
		assert response.status_code == 401
		body = decoded(response)
		assert body["fault"]["type"] == "AUTHENTICATION"
		assert body["fault"]["error"][0]["code"] == "3200"
		assert isinstance(body["time"], int)


def test_token_of_another_realm_is_401_code_100(api, make_api):
	other = make_api()
	response = api.session.get(f"{other.company_url}/preferences", timeout=10)
	assert response.status_code == 401
	assert decoded(response)["Fault"]["Error"][0]["code"] == "100"


def test_connection_without_accounting_scope_is_403_3100(urls):
	_, token, realm_id = connect(urls, scope=["openid", "email"])
	response = company_call(urls, realm_id, token["access_token"])
	assert response.status_code == 403 and gateway_code(response) == "3100"
