"""What keeps the connector's credentials and QuickBooks' text where they belong.

- `log_error`: the connector's Error Log entries. Frappe records every frame's local variables with the traceback;
  the QuickBooks client keeps secrets out of them (`qbo.secret`), and this scrubs, in addition, every token and
  client secret of every QuickBooks Settings from the text before it is stored.
- `emulator_allowed`: the Emulator environment sends the live tokens and the app's client secret to a URL typed into
  the form, so it exists only on development sites: developer mode, or `quickbooks_allow_emulator: 1` in the site
  config.
- `remote_text`: text that came from QuickBooks (or the emulator), sanitised like a form save would before the
  connector writes it with `frappe.db.set_value` (which skips Frappe's own sanitising); `error_text` is an error's.
"""

from __future__ import annotations

import frappe
from frappe.utils import cint
from frappe.utils.html_utils import sanitize_html
from frappe.utils.password import get_decrypted_password

from quickbooks_connector.constants import CLIENT_ID, SECRET_FIELDS, SETTINGS
from quickbooks_connector.qbo.secret import scrub

EMULATOR_CONFIG_KEY = "quickbooks_allow_emulator"


def emulator_allowed() -> bool:
	"""The Emulator environment may be chosen and used only on a development site."""
	return bool(cint(frappe.conf.get("developer_mode")) or cint(frappe.conf.get(EMULATOR_CONFIG_KEY)))


def remote_text(value: str | None) -> str | None:
	"""Text from QuickBooks, safe to show where Frappe renders field values as HTML."""
	return sanitize_html(value) if value else value


def error_text(exc: Exception) -> str:
	"""An error's text for a stored message or notice, sanitised: it may come from QuickBooks."""
	return remote_text(str(exc)) or type(exc).__name__


def scrub_secrets(text: str) -> str:
	"""`text` without any token or client secret (in any spelling) of any QuickBooks Settings of this site."""
	for settings in frappe.get_all(SETTINGS, fields=["name", CLIENT_ID]):
		values = [
			get_decrypted_password(SETTINGS, settings.name, fieldname, raise_exception=False)
			for fieldname in SECRET_FIELDS
		]
		text = scrub(text, values, settings.client_id)
	return text


def log_error(title: str, reference_doctype: str | None = None, reference_name: str | None = None) -> None:
	"""`frappe.log_error` for the exception being handled, with every QuickBooks secret scrubbed from it."""
	traceback = frappe.get_traceback(with_context=True) or title
	try:
		traceback = scrub_secrets(traceback)
	except Exception:
		# Scrubbing reads the database; if that fails too, keep the traceback without frame variables.
		traceback = scrub_fallback(frappe.get_traceback(with_context=False) or title)
	frappe.log_error(
		title=title, message=traceback, reference_doctype=reference_doctype, reference_name=reference_name
	)


def scrub_fallback(text: str) -> str:
	try:
		return scrub_secrets(text)
	except Exception:
		return text
