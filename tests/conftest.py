"""Shared fixtures: one QBO emulator per test session, reached over real HTTP on 127.0.0.1.

* ``emulator`` (session): a started EmulatorServer.
* ``admin``: EmulatorAdmin for it; after each test injected faults are cleared and the runtime config
  (limits, latency, token lifetimes) goes back to its defaults.
* ``realm``: a fresh US company; ``realm_factory(**options)`` makes others (``country="GB"``, ...).
* ``tokens``: a token response for ``realm`` (as if the user had connected the app).
"""

from collections.abc import Callable, Iterator

import pytest

from quickbooks_connector.emulator import EmulatorAdmin, EmulatorServer


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
	server = EmulatorServer(host="127.0.0.1", port=0).start()
	yield server
	server.stop()


@pytest.fixture
def admin(emulator: EmulatorServer) -> Iterator[EmulatorAdmin]:
	client = EmulatorAdmin(emulator.base_url)
	yield client
	client.clear_faults()
	client.reset_config()
	client.close()


@pytest.fixture
def realm_factory(admin: EmulatorAdmin) -> Callable[..., str]:
	def create(**options) -> str:
		return admin.create_realm(**options)

	return create


@pytest.fixture
def realm(realm_factory: Callable[..., str]) -> str:
	return realm_factory()


@pytest.fixture
def tokens(admin: EmulatorAdmin, realm: str) -> dict:
	return admin.issue_tokens(realm)
