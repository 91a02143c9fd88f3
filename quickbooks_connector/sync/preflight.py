"""Pre-submit check: what QuickBooks would refuse, found before ERPNext posts the GL.

Runs the real mapping with placeholder QuickBooks ids (no network), so every problem the push would meet in
mapping — unmapped accounts, missing tax codes, currencies QuickBooks cannot hold — is reported while the user can
still fix the document.
"""

from __future__ import annotations

from quickbooks_connector import mapping
from quickbooks_connector.mapping import MappingContext, MappingError, Refs, Skip, TxnRef
from quickbooks_connector.mapping.registry import pushed_type

PLACEHOLDER = "0"


def preflight(doc: dict, ctx: MappingContext) -> list[str]:
	"""The problems QuickBooks would have with this document; empty when it will go through."""
	try:
		deps = mapping.dependencies(doc, ctx)
		if isinstance(deps, Skip):
			return []
		refs = _placeholder_refs(deps)
		for extra in mapping.build_prerequisites(doc, ctx, refs):
			refs.companions[extra.key] = PLACEHOLDER
		payload = mapping.build_payload(doc, ctx, refs)
		if not isinstance(payload, Skip):
			mapping.build_followups(doc, ctx, refs, PLACEHOLDER)
	except MappingError as error:
		return [str(problem) for problem in error.problems] or [str(error)]
	return []


def _placeholder_refs(deps: mapping.Dependencies) -> Refs:
	refs = Refs(party_id=PLACEHOLDER if deps.party else None)
	refs.item_ids = {spec.key: PLACEHOLDER for spec in deps.items}
	refs.linked = {
		(linked.doctype, linked.name): TxnRef(_entity(linked.doctype), PLACEHOLDER) for linked in deps.linked
	}
	return refs


def _entity(doctype: str) -> str:
	pushed = pushed_type(doctype)
	return pushed.linked_as if pushed else "Invoice"
