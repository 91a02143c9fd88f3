"""The connection between one ERPNext company and one QuickBooks Online company: OAuth, tokens and the client.

Connector-owned fields of QuickBooks Settings (tokens, expiries, status, the QuickBooks company's details) are
written only by this module, the reference-data fetch and the party import, always with `frappe.db.set_value`;
a form save keeps their stored values (see `keep_connector_fields`), so a form opened before a token refresh can
never write stale tokens or expiries back.

Tokens live only in the settings' Password fields (encrypted in __Auth). They never go into job arguments (jobs get
the settings' name), log lines or Error Logs (see `safety`). A save that changes where they would be sent (the
environment, the emulator URL) or the app they belong to (client id, client secret) drops the connection: the
tokens are cleared and the user reconnects (`drop_connection_on_credential_change`).
"""

import pickle
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytz

import frappe
from frappe import _
from frappe.utils import (
	add_days,
	escape_html,
	format_datetime,
	get_url,
	get_url_to_form,
	get_url_to_list,
	now_datetime,
)
from frappe.utils.data import convert_utc_to_system_timezone, get_datetime, get_system_timezone
from frappe.utils.password import get_decrypted_password, remove_encrypted_password, set_encrypted_password

from quickbooks_connector.qbo import OAuth, QBOClient, Tokens, endpoints_for, errors
from quickbooks_connector.qbo.auth import TokenManager
from quickbooks_connector.qbo.environments import Endpoints, Environment
from quickbooks_connector.qbo.links import record_url as qbo_record_url
from quickbooks_connector.qbo.secret import Secret
from quickbooks_connector.quickbooks_connector.safety import emulator_allowed, log_error, remote_text

if TYPE_CHECKING:
	from quickbooks_connector.quickbooks_connector.doctype.quickbooks_settings.quickbooks_settings import (
		QuickBooksSettings,
	)

SETTINGS_DOCTYPE = "QuickBooks Settings"
CALLBACK_METHOD = "quickbooks_connector.quickbooks_connector.connection.callback"
MANAGER_ROLES = ("System Manager", "Accounts Manager")

CONNECTED = "Connected"
EXPIRED = "Expired"
DISCONNECTED = "Disconnected"
NOT_CONFIGURED = "Not Configured"

ENVIRONMENTS = {
	"Production": Environment.PRODUCTION,
	"Sandbox": Environment.SANDBOX,
	"Emulator": Environment.CUSTOM,
}
STATE_TTL_SECONDS = 10 * 60  # time to log in at Intuit and consent
NOTICE_TTL_SECONDS = 5 * 60
# The job runs hourly and access tokens live 60 minutes: refreshing whatever expires within 65 minutes keeps
# every connection fresh, and rolls each refresh token's 100-day window forward even when nothing is pushed.
REFRESH_WITHIN_SECONDS = 65 * 60
WARN_WITHIN_DAYS = 14

TOKEN_FIELDS = ("access_token", "refresh_token")
EXPIRY_FIELDS = (
	"access_token_expires_at",
	"refresh_token_expires_at",
	"refresh_token_hard_expires_at",
	"last_token_refresh",
)
COMPANY_FIELDS = (
	"qbo_company_name",
	"qbo_country",
	"qbo_home_currency",
	"qbo_multicurrency",
	"qbo_custom_txn_numbers",
)
# Written by background work and the OAuth flow only (see the module docstring).
CONNECTOR_FIELDS = (
	"realm_id",
	"connection_status",
	"connection_message",
	*TOKEN_FIELDS,
	*EXPIRY_FIELDS,
	*COMPANY_FIELDS,
	"last_reference_fetch",
	"last_import_at",
	"customer_import_watermark",
	"supplier_import_watermark",
	"last_import_run",
)
DUMMY_PASSWORD = "*****"  # what a Password column holds; the secret itself is encrypted in __Auth
# Changing any of these sends the tokens somewhere else or makes them another app's: the connection is dropped.
CONNECTION_DEFINING_FIELDS = ("environment", "emulator_url", "client_id")
PREFERENCES_MAX_AGE = timedelta(
	minutes=5
)  # how stale the cached QuickBooks preferences may be before a Retry


