"""An in-memory SyncPort for tests and the no-bench demo."""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from quickbooks_connector.sync.port import DocumentNotFound
from quickbooks_connector.sync.records import SyncRecord


class MemoryPort:
	def __init__(self) -> None:
		self.documents: dict[tuple[str, str], dict] = {}
		self.parties: dict[tuple[str, str], dict] = {}
		self.records: dict[tuple[str, str], SyncRecord] = {}
		self.links: dict[tuple[str, str], str] = {}
		self._locks: defaultdict[tuple[str, str], threading.RLock] = defaultdict(threading.RLock)
		self._guard = threading.Lock()
		self.pdf_error: Exception | None = None  # raised by get_pdf, to test a failing print
		self.pdf_version = 1  # part of every PDF: a new print of the same document differs, as real ones do

	def add_document(self, doc: dict) -> None:
		self.documents[(doc["doctype"], doc["name"])] = copy.deepcopy(doc)

	def add_party(self, party_type: str, party: dict) -> None:
		self.parties[(party_type, party["name"])] = copy.deepcopy(party)

	def get_document(self, doctype: str, name: str) -> dict:
		try:
			return copy.deepcopy(self.documents[(doctype, name)])
		except KeyError:
			raise DocumentNotFound(f"{doctype} {name} does not exist")

	def get_party(self, party_type: str, name: str) -> dict:
		try:
			return copy.deepcopy(self.parties[(party_type, name)])
		except KeyError:
			raise DocumentNotFound(f"{party_type} {name} does not exist")

	def get_parties(self, party_type: str, names: Sequence[str]) -> dict[str, dict]:
		return {
			name: copy.deepcopy(self.parties[(party_type, name)])
			for name in names
			if (party_type, name) in self.parties
		}

	def get_pdf(self, doctype: str, name: str) -> bytes | None:
		"""A small PDF-like file naming the document (tests and the demo do not render print formats)."""
		if self.pdf_error is not None:
			raise self.pdf_error
		if (doctype, name) not in self.documents:
			raise DocumentNotFound(f"{doctype} {name} does not exist")
		text = f"{doctype} {name} (print {self.pdf_version})"
		return f"%PDF-1.4\n% {text}\n1 0 obj << /Title ({text}) >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".encode()

	def get_record(self, doctype: str, name: str) -> SyncRecord | None:
		record = self.records.get((doctype, name))
		return copy.deepcopy(record) if record else None

	def save_record(self, record: SyncRecord) -> None:
		self.records[(record.doctype, record.name)] = copy.deepcopy(record)

	def save_records(self, records: Sequence[SyncRecord]) -> None:
		for record in records:
			self.save_record(record)

	def get_link(self, qbo_entity: str, key: str) -> str | None:
		return self.links.get((qbo_entity, key))

	def set_link(self, qbo_entity: str, key: str, qbo_id: str) -> None:
		self.links[(qbo_entity, key)] = qbo_id

	def get_linked_key(self, qbo_entity: str, qbo_id: str) -> str | None:
		return next(
			(key for (entity, key), linked in self.links.items() if (entity, linked) == (qbo_entity, qbo_id)),
			None,
		)

	@contextmanager
	def lock(self, doctype: str, name: str) -> Iterator[None]:
		with self._guard:
			lock = self._locks[(doctype, name)]
		with lock:
			yield
