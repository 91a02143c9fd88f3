// Copyright (c) 2026, quickbooks_connector contributors and contributors
// For license information, please see license.txt

const QBO_METHOD = "quickbooks_connector.quickbooks_connector";
const QBO_STATUS_COLORS = {
	Connected: "green",
	Expired: "orange",
	Disconnected: "red",
	"Not Configured": "gray",
};

frappe.ui.form.on("QuickBooks Settings", {
	setup(frm) {
		const own_records = (extra) => () => ({
			filters: { settings: frm.doc.name, active: 1, deleted_in_quickbooks: 0, ...extra },
		});
		frm.set_query("qbo_account", "account_mappings", own_records());
		frm.set_query("qbo_tax_code", "tax_mappings", own_records());
		frm.set_query("exempt_tax_code", own_records());
		frm.set_query("qbo_class", "class_mappings", own_records());
		frm.set_query("qbo_department", "department_mappings", own_records());
		frm.set_query("cost_center", "class_mappings", () => ({
			filters: { company: frm.doc.company, is_group: 0 },
		}));
		frm.set_query("department_dimension", () => ({
			filters: { name: ["in", frm.__qbo_dimension_choices || []] },
		}));
		frm.set_query("erpnext_account", "account_mappings", () => ({
			filters: { company: frm.doc.company, is_group: 0 },
		}));
		frm.set_query("erpnext_tax_account", "tax_mappings", () => ({
			filters: { company: frm.doc.company, is_group: 0, account_type: "Tax" },
		}));
		frm.set_query("item_tax_template", "tax_mappings", () => ({
			filters: { company: frm.doc.company },
		}));

		frappe.realtime.on("quickbooks_reference_data_fetched", (data) => {
			if (data.settings !== frm.doc.name) return;
			frappe.hide_progress();
			if (data.ok) {
				quickbooks_settings.suggest_mappings(frm, { quiet_when_none: true });
			} else {
				frm.reload_doc();
			}
		});
	},

	onload(frm) {
		const notice = frm.doc.__onload && frm.doc.__onload.connection_notice;
		if (notice) {
			frappe.msgprint({
				title: __("QuickBooks"),
				// The notice may quote QuickBooks (an error text): never render it as HTML.
				message: frappe.utils.escape_html(notice.message),
				indicator: notice.indicator,
			});
		}
	},

	refresh(frm) {
		quickbooks_settings.load_dimension_choices(frm);
		quickbooks_settings.show_status(frm);
		quickbooks_settings.render_tax_mapping_status(frm);
		if (frm.is_new()) return;
		quickbooks_settings.add_buttons(frm);
	},

	environment(frm) {
		if (frm.doc.environment !== "Emulator") frm.set_value("emulator_url", "");
	},
});

