// Copyright (c) 2026, quickbooks_connector contributors
// For license information, please see license.txt

frappe.listview_settings["QuickBooks Sync Log"] = {
	add_fields: ["status", "error_kind"],
	get_indicator(doc) {
		const colors = {
			Queued: "blue",
			Synced: "green",
			Failed: doc.error_kind === "permanent" ? "red" : "orange",
			Voided: "gray",
			Skipped: "light-gray",
		};
		return [__(doc.status), colors[doc.status] || "gray", `status,=,${doc.status}`];
	},
	onload(listview) {
		listview.page.add_actions_menu_item(__("Retry"), () => {
			const names = listview.get_checked_items(true);
			if (!names.length) return;
			frappe
				.xcall("quickbooks_connector.quickbooks_connector.push.retry", { names })
				.then((queued) => {
					frappe.show_alert({
						message: __("{0} documents queued for QuickBooks", [queued]),
						indicator: "blue",
					});
					listview.refresh();
				});
		});
	},
};
