"""Install and uninstall: the QuickBooks status column on the documents the connector pushes."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from quickbooks_connector.constants import SYNC_STATUS_FIELD
from quickbooks_connector.mapping.registry import PUSHED_DOCTYPES


def custom_fields() -> dict[str, list[dict]]:
	field = {
		"fieldname": SYNC_STATUS_FIELD,
		"label": "QuickBooks",
		"fieldtype": "Select",
		"options": "\nQueued\nSynced\nFailed\nVoided\nSkipped",
		"insert_after": "amended_from",
		"read_only": 1,
		"no_copy": 1,
		"allow_on_submit": 1,
		"print_hide": 1,
		"in_standard_filter": 1,
		"in_list_view": 1,
		"translatable": 0,
	}
	return {doctype: [field] for doctype in PUSHED_DOCTYPES}


def after_install() -> None:
	create_custom_fields(custom_fields(), update=True)


def before_uninstall() -> None:
	for doctype in PUSHED_DOCTYPES:
		frappe.db.delete("Custom Field", {"dt": doctype, "fieldname": SYNC_STATUS_FIELD})
