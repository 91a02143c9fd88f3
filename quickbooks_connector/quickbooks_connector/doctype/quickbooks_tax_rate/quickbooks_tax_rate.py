# Copyright (c) 2026, quickbooks_connector contributors and contributors
# For license information, please see license.txt

# import frappe
from frappe.model.document import Document


class QuickBooksTaxRate(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		active: DF.Check
		agency_id: DF.Data | None
		deleted_in_quickbooks: DF.Check
		description: DF.Data | None
		qbo_id: DF.Data
		rate_value: DF.Percent
		settings: DF.Link
		tax_rate_name: DF.Data | None
	# end: auto-generated types
	pass
