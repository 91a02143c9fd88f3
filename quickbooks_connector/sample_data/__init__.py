"""ERPNext 15 sample documents bundled with the app, for the demo and the tests. Framework-free.

`ERPNEXT` is a folder of real documents exported from an ERPNext 15 site (see its README.md): `masters/` (company,
chart of accounts, parties, items, ...) and `transactions/`, one JSON file per document as
`{"label", "doctype", "doc", "gl_entries"[, "stock_ledger_entries"]}`. `load()` reads such a folder; the same shape
exported from another site works too.

The masters may come in snapshots: `company.json` with `chart_of_accounts.json`, then `company_2.json` with
`chart_of_accounts_2.json` and so on, each the company as it was when a batch of documents was exported. A document
belongs to the latest snapshot whose company was created no later than the document (`SampleData.masters_for`).

Not every sample document is one the connector pushes: `pushed()` says which are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from quickbooks_connector.mapping import SUPPORTED_DOCTYPES
from quickbooks_connector.mapping.stock import GL_ROWS, reads_gl_rows

ERPNEXT = Path(__file__).resolve().parent / "erpnext"

_SNAPSHOT = re.compile(r"^company(_\d+)?$")


@dataclass(frozen=True)
class Snapshot:
	"""The company and its chart of accounts as they were when a batch of documents was exported."""

	company: dict
	chart: list[dict]

	@property
	def created(self) -> datetime:
		return _created(self.company)


@dataclass
class SampleData:
	"""Everything in a sample folder. Transactions are keyed by label (the file name without `.json`): two files
	may hold the same document at two moments (a Purchase Receipt before and after its landed cost)."""

	folder: Path
	masters: dict[str, Any] = field(default_factory=dict)  # label -> file content
	documents: dict[str, dict] = field(default_factory=dict)  # label -> doc
	gl_entries: dict[str, list[dict]] = field(default_factory=dict)  # label -> ERPNext's GL rows
	stock_ledger_entries: dict[str, list[dict]] = field(default_factory=dict)  # label -> stock ledger rows
	snapshots: list[Snapshot] = field(default_factory=list)  # oldest first

	def fixture(self, label: str) -> dict:
		"""The transaction file as stored (`doctype`, `doc`, `gl_entries`, ...)."""
		return _read(self.folder / "transactions" / f"{label}.json")

	def masters_for(self, document: Mapping) -> Snapshot:
		"""The snapshot a document was posted under: the latest whose company was created no later than the
		document (the oldest for a document without a creation time)."""
		if not document.get("creation"):
			return self.snapshots[0]
		created = _created(document)
		current = [snapshot for snapshot in self.snapshots if snapshot.created <= created]
		return current[-1] if current else self.snapshots[0]

	@property
	def company(self) -> dict:
		"""The company as it is now (the latest snapshot)."""
		return self.snapshots[-1].company

	@property
	def chart(self) -> list[dict]:
		"""Every account the company has had: the latest chart, then accounts only older snapshots list."""
		accounts = {}
		for snapshot in reversed(self.snapshots):
			for account in snapshot.chart:
				accounts.setdefault(account["name"], account)
		return list(accounts.values())

	def parties(self) -> list[tuple[str, dict]]:
		"""(Customer|Supplier, doc) for every party master."""
		return [
			(data["doctype"], data["doc"])
			for data in self.masters.values()
			if isinstance(data, dict) and data.get("doctype") in ("Customer", "Supplier")
		]


def load(folder: Path = ERPNEXT) -> SampleData:
	folder = Path(folder)
	if not (folder / "transactions").is_dir() or not (folder / "masters").is_dir():
		raise FileNotFoundError(f"no ERPNext sample documents under {folder} (masters/ and transactions/)")
	data = SampleData(folder)
	for path in sorted((folder / "masters").glob("*.json")):
		data.masters[path.stem] = _read(path)
	for path in sorted((folder / "transactions").glob("*.json")):
		fixture = _read(path)
		data.documents[path.stem] = fixture["doc"]
		data.gl_entries[path.stem] = fixture.get("gl_entries") or []
		data.stock_ledger_entries[path.stem] = fixture.get("stock_ledger_entries") or []
	data.snapshots = _snapshots(data.masters)
	return data


def pushed(document: Mapping) -> bool:
	"""Whether the connector pushes this document: a doctype of `mapping.SUPPORTED_DOCTYPES` (Sales Invoice,
	Purchase Invoice, Payment Entry, Journal Entry, refunds included, and the stock documents)."""
	return document.get("doctype") in SUPPORTED_DOCTYPES


def as_posted(document: Mapping, gl_entries: list[dict], chart: list[dict]) -> dict:
	"""The document as the app's port hands it to the mapping: one whose stock postings are sent (mapping.stock)
	carries its GL rows as `gl_entries`, each with its account's `account_type`."""
	posted = dict(document)
	if reads_gl_rows(document):
		types = {account["name"]: account.get("account_type") or "" for account in chart}
		posted[GL_ROWS] = [{**row, "account_type": types.get(row["account"], "")} for row in gl_entries]
	return posted


def _snapshots(masters: dict[str, Any]) -> list[Snapshot]:
	snapshots = []
	for label, data in masters.items():
		match = _SNAPSHOT.match(label)
		if not match:
			continue
		chart_label = "chart_of_accounts" + (match.group(1) or "")
		if chart_label not in masters:
			raise FileNotFoundError(f"masters/{label}.json has no masters/{chart_label}.json beside it")
		snapshots.append(Snapshot(data["doc"], masters[chart_label]))
	if not snapshots:
		raise FileNotFoundError("no masters/company.json with its masters/chart_of_accounts.json")
	return sorted(snapshots, key=lambda snapshot: snapshot.created)


def _created(doc: Mapping) -> datetime:
	return datetime.fromisoformat(str(doc.get("creation") or "1970-01-01 00:00:00"))


def _read(path: Path) -> Any:
	with path.open(encoding="utf-8") as handle:
		return json.load(handle)
