"""Intuit's OAuth 2.0 authorization server and the bearer check on data calls (qbo-api.md §1, §6).

Reproduced:

* ``GET /connect/oauth2`` auto-approves and redirects to ``redirect_uri?code&state&realmId``; the code is
  single-use, expires after ``auth_code_ttl`` seconds and is bound to the client and the redirect URI.
* ``POST /oauth2/v1/tokens/bearer`` with HTTP Basic client authentication (401 ``invalid_client`` otherwise)
  for the ``authorization_code`` and ``refresh_token`` grants; failures are 400 ``invalid_grant``. The response
  carries ``expires_in`` and ``x_refresh_token_expires_in`` (rolling window), plus
  ``x_refresh_token_hard_expires_in`` when asked for with ``x-include-refresh-token-hard-expires-in: true``.
* Refresh-token rotation: a refresh returns the same refresh token until ``refresh_rotation_seconds`` have
  passed since it was issued, then a new one; the old one keeps working for ``rotation_grace_seconds`` (it
  yields the current token) and is ``invalid_grant`` afterwards.
* ``POST /v2/oauth2/tokens/revoke`` with ``{"token": ...}``: revoking either token disconnects the app, i.e.
  the refresh token and all access tokens of that connection die.
* Data calls: a missing, unknown, expired or revoked bearer token is 401 fault 3200 (gateway shape); a token of
  another realm is 401 fault 100; a connection without the accounting scope is 403 fault 3100.

Simplifications: any redirect URI is accepted (no app registration); there is one client; no id_token.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from quickbooks_connector.emulator import faults
from quickbooks_connector.emulator.clock import Clock

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
HARD_LIFETIME_SECONDS = 5 * 365 * 24 * 3600


class OAuthError(Exception):
	def __init__(self, status: int, error: str, description: str = "") -> None:
		super().__init__(f"{error}: {description}")
		self.status = status
		self.error = error
		self.description = description

	def body(self) -> dict[str, str]:
		body = {"error": self.error}
		if self.description:
			body["error_description"] = self.description
		return body


@dataclass
class Grant:
	"""One connection (consent) of the app to a realm; revoking it kills every token it issued."""

	grant_id: str
	realm_id: str
	scope: str
	hard_expires_at: float
	current_refresh_token: str = ""
	revoked: bool = False


@dataclass
class RefreshToken:
	grant_id: str
	issued_at: float
	expires_at: float
	superseded_at: float | None = None


@dataclass
class AccessToken:
	grant_id: str
	expires_at: float


@dataclass
class AuthCode:
	realm_id: str
	redirect_uri: str
	scope: str
	expires_at: float
	used: bool = False


class OAuthServer:
	def __init__(
		self,
		client_id: str,
		client_secret: str,
		clock: Clock,
		settings: Callable[[str | None], dict[str, Any]],
	) -> None:
		self.client_id = client_id
		self.client_secret = client_secret
		self.clock = clock
		self._settings = settings  # realm id -> effective runtime config (token lifetimes)
		self._lock = threading.Lock()
		self.reset()

	def reset(self) -> None:
		with self._lock:
			self._grants: dict[str, Grant] = {}
			self._refresh_tokens: dict[str, RefreshToken] = {}
			self._access_tokens: dict[str, AccessToken] = {}
			self._codes: dict[str, AuthCode] = {}

	# Authorization endpoint

	def authorize(self, params: dict[str, str], realm_id: str) -> str:
		"""The redirect URL for an auto-approved consent to ``realm_id``."""
		if params.get("client_id") != self.client_id:
			raise OAuthError(400, "invalid_client", "Unknown client_id")
		redirect_uri = params.get("redirect_uri", "")
		if not urlsplit(redirect_uri).scheme:
			raise OAuthError(400, "invalid_request", "redirect_uri is required")
		answer = {"state": params["state"]} if "state" in params else {}
		if params.get("response_type") != "code":
			return _with_query(redirect_uri, {"error": "unsupported_response_type", **answer})
		code = "AB" + secrets.token_urlsafe(32)
		config = self._settings(realm_id)
		with self._lock:
			self._codes[code] = AuthCode(
				realm_id, redirect_uri, params.get("scope", ""), self.clock.now() + config["auth_code_ttl"]
			)
		return _with_query(redirect_uri, {"code": code, **answer, "realmId": realm_id})

	# Token endpoint

	def token(
		self, authorization: str | None, form: dict[str, str], want_hard_expiry: bool
	) -> dict[str, Any]:
		self._authenticate_client(authorization)
		grant_type = form.get("grant_type")
		with self._lock:
			if grant_type == "authorization_code":
				grant = self._redeem_code(form.get("code", ""), form.get("redirect_uri", ""))
				refresh_token = self._new_refresh_token(grant)
			elif grant_type == "refresh_token":
				grant, refresh_token = self._use_refresh_token(form.get("refresh_token", ""))
			else:
				raise OAuthError(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
			return self._token_response(grant, refresh_token, want_hard_expiry)

	def issue(self, realm_id: str, scope: str = ACCOUNTING_SCOPE) -> dict[str, Any]:
		"""Tokens as if consent and code exchange had happened (admin shortcut for tests)."""
		with self._lock:
			grant = self._new_grant(realm_id, scope)
			return self._token_response(grant, self._new_refresh_token(grant), want_hard_expiry=True)

	# Revocation endpoint

	def revoke(self, authorization: str | None, token: str) -> None:
		self._authenticate_client(authorization)
		with self._lock:
			record = self._refresh_tokens.get(token) or self._access_tokens.get(token)
			if record is not None:
				self._grants[record.grant_id].revoked = True

	# Bearer check

	def check_bearer(self, authorization: str | None, realm_id: str) -> None:
		"""Raise the QBO fault for a data call that is not authorised for ``realm_id``."""
		scheme, _, token = (authorization or "").partition(" ")
		if scheme.lower() != "bearer" or not token.strip():
			raise faults.token_rejected("Token not found: the Authorization header has no bearer token")
		with self._lock:
			record = self._access_tokens.get(token.strip())
			grant = self._grants.get(record.grant_id) if record else None
		if record is None or grant is None or grant.revoked:
			raise faults.token_rejected("Token invalid: unknown or revoked access token")
		if record.expires_at <= self.clock.now():
			raise faults.token_rejected("Token expired: the access token has expired")
		if grant.realm_id != realm_id:
			raise faults.wrong_realm()
		if ACCOUNTING_SCOPE not in grant.scope.split():
			raise faults.insufficient_scope()

	# Persistence

	def to_json(self) -> dict[str, Any]:
		with self._lock:
			return {
				"grants": {key: asdict(value) for key, value in self._grants.items()},
				"refresh_tokens": {key: asdict(value) for key, value in self._refresh_tokens.items()},
				"access_tokens": {key: asdict(value) for key, value in self._access_tokens.items()},
			}

	def load_json(self, data: dict[str, Any]) -> None:
		with self._lock:
			self._grants = {key: Grant(**value) for key, value in data["grants"].items()}
			self._refresh_tokens = {
				key: RefreshToken(**value) for key, value in data["refresh_tokens"].items()
			}
			self._access_tokens = {key: AccessToken(**value) for key, value in data["access_tokens"].items()}

	# Internals (called with the lock held)

	def _authenticate_client(self, authorization: str | None) -> None:
		scheme, _, encoded = (authorization or "").partition(" ")
		try:
			client_id, _, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
		except (binascii.Error, UnicodeDecodeError):
			client_id, secret = "", ""
		valid = secrets.compare_digest(client_id, self.client_id) and secrets.compare_digest(
			secret, self.client_secret
		)
		if scheme.lower() != "basic" or not valid:
			raise OAuthError(401, "invalid_client", "Client authentication failed (HTTP Basic required)")

	def _redeem_code(self, code: str, redirect_uri: str) -> Grant:
		record = self._codes.get(code)
		if record is None or record.used or record.expires_at <= self.clock.now():
			raise OAuthError(400, "invalid_grant", "The authorization code is invalid, used or expired")
		record.used = True
		if record.redirect_uri != redirect_uri:
			raise OAuthError(400, "invalid_grant", "redirect_uri does not match the authorization request")
		return self._new_grant(record.realm_id, record.scope)

	def _use_refresh_token(self, token: str) -> tuple[Grant, str]:
		now = self.clock.now()
		record = self._refresh_tokens.get(token)
		grant = self._grants.get(record.grant_id) if record else None
		if record is None or grant is None or grant.revoked:
			raise OAuthError(400, "invalid_grant", "Token invalid")
		config = self._settings(grant.realm_id)
		if record.superseded_at is not None:
			if now > record.superseded_at + config["rotation_grace_seconds"]:
				raise OAuthError(400, "invalid_grant", "Token invalid: the refresh token was rotated")
			return grant, grant.current_refresh_token
		if record.expires_at <= now or grant.hard_expires_at <= now:
			raise OAuthError(400, "invalid_grant", "Token expired")
		if now - record.issued_at >= config["refresh_rotation_seconds"]:
			record.superseded_at = now
			return grant, self._new_refresh_token(grant)
		record.expires_at = now + config["refresh_token_ttl"]  # the window rolls on every use
		return grant, token

	def _new_grant(self, realm_id: str, scope: str) -> Grant:
		now = self.clock.now()
		grant = Grant(secrets.token_hex(8), realm_id, scope, now + HARD_LIFETIME_SECONDS)
		self._grants[grant.grant_id] = grant
		return grant

	def _new_refresh_token(self, grant: Grant) -> str:
		now = self.clock.now()
		token = "RT1-" + secrets.token_urlsafe(36)
		ttl = self._settings(grant.realm_id)["refresh_token_ttl"]
		self._refresh_tokens[token] = RefreshToken(grant.grant_id, now, now + ttl)
		grant.current_refresh_token = token
		return token

	def _token_response(self, grant: Grant, refresh_token: str, want_hard_expiry: bool) -> dict[str, Any]:
		now = self.clock.now()
		ttl = self._settings(grant.realm_id)["access_token_ttl"]
		access_token = "eyJ" + secrets.token_urlsafe(48)
		self._access_tokens[access_token] = AccessToken(grant.grant_id, now + ttl)
		refresh_expires = min(self._refresh_tokens[refresh_token].expires_at, grant.hard_expires_at)
		response = {
			"token_type": "bearer",
			"access_token": access_token,
			"expires_in": int(ttl),
			"refresh_token": refresh_token,
			"x_refresh_token_expires_in": int(refresh_expires - now),
		}
		if want_hard_expiry:
			response["x_refresh_token_hard_expires_in"] = int(grant.hard_expires_at - now)
		return response


def _with_query(url: str, params: dict[str, str]) -> str:
	parts = urlsplit(url)
	query = "&".join(filter(None, [parts.query, urlencode(params)]))
	return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
