"""Where a connection's tokens live, and the one lock every writer of them takes.

Tokens live only in the settings' Password fields (encrypted in __Auth). They never go into job arguments (jobs get
the settings' name), log lines or Error Logs (see `safety`). Refreshes, connects and disconnects are serialised by
a row lock on the settings (`lock_settings_row`), so no two of them use or write the same refresh token at once.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import frappe
from frappe import _
from frappe.utils.password import get_decrypted_password, remove_encrypted_password, set_encrypted_password

from quickbooks_connector.constants import (
	ACCESS_TOKEN,
	ACCESS_TOKEN_EXPIRES_AT,
	CONNECTED,
	CONNECTION_MESSAGE,
	CONNECTION_STATUS,
	EXPIRED,
	EXPIRY_FIELDS,
	LAST_TOKEN_REFRESH,
	REALM_ID,
	REFRESH_TOKEN,
	REFRESH_TOKEN_EXPIRES_AT,
	REFRESH_TOKEN_HARD_EXPIRES_AT,
	SETTINGS,
	TOKEN_FIELDS,
)
from quickbooks_connector.qbo import Tokens, errors
from quickbooks_connector.quickbooks_connector.notifications import notify_managers
from quickbooks_connector.quickbooks_connector.safety import remote_text
from quickbooks_connector.quickbooks_connector.times import epoch_to_stored, stored_to_epoch

if TYPE_CHECKING:
	from quickbooks_connector.quickbooks_connector.doctype.quickbooks_settings.quickbooks_settings import (
		QuickBooksSettings,
	)

DUMMY_PASSWORD = "*****"  # what a Password column holds; the secret itself is encrypted in __Auth


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
		row = frappe.db.get_value(SETTINGS, self.settings_name, [REALM_ID, *EXPIRY_FIELDS], as_dict=True)
		if not row or not row.realm_id:
			return None
		if not (self._secret(ACCESS_TOKEN) and self._secret(REFRESH_TOKEN)):
			return None
		return Tokens(
			access_token=self._secret(ACCESS_TOKEN),
			refresh_token=self._secret(REFRESH_TOKEN),
			access_expires_at=stored_to_epoch(row.access_token_expires_at) or 0.0,
			refresh_expires_at=stored_to_epoch(row.refresh_token_expires_at) or 0.0,
			refresh_hard_expires_at=stored_to_epoch(row.refresh_token_hard_expires_at),
			realm_id=row.realm_id,
			refreshed_at=stored_to_epoch(row.last_token_refresh) or 0.0,
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
		return get_decrypted_password(SETTINGS, self.settings_name, fieldname, raise_exception=False)


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
	frappe.db.get_value(SETTINGS, settings_name, "name", for_update=True)


def write_tokens(settings_name: str, tokens: Tokens, **fields: Any) -> None:
	"""Encrypt the tokens into their Password fields and store the expiries (no commit)."""
	for fieldname, secret in zip(TOKEN_FIELDS, (tokens.access_token, tokens.refresh_token), strict=True):
		set_encrypted_password(SETTINGS, settings_name, secret, fieldname)
	values = {
		ACCESS_TOKEN: DUMMY_PASSWORD,
		REFRESH_TOKEN: DUMMY_PASSWORD,
		ACCESS_TOKEN_EXPIRES_AT: epoch_to_stored(tokens.access_expires_at),
		REFRESH_TOKEN_EXPIRES_AT: epoch_to_stored(tokens.refresh_expires_at),
		REFRESH_TOKEN_HARD_EXPIRES_AT: epoch_to_stored(tokens.refresh_hard_expires_at),
		LAST_TOKEN_REFRESH: epoch_to_stored(tokens.refreshed_at),
		**fields,
	}
	frappe.db.set_value(SETTINGS, settings_name, values, update_modified=False)


def store_tokens(settings: "QuickBooksSettings | str", tokens: Tokens) -> None:
	"""Save a new connection's tokens and realm and mark it Connected (commits, like every token write)."""
	name = _name(settings)
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
		remove_encrypted_password(SETTINGS, settings_name, fieldname)
	values = dict.fromkeys((*TOKEN_FIELDS, *EXPIRY_FIELDS))
	values.update({CONNECTION_STATUS: status, CONNECTION_MESSAGE: message})
	frappe.db.set_value(SETTINGS, settings_name, values, update_modified=False)


def mark_expired(settings: "QuickBooksSettings | str", reason: str | None = None) -> None:
	"""QuickBooks refused the refresh token (invalid_grant): only the user reconnecting can fix it."""
	name = _name(settings)
	message = _(
		"QuickBooks no longer accepts this connection (the authorisation was revoked, expired or replaced). "
		"Click Reconnect to authorise the app again; your mappings are kept."
	)
	if reason:
		message += " " + _("QuickBooks said: {0}").format(remote_text(reason))
	previous = frappe.db.get_value(SETTINGS, name, CONNECTION_STATUS)
	frappe.db.set_value(
		SETTINGS,
		name,
		{CONNECTION_STATUS: EXPIRED, CONNECTION_MESSAGE: message},
		update_modified=False,
	)
	if previous != EXPIRED:
		notify_managers(name, _("QuickBooks connection expired for {0}").format(name), message)


def is_dead_grant(exc: errors.QBOError) -> bool:
	"""Intuit's token endpoint answered invalid_grant: the refresh token is revoked, expired or rotated out."""
	return isinstance(exc, errors.AuthenticationError) and exc.code == "invalid_grant"


def has_tokens(settings_name: str) -> bool:
	"""Whether any token is stored (decrypted, not the Password column's placeholder)."""
	return any(
		get_decrypted_password(SETTINGS, settings_name, fieldname, raise_exception=False)
		for fieldname in TOKEN_FIELDS
	)


def _name(settings: "QuickBooksSettings | str") -> str:
	return settings if isinstance(settings, str) else settings.name
