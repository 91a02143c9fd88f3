"""Who may do what, where the tokens may go, and what may never reach an Error Log (README: Security).

One connected company of its own (settings, mapped accounts, a customer, an item) shared by the tests here; each
test rolls back what it did, and tests that drop the connection build it again.
"""

import base64
import dataclasses
import importlib
import pickle
import pkgutil
from contextlib import contextmanager
from unittest.mock import patch
from urllib.parse import quote_plus

import requests

import frappe
from frappe.database import get_db
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, add_to_date, now_datetime, nowdate
from frappe.utils.password import get_decrypted_password, set_encrypted_password

from quickbooks_connector.constants import INBOUND_CHANGE, LINK, SETTINGS, SYNC_LOG
from quickbooks_connector.qbo import Tokens
from quickbooks_connector.quickbooks_connector import (
	connection,
	dimensions,
	party_import,
	push,
	reference_data,
	token_refresh,
	webhooks,
)
from quickbooks_connector.quickbooks_connector.company_details import update_company_details
from quickbooks_connector.quickbooks_connector.port import log_name
from quickbooks_connector.quickbooks_connector.report.quickbooks_reconciliation import (
	quickbooks_reconciliation as reconciliation_report,
)
from quickbooks_connector.quickbooks_connector.settings import QuickBooksNotConnectedError, get_client
from quickbooks_connector.quickbooks_connector.tokens import FrappeTokenStore, clear_tokens, store_tokens
from quickbooks_connector.tests.push_fixtures import PushWorld, captured_jobs, run_job
from quickbooks_connector.tests.utils import emulator_admin, make_user, start_emulator

COMPANY = "QBC Security Co"
ABBR = "QSEC"
TOKEN_PATH = "^/oauth2/v1/tokens/bearer"
READER = "qbc-reader@security.example"
CLERK = "qbc-clerk@security.example"
MANAGER = "qbc-manager@security.example"
OUTSIDER = "qbc-outsider@security.example"

_world: PushWorld | None = None


def world() -> PushWorld:
	global _world
	if _world is None:
		_world = PushWorld(COMPANY, ABBR)
	return _world


class SecurityTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.world = world()
		make_user(READER, ["Employee"])
		make_user(CLERK, ["Accounts User"])
		make_user(MANAGER, ["Accounts Manager"])
		make_user(OUTSIDER, ["Employee"])
		frappe.db.commit()  # nosemgrep: users for the whole class

	def setUp(self) -> None:
		self.settings = self.world.settings
		self.settings.reload()
		if self.settings.connection_status != "Connected" or not FrappeTokenStore(self.settings.name).load():
			self.reconnect()
		self.errors_before = frappe.db.count("Error Log")

	def tearDown(self) -> None:
		frappe.set_user("Administrator")
		frappe.db.rollback()
		frappe.db.delete(SYNC_LOG, {"company": COMPANY})
		frappe.db.commit()  # nosemgrep: the engine commits its records; remove them
		self.world.admin.clear_faults()

	def reconnect(self) -> None:
		self.settings.reload()
		admin = emulator_admin()
		tokens = Tokens.from_token_response(
			admin.issue_tokens(self.world.realm_id), self.world.realm_id, now_datetime().timestamp()
		)
		store_tokens(self.settings.name, tokens)
		self.settings.reload()

	def secrets(self) -> list[str]:
		"""Every secret of the settings, in every spelling that could show up in text."""
		values = [
			get_decrypted_password(SETTINGS, self.settings.name, field, raise_exception=False)
			for field in ("access_token", "refresh_token", "client_secret")
		]
		forms = []
		for value in filter(None, values):
			forms += [value, quote_plus(value)]
			forms.append(base64.b64encode(f"{self.settings.client_id}:{value}".encode()).decode())
		return forms

	def new_error_logs(self) -> list[str]:
		rows = frappe.get_all("Error Log", fields=["method", "error"], order_by="creation desc", limit=50)
		return [
			f"{row.method}\n{row.error}" for row in rows[: frappe.db.count("Error Log") - self.errors_before]
		]

	def expire_access_token(self) -> None:
		frappe.db.set_value(
			SETTINGS,
			self.settings.name,
			"access_token_expires_at",
			add_to_date(now_datetime(), minutes=-1),
			update_modified=False,
		)
		frappe.db.commit()  # nosemgrep: the refresher reads committed state (its own connection)

	def invoice(self, **fields):
		return self.world.sales_invoice(**fields)


