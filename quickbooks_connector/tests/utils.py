"""Bench-tier test helpers: an in-process QuickBooks emulator on the loopback and a connected company.

Only for FrappeTestCase modules run by `bench run-tests`; the pytest tier has its own fixtures (tests/conftest.py).
"""

import atexit
import time
import unittest
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import frappe

from quickbooks_connector.constants import (
	CLIENT_ID,
	CLIENT_SECRET,
	COMPANY,
	DISCONNECTED,
	EMULATOR,
	EMULATOR_URL,
	ENABLED,
	ENVIRONMENT,
	IMPORT_RUN,
	LAST_IMPORT_RUN,
	SETTINGS,
)
from quickbooks_connector.emulator import (
	DEFAULT_CLIENT_ID,
	DEFAULT_CLIENT_SECRET,
	EmulatorAdmin,
	EmulatorServer,
)
from quickbooks_connector.qbo import Tokens
from quickbooks_connector.quickbooks_connector.company_details import update_company_details
from quickbooks_connector.quickbooks_connector.reference_data import delete_reference_data
from quickbooks_connector.quickbooks_connector.settings import get_settings
from quickbooks_connector.quickbooks_connector.tokens import clear_tokens, store_tokens

if TYPE_CHECKING:
	from quickbooks_connector.quickbooks_connector.doctype.quickbooks_settings.quickbooks_settings import (
		QuickBooksSettings,
	)

TEST_COMPANY = "QBC Test Co"
TEST_COMPANY_ABBR = "QTC"

_emulator: EmulatorServer | None = None
# Companies connected by make_connected_settings and not yet disconnected (see _disconnect_after_module).
_connected: set[str] = set()


def start_emulator() -> EmulatorServer:
	"""The emulator of this test process: started once on 127.0.0.1 (a free port), stopped at exit."""
	global _emulator
	if _emulator is None:
		_emulator = EmulatorServer(host="127.0.0.1", port=0).start()
		atexit.register(_emulator.stop)
	return _emulator


def emulator_admin() -> EmulatorAdmin:
	return EmulatorAdmin(start_emulator().base_url)


def get_test_company(company: str = TEST_COMPANY, abbr: str = TEST_COMPANY_ABBR) -> str:
	"""A USD company in the United States with ERPNext's standard chart of accounts (created if missing).
	Tests that must not share state with other modules' tests pass their own company name and abbreviation."""
	if not frappe.db.exists("Company", company):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": company,
				"abbr": abbr,
				"default_currency": "USD",
				"country": "United States",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	return company


def make_connected_settings(
	company: str, *, realm: dict[str, Any] | None = None, **settings_fields: Any
) -> "QuickBooksSettings":
	"""The company's QuickBooks Settings, connected to a brand-new emulated QuickBooks company.

	`realm` holds options for the emulated company (country, home_currency, multicurrency, company_name...);
	by default a multicurrency US company in the ERPNext company's currency. `settings_fields` are set on the
	settings (enabled is applied after connecting, since enabling needs a connection). Existing settings of the
	company are reused: their mappings and fetched QuickBooks data are cleared. Commits, like every token write.
	"""
	server = start_emulator()
	admin = EmulatorAdmin(server.base_url)
	_disconnect_after_module(company)
	currency = frappe.get_cached_value("Company", company, "default_currency")
	realm_id = admin.create_realm(
		**{
			"multicurrency": True,
			"home_currency": currency,
			"company_name": f"{company} (QBO)",
			**(realm or {}),
		}
	)
	enabled = settings_fields.pop(ENABLED, None)

	doc = get_settings(company) or frappe.new_doc(SETTINGS, company=company)
	if not doc.is_new():
		_drop_dangling_import_run(doc)
		doc.account_mappings = []
		doc.tax_mappings = []
		doc.class_mappings = []
		doc.department_mappings = []
		doc.exempt_tax_code = None
		doc.enabled = 0
		delete_reference_data(doc.name)
	doc.update(
		{
			ENVIRONMENT: EMULATOR,
			EMULATOR_URL: server.base_url,
			CLIENT_ID: DEFAULT_CLIENT_ID,
			CLIENT_SECRET: DEFAULT_CLIENT_SECRET,
			**settings_fields,
		}
	)
	doc.save(ignore_permissions=True)

	tokens = Tokens.from_token_response(admin.issue_tokens(realm_id), realm_id, time.time())
	store_tokens(doc.name, tokens)
	doc.reload()
	update_company_details(doc)
	if enabled is not None:
		doc.reload()
		doc.enabled = enabled
		doc.save(ignore_permissions=True)
	frappe.db.commit()  # nosemgrep: tokens are committed already; keep the settings consistent with them
	doc.reload()
	return doc


def _disconnect_after_module(company: str) -> None:
	"""Whatever the test module does or forgets, its connections end with it: the emulator dies with this
	process, and a connection left pointing at it would be tried by the hourly token refresh (and look live)."""
	if not _connected:
		unittest.addModuleCleanup(_disconnect_connected)
	_connected.add(company)


def _disconnect_connected() -> None:
	companies = sorted(_connected)
	_connected.clear()
	disconnect_companies(companies)


def _drop_dangling_import_run(doc: "QuickBooksSettings") -> None:
	"""An import run rolled back by another test (or pruned) would fail the save's link check."""
	if doc.last_import_run and not frappe.db.exists(IMPORT_RUN, doc.last_import_run):
		frappe.db.set_value(SETTINGS, doc.name, LAST_IMPORT_RUN, None, update_modified=False)
		doc.last_import_run = None


def make_user(email: str, roles: Iterable[str]) -> str:
	"""A System User with exactly these roles (created or reset)."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.roles = []
	for role in roles:
		user.append("roles", {"role": role})
	user.save(ignore_permissions=True)
	return email


def disconnect_companies(companies: Iterable[str]) -> None:
	"""Leave no connection behind pointing at this test process's emulator (the hourly refresh job would try it)."""
	for name in frappe.get_all(SETTINGS, filters={COMPANY: ("in", list(companies))}, pluck="name"):
		clear_tokens(name, DISCONNECTED, "")
	frappe.db.commit()  # nosemgrep: clear_tokens' effect must outlive the test transaction
