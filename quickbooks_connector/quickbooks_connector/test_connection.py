"""The QuickBooks connection on a real site: the OAuth round trip through the emulator's consent page, token
refresh with rotation, expiry handling and disconnecting.

Run: bench --site SITE run-tests --module quickbooks_connector.quickbooks_connector.test_connection
"""

import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import requests

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_datetime, now_datetime
from frappe.utils.password import get_decrypted_password

from quickbooks_connector.constants import ACCOUNT, CONNECTED, DISCONNECTED, EXPIRED, SETTINGS, SYNC_LOG
from quickbooks_connector.qbo import errors
from quickbooks_connector.quickbooks_connector import connection, token_refresh
from quickbooks_connector.quickbooks_connector.port import log_name
from quickbooks_connector.quickbooks_connector.settings import (
	QuickBooksNotConnectedError,
	callback_url,
	get_client,
	oauth_for,
)
from quickbooks_connector.quickbooks_connector.tokens import FrappeTokenStore
from quickbooks_connector.tests.utils import (
	disconnect_companies,
	emulator_admin,
	get_test_company,
	make_connected_settings,
	make_user,
)

# Companies of their own, so tests of other modules running on the same site cannot interfere.
COMPANY, ABBR = "QBC Connection Co", "QCN"
SECOND_COMPANY = "QBC Second Co"
OWN_COMPANIES = (COMPANY, SECOND_COMPANY)
MANAGER = "qbc-accounts-manager@example.com"


def make_second_company() -> str:
	if not frappe.db.exists("Company", SECOND_COMPANY):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": SECOND_COMPANY,
				"abbr": "QSC",
				"default_currency": "USD",
				"country": "United States",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	return SECOND_COMPANY


class ConnectionTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.company = get_test_company(COMPANY, ABBR)
		cls.admin = emulator_admin()
		make_user(MANAGER, ["Accounts Manager"])
		frappe.db.commit()  # nosemgrep: connection code commits; the fixtures must exist outside the test transaction

	@classmethod
	def tearDownClass(cls) -> None:
		disconnect_companies(OWN_COMPANIES)
		super().tearDownClass()

	def setUp(self) -> None:
		frappe.set_user("Administrator")
		self.settings = make_connected_settings(self.company)

	def tearDown(self) -> None:
		frappe.set_user("Administrator")
		self.admin.clear_faults()
		self.admin.reset_config()

	def consent(self, settings: str, realm_id: str | None = None) -> dict[str, str]:
		"""Click Connect, let the emulator's consent page answer, and return the callback's query."""
		url = connection.connect(settings)
		if realm_id:  # the emulator's way to choose the company being consented to
			parts = urlsplit(url)
			query = {
				**{key: values[0] for key, values in parse_qs(parts.query).items()},
				"realm_id": realm_id,
			}
			url = urlunsplit(parts._replace(query=urlencode(query)))
		response = requests.get(url, allow_redirects=False, timeout=10)
		self.assertEqual(response.status_code, 302)
		location = response.headers["Location"]
		self.assertTrue(location.startswith(callback_url()))
		return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}

	def run_callback(self, **query: str) -> dict:
		"""Call the OAuth callback like the browser would; returns the redirect and the notice for the user."""
		frappe.local.response = frappe._dict()
		connection.callback(**query)
		return {
			"type": frappe.local.response.get("type"),
			"location": frappe.local.response.get("location"),
			"notice": connection.pop_notice(),
		}

	def stored(self, fieldname: str):
		return frappe.db.get_value(SETTINGS, self.settings.name, fieldname)