@contextmanager
def as_user(user: str):
	frappe.set_user(user)
	try:
		yield
	finally:
		frappe.set_user("Administrator")


@contextmanager
def queued_jobs():
	"""Like captured_jobs, but the enqueue reports success (a job object), as Redis would."""
	jobs: list[dict] = []

	def enqueue(method, **kwargs):
		jobs.append({"method": method, **kwargs})
		return object()

	with patch("frappe.enqueue", side_effect=enqueue):
		yield jobs


@contextmanager
def site_config(**values):
	conf = frappe.local.conf
	before = {key: conf.get(key) for key in values}
	conf.update(values)
	try:
		yield
	finally:
		conf.update(before)


# 5. The Emulator environment, and changes that must drop the connection --------------------------------------


class TestEmulatorEnvironment(SecurityTestCase):
	def test_emulator_cannot_be_chosen_or_used_outside_development_sites(self):
		with site_config(developer_mode=0, quickbooks_allow_emulator=0):
			self.settings.reload()
			self.settings.emulator_url = "http://attacker.example:8765"
			with self.assertRaises(frappe.ValidationError):
				self.settings.save(ignore_permissions=True)
			frappe.db.rollback()
			# A record that is already an emulator connection sends nothing either.
			self.settings.reload()
			with self.assertRaises(QuickBooksNotConnectedError):
				get_client(self.settings)
		with site_config(developer_mode=0, quickbooks_allow_emulator=1):
			self.settings.reload()
			self.assertTrue(get_client(self.settings).company_info())

	def test_changing_where_tokens_go_or_whose_they_are_drops_the_connection(self):
		for field, value in (
			("emulator_url", start_emulator().base_url + "/"),
			("client_id", "another-client-id"),
			("client_secret", "another-client-secret"),
		):
			with self.subTest(field=field):
				self.reconnect()
				self.settings.reload()
				self.settings.set(field, value)
				self.settings.save(ignore_permissions=True)

				self.settings.reload()
				self.assertEqual(self.settings.connection_status, "Disconnected")
				self.assertIn("Reconnect", self.settings.connection_message)
				self.assertIsNone(FrappeTokenStore(self.settings.name).load())
				for token in ("access_token", "refresh_token"):
					self.assertFalse(
						get_decrypted_password(SETTINGS, self.settings.name, token, raise_exception=False)
					)
				frappe.db.rollback()
		self.settings.reload()
		self.assertEqual(self.settings.connection_status, "Connected")

	def test_a_save_that_changes_nothing_of_the_connection_keeps_it(self):
		self.settings.reload()
		self.settings.pre_submit_check = "Warn"
		self.settings.save(ignore_permissions=True)

		self.settings.reload()
		self.assertEqual(self.settings.connection_status, "Connected")
		self.assertTrue(FrappeTokenStore(self.settings.name).load())

	def test_quickbooks_text_is_stored_without_markup_that_would_run(self):
		realm = start_emulator().app.store.get(self.world.realm_id)
		info = realm.objects["CompanyInfo"]
		key = next(iter(info))
		original = info[key]["CompanyName"]
		info[key]["CompanyName"] = 'Books <img src=x onerror="alert(document.cookie)">'
		try:
			update_company_details(self.settings)
		finally:
			info[key]["CompanyName"] = original

		stored = frappe.db.get_value(SETTINGS, self.settings.name, "qbo_company_name")
		self.assertIn("Books", stored)
		self.assertNotIn("onerror", stored)


# 6. No secret in an Error Log, a stored message or a job argument ---------------------------------------------


