"""The new customers, vendors and items of a backfill chunk, found with a few queries and created with batch calls.

`Resolver` finds or creates one party or item at a time: a query by e-mail, one per candidate name, then a create,
several requests per new party where a chunk of 30 documents needs one batch call. `BulkResolver` links the same
records by the same rules before the chunk's documents are prepared, so that preparing them finds every link:

- parties: by e-mail first (`PrimaryEmailAddr IN (...)`, active ones, as the single path asks), taken when exactly
  one QuickBooks party not linked to another ERPNext party has it; then by the display-name candidates in order
  (`DisplayName IN (...)`, active or not, an inactive one made active again); then created under the first
  candidate name;
- items: by the name candidates in order (`Name IN (...)`, active or not), taken when the item posts to the same
  income account and is not linked to another ERPNext item; then created under the first candidate;
- what is created, customers, vendors and items together, goes in batch calls of 30 operations.

The rules are the single path's, party by party; across the chunk the e-mail look-ups come before the name
look-ups, so when two ERPNext parties of one chunk could take the same QuickBooks party, the one whose e-mail
matches it gets it (one by one, whichever document came first would). Names compare as QuickBooks compares them in
queries, ignoring case. Every value list holds at most `IN_LIMIT` values per query.

Anything the bulk step cannot settle alone is left unlinked for the single path, which then does exactly what it
does for a single push and gives the document its own message: a party whose QuickBooks currency differs, a create
refused because the name is taken by another kind of record (the single path tries the next candidate), any other
refused create or failed call. Creates are as safe to repeat as the single path's: a batch call carries a request
id derived from its content, and a party or item created by a call whose answer was lost is found by its name the
next time, before anything is created again.

A chunk's resolution has two network steps, the queries and the creates, with matching and linking on the caller's
thread before and after each (the port, a Frappe database connection, belongs to it). `Lookahead` runs the network
steps of the next chunks' resolutions in a small pool while the caller prepares and sends the current one, so that
a backfill of documents whose parties are all new still keeps QuickBooks' batch budget busy. A record one chunk's
resolution is about to create is left out of a later chunk's (which is prepared after it, and finds it linked).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from typing import Any

from quickbooks_connector import mapping
from quickbooks_connector.mapping import Dependencies, ItemSpec, PartySpec
from quickbooks_connector.qbo import BatchOperation
from quickbooks_connector.sync.idempotency import payload_hash, request_id
from quickbooks_connector.sync.port import parties_of
from quickbooks_connector.sync.resolve import ANY_ACTIVE, Resolver

log = logging.getLogger(__name__)

IN_LIMIT = 200  # values per IN (...) list: a query stays a few kilobytes
PARTY_KINDS = ("Customer", "Vendor")

Key = tuple[str, str]  # (QuickBooks entity, ERPNext key): ("Customer", name), ("Item", item key)
Steps = Generator[Callable[[], Any], Any, None]  # yields network calls, is sent their results


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
		"""Links the parties and items these documents need that have no link yet, as far as it can alone; every
		call on this thread."""
		with Lookahead(self, depth=0) as lookahead:
			lookahead.wait(lookahead.start(needs))

	def lookahead(self, depth: int, before_threads: Callable[[], None] | None = None) -> Lookahead:
		"""Resolutions whose network steps run in a pool of `depth` threads (0: on the caller's thread)."""
		return Lookahead(self, depth, before_threads)

	def _unlinked(
		self, needs: Iterable[Dependencies], skip: set[Key]
	) -> tuple[list[PartySpec], list[ItemSpec]]:
		parties: dict[Key, PartySpec] = {}
		items: dict[Key, ItemSpec] = {}
		for deps in needs:
			for spec in deps.all_parties:
				if spec.kind in PARTY_KINDS:  # employees, rare in a backfill, go the single path
					parties.setdefault((spec.kind, spec.name), spec)
			for item in deps.items:
				items.setdefault(("Item", item.key), item)
		return (
			[spec for key, spec in parties.items() if key not in skip and not self.port.get_link(*key)],
			[spec for key, spec in items.items() if key not in skip and not self.port.get_link(*key)],
		)

	def _steps(self, parties: list[PartySpec], items: list[ItemSpec]) -> Steps:
		"""One chunk's resolution: look-ups, then creates; the network calls are yielded, the rest runs here."""
		erpnext = self._erpnext_parties(parties)
		emails = {key: _email(party) for key, party in erpnext.items()}
		names = {
			(spec.kind, spec.name): mapping.display_name_candidates(spec.name, spec.kind) for spec in parties
		}
		item_names = {spec.key: mapping.item_name_candidates(spec) for spec in items}
		queries = []
		for kind in PARTY_KINDS:
			keys = [(spec.kind, spec.name) for spec in parties if spec.kind == kind]
			by_email = f"select * from {kind} where PrimaryEmailAddr IN {{}}"
			queries.append((by_email, [emails[key] for key in keys if emails[key]]))
			by_name = f"select * from {kind} where DisplayName IN {{}} and {ANY_ACTIVE}"
			queries.append((by_name, [name for key in keys for name in names[key]]))
		item_query = f"select * from Item where Name IN {{}} and {ANY_ACTIVE}"
		queries.append((item_query, [name for names_of in item_names.values() for name in names_of]))
		try:
			found = yield partial(self._run_queries, queries)
		except Exception as error:  # the single path meets the same trouble and explains it per document
			log.warning("QuickBooks: looking up new parties and items in bulk failed (%s); one by one", error)
			return
		creates: list[_Create] = []
		for position, kind in enumerate(PARTY_KINDS):
			specs = [spec for spec in parties if spec.kind == kind]
			by_email = _grouped(
				found[2 * position], lambda row: (row.get("PrimaryEmailAddr") or {}).get("Address")
			)
			by_name = _grouped(found[2 * position + 1], lambda row: row.get("DisplayName"))
			self._guarded(
				f"{kind.lower()}s",
				lambda specs=specs, e=by_email, n=by_name: creates.extend(
					self._match_parties(specs, erpnext, emails, names, e, n)
				),
			)
		by_item_name = _grouped(found[-1], lambda row: row.get("Name"))
		self._guarded("items", lambda: creates.extend(self._match_items(items, item_names, by_item_name)))
		if not creates:
			return
		operations = [BatchOperation("create", create.entity, create.body) for create in creates]
		keys = "|".join(f"{create.entity}:{create.key}" for create in creates)
		contents = "|".join(payload_hash(create.body) for create in creates)
		batch_id = request_id(self.single.realm_id, "batch", "parties and items", keys, contents)
		try:
			results = yield partial(self.client.batch, operations, request_id=batch_id)
		except Exception as error:
			log.warning("QuickBooks: creating new parties and items in bulk failed (%s); one by one", error)
			return
		for create, result in zip(creates, results, strict=True):
			if result.ok and result.data:
				self._guarded(create.entity.lower(), partial(create.link, result.data))

	def _guarded(self, what: str, step: Callable[[], None]) -> None:
		try:
			step()
		except Exception as error:  # the single path meets the same trouble and explains it per document
			log.warning("QuickBooks: settling new %s in bulk failed (%s); one by one instead", what, error)

	# Parties ----------------------------------------------------------------------------------------------

	def _match_parties(
		self,
		specs: list[PartySpec],
		erpnext: dict[Key, dict],
		emails: dict[Key, str],
		names: dict[Key, list[str]],
		by_email: dict[str, list[dict]],
		by_name: dict[str, list[dict]],
	) -> list[_Create]:
		"""Links what the look-ups found; returns the creates for the rest."""
		left = []
		for spec in specs:
			email = emails[(spec.kind, spec.name)]
			rows = by_email.get(_folded(email), []) if email else []
			matches = [row for row in rows if self._free(spec.kind, row, spec.name)]
			# Several QuickBooks parties sharing one e-mail cannot be told apart: the name decides.
			if len(matches) == 1:
				self._link_party(spec, matches[0])
			else:
				left.append(spec)
		creates = []
		for spec in left:
			key = (spec.kind, spec.name)
			found = self._first_free(spec.kind, spec.name, names[key], by_name)
			if found:
				self._link_party(spec, self.single._reactivated(spec.kind, found))
				continue
			build = mapping.customer_payload if spec.kind == "Customer" else mapping.vendor_payload
			body = build(erpnext[key], self.ctx, names[key][0])
			creates.append(
				_Create(
					spec.kind, spec.name, body, lambda created, spec=spec: self._link_party(spec, created)
				)
			)
		return creates

	def _erpnext_parties(self, parties: list[PartySpec]) -> dict[Key, dict]:
		"""The chunk's ERPNext parties, loaded together (one query per table on the Frappe port)."""
		names: dict[str, list[str]] = {}
		for spec in parties:
			names.setdefault(spec.erpnext_doctype, []).append(spec.name)
		loaded = {doctype: parties_of(self.port, doctype, group) for doctype, group in names.items()}
		return {(spec.kind, spec.name): loaded[spec.erpnext_doctype][spec.name] for spec in parties}

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

	def _match_items(
		self, specs: list[ItemSpec], candidates: dict[str, list[str]], by_name: dict[str, list[dict]]
	) -> list[_Create]:
		"""Links what the look-up found; returns the creates for the rest."""
		creates = []
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
				continue
			body = mapping.item_payload(spec, candidates[spec.key][0])
			link = partial(self._link_item, spec)
			creates.append(_Create("Item", spec.key, body, link))
		return creates

	def _link_item(self, spec: ItemSpec, created: dict) -> None:
		self.port.set_link("Item", spec.key, created["Id"])

	# QuickBooks -------------------------------------------------------------------------------------------

	def _run_queries(self, queries: list[tuple[str, list[str]]]) -> list[list[dict]]:
		"""The rows of each query: every row matching any of its values, `IN_LIMIT` values per request."""
		return [self._rows(statement, values) for statement, values in queries]

	def _rows(self, statement: str, values: list[str]) -> list[dict]:
		unique = list(dict.fromkeys(values))
		rows: list[dict] = []
		for start in range(0, len(unique), IN_LIMIT):
			rows.extend(self.client.query(statement, unique[start : start + IN_LIMIT]))
		return rows

	def _free(self, entity: str, row: dict, key: str) -> bool:
		return self.single._free(entity, row["Id"], key)


@dataclass
class _Resolution:
	steps: Steps
	claims: set[Key]
	future: Future | None = None
	done: bool = False


class Lookahead:
	"""Several chunks' resolutions under way at once: `start` each as its chunk is planned, `wait` for one before
	preparing its chunk. Network steps run in the pool; every other step on the caller's thread, inside `start`
	and `wait`. `before_threads` runs on the caller's thread before a call goes to the pool (the client loads its
	tokens there)."""

	def __init__(
		self, bulk: BulkResolver, depth: int, before_threads: Callable[[], None] | None = None
	) -> None:
		self._bulk = bulk
		self._before_threads = before_threads
		self._pool = (
			ThreadPoolExecutor(max_workers=depth, thread_name_prefix="qbo-lookup") if depth > 0 else None
		)
		self._resolutions: list[_Resolution] = []
		self._claimed: set[Key] = set()

	def __enter__(self) -> Lookahead:
		return self

	def __exit__(self, *exc_info: object) -> None:
		for resolution in self._resolutions:
			if resolution.future is not None:
				wait([resolution.future])  # nothing keeps running once the backfill has left
			resolution.steps.close()
		if self._pool:
			self._pool.shutdown(wait=True)

	def start(self, needs: Iterable[Dependencies]) -> int:
		"""Begins resolving what these documents need; returns the ticket to `wait` for."""
		parties, items = self._bulk._unlinked(needs, self._claimed)
		claims = {(spec.kind, spec.name) for spec in parties} | {("Item", spec.key) for spec in items}
		self._claimed |= claims
		resolution = _Resolution(self._bulk._steps(parties, items), claims)
		self._resolutions.append(resolution)
		if not (parties or items):
			self._finish(resolution)
		else:
			self._advance(resolution, None, None)
		return len(self._resolutions) - 1

	def wait(self, ticket: int) -> None:
		"""Until that resolution is done, moving the others on as their calls come back."""
		resolution = self._resolutions[ticket]
		while not resolution.done:
			running = {r.future: r for r in self._resolutions if r.future is not None and not r.done}
			finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
			for future in finished:
				landed = running[future]
				landed.future = None
				error = future.exception()
				self._advance(landed, None if error else future.result(), error)

	def _advance(self, resolution: _Resolution, result: Any, error: BaseException | None) -> None:
		"""Runs the resolution's next caller-thread step and hands its next call to the pool (or runs it here)."""
		while True:
			try:
				call = resolution.steps.throw(error) if error else resolution.steps.send(result)
			except StopIteration:
				return self._finish(resolution)
			except Exception as failure:  # a bug path: the single path still links everything
				log.warning("QuickBooks: bulk look-up stopped (%s); one by one instead", failure)
				return self._finish(resolution)
			if self._pool is None:
				try:
					result, error = call(), None
				except Exception as failure:
					result, error = None, failure
				continue
			try:
				if self._before_threads:
					self._before_threads()
			except Exception as failure:  # the single path meets it too, and records it per document
				log.warning("QuickBooks: bulk look-up not sent (%s); one by one instead", failure)
				resolution.steps.close()
				return self._finish(resolution)
			resolution.future = self._pool.submit(call)
			return None

	def _finish(self, resolution: _Resolution) -> None:
		resolution.done = True
		self._claimed -= resolution.claims


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
