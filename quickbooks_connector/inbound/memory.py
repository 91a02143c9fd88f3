"""An in-memory InboundPort over the push's MemoryPort, for tests and the no-bench demo."""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from quickbooks_connector.inbound.changes import Finding
from quickbooks_connector.inbound.records import Imported, Pushed, pushed_from_record
from quickbooks_connector.sync.memory import MemoryPort
from quickbooks_connector.sync.records import Status, SyncRecord


class MemoryInboundPort:
	"""`created` holds the documents made from QuickBooks records (name -> dict), `findings` every finding once;
	`items` the ERPNext items drafts may name (item code -> item name)."""

	def __init__(
		self,
		sync_port: MemoryPort,
		account_currencies: Mapping[str, str] | None = None,
		items: Mapping[str, str] | None = None,
	) -> None:
		self.sync_port = sync_port
		self.account_currencies = dict(account_currencies or {})
		self.default_currency = "USD"
		self.imports: dict[str, Imported] = {}
		self.created: dict[str, dict] = {}
		self.findings: dict[str, Finding] = {}
		self.cancelled: list[tuple[str, str]] = []
		self.items = dict(items or {})
		self._locks: defaultdict[str, threading.RLock] = defaultdict(threading.RLock)
		self._guard = threading.Lock()

	def pushed(self, qbo_entity: str, qbo_id: str) -> Pushed | None:
		for record in list(self.sync_port.records.values()):
			found = pushed_from_record(record, qbo_entity, qbo_id)
			if found is not None:
				return found
		return None

	def get_document(self, doctype: str, name: str) -> dict:
		return self.sync_port.get_document(doctype, name)

	def account_currency(self, account: str) -> str:
		return self.account_currencies.get(account, self.default_currency)

	def get_import(self, key: str) -> Imported | None:
		return copy.deepcopy(self.imports.get(key))

	def save_import(self, imported: Imported) -> None:
		self.imports[imported.key] = copy.deepcopy(imported)

	def create_document(self, doc: dict, imported: Imported) -> str:
		prefix = "QBO-PE" if doc["doctype"] == "Payment Entry" else "QBO-JV"
		name = f"{prefix}-{len(self.created) + 1:05d}"
		self.created[name] = {**copy.deepcopy(doc), "name": name, "docstatus": 1}
		self.sync_port.add_document(self.created[name])
		return name

	def linked_key(self, qbo_entity: str, qbo_id: str) -> str | None:
		return self.sync_port.get_linked_key(qbo_entity, qbo_id)

	def find_items(self, name: str, sku: str) -> list[str]:
		if sku and sku in self.items:
			return [sku]
		return sorted(code for code, item_name in self.items.items() if name in (code, item_name))

	def create_draft(self, doc: dict, imported: Imported) -> str:
		prefix = "QBO-SINV" if doc["doctype"] == "Sales Invoice" else "QBO-PINV"
		name = f"{prefix}-{len(self.created) + 1:05d}"
		self.created[name] = {**copy.deepcopy(doc), "name": name, "docstatus": 0}
		self.sync_port.add_document(self.created[name])
		record = SyncRecord(doc["doctype"], name, Status.SYNCED, imported.qbo_entity, imported.qbo_id)
		record.sync_token = imported.sync_token
		self.sync_port.save_record(record)
		return name

	def update_draft(self, doctype: str, name: str, doc: dict, imported: Imported) -> None:
		self.created[name] = {**copy.deepcopy(doc), "name": name, "docstatus": 0}
		self.sync_port.add_document(self.created[name])
		record = self.sync_port.get_record(doctype, name)
		record.sync_token = imported.sync_token
		self.sync_port.save_record(record)

	def record_finding(self, finding: Finding) -> bool:
		if finding.key in self.findings:
			return False
		self.findings[finding.key] = finding
		return True

	def cancel_document(self, doctype: str, name: str, finding: Finding) -> None:
		doc = self.sync_port.get_document(doctype, name)
		self.sync_port.add_document({**doc, "docstatus": 2})
		self.cancelled.append((doctype, name))

	@contextmanager
	def lock(self, key: str) -> Iterator[None]:
		with self._guard:
			lock = self._locks[key]
		with lock:
			yield
