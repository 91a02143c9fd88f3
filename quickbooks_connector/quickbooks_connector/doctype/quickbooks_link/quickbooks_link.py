# Copyright (c) 2026, quickbooks_connector contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from quickbooks_connector.constants import LINK, REALM_ID, SETTINGS
from quickbooks_connector.quickbooks_connector.doctype.quickbooks_sync_log.quickbooks_sync_log import (
	refuse_unless_connector,
)


class QuickBooksLink(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		deleted_in_quickbooks: DF.Check
		erpnext_doctype: DF.Link | None
		erpnext_key: DF.Data | None
		erpnext_modified_at_import: DF.Datetime | None
		erpnext_name: DF.DynamicLink | None
		imported_version: DF.Data | None
		last_imported_at: DF.Datetime | None
		qbo_entity: DF.Literal["Customer", "Vendor", "Item"]
		qbo_id: DF.Data
		realm_id: DF.Data | None
		settings: DF.Link

	# end: auto-generated types
	def before_insert(self) -> None:
		refuse_unless_connector(self, _("created"))

	def on_trash(self) -> None:
		refuse_unless_connector(self, _("deleted"))

	def validate(self) -> None:
		refuse_unless_connector(self, _("changed"))
		self.erpnext_key = self.erpnext_key or self.erpnext_name
		if not self.erpnext_key:
			frappe.throw(_("Set the ERPNext record (or the key) this QuickBooks record is linked to."))
		if not self.realm_id:
			self.realm_id = frappe.db.get_value(SETTINGS, self.settings, REALM_ID) or ""
		self._check_unique("erpnext_key", _("{0} '{1}' is already linked to QuickBooks {2} {3} ({4})."))
		self._check_unique("qbo_id", _("QuickBooks {2} {3} is already linked to {0} '{1}' ({4})."))

	def _check_unique(self, fieldname: str, message: str) -> None:
		"""One QuickBooks record per key and one key per QuickBooks record, per QuickBooks company."""
		filters = {
			"settings": self.settings,
			"realm_id": self.realm_id,
			"qbo_entity": self.qbo_entity,
			fieldname: self.get(fieldname),
			"name": ["!=", self.name],
		}
		other = frappe.db.get_value(self.doctype, filters, ["name", "erpnext_key", "qbo_id"], as_dict=True)
		if other:
			frappe.throw(
				message.format(
					_(self.erpnext_doctype or "Key"),
					other.erpnext_key,
					self.qbo_entity,
					other.qbo_id,
					other.name,
				),
				frappe.UniqueValidationError,
			)


def on_doctype_update() -> None:
	frappe.db.add_unique(
		LINK,
		["settings", "realm_id", "qbo_entity", "erpnext_key"],
		constraint_name="unique_link_key",
	)
	frappe.db.add_unique(
		LINK,
		["settings", "realm_id", "qbo_entity", "qbo_id"],
		constraint_name="unique_link_qbo_id",
	)
