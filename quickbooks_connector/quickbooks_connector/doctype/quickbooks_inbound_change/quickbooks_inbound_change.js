// A change made in QuickBooks that waits for something in ERPNext (a mapping, an item): Retry after fixing it.
frappe.ui.form.on("QuickBooks Inbound Change", {
	refresh(frm) {
		if (frm.doc.status !== "Waiting") return;
		frm.add_custom_button(__("Retry"), () =>
			frappe
				.call({
					method: "quickbooks_connector.quickbooks_connector.webhooks.retry_inbound",
					args: { change: frm.doc.name },
					freeze: true,
				})
				.then((r) => frappe.show_alert({ message: frappe.utils.escape_html(r.message), indicator: "blue" }))
		);
	},
});
