"""Pre-submit check: tell the accountant what QuickBooks would refuse while the document can still be fixed.

Runs the real mapping against the settings' mapping context with placeholder QuickBooks ids (no network). QuickBooks
Settings > Pre-submit Check: Warn shows the problems and lets the submit through, Block refuses it, Off skips this.
Only documents that would be sent automatically are checked.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html, get_link_to_form

from quickbooks_connector.constants import SETTINGS
from quickbooks_connector.mapping.errors import Problem, render
from quickbooks_connector.quickbooks_connector.context import mapping_context
from quickbooks_connector.quickbooks_connector.port import plain_dict
from quickbooks_connector.quickbooks_connector.push import auto_push_settings, start_date_reason
from quickbooks_connector.quickbooks_connector.stock_ledger import pre_submit_fields
from quickbooks_connector.sync.preflight import preflight

CHECKED_MODES = ("Warn", "Block")


def check_before_submit(doc: Document, method: str | None = None) -> None:
	try:
		mode, settings, problems = _problems(doc)
	except Exception:
		# A bug in the check must not stand between an accountant and a submit.
		frappe.log_error(
			title=_("QuickBooks: pre-submit check failed for {0} {1}").format(doc.doctype, doc.name),
			reference_doctype=doc.doctype,
			reference_name=doc.name,
		)
		return
	if not problems:
		return
	message = _message(problems, settings)
	title = _("QuickBooks would refuse this document")
	if mode == "Block":
		frappe.throw(message, title=title)
	frappe.msgprint(message, title=title, indicator="orange")


def _problems(doc: Document) -> tuple[str | None, str | None, list[Problem]]:
	settings = auto_push_settings(doc)
	if not settings or settings.pre_submit_check not in CHECKED_MODES or start_date_reason(settings, doc):
		return None, None, []
	document = {**plain_dict(doc), **pre_submit_fields(doc)}  # stock postings: the accounts they will use
	problems = preflight(document, mapping_context(frappe.get_cached_doc(SETTINGS, settings.name)))
	return settings.pre_submit_check, settings.name, problems


def _message(problems: list[Problem], settings: str) -> str:
	# the one rendering of the core's problems: templates translated, facts escaped
	items = "".join(f"<li>{render(problem, _, escape_html)}</li>" for problem in problems)
	return "".join(
		(
			"<p>",
			_("When this document is sent to QuickBooks it will fail because of:"),
			"</p><ul>",
			items,
			"</ul><p>",
			_(
				"Fix the mappings in {0} (Account Mapping and Tax Mapping tables) or the document itself."
			).format(get_link_to_form(SETTINGS, settings)),
			"</p>",
		)
	)
