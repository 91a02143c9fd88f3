"""The steps of one push, written once: a single push, a batch and the pre-submit check differ only in what
stands behind each step (`Steps`): real QuickBooks records, a batch in preparation, or placeholders."""

from __future__ import annotations

from typing import Protocol

from quickbooks_connector import mapping
from quickbooks_connector.mapping import Dependencies, QBOPayload, Refs
from quickbooks_connector.mapping.documents import PlannedDocument


class Steps(Protocol):
	def refs(self, deps: Dependencies) -> Refs:
		"""The QuickBooks ids of the party, items and linked documents the document needs."""

	def prerequisite(self, payload: QBOPayload) -> str:
		"""Creates (or finds) a companion the main record refers to; returns its id."""

	def followup(self, payload: QBOPayload) -> None:
		"""Creates (or finds) a companion that refers to the main record."""


def prepare(planned: PlannedDocument, steps: Steps) -> tuple[Refs, QBOPayload]:
	"""Everything up to the document's own record: dependencies, then prerequisites; returns its payload."""
	refs = steps.refs(mapping.dependencies(planned))
	for extra in mapping.build_prerequisites(planned, refs):
		refs.companions[extra.key] = steps.prerequisite(extra)
	return refs, mapping.build_payload(planned, refs)


def finish(planned: PlannedDocument, refs: Refs, qbo_id: str, steps: Steps) -> None:
	"""What comes after the document's own record exists."""
	for extra in mapping.build_followups(planned, refs, qbo_id):
		steps.followup(extra)
