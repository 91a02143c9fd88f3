// Copyright (c) 2026, quickbooks_connector contributors and contributors
// For license information, please see license.txt

// QuickBooks Settings: the party import's "Import now" button and the last import's summary.
// Loaded next to the doctype's own script (hooks.doctype_js); both register handlers for the same form.

const QBO_IMPORT_METHOD = "quickbooks_connector.quickbooks_connector.party_import";
const QBO_IMPORT_COLORS = {
	Running: "blue",
	Completed: "green",
	"Completed with Errors": "orange",
	Failed: "red",
};

frappe.ui.form.on("QuickBooks Settings", {
	setup(frm) {
		frappe.realtime.on("quickbooks_import_finished", (data) => {
			if (data.settings !== frm.doc.name) return;
			frappe.hide_progress();
			frm.reload_doc();
			frappe.show_alert({
				message: __("QuickBooks import {0}: {1}", [data.run, __(data.status)]),
				indicator: QBO_IMPORT_COLORS[data.status] || "gray",
			});
		});
	},

	refresh(frm) {
		if (frm.is_new()) return;
		quickbooks_import.show_last_run(frm);
		if (frm.doc.connection_status === "Connected" && (frm.doc.import_customers || frm.doc.import_suppliers)) {
			frm.add_custom_button(__("Import now"), () => quickbooks_import.import_now(frm), __("QuickBooks"));
		}
	},
});

const quickbooks_import = {
	import_now(frm) {
		if (frm.is_dirty()) {
			frappe.msgprint(__("Save the settings first."));
			return;
		}
		frappe.call({
			method: `${QBO_IMPORT_METHOD}.import_now`,
			args: { settings: frm.doc.name },
			freeze: true,
			callback: (r) => {
				const result = r.message || {};
				frappe.show_alert({ message: result.message, indicator: result.queued ? "blue" : "orange" });
			},
		});
	},

	show_last_run(frm) {
		const run = frm.doc.last_import_run;
		if (!run) return;
		frappe.db
			.get_value("QuickBooks Import Run", run, [
				"status",
				"started_at",
				"created",
				"updated",
				"skipped",
				"failed",
			])
			.then(({ message: summary }) => {
				if (!summary || frm.doc.last_import_run !== run) return;
				const link = `<a href="/app/quickbooks-import-run/${encodeURIComponent(run)}">${frappe.utils.escape_html(run)}</a>`;
				const text = __("Last import {0} ({1}, {2}): {3} created, {4} updated, {5} skipped, {6} failed", [
					link,
					__(summary.status),
					frappe.datetime.str_to_user(summary.started_at),
					summary.created,
					summary.updated,
					summary.skipped,
					summary.failed,
				]);
				frm.dashboard.add_comment(text, QBO_IMPORT_COLORS[summary.status] || "gray", true);
			});
	},
};
