"""The import never writes the connector's own rendering of an ERPNext name back over that name: a party pushed to
QuickBooks under a cleaned name (':' as '-', collapsed spaces, the " (Customer)" / " (Supplier)" suffix, the
document name, length cuts) keeps its ERPNext name when it is imported, and a name changed in QuickBooks is still
imported. Each rule round-trips: push (the mapping's own payload builders) -> import."""

from __future__ import annotations

from dataclasses import replace

import pytest

from quickbooks_connector.mapping import (
	MappingContext,
	customer_payload,
	display_name_candidates,
	vendor_payload,
)
from quickbooks_connector.mapping.party_import import PartyFields, connector_names, is_connector_name
from quickbooks_connector.sync.party_import import Action, ExistingParty

from .test_party_import import Company, Link, MemoryPartyPort, company  # noqa: F401  (`named` builds on it)

CTX = MappingContext(qbo_country="US", qbo_home_currency="USD", multicurrency=False, company_currency="USD")
ENTITIES = {"Customer": "Customer", "Supplier": "Vendor"}
LONG = "Long Name Holdings " * 32  # 608 characters: QuickBooks' DisplayName holds 500


class NamedPartyPort(MemoryPartyPort):
	"""MemoryPartyPort whose parties also have a customer / supplier name apart from their document name, as in
	ERPNext (a naming series gives CUST-00042 to "Initrode Corp"); names up to 1000 characters, so the length rule
	can be exercised."""

	def __init__(self, clock) -> None:
		super().__init__(clock)
		self.party_names: dict[tuple[str, str], str] = {}

	def update(self, party_type: str, name: str, fields: PartyFields) -> None:
		super().update(party_type, name, fields)
		self.party_names[party_type, name] = fields.name

	def _existing(self, party) -> ExistingParty:
		existing = super()._existing(party)
		return replace(existing, party_name=self.party_names.get((party.party_type, party.name)))

	@staticmethod
	def _check_name(name: str) -> None:
		if len(name) > 1000:
			raise ValueError("Name is too long")


@pytest.fixture
def named(company: Company) -> Company:  # noqa: F811
	company.port = NamedPartyPort(company.clock)
	return company


def push(world: Company, party_type: str, name: str, party_name: str, *, second: bool = False) -> dict:
	"""An ERPNext party saved, and a minute later pushed as the push does it: the record under the name the mapping
	gives it (the suffixed one when `second`: the other kind already holds the plain one), linked to the party."""
	world.port.add(party_type, name)
	world.port.party_names[party_type, name] = party_name
	world.clock.advance(60)
	kind = ENTITIES[party_type]
	display_name = display_name_candidates(name, kind)[1 if second else 0]
	party = {"name": name, "customer_name": party_name, "supplier_name": party_name}
	body = (customer_payload if kind == "Customer" else vendor_payload)(party, CTX, display_name)
	record = world.add(kind, **body)
	world.port.links[kind, record["Id"]] = Link(party_type, name, None, None)  # as the push links it
	return record


RULES = [
	pytest.param(
		"Customer", "Hooli: Research & Development", "Hooli: Research & Development", False, id="colon"
	),
	pytest.param("Customer", "Acme  Widgets\t Ltd", "Acme  Widgets\t Ltd", False, id="whitespace"),
	pytest.param("Customer", "Hooli: Labs", "Hooli: Labs", True, id="customer-suffix"),
	pytest.param("Supplier", "Initech: Supplies", "Initech: Supplies", True, id="supplier-suffix"),
	pytest.param("Customer", "CUST-00042", "Initrode Corp", False, id="document-name"),
	pytest.param("Supplier", LONG, LONG, True, id="length-cut"),
]


@pytest.mark.parametrize(("party_type", "name", "party_name", "second"), RULES)
def test_the_import_keeps_the_erpnext_name_the_push_rendered(
	named: Company, party_type, name, party_name, second
):
	record = push(named, party_type, name, party_name, second=second)
	assert record["DisplayName"] != party_name, "the push changed the name: this is the case under test"

	named.run()

	outcome = named.outcome(record["Id"])
	assert (outcome.action, outcome.party_name) == (Action.UPDATED, name)
	assert named.port.party_names[party_type, name] == party_name
	assert named.port.party(party_type, name).fields.name == party_name


@pytest.mark.parametrize(("party_type", "name", "party_name", "second"), RULES)
def test_a_name_changed_in_quickbooks_is_still_imported(named: Company, party_type, name, party_name, second):
	record = push(named, party_type, name, party_name, second=second)
	named.run()
	named.clock.advance(60)

	named.change(ENTITIES[party_type], record, DisplayName="Renamed In QuickBooks")
	named.run()

	assert named.port.party_names[party_type, name] == "Renamed In QuickBooks"


def test_a_party_matched_by_e_mail_keeps_its_erpnext_name(named: Company):
	named.port.add("Customer", "Hooli: Cloud", email="ap@hooli.example")
	named.port.party_names["Customer", "Hooli: Cloud"] = "Hooli: Cloud"
	named.clock.advance(60)
	record = named.add(
		"Customer", DisplayName="Hooli- Cloud", PrimaryEmailAddr={"Address": "ap@hooli.example"}
	)

	named.run()

	assert named.outcome(record["Id"]).party_name == "Hooli: Cloud"
	assert named.port.party_names["Customer", "Hooli: Cloud"] == "Hooli: Cloud"


def test_connector_names_are_what_the_push_makes_of_a_name():
	assert connector_names("Hooli:  R&D") == {
		"Hooli:  R&D",
		"Hooli- R&D",
		"Hooli- R&D (Customer)",
		"Hooli- R&D (Supplier)",
	}
	assert max(len(name) for name in connector_names(LONG)) == 500
	assert is_connector_name(["Hooli- R&D (Supplier)"], ["Hooli:  R&D"])
	assert not is_connector_name(["Hooli R&D"], ["Hooli:  R&D"])
	assert not is_connector_name(["Hooli- R&D"], [None, ""])
