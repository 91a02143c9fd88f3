"""What QuickBooks says about the connected company (name, country, home currency, multicurrency, numbering), kept
on its QuickBooks Settings.

Read when a connection is made or tested (`connection`) and, for the preferences, again before a Retry (`push`):
its own module so the push can use it without the OAuth flow, which itself resumes the push after a connect.
"""

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import frappe

from quickbooks_connector.constants import (
	CONNECTED,
	QBO_CLASS_PER_TRANSACTION,
	QBO_COMPANY_NAME,
	QBO_COUNTRY,
	QBO_CUSTOM_TXN_NUMBERS,
	QBO_HOME_CURRENCY,
	QBO_MULTICURRENCY,
	SETTINGS,
)
from quickbooks_connector.qbo import QBOClient, errors
from quickbooks_connector.quickbooks_connector.safety import remote_text
from quickbooks_connector.quickbooks_connector.settings import get_client

if TYPE_CHECKING:
	from quickbooks_connector.quickbooks_connector.doctype.quickbooks_settings.quickbooks_settings import (
		QuickBooksSettings,
	)

# How stale the cached QuickBooks preferences may be before a Retry.
PREFERENCES_MAX_AGE = timedelta(minutes=5)


def update_company_details(doc: "QuickBooksSettings", client: QBOClient | None = None) -> dict[str, Any]:
	"""Read CompanyInfo and Preferences into the settings (name, country, currency, numbering)."""
	client = client or get_client(doc)
	info = client.company_info()
	prefs = client.preferences()
	currency = prefs.get("CurrencyPrefs") or {}
	details = {
		QBO_COMPANY_NAME: remote_text(info.get("CompanyName") or ""),
		QBO_COUNTRY: remote_text(info.get("Country") or ""),
		QBO_HOME_CURRENCY: remote_text((currency.get("HomeCurrency") or {}).get("value") or ""),
		QBO_MULTICURRENCY: int(bool(currency.get("MultiCurrencyEnabled"))),
		QBO_CUSTOM_TXN_NUMBERS: int(bool((prefs.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers"))),
		**_class_tracking(prefs),
	}
	frappe.db.set_value(SETTINGS, doc.name, details, update_modified=False)
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
		QBO_HOME_CURRENCY: remote_text((currency.get("HomeCurrency") or {}).get("value") or "")
		or doc.qbo_home_currency,
		QBO_MULTICURRENCY: int(bool(currency.get("MultiCurrencyEnabled"))),
		QBO_CUSTOM_TXN_NUMBERS: int(bool((prefs.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers"))),
	}
	frappe.db.set_value(SETTINGS, doc.name, details, update_modified=False)
	doc.update(details)


def _class_tracking(prefs: dict[str, Any]) -> dict[str, int]:
	"""One class per transaction (AccountingInfoPrefs.ClassTrackingPerTxn) rather than per row: a sales form then
	carries its class on the header (see mapping/dimensions.py)."""
	accounting = prefs.get("AccountingInfoPrefs") or {}
	per_transaction = bool(accounting.get("ClassTrackingPerTxn")) and not accounting.get(
		"ClassTrackingPerTxnLine"
	)
	return {QBO_CLASS_PER_TRANSACTION: int(per_transaction)}


def _preferences_key(settings_name: str) -> str:
	return f"quickbooks_preferences_read:{settings_name}"
