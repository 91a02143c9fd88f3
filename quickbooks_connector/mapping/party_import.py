"""QuickBooks Customer / Vendor -> ERPNext Customer / Supplier fields, for the scheduled import.

- name: DisplayName, without the " (Customer)" / " (Supplier)" suffix this connector adds to a party that is both
  customer and supplier - only when what remains is the party's legal name (CompanyName, or Given + Family name),
  so a name that merely ends that way is kept. A name that is only the connector's own rendering of the linked
  ERPNext party's name (`is_connector_name`: ':' made '-', whitespace collapsed, the suffix, length cuts) is no
  change: the importer keeps the ERPNext name rather than write that rendering back.
- party_type: "Company" when CompanyName is set or no person name is; "Individual" for Given/Family names only.
  Goes to customer_type / supplier_type.
- Addresses come back with ERPNext Address fieldnames; empty parts and empty addresses are left out. Country codes
  (ISO alpha-2 or alpha-3, as QuickBooks now returns them) become ERPNext country names for common countries;
  unknown codes give None and the caller keeps its default.
- tax_id: Vendor TaxIdentifier / Customer ResaleNum or PrimaryTaxIdentifier; masked values ("XXXXXX1234", as
  QuickBooks returns tax ids on read) are useless and give None.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from quickbooks_connector.mapping.naming import NAME_MAX, qbo_name
from quickbooks_connector.mapping.parties import display_name_candidates

_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
SUFFIXES = {"Customer": " (Customer)", "Vendor": " (Supplier)"}

COUNTRIES = {
	"US": "United States",
	"USA": "United States",
	"CA": "Canada",
	"CAN": "Canada",
	"GB": "United Kingdom",
	"GBR": "United Kingdom",
	"UK": "United Kingdom",
	"AU": "Australia",
	"AUS": "Australia",
	"NZ": "New Zealand",
	"NZL": "New Zealand",
	"IN": "India",
	"IND": "India",
	"IE": "Ireland",
	"IRL": "Ireland",
	"FR": "France",
	"FRA": "France",
	"DE": "Germany",
	"DEU": "Germany",
	"ES": "Spain",
	"ESP": "Spain",
	"IT": "Italy",
	"ITA": "Italy",
	"NL": "Netherlands",
	"NLD": "Netherlands",
	"BE": "Belgium",
	"BEL": "Belgium",
	"CH": "Switzerland",
	"CHE": "Switzerland",
	"AT": "Austria",
	"AUT": "Austria",
	"MX": "Mexico",
	"MEX": "Mexico",
	"BR": "Brazil",
	"BRA": "Brazil",
	"ZA": "South Africa",
	"ZAF": "South Africa",
	"SG": "Singapore",
	"SGP": "Singapore",
	"HK": "Hong Kong",
	"HKG": "Hong Kong",
	"AE": "United Arab Emirates",
	"ARE": "United Arab Emirates",
	"JP": "Japan",
	"JPN": "Japan",
	"CN": "China",
	"CHN": "China",
	"PH": "Philippines",
	"PHL": "Philippines",
	"MY": "Malaysia",
	"MYS": "Malaysia",
}
_NAMES = {name.casefold(): name for name in COUNTRIES.values()}


@dataclass(frozen=True)
class PartyFields:
	name: str
	party_type: str
	currency: str | None
	tax_id: str | None
	email: str | None
	phone: str | None
	mobile: str | None
	billing_address: dict | None
	shipping_address: dict | None
	disabled: bool
	qbo_id: str
	qbo_sync_token: str | None
	qbo_last_updated: datetime | None
	first_name: str | None = None
	last_name: str | None = None


def customer_fields(qbo: Mapping) -> PartyFields:
	return _fields(qbo, "Customer", qbo.get("ResaleNum") or qbo.get("PrimaryTaxIdentifier"))


def supplier_fields(qbo: Mapping) -> PartyFields:
	return _fields(qbo, "Vendor", qbo.get("TaxIdentifier"))


def connector_names(name: str) -> set[str]:
	"""Every name the push gives QuickBooks for an ERPNext party called `name` (its document name, which the push
	uses for DisplayName, or its customer / supplier name, which becomes CompanyName and PrintOnCheckName):
	DisplayName with and without the " (Customer)" / " (Supplier)" suffix, and the names cut to 100 characters.
	Each is what `qbo_name` and `display_name_candidates` (the push's own rules) make of it."""
	if not (name or "").strip():
		return set()
	names = {name.strip()[:NAME_MAX], qbo_name(name, NAME_MAX)}
	for kind in ("Customer", "Supplier"):
		names.update(display_name_candidates(name, kind))
	return names


def is_connector_name(qbo_names: Iterable[str | None], erpnext_names: Iterable[str | None]) -> bool:
	"""True when a name read from QuickBooks (DisplayName, or the name the import derived from it) is only the
	connector's rendering of one of the ERPNext party's names: importing it would replace ERPNext's name with the
	connector's transformation of it, which is no change made in QuickBooks."""
	rendered: set[str] = set()
	for name in erpnext_names:
		rendered |= connector_names(name or "")
	return any(name and name.strip() in rendered for name in qbo_names)


def country_name(code: str | None) -> str | None:
	"""ERPNext country name for an ISO code (US, USA, GB, ...) or an already spelled-out common country name."""
	if not code:
		return None
	text = code.strip()
	return COUNTRIES.get(text.upper()) or _NAMES.get(text.casefold())


def parse_qbo_datetime(value: str | None) -> datetime | None:
	"""QuickBooks' MetaData times ("2015-07-24T10:33:39-07:00", sometimes with fractions or "Z") as aware
	datetimes; None when absent or without an offset. (Python 3.10's fromisoformat needs 0, 3 or 6 fraction
	digits and no "Z", so the text is normalised first.)"""
	match = _DATETIME.match((value or "").strip())
	if not match:
		return None
	stamp, fraction, offset = match.groups()
	fraction = (fraction or ".0")[1:7].ljust(6, "0")
	offset = "+00:00" if offset == "Z" else offset
	return datetime.fromisoformat(f"{stamp}.{fraction}{offset}")


def _fields(qbo: Mapping, kind: str, tax_id: str | None) -> PartyFields:
	given = (qbo.get("GivenName") or "").strip() or None
	family = (qbo.get("FamilyName") or "").strip() or None
	company = (qbo.get("CompanyName") or "").strip() or None
	person = " ".join(part for part in (given, family) if part) or None
	return PartyFields(
		name=_name(qbo, kind, company, person),
		party_type="Individual" if person and not company else "Company",
		currency=(qbo.get("CurrencyRef") or {}).get("value") or None,
		tax_id=_unmasked(tax_id),
		email=_nested(qbo, "PrimaryEmailAddr", "Address"),
		phone=_nested(qbo, "PrimaryPhone", "FreeFormNumber"),
		mobile=_nested(qbo, "Mobile", "FreeFormNumber"),
		billing_address=_address(qbo.get("BillAddr")),
		shipping_address=_address(qbo.get("ShipAddr")),
		disabled=qbo.get("Active") is False,
		qbo_id=str(qbo.get("Id")),
		qbo_sync_token=qbo.get("SyncToken"),
		qbo_last_updated=parse_qbo_datetime((qbo.get("MetaData") or {}).get("LastUpdatedTime")),
		first_name=given,
		last_name=family,
	)


def _name(qbo: Mapping, kind: str, company: str | None, person: str | None) -> str:
	display = (qbo.get("DisplayName") or company or person or "").strip()
	suffix = SUFFIXES[kind]
	if display.endswith(suffix):
		base = display[: -len(suffix)].strip()
		if base and base in (company, person):
			return base
	return display


def _nested(qbo: Mapping, key: str, field: str) -> str | None:
	value = ((qbo.get(key) or {}).get(field) or "").strip()
	return value or None


def _unmasked(value: str | None) -> str | None:
	text = (value or "").strip()
	if not text or text.upper().startswith("XXX"):
		return None
	return text


def _address(address: Mapping | None) -> dict | None:
	if not address:
		return None
	extra_lines = [address.get(f"Line{n}") for n in (2, 3, 4, 5)]
	fields = {
		"address_line1": address.get("Line1"),
		"address_line2": ", ".join(line.strip() for line in extra_lines if line and line.strip()),
		"city": address.get("City"),
		"state": address.get("CountrySubDivisionCode"),
		"pincode": address.get("PostalCode"),
		"country": country_name(address.get("Country")),
	}
	cleaned = {key: value.strip() for key, value in fields.items() if value and value.strip()}
	return cleaned if set(cleaned) - {"country"} else None
