# Copyright (c) 2026, quickbooks_connector contributors and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class QuickBooksDepartmentMapping(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		dimension_doctype: DF.Link | None
		dimension_value: DF.DynamicLink
		qbo_department: DF.Link
		qbo_department_id: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
	# end: auto-generated types
	pass
