"""QuickBooks Link rows: which QuickBooks record an ERPNext record (or a mapping key) is, per connection and
QuickBooks company.

The one module that creates and changes them. The push records what it created (`Links.set_pushed`: a new link as
one plain INSERT, kept unique by the table's unique indexes; a changed one through the Link controller and its
checks); the party import records what it imported or matched (`Links.set_imported`) and what QuickBooks deleted
(`Links.mark_deleted`). Links are read-only in the desk and their controller refuses every write that does not carry
the connector's flag (`constants.CONNECTOR_WRITE_FLAG`, set here by `as_connector`).
"""

from datetime import datetime

import frappe
from frappe.model.document import Document
from frappe.utils import now_datetime

from quickbooks_connector.constants import CONNECTOR_WRITE_FLAG, LINK, REALM_ID, SETTINGS


class Links:
	"""The QuickBooks Links of one QuickBooks Settings record and the QuickBooks company (realm) it is connected
	to: links of another QuickBooks company are neither found nor changed."""

	def __init__(self, settings: str, realm_id: str) -> None:
		self.settings = settings
		self.realm_id = realm_id or ""

	def filters(self, qbo_entity: str, **filters: str) -> dict:
		return {"settings": self.settings, "realm_id": self.realm_id, "qbo_entity": qbo_entity, **filters}

	# reading ------------------------------------------------------------------------------------------------

	def qbo_id(self, qbo_entity: str, key: str) -> str | None:
		"""The QuickBooks id linked to an ERPNext key."""
		return frappe.db.get_value(LINK, self.filters(qbo_entity, erpnext_key=key), "qbo_id")

	def key(self, qbo_entity: str, qbo_id: str) -> str | None:
		"""The ERPNext key linked to a QuickBooks id."""
		return frappe.db.get_value(LINK, self.filters(qbo_entity, qbo_id=qbo_id), "erpnext_key")

	def find(self, qbo_entity: str, fields: list[str], **filters: str) -> frappe._dict | None:
		"""`fields` of the link matching `filters` (erpnext_key or qbo_id), None when there is none."""
		return frappe.db.get_value(LINK, self.filters(qbo_entity, **filters), fields, as_dict=True)

	# writing ------------------------------------------------------------------------------------------------

	def set_pushed(self, qbo_entity: str, key: str, qbo_id: str) -> None:
		"""The push created or found `qbo_id` for `key`: link them (relinking a key updates its link)."""
		existing = frappe.db.get_value(LINK, self.filters(qbo_entity, erpnext_key=key))
		if existing:
			link = frappe.get_doc(LINK, existing)
			link.qbo_id = qbo_id
			as_connector(link).save(ignore_permissions=True)
			return
		self._insert_pushed(qbo_entity, key, qbo_id)

	def _insert_pushed(self, qbo_entity: str, key: str, qbo_id: str) -> None:
		"""A new link as one INSERT: a backfill makes one per new party and item. What the controller's checks
		would refuse the table's unique indexes refuse too (one link per key and one per QuickBooks record in a
		QuickBooks company: UniqueValidationError either way); the rest of its validation has nothing to do for a
		link the push writes (key, realm and connector flag all set here)."""
		doctype, erpnext_name = erpnext_record(qbo_entity, key)
		link = frappe.get_doc(
			{
				"doctype": LINK,
				"settings": self.settings,
				"realm_id": self.realm_id or frappe.db.get_value(SETTINGS, self.settings, REALM_ID) or "",
				"qbo_entity": qbo_entity,
				"erpnext_key": key,
				"erpnext_doctype": doctype,
				"erpnext_name": erpnext_name,
				"qbo_id": qbo_id,
			}
		)
		link._validate_length()  # a key longer than its column fails here, not truncated by the database
		as_connector(link).db_insert()

	def set_imported(
		self,
		qbo_entity: str,
		qbo_id: str,
		party_type: str,
		name: str,
		version: datetime | None,
		imported: bool,
	) -> None:
		"""The party import created, updated or matched party `name` for the QuickBooks record: link them, with
		the QuickBooks version seen and, when it wrote the party, the party's modified time after the write (what
		tells a later import whether someone edited the party in ERPNext since)."""
		values = {
			"qbo_id": qbo_id,
			"erpnext_key": name,
			"erpnext_doctype": party_type,
			"erpnext_name": name,
			"imported_version": version.isoformat() if version else None,
			"last_imported_at": now_datetime(),
			"deleted_in_quickbooks": 0,  # seen live again (QuickBooks can undo a merge)
		}
		if imported:
			values["erpnext_modified_at_import"] = frappe.db.get_value(party_type, name, "modified")
		existing = frappe.db.get_value(LINK, self.filters(qbo_entity, qbo_id=qbo_id)) or frappe.db.get_value(
			LINK, self.filters(qbo_entity, erpnext_key=name)
		)
		if existing:
			frappe.db.set_value(LINK, existing, values)
		else:
			link = frappe.get_doc(
				{
					"doctype": LINK,
					"settings": self.settings,
					"realm_id": self.realm_id,
					"qbo_entity": qbo_entity,
					**values,
				}
			)
			as_connector(link).insert(ignore_permissions=True)

	def mark_deleted(self, qbo_entity: str, qbo_id: str) -> str | None:
		"""QuickBooks deleted (or merged away) the record: flag its link; returns the linked ERPNext key."""
		link = frappe.db.get_value(LINK, self.filters(qbo_entity, qbo_id=qbo_id), ["name", "erpnext_key"])
		if not link:
			return None
		frappe.db.set_value(LINK, link[0], "deleted_in_quickbooks", 1)
		return link[1]


def as_connector(link: Document) -> Document:
	"""Links are read-only in the desk; the connector's own writes say so with this flag."""
	link.flags[CONNECTOR_WRITE_FLAG] = True
	return link


def erpnext_record(qbo_entity: str, key: str) -> tuple[str | None, str | None]:
	"""The ERPNext record a link key names, for the link's Dynamic Link (items keyed by account have none)."""
	if qbo_entity in ("Customer", "Vendor"):
		doctype = "Customer" if qbo_entity == "Customer" else "Supplier"
		return (doctype, key) if frappe.db.exists(doctype, key) else (None, None)
	item_code = key.rpartition("|")[0]
	if item_code and item_code != "account" and frappe.db.exists("Item", item_code):
		return "Item", item_code
	return None, None
