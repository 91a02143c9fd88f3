"""No token or client secret in a traceback (with frame locals, as Frappe's Error Log records them), an exception's
text or a log record, whatever fails; and the emulator's plain http:// never leaks to other threads' OAuth calls."""

import base64
import logging
import threading
import time
import traceback
from urllib.parse import quote_plus

import pytest
import requests
from oauthlib.oauth2.rfc6749.utils import is_secure_transport

from quickbooks_connector.qbo import OAuth, Tokens, endpoints_for
from quickbooks_connector.qbo.errors import AuthenticationError, NetworkError, QBOError, ServerError
from quickbooks_connector.qbo.secret import Secret, scrub

from .conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI

TOKEN_PATH = "^/oauth2/v1/tokens/bearer"
ROTATED_SECRET = "rotated-client-secret-4f1c9a"


def expiring_soon():
	"""A clock 3400 s ahead: the access token has under 5 minutes left, so the next call refreshes first."""
	return time.time() + 3400


def spellings(secret: str) -> set[str]:
	return {
		secret,
		quote_plus(secret),
		base64.b64encode(f"{CLIENT_ID}:{secret}".encode()).decode(),
	}


def assert_nothing_leaks(error: BaseException, records: list[logging.LogRecord], *secrets: str) -> None:
	texts = {
		"traceback with locals": "".join(
			traceback.TracebackException.from_exception(error, capture_locals=True).format()
		),
		"str": str(error),
		"repr": repr(error),
		"log": "\n".join(
			record.getMessage()
			+ (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
			for record in records
		),
	}
	for where, text in texts.items():
		for secret in secrets:
			for form in spellings(secret):
				assert form not in text, f"a secret is in the {where}"


@pytest.fixture
def everything_logged(caplog):
	caplog.set_level(logging.DEBUG)
	return caplog


@pytest.fixture
def tokens_(store) -> Tokens:
	return store.load()


def test_token_endpoint_5xx_during_a_refresh_leaks_nothing(
	make_client, oauth, tokens_, admin, everything_logged
):
	admin.inject_fault(match={"path_regex": TOKEN_PATH}, action="error", status=503, times=0)
	client = make_client(clock=expiring_soon, max_attempts=2)

	with pytest.raises(ServerError) as raised:
		client.company_info()

	assert_nothing_leaks(
		raised.value, everything_logged.records, tokens_.access_token, tokens_.refresh_token, CLIENT_SECRET
	)


def test_invalid_client_after_a_rotated_secret_leaks_nothing(
	make_client, endpoints, tokens_, everything_logged
):
	rotated = OAuth(CLIENT_ID, ROTATED_SECRET, REDIRECT_URI, endpoints)
	client = make_client(clock=expiring_soon, oauth=rotated)

	with pytest.raises(AuthenticationError) as raised:
		client.company_info()

	assert raised.value.code == "invalid_client"
	assert_nothing_leaks(
		raised.value, everything_logged.records, tokens_.access_token, tokens_.refresh_token, ROTATED_SECRET
	)


def test_refresh_called_directly_with_a_plain_string_leaks_nothing_from_below(
	oauth, tokens_, admin, realm, everything_logged
):
	admin.inject_fault(match={"path_regex": TOKEN_PATH}, action="error", status=500)

	with pytest.raises(ServerError) as raised:
		oauth.refresh(Secret(tokens_.refresh_token), realm)

	assert_nothing_leaks(raised.value, everything_logged.records, tokens_.refresh_token, CLIENT_SECRET)


class Exploding(requests.adapters.HTTPAdapter):
	"""An unexpected failure inside requests, after the request (headers, body) was prepared; its text quotes
	the Authorization header, as some of requests' own header errors do."""

	def send(self, request, *args, **kwargs):
		raise ValueError(f"cannot send {request.headers.get('Authorization')} with {request.body!r}")


@pytest.fixture
def exploding_transport(monkeypatch):
	monkeypatch.setattr(requests.Session, "get_adapter", lambda self, url: Exploding())


def test_unexpected_exception_while_sending_an_api_call_leaks_nothing(
	client, tokens_, exploding_transport, everything_logged
):
	with pytest.raises(QBOError) as raised:
		client.company_info()

	assert "ValueError" in str(raised.value)
	assert_nothing_leaks(raised.value, everything_logged.records, tokens_.access_token, tokens_.refresh_token)


def test_unexpected_exception_while_refreshing_leaks_nothing(
	make_client, tokens_, exploding_transport, everything_logged
):
	client = make_client(clock=expiring_soon)

	with pytest.raises(QBOError) as raised:
		client.company_info()

	assert_nothing_leaks(
		raised.value, everything_logged.records, tokens_.access_token, tokens_.refresh_token, CLIENT_SECRET
	)


def test_unreachable_token_endpoint_leaks_nothing(realm, tokens_, everything_logged):
	closed = OAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, endpoints_on_closed_port(), timeout=(0.5, 0.5))

	with pytest.raises(NetworkError) as raised:
		closed.refresh(Secret(tokens_.refresh_token), realm)

	assert raised.value.outcome_unknown
	assert_nothing_leaks(raised.value, everything_logged.records, tokens_.refresh_token, CLIENT_SECRET)


def endpoints_on_closed_port():
	return endpoints_for("custom", "http://127.0.0.1:9")


def test_secrets_and_tokens_refuse_to_be_pickled(tokens_):
	import pickle

	with pytest.raises(TypeError):
		pickle.dumps(Secret("x" * 10))
	with pytest.raises(TypeError):
		pickle.dumps(tokens_)
	assert repr(Secret("abcdef")) == str(Secret("abcdef")) == f"{Secret('abcdef')}" == "<redacted>"
	assert scrub(f"Basic {base64.b64encode(b'id:abcdef').decode()} abcdef", ["abcdef"], "id") == (
		"Basic <redacted> <redacted>"
	)


def test_plain_http_for_the_emulator_is_never_allowed_to_other_threads(oauth, tokens_, admin, realm):
	"""The emulator speaks http://. While one thread refreshes against it, another thread's OAuth library must
	still refuse plain http (it reads a process-wide environment variable)."""
	admin.inject_fault(match={"path_regex": TOKEN_PATH}, action="latency", latency_ms=800)
	done = threading.Event()
	outcome: list = []

	def refresh() -> None:
		try:
			outcome.append(oauth.refresh(tokens_.refresh_token, realm))
		finally:
			done.set()

	worker = threading.Thread(target=refresh)
	worker.start()
	allowed_elsewhere = False
	while not done.is_set():
		allowed_elsewhere |= is_secure_transport("http://intuit.example/oauth2/v1/tokens/bearer")
		time.sleep(0.005)
	worker.join()

	assert outcome and outcome[0].access_token  # the emulator call itself works over http
	assert not allowed_elsewhere
