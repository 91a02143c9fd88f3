"""A local QuickBooks Online emulator: Intuit's OAuth 2.0 endpoints and the Accounting API v3 on a real
HTTP socket, with QBO's rules, faults and limits, plus admin endpoints for tests (see qbo-api.md).

>>> server = EmulatorServer(port=0).start()
>>> admin = EmulatorAdmin(server.base_url)
>>> realm_id = admin.create_realm(country="GB")
"""

from quickbooks_connector.emulator.admin import EmulatorAdmin
from quickbooks_connector.emulator.app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from quickbooks_connector.emulator.server import EmulatorServer

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "EmulatorAdmin", "EmulatorServer"]
