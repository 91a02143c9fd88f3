"""OAuth against the emulator: consent, code exchange, refresh rotation, concurrent refreshers, revoke, 401s."""

import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from quickbooks_connector.qbo import MemoryTokenStore, OAuth, Tokens, parse_callback
from quickbooks_connector.qbo.errors import AuthenticationError

from .conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI


class CountingOAuth(OAuth):
	"""Counts refreshes: a refresh that should have been skipped would rotate the token again."""

	def __init__(self, *args, **kwargs) -> None:
		super().__init__(*args, **kwargs)
		self.refreshes = 0
		self._lock = threading.Lock()

	def refresh(self, refresh_token: str, realm_id: str = "") -> Tokens:
		with self._lock:
			self.refreshes += 1
		return super().refresh(refresh_token, realm_id)


def counting(oauth: OAuth, clock=time.time) -> CountingOAuth:
	return CountingOAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, oauth.endpoints, clock=clock)


@pytest.fixture
def counting_oauth(oauth) -> CountingOAuth:
	return counting(oauth)


def expiring_soon_clock():
	"""A clock 3400 s ahead: a fresh 3600 s access token looks like it has under 5 minutes left."""
	return lambda: time.time() + 3400


@pytest.fixture
def rotate_every_refresh(admin):
	"""Every refresh returns a new refresh token and the previous one dies at once (Intuit's newer rule)."""
	admin.configure(refresh_rotation_seconds=0, rotation_grace_seconds=0)


def consent(oauth: OAuth, realm: str, state: str) -> str:
	"""What the browser does: open the authorization URL and land on our redirect URI."""
	response = requests.get(
		oauth.authorization_url(state), params={"realm_id": realm}, allow_redirects=False, timeout=5
	)
	assert response.status_code == 302
	return response.headers["Location"]


def test_authorization_url_asks_for_the_accounting_scope_with_our_state(oauth):
	query = parse_qs(urlsplit(oauth.authorization_url("state-123")).query)

	assert query["scope"] == ["com.intuit.quickbooks.accounting"]
	assert query["state"] == ["state-123"]
	assert query["response_type"] == ["code"]
	assert query["client_id"] == [CLIENT_ID]
	assert query["redirect_uri"] == [REDIRECT_URI]


def test_consent_then_code_exchange_connects_the_company(oauth, realm, make_client):
	callback = parse_callback(consent(oauth, realm, "s-1"), expected_state="s-1")

	tokens = oauth.exchange_code(callback.code, callback.realm_id)

	assert callback.realm_id == realm
	assert tokens.realm_id == realm
	assert tokens.access_expires_at > time.time() + 3000
	assert tokens.refresh_hard_expires_at is not None  # we ask for the 5-year cap, so it is exposed
	assert tokens.reconnect_by <= tokens.refresh_expires_at
	client = make_client(token_store=MemoryTokenStore(tokens))
	assert client.company_info()["CompanyName"]


def test_callback_with_another_state_is_refused(oauth, realm):
	with pytest.raises(AuthenticationError, match="state"):
		parse_callback(consent(oauth, realm, "issued"), expected_state="something-else")


def test_authorization_code_is_single_use(oauth, realm):
	callback = parse_callback(consent(oauth, realm, "s"), expected_state="s")
	oauth.exchange_code(callback.code, callback.realm_id)

	with pytest.raises(AuthenticationError) as raised:
		oauth.exchange_code(callback.code, callback.realm_id)
	assert raised.value.code == "invalid_grant"


def test_tokens_never_appear_in_repr(store):
	tokens = store.load()

	assert tokens.access_token not in repr(tokens)
	assert tokens.refresh_token not in repr(tokens)


def test_rotated_out_refresh_token_is_rejected(oauth, store, realm, rotate_every_refresh):
	first = store.load()
	second = oauth.refresh(first.refresh_token, realm)

	assert second.refresh_token != first.refresh_token
	assert second.realm_id == realm
	with pytest.raises(AuthenticationError, match="Reconnect"):
		oauth.refresh(first.refresh_token, realm)
	assert oauth.refresh(second.refresh_token, realm).access_token


