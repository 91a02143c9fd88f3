"""A company's QuickBooks Settings and a QuickBooks client for them: the lookup, the endpoints and app credentials a
connection uses, the Emulator allowance, and what a form save may change.

Connector-owned fields of QuickBooks Settings (tokens, expiries, status, the QuickBooks company's details, import
progress; `constants.CONNECTOR_FIELDS`) are written only by the connector (the OAuth flow, the token store, the
reference-data fetch and the party import), always with `frappe.db.set_value`; a form save keeps their stored
values (`keep_connector_fields`), so a form opened before a token refresh can never write stale tokens or expiries
back. A save that changes where the tokens would be sent (the environment, the emulator URL) or the app they belong
to (client id, client secret) drops the connection: the tokens are cleared and the user reconnects
(`drop_connection_on_credential_change`).
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

import frappe
from frappe import _
from frappe.utils import get_url
from frappe.utils.password import get_decrypted_password

from quickbooks_connector.constants import (
	CLIENT_SECRET,
	CONNECTED,
	CONNECTION_DEFINING_FIELDS,
	CONNECTOR_FIELDS,
	DISCONNECTED,
	EMULATOR,
	EXPIRED,
	EXPIRY_FIELDS,
	NOT_CONFIGURED,
	PRODUCTION,
	SANDBOX,
	SETTINGS,
	TOKEN_FIELDS,
)
from quickbooks_connector.qbo import OAuth, QBOClient, endpoints_for
from quickbooks_connector.qbo.environments import Endpoints, Environment
from quickbooks_connector.qbo.links import record_url as qbo_record_url
from quickbooks_connector.qbo.secret import Secret
from quickbooks_connector.quickbooks_connector.budget import site_budget
from quickbooks_connector.quickbooks_connector.safety import emulator_allowed
from quickbooks_connector.quickbooks_connector.tokens import FrappeTokenStore, clear_tokens, has_tokens

if TYPE_CHECKING:
	from quickbooks_connector.quickbooks_connector.doctype.quickbooks_settings.quickbooks_settings import (
		QuickBooksSettings,
	)

# The OAuth callback (connection.callback): the Redirect URI users register at Intuit.
CALLBACK_METHOD = "quickbooks_connector.quickbooks_connector.connection.callback"
ENVIRONMENTS = {
	PRODUCTION: Environment.PRODUCTION,
	SANDBOX: Environment.SANDBOX,
	EMULATOR: Environment.CUSTOM,
}


class QuickBooksNotConnectedError(frappe.ValidationError):
	"""The settings have no working QuickBooks connection: connect (or reconnect) first."""


# -- lookup ----------------------------------------------------------------------------------------------------


def get_settings(
	company: str | None, fields: Sequence[str] | None = None
) -> "QuickBooksSettings | frappe._dict | None":
	"""The one way from an ERPNext company to its QuickBooks Settings: the document, or with `fields` only those
	columns (a dict, one query); None when the company has none.

	Plain SQL: the decision on every submit of a pushed document starts here, and building the same query with
	the query builder costs ~1 ms."""
	if not company:
		return None
	columns = ", ".join(f"`{field}`" for field in (fields or ("name",)))
	rows = frappe.db.sql(f"select {columns} from `tab{SETTINGS}` where company = %s", company, as_dict=True)
	if not rows:
		return None
	return rows[0] if fields else frappe.get_doc(SETTINGS, rows[0].name)


def settings_doc(settings: "QuickBooksSettings | str", permission: str | None = None) -> "QuickBooksSettings":
	"""The settings document for a name (or the document itself), checking `permission` when given."""
	doc = frappe.get_doc(SETTINGS, settings) if isinstance(settings, str) else settings
	if permission:
		doc.check_permission(permission)
	return doc


def settings_name(settings: "QuickBooksSettings | str") -> str:
	return settings if isinstance(settings, str) else settings.name


# -- the client --------------------------------------------------------------------------------------------------


def get_client(settings: "QuickBooksSettings | str") -> QBOClient:
	"""A QuickBooks client for a connected settings record (doc or name), sending under the request budget every
	worker of the site shares for that QuickBooks company (`budget`)."""
	doc = settings_doc(settings)
	if doc.connection_status != CONNECTED or not doc.realm_id:
		raise QuickBooksNotConnectedError(not_connected_message(doc))
	where = endpoints(doc)
	budget = site_budget(doc.realm_id, where.api_base)
	return QBOClient(doc.realm_id, oauth_for(doc), FrappeTokenStore(doc.name), where, throttle=budget)


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
	doc = settings_doc(settings)
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
	if doc.environment == EMULATOR and not emulator_allowed():
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
	client_secret = Secret(doc.get_password(CLIENT_SECRET, raise_exception=False) or "")
	if not doc.client_id or not client_secret:
		frappe.throw(
			_(
				"Enter the Client ID and Client Secret of your Intuit app in QuickBooks Settings for {0}."
			).format(doc.company),
			title=_("QuickBooks app credentials missing"),
		)
	return OAuth(doc.client_id, client_secret, doc.redirect_url or callback_url(), endpoints(doc))


# -- what a form save may change ---------------------------------------------------------------------------------


def keep_connector_fields(doc: "QuickBooksSettings") -> None:
	"""Called from the controller's validate: a form or API save never changes connector-owned fields."""
	if doc.is_new():
		for fieldname in CONNECTOR_FIELDS:
			doc.set(fieldname, None)
		doc.connection_status = NOT_CONFIGURED
		return
	stored = frappe.db.get_value(SETTINGS, doc.name, list(CONNECTOR_FIELDS), as_dict=True)
	doc.update(stored)


def drop_connection_on_credential_change(doc: "QuickBooksSettings") -> None:
	"""Called from the controller's validate, after `keep_connector_fields`: a connection whose environment,
	emulator URL, client id or client secret changes is dropped here, server-side. Its tokens belong to the old
	app and endpoints; sending them (or a revoke) to the new ones is exactly what must not happen."""
	if doc.is_new():
		return
	before = frappe.db.get_value(SETTINGS, doc.name, list(CONNECTION_DEFINING_FIELDS), as_dict=True)
	changed = [
		field for field in CONNECTION_DEFINING_FIELDS if (doc.get(field) or "") != (before.get(field) or "")
	]
	if _client_secret_changed(doc):
		changed.append(CLIENT_SECRET)
	if not changed or not (has_tokens(doc.name) or doc.connection_status in (CONNECTED, EXPIRED)):
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
	typed = doc.get(CLIENT_SECRET)
	if not typed or doc.is_dummy_password(typed):
		return False
	return typed != get_decrypted_password(SETTINGS, doc.name, CLIENT_SECRET, raise_exception=False)
