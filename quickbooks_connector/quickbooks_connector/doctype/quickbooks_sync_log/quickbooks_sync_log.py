# Copyright (c) 2026, quickbooks_connector contributors
# For license information, please see license.txt

from frappe.model.document import Document

from quickbooks_connector.quickbooks_connector.port import log_name


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
		error: DF.SmallText | None
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
	def autoname(self) -> None:
		# One record per ERPNext document: the name is the lookup key.
		self.name = log_name(self.reference_doctype, self.reference_name)
