// Copyright (c) 2026, quickbooks_connector contributors
// For license information, please see license.txt

frappe.ui.form.on("QuickBooks Sync Log", {
	refresh(frm) {
		const doc = frm.doc;
		const group = __("QuickBooks");
		// Sync Logs are the connector's record of what QuickBooks holds: read-only here (no Save, no Delete).
		frm.disable_save();
		if (["Failed", "Skipped", "Queued"].includes(doc.status)) {
			frm.add_custom_button(__("Retry"), () => {
				frappe
					.xcall("quickbooks_connector.quickbooks_connector.push.retry", {
						names: [doc.name],
					})
					.then(() => {
						frappe.show_alert({
							message: __("Queued for QuickBooks"),
							indicator: "blue",
						});
						frm.reload_doc();
					});
			});
		}
		if (doc.qbo_url) {
			frm.add_custom_button(
				__("View in QuickBooks"),
				() => quickbooks_open_external(doc.qbo_url),
				group
			);
		}
		if (doc.reference_doctype && doc.reference_name) {
			frm.add_custom_button(
				__("Open {0}", [__(doc.reference_doctype)]),
				() => frappe.set_route("Form", doc.reference_doctype, doc.reference_name),
				group
			);
		}
		if (doc.status === "Failed" && doc.error) {
			const color = doc.error_kind === "permanent" ? "red" : "yellow";
			const text = frappe.utils.escape_html(doc.error).replace(/\n/g, "<br>");
			frm.dashboard.set_headline_alert(text, color);
		}
	},
});

// QuickBooks pages open in a new tab that gets no handle on this one (rel="noopener noreferrer"), http(s) only.
function quickbooks_open_external(url) {
	if (!/^https?:\/\//i.test(url || "")) return;
	window.open(url, "_blank", "noopener,noreferrer");
}
