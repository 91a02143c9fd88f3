"""Run the QBO emulator: ``python -m quickbooks_connector.emulator --port 8765 [--state FILE]``.

Point the connector's "custom" environment at ``http://HOST:PORT``: the authorize URL is ``/connect/oauth2``,
tokens ``/oauth2/v1/tokens/bearer``, revocation ``/v2/oauth2/tokens/revoke`` and the API ``/v3/company/...``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from quickbooks_connector.emulator.app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from quickbooks_connector.emulator.server import EmulatorServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
	parser = argparse.ArgumentParser(
		prog="python -m quickbooks_connector.emulator",
		description="Local QuickBooks Online emulator (OAuth 2.0 + Accounting API v3 + admin endpoints).",
	)
	parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
	parser.add_argument(
		"--port", type=int, default=8765, help="TCP port, 0 = any free port (default: %(default)s)"
	)
	parser.add_argument(
		"--state",
		metavar="FILE",
		help="JSON file to load at start and save changes to (default: memory only)",
	)
	parser.add_argument(
		"--client-id", default=DEFAULT_CLIENT_ID, help="OAuth client id (default: %(default)s)"
	)
	parser.add_argument(
		"--client-secret", default=DEFAULT_CLIENT_SECRET, help="OAuth client secret (default: %(default)s)"
	)
	parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
	return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
	args = parse_args(argv)
	server = EmulatorServer(
		args.host, args.port, args.state, args.client_id, args.client_secret, args.verbose
	)
	server.start()
	print(f"QBO emulator listening on {server.base_url}", flush=True)
	stopped = threading.Event()
	for signum in (signal.SIGINT, signal.SIGTERM):
		signal.signal(signum, lambda *_: stopped.set())
	stopped.wait()
	server.stop()
	return 0


if __name__ == "__main__":
	sys.exit(main())
