# Copyright (c) 2026, quickbooks_connector contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from quickbooks_connector.constants import EMULATOR
from quickbooks_connector.qbo import endpoints_for
from quickbooks_connector.quickbooks_connector import dimensions, mappings
from quickbooks_connector.quickbooks_connector.connection import pop_notice
from quickbooks_connector.quickbooks_connector.reference_data import delete_reference_data
from quickbooks_connector.quickbooks_connector.settings import (
	callback_url,
	drop_connection_on_credential_change,
	keep_connector_fields,
	refuse_emulator_unless_allowed,
)
from quickbooks_connector.quickbooks_connector.webhooks import webhook_url


class QuickBooksSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from quickbooks_connector.quickbooks_connector.doctype.quickbooks_account_mapping.quickbooks_account_mapping import (
			QuickBooksAccountMapping,
		)
		from quickbooks_connector.quickbooks_connector.doctype.quickbooks_class_mapping.quickbooks_class_mapping import (
			QuickBooksClassMapping,
		)
		from quickbooks_connector.quickbooks_connector.doctype.quickbooks_department_mapping.quickbooks_department_mapping import (
			QuickBooksDepartmentMapping,
		)
		from quickbooks_connector.quickbooks_connector.doctype.quickbooks_tax_mapping.quickbooks_tax_mapping import (
			QuickBooksTaxMapping,
		)

		access_token: DF.Password | None
		access_token_expires_at: DF.Datetime | None
		account_mappings: DF.Table[QuickBooksAccountMapping]
		class_mappings: DF.Table[QuickBooksClassMapping]
		client_id: DF.Data | None
		client_secret: DF.Password | None
		company: DF.Link
		connection_message: DF.SmallText | None
		connection_status: DF.Literal["Not Configured", "Disconnected", "Connected", "Expired"]
		customer_import_watermark: DF.Datetime | None
		default_customer_group: DF.Link | None
		default_supplier_group: DF.Link | None
		default_territory: DF.Link | None
		department_dimension: DF.Link | None
		department_mappings: DF.Table[QuickBooksDepartmentMapping]
		emulator_url: DF.Data | None
		enabled: DF.Check
		environment: DF.Literal["Production", "Sandbox", "Emulator"]
		exempt_tax_code: DF.Link | None
		import_customers: DF.Check
		import_interval_minutes: DF.Int
		import_suppliers: DF.Check
		last_import_at: DF.Datetime | None
		last_import_run: DF.Link | None
		last_reference_fetch: DF.Datetime | None
		last_token_refresh: DF.Datetime | None
		pre_submit_check: DF.Literal["Warn", "Block", "Off"]
		push_mode: DF.Literal["On Submit", "Manual Only"]
		qbo_class_per_transaction: DF.Check
		qbo_company_name: DF.Data | None
		qbo_country: DF.Data | None
		qbo_custom_txn_numbers: DF.Check
		qbo_home_currency: DF.Data | None
		qbo_multicurrency: DF.Check
		realm_id: DF.Data | None
		redirect_url: DF.Data | None
		refresh_token: DF.Password | None
		refresh_token_expires_at: DF.Datetime | None
		refresh_token_hard_expires_at: DF.Datetime | None
		supplier_import_watermark: DF.Datetime | None
		sync_payment_entry: DF.Check
		sync_purchase_invoice: DF.Check
		sync_sales_invoice: DF.Check
		sync_start_date: DF.Date | None
		tax_mappings: DF.Table[QuickBooksTaxMapping]
		track_classes: DF.Check
	# end: auto-generated types

	def validate(self) -> None:
		keep_connector_fields(self)
		refuse_emulator_unless_allowed(self)
		self.validate_emulator_url()
		drop_connection_on_credential_change(self)
		self.redirect_url = callback_url()
		self.webhook_url = webhook_url()
		mappings.validate_settings(self)
		dimensions.validate_dimensions(self)

	def validate_emulator_url(self) -> None:
		if self.environment != EMULATOR:
			self.emulator_url = None
			return
		try:
			endpoints_for("custom", self.emulator_url)
		except ValueError:
			frappe.throw(
				_("Enter the emulator's base URL, for example http://127.0.0.1:8765."),
				title=_("Emulator URL"),
			)

	def onload(self) -> None:
		self.set_onload("connection_notice", pop_notice())
		self.set_onload("tax_mapping_status", mappings.tax_mapping_status(self))
		self.set_onload("stale_mappings", mappings.stale_mappings(self))

	def on_trash(self) -> None:
		delete_reference_data(self.name)
