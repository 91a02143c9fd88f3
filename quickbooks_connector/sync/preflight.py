"""Pre-submit check: what QuickBooks would refuse, found before ERPNext posts the GL.

Runs the real mapping, through the same steps as a push (sync.steps), with placeholder QuickBooks ids and no
network, so every problem the push would meet in mapping — unmapped accounts, missing tax codes, currencies
QuickBooks cannot hold — is reported while the user can still fix the document.
"""

from __future__ import annotations

from quickbooks_connector import mapping
from quickbooks_connector.mapping import (
	Dependencies,
	MappingContext,
	MappingError,
	QBOPayload,
	Refs,
	Skip,
	TxnRef,
)
from quickbooks_connector.mapping.errors import Problem
from quickbooks_connector.mapping.registry import pushed_type
from quickbooks_connector.sync.steps import finish, prepare

PLACEHOLDER = "0"


class _Placeholders:
	def refs(self, deps: Dependencies) -> Refs:
		refs = Refs(party_id=PLACEHOLDER if deps.party else None)
		refs.party_ids = {party: PLACEHOLDER for party in deps.all_parties}
		refs.item_ids = {spec.key: PLACEHOLDER for spec in deps.items}
		refs.linked = {
			(linked.doctype, linked.name): TxnRef(linked.entity or _entity(linked.doctype), PLACEHOLDER)
			for linked in deps.linked
		}
		return refs

	def prerequisite(self, payload: QBOPayload) -> str:
		return PLACEHOLDER

	def followup(self, payload: QBOPayload) -> None:
		pass


def preflight(doc: dict, ctx: MappingContext) -> list[Problem]:
	"""The problems QuickBooks would have with this document, as data (render them with mapping.errors.render);
	empty when it will go through."""
	try:
		planned = mapping.plan(doc, ctx)
		if isinstance(planned, Skip):
			return []
		refs, _payload = prepare(planned, _Placeholders())
		finish(planned, refs, PLACEHOLDER, _Placeholders())
	except MappingError as error:
		return list(error.problems)
	return []


def _entity(doctype: str) -> str:
	pushed = pushed_type(doctype)
	return pushed.linked_as if pushed else "Invoice"
