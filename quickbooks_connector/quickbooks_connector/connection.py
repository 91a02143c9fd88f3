"""The OAuth flow between one ERPNext company and one QuickBooks Online company: connect, the callback Intuit sends
the browser back to, disconnect and test.

The whitelisted methods keep their paths (`quickbooks_connector.quickbooks_connector.connection.<method>`): the
callback's is the Redirect URI users register at Intuit (`settings.callback_url`). The rest of the connection lives
next door: the settings lookup and the client (`settings`), the token store (`tokens`), the hourly refresh
(`token_refresh`), the QuickBooks company's details (`company_details`) and the notices (`notifications`).
"""

import pickle
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import frappe
from frappe import _
from frappe.utils import escape_html, get_url_to_form, get_url_to_list

from quickbooks_connector.constants import (
	COMPANY,
	CONNECTED,
	CONNECTION_STATUS,
	DISCONNECTED,
	EMULATOR,
	EXPIRED,
	QBO_COMPANY_NAME,
	QBO_COUNTRY,
	QBO_HOME_CURRENCY,
	REALM_ID,
	REFRESH_TOKEN,
	SETTINGS,
	SYNC_LOG,
)
from quickbooks_connector.qbo import errors
from quickbooks_connector.quickbooks_connector.company_details import update_company_details
from quickbooks_connector.quickbooks_connector.push import resume_after_connect
from quickbooks_connector.quickbooks_connector.reference_data import delete_reference_data
from quickbooks_connector.quickbooks_connector.safety import error_text
from quickbooks_connector.quickbooks_connector.settings import (
	QuickBooksNotConnectedError,
	oauth_for,
	settings_doc,
)
from quickbooks_connector.quickbooks_connector.times import epoch_to_stored
from quickbooks_connector.quickbooks_connector.tokens import (
	FrappeTokenStore,
	clear_tokens,
	is_dead_grant,
	mark_expired,
	store_tokens,
)

if TYPE_CHECKING:
	from quickbooks_connector.quickbooks_connector.doctype.quickbooks_settings.quickbooks_settings import (
		QuickBooksSettings,
	)

STATE_TTL_SECONDS = 10 * 60  # time to log in at Intuit and consent
NOTICE_TTL_SECONDS = 5 * 60


# -- OAuth flow --------------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def connect(settings: str) -> str:
	"""The consent URL to send the browser to (Connect and Reconnect). The state that comes back with the
	callback is single-use, expires, and is bound to these settings and this user."""
	doc = settings_doc(settings, "write")
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
	if doc.environment != EMULATOR or not doc.realm_id:
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
		_redirect(settings_name, _("Could not connect to QuickBooks: {0}").format(error_text(exc)))
		return
	frappe.db.commit()  # nosemgrep: Frappe rolls back GET requests; the connection must be saved
	_redirect(settings_name, message, indicator="green")


def complete_connection(settings_name: str, code: str, realm_id: str) -> str:
	"""Exchange the code, store the tokens and read the QuickBooks company's details. Returns the notice."""
	doc = settings_doc(settings_name, "write")
	refuse_realm_elsewhere(doc, realm_id)
	refuse_realm_switch(doc, realm_id)
	if doc.realm_id and doc.realm_id != realm_id:
		# Another QuickBooks company: the fetched accounts, tax codes and terms belong to the previous one.
		delete_reference_data(doc.name)
	tokens = oauth_for(doc).exchange_code(code, realm_id)
	store_tokens(doc.name, tokens)
	resume_after_connect(doc.name)
	doc.reload()
	try:
		details = update_company_details(doc)
	except errors.QBOError as exc:
		return _("Connected, but the QuickBooks company details could not be read: {0}").format(
			error_text(exc)
		)
	doc.add_comment(
		"Info", _("Connected to QuickBooks company {0} ({1}).").format(details[QBO_COMPANY_NAME], realm_id)
	)
	return _("Connected to QuickBooks company {0}.").format(details[QBO_COMPANY_NAME])


