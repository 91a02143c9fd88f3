// Copyright (c) 2026, quickbooks_connector contributors and contributors
// For license information, please see license.txt

frappe.listview_settings["QuickBooks Import Run"] = {
	get_indicator(doc) {
		const colors = {
			Running: "blue",
			Completed: "green",
			"Completed with Errors": "orange",
			Failed: "red",
		};
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
