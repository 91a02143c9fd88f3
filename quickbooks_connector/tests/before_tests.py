"""The bench tier's `before_tests` hook: what a fresh site needs before this app's tests run.

`bench run-tests --app quickbooks_connector` runs only this app's `before_tests` hooks, not ERPNext's, so on a
site where ERPNext's setup wizard never ran, ERPNext's test records (e.g. _Test Company, which needs the
"Transit" warehouse type the wizard creates) could not be made. This hook runs the wizard if it has not run
(with the answers ERPNext's own `before_tests` gives: a US company, USD, the calendar year as fiscal year, the
standard chart of accounts), then ERPNext's own test preparation. On a site already set up it changes only
what ERPNext's preparation resets.

The tests talk to the bundled QuickBooks emulator, which only development sites allow: unless the site is in
developer mode or already allows it, the hook sets `quickbooks_allow_emulator: 1` in the site config (and says
so). It has to be the file: Frappe's test cases reload the site config after every test class.
"""

import frappe
from frappe.desk.page.setup_wizard.setup_wizard import setup_complete
from frappe.installer import update_site_config
from frappe.utils import now_datetime

from erpnext.setup.utils import before_tests as erpnext_before_tests

from quickbooks_connector.quickbooks_connector.safety import EMULATOR_CONFIG_KEY, emulator_allowed


def setup_wizard_answers() -> dict:
	year = now_datetime().year
	return {
		"currency": "USD",
		"full_name": "Test User",
		"company_name": "Wind Power LLC",
		"timezone": "America/New_York",
		"company_abbr": "WP",
		"industry": "Manufacturing",
		"country": "United States",
		"fy_start_date": f"{year}-01-01",
		"fy_end_date": f"{year}-12-31",
		"language": "english",
		"company_tagline": "Testing",
		"email": "test@erpnext.com",
		"password": "test",
		"chart_of_accounts": "Standard",
	}


def before_tests() -> None:
	frappe.clear_cache()
	# A no-op once the wizard has run. Unlike ERPNext's hook, this does not take "a company exists" for "set up":
	# a site where tests created companies before the wizard ran is set up too.
	result = setup_complete(setup_wizard_answers()) or {}
	if result.get("status") not in (None, "ok"):
		frappe.throw(f"ERPNext's setup wizard did not complete on this site: {result}")
	erpnext_before_tests()  # admin roles, selling defaults, no Item Prices: what ERPNext's test records expect
	if not emulator_allowed():
		print(
			f"Setting {EMULATOR_CONFIG_KEY}: 1 in the site config: the tests use the bundled QuickBooks emulator"
		)
		update_site_config(EMULATOR_CONFIG_KEY, 1)
		frappe.local.conf[EMULATOR_CONFIG_KEY] = 1
	frappe.db.commit()  # nosemgrep: the site's setup must outlive the tests' rollbacks
