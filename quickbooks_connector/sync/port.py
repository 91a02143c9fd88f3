"""The storage port: everything the engine needs from ERPNext and from its own bookkeeping.

Two implementations exist: `MemoryPort` (tests and the demo) and the Frappe one in the app's module folder, which reads
documents with `frappe.get_doc(...).as_dict()` and stores records in the QuickBooks Sync Log doctype.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from quickbooks_connector.sync.records import SyncRecord


class DocumentNotFound(LookupError):
	"""The ERPNext document (or party) the engine was asked about does not exist."""


class DocumentBusy(Exception):
	"""Another worker is syncing the document (`SyncPort.lock` timed out): give way, it is retried later."""


class SyncPort(Protocol):
	def get_document(self, doctype: str, name: str) -> dict:
		"""The submitted or cancelled document as a dict with child tables; raises DocumentNotFound."""

	def get_party(self, party_type: str, name: str) -> dict:
		"""Customer/Supplier dict plus "email", "phone", "billing_address", "shipping_address"."""

	def get_parties(self, party_type: str, names: Sequence[str]) -> dict[str, dict]:
		"""Many parties by name, each as `get_party` gives it; names that do not exist are left out. Optional: a
		port without it is asked `get_party` party by party (`parties_of`)."""

	def get_record(self, doctype: str, name: str) -> SyncRecord | None: ...

	def save_record(self, record: SyncRecord) -> None:
		"""Saves the record durably (committed) before returning: the engine relies on it around every write."""

	def save_records(self, records: Sequence[SyncRecord]) -> None:
		"""Saves several records durably in one step, all or none (a backfill chunk's write-ahead and answers)."""

	def get_link(self, qbo_entity: str, key: str) -> str | None:
		"""The QuickBooks id linked to an ERPNext key (party name, item key) in this realm."""

	def set_link(self, qbo_entity: str, key: str, qbo_id: str) -> None: ...

	def get_linked_key(self, qbo_entity: str, qbo_id: str) -> str | None:
		"""The ERPNext key a QuickBooks record is already linked to, so it is never adopted twice."""

	def get_pdf(self, doctype: str, name: str) -> bytes | None:
		"""The document printed as PDF in the print format the settings chose (None: no PDF can be made); raises
		when printing fails, which the engine retries."""

	def lock(self, doctype: str, name: str) -> AbstractContextManager[None]:
		"""Serialises work on one document across workers; raises DocumentBusy when it cannot get the lock."""


def parties_of(port: SyncPort, party_type: str, names: Sequence[str]) -> dict[str, dict]:
	"""`port.get_parties`, or `get_party` one by one on a port without it; raises DocumentNotFound for a name
	that does not exist, as `get_party` does."""
	bulk = getattr(port, "get_parties", None)
	parties = bulk(party_type, names) if bulk else {name: port.get_party(party_type, name) for name in names}
	for name in names:
		if name not in parties:
			raise DocumentNotFound(f"{party_type} {name} does not exist")
	return parties
