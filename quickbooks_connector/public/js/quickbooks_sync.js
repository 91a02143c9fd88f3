// QuickBooks status and actions on the documents the connector sends (Sales Invoice, Purchase Invoice,
// Payment Entry). Frappe evaluates this file once per doctype whose form is opened: register only once.
frappe.provide("quickbooks_connector.sync_form");

if (!quickbooks_connector.sync_form.registered) {
	quickbooks_connector.sync_form.registered = true;

	const PUSH = "quickbooks_connector.quickbooks_connector.push";
	const COLORS = {
		Queued: "blue",
		Synced: "green",
		Failed: "red",
		Voided: "gray",
		Skipped: "orange",
	};

	// QuickBooks pages open in a new tab that gets no handle on this one, and only over http(s).
	const open_external = (url) => {
		if (!/^https?:\/\//i.test(url || "")) return;
		window.open(url, "_blank", "noopener,noreferrer");
	};

	const sync_now = (frm, method = "sync_now") =>
		frappe
			.xcall(`${PUSH}.${method}`, { doctype: frm.doc.doctype, name: frm.doc.name })
			.then((status) => {
				frappe.show_alert({
					message: __("QuickBooks: {0}", [__(status)]),
					indicator: COLORS[status] || "blue",
				});
				frm.reload_doc();
			});

	const show_status = (frm, log) => {
		const status = log.status;
		let text = __("QuickBooks: {0}", [__(status)]);
		if (log.doc_number && status === "Synced") text += ` (${frappe.utils.escape_html(log.doc_number)})`;
		frm.dashboard.add_indicator(text, COLORS[status] || "gray");
		if (log.error && ["Failed", "Skipped"].includes(status)) {
			const color = status === "Failed" && log.error_kind === "permanent" ? "red" : "yellow";
			const retry =
				status === "Failed" && log.error_kind !== "permanent" && log.next_retry_at
					? `<br>${__("Next automatic retry: {0}", [
							frappe.datetime.str_to_user(log.next_retry_at),
					  ])}`
					: "";
			const text = frappe.utils.escape_html(log.error).replace(/\n/g, "<br>");
			frm.dashboard.set_headline_alert(`<b>${__("QuickBooks")}:</b> ${text}${retry}`, color);
		}
	};

	const refresh = async (frm) => {
		if (frm.is_new() || frm.doc.docstatus === 0) return;
		const info = await frappe.xcall(`${PUSH}.get_status`, {
			doctype: frm.doc.doctype,
			name: frm.doc.name,
		});
		if (!info) return; // the company is not connected to QuickBooks
		const log = info.log;
		const group = __("QuickBooks");
		if (log) show_status(frm, log);
		if (log && log.qbo_url) {
			frm.add_custom_button(__("View in QuickBooks"), () => open_external(log.qbo_url), group);
		}
		// Sending needs write permission on the document and the connector enabled (the server checks both).
		if (info.can_sync && info.enabled && !info.before_start_date) {
			const label = log && log.status === "Failed" ? __("Retry") : __("Sync to QuickBooks");
			frm.add_custom_button(label, () => sync_now(frm), group);
		}
		if (info.can_sync && info.enabled && info.before_start_date && info.can_override_start_date) {
			frm.add_custom_button(
				__("Send despite Start Date"),
				() =>
					frappe.confirm(
						__(
							"{0} is dated before the sync start date in QuickBooks Settings, so it is not sent automatically. Send it to QuickBooks anyway?",
							[frappe.utils.escape_html(frm.doc.name).bold()]
						),
						() => sync_now(frm, "sync_despite_start_date")
					),
				group
			);
		}
		if (log) {
			frm.add_custom_button(
				__("Sync Log"),
				() => frappe.set_route("Form", "QuickBooks Sync Log", log.name),
				group
			);
		}
	};

	for (const doctype of ["Sales Invoice", "Purchase Invoice", "Payment Entry"]) {
		frappe.ui.form.on(doctype, {
			refresh,
			setup(frm) {
				// The background job reports its outcome: show it without a manual reload.
				frappe.realtime.on("quickbooks_sync_status", (data) => {
					if (
						cur_frm === frm &&
						data.doctype === frm.doc.doctype &&
						data.name === frm.doc.name
					) {
						frm.reload_doc();
					}
				});
			},
		});
	}
}
