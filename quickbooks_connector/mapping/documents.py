"""One entry point per step for every ERPNext doctype the connector pushes (see registry.py for which).

A document is planned once; the plan goes to every step:

	planned = plan(doc, ctx)                      # PlannedDocument, or Skip -> record Skipped with its problem
	deps = dependencies(planned)                  # ensure deps.party / deps.items / deps.linked, fill a Refs
	for extra in build_prerequisites(planned, refs):   # e.g. a payment's deduction journal
		refs.companions[extra.key] = create(extra)
	payload = build_payload(planned, refs)        # the document's own record
	qbo_id = create(payload)
	for extra in build_followups(planned, refs, qbo_id):  # credit applications, POS payments, "Is Paid" payments
		create(extra)

The engine walks these steps in one place for a single push, a batch and the pre-submit check (sync.steps).
Every function is pure and deterministic (same document and settings -> same payloads), raises MappingError with
all of a document's problems, and never talks to QuickBooks. Every payload they return has passed
`limits.check_payload`: QuickBooks can hold each of its numbers and will total it as ERPNext does. "POS Invoice"
documents post nothing to the ledger (ERPNext consolidates them into a Sales Invoice, which is what gets pushed),
so they are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quickbooks_connector.mapping.context import MappingContext
from quickbooks_connector.mapping.errors import Problem, _
from quickbooks_connector.mapping.limits import check_payload
from quickbooks_connector.mapping.payload import QBOPayload, Skip
from quickbooks_connector.mapping.refs import Dependencies, Refs
from quickbooks_connector.mapping.registry import PUSHED_DOCTYPES, Mapper, pushed_type

SUPPORTED_DOCTYPES = PUSHED_DOCTYPES


@dataclass(frozen=True)
class PlannedDocument:
	"""A document with its mapper's plan: what every later step works from."""

	doc: Mapping
	ctx: MappingContext
	mapper: Mapper
	plan: Any

	@property
	def subject(self) -> str:
		return f"{self.doc['doctype']} {self.doc['name']}"


def plan(doc: Mapping, ctx: MappingContext) -> PlannedDocument | Skip:
	doctype = doc.get("doctype")
	if doctype == "POS Invoice":
		return Skip(
			Problem.of(
				"pos_invoice",
				_(
					"POS Invoice {name} posts nothing to the ledger; the Sales Invoice ERPNext consolidates it into "
					"at POS closing is what gets sent to QuickBooks."
				),
				name=doc.get("name"),
			)
		)
	if doctype == "Period Closing Voucher":
		return Skip(
			Problem.of(
				"period_closing_voucher",
				_(
					"Period Closing Voucher {name} closes the year's income and expense accounts into retained "
					"earnings. QuickBooks closes its books itself (it carries net income into Retained Earnings at "
					"its fiscal year end, without a posting), so it is not sent."
				),
				name=doc.get("name"),
			)
		)
	pushed = pushed_type(doctype)
	if pushed is None:
		return Skip(
			Problem.of(
				"doctype_not_sent",
				_("{doctype} {name} is not a document type the connector sends to QuickBooks."),
				doctype=doctype,
				name=doc.get("name"),
			)
		)
	planned = pushed.mapper.plan(doc, ctx)
	if isinstance(planned, Skip):
		return planned
	return PlannedDocument(doc, ctx, pushed.mapper, planned)


def reads_gl_rows(doc: Mapping) -> bool:
	"""Whether the document's mapping reads its GL rows (`gl_entries`, see gl_journal.py), which the port must then
	load: its mapper's `reads_gl_rows(doc)`, for the mappers that have one."""
	pushed = pushed_type(doc.get("doctype"))
	reads = getattr(pushed.mapper, "reads_gl_rows", None) if pushed else None
	return bool(reads and reads(doc))


def dependencies(planned: PlannedDocument) -> Dependencies:
	return planned.mapper.dependencies(planned.plan, planned.doc, planned.ctx)


def build_prerequisites(planned: PlannedDocument, refs: Refs) -> list[QBOPayload]:
	extras = planned.mapper.build_prerequisites(planned.plan, planned.doc, planned.ctx, refs)
	return _checked(planned, extras)


def build_payload(planned: PlannedDocument, refs: Refs) -> QBOPayload:
	payload = planned.mapper.build_payload(planned.plan, planned.doc, planned.ctx, refs)
	return _checked(planned, [payload])[0]


def build_followups(planned: PlannedDocument, refs: Refs, qbo_id: str) -> list[QBOPayload]:
	extras = planned.mapper.build_followups(planned.plan, planned.doc, planned.ctx, refs, qbo_id)
	return _checked(planned, extras)


def _checked(planned: PlannedDocument, payloads: list[QBOPayload]) -> list[QBOPayload]:
	for payload in payloads:
		check_payload(payload, planned.subject)
	return payloads
