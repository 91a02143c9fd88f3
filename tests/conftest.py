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


class WebhookSink:
	"""An HTTP endpoint on 127.0.0.1 that keeps what it receives (body bytes and headers) and answers with the
	statuses queued in `answers` (200 once they run out); `handler(body, headers)` runs on every request."""

	def __init__(self) -> None:
		import threading
		from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

		self.received: list[tuple[bytes, dict[str, str]]] = []
		self.answers: list[int] = []
		self.handler: Callable[[bytes, dict[str, str]], None] | None = None
		self.arrived = threading.Condition()
		sink = self

		class Handler(BaseHTTPRequestHandler):
			def do_POST(self) -> None:
				body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
				headers = {key.lower(): value for key, value in self.headers.items()}
				status = sink.answers.pop(0) if sink.answers else 200
				if status < 300 and sink.handler is not None:
					sink.handler(body, headers)
				with sink.arrived:
					sink.received.append((body, headers))
					sink.arrived.notify_all()
				self.send_response(status)
				self.send_header("Content-Length", "0")
				self.end_headers()

			def log_message(self, *args) -> None:
				pass

		self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
		self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhook"
		self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
		self._thread.start()

	def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[bytes, dict[str, str]]]:
		"""The first `count` requests, once they have arrived (AssertionError after `timeout` seconds)."""
		with self.arrived:
			if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout):
				raise AssertionError(f"{len(self.received)} webhook requests arrived, expected {count}")
			return list(self.received[:count])

	def close(self) -> None:
		self._server.shutdown()
		self._server.server_close()


@pytest.fixture
def webhook_sink(admin: EmulatorAdmin) -> Iterator[WebhookSink]:
	"""A receiving endpoint; every webhook subscription of the emulator is removed afterwards."""
	sink = WebhookSink()
	yield sink
	admin.remove_webhooks()
	sink.close()
