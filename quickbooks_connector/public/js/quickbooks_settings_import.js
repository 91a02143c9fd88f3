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
		// Progress and the end of a run are keyed by the run's progress key: only the run this form started
		// moves (or closes) its progress dialog; an earlier run's late events are ignored.
		frappe.realtime.on("quickbooks_import_progress", (data) => {
			if (data.settings !== frm.doc.name || !data.progress_key) return;
			if (data.progress_key !== quickbooks_import.progress_key) return;
			quickbooks_import.show_progress(data.done, data.expected);
		});
		frappe.realtime.on("quickbooks_import_finished", (data) => {
			if (data.settings !== frm.doc.name) return;
			if (data.progress_key && data.progress_key === quickbooks_import.progress_key) {
				quickbooks_import.progress_key = null;
				frappe.hide_progress();
			}
			frm.reload_doc();
			frappe.show_alert({
				message: __("QuickBooks import {0}: {1}", [
					frappe.utils.escape_html(data.run),
					__(data.status),
				]),
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
	progress_key: null, // the run this page started and follows

	show_progress(done, expected) {
		frappe.show_progress(
			__("Importing from QuickBooks"),
			done,
			expected || Math.max(done, 1),
			expected ? __("{0} of {1} records", [done, expected]) : __("{0} records", [done])
		);
	},

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
				if (result.queued) {
					// A new run: forget the previous run's dialog and follow this one only.
					frappe.hide_progress();
					quickbooks_import.progress_key = result.progress_key;
					quickbooks_import.show_progress(0, null);
				}
				frappe.show_alert({
					message: frappe.utils.escape_html(result.message),
					indicator: result.queued ? "blue" : "orange",
				});
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