class TestOAuthRoundTrip(ConnectionTestCase):
	def test_connect_and_callback_connect_the_company_and_read_its_details(self):
		connection.disconnect(self.settings.name)
		realm_id = self.admin.create_realm(
			company_name="Round Trip Books", home_currency="USD", multicurrency=True
		)

		query = self.consent(self.settings.name, realm_id)
		result = self.run_callback(**query)

		self.assertEqual(result["type"], "redirect")
		self.assertTrue(result["location"].endswith("/app/quickbooks-settings/QBC%20Connection%20Co"))
		self.assertEqual(result["notice"]["indicator"], "green")
		self.assertIn("Round Trip Books", result["notice"]["message"])
		settings = frappe.get_doc(SETTINGS, self.settings.name)
		self.assertEqual(settings.connection_status, CONNECTED)
		self.assertEqual(settings.realm_id, realm_id)
		self.assertEqual(settings.qbo_company_name, "Round Trip Books")
		self.assertEqual(settings.qbo_country, "US")
		self.assertEqual(settings.qbo_home_currency, "USD")
		self.assertEqual(settings.qbo_multicurrency, 1)
		self.assertEqual(settings.qbo_custom_txn_numbers, 1)
		self.assertGreater(get_datetime(settings.access_token_expires_at), now_datetime())
		self.assertEqual(get_client(settings).company_info()["CompanyName"], "Round Trip Books")

	def test_a_state_is_single_use(self):
		query = self.consent(self.settings.name)
		self.run_callback(**query)
		realm_after_first = self.stored("realm_id")

		replay = self.run_callback(**query)

		self.assertIn("expired or was already used", replay["notice"]["message"])
		self.assertTrue(replay["location"].endswith("/app/quickbooks-settings"))
		self.assertEqual(self.stored("realm_id"), realm_after_first)

	def test_an_unknown_state_is_refused(self):
		query = self.consent(self.settings.name, self.admin.create_realm())

		result = self.run_callback(**{**query, "state": "forged"})

		self.assertIn("expired or was already used", result["notice"]["message"])
		self.assertNotEqual(self.stored("realm_id"), query["realmId"])

	def test_a_callback_for_another_users_connect_is_refused(self):
		query = self.consent(self.settings.name, self.admin.create_realm())  # started by Administrator
		frappe.set_user(MANAGER)

		result = self.run_callback(**query)

		self.assertIn("started by another user", result["notice"]["message"])
		self.assertNotEqual(self.stored("realm_id"), query["realmId"])

	def test_declining_consent_changes_nothing(self):
		query = self.consent(self.settings.name)

		result = self.run_callback(state=query["state"], error="access_denied")

		self.assertIn("declined", result["notice"]["message"])
		self.assertEqual(result["notice"]["indicator"], "red")
		self.assertEqual(self.stored("connection_status"), CONNECTED)
		self.assertEqual(self.stored("realm_id"), self.settings.realm_id)

	def test_a_used_authorization_code_is_reported(self):
		first = self.consent(self.settings.name)
		self.run_callback(**first)
		second = self.consent(self.settings.name, first["realmId"])

		result = self.run_callback(**{**second, "code": first["code"]})

		self.assertIn("Could not connect to QuickBooks", result["notice"]["message"])
		self.assertIn("invalid_grant", result["notice"]["message"])

	def test_a_quickbooks_company_connected_to_another_company_is_refused(self):
		other = make_connected_settings(make_second_company())
		query = self.consent(self.settings.name, other.realm_id)

		result = self.run_callback(**query)

		self.assertIn("already connected to ERPNext company", result["notice"]["message"])
		self.assertIn(SECOND_COMPANY, result["notice"]["message"])
		self.assertEqual(self.stored("realm_id"), self.settings.realm_id)
		connection.disconnect(other.name)

	def test_disconnect_revokes_and_keeps_mappings_and_reconnect_keeps_them_too(self):
		add_mapping(self.settings)
		old_refresh_token = FrappeTokenStore(self.settings.name).load().refresh_token

		connection.disconnect(self.settings.name)

		self.assertEqual(self.stored("connection_status"), DISCONNECTED)
		self.assertIsNone(FrappeTokenStore(self.settings.name).load())
		self.assertIsNone(
			get_decrypted_password(SETTINGS, self.settings.name, "refresh_token", raise_exception=False)
		)
		with self.assertRaises(errors.AuthenticationError):  # revoked at "Intuit"
			oauth_for(self.settings).refresh(old_refresh_token)
		self.assertEqual(len(frappe.get_doc(SETTINGS, self.settings.name).account_mappings), 1)
		with self.assertRaises(QuickBooksNotConnectedError):
			get_client(self.settings.name)

		result = self.run_callback(**self.consent(self.settings.name))  # Reconnect, as the user clicks it

		self.assertEqual(result["notice"]["indicator"], "green")
		self.assertEqual(self.stored("realm_id"), self.settings.realm_id)
		settings = frappe.get_doc(SETTINGS, self.settings.name)
		self.assertEqual(settings.connection_status, CONNECTED)
		self.assertEqual([row.erpnext_account for row in settings.account_mappings], [f"Sales - {ABBR}"])

	def test_reconnecting_to_another_quickbooks_company_is_refused_while_mappings_point_at_the_old_one(self):
		add_mapping(self.settings)
		new_realm = self.admin.create_realm()

		result = self.run_callback(**self.consent(self.settings.name, new_realm))

		self.assertIn("mappings point at its accounts", result["notice"]["message"])
		self.assertEqual(self.stored("realm_id"), self.settings.realm_id)

	def test_reconnecting_to_another_quickbooks_company_is_refused_once_documents_were_sent_to_the_old_one(
		self,
	):
		log = frappe.get_doc(
			{
				"doctype": SYNC_LOG,
				"reference_doctype": "Sales Invoice",
				"reference_name": "ACC-SINV-SENT-BEFORE",
				"settings": self.settings.name,
				"company": self.settings.company,
				"status": "Synced",
				"qbo_id": "1",
			}
		)
		log.name = log_name(log.reference_doctype, log.reference_name)
		log.db_insert()
		new_realm = self.admin.create_realm()

		result = self.run_callback(**self.consent(self.settings.name, new_realm))

		self.assertIn("1 ERPNext documents were sent", result["notice"]["message"])
		self.assertEqual(self.stored("realm_id"), self.settings.realm_id)

	def test_test_connection_reports_the_company_and_token_expiry(self):
		info = connection.test_connection(self.settings.name)

		self.assertEqual(info["company_name"], f"{self.company} (QBO)")
		self.assertGreater(info["access_token_expires_at"], now_datetime())


