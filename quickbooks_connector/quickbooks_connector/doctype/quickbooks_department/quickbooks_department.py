# Copyright (c) 2026, quickbooks_connector contributors and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class QuickBooksDepartment(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		active: DF.Check
		deleted_in_quickbooks: DF.Check
		department_name: DF.Data | None
		fully_qualified_name: DF.Data | None
		parent_id: DF.Data | None
		qbo_id: DF.Data
		settings: DF.Link
	# end: auto-generated types
	pass
