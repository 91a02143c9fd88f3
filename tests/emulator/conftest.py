"""Fixtures of the emulator tests: ``api`` (raw client for the ``realm`` fixture), ``make_api(**options)`` and
``private_server(**options)`` for tests that restart, reset or move the clock far (the session server is shared
with other test packages, so those must not disturb it)."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from quickbooks_connector.emulator import EmulatorAdmin, EmulatorServer

from .support import Api


@pytest.fixture
def make_api(emulator: EmulatorServer, admin: EmulatorAdmin) -> Callable[..., Api]:
	"""An Api for a new realm created with the given company options."""

	def make(**options: Any) -> Api:
		realm_id = admin.create_realm(**options)
		return Api(emulator.base_url, realm_id, admin.issue_tokens(realm_id)["access_token"])

	return make


@pytest.fixture
def api(emulator: EmulatorServer, realm: str, tokens: dict) -> Api:
	return Api(emulator.base_url, realm, tokens["access_token"])


@pytest.fixture
def private_server() -> Iterator[Callable[..., EmulatorServer]]:
	"""Start servers of the test's own (stopped afterwards)."""
	servers: list[EmulatorServer] = []

	def start(**options: Any) -> EmulatorServer:
		server = EmulatorServer(port=0, **options).start()
		servers.append(server)
		return server

	yield start
	for server in servers:
		server.stop()
