"""Per-realm lookup indexes that keep QBO's uniqueness and linking rules O(1).

* names — DisplayName is unique across Customer, Vendor and Employee (inactive ones included); Item, Account,
  Term, TaxCode, TaxRate, TaxAgency, Class, Department and PaymentMethod names (and CompanyCurrency codes) are
  unique within their own list. Names compare trimmed and case-insensitively.
* doc_numbers — DocNumber per transaction type; Bills and VendorCredits are scoped per vendor.
* applications — which Payment/BillPayment lines apply how much to which Invoice, CreditMemo, Bill,
  VendorCredit, JournalEntry, Purchase (linked as "Check" or "Expense") or Deposit; balances and ``LinkedTxn`` of
  the targets are derived from it. Keys name the stored entity, whatever TxnType the link spells.

Indexes are never persisted: they are rebuilt from the objects when a state file is loaded.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

NAME_FIELDS: dict[str, tuple[str, str]] = {
	"Customer": ("party", "DisplayName"),
	"Vendor": ("party", "DisplayName"),
	"Employee": ("party", "DisplayName"),
	"Item": ("Item", "Name"),
	"Account": ("Account", "Name"),
	"Term": ("Term", "Name"),
	"TaxCode": ("TaxCode", "Name"),
	"TaxRate": ("TaxRate", "Name"),
	"TaxAgency": ("TaxAgency", "DisplayName"),
	"Class": ("Class", "Name"),
	"Department": ("Department", "Name"),
	"PaymentMethod": ("PaymentMethod", "Name"),
	"CompanyCurrency": ("CompanyCurrency", "Code"),
}
DOC_NUMBER_SCOPES: dict[str, str | None] = {
	"Invoice": None,
	"CreditMemo": None,
	"SalesReceipt": None,
	"RefundReceipt": None,
	"Estimate": None,
	"PurchaseOrder": None,
	"Purchase": None,
	"JournalEntry": None,
	"BillPayment": None,
	"Bill": "VendorRef",
	"VendorCredit": "VendorRef",
}
PAYER_ENTITIES = {"Payment", "BillPayment"}
# A payment line's LinkedTxn.TxnType -> the entity it names, where they differ (a Purchase is linked as what its
# PaymentType makes it)
LINKED_ENTITIES = {"Check": "Purchase", "Expense": "Purchase"}

Key = tuple[str, str]


def name_key(name: str) -> str:
	return name.strip().casefold()


def doc_number_key(entity: str, obj: dict[str, Any]) -> tuple[str, str, str] | None:
	if entity not in DOC_NUMBER_SCOPES or not obj.get("DocNumber"):
		return None
	scope_field = DOC_NUMBER_SCOPES[entity]
	scope = (obj.get(scope_field) or {}).get("value", "") if scope_field else ""
	return entity, scope, str(obj["DocNumber"]).strip()


def applications_of(obj: dict[str, Any]) -> dict[Key, Decimal]:
	"""Amount a payer applies per target ``(entity, TxnId)``."""
	applied: dict[Key, Decimal] = defaultdict(Decimal)
	for line in obj.get("Line") or ():
		for link in line.get("LinkedTxn") or ():
			entity = LINKED_ENTITIES.get(link["TxnType"], link["TxnType"])
			applied[(entity, link["TxnId"])] += line["Amount"]
	return applied


class RealmIndexes:
	def __init__(self) -> None:
		self.names: dict[Key, Key] = {}
		self.doc_numbers: dict[tuple[str, str, str], set[str]] = defaultdict(set)
		self.applications: dict[Key, dict[Key, Decimal]] = defaultdict(dict)

	def update(self, entity: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
		"""Replace what ``old`` contributed with what ``new`` contributes (either may be None)."""
		if old is not None:
			self._remove(entity, old)
		if new is not None:
			self._add(entity, new)

	def name_owner(self, entity: str, name: str) -> Key | None:
		namespace = NAME_FIELDS[entity][0]
		return self.names.get((namespace, name_key(name)))

	def doc_number_owners(self, key: tuple[str, str, str]) -> set[str]:
		return self.doc_numbers.get(key, set())

	def applied_to(self, target: Key) -> dict[Key, Decimal]:
		return self.applications.get(target, {})

	def _add(self, entity: str, obj: dict[str, Any]) -> None:
		if entity in NAME_FIELDS:
			namespace, field = NAME_FIELDS[entity]
			self.names[(namespace, name_key(obj[field]))] = (entity, obj["Id"])
		doc_key = doc_number_key(entity, obj)
		if doc_key:
			self.doc_numbers[doc_key].add(obj["Id"])
		if entity in PAYER_ENTITIES:
			for target, amount in applications_of(obj).items():
				self.applications[target][(entity, obj["Id"])] = amount

	def _remove(self, entity: str, obj: dict[str, Any]) -> None:
		if entity in NAME_FIELDS:
			namespace, field = NAME_FIELDS[entity]
			self.names.pop((namespace, name_key(obj[field])), None)
		doc_key = doc_number_key(entity, obj)
		if doc_key:
			owners = self.doc_numbers.get(doc_key)
			if owners is not None:
				owners.discard(obj["Id"])
				if not owners:
					del self.doc_numbers[doc_key]
		if entity in PAYER_ENTITIES:
			for target in applications_of(obj):
				payers = self.applications.get(target, {})
				payers.pop((entity, obj["Id"]), None)
				if not payers:
					self.applications.pop(target, None)
