# Copyright (c) 2026, quickbooks_connector contributors and contributors
# For license information, please see license.txt

# import frappe
from frappe.model.document import Document


class QuickBooksTerm(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		active: DF.Check
		day_of_month_due: DF.Int
		deleted_in_quickbooks: DF.Check
		discount_days: DF.Int
		discount_percent: DF.Percent
		due_days: DF.Int
		qbo_id: DF.Data
		settings: DF.Link
		term_name: DF.Data | None
		term_type: DF.Data | None
	# end: auto-generated types
	pass
