"""ERPNext Customer / Supplier / Employee -> QuickBooks Customer / Vendor / Employee body.

The port supplies the party document plus "email", "phone", "mobile", "billing_address" and "shipping_address"
(dicts with ERPNext Address fieldnames: address_line1, address_line2, city, state, pincode, country) and, when it
knows it, "party_account_currency" (the currency of the party's receivable/payable account in this company).

- DisplayName: chosen by the engine from `display_name_candidates` (QuickBooks names are unique across customers,
  vendors and employees, so a party that is both customer and supplier in ERPNext gets " (Customer)" /
  " (Supplier)" on the second one created). ':' becomes '-', at most 500 characters.
- Company parties send CompanyName; individuals send GivenName/FamilyName (first_name/last_name when the document
  has them, else the name split at its last space).
- CurrencyRef (multicurrency only; QuickBooks never lets it change): default_currency, else the party account's
  currency, else the company currency. Every transaction of the party must be in that currency. A currency
  QuickBooks cannot hold (not an ISO 4217 code, see currencies.py) is a MappingError before anything is created.
- US customers exempt from sales tax are sent with Taxable false and their tax id as resale number; vendors carry
  their tax id as TaxIdentifier and the 1099 flag.
- Notes always say "ERPNext Customer <name>" / "ERPNext Supplier <name>" so an existing party can be recognised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from quickbooks_connector.mapping import currencies
from quickbooks_connector.mapping.context import MappingContext
from quickbooks_connector.mapping.errors import MappingError
from quickbooks_connector.mapping.naming import DISPLAY_NAME_MAX, NAME_MAX, marker, qbo_name

SUFFIX = {
	"Customer": " (Customer)",
	"Supplier": " (Supplier)",
	"Vendor": " (Supplier)",
	"Employee": " (Employee)",
}
PHONE_MAX = 30
EMPLOYEE_NUMBER_MAX = 100
# QuickBooks address field -> (ERPNext Address fieldname, QuickBooks length limit)
ADDRESS_FIELDS = {
	"Line1": ("address_line1", 500),
	"Line2": ("address_line2", 500),
	"City": ("city", 255),
	"CountrySubDivisionCode": ("state", 255),
	"PostalCode": ("pincode", 30),
	"Country": ("country", 255),
}


def display_name_candidates(
	name: str, kind: Literal["Customer", "Supplier", "Vendor", "Employee"]
) -> list[str]:
	base = qbo_name(name, DISPLAY_NAME_MAX)
	suffix = SUFFIX[kind]
	return [base, qbo_name(base[: DISPLAY_NAME_MAX - len(suffix)] + suffix, DISPLAY_NAME_MAX)]


def customer_payload(party: Mapping, ctx: MappingContext, display_name: str) -> dict:
	body = _common(
		party, ctx, display_name, party.get("customer_name"), party.get("customer_type"), "Customer"
	)
	if ctx.is_us and "exempt_from_sales_tax" in party:
		exempt = bool(party.get("exempt_from_sales_tax"))
		body["Taxable"] = not exempt
		if exempt and party.get("tax_id"):
			body["ResaleNum"] = str(party["tax_id"])[:16]
	_address(body, "BillAddr", party.get("billing_address"))
	_address(body, "ShipAddr", party.get("shipping_address"))
	return body


def vendor_payload(party: Mapping, ctx: MappingContext, display_name: str) -> dict:
	body = _common(
		party, ctx, display_name, party.get("supplier_name"), party.get("supplier_type"), "Supplier"
	)
	body["PrintOnCheckName"] = qbo_name(party.get("supplier_name") or party.get("name") or display_name, 100)
	if party.get("tax_id"):
		body["TaxIdentifier"] = str(party["tax_id"])[:20]
	if ctx.is_us and "irs_1099" in party:
		body["Vendor1099"] = bool(party.get("irs_1099"))
	_address(body, "BillAddr", party.get("billing_address") or party.get("shipping_address"))
	return body


def employee_payload(party: Mapping, ctx: MappingContext, display_name: str) -> dict:
	"""An ERPNext Employee as a QuickBooks Employee: GivenName and FamilyName (required by QuickBooks), the e-mail
	ERPNext prefers, EmployeeNumber = the ERPNext id. No CurrencyRef: QuickBooks employees are in the home
	currency."""
	name = party.get("name") or display_name
	given, family = _person_name(party, (party.get("employee_name") or name).strip())
	body: dict = {
		"DisplayName": qbo_name(display_name, DISPLAY_NAME_MAX),
		"GivenName": given or family or qbo_name(name, NAME_MAX),
		"FamilyName": family or given or qbo_name(name, NAME_MAX),
		"EmployeeNumber": str(name)[:EMPLOYEE_NUMBER_MAX],
	}
	email = party.get("prefered_email") or party.get("company_email") or party.get("personal_email")
	if email:
		body["PrimaryEmailAddr"] = {"Address": email.strip()}
	mobile = party.get("cell_number")
	if mobile:
		body["Mobile"] = {"FreeFormNumber": str(mobile).strip()[:PHONE_MAX]}
	return body


def party_currency(party: Mapping, ctx: MappingContext) -> str:
	return (
		party.get("default_currency") or party.get("party_account_currency") or ctx.company_currency
	).upper()


def _common(
	party: Mapping,
	ctx: MappingContext,
	display_name: str,
	legal_name: str | None,
	party_type: str | None,
	doctype: str,
) -> dict:
	name = party.get("name") or legal_name or display_name
	legal = (legal_name or name).strip()
	body: dict = {
		"DisplayName": qbo_name(display_name, DISPLAY_NAME_MAX),
		"Active": not party.get("disabled"),
		"Notes": marker(doctype, name),
	}
	if party_type == "Individual":
		given, family = _person_name(party, legal)
		if given:
			body["GivenName"] = given
		if family:
			body["FamilyName"] = family
	else:
		body["CompanyName"] = legal[:NAME_MAX]
	email = party.get("email") or party.get("email_id")
	if email:
		body["PrimaryEmailAddr"] = {"Address": email.strip()}
	phone = party.get("phone")
	if phone:
		body["PrimaryPhone"] = {"FreeFormNumber": str(phone).strip()[:PHONE_MAX]}
	mobile = party.get("mobile") or party.get("mobile_no")
	if mobile:
		body["Mobile"] = {"FreeFormNumber": str(mobile).strip()[:PHONE_MAX]}
	if ctx.multicurrency:
		currency = party_currency(party, ctx)
		if not currencies.is_supported(currency):
			raise MappingError(currencies.unsupported(currency, f"{doctype} '{name}'"))
		body["CurrencyRef"] = {"value": currency}
	return body


def _person_name(party: Mapping, legal: str) -> tuple[str, str]:
	first, last = (party.get("first_name") or "").strip(), (party.get("last_name") or "").strip()
	if not (first or last):
		first, _, last = legal.rpartition(" ")
		if not first:
			first, last = last, ""
	return first[:NAME_MAX], last[:NAME_MAX]


def _address(body: dict, key: str, address: Mapping | None) -> None:
	if not address:
		return
	cleaned = {}
	for field, (fieldname, limit) in ADDRESS_FIELDS.items():
		value = str(address.get(fieldname) or "").strip()
		if value:
			cleaned[field] = value[:limit]
	if cleaned:
		body[key] = cleaned
