# Copyright (c) 2026, quickbooks_connector contributors and contributors
# For license information, please see license.txt

# import frappe
from frappe.model.document import Document


class QuickBooksAccount(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		account_name: DF.Data | None
		account_number: DF.Data | None
		account_sub_type: DF.Data | None
		account_type: DF.Data | None
		active: DF.Check
		classification: DF.Data | None
		currency: DF.Data | None
		deleted_in_quickbooks: DF.Check
		fully_qualified_name: DF.Data | None
		qbo_id: DF.Data
		settings: DF.Link
	# end: auto-generated types
	pass