const quickbooks_settings = {
	show_status(frm) {
		const status = frm.doc.connection_status || "Not Configured";
		frm.page.set_indicator(__(status), QBO_STATUS_COLORS[status] || "gray");
		frm.dashboard.clear_headline();
		if (frm.doc.connection_message && (status !== "Connected" || this.reconnect_due(frm))) {
			frm.dashboard.set_headline_alert(
				frappe.utils.escape_html(frm.doc.connection_message),
				status === "Disconnected" ? "red" : "orange"
			);
		}
		const stale = (frm.doc.__onload && frm.doc.__onload.stale_mappings) || [];
		if (stale.length) {
			const rows = stale.map((row) => row.idx).join(", ");
			frm.dashboard.add_comment(
				__(
					"Account Mapping rows {0} point at QuickBooks accounts that are inactive or deleted in QuickBooks. Choose active accounts.",
					[rows]
				),
				"orange",
				true
			);
		}
	},

	reconnect_due(frm) {
		// Intuit ends the authorisation at the earlier of the rolling and the 5-year expiry.
		const ends = [frm.doc.refresh_token_expires_at, frm.doc.refresh_token_hard_expires_at]
			.filter(Boolean)
			.map((value) => frappe.datetime.str_to_obj(value));
		if (!ends.length) return false;
		const warn_from = frappe.datetime.str_to_obj(frappe.datetime.add_days(frappe.datetime.now_datetime(), 14));
		return Math.min(...ends) < warn_from;
	},

	add_buttons(frm) {
		const status = frm.doc.connection_status;
		const connected = status === "Connected";
		const group = __("QuickBooks");

		if (connected) {
			frm.add_custom_button(__("Test Connection"), () => this.test_connection(frm), group);
			frm.add_custom_button(__("Fetch QuickBooks Data"), () => this.fetch_data(frm), group);
			frm.add_custom_button(__("Suggest Mappings"), () => this.suggest_mappings(frm), group);
			if (frappe.user.has_role(["Accounts Manager", "System Manager"])) {
				const dimensions = __("Dimensions");
				frm.add_custom_button(
					__("Suggest Dimension Mappings"),
					() => this.suggest_dimensions(frm),
					dimensions
				);
				frm.add_custom_button(
					__("Create Missing in QuickBooks"),
					() => this.create_missing_dimensions(frm),
					dimensions
				);
			}
			frm.add_custom_button(__("Reconnect"), () => this.connect(frm), group);
			frm.add_custom_button(__("Disconnect"), () => this.disconnect(frm), group);
		} else if (status === "Expired" || status === "Disconnected") {
			frm.add_custom_button(__("Reconnect"), () => this.connect(frm)).addClass("btn-primary");
			if (status === "Expired") {
				frm.add_custom_button(__("Disconnect"), () => this.disconnect(frm), group);
			}
		} else {
			frm.add_custom_button(__("Connect to QuickBooks"), () => this.connect(frm)).addClass(
				"btn-primary"
			);
		}
	},

	async connect(frm) {
		if (frm.is_dirty()) await frm.save();
		const r = await frappe.call({
			method: `${QBO_METHOD}.connection.connect`,
			args: { settings: frm.doc.name },
			freeze: true,
			freeze_message: __("Opening QuickBooks..."),
		});
		if (r.message) window.location.assign(r.message);
	},

	disconnect(frm) {
		frappe.confirm(
			__(
				"Disconnect {0} from QuickBooks? The app's access is revoked at Intuit. Mappings are kept, so you can reconnect later.",
				[frappe.utils.escape_html(frm.doc.company).bold()]
			),
			async () => {
				const r = await frappe.call({
					method: `${QBO_METHOD}.connection.disconnect`,
					args: { settings: frm.doc.name },
					freeze: true,
				});
				frappe.show_alert({ message: frappe.utils.escape_html(r.message), indicator: "orange" }, 7);
				frm.reload_doc();
			}
		);
	},

	async test_connection(frm) {
		const r = await frappe.call({
			method: `${QBO_METHOD}.connection.test_connection`,
			args: { settings: frm.doc.name },
			freeze: true,
			freeze_message: __("Calling QuickBooks..."),
		});
		const info = r.message;
		frappe.msgprint({
			title: __("Connection works"),
			indicator: "green",
			message: __(
				"Connected to QuickBooks company {0} ({1}, {2}). The access token is valid until {3}; reconnect by {4} at the latest.",
				[
					frappe.utils.escape_html(info.company_name).bold(),
					frappe.utils.escape_html(info.country),
					frappe.utils.escape_html(info.home_currency),
					frappe.datetime.str_to_user(info.access_token_expires_at),
					frappe.datetime.str_to_user(info.reconnect_by),
				]
			),
		});
		frm.reload_doc();
	},

	async fetch_data(frm) {
		const r = await frappe.call({
			method: `${QBO_METHOD}.reference_data.fetch_quickbooks_data`,
			args: { settings: frm.doc.name },
		});
		frappe.show_alert({ message: frappe.utils.escape_html(r.message.message), indicator: "blue" }, 5);
	},

	async suggest_mappings(frm, { quiet_when_none = false } = {}) {
		if (frm.is_dirty()) await frm.save();
		const r = await frappe.call({
			method: `${QBO_METHOD}.mappings.suggest_mappings`,
			args: { settings: frm.doc.name },
			freeze: true,
		});
		await frm.reload_doc();
		const { added, unmatched } = r.message;
		if (!added.length && quiet_when_none) return;
		const list = (rows, show_qbo) =>
			"<ul>" +
			rows
				.map(
					(row) =>
						`<li>${__(row.purpose)}: ${frappe.utils.escape_html(row.erpnext_account)}` +
						(show_qbo ? ` → ${frappe.utils.escape_html(row.qbo_account)}` : "") +
						"</li>"
				)
				.join("") +
			"</ul>";
		let message = added.length
			? __("Added {0} mapping rows; please review them:", [added.length]) + list(added, true)
			: __("No new mappings to suggest.");
		if (unmatched.length) {
			message +=
				__("No QuickBooks account matched these accounts; map them yourself if documents use them:") +
				list(unmatched, false);
		}
		frappe.msgprint({ title: __("Suggested Mappings"), message, wide: true });
	},

	async load_dimension_choices(frm) {
		if (frm.__qbo_dimension_choices) return;
		const r = await frappe.call({ method: `${QBO_METHOD}.dimensions.dimension_choices` });
		frm.__qbo_dimension_choices = r.message || [];
	},

	async suggest_dimensions(frm) {
		if (frm.is_dirty()) await frm.save();
		const r = await frappe.call({
			method: `${QBO_METHOD}.dimensions.suggest_dimension_mappings`,
			args: { settings: frm.doc.name },
			freeze: true,
		});
		await frm.reload_doc();
		const { added, missing } = r.message;
		const esc = frappe.utils.escape_html;
		const list = (rows) => "<ul>" + rows.join("") + "</ul>";
		const added_rows = [...added.Class, ...added.Department].map(
			(row) => `<li>${esc(row.source)} → ${esc(row.qbo)}</li>`
		);
		const missing_rows = [...missing.Class, ...missing.Department].map(
			([source, name]) => `<li>${esc(source)} (${esc(name)})</li>`
		);
		let message = added_rows.length
			? __("Added {0} rows; please review them:", [added_rows.length]) + list(added_rows)
			: __("No new dimension mappings to suggest.");
		if (missing_rows.length) {
			message +=
				__("Nothing in QuickBooks matched these; Create Missing in QuickBooks makes them there:") +
				list(missing_rows);
		}
		frappe.msgprint({ title: __("Suggested Dimension Mappings"), message, wide: true });
	},

	async create_missing_dimensions(frm) {
		if (frm.is_dirty()) await frm.save();
		const confirmed = await new Promise((resolve) =>
			frappe.confirm(
				__(
					"Create a QuickBooks Class for each unmapped cost center, and a QuickBooks Location for each unmapped dimension value, that matches none by name?"
				),
				() => resolve(true),
				() => resolve(false)
			)
		);
		if (!confirmed) return;
		const r = await frappe.call({
			method: `${QBO_METHOD}.dimensions.create_missing_in_quickbooks`,
			args: { settings: frm.doc.name },
			freeze: true,
		});
		await frm.reload_doc();
		const created = [...r.message.created.Class, ...r.message.created.Department];
		frappe.msgprint({
			title: __("Created in QuickBooks"),
			message: created.length
				? "<ul>" + created.map((name) => `<li>${frappe.utils.escape_html(name)}</li>`).join("") + "</ul>"
				: __("Nothing to create: every cost center and value is mapped."),
		});
	},

	render_tax_mapping_status(frm) {
		const field = frm.get_field("tax_mapping_status");
		const status = frm.doc.__onload && frm.doc.__onload.tax_mapping_status;
		if (!field || !status) return;
		let html;
		if (!status.connected) {
			html = `<p class="text-muted">${__(
				"Connect to QuickBooks to see which tax mappings are needed."
			)}</p>`;
		} else if (status.is_us) {
			html = `<div class="alert alert-info">${__(
				"This QuickBooks company is in the US, where QuickBooks computes sales tax itself. Sales documents are sent with each line marked TAX or NON and the invoice's tax total, so QuickBooks' totals match ERPNext. Purchase tax is posted as expense lines to the QuickBooks account mapped to the ERPNext tax account. Tax code mappings are optional here: a mapped code is sent as the invoice's tax code."
			)}</div>`;
		} else {
			const missing = [
				...status.missing_accounts.map((a) => __("Tax account {0}", [frappe.utils.escape_html(a)])),
				...status.missing_templates.map((t) =>
					__("Item Tax Template {0}", [frappe.utils.escape_html(t)])
				),
			];
			if (status.missing_exempt_code) missing.push(__("Tax Code for Untaxed Lines"));
			html = missing.length
				? `<div class="alert alert-warning">${__(
						"QuickBooks ({0}) needs a tax code on every line. These are used by submitted invoices but not mapped yet; pushes cannot be enabled until they are:",
						[frappe.utils.escape_html(status.country)]
				  )}<ul>${missing.map((m) => `<li>${m}</li>`).join("")}</ul></div>`
				: `<div class="alert alert-success">${__(
						"Every tax account and Item Tax Template used by submitted invoices is mapped."
				  )}</div>`;
		}
		field.$wrapper.html(html);
	},
};
