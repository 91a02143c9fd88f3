"""An ERPNext company (the bundled sample documents the connector pushes, in a MemoryPort) connected to a fresh
emulated QuickBooks company."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest

from quickbooks_connector.demo import FixtureSet, connect, mapping_context
from quickbooks_connector.emulator import EmulatorAdmin
from quickbooks_connector.mapping import MappingContext
from quickbooks_connector.qbo import QBOClient
from quickbooks_connector.sync import MemoryPort, PushEngine, SyncPolicy


@dataclass
class World:
	realm_id: str
	client: QBOClient
	port: MemoryPort
	ctx: MappingContext
	engine: PushEngine
	fixtures: FixtureSet
	admin: EmulatorAdmin

	def doc(self, name: str) -> dict:
		return next(doc for doc in self.fixtures.documents if doc["name"] == name)

	def engine_with(self, **changes) -> PushEngine:
		port, ctx = changes.pop("port", self.port), changes.pop("ctx", self.ctx)
		return PushEngine(self.client, port, ctx, self.realm_id, **{"settle_seconds": 0, **changes})

	def held(self, entity: str, where: str = "", *params) -> list[dict]:
		return list(self.client.query(f"select * from {entity} {where}", *params))

	def add_copy(self, name: str, new_name: str, **changes) -> dict:
		doc = copy.deepcopy(self.doc(name))
		doc.update(name=new_name, **changes)
		self.port.add_document(doc)
		return doc


@pytest.fixture(scope="session")
def fixtures() -> FixtureSet:
	return FixtureSet.load()


@pytest.fixture
def make_world(emulator, admin: EmulatorAdmin, fixtures: FixtureSet):
	def make(policy: SyncPolicy | None = None, **realm_options) -> World:
		options = {"multicurrency": True, "home_currency": "USD", **realm_options}
		realm_id = admin.create_realm(**options)
		# One attempt per call: retries are the engine's job in these tests, and nobody waits for backoff.
		client = connect(emulator.base_url, realm_id, max_attempts=1, sleep=lambda seconds: None)
		port = fixtures.port()
		ctx = mapping_context(client, fixtures)
		# Retries here come at once; a real one comes after the engine's settle time (see test_settle.py).
		engine = PushEngine(client, port, ctx, realm_id, policy=policy, settle_seconds=0)
		return World(realm_id, client, port, ctx, engine, fixtures, admin)

	return make


@pytest.fixture
def world(make_world) -> World:
	return make_world()
