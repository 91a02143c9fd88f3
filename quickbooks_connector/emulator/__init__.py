"""A local QuickBooks Online emulator: Intuit's OAuth 2.0 endpoints and the Accounting API v3 on a real
HTTP socket, with QBO's rules, faults and limits, plus admin endpoints for tests (see qbo-api.md).

Where things live: entities.py (every entity, its operations and the common write rules), names.py (name
lists), transactions.py (forms and journal entries), payments.py, banking.py (deposits, transfers, credit card
payments, time), recurring.py, attachments.py, currencies.py and rates.py, taxservice.py, preferences.py,
company.py and sample.py (what a new company contains), query.py, cdc.py, api.py (routes), app.py and
control.py (gateway and admin endpoints). benchmarks/conformance_emulator.py checks it against a generic
client's workflows.

>>> server = EmulatorServer(port=0).start()
>>> admin = EmulatorAdmin(server.base_url)
>>> realm_id = admin.create_realm(country="GB")
"""

from quickbooks_connector.emulator.admin import EmulatorAdmin
from quickbooks_connector.emulator.app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from quickbooks_connector.emulator.server import EmulatorServer

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "EmulatorAdmin", "EmulatorServer"]
