// "Send past documents" on QuickBooks Settings: backfill a period through push.start_backfill (a long-queue
// job; progress shows on this form and a notification arrives when it is done), for the document types chosen.

// Every type the connector pushes (the registry's list, from the boot info), those switched on in these settings
// checked; the others are sent only once switched on, so they are marked as such.
function backfill_doctypes(frm) {
	const boot = frappe.boot.quickbooks_connector || {};
	const switches = boot.settings_switches || {};
	return (boot.pushed_doctypes || []).map((doctype) => {
		const on = !switches[doctype] || Boolean(frm.doc[switches[doctype]]);
		return {
			label: on ? __(doctype) : __("{0} (turned off in these settings)", [__(doctype)]),
			value: doctype,
			checked: on ? 1 : 0,
		};
	});
}

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
							label: __("Document Types"),
							columns: 2,
							options: backfill_doctypes(frm),
						},
					],
					primary_action_label: __("Send"),
					primary_action(values) {
						if (!(values.doctypes || []).length) {
							frappe.msgprint(__("Choose at least one document type to send."));
							return;
						}
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
