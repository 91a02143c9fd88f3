"""The hourly token refresh: every connection kept fresh, dead ones marked Expired, managers warned before an
authorisation runs out.

Separate from the token store (`tokens`) because a refresh needs the app's credentials and endpoints (`settings`),
and a client needs the store: the store sits below both.
"""

import time
from typing import TYPE_CHECKING

import frappe
from frappe import _
from frappe.utils import add_days, format_datetime, now_datetime

from quickbooks_connector.constants import CONNECTED, CONNECTION_MESSAGE, CONNECTION_STATUS, SETTINGS
from quickbooks_connector.qbo import Tokens, errors
from quickbooks_connector.qbo.auth import TokenManager
from quickbooks_connector.quickbooks_connector.notifications import notify_managers
from quickbooks_connector.quickbooks_connector.safety import error_text, log_error
from quickbooks_connector.quickbooks_connector.settings import oauth_for, settings_doc
from quickbooks_connector.quickbooks_connector.times import epoch_to_stored
from quickbooks_connector.quickbooks_connector.tokens import FrappeTokenStore, is_dead_grant, mark_expired

if TYPE_CHECKING:
	from quickbooks_connector.quickbooks_connector.doctype.quickbooks_settings.quickbooks_settings import (
		QuickBooksSettings,
	)

# The job runs hourly and access tokens live 60 minutes: refreshing whatever expires within 65 minutes keeps
# every connection fresh, and rolls each refresh token's 100-day window forward even when nothing is pushed.
REFRESH_WITHIN_SECONDS = 65 * 60
WARN_WITHIN_DAYS = 14


def refresh_tokens() -> None:
	"""Hourly (long queue): refresh tokens about to expire, mark dead connections Expired, and warn before the
	authorisation itself runs out."""
	for name in frappe.get_all(SETTINGS, filters={CONNECTION_STATUS: CONNECTED}, pluck="name"):
		try:
			refresh_connection(name)
		except Exception:
			frappe.db.rollback()
			log_error(
				_("QuickBooks token refresh failed for {0}").format(name),
				reference_doctype=SETTINGS,
				reference_name=name,
			)
		frappe.db.commit()  # nosemgrep: one connection's failure must not undo another's refresh


def refresh_connection(settings_name: str, within_seconds: float = REFRESH_WITHIN_SECONDS) -> Tokens | None:
	"""Refresh one connection if its access token expires within `within_seconds`; None when it is dead."""
	doc = settings_doc(settings_name)
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
			mark_expired(settings_name, error_text(exc))
			return None
	warn_if_reconnect_due(doc, tokens)
	return tokens


def warn_if_reconnect_due(doc: "QuickBooksSettings", tokens: Tokens) -> None:
	"""Intuit ends every authorisation: after 100 days without a refresh, and 5 years after consent at the
	latest. Two weeks ahead, say so on the settings and notify the managers (once a day)."""
	reconnect_by = epoch_to_stored(tokens.reconnect_by)
	if reconnect_by > add_days(now_datetime(), WARN_WITHIN_DAYS):
		return
	message = _(
		"The QuickBooks authorisation ends on {0}. Click Reconnect before then to keep pushing."
	).format(format_datetime(reconnect_by))
	frappe.db.set_value(SETTINGS, doc.name, CONNECTION_MESSAGE, message, update_modified=False)
	notify_managers(doc.name, _("Reconnect QuickBooks for {0} soon").format(doc.company), message)
