"""Pure mapping between ERPNext 15 documents (plain dicts, as `Document.as_dict()` gives them) and QuickBooks
Online payloads. No network, no framework: see documents.py for the flow the sync engine follows."""

from quickbooks_connector.mapping.accounts import qbo_account_type
from quickbooks_connector.mapping.context import MappingContext, QBOAccountRef, QBOTaxCodeRef
from quickbooks_connector.mapping.documents import (
	SUPPORTED_DOCTYPES,
	PlannedDocument,
	build_followups,
	build_payload,
	build_prerequisites,
	dependencies,
	plan,
)
from quickbooks_connector.mapping.errors import MappingError, Problem
from quickbooks_connector.mapping.naming import doc_number, is_ours, private_note
from quickbooks_connector.mapping.parties import (
	customer_payload,
	display_name_candidates,
	employee_payload,
	vendor_payload,
)
from quickbooks_connector.mapping.party_import import (
	PartyFields,
	country_name,
	customer_fields,
	supplier_fields,
)
from quickbooks_connector.mapping.payload import QBOPayload, Skip
from quickbooks_connector.mapping.payment import build_deduction_journal
from quickbooks_connector.mapping.purchase import build_vendor_credit_application
from quickbooks_connector.mapping.refs import (
	Dependencies,
	ItemSpec,
	LinkedDoc,
	PartySpec,
	Refs,
	TxnRef,
	item_name_candidates,
	item_payload,
)
from quickbooks_connector.mapping.sales import build_credit_application

__all__ = [
	"SUPPORTED_DOCTYPES",
	"Dependencies",
	"ItemSpec",
	"LinkedDoc",
	"MappingContext",
	"MappingError",
	"PartyFields",
	"PartySpec",
	"PlannedDocument",
	"Problem",
	"QBOAccountRef",
	"QBOPayload",
	"QBOTaxCodeRef",
	"Refs",
	"Skip",
	"TxnRef",
	"build_credit_application",
	"build_deduction_journal",
	"build_followups",
	"build_payload",
	"build_prerequisites",
	"build_vendor_credit_application",
	"country_name",
	"customer_fields",
	"customer_payload",
	"dependencies",
	"display_name_candidates",
	"doc_number",
	"employee_payload",
	"is_ours",
	"item_name_candidates",
	"item_payload",
	"plan",
	"private_note",
	"qbo_account_type",
	"supplier_fields",
	"vendor_payload",
]