class TestNoSecretsInErrorLogs(SecurityTestCase):
	def assert_no_secret_in(self, texts: list[str]) -> None:
		secrets = self.secrets()
		self.assertTrue(secrets)
		for text in texts:
			for secret in secrets:
				self.assertNotIn(secret, text)

	def test_token_endpoint_5xx_during_the_scheduled_refresh(self):
		secrets = self.secrets()
		self.expire_access_token()
		self.world.admin.inject_fault(match={"path_regex": TOKEN_PATH}, action="error", status=503, times=0)

		token_refresh.refresh_tokens()

		logs = self.new_error_logs()
		self.assertTrue(logs, "the failed refresh is in the Error Log")
		for text in logs:
			for secret in secrets:
				self.assertNotIn(secret, text)

	def test_invalid_client_after_the_app_secret_was_rotated(self):
		old_secrets = self.secrets()
		# The secret stored here is no longer the app's (rotated at Intuit): the token endpoint says invalid_client.
		set_encrypted_password(SETTINGS, self.settings.name, "rotated-secret-9f8e7d", "client_secret")
		self.expire_access_token()
		try:
			token_refresh.refresh_tokens()
			logs = self.new_error_logs()
			self.assertTrue(logs)
			self.assert_no_secret_in(logs)
			for text in logs:
				for secret in old_secrets:
					self.assertNotIn(secret, text)
		finally:
			set_encrypted_password(SETTINGS, self.settings.name, "emulator-client-secret", "client_secret")
			frappe.db.commit()  # nosemgrep

	def test_unexpected_exception_inside_requests_while_pushing(self):
		invoice = self.invoice()

		def explode(adapter, request, *args, **kwargs):
			raise ValueError(f"refusing {request.headers.get('Authorization')} {request.body!r}")

		with patch.object(requests.adapters.HTTPAdapter, "send", explode):
			push.run_sync("Sales Invoice", invoice.name)
			# What Frappe itself records for an exception nobody handled (the job runner, the web handler).
			try:
				get_client(self.settings).company_info()
			except Exception:
				frappe.log_error("unhandled while calling QuickBooks")
				from quickbooks_connector.quickbooks_connector.safety import log_error

				log_error("handled while calling QuickBooks")

		error = frappe.db.get_value(SYNC_LOG, log_name("Sales Invoice", invoice.name), "error") or ""
		logs = self.new_error_logs()
		self.assertGreaterEqual(len(logs), 2)
		self.assert_no_secret_in([error, *logs])

	def test_jobs_get_names_never_tokens(self):
		self.settings.reload()
		self.settings.import_customers = 1
		self.settings.save(ignore_permissions=True)
		invoice = self.invoice()
		with captured_jobs() as jobs:
			push.sync_now("Sales Invoice", invoice.name)
			push.start_backfill(self.settings.name, add_days(nowdate(), -1), nowdate())
			party_import.import_now(self.settings.name)
			with patch.object(reference_data, "is_job_enqueued", return_value=False):
				reference_data.fetch_quickbooks_data(self.settings.name)
		self.assertGreaterEqual(len(jobs), 4)
		blob = pickle.dumps(jobs).decode("latin-1")
		for secret in self.secrets():
			self.assertNotIn(secret, blob)
		with self.assertRaises(TypeError):  # the client's token objects cannot become job arguments at all
			pickle.dumps(FrappeTokenStore(self.settings.name).load())


# 7. Who may push, and the exactly-once state nobody edits by hand ---------------------------------------------


