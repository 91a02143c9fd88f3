# Copyright (c) 2026, quickbooks_connector contributors and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class QuickBooksClassMapping(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		cost_center: DF.Link
		qbo_class: DF.Link
		qbo_class_id: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
	# end: auto-generated types
	pass
