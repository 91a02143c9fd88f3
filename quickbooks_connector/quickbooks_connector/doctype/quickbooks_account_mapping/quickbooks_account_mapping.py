# Copyright (c) 2026, quickbooks_connector contributors and contributors
# For license information, please see license.txt

# import frappe
from frappe.model.document import Document


class QuickBooksAccountMapping(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		erpnext_account: DF.Link
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		purpose: DF.Literal[
			"",
			"Income",
			"Expense",
			"Receivable",
			"Payable",
			"Bank and Cash",
			"Tax",
			"Discount",
			"Rounding",
			"Write Off",
			"Other",
		]
		qbo_account: DF.Link
		qbo_account_type: DF.Data | None
	# end: auto-generated types
	pass