class QuickBooksNotConnectedError(frappe.ValidationError):
	"""The settings have no working QuickBooks connection: connect (or reconnect) first."""


# -- shared contract ---------------------------------------------------------------------------------------


def get_settings(company: str) -> "QuickBooksSettings | None":
	"""The company's QuickBooks Settings, or None when it has none."""
	name = frappe.db.get_value(SETTINGS_DOCTYPE, {"company": company})
	return frappe.get_doc(SETTINGS_DOCTYPE, name) if name else None


def get_client(settings: "QuickBooksSettings | str") -> QBOClient:
	"""A QuickBooks client for a connected settings record (doc or name)."""
	doc = _settings_doc(settings)
	if doc.connection_status != CONNECTED or not doc.realm_id:
		raise QuickBooksNotConnectedError(not_connected_message(doc))
	return QBOClient(doc.realm_id, oauth_for(doc), FrappeTokenStore(doc.name), endpoints(doc))


def not_connected_message(doc: "QuickBooksSettings") -> str:
	if doc.connection_status == EXPIRED:
		return _(
			"The QuickBooks connection of {0} has expired. Open QuickBooks Settings and click Reconnect."
		).format(doc.company)
	return _("{0} is not connected to QuickBooks. Open QuickBooks Settings and click Connect.").format(
		doc.company
	)


def record_url(settings: "QuickBooksSettings | str", entity: str, qbo_id: str) -> str | None:
	"""The QuickBooks page showing a record (Invoice, Bill, Payment, Customer...), None when it has none."""
	doc = _settings_doc(settings)
	if not doc.realm_id or not qbo_id:
		return None
	environment = ENVIRONMENTS[doc.environment]
	base_url = doc.emulator_url if environment is Environment.CUSTOM else None
	return qbo_record_url(environment, entity, qbo_id, doc.realm_id, base_url)


def endpoints(doc: "QuickBooksSettings") -> Endpoints:
	environment = ENVIRONMENTS[doc.environment]
	if environment is Environment.CUSTOM:
		refuse_emulator_unless_allowed(doc)
		return endpoints_for(environment, doc.emulator_url)
	return endpoints_for(environment)


def refuse_emulator_unless_allowed(doc: "QuickBooksSettings") -> None:
	"""The Emulator environment sends the tokens and the client secret to the URL typed into the form: only on a
	development site (developer mode, or `quickbooks_allow_emulator: 1` in the site config)."""
	if doc.environment == "Emulator" and not emulator_allowed():
		frappe.throw(
			_(
				"The Emulator environment is for development sites only. Choose Production or Sandbox, or allow it "
				"with {0} in the site config (developer mode allows it too)."
			).format("<code>quickbooks_allow_emulator: 1</code>"),
			exc=QuickBooksNotConnectedError,
			title=_("Emulator not allowed"),
		)


def callback_url() -> str:
	"""The redirect URI to register in the Intuit app: this site's OAuth callback."""
	return get_url(f"/api/method/{CALLBACK_METHOD}")


def oauth_for(doc: "QuickBooksSettings") -> OAuth:
	client_secret = Secret(doc.get_password("client_secret", raise_exception=False) or "")
	if not doc.client_id or not client_secret:
		frappe.throw(
			_(
				"Enter the Client ID and Client Secret of your Intuit app in QuickBooks Settings for {0}."
			).format(doc.company),
			title=_("QuickBooks app credentials missing"),
		)
	return OAuth(doc.client_id, client_secret, doc.redirect_url or callback_url(), endpoints(doc))


