# Copyright (c) 2026, quickbooks_connector contributors and Contributors
# See license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from quickbooks_connector.constants import IMPORT_RUN, IMPORT_RUN_ITEM, LAST_IMPORT_RUN, SETTINGS
from quickbooks_connector.quickbooks_connector.doctype.quickbooks_import_run.quickbooks_import_run import (
	QuickBooksImportRun,
)


class TestQuickBooksImportRun(FrappeTestCase):
	def make_run(self, days_old: int) -> str:
		run = frappe.get_doc(
			{
				"doctype": IMPORT_RUN,
				"settings": "Any Company",
				"status": "Completed",
				"items": [{"action": "Created", "qbo_entity": "Customer", "qbo_id": "1"}],
			}
		).insert(ignore_permissions=True, ignore_links=True)
		created = add_to_date(now_datetime(), days=-days_old)
		frappe.db.set_value(IMPORT_RUN, run.name, "creation", created, update_modified=False)
		return run.name

	def test_log_settings_prune_old_runs_with_their_rows(self):
		old, recent = self.make_run(days_old=100), self.make_run(days_old=10)

		QuickBooksImportRun.clear_old_logs(days=90)

		self.assertFalse(frappe.db.exists(IMPORT_RUN, old))
		self.assertFalse(frappe.db.exists(IMPORT_RUN_ITEM, {"parent": old}))
		self.assertTrue(frappe.db.exists(IMPORT_RUN, recent))
		self.assertTrue(frappe.db.exists(IMPORT_RUN_ITEM, {"parent": recent}))

	def test_the_run_a_settings_record_links_to_is_kept_however_old(self):
		from quickbooks_connector.tests.utils import get_test_company, make_connected_settings

		settings = make_connected_settings(get_test_company("QBC Import Run Co", "QIR"))
		last = self.make_run(days_old=200)
		frappe.db.set_value(SETTINGS, settings.name, LAST_IMPORT_RUN, last, update_modified=False)

		QuickBooksImportRun.clear_old_logs(days=90)

		self.assertTrue(frappe.db.exists(IMPORT_RUN, last))
		frappe.get_doc(SETTINGS, settings.name).save()  # the link still resolves
