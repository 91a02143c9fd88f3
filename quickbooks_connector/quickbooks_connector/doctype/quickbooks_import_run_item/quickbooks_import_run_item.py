# Copyright (c) 2026, quickbooks_connector contributors and contributors
# For license information, please see license.txt

# import frappe
from frappe.model.document import Document


class QuickBooksImportRunItem(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		action: DF.Literal["Created", "Updated", "Skipped", "Failed"]
		erpnext_doctype: DF.Link | None
		erpnext_name: DF.DynamicLink | None
		message: DF.SmallText | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		qbo_entity: DF.Literal["Customer", "Vendor"]
		qbo_id: DF.Data | None
		qbo_last_updated: DF.Data | None
		qbo_name: DF.Data | None
	# end: auto-generated types
	pass