def refuse_realm_elsewhere(doc: "QuickBooksSettings", realm_id: str) -> None:
	"""One QuickBooks company serves one ERPNext company: two would push into the same books."""
	other = frappe.db.get_value(
		SETTINGS,
		{REALM_ID: realm_id, "name": ("!=", doc.name), CONNECTION_STATUS: ("in", (CONNECTED, EXPIRED))},
		["name", COMPANY],
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
	sent = frappe.db.count(SYNC_LOG, {"settings": doc.name, "qbo_id": ("is", "set")})
	if doc.realm_id and doc.realm_id != realm_id and sent:
		# The sync records hold that company's transaction ids: in another company they would name other
		# transactions (ids start at 1 in every company), and a cancel or a look-up would act on them.
		frappe.throw(
			_(
				"{0} ERPNext documents were sent to QuickBooks company {1} from these settings, and their sync records "
				"point at its transactions. Reconnect to that company; to keep books in another QuickBooks company, "
				"create the connection for it on another ERPNext company."
			).format(sent, frappe.bold(doc.qbo_company_name or doc.realm_id)),
			title=_("Different QuickBooks company"),
		)


@frappe.whitelist(methods=["POST"])
def disconnect(settings: str) -> str:
	"""Revoke the app's access at Intuit and forget the tokens; mappings and fetched data stay for a reconnect."""
	doc = settings_doc(settings, "write")
	refresh_token = doc.get_password(REFRESH_TOKEN, raise_exception=False)
	message = _("Disconnected from QuickBooks. Your mappings are kept; click Reconnect to connect again.")
	if refresh_token:
		try:
			oauth_for(doc).revoke(refresh_token)
		except errors.QBOError as exc:
			message = _(
				"Disconnected here, but QuickBooks could not be told ({0}). Remove the app under Apps > My Apps in "
				"QuickBooks if it is still listed."
			).format(error_text(exc))
	clear_tokens(doc.name, DISCONNECTED, message)
	doc.add_comment(
		"Info", _("Disconnected from QuickBooks company {0}.").format(doc.qbo_company_name or doc.realm_id)
	)
	return message


@frappe.whitelist(methods=["POST"])
def test_connection(settings: str) -> dict[str, Any]:
	"""Call QuickBooks (CompanyInfo) with the stored tokens, refreshing them if due, and report."""
	doc = settings_doc(settings, "write")
	try:
		details = update_company_details(doc)
	except errors.AuthenticationError as exc:
		if is_dead_grant(exc):
			mark_expired(doc.name, error_text(exc))
			frappe.db.commit()  # nosemgrep: keep the Expired status although the request fails
		frappe.throw(
			escape_html(error_text(exc)),
			exc=QuickBooksNotConnectedError,
			title=_("QuickBooks connection failed"),
		)
	except errors.QBOError as exc:
		frappe.throw(escape_html(error_text(exc)), title=_("QuickBooks connection failed"))
	# A refresh during the call committed on its own connection; read the tokens in a fresh snapshot.
	frappe.db.commit()  # nosemgrep: this request's only write is the company details just read
	tokens = FrappeTokenStore(doc.name).load()
	return {
		"company_name": details[QBO_COMPANY_NAME],
		"country": details[QBO_COUNTRY],
		"home_currency": details[QBO_HOME_CURRENCY],
		"access_token_expires_at": epoch_to_stored(tokens.access_expires_at) if tokens else None,
		"reconnect_by": epoch_to_stored(tokens.reconnect_by) if tokens else None,
	}


@frappe.whitelist()
def pop_notice() -> dict[str, str] | None:
	"""The message the OAuth callback left for this user, once."""
	return _pop(_notice_key(frappe.session.user))


# -- helpers -------------------------------------------------------------------------------------------------


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
		get_url_to_form(SETTINGS, settings_name) if settings_name else get_url_to_list(SETTINGS)
	)


def _callback_error_message(error: str) -> str:
	if error == "access_denied":
		return _(
			"You declined the connection in QuickBooks; nothing was changed. Click Connect to try again."
		)
	return _("QuickBooks refused the connection ({0}). Click Connect to try again.").format(error)