class TestPushPermissions(SecurityTestCase):
	def test_reading_a_document_is_not_enough_to_push_it(self):
		invoice = self.invoice()
		frappe.share.add_docshare(
			"Sales Invoice", invoice.name, READER, read=1, flags={"ignore_share_permission": 1}
		)
		with as_user(READER):
			self.assertIsNotNone(push.get_status("Sales Invoice", invoice.name))
			with self.assertRaises(frappe.PermissionError):
				push.sync_now("Sales Invoice", invoice.name)
			with self.assertRaises(frappe.PermissionError):
				push.retry([log_name("Sales Invoice", invoice.name)])

	def test_a_user_who_may_edit_the_document_pushes_it(self):
		invoice = self.invoice()
		with captured_jobs() as jobs, as_user(CLERK):
			self.assertEqual(push.sync_now("Sales Invoice", invoice.name), "Queued")
		self.assertEqual(len(jobs), 1)

	def test_sync_now_and_retry_respect_the_enabled_switch(self):
		invoice = self.invoice()
		self.world.set_settings(enabled=0)
		with captured_jobs() as jobs, as_user(CLERK):
			with self.assertRaises(frappe.ValidationError):
				push.sync_now("Sales Invoice", invoice.name)
			with self.assertRaises(frappe.ValidationError):
				push.retry([log_name("Sales Invoice", invoice.name)])
		self.assertEqual(jobs, [])

	def test_the_start_date_is_overridden_only_by_a_manager_and_on_purpose(self):
		self.world.set_settings(sync_start_date=add_days(nowdate(), 1))
		invoice = self.invoice()
		with captured_jobs() as jobs:
			with as_user(CLERK):
				with self.assertRaises(frappe.ValidationError):
					push.sync_now("Sales Invoice", invoice.name)
				with self.assertRaises(frappe.PermissionError):
					push.sync_despite_start_date("Sales Invoice", invoice.name)
				self.assertFalse(push.get_status("Sales Invoice", invoice.name)["can_override_start_date"])
			with as_user(MANAGER):
				self.assertTrue(push.get_status("Sales Invoice", invoice.name)["can_override_start_date"])
				with self.assertRaises(frappe.ValidationError):
					push.sync_now("Sales Invoice", invoice.name)
				self.assertEqual(push.sync_despite_start_date("Sales Invoice", invoice.name), "Queued")
		self.assertEqual(len(jobs), 1)
		self.assertTrue(jobs[0]["manual"])
		self.assertEqual(run_job(jobs[0]), "Synced")

	def test_sync_logs_and_links_are_read_only_in_the_desk(self):
		invoice = self.invoice()
		with captured_jobs() as jobs:
			push.sync_now("Sales Invoice", invoice.name)
		run_job(jobs[0])
		log = frappe.get_doc(SYNC_LOG, log_name("Sales Invoice", invoice.name))
		link_name = frappe.db.get_value(LINK, {"settings": self.settings.name})
		self.assertTrue(link_name)
		with as_user(MANAGER):
			for doctype in (SYNC_LOG, LINK):
				self.assertTrue(frappe.has_permission(doctype, "read"))
				for ptype in ("write", "create", "delete"):
					self.assertFalse(frappe.has_permission(doctype, ptype), f"{doctype} {ptype}")
		# Not even code that skips permissions changes them, unless it is the connector's own writer.
		log.status = "Synced"
		with self.assertRaises(frappe.PermissionError):
			log.save(ignore_permissions=True)
		with self.assertRaises(frappe.PermissionError):
			frappe.delete_doc(SYNC_LOG, log.name, ignore_permissions=True)
		link = frappe.get_doc(LINK, link_name)
		link.qbo_id = "999999"
		with self.assertRaises(frappe.PermissionError):
			link.save(ignore_permissions=True)
		with self.assertRaises(frappe.PermissionError):
			frappe.delete_doc(LINK, link_name, ignore_permissions=True)
		copy = frappe.copy_doc(link)
		copy.erpnext_key = "somebody-else"
		with self.assertRaises(frappe.PermissionError):
			copy.insert(ignore_permissions=True)

	def waiting_change(self) -> str:
		"""A payment made in QuickBooks that waits for a mapping (as the webhook job records one)."""
		row = frappe.get_doc(
			{
				"doctype": INBOUND_CHANGE,
				"settings": self.settings.name,
				"realm_id": self.settings.realm_id,
				"qbo_entity": "Payment",
				"qbo_id": "990001",
				"status": "Waiting",
			}
		)
		row.name = f"{self.settings.realm_id}:Payment:990001"
		row.db_insert()
		return row.name

	def test_every_whitelisted_method_checks_more_than_login(self):
		invoice = self.invoice()
		log = log_name("Sales Invoice", invoice.name)
		name = self.settings.name
		calls = {
			"connection.connect": lambda: connection.connect(name),
			"connection.disconnect": lambda: connection.disconnect(name),
			"connection.test_connection": lambda: connection.test_connection(name),
			"reference_data.fetch_quickbooks_data": lambda: reference_data.fetch_quickbooks_data(name),
			"mappings.suggest_mappings": lambda: frappe.get_attr(
				"quickbooks_connector.quickbooks_connector.mappings.suggest_mappings"
			)(name),
			"party_import.import_now": lambda: party_import.import_now(name),
			"push.get_status": lambda: push.get_status("Sales Invoice", invoice.name),
			"push.sync_now": lambda: push.sync_now("Sales Invoice", invoice.name),
			"push.sync_despite_start_date": lambda: push.sync_despite_start_date(
				"Sales Invoice", invoice.name
			),
			"push.retry": lambda: push.retry([log]),
			"push.resync": lambda: push.resync("Sales Invoice", invoice.name),
			"push.map_and_retry": lambda: push.map_and_retry(
				log, "Sales - X", qbo_account="1", purpose="Income"
			),
			"push.start_backfill": lambda: push.start_backfill(name, nowdate(), nowdate()),
			# read on QuickBooks Settings
			"dimensions.dimension_choices": lambda: dimensions.dimension_choices(),
			# Accounts Manager or System Manager, and write on the settings
			"dimensions.suggest_dimension_mappings": lambda: dimensions.suggest_dimension_mappings(name),
			"dimensions.create_missing_in_quickbooks": lambda: dimensions.create_missing_in_quickbooks(name),
			# Accounts Manager or Accounts User, and read on the company
			"report.quickbooks_reconciliation.quickbooks_reconciliation.refresh": lambda: (
				reconciliation_report.refresh(COMPANY, nowdate(), nowdate())
			),
			# write on the settings the change came to
			"webhooks.retry_inbound": lambda: webhooks.retry_inbound(self.waiting_change()),
		}
		# Checked elsewhere: the callback's state is bound to the user who started it, pop_notice returns only
		# the caller's own notice; the webhook endpoint's credential is Intuit's signature, checked first
		# (test_webhooks.py).
		own_data = {"connection.callback", "connection.pop_notice", "webhooks.receive"}
		self.assertEqual(whitelisted_methods() - own_data, set(calls), "audit every whitelisted method here")
		with captured_jobs() as jobs, as_user(OUTSIDER):
			for method, call in calls.items():
				with self.subTest(method=method), self.assertRaises(frappe.PermissionError):
					call()
		self.assertEqual(jobs, [])

	def test_changing_dimensions_takes_a_manager_not_only_write_on_the_settings(self):
		frappe.share.add_docshare(
			SETTINGS, self.settings.name, CLERK, read=1, write=1, flags={"ignore_share_permission": 1}
		)
		classes_before = self.world.held("Class")
		with captured_jobs() as jobs, as_user(CLERK):
			for method in (dimensions.suggest_dimension_mappings, dimensions.create_missing_in_quickbooks):
				with self.subTest(method=method.__name__), self.assertRaises(frappe.PermissionError):
					method(self.settings.name)
		self.assertEqual(jobs, [])
		self.assertEqual(self.world.held("Class"), classes_before)