class FrappeTokenStore:
	"""`qbo.TokenStore` on QuickBooks Settings: tokens encrypted in Password fields, refreshes serialised by a
	row lock so concurrent workers never refresh with the same (soon rotated-out) refresh token.

	Contract with the caller's transaction: none. The locked refresh (re-read, refresh at Intuit, save) runs on a
	database connection of its own and commits there, so it neither commits nor rolls back anything the caller
	has pending, and the saved tokens survive whatever the caller does next. The one thing a caller must not do is
	call QuickBooks while it holds uncommitted writes to this QuickBooks Settings row: the refresh would wait for
	the caller's own row lock and fail with a lock timeout (before Intuit is called, so no token is lost).
	Storing new tokens (connect) and clearing them (disconnect) take the same row lock first (`lock_settings_row`).
	"""

	def __init__(self, settings_name: str) -> None:
		self.settings_name = settings_name

	def load(self) -> Tokens | None:
		row = frappe.db.get_value(
			SETTINGS_DOCTYPE, self.settings_name, ["realm_id", *EXPIRY_FIELDS], as_dict=True
		)
		if not row or not row.realm_id:
			return None
		if not (self._secret("access_token") and self._secret("refresh_token")):
			return None
		return Tokens(
			access_token=self._secret("access_token"),
			refresh_token=self._secret("refresh_token"),
			access_expires_at=to_epoch(row.access_token_expires_at) or 0.0,
			refresh_expires_at=to_epoch(row.refresh_token_expires_at) or 0.0,
			refresh_hard_expires_at=to_epoch(row.refresh_token_hard_expires_at),
			realm_id=row.realm_id,
			refreshed_at=to_epoch(row.last_token_refresh) or 0.0,
		)

	def save(self, tokens: Tokens) -> None:
		"""Persist and commit at once: Intuit may already have retired the previous refresh token, so the new
		one must be durable before anything uses it. Inside `refresh_lock` this is the lock's own connection."""
		write_tokens(self.settings_name, tokens)
		frappe.db.commit()  # nosemgrep: the rotated refresh token must survive whatever the caller does next

	@contextmanager
	def refresh_lock(self) -> Iterator[None]:
		"""Hold the settings row with SELECT ... FOR UPDATE, on a connection of our own, while one refresher
		refreshes.

		Its own connection: waiting for the lock and the re-read that follows happen in a new transaction, so a
		worker that waited sees the tokens the other worker committed (a caller's REPEATABLE READ snapshot would
		still show the old, rotated-out refresh token), and nothing of the caller's transaction is committed or
		rolled back. Inside the block `frappe.db` is that connection; leaving it commits (or rolls back on error)
		there, which releases the lock, and the caller's connection is back."""
		with own_connection():
			lock_settings_row(self.settings_name)
			try:
				yield
			except BaseException:
				frappe.db.rollback()
				raise
			frappe.db.commit()  # nosemgrep: our own connection; releases the row lock

	def _secret(self, fieldname: str) -> str | None:
		return get_decrypted_password(SETTINGS_DOCTYPE, self.settings_name, fieldname, raise_exception=False)


@contextmanager
def own_connection() -> Iterator[None]:
	"""Run the block on a new connection to the site's database (as `frappe.db`), then close it."""
	from frappe.database import get_db

	caller = frappe.local.db
	conf = frappe.local.conf
	own = get_db(
		host=conf.db_host,
		port=conf.db_port,
		user=conf.db_name,
		password=conf.db_password,
		cur_db_name=conf.db_name,
	)
	frappe.local.db = own
	try:
		yield
	finally:
		frappe.local.db = caller
		own.close()


def lock_settings_row(settings_name: str) -> None:
	"""The row lock every token writer takes first: refreshes, connects and disconnects are serialised."""
	frappe.db.get_value(SETTINGS_DOCTYPE, settings_name, "name", for_update=True)


def write_tokens(settings_name: str, tokens: Tokens, **fields: Any) -> None:
	"""Encrypt the tokens into their Password fields and store the expiries (no commit)."""
	for fieldname, secret in zip(TOKEN_FIELDS, (tokens.access_token, tokens.refresh_token), strict=True):
		set_encrypted_password(SETTINGS_DOCTYPE, settings_name, secret, fieldname)
	values = {
		"access_token": DUMMY_PASSWORD,
		"refresh_token": DUMMY_PASSWORD,
		"access_token_expires_at": to_datetime(tokens.access_expires_at),
		"refresh_token_expires_at": to_datetime(tokens.refresh_expires_at),
		"refresh_token_hard_expires_at": to_datetime(tokens.refresh_hard_expires_at),
		"last_token_refresh": to_datetime(tokens.refreshed_at),
		**fields,
	}
	frappe.db.set_value(SETTINGS_DOCTYPE, settings_name, values, update_modified=False)


