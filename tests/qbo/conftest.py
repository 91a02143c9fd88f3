"""Clients wired to the emulator (fixtures `emulator`, `admin`, `realm`, `tokens` come from tests/conftest.py).

Time is injected: `fake_time.sleep` records and skips waits, and `fake_time.clock` runs ahead by the sum of the
skipped waits, so retry deadlines and backoff are exercised without anyone waiting.
"""

import time
from collections.abc import Callable

import pytest

from quickbooks_connector.qbo import (
	Endpoints,
	MemoryTokenStore,
	OAuth,
	QBOClient,
	Throttle,
	ThrottleLimits,
	Tokens,
	endpoints_for,
)

CLIENT_ID = "emulator-client-id"
CLIENT_SECRET = "emulator-client-secret"
REDIRECT_URI = "https://erp.example.com/api/method/quickbooks_connector.oauth.callback"

# Far above anything a test sends: tests that are not about throttling must never wait on it.
UNLIMITED = ThrottleLimits(requests_per_minute=1_000_000, max_concurrent=64, batches_per_minute=1_000_000)


class FakeTime:
	"""Real time plus the waits we skipped; optionally moves the emulator's clock by the same amount."""

	def __init__(self, advance_emulator: Callable[[float], None] | None = None) -> None:
		self.skipped = 0.0
		self.sleeps: list[float] = []
		self._advance_emulator = advance_emulator

	def clock(self) -> float:
		return time.time() + self.skipped

	def sleep(self, seconds: float) -> None:
		self.sleeps.append(seconds)
		self.skipped += seconds
		if self._advance_emulator:
			self._advance_emulator(seconds)


@pytest.fixture
def fake_time() -> FakeTime:
	return FakeTime()


@pytest.fixture
def endpoints(emulator) -> Endpoints:
	return endpoints_for("custom", emulator.base_url)


@pytest.fixture
def oauth(endpoints) -> OAuth:
	return OAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, endpoints)


@pytest.fixture
def store(tokens, realm) -> MemoryTokenStore:
	return MemoryTokenStore(Tokens.from_token_response(tokens, realm, time.time()))


@pytest.fixture
def make_client(realm, oauth, store, endpoints, fake_time) -> Callable[..., QBOClient]:
	def make(**overrides) -> QBOClient:
		options = {
			"throttle": Throttle(UNLIMITED),
			"timeout": (2, 10),
			"max_attempts": 4,
			"retry_deadline": 60.0,
			"sleep": fake_time.sleep,
			"clock": fake_time.clock,
			**overrides,
		}
		return QBOClient(
			realm, options.pop("oauth", oauth), options.pop("token_store", store), endpoints, **options
		)

	return make


@pytest.fixture
def client(make_client) -> QBOClient:
	return make_client()