def whitelisted_methods() -> set[str]:
	"""Every whitelisted function of the Frappe layer (module path below the package). frappe.whitelisted only
	holds those of modules already imported, which depends on the tests run before: import them all first."""
	package = "quickbooks_connector.quickbooks_connector"
	for module in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
		if not module.name.rsplit(".", 1)[-1].startswith("test_"):
			importlib.import_module(module.name)
	return {
		f"{fn.__module__}.{fn.__name__}".removeprefix(f"{package}.")
		for fn in frappe.whitelisted
		if fn.__module__.startswith(f"{package}.")
	}


# 8. The token store: one lock for refresh, store and clear; the caller's transaction is the caller's -----------


class TestTokenStore(SecurityTestCase):
	def test_a_refresh_neither_commits_nor_rolls_back_the_callers_work(self):
		before = FrappeTokenStore(self.settings.name).load()
		self.expire_access_token()
		note = frappe.get_doc({"doctype": "ToDo", "description": "half-done work of the caller"}).insert()

		get_client(self.settings).company_info()  # refreshes first

		self.assertTrue(frappe.db.exists("ToDo", note.name), "the caller's work is still pending")
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists("ToDo", note.name), "and was not committed by the refresh")
		after = FrappeTokenStore(self.settings.name).load()
		self.assertNotEqual(after.access_token, before.access_token, "the refreshed tokens were kept")
		self.assertTrue(get_client(self.settings).company_info())

	def test_clearing_and_storing_tokens_wait_for_the_refresh_lock(self):
		stored = FrappeTokenStore(self.settings.name).load()
		fresh = dataclasses.replace(stored, access_token="a-new-access-token-from-a-connect")
		for write in (
			lambda: clear_tokens(self.settings.name, "Disconnected", "test"),
			lambda: store_tokens(self.settings.name, fresh),
		):
			with self.subTest(write=write), self.refresher_holding_the_lock():
				frappe.db.sql("set session innodb_lock_wait_timeout = 1")
				try:
					with self.assertRaises(Exception):  # waited for the lock, and gave up
						write()
					# Nothing was written before the lock: the tokens are as the refresher will find them.
					self.assertEqual(FrappeTokenStore(self.settings.name).load(), stored)
				finally:
					frappe.db.rollback()
					frappe.db.sql("set session innodb_lock_wait_timeout = 50")

	@contextmanager
	def refresher_holding_the_lock(self):
		conf = frappe.local.conf
		other = get_db(
			host=conf.db_host,
			port=conf.db_port,
			user=conf.db_name,
			password=conf.db_password,
			cur_db_name=conf.db_name,
		)
		other.sql(f"select name from `tab{SETTINGS}` where name = %s for update", self.settings.name)
		try:
			yield
		finally:
			other.rollback()
			other.close()


