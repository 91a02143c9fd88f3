"""What the desk's scripts need to know about the connector at session start."""

from __future__ import annotations

import frappe

from quickbooks_connector.mapping.registry import PUSHED_DOCTYPES, PUSHED_TYPES


def boot_session(bootinfo: frappe._dict) -> None:
	"""`frappe.boot.quickbooks_connector.pushed_doctypes`: the document types the connector pushes, in the order
	the registry declares them (the form scripts list these rather than their own copy), and `settings_switches`:
	each one's QuickBooks Settings check."""
	bootinfo.quickbooks_connector = {
		"pushed_doctypes": list(PUSHED_DOCTYPES),
		"settings_switches": {pushed.doctype: pushed.settings_switch for pushed in PUSHED_TYPES},
	}
