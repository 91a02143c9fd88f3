"""QuickBooks Customer / Vendor -> ERPNext fields for the scheduled import."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from quickbooks_connector.mapping import country_name, customer_fields, supplier_fields
from quickbooks_connector.mapping.party_import import parse_qbo_datetime

CUSTOMER = {
	"Id": "58",
	"SyncToken": "3",
	"DisplayName": "Umbrella Ltd (Customer)",
	"CompanyName": "Umbrella Ltd",
	"PrimaryEmailAddr": {"Address": "ap@umbrella.example"},
	"PrimaryPhone": {"FreeFormNumber": "(555) 555-0100"},
	"Mobile": {"FreeFormNumber": " "},
	"BillAddr": {
		"Line1": "1 Main St",
		"Line2": "Suite 5",
		"Line3": "Floor 2",
		"City": "Austin",
		"CountrySubDivisionCode": "TX",
		"PostalCode": "78701",
		"Country": "USA",
	},
	"ShipAddr": {"Country": "USA"},
	"CurrencyRef": {"value": "USD", "name": "United States Dollar"},
	"Active": True,
	"MetaData": {
		"CreateTime": "2024-01-02T03:04:05-08:00",
		"LastUpdatedTime": "2024-06-01T10:33:39.11-07:00",
	},
}


def test_customer_fields_strip_our_suffix_and_use_erpnext_fieldnames():
	fields = customer_fields(CUSTOMER)
	assert (fields.name, fields.party_type, fields.currency) == ("Umbrella Ltd", "Company", "USD")
	assert (fields.email, fields.phone, fields.mobile) == ("ap@umbrella.example", "(555) 555-0100", None)
	assert fields.billing_address == {
		"address_line1": "1 Main St",
		"address_line2": "Suite 5, Floor 2",
		"city": "Austin",
		"state": "TX",
		"pincode": "78701",
		"country": "United States",
	}
	assert fields.shipping_address is None, "an address with only a country is empty"
	assert (fields.qbo_id, fields.qbo_sync_token, fields.disabled) == ("58", "3", False)
	assert fields.qbo_last_updated == datetime(
		2024, 6, 1, 10, 33, 39, 110000, tzinfo=timezone(timedelta(hours=-7))
	)


def test_suffix_kept_when_it_is_part_of_the_real_name():
	fields = customer_fields(
		{"Id": "1", "DisplayName": "Best Parts (Customer)", "CompanyName": "Best Parts Inc"}
	)
	assert fields.name == "Best Parts (Customer)"


def test_individual_vendor_inactive_with_masked_tax_id():
	vendor = {
		"Id": "9",
		"DisplayName": "Jane Doe (Supplier)",
		"GivenName": "Jane",
		"FamilyName": "Doe",
		"TaxIdentifier": "XXXXXX6789",
		"Active": False,
		"MetaData": {"LastUpdatedTime": "2024-06-01T10:33:39Z"},
	}
	fields = supplier_fields(vendor)
	assert (fields.name, fields.party_type, fields.first_name, fields.last_name) == (
		"Jane Doe",
		"Individual",
		"Jane",
		"Doe",
	)
	assert fields.tax_id is None and fields.disabled is True
	assert fields.qbo_last_updated == datetime(2024, 6, 1, 10, 33, 39, tzinfo=timezone.utc)
	assert supplier_fields({**vendor, "TaxIdentifier": "12-3456789"}).tax_id == "12-3456789"


def test_country_codes_become_erpnext_country_names():
	assert [country_name(code) for code in ("US", "usa", "GBR", "CA", "Germany", "ZZ", None)] == [
		"United States",
		"United States",
		"United Kingdom",
		"Canada",
		"Germany",
		None,
		None,
	]


def test_unusable_timestamps_are_none():
	assert parse_qbo_datetime(None) is None
	assert parse_qbo_datetime("2024-06-01T10:33:39") is None, "no offset: not an aware time"
