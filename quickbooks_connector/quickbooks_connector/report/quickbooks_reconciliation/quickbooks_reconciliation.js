// QuickBooks Reconciliation: QuickBooks' side is fetched in the background; the report refreshes itself when the
// job reports progress or completion for the filters on screen.

frappe.query_reports["QuickBooks Reconciliation"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
			reqd: 1,
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.month_start(),
			reqd: 1,
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.month_end(),
			reqd: 1,
		},
		{
			fieldname: "accounting_method",
			label: __("Accounting Method"),
			fieldtype: "Select",
			options: "Accrual\nCash",
			default: "Accrual",
		},
		{
			fieldname: "account",
			label: __("Account"),
			fieldtype: "Link",
			options: "Account",
			get_query: () => ({
				filters: { company: frappe.query_report.get_filter_value("company"), is_group: 0 },
			}),
		},
		{
			fieldname: "only_differences",
			label: __("Only Differences"),
			fieldtype: "Check",
			default: 0,
		},
	],

	onload(report) {
		report.page.add_inner_button(__("Refresh from QuickBooks"), () => {
			const filters = report.get_values();
			if (!filters) return;
			frappe.call({
				method: "quickbooks_connector.quickbooks_connector.report.quickbooks_reconciliation.quickbooks_reconciliation.refresh",
				args: {
					company: filters.company,
					from_date: filters.from_date,
					to_date: filters.to_date,
					accounting_method: filters.accounting_method || "Accrual",
				},
				callback: () => report.refresh(),
			});
		});
		frappe.realtime.on("quickbooks_reconciliation_progress", (data) => {
			if (frappe.get_route_str() !== "query-report/QuickBooks Reconciliation") return;
			if (data.progress >= 100) {
				report.refresh();
			} else {
				report.page.set_indicator(__("Fetching QuickBooks {0}%", [data.progress]), "orange");
			}
		});
	},

	formatter(value, row, column, data, default_formatter) {
		if (column.fieldname === "explanation") {
			return value || ""; // built on the server: remote text escaped there, links added there
		}
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "difference" && data && data.difference) {
			value = `<span style="color: var(--red-600)">${value}</span>`;
		}
		return value;
	},
};