class TestTokenRefresh(ConnectionTestCase):
	def test_refresh_rotates_and_persists_the_new_refresh_token(self):
		self.admin.configure(self.settings.realm_id, refresh_rotation_seconds=0)  # rotate on every refresh
		store = FrappeTokenStore(self.settings.name)
		before = store.load()
		time.sleep(1)  # stored expiries have a resolution Frappe keeps; make "later" observable

		token_refresh.refresh_tokens()

		after = store.load()
		self.assertNotEqual(after.refresh_token, before.refresh_token)
		self.assertNotEqual(after.access_token, before.access_token)
		self.assertGreater(after.access_expires_at, before.access_expires_at)
		self.assertGreater(after.refreshed_at, before.refreshed_at)
		self.assertTrue(self.stored("refresh_token_expires_at"))
		self.assertTrue(self.stored("refresh_token_hard_expires_at"))
		with self.assertRaises(errors.AuthenticationError) as caught:  # the old one is dead at "Intuit"
			oauth_for(self.settings).refresh(before.refresh_token)
		self.assertEqual(caught.exception.code, "invalid_grant")
		self.assertEqual(get_client(self.settings.name).company_info()["Id"], "1")

	def test_a_token_far_from_expiry_is_left_alone(self):
		store = FrappeTokenStore(self.settings.name)
		before = store.load()

		token_refresh.refresh_connection(self.settings.name, within_seconds=60)

		self.assertEqual(store.load().access_token, before.access_token)

	def test_concurrent_refreshers_wait_for_each_other_instead_of_reusing_a_rotated_token(self):
		self.admin.configure(self.settings.realm_id, refresh_rotation_seconds=0)
		# Slow token responses make the two refreshes overlap.
		self.admin.inject_fault(
			match={"path_regex": "/oauth2/v1/tokens/bearer"}, action="latency", latency_ms=700, times=0
		)
		frappe.db.commit()  # nosemgrep: the workers run in their own connections
		failures: list[BaseException] = []

		def worker() -> None:
			frappe.init(site=self.site, sites_path=self.sites_path)
			frappe.connect()
			try:
				token_refresh.refresh_connection(self.settings.name)
				frappe.db.commit()  # nosemgrep: as the scheduled job does after each connection
			except BaseException as exc:
				failures.append(exc)
			finally:
				frappe.destroy()

		self.site, self.sites_path = frappe.local.site, frappe.local.sites_path
		threads = [threading.Thread(target=worker) for _ in range(2)]
		for thread in threads:
			thread.start()
			time.sleep(0.2)
		for thread in threads:
			thread.join(timeout=60)

		self.assertEqual(failures, [])
		self.assertEqual(self.stored("connection_status"), CONNECTED)
		self.assertEqual(get_client(self.settings.name).company_info()["Id"], "1")

	def test_a_revoked_refresh_token_marks_the_connection_expired_and_tells_the_managers(self):
		tokens = FrappeTokenStore(self.settings.name).load()
		oauth_for(self.settings).revoke(tokens.refresh_token)  # e.g. removed in QuickBooks' app list
		frappe.db.delete("Notification Log", {"document_type": SETTINGS, "document_name": self.settings.name})

		token_refresh.refresh_tokens()

		self.assertEqual(self.stored("connection_status"), EXPIRED)
		self.assertIn("Reconnect", self.stored("connection_message"))
		notified = frappe.get_all(
			"Notification Log",
			filters={"document_type": SETTINGS, "document_name": self.settings.name},
			pluck="for_user",
		)
		self.assertIn(MANAGER, notified)
		with self.assertRaises(QuickBooksNotConnectedError) as caught:
			get_client(self.settings.name)
		self.assertIn("Reconnect", str(caught.exception))

	def test_managers_are_warned_two_weeks_before_the_authorisation_ends(self):
		self.admin.configure(self.settings.realm_id, refresh_token_ttl=10 * 86400)
		frappe.db.delete("Notification Log", {"document_type": SETTINGS, "document_name": self.settings.name})

		token_refresh.refresh_tokens()
		token_refresh.refresh_tokens()  # hourly: the warning is not repeated within a day

		reconnect_by = get_datetime(self.stored("refresh_token_expires_at"))
		self.assertLess(reconnect_by, add_days(now_datetime(), 14))
		self.assertIn("Click Reconnect before then", self.stored("connection_message"))
		notified = frappe.get_all(
			"Notification Log",
			filters={
				"document_type": SETTINGS,
				"document_name": self.settings.name,
				"for_user": MANAGER,
			},
			pluck="subject",
		)
		self.assertEqual(len(notified), 1)
		self.assertIn("Reconnect QuickBooks", notified[0])
		self.assertEqual(self.stored("connection_status"), CONNECTED)


def add_mapping(settings) -> None:
	from quickbooks_connector.quickbooks_connector.reference_data import fetch_reference_data

	fetch_reference_data(settings.name)
	income = frappe.db.get_value(
		ACCOUNT, {"settings": settings.name, "account_name": "Sales of Product Income"}
	)
	doc = frappe.get_doc(SETTINGS, settings.name)
	doc.append(
		"account_mappings", {"purpose": "Income", "erpnext_account": f"Sales - {ABBR}", "qbo_account": income}
	)
	doc.save()
	frappe.db.commit()  # nosemgrep: connection code commits too; keep the mapping visible to it
