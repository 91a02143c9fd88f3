"""DocNumbers, adoption markers, item names and party payloads."""

from __future__ import annotations

from quickbooks_connector.mapping import (
	ItemSpec,
	customer_payload,
	display_name_candidates,
	doc_number,
	is_ours,
	item_name_candidates,
	item_payload,
	private_note,
	vendor_payload,
)

from .support import load, us_context


def test_short_names_are_their_own_doc_number():
	assert doc_number("ACC-SINV-2026-00011") == "ACC-SINV-2026-00011"


def test_long_names_get_a_deterministic_21_character_number():
	first = doc_number("ACC-SINV-RETURN-2026-000000011")
	assert len(first) == 21 and first.startswith("ACC-SINV-")
	assert first == doc_number("ACC-SINV-RETURN-2026-000000011")
	assert first != doc_number("ACC-SINV-RETURN-2026-000000012"), "names sharing their series stay apart"


def test_long_names_of_one_series_do_not_collide():
	"""A busy series: a quarter of a million long names, every one with its own number."""
	names = [f"ACC-SINV-RET-2026-{number:07d}-1" for number in range(250_000)]
	assert len({doc_number(name) for name in names}) == len(names)


def test_private_note_identifies_the_document_even_after_quickbooks_voids_it():
	note = private_note("Sales Invoice", "ACC-SINV-2026-00011", "amends ACC-SINV-2026-00010")
	assert note == "ERPNext Sales Invoice ACC-SINV-2026-00011; amends ACC-SINV-2026-00010"
	assert is_ours({"PrivateNote": note}, "Sales Invoice", "ACC-SINV-2026-00011")
	assert is_ours({"PrivateNote": "Voided " + note}, "Sales Invoice", "ACC-SINV-2026-00011")
	assert not is_ours({"PrivateNote": note}, "Sales Invoice", "ACC-SINV-2026-0001")
	assert not is_ours(
		{"PrivateNote": note}, "Sales Invoice", "ACC-SINV-2026-00010"
	), "amended_from is not ours"
	assert not is_ours({"PrivateNote": note}, "Purchase Invoice", "ACC-SINV-2026-00011")
	assert not is_ours({}, "Sales Invoice", "ACC-SINV-2026-00011")


def test_party_that_is_customer_and_supplier_gets_a_second_name():
	assert display_name_candidates("Umbrella Ltd", "Customer") == ["Umbrella Ltd", "Umbrella Ltd (Customer)"]
	assert display_name_candidates("Umbrella Ltd", "Supplier") == ["Umbrella Ltd", "Umbrella Ltd (Supplier)"]


def test_colons_and_length_in_party_names():
	assert display_name_candidates("  Acme: West   Division ", "Customer")[0] == "Acme- West Division"
	long = display_name_candidates("X" * 600, "Supplier")
	assert [len(name) for name in long] == [500, 500] and long[1].endswith(" (Supplier)")


def test_item_names_are_valid_and_end_with_a_unique_one():
	spec = ItemSpec("WIDGET:A|101", "WIDGET-A", "Service", "101", "Sales: Retail", "Widget A")
	names = item_name_candidates(spec)
	assert names[0] == "WIDGET-A" and names[1] == "WIDGET-A (Sales- Retail)"
	assert len(names) == 3 and all(":" not in name and len(name) <= 100 for name in names)
	long = ItemSpec("K" * 140 + "|101", "K" * 100, "Service", "101", "Sales")
	assert all(len(name) <= 100 for name in item_name_candidates(long))
	assert item_name_candidates(long)[1].endswith(" (Sales)")
	assert item_payload(spec, names[1]) == {
		"Name": "WIDGET-A (Sales- Retail)",
		"Type": "Service",
		"IncomeAccountRef": {"value": "101", "name": "Sales: Retail"},
		"Description": "Widget A",
	}


def test_customer_payload_from_the_fixture_parties():
	ctx = us_context()
	globex = {
		**load("masters/customer_globex_eur.json")["doc"],
		"email": "ap@globex.example",
		"phone": "+49 30 1234",
	}
	globex["billing_address"] = {
		"address_line1": "Hauptstr. 1",
		"city": "Berlin",
		"pincode": "10115",
		"country": "Germany",
		"state": "",
	}
	body = customer_payload(globex, ctx, "Globex GmbH")
	assert body == {
		"DisplayName": "Globex GmbH",
		"Active": True,
		"Notes": "ERPNext Customer Globex GmbH",
		"CompanyName": "Globex GmbH",
		"PrimaryEmailAddr": {"Address": "ap@globex.example"},
		"PrimaryPhone": {"FreeFormNumber": "+49 30 1234"},
		"CurrencyRef": {"value": "EUR"},
		"Taxable": True,
		"BillAddr": {"Line1": "Hauptstr. 1", "City": "Berlin", "PostalCode": "10115", "Country": "Germany"},
	}
	acme = customer_payload(load("masters/customer_acme.json")["doc"], ctx, "Acme Corp")
	assert acme["CurrencyRef"] == {"value": "USD"}
	assert "CurrencyRef" not in customer_payload(
		load("masters/customer_acme.json")["doc"], us_context(multicurrency=False), "Acme Corp"
	)


def test_individual_customer_and_vendor_payloads():
	ctx = us_context()
	person = {
		**load("masters/customer_acme.json")["doc"],
		"customer_name": "Jane Q Doe",
		"customer_type": "Individual",
	}
	body = customer_payload(person, ctx, "Jane Q Doe")
	assert (body["GivenName"], body["FamilyName"]) == ("Jane Q", "Doe") and "CompanyName" not in body

	supplier = {**load("masters/supplier_umbrella.json")["doc"], "tax_id": "12-3456789", "irs_1099": 1}
	vendor = vendor_payload(supplier, ctx, "Umbrella Ltd (Supplier)")
	assert vendor["DisplayName"] == "Umbrella Ltd (Supplier)"
	assert vendor["CompanyName"] == "Umbrella Ltd" and vendor["PrintOnCheckName"] == "Umbrella Ltd"
	assert (vendor["TaxIdentifier"], vendor["Vendor1099"]) == ("12-3456789", True)
	assert vendor["Notes"] == "ERPNext Supplier Umbrella Ltd"


def test_us_customer_exempt_from_sales_tax():
	exempt = {**load("masters/customer_acme.json")["doc"], "exempt_from_sales_tax": 1, "tax_id": "RESALE-778"}
	body = customer_payload(exempt, us_context(), "Acme Corp")
	assert body["Taxable"] is False and body["ResaleNum"] == "RESALE-778"
