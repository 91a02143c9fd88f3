# Copyright (c) 2026, quickbooks_connector contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from quickbooks_connector.constants import CONNECTOR_WRITE_FLAG
from quickbooks_connector.quickbooks_connector.stock_ledger import summary_name


class QuickBooksStockSummary(Document):
	"""A company's stock postings of one day, sent to QuickBooks as one journal entry (mapping.stock). The connector
	creates it with the day's first stock posting; submitting it (the connector does once the day is over, an
	Accounts Manager may earlier) sends it. It is never cancelled: its journal follows the day's postings."""

	def autoname(self) -> None:
		self.name = summary_name(self.company, self.posting_date)

	def before_insert(self) -> None:
		if not self.flags.get(CONNECTOR_WRITE_FLAG):
			frappe.throw(
				_(
					"QuickBooks Stock Summaries are made by the QuickBooks connector, one per company and day."
				),
				frappe.PermissionError,
			)

	def before_cancel(self) -> None:
		frappe.throw(
			_(
				"A QuickBooks Stock Summary is not cancelled: its QuickBooks journal follows the day's stock postings. "
				"Cancel the stock vouchers instead."
			)
		)