def store_tokens(settings: "QuickBooksSettings | str", tokens: Tokens) -> None:
	"""Save a new connection's tokens and realm and mark it Connected (commits, like every token write)."""
	name = _settings_name(settings)
	lock_settings_row(name)
	write_tokens(
		name,
		tokens,
		realm_id=tokens.realm_id,
		connection_status=CONNECTED,
		connection_message=_("Connected to QuickBooks."),
	)
	frappe.db.commit()  # nosemgrep: a freshly issued refresh token must never be lost to a rollback


def clear_tokens(settings_name: str, status: str, message: str) -> None:
	"""Forget the tokens (no commit). Waits for a refresh in progress, which would otherwise save tokens again."""
	lock_settings_row(settings_name)
	for fieldname in TOKEN_FIELDS:
		remove_encrypted_password(SETTINGS_DOCTYPE, settings_name, fieldname)
	values = dict.fromkeys((*TOKEN_FIELDS, *EXPIRY_FIELDS))
	values.update(connection_status=status, connection_message=message)
	frappe.db.set_value(SETTINGS_DOCTYPE, settings_name, values, update_modified=False)


def mark_expired(settings: "QuickBooksSettings | str", reason: str | None = None) -> None:
	"""QuickBooks refused the refresh token (invalid_grant): only the user reconnecting can fix it."""
	name = _settings_name(settings)
	message = _(
		"QuickBooks no longer accepts this connection (the authorisation was revoked, expired or replaced). "
		"Click Reconnect to authorise the app again; your mappings are kept."
	)
	if reason:
		message += " " + _("QuickBooks said: {0}").format(remote_text(reason))
	previous = frappe.db.get_value(SETTINGS_DOCTYPE, name, "connection_status")
	frappe.db.set_value(
		SETTINGS_DOCTYPE,
		name,
		{"connection_status": EXPIRED, "connection_message": message},
		update_modified=False,
	)
	if previous != EXPIRED:
		notify_managers(name, _("QuickBooks connection expired for {0}").format(name), message)


def is_dead_grant(exc: errors.QBOError) -> bool:
	"""Intuit's token endpoint answered invalid_grant: the refresh token is revoked, expired or rotated out."""
	return isinstance(exc, errors.AuthenticationError) and exc.code == "invalid_grant"


def keep_connector_fields(doc: "QuickBooksSettings") -> None:
	"""Called from the controller's validate: a form or API save never changes connector-owned fields."""
	if doc.is_new():
		for fieldname in CONNECTOR_FIELDS:
			doc.set(fieldname, None)
		doc.connection_status = NOT_CONFIGURED
		return
	stored = frappe.db.get_value(SETTINGS_DOCTYPE, doc.name, list(CONNECTOR_FIELDS), as_dict=True)
	doc.update(stored)


def drop_connection_on_credential_change(doc: "QuickBooksSettings") -> None:
	"""Called from the controller's validate, after `keep_connector_fields`: a connection whose environment,
	emulator URL, client id or client secret changes is dropped here, server-side. Its tokens belong to the old
	app and endpoints; sending them (or a revoke) to the new ones is exactly what must not happen."""
	if doc.is_new():
		return
	before = frappe.db.get_value(SETTINGS_DOCTYPE, doc.name, list(CONNECTION_DEFINING_FIELDS), as_dict=True)
	changed = [
		field for field in CONNECTION_DEFINING_FIELDS if (doc.get(field) or "") != (before.get(field) or "")
	]
	if _client_secret_changed(doc):
		changed.append("client_secret")
	has_tokens = any(
		get_decrypted_password(SETTINGS_DOCTYPE, doc.name, fieldname, raise_exception=False)
		for fieldname in TOKEN_FIELDS
	)
	if not changed or not (has_tokens or doc.connection_status in (CONNECTED, EXPIRED)):
		return
	labels = ", ".join(_(doc.meta.get_label(field)) for field in changed)
	message = _(
		"{0} changed, so the connection to QuickBooks was dropped and its tokens cleared. Click Reconnect."
	).format(labels)
	clear_tokens(doc.name, DISCONNECTED, message)
	doc.update(dict.fromkeys((*TOKEN_FIELDS, *EXPIRY_FIELDS)))
	doc.connection_status = DISCONNECTED
	doc.connection_message = message
	doc.add_comment("Info", message)


