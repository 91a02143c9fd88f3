// Copyright (c) 2026, quickbooks_connector contributors
// For license information, please see license.txt

frappe.ui.form.on("QuickBooks Sync Log", {
	refresh(frm) {
		const doc = frm.doc;
		const group = __("QuickBooks");
		// Sync Logs are the connector's record of what QuickBooks holds: read-only here (no Save, no Delete).
		frm.disable_save();
		// A Synced record with a problem kind: its PDF is still to be attached (Retry attaches it).
		const pdf_pending = doc.status === "Synced" && doc.error_kind;
		if (["Failed", "Skipped", "Queued"].includes(doc.status) || pdf_pending) {
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
		if (["Synced", "Failed"].includes(doc.status) && doc.qbo_id) {
			// Safe only when nothing of the document is live in QuickBooks: the job checks and refuses otherwise.
			frm.add_custom_button(
				__("Resync"),
				() =>
					frappe.confirm(
						__(
							"Send {0} to QuickBooks again as a new record? Do this only if its record was deleted or voided in QuickBooks; the connector checks and refuses while it is still there.",
							[frappe.utils.escape_html(doc.reference_name)]
						),
						() =>
							frappe
								.xcall("quickbooks_connector.quickbooks_connector.push.resync", {
									doctype: doc.reference_doctype,
									name: doc.reference_name,
								})
								.then(() => {
									frappe.show_alert({ message: __("Queued for QuickBooks"), indicator: "blue" });
									frm.reload_doc();
								})
					),
				group
			);
		}
		quickbooks_render_history(frm);
		quickbooks_fix_in_place(frm);
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

// The sync record's history of QuickBooks writes, newest first; every value is escaped.
function quickbooks_render_history(frm) {
	const field = frm.get_field("history_html");
	if (!field) return;
	let entries = frm.doc.history || [];
	if (typeof entries === "string") {
		try {
			entries = JSON.parse(entries);
		} catch (e) {
			entries = [];
		}
	}
	if (!entries.length) {
		field.$wrapper.html(`<p class="text-muted">${__("No QuickBooks write yet.")}</p>`);
		return;
	}
	const esc = (value) => frappe.utils.escape_html(value == null ? "" : String(value));
	const rows = entries
		.slice()
		.reverse()
		.map(
			(entry) => `<tr>
				<td>${esc(new Date(entry.at * 1000).toLocaleString())}</td>
				<td>${esc(entry.operation)} ${esc(entry.entity)}</td>
				<td>${esc(entry.outcome)}</td>
				<td><code>${esc(entry.request_id)}</code><br><small>intuit_tid ${esc(entry.intuit_tid)}</small></td>
				<td><details><summary>${__("Request")}</summary><pre>${esc(entry.request)}</pre></details>
					<div>${esc(entry.answer)}</div></td>
			</tr>`
		)
		.join("");
	field.$wrapper.html(`<table class="table table-bordered table-sm">
		<thead><tr><th>${__("When")}</th><th>${__("Write")}</th><th>${__("Outcome")}</th>
		<th>${__("Request id")}</th><th>${__("Request and answer")}</th></tr></thead>
		<tbody>${rows}</tbody></table>`);
}

// Fix in place: for each account or tax account the record says is not mapped, a button that maps it in the
// document's QuickBooks Settings (validated there) and retries the document in one step.
function quickbooks_fix_in_place(frm) {
	let problems = frm.doc.problems || [];
	if (typeof problems === "string") {
		try {
			problems = JSON.parse(problems);
		} catch (e) {
			problems = [];
		}
	}
	if (frm.doc.status !== "Failed") return;
	for (const problem of problems) {
		const account = (problem.facts || {}).account;
		const tax = problem.code === "tax_account_not_mapped";
		if (!account || !(tax || problem.code === "account_not_mapped")) continue;
		frm.add_custom_button(__("Map {0}", [frappe.utils.escape_html(account)]), () =>
			quickbooks_map_dialog(frm, account, tax)
		);
	}
}

function quickbooks_map_dialog(frm, account, tax) {
	const filters = { settings: frm.doc.settings };
	const fields = tax
		? [{ fieldname: "qbo_tax_code", fieldtype: "Link", options: "QuickBooks Tax Code", label: __("QuickBooks Tax Code"), reqd: 1, get_query: () => ({ filters }) }]
		: [
				{ fieldname: "purpose", fieldtype: "Select", label: __("Purpose"), reqd: 1, options: ["Income", "Expense", "Receivable", "Payable", "Bank and Cash", "Tax", "Discount", "Rounding", "Write Off", "Stock", "Other"] },
				{ fieldname: "qbo_account", fieldtype: "Link", options: "QuickBooks Account", label: __("QuickBooks Account"), reqd: 1, get_query: () => ({ filters }) },
		  ];
	const dialog = new frappe.ui.Dialog({
		title: __("Map {0} and retry", [frappe.utils.escape_html(account)]),
		fields,
		primary_action_label: __("Map and Retry"),
		primary_action(values) {
			frappe
				.xcall("quickbooks_connector.quickbooks_connector.push.map_and_retry", {
					sync_log: frm.doc.name,
					erpnext_account: account,
					...values,
				})
				.then(() => {
					dialog.hide();
					frappe.show_alert({ message: __("Mapped; queued for QuickBooks"), indicator: "blue" });
					frm.reload_doc();
				});
		},
	});
	dialog.show();
}
