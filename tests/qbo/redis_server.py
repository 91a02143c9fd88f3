"""A throwaway redis-server on a free loopback port in a temporary directory, for the tests of the shared budget."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time


class RedisServer:
	"""`with RedisServer() as server:` starts `redis-server` (nothing saved to disk) and stops it afterwards."""

	def __init__(self) -> None:
		self.binary = shutil.which("redis-server")
		self.port = 0
		self._process: subprocess.Popen[bytes] | None = None
		self._dir: tempfile.TemporaryDirectory[str] | None = None

	@property
	def url(self) -> str:
		return f"redis://127.0.0.1:{self.port}/0"

	def __enter__(self) -> RedisServer:
		if not self.binary:
			raise RuntimeError("redis-server is not installed")
		self._dir = tempfile.TemporaryDirectory(prefix="qbo-redis-")
		for _attempt in range(5):  # another process may take the free port before redis-server binds it
			self.port = _free_port()
			self._process = subprocess.Popen(
				[
					self.binary,
					*("--port", str(self.port), "--bind", "127.0.0.1", "--dir", self._dir.name),
					*("--save", "", "--appendonly", "no", "--protected-mode", "yes"),
				],
				stdout=subprocess.DEVNULL,
				stderr=subprocess.DEVNULL,
			)
			if self._wait_ready():
				return self
			self._stop_process()
		self._dir.cleanup()
		raise RuntimeError("redis-server did not start")

	def __exit__(self, *exc_info: object) -> None:
		self._stop_process()
		if self._dir:
			self._dir.cleanup()

	def _wait_ready(self, timeout: float = 20.0) -> bool:
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			if self._process and self._process.poll() is not None:
				return False
			try:
				with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
					connection.sendall(b"PING\r\n")
					if connection.recv(16).startswith(b"+PONG"):
						return True
			except OSError:
				pass
			time.sleep(0.05)
		return False

	def _stop_process(self) -> None:
		if self._process and self._process.poll() is None:
			self._process.terminate()
			try:
				self._process.wait(timeout=10)
			except subprocess.TimeoutExpired:
				self._process.kill()
				self._process.wait()


def _free_port() -> int:
	with socket.socket() as probe:
		probe.bind(("127.0.0.1", 0))
		return probe.getsockname()[1]
