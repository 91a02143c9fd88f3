"""Turn what went wrong into a message an accountant can act on, and decide whether a retry can help.

A sync record never shows a traceback: it says what QuickBooks refused, which ERPNext data or mapping causes it, and
where to fix it. Transient trouble (throttling, outages, timeouts) is retried automatically; everything else waits for
the user to fix the cause and press Retry.
"""

from __future__ import annotations

from dataclasses import dataclass

from quickbooks_connector.mapping.errors import MappingError
from quickbooks_connector.qbo import errors as qbo
from quickbooks_connector.sync.port import DocumentBusy
from quickbooks_connector.sync.records import ErrorKind

RETRY_HINT = "then press Retry on the QuickBooks sync record."


@dataclass(frozen=True)
class Explanation:
	kind: ErrorKind
	message: str
	outcome_unknown: bool = False


def explain(error: Exception, entity: str | None = None, doc_number: str | None = None) -> Explanation:
	if isinstance(error, MappingError):
		return Explanation(ErrorKind.PERMANENT, str(error))
	if isinstance(error, qbo.AuthenticationError):
		return Explanation(
			ErrorKind.AUTH,
			"QuickBooks rejected the connection (the authorisation expired or was revoked). Open QuickBooks Settings "
			"and press Reconnect; waiting documents are sent again automatically once connected.",
		)
	if isinstance(error, qbo.AuthorizationError):
		return Explanation(
			ErrorKind.AUTH,
			"QuickBooks refused access for this company (the connecting user may have lost admin rights, or the "
			f"subscription lapsed): {error}. Reconnect from QuickBooks Settings with an admin user.",
		)
	if isinstance(error, DocumentBusy):
		return Explanation(ErrorKind.TRANSIENT, f"{error} It will be retried automatically.")
	if isinstance(error, qbo.NetworkError):
		return Explanation(
			ErrorKind.TRANSIENT,
			f"QuickBooks could not be reached ({error}). It will be retried automatically.",
			outcome_unknown=getattr(error, "outcome_unknown", False),
		)
	if isinstance(error, qbo.QBOError) and error.retryable:
		return Explanation(
			ErrorKind.TRANSIENT,
			f"QuickBooks is busy or unavailable ({error}). It will be retried automatically.",
		)
	if isinstance(error, qbo.DuplicateDocumentNumberError):
		return Explanation(
			ErrorKind.PERMANENT,
			f"QuickBooks already has a {entity or 'transaction'} numbered {doc_number} that this connector did not create. "
			f"Renumber or delete that transaction in QuickBooks, {RETRY_HINT}",
		)
	if isinstance(error, qbo.StaleObjectError):
		return Explanation(
			ErrorKind.TRANSIENT,
			"The QuickBooks record was changed by someone else at the same time; retrying.",
		)
	if isinstance(error, qbo.NotFoundError):
		return Explanation(
			ErrorKind.PERMANENT,
			f"QuickBooks says something this document refers to no longer exists or was made inactive ({error.detail or error}). "
			f"Reactivate it in QuickBooks or correct the mapping in QuickBooks Settings, {RETRY_HINT}",
		)
	if isinstance(error, qbo.UnsendableValueError):
		return Explanation(ErrorKind.PERMANENT, f"{entity or 'Record'} not sent: {error}")
	if isinstance(error, qbo.QBOError):
		where = f" (field {error.element})" if getattr(error, "element", None) else ""
		return Explanation(
			ErrorKind.PERMANENT,
			f"QuickBooks rejected the {entity or 'record'}{where}: {error}. Fix it, {RETRY_HINT}",
		)
	# A bug does not heal by itself: keep the record visible for a human instead of retrying forever.
	return Explanation(
		ErrorKind.PERMANENT,
		f"Unexpected error while syncing: {error!r}. Press Retry; if it persists, report it.",
	)
