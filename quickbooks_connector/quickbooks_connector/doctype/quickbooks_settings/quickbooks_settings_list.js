// Copyright (c) 2026, quickbooks_connector contributors and contributors
// For license information, please see license.txt

frappe.listview_settings["QuickBooks Settings"] = {
	add_fields: ["connection_status"],
	get_indicator(doc) {
		const colors = { Connected: "green", Expired: "orange", Disconnected: "red" };
		const status = doc.connection_status || "Not Configured";
		return [__(status), colors[status] || "gray", `connection_status,=,${status}`];
	},
	async onload() {
		// The OAuth callback lands here when it cannot tell which settings it belongs to (expired link).
		const r = await frappe.call("quickbooks_connector.quickbooks_connector.connection.pop_notice");
		if (r.message) {
			frappe.msgprint({
				title: __("QuickBooks"),
				message: frappe.utils.escape_html(r.message.message),
				indicator: r.message.indicator,
			});
		}
	},
};
