"""What the engine must resolve in QuickBooks before a document can be built, and the ids it found.

Flow for one ERPNext document (see `documents.py`):

1. `dependencies(doc, ctx)` -> `Dependencies`: the party to ensure, the QuickBooks Items its sales lines need, and
   the ERPNext documents that must already be in QuickBooks (the invoice a return is applied to, the invoices a
   payment is allocated to).
2. The engine finds or creates them and fills a `Refs`.
3. `build_prerequisites` (records created first, e.g. a payment's deduction journal; their ids go into
   `Refs.companions[key]`), `build_payload` (the record itself), `build_followups` (records that need the new
   record's id, e.g. applying a credit memo to its invoice, POS payments).

Item strategy: QuickBooks posts a sales line to its Item's IncomeAccountRef, while ERPNext lets every invoice line
choose its income account. So there is one QuickBooks Item per (ERPNext item, QuickBooks income account): key
`"{item_code}|{account_id}"`, preferred name the item code, then `"{item_code} ({account name})"` when that name is
taken by another item or account. Charge lines (tax-table rows that are not taxes, rounding, write-offs, discount
accounting) use one Item per account: key `"account|{account_id}"`, name `"ERPNext - {account name}"` (QuickBooks
names cannot contain ':'). Bills and vendor credits use account-based lines and need no Items.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

from quickbooks_connector.mapping.naming import DESCRIPTION_MAX, NAME_MAX, qbo_name

PartyKind = Literal["Customer", "Vendor", "Employee"]
ERPNEXT_PARTY_TYPES = {"Customer": "Customer", "Vendor": "Supplier", "Employee": "Employee"}
ItemType = Literal["Service", "NonInventory"]


@dataclass(frozen=True)
class PartySpec:
	"""The QuickBooks Customer/Vendor/Employee the document needs: ERPNext Customer/Supplier/Employee `name`, in
	`currency` (QuickBooks rejects a transaction whose currency differs from its party's; employees are in the home
	currency)."""

	kind: PartyKind
	name: str
	currency: str

	@property
	def erpnext_doctype(self) -> str:
		return ERPNEXT_PARTY_TYPES[self.kind]


@dataclass(frozen=True)
class ItemSpec:
	key: str
	name: str
	type: ItemType
	income_account_id: str
	income_account_name: str
	description: str = ""
	sku: str = ""


@dataclass(frozen=True)
class LinkedDoc:
	"""An ERPNext document that must already exist in QuickBooks; `why` explains it in messages."""

	doctype: str
	name: str
	why: str = ""
	# The QuickBooks entity it must be, when the referring document says (a negative allocation names a return:
	# a Credit Memo or Vendor Credit); the pre-submit check assumes it for a document not sent yet.
	entity: str | None = None


@dataclass(frozen=True)
class Dependencies:
	"""`party`: the document's party (a journal entry: its first). `parties`: every party the document names, for
	documents with several (a journal entry's rows); `party` is among them when both are given."""

	party: PartySpec | None
	items: tuple[ItemSpec, ...] = ()
	linked: tuple[LinkedDoc, ...] = ()
	parties: tuple[PartySpec, ...] = ()

	@property
	def all_parties(self) -> tuple[PartySpec, ...]:
		"""`party` and `parties`, each once."""
		return tuple(dict.fromkeys([*([self.party] if self.party else []), *self.parties]))


@dataclass(frozen=True)
class TxnRef:
	"""A QuickBooks transaction: entity ("Invoice", "CreditMemo", "Bill", "VendorCredit", ...) and Id."""

	entity: str
	id: str


@dataclass
class Refs:
	party_id: str | None = None
	item_ids: dict[str, str] = field(default_factory=dict)
	linked: dict[tuple[str, str], TxnRef] = field(default_factory=dict)
	companions: dict[str, str] = field(default_factory=dict)
	party_ids: dict[PartySpec, str] = field(default_factory=dict)  # every one of Dependencies.all_parties

	def require_party(self) -> str:
		if not self.party_id:
			raise LookupError(
				"Refs.party_id is empty: resolve Dependencies.party before building the payload"
			)
		return self.party_id

	def require_party_of(self, spec: PartySpec) -> str:
		try:
			return self.party_ids[spec]
		except KeyError:
			raise LookupError(
				f"Refs.party_ids has no QuickBooks id for {spec.kind} {spec.name}: resolve Dependencies.parties first"
			)

	def require_item(self, key: str) -> str:
		try:
			return self.item_ids[key]
		except KeyError:
			raise LookupError(
				f"Refs.item_ids has no QuickBooks Item for {key!r}: resolve Dependencies.items first"
			)

	def require_linked(self, doctype: str, name: str) -> TxnRef:
		try:
			return self.linked[(doctype, name)]
		except KeyError:
			raise LookupError(
				f"Refs.linked has no QuickBooks id for {doctype} {name}: resolve Dependencies.linked"
			)


def item_spec_for_line(item_code: str, description: str, account_id: str, account_name: str) -> ItemSpec:
	return ItemSpec(
		key=f"{item_code}|{account_id}",
		name=qbo_name(item_code),
		type="Service",
		income_account_id=account_id,
		income_account_name=account_name,
		description=description[:DESCRIPTION_MAX],
		sku=item_code[:NAME_MAX],
	)


def item_spec_for_account(account_id: str, account_name: str) -> ItemSpec:
	return ItemSpec(
		key=f"account|{account_id}",
		name=qbo_name(f"ERPNext - {account_name}"),
		type="Service",
		income_account_id=account_id,
		income_account_name=account_name,
		description=f"Amounts ERPNext posts to {account_name}",
	)


def item_name_candidates(spec: ItemSpec) -> list[str]:
	"""Names to try in order when creating the Item; the last one is unique to the spec's key."""
	suffix = f" ({qbo_name(spec.income_account_name)})"
	with_account = qbo_name(spec.name[: max(1, NAME_MAX - len(suffix))] + suffix)
	digest = hashlib.sha1(spec.key.encode()).hexdigest()[:6]
	unique = qbo_name(with_account[: NAME_MAX - 7] + f" {digest}")
	candidates: list[str] = []
	for name in (spec.name, with_account, unique):
		if name and name not in candidates:
			candidates.append(name)
	return candidates


def item_payload(spec: ItemSpec, name: str) -> dict:
	"""The body to create the Item under `name` (one of `item_name_candidates(spec)`)."""
	body: dict = {
		"Name": name,
		"Type": spec.type,
		"IncomeAccountRef": {"value": spec.income_account_id, "name": spec.income_account_name},
	}
	if spec.description:
		body["Description"] = spec.description
	if spec.sku:
		body["Sku"] = spec.sku
	return body
