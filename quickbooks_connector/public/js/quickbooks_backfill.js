// "Send past documents" on QuickBooks Settings: backfill a period through push.start_backfill (a long-queue
// job; progress shows on this form and a notification arrives when it is done).
frappe.ui.form.on("QuickBooks Settings", {
	refresh(frm) {
		if (frm.is_new() || frm.doc.connection_status !== "Connected") return;
		frm.add_custom_button(
			__("Send Past Documents"),
			() => {
				const dialog = new frappe.ui.Dialog({
					title: __("Send past documents to QuickBooks"),
					fields: [
						{
							fieldname: "from_date",
							fieldtype: "Date",
							label: __("From Date"),
							reqd: 1,
							default: frm.doc.sync_start_date,
						},
						{
							fieldname: "to_date",
							fieldtype: "Date",
							label: __("To Date"),
							reqd: 1,
							default: frappe.datetime.get_today(),
						},
						{
							fieldname: "doctypes",
							fieldtype: "MultiCheck",
							label: __("Documents"),
							options: ["Sales Invoice", "Purchase Invoice", "Payment Entry"].map(
								(doctype) => ({ label: __(doctype), value: doctype, checked: 1 })
							),
						},
					],
					primary_action_label: __("Send"),
					primary_action(values) {
						frappe
							.xcall(
								"quickbooks_connector.quickbooks_connector.push.start_backfill",
								{
									settings: frm.doc.name,
									from_date: values.from_date,
									to_date: values.to_date,
									doctypes: values.doctypes,
								}
							)
							.then((message) => {
								dialog.hide();
								frappe.show_alert({ message, indicator: "blue" });
							});
					},
				});
				dialog.show();
			},
			__("QuickBooks")
		);
	},
});
