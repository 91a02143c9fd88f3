"""The new customers, vendors and items of a backfill chunk, found with a few queries and created with batch calls.

`Resolver` finds or creates one party or item at a time: a query by e-mail, one per candidate name, then a create,
several requests per new party where a chunk of 30 documents needs one batch call. `BulkResolver` links the same
records by the same rules before the chunk's documents are prepared, so that preparing them finds every link:

- parties: by e-mail first (`PrimaryEmailAddr IN (...)`, active ones, as the single path asks), taken when exactly
  one QuickBooks party not linked to another ERPNext party has it; then by the display-name candidates in order
  (`DisplayName IN (...)`, active or not, an inactive one made active again); then created in batch calls under
  the first candidate name;
- items: by the name candidates in order (`Name IN (...)`, active or not), taken when the item posts to the same
  income account and is not linked to another ERPNext item; then created under the first candidate, in the same
  batch calls as the chunk's new parties (30 operations a call).

The rules are the single path's, party by party; across the chunk the e-mail look-ups come before the name
look-ups, so when two ERPNext parties of one chunk could take the same QuickBooks party, the one whose e-mail
matches it gets it (one by one, whichever document came first would).

Names compare as QuickBooks compares them in queries, ignoring case. Every value list holds at most `IN_LIMIT`
values per query. Anything the bulk step cannot settle alone is left unlinked for the single path, which then does
exactly what it does for a single push and gives the document its own message: a party whose QuickBooks currency
differs, a create refused because the name is taken by another kind of record (the single path tries the next
candidate), any other refused create or failed call. Creates are as safe to repeat as the single path's: a batch
call carries a request id derived from its content, and a party or item created by a call whose answer was lost is
found by its name the next time, before anything is created again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from quickbooks_connector import mapping
from quickbooks_connector.mapping import Dependencies, ItemSpec, PartySpec
from quickbooks_connector.qbo import BatchOperation
from quickbooks_connector.sync.idempotency import payload_hash, request_id
from quickbooks_connector.sync.resolve import ANY_ACTIVE, Resolver

log = logging.getLogger(__name__)

IN_LIMIT = 200  # values per IN (...) list: a query stays a few kilobytes


@dataclass
class _Create:
	entity: str
	key: str
	body: dict
	link: Callable[[dict], None]  # called with the created record


class BulkResolver:
	def __init__(self, resolver: Resolver) -> None:
		self.single = resolver
		self.client, self.port, self.ctx = resolver.client, resolver.port, resolver.ctx

	def resolve(self, needs: Iterable[Dependencies]) -> None:
		"""Links the parties and items these documents need that have no link yet, as far as it can alone: what
		the look-ups do not find is created in one set of batch calls (30 operations each), customers, vendors
		and items together."""
		needs = list(needs)
		parties = {(spec.kind, spec.name): spec for deps in needs for spec in deps.all_parties}
		items = {spec.key: spec for deps in needs for spec in deps.items}
		creates: list[_Create] = []
		for kind in ("Customer", "Vendor"):
			specs = [spec for (of, _), spec in parties.items() if of == kind and self._new(spec)]
			self._guarded(f"{kind.lower()}s", lambda specs=specs: creates.extend(self._parties(specs)))
		new_items = [spec for spec in items.values() if self._new_item(spec)]
		self._guarded("items", lambda: creates.extend(self._items(new_items)))
		self._guarded("records to create", lambda: self._create(creates))

	def _guarded(self, what: str, step: Callable[[], None]) -> None:
		try:
			step()
		except Exception as error:  # the single path meets the same trouble and explains it per document
			log.warning("QuickBooks: finding new %s in bulk failed (%s); one by one instead", what, error)

	def _new(self, spec: PartySpec) -> bool:
		return not self.port.get_link(spec.kind, spec.name)

	def _new_item(self, spec: ItemSpec) -> bool:
		return not self.port.get_link("Item", spec.key)

	# Parties ----------------------------------------------------------------------------------------------

	def _parties(self, specs: list[PartySpec]) -> list[_Create]:
		"""Links what the look-ups find; returns the creates for the rest."""
		if not specs:
			return []
		kind = specs[0].kind
		erpnext = {spec.name: self.port.get_party(spec.erpnext_doctype, spec.name) for spec in specs}
		emails = {spec.name: _email(erpnext[spec.name]) for spec in specs}
		by_email = _grouped(
			self._rows(
				f"select * from {kind} where PrimaryEmailAddr IN {{}}", [e for e in emails.values() if e]
			),
			lambda row: (row.get("PrimaryEmailAddr") or {}).get("Address"),
		)
		left = []
		for spec in specs:
			email = emails[spec.name]
			matches = [row for row in by_email.get(_folded(email), []) if self._free(kind, row, spec.name)]
			# Several QuickBooks parties sharing one e-mail cannot be told apart: the name decides.
			if email and len(matches) == 1:
				self._link_party(spec, matches[0])
			else:
				left.append(spec)
		candidates = {spec.name: mapping.display_name_candidates(spec.name, spec.kind) for spec in left}
		statement = f"select * from {kind} where DisplayName IN {{}} and {ANY_ACTIVE}"
		names = [name for names in candidates.values() for name in names]
		by_name = _grouped(self._rows(statement, names), lambda row: row.get("DisplayName"))
		missing = []
		for spec in left:
			found = self._first_free(kind, spec.name, candidates[spec.name], by_name)
			if found:
				self._link_party(spec, self.single._reactivated(kind, found))
			else:
				missing.append(spec)
		build = mapping.customer_payload if kind == "Customer" else mapping.vendor_payload
		return [
			_Create(
				kind,
				spec.name,
				build(erpnext[spec.name], self.ctx, candidates[spec.name][0]),
				lambda created, spec=spec: self._link_party(spec, created),
			)
			for spec in missing
		]

	def _link_party(self, spec: PartySpec, qbo_party: dict) -> None:
		try:
			self.single._check_currency(spec, qbo_party)
		except mapping.MappingError:
			return  # left to the single path, which tells the document why
		self.port.set_link(spec.kind, spec.name, qbo_party["Id"])

	def _first_free(
		self, entity: str, key: str, candidates: Sequence[str], by_name: dict[str, list[dict]]
	) -> dict | None:
		for name in candidates:
			for row in by_name.get(_folded(name), []):
				if self._free(entity, row, key):
					return row
		return None

	# Items ------------------------------------------------------------------------------------------------

	def _items(self, specs: list[ItemSpec]) -> list[_Create]:
		"""Links what the look-up finds; returns the creates for the rest."""
		if not specs:
			return []
		candidates = {spec.key: mapping.item_name_candidates(spec) for spec in specs}
		names = [name for names in candidates.values() for name in names]
		rows = self._rows(f"select * from Item where Name IN {{}} and {ANY_ACTIVE}", names)
		by_name = _grouped(rows, lambda row: row.get("Name"))
		missing = []
		for spec in specs:
			same_account = {
				name: [
					row
					for row in by_name.get(_folded(name), [])
					if (row.get("IncomeAccountRef") or {}).get("value") == spec.income_account_id
				]
				for name in candidates[spec.key]
			}
			found = self._first_free("Item", spec.key, candidates[spec.key], same_account)
			if found:
				self.port.set_link("Item", spec.key, self.single._reactivated("Item", found)["Id"])
			else:
				missing.append(spec)
		return [
			_Create(
				"Item",
				spec.key,
				mapping.item_payload(spec, candidates[spec.key][0]),
				lambda created, spec=spec: self.port.set_link("Item", spec.key, created["Id"]),
			)
			for spec in missing
		]

	# QuickBooks -------------------------------------------------------------------------------------------

	def _rows(self, statement: str, values: list[str]) -> list[dict]:
		"""Every row matching any of the values, `IN_LIMIT` values per query."""
		unique = list(dict.fromkeys(values))
		rows: list[dict] = []
		for start in range(0, len(unique), IN_LIMIT):
			rows.extend(self.client.query(statement, unique[start : start + IN_LIMIT]))
		return rows

	def _create(self, creates: list[_Create]) -> None:
		"""Creates in batch calls and links each new record; what QuickBooks refused (or a failed call did not
		create) is left to the single path."""
		if not creates:
			return
		operations = [BatchOperation("create", create.entity, create.body) for create in creates]
		keys = "|".join(f"{create.entity}:{create.key}" for create in creates)
		contents = "|".join(payload_hash(create.body) for create in creates)
		batch_id = request_id(self.single.realm_id, "batch", "parties and items", keys, contents)
		results = self.client.batch(operations, request_id=batch_id)
		for create, result in zip(creates, results, strict=True):
			if result.ok and result.data:
				create.link(result.data)

	def _free(self, entity: str, row: dict, key: str) -> bool:
		return self.single._free(entity, row["Id"], key)


def _email(party: dict) -> str:
	return (party.get("email") or party.get("email_id") or "").strip()


def _folded(value: Any) -> str:
	return str(value or "").casefold()


def _grouped(rows: list[dict], value: Callable[[dict], Any]) -> dict[str, list[dict]]:
	"""Rows by the case-folded value, each list in QuickBooks' order (by Id)."""
	grouped: dict[str, list[dict]] = {}
	for row in rows:
		grouped.setdefault(_folded(value(row)), []).append(row)
	return grouped
