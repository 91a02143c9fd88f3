"""OAuth 2.0 for QuickBooks Online, and refreshing tokens without ever losing the newest refresh token.

Intuit rotates refresh tokens: once a refresh returns a new one, the old one may be rejected (`invalid_grant`),
and the only way back is the user reconnecting. So a refresh must be saved before anyone uses it, and two
workers must never both refresh with the same token. `TokenManager` does the refresh inside the store's lock,
re-reading the store first so a worker that waited for the lock adopts the tokens another worker just saved.

The token endpoint is two form POSTs with HTTP Basic client authentication, sent here with `requests` directly:
no process-wide switch is needed for the emulator's plain http:// (oauthlib only allows it through the
OAUTHLIB_INSECURE_TRANSPORT environment variable, which every thread of the process would see), and no third-party
DEBUG log line ever holds a request body or an Authorization header. Tokens and the client secret travel as
`Secret` and are revealed only inside the expression that builds the request; a failure below it is raised
again without its frames (see `qbo.secret`). This module's logger never sees a token.
"""

import hmac
import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from requests.auth import HTTPBasicAuth

from quickbooks_connector.qbo.environments import Endpoints
from quickbooks_connector.qbo.errors import AuthenticationError, NetworkError, QBOError, error_from_http
from quickbooks_connector.qbo.secret import Secret, detached, scrub

log = logging.getLogger(__name__)

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
REFRESH_MARGIN_SECONDS = 300  # refresh when the access token has less than this left, not after a 401
ACCESS_TOKEN_LIFETIME = 3600  # Intuit's documented lifetimes, used only when a response leaves them out
REFRESH_TOKEN_LIFETIME = 100 * 86400


@dataclass(frozen=True)
class Tokens:
	"""One company's OAuth tokens with absolute expiry times (epoch seconds)."""

	access_token: str = field(repr=False)
	refresh_token: str = field(repr=False)
	access_expires_at: float
	refresh_expires_at: float  # rolling window (~100 days), renewed by each refresh
	refresh_hard_expires_at: float | None  # 5-year cap, when QBO sends it
	realm_id: str
	refreshed_at: float

	def __reduce__(self):
		raise TypeError("Tokens cannot be pickled: pass the name of the settings that hold them instead")

	@property
	def reconnect_by(self) -> float:
		"""When the user must reconnect at the latest: the earlier of the rolling and the hard expiry."""
		return min(self.refresh_expires_at, self.refresh_hard_expires_at or self.refresh_expires_at)

	def access_expires_within(self, seconds: float, now: float) -> bool:
		return self.access_expires_at - now < seconds

	@classmethod
	def from_token_response(cls, data: dict[str, Any], realm_id: str, now: float) -> "Tokens":
		"""Tokens from Intuit's token endpoint JSON; relative lifetimes become absolute times."""
		# Lenient on lifetimes: failing here, after Intuit already rotated the refresh token, would lose it.
		hard = float(data.get("x_refresh_token_hard_expires_in") or 0)
		return cls(
			access_token=data["access_token"],
			refresh_token=data["refresh_token"],
			access_expires_at=now + float(data.get("expires_in") or ACCESS_TOKEN_LIFETIME),
			refresh_expires_at=now + float(data.get("x_refresh_token_expires_in") or REFRESH_TOKEN_LIFETIME),
			refresh_hard_expires_at=now + hard if hard > 0 else None,
			realm_id=realm_id,
			refreshed_at=now,
		)


class TokenStore(Protocol):
	"""Where the caller keeps one company's tokens (the Frappe layer: encrypted fields + a DB row lock)."""

	def load(self) -> Tokens | None: ...

	def save(self, tokens: Tokens) -> None: ...

	def refresh_lock(self) -> AbstractContextManager[None]:
		"""Serialise refreshers across threads and processes (e.g. SELECT ... FOR UPDATE on the settings row)."""
		...


class MemoryTokenStore:
	"""A TokenStore for one process: tests, scripts, the demo. Share one instance between threads."""

	def __init__(self, tokens: Tokens | None = None) -> None:
		self._tokens = tokens
		self._lock = threading.Lock()

	def load(self) -> Tokens | None:
		return self._tokens

	def save(self, tokens: Tokens) -> None:
		self._tokens = tokens

	def refresh_lock(self) -> AbstractContextManager[None]:
		return self._lock


@dataclass(frozen=True)
class Callback:
	code: str
	realm_id: str


