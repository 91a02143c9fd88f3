// Copyright (c) 2026, quickbooks_connector contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("QuickBooks Import Run", {
	refresh(frm) {
		frm.disable_save();
		if (frm.doc.settings) {
			frm.add_custom_button(__("QuickBooks Settings"), () =>
				frappe.set_route("Form", "QuickBooks Settings", frm.doc.settings)
			);
		}
	},
});
