from quickbooks_connector import constants as _names
from quickbooks_connector.mapping.registry import PUSHED_DOCTYPES as _PUSHED_DOCTYPES
from quickbooks_connector.mapping.stock import VOUCHER_DOCTYPES as _STOCK_VOUCHER_DOCTYPES

app_name = "quickbooks_connector"
app_title = "QuickBooks Connector"
app_publisher = "quickbooks_connector contributors"
app_description = "Keep QuickBooks Online books in step with ERPNext"
app_email = "maintainers@quickbooks-connector.invalid"
app_license = "mit"

required_apps = ["erpnext"]

export_python_type_annotations = True

after_install = "quickbooks_connector.install.after_install"
before_uninstall = "quickbooks_connector.install.before_uninstall"

# `bench run-tests --app quickbooks_connector` runs only this app's hook: it sets up a fresh site (ERPNext's
# setup wizard) before the bench-tier tests.
before_tests = "quickbooks_connector.tests.before_tests.before_tests"

# The QuickBooks workspace's per-company connection block: a Custom HTML Block belongs to no module, so it
# ships as a fixture (the workspace and its number cards are module files).
fixtures = [{"dt": "Custom HTML Block", "filters": [["name", "in", [_names.CONNECTIONS_BLOCK]]]}]

# Hooks only decide and enqueue: QuickBooks is never called inside a submit or cancel.
_PUSHED_DOCTYPE_EVENTS = {
	"before_submit": "quickbooks_connector.quickbooks_connector.validation.check_before_submit",
	"on_submit": "quickbooks_connector.quickbooks_connector.push.on_submit",
	"on_cancel": "quickbooks_connector.quickbooks_connector.push.on_cancel",
}
doc_events = {doctype: _PUSHED_DOCTYPE_EVENTS for doctype in _PUSHED_DOCTYPES}
# Stock postings also update a day's stock summary, or the journals a landed cost or a repost changes (stock_sync)
_STOCK_POSTING = "quickbooks_connector.quickbooks_connector.stock_sync.on_stock_posting"
for _doctype in (*_STOCK_VOUCHER_DOCTYPES, "Sales Invoice"):
	doc_events[_doctype] = {
		**doc_events[_doctype],
		**{event: [doc_events[_doctype][event], _STOCK_POSTING] for event in ("on_submit", "on_cancel")},
	}
doc_events["Repost Item Valuation"] = {
	"on_change": "quickbooks_connector.quickbooks_connector.stock_sync.on_repost"
}

doctype_js = {
	_names.SETTINGS: ["public/js/quickbooks_settings_import.js", "public/js/quickbooks_backfill.js"],
	**{doctype: "public/js/quickbooks_sync.js" for doctype in _PUSHED_DOCTYPES},
}
boot_session = "quickbooks_connector.quickbooks_connector.boot.boot_session"

# Cron entries only decide and enqueue onto the long queue; the work never runs on the 300 s default queue.
scheduler_events = {
	"cron": {
		"*/5 * * * *": [
			"quickbooks_connector.quickbooks_connector.push.retry_due",
			"quickbooks_connector.quickbooks_connector.party_import.import_due",
			"quickbooks_connector.quickbooks_connector.webhooks.catch_up_due",
		],
	},
	"hourly_long": [
		"quickbooks_connector.quickbooks_connector.token_refresh.refresh_tokens",
		"quickbooks_connector.quickbooks_connector.stock_sync.close_stock_days",
	],
	"daily_long": [
		"quickbooks_connector.quickbooks_connector.reconciliation.daily_check",
	],
}

default_log_clearing_doctypes = {
	_names.IMPORT_RUN: 90,
}