def parse_callback(callback_url: str, expected_state: str) -> Callback:
	"""The code and realmId from Intuit's redirect, after checking the state we issued (CSRF)."""
	query = {key: values[0] for key, values in parse_qs(urlsplit(callback_url).query).items()}
	if "error" in query:
		raise AuthenticationError(f"QuickBooks authorisation failed: {query['error']}", code=query["error"])
	if not hmac.compare_digest(query.get("state", ""), expected_state):
		raise AuthenticationError("The OAuth state does not match the one issued; start the connection again")
	if not query.get("code") or not query.get("realmId"):
		raise AuthenticationError("The QuickBooks callback is missing code or realmId")
	return Callback(code=query["code"], realm_id=query["realmId"])


class OAuth:
	"""Intuit's OAuth 2.0 endpoints, with HTTP Basic client authentication."""

	def __init__(
		self,
		client_id: str,
		client_secret: "str | Secret",
		redirect_uri: str,
		endpoints: Endpoints,
		*,
		timeout: float | tuple[float, float] = (5, 30),
		clock: Callable[[], float] = time.time,
	) -> None:
		self.client_id = client_id
		self.redirect_uri = redirect_uri
		self.endpoints = endpoints
		self._client_secret = Secret(client_secret)
		self._timeout = timeout
		self._clock = clock

	def __repr__(self) -> str:
		return f"<OAuth client_id={self.client_id!r} token_url={self.endpoints.token_url!r}>"

	def authorization_url(self, state: str) -> str:
		"""The consent URL; the caller generates and remembers `state` to verify the callback."""
		query = urlencode(
			{
				"response_type": "code",
				"client_id": self.client_id,
				"redirect_uri": self.redirect_uri,
				"scope": ACCOUNTING_SCOPE,
				"state": state,
			}
		)
		separator = "&" if "?" in self.endpoints.authorize_url else "?"
		return f"{self.endpoints.authorize_url}{separator}{query}"

	def exchange_code(self, code: str, realm_id: str) -> Tokens:
		"""Trade the callback's one-time code for tokens; `realm_id` is the callback's realmId."""
		fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri}
		return self._token_request(fields, {}, realm_id)

	def refresh(self, refresh_token: "str | Secret", realm_id: str = "") -> Tokens:
		"""New tokens from a refresh token. The token endpoint does not echo the company, so pass `realm_id`
		to carry it over. Persist the result before using it: the old refresh token may now be dead."""
		return self._token_request(
			{"grant_type": "refresh_token"}, {"refresh_token": Secret(refresh_token)}, realm_id
		)

	def revoke(self, token: "str | Secret") -> None:
		"""Revoke a refresh (or access) token: the app is disconnected from the company."""
		token = Secret(token)
		response = self._post(
			self.endpoints.revoke_url,
			(token,),
			lambda: requests.post(
				self.endpoints.revoke_url,
				json={"token": token.reveal()},
				auth=HTTPBasicAuth(self.client_id, self._client_secret.reveal()),
				headers={"Accept": "application/json"},
				timeout=self._timeout,
			),
			"revoke the token",
		)
		if response.status_code != 200:
			raise _token_endpoint_error(response)

	def _token_request(self, fields: dict[str, str], secrets: dict[str, Secret], realm_id: str) -> Tokens:
		response = self._post(
			self.endpoints.token_url,
			tuple(secrets.values()),
			lambda: requests.post(
				self.endpoints.token_url,
				data={**fields, **{name: secret.reveal() for name, secret in secrets.items()}},
				auth=HTTPBasicAuth(self.client_id, self._client_secret.reveal()),
				headers=_TOKEN_HEADERS,
				timeout=self._timeout,
			),
			"reach the QuickBooks token endpoint",
		)
		if response.status_code != 200:
			raise _token_endpoint_error(response)
		return _tokens_from(response, realm_id, self._clock())

	def _post(
		self,
		url: str,
		secrets: tuple[Secret, ...],
		send: Callable[[], requests.Response],
		what: str,
	) -> requests.Response:
		"""The one place secrets are revealed. A failure is raised again without the frames below (which hold the
		request body and the Authorization header) and with its text scrubbed."""
		if urlsplit(url).scheme != "https" and not self.endpoints.plain_http:
			raise AuthenticationError(f"Refusing to send credentials to {url} without https")
		known = (self._client_secret, *secrets)
		failure: BaseException
		try:
			return send()
		except requests.RequestException as exc:
			# A refresh may have been applied by Intuit even if we never saw the answer.
			reason = scrub(f"{type(exc).__name__}: {exc}", known, self.client_id)
			failure = NetworkError(f"Could not {what}: {reason}", outcome_unknown=True)
		except Exception as exc:
			failure = detached(exc, known, self.client_id)
		raise failure  # here, not in the except block: no frame below this one comes along


