"""The sync record: one per ERPNext document, the single source of truth for what QuickBooks holds for it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from enum import Enum


class Status(str, Enum):
	QUEUED = "Queued"
	SYNCED = "Synced"
	FAILED = "Failed"
	VOIDED = "Voided"
	SKIPPED = "Skipped"


class ErrorKind(str, Enum):
	PERMANENT = "permanent"  # needs a human: fix the mapping or the data, then Retry
	TRANSIENT = "transient"  # QuickBooks busy, down or unreachable: retried automatically with backoff
	AUTH = "auth"  # the connection needs a reconnect; retried automatically once it is healthy again


@dataclass
class SyncRecord:
	doctype: str
	name: str
	status: Status = Status.QUEUED
	qbo_entity: str | None = None
	qbo_id: str | None = None
	sync_token: str | None = None
	doc_number: str | None = None
	attempts: int = 0
	error: str | None = None
	error_kind: ErrorKind | None = None
	outcome_unknown: bool = (
		False  # the last write may have reached QuickBooks: look it up before writing again
	)
	request_id: str | None = None
	payload_hash: str | None = None
	erp_total: Decimal | None = None
	erp_tax: Decimal | None = None
	qbo_total: Decimal | None = None
	qbo_tax: Decimal | None = None
	total_mismatch: bool = False
	next_retry_at: float | None = None
	last_attempt_at: float | None = None
	synced_at: float | None = None
	replaces: str | None = None
	# Secondary QuickBooks objects created for this document, e.g. {"credit_application": "Payment:42"}.
	related: dict[str, str] = field(default_factory=dict)
	# Incremented by each Resync: part of every request id, so QuickBooks does not replay an earlier record.
	generation: int = 0
	# Every QuickBooks write for the document, newest last (see sync.history).
	history: list[dict] = field(default_factory=list)
	# What `error` says, as data: mapping.errors.Problem.as_dict() of each problem (a heading first when there are
	# several), for the desk to render translated (mapping.errors.render_all). Set and cleared with `error`.
	problems: list[dict] = field(default_factory=list)

	@property
	def is_in_quickbooks(self) -> bool:
		return bool(self.qbo_id) and self.status in (Status.SYNCED, Status.FAILED)

	def as_dict(self) -> dict:
		return asdict(self)
