"""HTTP plumbing: a stdlib ``ThreadingHTTPServer`` that feeds requests to the :class:`Emulator`.

HTTP/1.1 with keep-alive (one thread per connection), ``TCP_NODELAY`` and the whole response written in one
go, so a loopback client is never slowed down by Nagle/delayed-ACK stalls. A "drop" fault is served by
reading the request, running it, then closing the socket without writing a byte. A request with
``Connection: close`` gets ``Connection: close`` back before the socket is closed, so the client does not reuse it.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from quickbooks_connector.emulator.app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator
from quickbooks_connector.emulator.messages import Request


class _HTTPServer(ThreadingHTTPServer):
	daemon_threads = True
	allow_reuse_address = True
	request_queue_size = 128

	def __init__(self, address: tuple[str, int], app: Emulator, verbose: bool) -> None:
		self.app = app
		self.verbose = verbose
		self._connections: set[socket.socket] = set()
		self._connections_lock = threading.Lock()
		super().__init__(address, _Handler)

	def track(self, connection: socket.socket, active: bool) -> None:
		with self._connections_lock:
			if active:
				self._connections.add(connection)
			else:
				self._connections.discard(connection)

	def close_connections(self) -> None:
		"""Wake keep-alive handler threads so they end with the server."""
		with self._connections_lock:
			connections = list(self._connections)
		for connection in connections:
			try:
				connection.shutdown(socket.SHUT_RDWR)
			except OSError:
				pass


class _Handler(BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"
	server_version = "QBOEmulator/1.0"
	disable_nagle_algorithm = True
	wbufsize = 256 * 1024  # buffered: status line, headers and body leave in one write
	server: _HTTPServer

	def setup(self) -> None:
		super().setup()
		self.server.track(self.connection, True)

	def finish(self) -> None:
		try:
			super().finish()
		finally:
			self.server.track(self.connection, False)

	def do_GET(self) -> None:
		self._serve()

	do_POST = do_DELETE = do_PUT = do_PATCH = do_GET

	def _serve(self) -> None:
		length = int(self.headers.get("Content-Length") or 0)
		body = self.rfile.read(length) if length > 0 else b""
		split = urlsplit(self.path)
		params = dict(parse_qsl(split.query, keep_blank_values=True))
		request = Request(self.command, split.path, params, self.headers, body, self.path)
		response = self.server.app.handle(request)
		if response.drop:
			self.close_connection = True
			return
		self.send_response(response.status)
		for name, value in response.headers.items():
			self.send_header(name, value)
		if self.close_connection:  # the client asked for "Connection: close": say so, as any server does
			self.send_header("Connection", "close")
		self.send_header("Content-Length", str(len(response.body)))
		self.end_headers()
		self.wfile.write(response.body)

	def log_message(self, format: str, *args: object) -> None:
		if self.server.verbose:
			super().log_message(format, *args)


class EmulatorServer:
	"""The emulator on a real socket, served from a background thread."""

	def __init__(
		self,
		host: str = "127.0.0.1",
		port: int = 0,
		state_file: str | Path | None = None,
		client_id: str = DEFAULT_CLIENT_ID,
		client_secret: str = DEFAULT_CLIENT_SECRET,
		verbose: bool = False,
	) -> None:
		self.app = Emulator(client_id, client_secret, Path(state_file) if state_file else None)
		self._address = (host, port)
		self._verbose = verbose
		self._httpd: _HTTPServer | None = None
		self._thread: threading.Thread | None = None

	@property
	def port(self) -> int:
		if self._httpd is None:
			raise RuntimeError("the emulator is not started")
		return self._httpd.server_address[1]

	@property
	def base_url(self) -> str:
		host = self._address[0]
		return f"http://{'127.0.0.1' if host in ('', '0.0.0.0') else host}:{self.port}"

	def start(self) -> EmulatorServer:
		self.app.start()
		self._httpd = _HTTPServer(self._address, self.app, self._verbose)
		self._thread = threading.Thread(
			target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="qbo-emulator", daemon=True
		)
		self._thread.start()
		return self

	def stop(self) -> None:
		if self._httpd is None:
			return
		self._httpd.shutdown()
		assert self._thread is not None
		self._thread.join()
		self._httpd.close_connections()
		self._httpd.server_close()
		self.app.stop()
		self._httpd = None
		self._thread = None

	def __enter__(self) -> EmulatorServer:
		return self.start()

	def __exit__(self, *exc_info: object) -> None:
		self.stop()
