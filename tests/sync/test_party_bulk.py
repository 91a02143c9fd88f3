"""A backfill chunk's ERPNext parties are loaded together (`get_parties`), each exactly as `get_party` gives it."""

from __future__ import annotations

import pytest

from quickbooks_connector.demo import FixtureSet
from quickbooks_connector.sync import DocumentNotFound, MemoryPort, Status
from quickbooks_connector.sync.port import parties_of
from quickbooks_connector.sync.sqlite_port import SQLitePort

from .test_bulk_resolve import invoice_for, new_customer


@pytest.fixture(scope="module")
def samples() -> FixtureSet:
	return FixtureSet.load()


@pytest.fixture(params=["memory", "sqlite"])
def port(request, samples: FixtureSet, tmp_path):
	port = MemoryPort() if request.param == "memory" else SQLitePort(str(tmp_path / "sync.db"))
	for party_type, party in samples.parties:
		port.add_party(party_type, party)
	return port


def names_by_type(samples: FixtureSet) -> dict[str, list[str]]:
	names: dict[str, list[str]] = {}
	for party_type, party in samples.parties:
		names.setdefault(party_type, []).append(party["name"])
	return names


def test_bulk_parties_equal_the_single_ones_and_missing_names_are_left_out(port, samples):
	for party_type, names in names_by_type(samples).items():
		parties = port.get_parties(party_type, [*names, "No Such Party", names[0]])

		assert list(parties) == names
		assert parties == {name: port.get_party(party_type, name) for name in names}


def test_a_port_without_the_bulk_method_is_asked_party_by_party(port, samples):
	class SinglePort:  # a port written before get_parties
		get_party = port.get_party

	customers = names_by_type(samples)["Customer"]

	assert parties_of(SinglePort(), "Customer", customers) == port.get_parties("Customer", customers)
	with pytest.raises(DocumentNotFound):
		parties_of(port, "Customer", [*customers, "No Such Party"])


def test_a_chunk_of_new_customers_is_loaded_with_one_call_not_one_per_customer(world, monkeypatch):
	world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")  # accounts, tax codes and items exist
	refs = []
	for number in range(12):
		new_customer(world, f"Loaded Customer {number:02d}", f"loaded{number:02d}@example.com")
		refs.append(invoice_for(world, 100 + number, f"Loaded Customer {number:02d}"))
	singles, bulks = [], []
	get_party, get_parties = world.port.get_party, world.port.get_parties
	monkeypatch.setattr(world.port, "get_party", lambda *args: singles.append(args) or get_party(*args))
	monkeypatch.setattr(world.port, "get_parties", lambda *args: bulks.append(args) or get_parties(*args))

	records = world.engine.push_many(refs)

	assert all(record.status == Status.SYNCED for record in records)
	assert [(party_type, len(names)) for party_type, names in bulks] == [("Customer", 12)]
	assert singles == []
	for number in range(12):
		[customer] = world.held("Customer", "where DisplayName = {}", f"Loaded Customer {number:02d}")
		assert customer["PrimaryEmailAddr"]["Address"] == f"loaded{number:02d}@example.com"