def _client_secret_changed(doc: "QuickBooksSettings") -> bool:
	typed = doc.get("client_secret")
	if not typed or doc.is_dummy_password(typed):
		return False
	return typed != get_decrypted_password(SETTINGS_DOCTYPE, doc.name, "client_secret", raise_exception=False)


# -- OAuth flow --------------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def connect(settings: str) -> str:
	"""The consent URL to send the browser to (Connect and Reconnect). The state that comes back with the
	callback is single-use, expires, and is bound to these settings and this user."""
	doc = _settings_doc(settings, "write")
	state = secrets.token_urlsafe(32)
	frappe.cache.set_value(
		_state_key(state),
		{"settings": doc.name, "user": frappe.session.user},
		expires_in_sec=STATE_TTL_SECONDS,
	)
	return _choose_emulated_company(doc, oauth_for(doc).authorization_url(state))


def _choose_emulated_company(doc: "QuickBooksSettings", url: str) -> str:
	"""At Intuit the user picks the QuickBooks company on the consent page; the emulator approves at once and
	would open a new company. A reconnect names the company these settings were connected to, as the user would."""
	if doc.environment != "Emulator" or not doc.realm_id:
		return url
	return f"{url}&{urlencode({'realm_id': doc.realm_id})}"


@frappe.whitelist(methods=["GET"])
def callback(
	code: str | None = None,
	state: str | None = None,
	realmId: str | None = None,  # Intuit's spelling; declared, or Frappe would drop it
	error: str | None = None,
) -> None:
	"""Where Intuit sends the browser back after consent. Always ends in a redirect to the settings with a
	notice saying what happened."""
	claim = _claim_state(state)
	if claim is None:
		_redirect(
			None, _("This QuickBooks sign-in link has expired or was already used. Click Connect again.")
		)
		return
	settings_name = claim["settings"]
	if claim["user"] != frappe.session.user:
		_redirect(
			settings_name,
			_("The QuickBooks connection was started by another user; click Connect again yourself."),
		)
		return
	if error:
		_redirect(settings_name, _callback_error_message(error))
		return
	if not code or not realmId:
		_redirect(settings_name, _("QuickBooks did not send an authorisation code. Click Connect again."))
		return
	try:
		message = complete_connection(settings_name, code, realmId)
	except (frappe.ValidationError, errors.QBOError) as exc:
		frappe.db.rollback()
		_redirect(settings_name, _("Could not connect to QuickBooks: {0}").format(_error_text(exc)))
		return
	frappe.db.commit()  # nosemgrep: Frappe rolls back GET requests; the connection must be saved
	_redirect(settings_name, message, indicator="green")


def complete_connection(settings_name: str, code: str, realm_id: str) -> str:
	"""Exchange the code, store the tokens and read the QuickBooks company's details. Returns the notice."""
	doc = _settings_doc(settings_name, "write")
	refuse_realm_elsewhere(doc, realm_id)
	refuse_realm_switch(doc, realm_id)
	if doc.realm_id and doc.realm_id != realm_id:
		forget_reference_data(doc.name)
	tokens = oauth_for(doc).exchange_code(code, realm_id)
	store_tokens(doc.name, tokens)
	# Imported here: push builds on this module.
	from quickbooks_connector.quickbooks_connector.push import resume_after_connect

	resume_after_connect(doc.name)
	doc.reload()
	try:
		details = update_company_details(doc)
	except errors.QBOError as exc:
		return _("Connected, but the QuickBooks company details could not be read: {0}").format(
			_error_text(exc)
		)
	doc.add_comment(
		"Info", _("Connected to QuickBooks company {0} ({1}).").format(details["qbo_company_name"], realm_id)
	)
	return _("Connected to QuickBooks company {0}.").format(details["qbo_company_name"])


