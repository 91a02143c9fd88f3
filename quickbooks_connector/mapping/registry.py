"""The one list of ERPNext document types the connector pushes.

Everything else derives from it: the document events and form scripts (hooks.py), the QuickBooks status column
(install.py), the settings switch that turns each type on (QuickBooks Settings), the backfill's order and query,
the pre-submit check, the mapping entry points (documents.py) and what a cancel looks for and how it undoes it
(sync.engine). Adding a type is one mapper module (see `Mapper`) and one `PushedType` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from quickbooks_connector.constants import (
	SYNC_JOURNAL_ENTRY,
	SYNC_PAYMENT_ENTRY,
	SYNC_PURCHASE_INVOICE,
	SYNC_SALES_INVOICE,
	SYNC_STOCK_JOURNALS,
)
from quickbooks_connector.mapping import journal, payment, purchase, sales, stock
from quickbooks_connector.mapping.context import MappingContext
from quickbooks_connector.mapping.payload import QBOPayload
from quickbooks_connector.mapping.refs import Dependencies, Refs

VOID, DELETE = "void", "delete"


class Mapper(Protocol):
	"""What a mapper module provides for one submitted document (see documents.py for the flow). The document is
	planned once; every step gets that plan (of the mapper's own type) with the document and the settings. Every
	function is pure: same document and settings, same answer."""

	DOCTYPE: str

	def plan(self, doc: Mapping, ctx: MappingContext) -> Any:
		"""The document checked and resolved against the mappings (raises MappingError with every problem), or
		Skip with the reason it is not sent."""

	def dependencies(self, planned: Any, doc: Mapping, ctx: MappingContext) -> Dependencies:
		"""The party, items and other documents that must be in QuickBooks first."""

	def build_prerequisites(
		self, planned: Any, doc: Mapping, ctx: MappingContext, refs: Refs
	) -> list[QBOPayload]:
		"""Companion records the main record refers to (a payment's deduction journal)."""

	def build_payload(self, planned: Any, doc: Mapping, ctx: MappingContext, refs: Refs) -> QBOPayload:
		"""The document's own QuickBooks record."""

	def build_followups(
		self, planned: Any, doc: Mapping, ctx: MappingContext, refs: Refs, qbo_id: str
	) -> list[QBOPayload]:
		"""Companion records that refer to the main record (credit applications, payments made at once)."""


@dataclass(frozen=True)
class PushedType:
	"""One pushed ERPNext document type.

	- settings_switch: the QuickBooks Settings check that turns its push on.
	- push_order: backfill rank; documents others refer to (invoices) go before those that refer to them.
	- linked_as: the QuickBooks entity other documents' records link to for it (a payment line's TxnType).
	- writes: every QuickBooks entity it may write, with how a cancel undoes it, in the order a cancel undoes them
	  (payments first: QuickBooks removes nothing that payments are applied to).
	- has_returns: ERPNext returns of this type (is_return) are pushed too, after the documents they return.
	- refreshable: ERPNext may change what the document posts after its submit (stock re-posts, a day's stock
	  summary); sync.refresh updates its one QuickBooks record in place to match.
	"""

	doctype: str
	mapper: Mapper
	settings_switch: str
	push_order: int
	linked_as: str
	writes: tuple[tuple[str, str], ...]
	has_returns: bool = False
	refreshable: bool = False

	@property
	def entities(self) -> tuple[str, ...]:
		return tuple(entity for entity, _ in self.writes)

	def undo(self, entity: str) -> str:
		"""VOID (the record stays, zeroed, for the audit trail) or DELETE (QuickBooks cannot void it)."""
		return dict(self.writes)[entity]


PUSHED_TYPES: tuple[PushedType, ...] = (
	PushedType(
		doctype=sales.DOCTYPE,
		mapper=sales,
		settings_switch=SYNC_SALES_INVOICE,
		push_order=0,
		linked_as="Invoice",
		# a POS return refunded at once is a RefundReceipt ([U] whether the API voids one: it is deleted); an
		# invoice that updates stock has a JournalEntry of its stock postings
		writes=(
			("Payment", VOID),
			("Invoice", VOID),
			("CreditMemo", DELETE),
			("RefundReceipt", DELETE),
			("JournalEntry", DELETE),
		),
		has_returns=True,
	),
	PushedType(
		doctype=purchase.DOCTYPE,
		mapper=purchase,
		settings_switch=SYNC_PURCHASE_INVOICE,
		push_order=0,
		linked_as="Bill",
		# an "Is Paid" return's refund Deposit goes before the vendor credit it is linked to
		writes=(("BillPayment", VOID), ("Deposit", DELETE), ("Bill", DELETE), ("VendorCredit", DELETE)),
		has_returns=True,
	),
	PushedType(
		doctype=payment.DOCTYPE,
		mapper=payment,
		settings_switch=SYNC_PAYMENT_ENTRY,
		push_order=2,
		linked_as="Payment",
		# refunds: a Check (Purchase) to a customer, a Deposit from a vendor, after the payment linking them
		writes=(
			("Payment", VOID),
			("BillPayment", VOID),
			("JournalEntry", DELETE),
			("Purchase", DELETE),
			("Deposit", DELETE),
		),
	),
	PushedType(
		doctype=journal.DOCTYPE,
		mapper=journal,
		settings_switch=SYNC_JOURNAL_ENTRY,
		push_order=3,  # after the invoices and payments its rows settle
		linked_as="JournalEntry",
		writes=(("Payment", VOID), ("BillPayment", VOID), ("JournalEntry", DELETE)),
	),
	# stock and cost of goods (perpetual inventory): a journal per voucher, or per day (mapping.stock)
	*(
		PushedType(
			doctype=doctype,
			mapper=stock,
			settings_switch=SYNC_STOCK_JOURNALS,
			push_order=4,
			linked_as="JournalEntry",
			writes=(("JournalEntry", DELETE),),
			has_returns=doctype in (stock.DELIVERY_NOTE, stock.PURCHASE_RECEIPT),
			refreshable=True,
		)
		for doctype in (*stock.VOUCHER_DOCTYPES, stock.SUMMARY_DOCTYPE)
	),
)
PUSHED_DOCTYPES: tuple[str, ...] = tuple(pushed.doctype for pushed in PUSHED_TYPES)
_BY_DOCTYPE = {pushed.doctype: pushed for pushed in PUSHED_TYPES}


def pushed_type(doctype: str) -> PushedType | None:
	return _BY_DOCTYPE.get(doctype)
