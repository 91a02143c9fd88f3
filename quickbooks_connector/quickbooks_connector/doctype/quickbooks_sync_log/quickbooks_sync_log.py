# Copyright (c) 2026, quickbooks_connector contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from quickbooks_connector.constants import CONNECTOR_WRITE_FLAG
from quickbooks_connector.quickbooks_connector.port import log_name


def refuse_unless_connector(doc: Document, action: str) -> None:
	"""Sync Logs and Links are the connector's exactly-once state: nobody edits them in the desk or through the
	REST API. The connector's own writers set `doc.flags.quickbooks_connector_write` (`links.as_connector`), or write
	rows directly."""
	if doc.flags.get(CONNECTOR_WRITE_FLAG) or frappe.flags.in_patch or frappe.flags.in_install:
		return
	frappe.throw(
		_("{0} records are kept by the QuickBooks connector and cannot be {1} by hand.").format(
			_(doc.doctype), action
		),
		frappe.PermissionError,
	)


class QuickBooksSyncLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		attempts: DF.Int
		company: DF.Link | None
		doc_number: DF.Data | None
		erp_tax: DF.Currency
		erp_total: DF.Currency
		error: DF.Code | None
		error_kind: DF.Literal["", "permanent", "transient", "auth"]
		last_attempt_at: DF.Datetime | None
		next_retry_at: DF.Datetime | None
		outcome_unknown: DF.Check
		payload_hash: DF.Data | None
		qbo_entity: DF.Data | None
		qbo_id: DF.Data | None
		qbo_tax: DF.Currency
		qbo_total: DF.Currency
		qbo_url: DF.Data | None
		reference_doctype: DF.Link
		reference_name: DF.DynamicLink
		related: DF.JSON | None
		replaces: DF.Data | None
		request_id: DF.Data | None
		settings: DF.Link | None
		status: DF.Literal["Queued", "Synced", "Failed", "Voided", "Skipped"]
		sync_token: DF.Data | None
		synced_at: DF.Datetime | None
		total_mismatch: DF.Check

	# end: auto-generated types
	def before_insert(self) -> None:
		refuse_unless_connector(self, _("created"))

	def validate(self) -> None:
		refuse_unless_connector(self, _("changed"))

	def on_trash(self) -> None:
		refuse_unless_connector(self, _("deleted"))

	def autoname(self) -> None:
		# One record per ERPNext document: the name is the lookup key.
		self.name = log_name(self.reference_doctype, self.reference_name)
