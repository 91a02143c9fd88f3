"""Turn what went wrong into a message an accountant can act on, and decide whether a retry can help.

A sync record never shows a traceback: it says what QuickBooks refused, which ERPNext data or mapping causes it, and
where to fix it. Transient trouble (throttling, outages, timeouts) is retried automatically; everything else waits for
the user to fix the cause and press Retry. What it says is data (mapping.errors.Problem), rendered in English for
`message` and translated by the desk.
"""

from __future__ import annotations

from dataclasses import dataclass

from quickbooks_connector.mapping.errors import MappingError, Problem, _, render_all
from quickbooks_connector.qbo import errors as qbo
from quickbooks_connector.sync.port import DocumentBusy
from quickbooks_connector.sync.records import ErrorKind


@dataclass(frozen=True)
class Explanation:
	"""`problems`: what went wrong and what to do (a MappingError's heading first, when it has one)."""

	kind: ErrorKind
	problems: tuple[Problem, ...]
	outcome_unknown: bool = False

	@property
	def message(self) -> str:
		"""The problems in English."""
		return render_all(self.problems)


def explain(error: Exception, entity: str | None = None, doc_number: str | None = None) -> Explanation:
	if isinstance(error, MappingError):
		return Explanation(ErrorKind.PERMANENT, error.with_heading)
	problem, kind, outcome_unknown = _problem(error, entity, doc_number)
	return Explanation(kind, (problem,), outcome_unknown)


def _problem(error: Exception, entity: str | None, doc_number: str | None) -> tuple[Problem, ErrorKind, bool]:
	"""What went wrong, whether a retry can help, and whether the write may have happened after all."""
	if isinstance(error, qbo.AuthenticationError):
		return (
			Problem.of(
				"connection_rejected",
				_("QuickBooks rejected the connection (the authorisation expired or was revoked)."),
				_(
					"Open QuickBooks Settings and press Reconnect; waiting documents are sent again automatically once "
					"connected."
				),
			),
			ErrorKind.AUTH,
			False,
		)
	if isinstance(error, qbo.AuthorizationError):
		return (
			Problem.of(
				"access_refused",
				_(
					"QuickBooks refused access for this company (the connecting user may have lost admin rights, or the "
					"subscription lapsed): {detail}."
				),
				_("Reconnect from QuickBooks Settings with an admin user."),
				detail=error,
			),
			ErrorKind.AUTH,
			False,
		)
	if isinstance(error, DocumentBusy):
		return (
			Problem.of("document_busy", _("{detail}"), _("It will be retried automatically."), detail=error),
			ErrorKind.TRANSIENT,
			False,
		)
	if isinstance(error, qbo.NetworkError):
		return (
			Problem.of(
				"quickbooks_unreachable",
				_("QuickBooks could not be reached ({detail})."),
				_("It will be retried automatically."),
				detail=error,
			),
			ErrorKind.TRANSIENT,
			getattr(error, "outcome_unknown", False),
		)
	if isinstance(error, qbo.QBOError) and error.retryable:
		return (
			Problem.of(
				"quickbooks_unavailable",
				_("QuickBooks is busy or unavailable ({detail})."),
				_("It will be retried automatically."),
				detail=error,
			),
			ErrorKind.TRANSIENT,
			False,
		)
	if isinstance(error, qbo.DuplicateDocumentNumberError):
		return (
			Problem.of(
				"number_taken",
				_("QuickBooks already has a {entity} numbered {number} that this connector did not create."),
				_(
					"Renumber or delete that transaction in QuickBooks, then press Retry on the QuickBooks sync "
					"record."
				),
				entity=entity or "transaction",
				number=doc_number,
			),
			ErrorKind.PERMANENT,
			False,
		)
	if isinstance(error, qbo.StaleObjectError):
		return (
			Problem.of(
				"changed_meanwhile",
				_("The QuickBooks record was changed by someone else at the same time; retrying."),
			),
			ErrorKind.TRANSIENT,
			False,
		)
	if isinstance(error, qbo.NotFoundError):
		return (
			Problem.of(
				"reference_gone",
				_(
					"QuickBooks says something this document refers to no longer exists or was made inactive "
					"({detail})."
				),
				_(
					"Reactivate it in QuickBooks or correct the mapping in QuickBooks Settings, then press Retry on the "
					"QuickBooks sync record."
				),
				detail=error.detail or error,
			),
			ErrorKind.PERMANENT,
			False,
		)
	if isinstance(error, qbo.UnsendableValueError):
		return (
			Problem.of(
				"value_not_sendable",
				_("{entity} not sent: {detail}"),
				entity=entity or "Record",
				detail=error,
			),
			ErrorKind.PERMANENT,
			False,
		)
	if isinstance(error, qbo.QBOError):
		fix = _("Fix it, then press Retry on the QuickBooks sync record.")
		if getattr(error, "element", None):
			return (
				Problem.of(
					"quickbooks_rejected_field",
					_("QuickBooks rejected the {entity} (field {field}): {detail}."),
					fix,
					entity=entity or "record",
					field=error.element,
					detail=error,
				),
				ErrorKind.PERMANENT,
				False,
			)
		return (
			Problem.of(
				"quickbooks_rejected",
				_("QuickBooks rejected the {entity}: {detail}."),
				fix,
				entity=entity or "record",
				detail=error,
			),
			ErrorKind.PERMANENT,
			False,
		)
	# A bug does not heal by itself: keep the record visible for a human instead of retrying forever.
	return (
		Problem.of(
			"unexpected_error",
			_("Unexpected error while syncing: {detail}."),
			_("Press Retry; if it persists, report it."),
			detail=repr(error),
		),
		ErrorKind.PERMANENT,
		False,
	)
