"""Token expiry bookkeeping and environment URLs (pure, no HTTP)."""

import pytest

from quickbooks_connector.qbo import Tokens, endpoints_for

RESPONSE = {
	"token_type": "bearer",
	"access_token": "at",
	"refresh_token": "rt",
	"expires_in": 3600,
	"x_refresh_token_expires_in": 8_726_400,
}


def test_expiries_become_absolute_times():
	tokens = Tokens.from_token_response(RESPONSE, "123", now=1_000.0)

	assert tokens.access_expires_at == 4_600.0
	assert tokens.refresh_expires_at == 8_727_400.0
	assert tokens.refresh_hard_expires_at is None
	assert tokens.reconnect_by == tokens.refresh_expires_at
	assert tokens.access_expires_within(300, now=4_400.0)
	assert not tokens.access_expires_within(300, now=4_200.0)


def test_hard_cap_bounds_the_reconnect_date():
	tokens = Tokens.from_token_response(
		{**RESPONSE, "x_refresh_token_hard_expires_in": 86_400}, "123", now=0.0
	)

	assert tokens.refresh_hard_expires_at == 86_400.0
	assert tokens.reconnect_by == 86_400.0  # the 5-year cap can come before the rolling expiry


def test_intuit_environments():
	production = endpoints_for("production")
	sandbox = endpoints_for("sandbox")

	assert production.api_base == "https://quickbooks.api.intuit.com/v3"
	assert sandbox.api_base == "https://sandbox-quickbooks.api.intuit.com/v3"
	assert (
		production.token_url
		== sandbox.token_url
		== "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
	)
	assert production.authorize_url == "https://appcenter.intuit.com/connect/oauth2"
	assert production.revoke_url == "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"
	assert not production.plain_http


def test_custom_environment_serves_everything_under_its_base_url():
	endpoints = endpoints_for("custom", "http://127.0.0.1:8765/")

	assert endpoints.authorize_url == "http://127.0.0.1:8765/connect/oauth2"
	assert endpoints.token_url == "http://127.0.0.1:8765/oauth2/v1/tokens/bearer"
	assert endpoints.revoke_url == "http://127.0.0.1:8765/v2/oauth2/tokens/revoke"
	assert endpoints.api_base == "http://127.0.0.1:8765/v3"
	assert endpoints.plain_http


@pytest.mark.parametrize(
	("environment", "base_url"), [("custom", None), ("custom", "localhost:8765"), ("sandbox", "http://x")]
)
def test_bad_environment_arguments(environment, base_url):
	with pytest.raises(ValueError):
		endpoints_for(environment, base_url)
