"""Run the QBO emulator: ``python -m quickbooks_connector.emulator --port 8765 [--state FILE] [--company JSON]``.

``--company '{"country": "GB", "preferences": {...}, "sample_data": true}'`` creates a company at start with
the options of the admin ``POST /__emulator__/realms`` endpoint and prints its realm id.

Point the connector's "custom" environment at ``http://HOST:PORT``: the authorize URL is ``/connect/oauth2``,
tokens ``/oauth2/v1/tokens/bearer``, revocation ``/v2/oauth2/tokens/revoke`` and the API ``/v3/company/...``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from quickbooks_connector.emulator.app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from quickbooks_connector.emulator.company import CompanySettings
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
	parser.add_argument(
		"--company",
		metavar="JSON",
		action="append",
		default=[],
		help="create a company at start: a JSON object of admin realm options, e.g. "
		'\'{"country": "GB", "multicurrency": true, "sample_data": true, '
		'"preferences": {"SalesFormsPrefs": {"CustomTxnNumbers": false}}}\' (repeatable)',
	)
	parser.add_argument(
		"--sample-data",
		action="store_true",
		help="with --company: add sample records to every company created",
	)
	parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
	return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
	args = parse_args(argv)
	server = EmulatorServer(
		args.host, args.port, args.state, args.client_id, args.client_secret, args.verbose
	)
	companies = []
	for raw in args.company:
		try:
			options = json.loads(raw)
			if not isinstance(options, dict):
				raise ValueError("not a JSON object")
			options.setdefault("sample_data", args.sample_data)
			companies.append(CompanySettings(**options))
		except (TypeError, ValueError) as error:
			print(f"--company {raw!r}: {error}", file=sys.stderr)
			return 2
	server.start()
	print(f"QBO emulator listening on {server.base_url}", flush=True)
	for settings in companies:
		realm_id = server.app.create_realm(settings)
		print(f"company {realm_id}: {settings.country}, {settings.home_currency}", flush=True)
	stopped = threading.Event()
	for signum in (signal.SIGINT, signal.SIGTERM):
		signal.signal(signum, lambda *_: stopped.set())
	stopped.wait()
	server.stop()
	return 0


if __name__ == "__main__":
	sys.exit(main())