class TokenManager:
	"""Hands out a valid access token for one company, refreshing it safely when needed."""

	def __init__(
		self,
		oauth: OAuth,
		store: TokenStore,
		*,
		clock: Callable[[], float] = time.time,
		margin: float = REFRESH_MARGIN_SECONDS,
	) -> None:
		self._oauth = oauth
		self._store = store
		self._clock = clock
		self._margin = margin
		self._tokens: Tokens | None = None

	def valid_tokens(self) -> Tokens:
		"""Tokens whose access token has at least `margin` seconds left, refreshing proactively."""
		tokens = self._tokens or self._load()
		if tokens.access_expires_within(self._margin, self._clock()):
			tokens = self.replace_rejected(tokens)
		self._tokens = tokens
		return tokens

	def replace_rejected(self, stale: Tokens) -> Tokens:
		"""Fresh tokens to use instead of `stale` (expiring, or just answered with a 401).

		Inside the store's lock: re-read the store. If another worker already replaced `stale` with tokens that
		are still good, use those; refreshing again with a rotated-out refresh token would fail with
		invalid_grant. Otherwise refresh, and save before anyone uses the result.
		"""
		with self._store.refresh_lock():
			current = self._load()
			if current.access_token != stale.access_token and not current.access_expires_within(
				self._margin, self._clock()
			):
				self._tokens = current
				return current
			fresh = self._oauth.refresh(Secret(current.refresh_token), current.realm_id)
			# The 5-year cap does not move; keep it if this response left it out.
			fresh = replace(
				fresh,
				refresh_hard_expires_at=fresh.refresh_hard_expires_at or current.refresh_hard_expires_at,
			)
			self._store.save(fresh)
			self._tokens = fresh
			log.info("QBO tokens refreshed for company %s", fresh.realm_id)
			return fresh

	def _load(self) -> Tokens:
		tokens = self._store.load()
		if tokens is None:
			raise AuthenticationError("This site is not connected to QuickBooks yet")
		return tokens


_TOKEN_HEADERS = {
	"Accept": "application/json",
	"Content-Type": "application/x-www-form-urlencoded",
	# Ask for the 5-year hard expiry so the user can be warned before the connection dies.
	"x-include-refresh-token-hard-expires-in": "true",
}


def _tokens_from(response: requests.Response, realm_id: str, now: float) -> Tokens:
	"""Tokens from a 200 of the token endpoint. A body that is not a usable token response raises an error that
	names what was wrong, never the body (it may hold half of a token pair)."""
	failure: BaseException
	try:
		return Tokens.from_token_response(_token_json(response), realm_id, now)
	except QBOError as exc:
		failure = detached(exc, ())
	except Exception as exc:
		failure = AuthenticationError(f"Unusable token response from QuickBooks ({type(exc).__name__})")
	raise failure  # outside the except block: the frames that held the token response stay behind


def _token_json(response: requests.Response) -> dict[str, Any]:
	data = response.json()
	if not isinstance(data, dict):
		raise AuthenticationError("Unusable token response from QuickBooks (not a JSON object)")
	if data.get("error"):
		raise error_from_http(400, response.text, intuit_tid=response.headers.get("intuit_tid"))
	if str(data.get("token_type", "bearer")).lower() != "bearer":
		raise AuthenticationError("Unusable token response from QuickBooks (not a bearer token)")
	missing = [key for key in ("access_token", "refresh_token") if not data.get(key)]
	if missing:
		raise AuthenticationError(f"Unusable token response from QuickBooks (no {' or '.join(missing)})")
	return data


def _token_endpoint_error(response: requests.Response) -> Exception:
	error = error_from_http(
		response.status_code,
		response.text,
		intuit_tid=response.headers.get("intuit_tid"),
		retry_after=response.headers.get("Retry-After"),
	)
	log.warning("QBO token endpoint answered %s (intuit_tid=%s)", response.status_code, error.intuit_tid)
	return error