def refuse_realm_elsewhere(doc: "QuickBooksSettings", realm_id: str) -> None:
	"""One QuickBooks company serves one ERPNext company: two would push into the same books."""
	other = frappe.db.get_value(
		SETTINGS_DOCTYPE,
		{"realm_id": realm_id, "name": ("!=", doc.name), "connection_status": ("in", (CONNECTED, EXPIRED))},
		["name", "company"],
		as_dict=True,
	)
	if other:
		frappe.throw(
			_(
				"This QuickBooks company is already connected to ERPNext company {0}. Disconnect it there first, "
				"or choose another QuickBooks company."
			).format(frappe.bold(other.company)),
			title=_("QuickBooks company already in use"),
		)


def refuse_realm_switch(doc: "QuickBooksSettings", realm_id: str) -> None:
	"""Account and tax mappings point at one QuickBooks company's records; they are meaningless in another."""
	if doc.realm_id and doc.realm_id != realm_id and (doc.account_mappings or doc.tax_mappings):
		frappe.throw(
			_(
				"These settings were connected to QuickBooks company {0} and their mappings point at its accounts. "
				"Reconnect to that company, or remove the account and tax mappings before connecting another one."
			).format(frappe.bold(doc.qbo_company_name or doc.realm_id)),
			title=_("Different QuickBooks company"),
		)


def forget_reference_data(settings_name: str) -> None:
	"""Another QuickBooks company: the fetched accounts, tax codes and terms belong to the previous one."""
	from quickbooks_connector.quickbooks_connector.reference_data import delete_reference_data

	delete_reference_data(settings_name)


