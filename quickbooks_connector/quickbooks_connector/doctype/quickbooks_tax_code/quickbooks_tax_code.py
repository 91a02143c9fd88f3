# Copyright (c) 2026, quickbooks_connector contributors and contributors
# For license information, please see license.txt

# import frappe
from frappe.model.document import Document


class QuickBooksTaxCode(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		active: DF.Check
		deleted_in_quickbooks: DF.Check
		description: DF.Data | None
		purchase_rates: DF.SmallText | None
		qbo_id: DF.Data
		sales_rates: DF.SmallText | None
		settings: DF.Link
		tax_code_name: DF.Data | None
		tax_group: DF.Check
		taxable: DF.Check
	# end: auto-generated types
	pass
