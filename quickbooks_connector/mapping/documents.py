"""One entry point per step for every ERPNext doctype the connector pushes.

The engine, for one submitted document:

	deps = dependencies(doc, ctx)                 # Dependencies, or Skip -> record Skipped with deps.reason
	...ensure deps.party / deps.items / deps.linked in QuickBooks, fill a Refs...
	for extra in build_prerequisites(doc, ctx, refs):   # e.g. a payment's deduction journal
		refs.companions[extra.key] = create(extra)
	payload = build_payload(doc, ctx, refs)       # QBOPayload (or Skip)
	qbo_id = create(payload)
	for extra in build_followups(doc, ctx, refs, qbo_id):  # credit applications, POS payments, "Is Paid" payments
		create(extra)

Every function is pure and deterministic (same document and settings -> same payloads), raises MappingError with
all of a document's problems, and never talks to QuickBooks. Every payload they return has passed
`limits.check_payload`: QuickBooks can hold each of its numbers and will total it as ERPNext does. "POS Invoice" documents post nothing to the ledger
(ERPNext consolidates them into a Sales Invoice, which is what gets pushed), so they are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

from quickbooks_connector.mapping import payment, purchase, sales
from quickbooks_connector.mapping.context import MappingContext
from quickbooks_connector.mapping.limits import check_payload
from quickbooks_connector.mapping.payload import QBOPayload, Skip
from quickbooks_connector.mapping.refs import Dependencies, Refs

_MAPPERS: dict[str, ModuleType] = {
	sales.DOCTYPE: sales,
	purchase.DOCTYPE: purchase,
	payment.DOCTYPE: payment,
}
SUPPORTED_DOCTYPES = tuple(_MAPPERS)


def _skip(doc: Mapping) -> Skip | None:
	doctype = doc.get("doctype")
	if doctype == "POS Invoice":
		return Skip(
			f"POS Invoice {doc.get('name')} posts nothing to the ledger; the Sales Invoice ERPNext consolidates it "
			"into at POS closing is what gets sent to QuickBooks."
		)
	if doctype not in _MAPPERS:
		return Skip(f"{doctype} {doc.get('name')} is not a document type the connector sends to QuickBooks.")
	return None


def dependencies(doc: Mapping, ctx: MappingContext) -> Dependencies | Skip:
	return _skip(doc) or _MAPPERS[doc["doctype"]].dependencies(doc, ctx)


def build_prerequisites(doc: Mapping, ctx: MappingContext, refs: Refs) -> list[QBOPayload]:
	if _skip(doc):
		return []
	return _checked(doc, _MAPPERS[doc["doctype"]].build_prerequisites(doc, ctx, refs))


def build_payload(doc: Mapping, ctx: MappingContext, refs: Refs) -> QBOPayload | Skip:
	skip = _skip(doc)
	if skip:
		return skip
	payload = _MAPPERS[doc["doctype"]].build_payload(doc, ctx, refs)
	if isinstance(payload, QBOPayload):
		_checked(doc, [payload])
	return payload


def build_followups(doc: Mapping, ctx: MappingContext, refs: Refs, qbo_id: str) -> list[QBOPayload]:
	if _skip(doc):
		return []
	return _checked(doc, _MAPPERS[doc["doctype"]].build_followups(doc, ctx, refs, qbo_id))


def _checked(doc: Mapping, payloads: list[QBOPayload]) -> list[QBOPayload]:
	for payload in payloads:
		check_payload(payload, f"{doc['doctype']} {doc['name']}")
	return payloads
