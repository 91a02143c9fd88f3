# Copyright (c) 2026, quickbooks_connector contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document
from frappe.query_builder import Interval
from frappe.query_builder.functions import Now

from quickbooks_connector.constants import IMPORT_RUN, IMPORT_RUN_ITEM, LAST_IMPORT_RUN, SETTINGS


class QuickBooksImportRun(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from quickbooks_connector.quickbooks_connector.doctype.quickbooks_import_run_item.quickbooks_import_run_item import (
			QuickBooksImportRunItem,
		)

		company: DF.Link | None
		created: DF.Int
		error: DF.SmallText | None
		failed: DF.Int
		finished_at: DF.Datetime | None
		items: DF.Table[QuickBooksImportRunItem]
		items_not_listed: DF.Int
		read_methods: DF.SmallText | None
		settings: DF.Link
		skipped: DF.Int
		started_at: DF.Datetime | None
		status: DF.Literal["Running", "Completed", "Completed with Errors", "Failed"]
		trigger: DF.Literal["Scheduler", "User"]
		unchanged: DF.Int
		updated: DF.Int
	# end: auto-generated types

	"""One run of the QuickBooks party import (written by quickbooks_connector.quickbooks_connector.party_import)."""

	@staticmethod
	def clear_old_logs(days: int = 90) -> None:
		"""Log Settings prunes runs older than `days` (hooks.default_log_clearing_doctypes), with their rows.
		The last run of each settings record is kept: the settings link to it, and a dangling link would make
		the settings impossible to save."""
		runs = frappe.qb.DocType(IMPORT_RUN)
		items = frappe.qb.DocType(IMPORT_RUN_ITEM)
		linked = frappe.get_all(SETTINGS, filters={LAST_IMPORT_RUN: ("is", "set")}, pluck=LAST_IMPORT_RUN)
		condition = runs.creation < (Now() - Interval(days=days))
		if linked:
			condition &= runs.name.notin(linked)
		old = [row.name for row in frappe.qb.from_(runs).select(runs.name).where(condition).run(as_dict=True)]
		if old:
			frappe.db.delete(items, {"parent": ("in", old)})
			frappe.db.delete(IMPORT_RUN, {"name": ("in", old)})