# 10a. Multicurrency turned on in QuickBooks is seen by the next Retry ------------------------------------------


class TestPreferencesRefresh(SecurityTestCase):
	def test_retry_reads_the_multicurrency_switch_again(self):
		frappe.db.set_value(SETTINGS, self.settings.name, "qbo_multicurrency", 0, update_modified=False)
		frappe.cache.delete_value(f"quickbooks_preferences_read:{self.settings.name}")
		frappe.db.commit()  # nosemgrep
		realm = start_emulator().app.store.get(self.world.realm_id)
		prefs = realm.objects["Preferences"]["1"]["CurrencyPrefs"]
		was = prefs["MultiCurrencyEnabled"]
		prefs["MultiCurrencyEnabled"] = True  # the user turned it on in QuickBooks
		invoice = self.invoice()
		try:
			with captured_jobs() as jobs:
				push.sync_now("Sales Invoice", invoice.name)
			jobs[0]["manual"] = True  # a Retry
			run_job(jobs[0])
		finally:
			prefs["MultiCurrencyEnabled"] = was

		self.assertEqual(frappe.db.get_value(SETTINGS, self.settings.name, "qbo_multicurrency"), 1)


# 10c. Import progress belongs to the run that reports it -------------------------------------------------------


class TestImportProgress(SecurityTestCase):
	def test_progress_and_the_end_of_a_run_carry_that_runs_key(self):
		self.world.set_settings(import_customers=1)
		emulator_admin().seed(self.world.realm_id, "Customer", count=120)
		frappe.db.commit()  # nosemgrep: the job reads the settings
		with queued_jobs() as jobs:
			first = party_import.import_now(self.settings.name)
		self.assertTrue(first["queued"])
		self.assertTrue(first["progress_key"])
		with queued_jobs() as later:
			second = party_import.import_now(self.settings.name)
		self.assertNotEqual(second["progress_key"], first["progress_key"])
		self.assertEqual(later[0]["progress_key"], second["progress_key"])

		events = []
		with patch(
			"frappe.publish_realtime",
			side_effect=lambda event, message, **kw: events.append((event, message)),
		):
			run_job(jobs[0])

		progress = [message for event, message in events if event == party_import.PROGRESS_EVENT]
		finished = [message for event, message in events if event == party_import.FINISHED_EVENT]
		self.assertTrue(progress)
		self.assertEqual({message["progress_key"] for message in progress}, {first["progress_key"]})
		self.assertEqual([message["progress_key"] for message in finished], [first["progress_key"]])
		self.assertFalse([event for event, _message in events if event == "progress"])
