// Copyright (c) 2026, quickbooks_connector contributors and contributors
// For license information, please see license.txt

// frappe.ui.form.on("QuickBooks Term", {
// 	refresh(frm) {

// 	},
// });