def update_company_details(doc: "QuickBooksSettings", client: QBOClient | None = None) -> dict[str, Any]:
	"""Read CompanyInfo and Preferences into the settings (name, country, currency, numbering)."""
	client = client or get_client(doc)
	info = client.company_info()
	prefs = client.preferences()
	currency = prefs.get("CurrencyPrefs") or {}
	details = {
		"qbo_company_name": remote_text(info.get("CompanyName") or ""),
		"qbo_country": remote_text(info.get("Country") or ""),
		"qbo_home_currency": remote_text((currency.get("HomeCurrency") or {}).get("value") or ""),
		"qbo_multicurrency": int(bool(currency.get("MultiCurrencyEnabled"))),
		"qbo_custom_txn_numbers": int(bool((prefs.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers"))),
	}
	frappe.db.set_value(SETTINGS_DOCTYPE, doc.name, details, update_modified=False)
	doc.update(details)
	frappe.cache.set_value(_preferences_key(doc.name), 1, expires_in_sec=PREFERENCES_MAX_AGE.seconds)
	return details


def refresh_preferences_if_stale(doc: "QuickBooksSettings") -> None:
	"""Before a Retry: QuickBooks' Multicurrency switch may have been turned on since the settings cached it
	("turn on Multicurrency in QuickBooks, then Retry"). Re-read Preferences, at most every few minutes per
	settings. Once on, Multicurrency cannot be turned off in QuickBooks, so then there is nothing to re-read."""
	if doc.qbo_multicurrency or doc.connection_status != CONNECTED:
		return
	key = _preferences_key(doc.name)
	if frappe.cache.get_value(key):
		return
	frappe.cache.set_value(key, 1, expires_in_sec=PREFERENCES_MAX_AGE.seconds)
	try:
		prefs = get_client(doc).preferences()
	except (errors.QBOError, frappe.ValidationError):
		return  # the push itself will say what is wrong with the connection
	currency = prefs.get("CurrencyPrefs") or {}
	details = {
		"qbo_home_currency": remote_text((currency.get("HomeCurrency") or {}).get("value") or "")
		or doc.qbo_home_currency,
		"qbo_multicurrency": int(bool(currency.get("MultiCurrencyEnabled"))),
		"qbo_custom_txn_numbers": int(bool((prefs.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers"))),
	}
	frappe.db.set_value(SETTINGS_DOCTYPE, doc.name, details, update_modified=False)
	doc.update(details)


def _preferences_key(settings_name: str) -> str:
	return f"quickbooks_preferences_read:{settings_name}"


@frappe.whitelist(methods=["POST"])
def disconnect(settings: str) -> str:
	"""Revoke the app's access at Intuit and forget the tokens; mappings and fetched data stay for a reconnect."""
	doc = _settings_doc(settings, "write")
	refresh_token = doc.get_password("refresh_token", raise_exception=False)
	message = _("Disconnected from QuickBooks. Your mappings are kept; click Reconnect to connect again.")
	if refresh_token:
		try:
			oauth_for(doc).revoke(refresh_token)
		except errors.QBOError as exc:
			message = _(
				"Disconnected here, but QuickBooks could not be told ({0}). Remove the app under Apps > My Apps in "
				"QuickBooks if it is still listed."
			).format(_error_text(exc))
	clear_tokens(doc.name, DISCONNECTED, message)
	doc.add_comment(
		"Info", _("Disconnected from QuickBooks company {0}.").format(doc.qbo_company_name or doc.realm_id)
	)
	return message


@frappe.whitelist(methods=["POST"])
def test_connection(settings: str) -> dict[str, Any]:
	"""Call QuickBooks (CompanyInfo) with the stored tokens, refreshing them if due, and report."""
	doc = _settings_doc(settings, "write")
	try:
		details = update_company_details(doc)
	except errors.AuthenticationError as exc:
		if is_dead_grant(exc):
			mark_expired(doc.name, _error_text(exc))
			frappe.db.commit()  # nosemgrep: keep the Expired status although the request fails
		frappe.throw(
			escape_html(_error_text(exc)),
			exc=QuickBooksNotConnectedError,
			title=_("QuickBooks connection failed"),
		)
	except errors.QBOError as exc:
		frappe.throw(escape_html(_error_text(exc)), title=_("QuickBooks connection failed"))
	# A refresh during the call committed on its own connection; read the tokens in a fresh snapshot.
	frappe.db.commit()  # nosemgrep: this request's only write is the company details just read
	tokens = FrappeTokenStore(doc.name).load()
	return {
		"company_name": details["qbo_company_name"],
		"country": details["qbo_country"],
		"home_currency": details["qbo_home_currency"],
		"access_token_expires_at": to_datetime(tokens.access_expires_at) if tokens else None,
		"reconnect_by": to_datetime(tokens.reconnect_by) if tokens else None,
	}


@frappe.whitelist()
def pop_notice() -> dict[str, str] | None:
	"""The message the OAuth callback left for this user, once."""
	return _pop(_notice_key(frappe.session.user))


# -- scheduled refresh ---------------------------------------------------------------------------------------


def refresh_tokens() -> None:
	"""Hourly (long queue): refresh tokens about to expire, mark dead connections Expired, and warn before the
	authorisation itself runs out."""
	for name in frappe.get_all(SETTINGS_DOCTYPE, filters={"connection_status": CONNECTED}, pluck="name"):
		try:
			refresh_connection(name)
		except Exception:
			frappe.db.rollback()
			log_error(
				_("QuickBooks token refresh failed for {0}").format(name),
				reference_doctype=SETTINGS_DOCTYPE,
				reference_name=name,
			)
		frappe.db.commit()  # nosemgrep: one connection's failure must not undo another's refresh


def refresh_connection(settings_name: str, within_seconds: float = REFRESH_WITHIN_SECONDS) -> Tokens | None:
	"""Refresh one connection if its access token expires within `within_seconds`; None when it is dead."""
	doc = _settings_doc(settings_name)
	store = FrappeTokenStore(settings_name)
	tokens = store.load()
	if tokens is None:
		return None
	if tokens.access_expires_within(within_seconds, time.time()):
		try:
			tokens = TokenManager(oauth_for(doc), store, margin=within_seconds).valid_tokens()
		except errors.AuthenticationError as exc:
			if not is_dead_grant(exc):
				raise
			mark_expired(settings_name, _error_text(exc))
			return None
	warn_if_reconnect_due(doc, tokens)
	return tokens


def warn_if_reconnect_due(doc: "QuickBooksSettings", tokens: Tokens) -> None:
	"""Intuit ends every authorisation: after 100 days without a refresh, and 5 years after consent at the
	latest. Two weeks ahead, say so on the settings and notify the managers (once a day)."""
	reconnect_by = to_datetime(tokens.reconnect_by)
	if reconnect_by > add_days(now_datetime(), WARN_WITHIN_DAYS):
		return
	message = _(
		"The QuickBooks authorisation ends on {0}. Click Reconnect before then to keep pushing."
	).format(format_datetime(reconnect_by))
	frappe.db.set_value(SETTINGS_DOCTYPE, doc.name, "connection_message", message, update_modified=False)
	notify_managers(doc.name, _("Reconnect QuickBooks for {0} soon").format(doc.company), message)


def notify_managers(settings_name: str, subject: str, message: str) -> None:
	"""A Notification Log for every enabled System Manager and Accounts Manager, at most once a day each."""
	for user in manager_users():
		already = frappe.db.exists(
			"Notification Log",
			{
				"for_user": user,
				"subject": subject,
				"document_type": SETTINGS_DOCTYPE,
				"document_name": settings_name,
				"creation": (">", add_days(now_datetime(), -1)),
			},
		)
		if not already:
			notify(user, settings_name, subject, message)


def notify(user: str, settings_name: str, subject: str, message: str) -> None:
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": user,
			"type": "Alert",
			"subject": subject,
			"email_content": message,
			"document_type": SETTINGS_DOCTYPE,
			"document_name": settings_name,
		}
	).insert(ignore_permissions=True)


def manager_users() -> list[str]:
	holders = frappe.get_all(
		"Has Role",
		filters={"role": ("in", MANAGER_ROLES), "parenttype": "User"},
		pluck="parent",
		distinct=True,
	)
	return frappe.get_all(
		"User",
		filters={"name": ("in", holders or [""]), "enabled": 1, "user_type": "System User"},
		pluck="name",
		order_by="name",
	)


# -- helpers -------------------------------------------------------------------------------------------------


def to_datetime(epoch: float | None) -> datetime | None:
	"""Epoch seconds -> the naive system-time datetime Frappe stores."""
	if not epoch:
		return None
	moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
	return convert_utc_to_system_timezone(moment).replace(tzinfo=None)


def to_epoch(value: datetime | str | None) -> float | None:
	"""A stored (naive, system-time) datetime -> epoch seconds."""
	if not value:
		return None
	return pytz.timezone(get_system_timezone()).localize(get_datetime(value)).timestamp()


def _settings_name(settings: "QuickBooksSettings | str") -> str:
	return settings if isinstance(settings, str) else settings.name


def _settings_doc(
	settings: "QuickBooksSettings | str", permission: str | None = None
) -> "QuickBooksSettings":
	doc = frappe.get_doc(SETTINGS_DOCTYPE, settings) if isinstance(settings, str) else settings
	if permission:
		doc.check_permission(permission)
	return doc


def _state_key(state: str) -> str:
	return f"quickbooks_oauth_state:{state}"


def _notice_key(user: str) -> str:
	return f"quickbooks_oauth_notice:{user}"


def _claim_state(state: str | None) -> dict[str, str] | None:
	"""The state's binding, removed in the same step so it can be used once only (two racing callbacks
	cannot both get it)."""
	if not state:
		return None
	return _pop(_state_key(state))


def _pop(key: str) -> Any:
	"""Read and delete a cache value atomically (MULTI/EXEC)."""
	redis_key = frappe.cache.make_key(key)
	pipeline = frappe.cache.pipeline()
	pipeline.get(redis_key)
	pipeline.delete(redis_key)
	value, deleted = pipeline.execute()
	if value is None or not deleted:
		return None
	return pickle.loads(value)


def _redirect(settings_name: str | None, message: str, indicator: str = "red") -> None:
	frappe.cache.set_value(
		_notice_key(frappe.session.user),
		{"message": message, "indicator": indicator},
		expires_in_sec=NOTICE_TTL_SECONDS,
	)
	frappe.local.response["type"] = "redirect"
	frappe.local.response["location"] = (
		get_url_to_form(SETTINGS_DOCTYPE, settings_name)
		if settings_name
		else get_url_to_list(SETTINGS_DOCTYPE)
	)


def _callback_error_message(error: str) -> str:
	if error == "access_denied":
		return _(
			"You declined the connection in QuickBooks; nothing was changed. Click Connect to try again."
		)
	return _("QuickBooks refused the connection ({0}). Click Connect to try again.").format(error)


def _error_text(exc: Exception) -> str:
	"""An error's text for a stored message or notice, sanitised: it may come from QuickBooks."""
	return remote_text(str(exc)) or type(exc).__name__