def test_expiring_access_token_is_refreshed_before_use_and_the_new_one_saved(
	make_client, store, oauth, realm, rotate_every_refresh
):
	before = store.load()
	clock = expiring_soon_clock()
	client = make_client(clock=clock, oauth=counting(oauth, clock))

	client.company_info()

	after = store.load()
	assert after.refresh_token != before.refresh_token
	assert after.access_token != before.access_token
	with pytest.raises(AuthenticationError):  # the store holds the only refresh token that still works
		oauth.refresh(before.refresh_token, realm)


class FailingSaveStore(MemoryTokenStore):
	def save(self, tokens: Tokens) -> None:
		raise OSError("database is read-only")


def test_refreshed_tokens_are_not_used_unless_saved(make_client, store, oauth, admin, realm):
	failing = FailingSaveStore(store.load())
	admin.advance_clock(4000)  # the emulator now rejects the access token: the client must refresh
	client = make_client(token_store=failing)
	admin.reset_stats()

	with pytest.raises(OSError, match="read-only"):
		client.company_info()
	assert (
		admin.stats()["requests"].get(realm, 0) == 1
	)  # the rejected call only; no replay with unsaved tokens


def test_concurrent_refreshers_share_one_refresh(oauth, store, make_client, realm, rotate_every_refresh):
	"""Two workers find the token expiring at once; the second waits for the lock and adopts the first's tokens.
	Without the re-read it would refresh with a rotated-out token and get invalid_grant."""
	before = store.load()
	clock = expiring_soon_clock()
	counting_oauth = counting(oauth, clock)
	clients = [make_client(oauth=counting_oauth, clock=clock) for _ in range(2)]
	barrier = threading.Barrier(2)
	failures: list[BaseException] = []

	def work(client) -> None:
		barrier.wait()
		try:
			client.company_info()
		except BaseException as exc:
			failures.append(exc)

	threads = [threading.Thread(target=work, args=(client,)) for client in clients]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()

	assert failures == []
	assert counting_oauth.refreshes == 1
	newest = store.load()
	assert newest.refresh_token != before.refresh_token
	assert counting_oauth.refresh(
		newest.refresh_token, realm
	).access_token  # the stored token is the live one


def test_revoked_connection_asks_to_reconnect(oauth, store, client, realm):
	oauth.revoke(store.load().refresh_token)

	with pytest.raises(AuthenticationError, match="Reconnect to QuickBooks"):
		client.company_info()
	with pytest.raises(AuthenticationError):
		oauth.refresh(store.load().refresh_token, realm)


def test_401_refreshes_once_and_replays(store, admin, counting_oauth, make_client):
	client = make_client(oauth=counting_oauth)
	before = store.load()
	admin.advance_clock(3700)  # the server expired the access token; our clock still trusts it

	info = client.company_info()

	assert info["CompanyName"]
	assert counting_oauth.refreshes == 1
	assert store.load().access_token != before.access_token


def test_second_401_after_refresh_raises_reconnect(make_client, counting_oauth, admin, realm):
	client = make_client(oauth=counting_oauth)
	admin.inject_fault(match={"path_regex": "/companyinfo/"}, action="error", status=401, times=2)

	with pytest.raises(AuthenticationError, match="Reconnect to QuickBooks") as raised:
		client.company_info()

	assert raised.value.status == 401
	assert counting_oauth.refreshes == 1  # one refresh, one replay, then give up


def test_wrong_client_secret_is_an_authentication_error(oauth, store, realm):
	wrong = OAuth(CLIENT_ID, "not-the-secret", REDIRECT_URI, oauth.endpoints)

	with pytest.raises(AuthenticationError) as raised:
		wrong.refresh(store.load().refresh_token, realm)
	assert raised.value.code == "invalid_client"


def test_token_endpoint_5xx_during_refresh_is_retried(make_client, store, admin, fake_time):
	admin.advance_clock(3700)
	admin.inject_fault(match={"path_regex": "/oauth2/v1/tokens/bearer"}, action="error", status=503, times=1)
	client = make_client()

	assert client.company_info()["CompanyName"]
	assert len(fake_time.sleeps) == 1
