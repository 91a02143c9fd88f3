# Copyright (c) 2026, quickbooks_connector contributors and contributors
# For license information, please see license.txt

# import frappe
from frappe.model.document import Document


class QuickBooksTaxMapping(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		erpnext_tax_account: DF.Link | None
		item_tax_template: DF.Link | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		qbo_tax_code: DF.Link
	# end: auto-generated types
	pass
