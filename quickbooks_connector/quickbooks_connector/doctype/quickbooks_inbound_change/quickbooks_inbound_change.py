# A QuickBooks record made in QuickBooks that the connector records in ERPNext (a payment against pushed invoices),
# or a record the connector wrote that changed there: what was made of it, why it waits, the findings recorded.
# Written by the connector only (webhooks.py / inbound_port.py); read-only in the desk.

import frappe
from frappe.model.document import Document

from quickbooks_connector.constants import CONNECTOR_WRITE_FLAG


class QuickBooksInboundChange(Document):
	def validate(self) -> None:
		if not self.flags.get(CONNECTOR_WRITE_FLAG):
			frappe.throw(frappe._("QuickBooks Inbound Changes are written by the connector only."))
