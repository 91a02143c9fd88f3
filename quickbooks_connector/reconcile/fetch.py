"""QuickBooks' side of a reconciliation fetched through the client: two report calls, then the PrivateNotes of the
transactions no sync record names (at most `note_limit` reads, so a company full of QuickBooks-made records costs a
bounded number of requests). Framework-free; the Frappe layer runs it in a background job."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from quickbooks_connector.qbo import QBOClient
from quickbooks_connector.qbo.errors import QBOError
from quickbooks_connector.reconcile.compare import ErpDocument, TxnKey, unowned_transactions
from quickbooks_connector.reconcile.quickbooks import GL_COLUMNS, QuickBooksLedger, ledger_from_reports

ACCRUAL, CASH = "Accrual", "Cash"
NOTE_LIMIT = 200

Progress = Callable[[int, str], None]  # percent, what is being done


def fetch_ledger(
	client: QBOClient,
	start: date | str,
	end: date | str,
	basis: str = ACCRUAL,
	progress: Progress | None = None,
) -> QuickBooksLedger:
	"""QuickBooks' TrialBalance on `end` and GeneralLedger of `start`..`end` on one accounting basis."""
	if basis not in (ACCRUAL, CASH):
		raise ValueError(f"accounting method must be {ACCRUAL} or {CASH}, not {basis!r}")
	report = progress or (lambda percent, step: None)
	report(10, "TrialBalance")
	trial_balance = client.report("TrialBalance", start_date=start, end_date=end, accounting_method=basis)
	report(40, "GeneralLedger")
	general_ledger = client.report(
		"GeneralLedger", start_date=start, end_date=end, accounting_method=basis, columns=GL_COLUMNS
	)
	report(70, "parsed")
	return ledger_from_reports(trial_balance, general_ledger)


def private_notes(
	client: QBOClient,
	ledger: QuickBooksLedger,
	documents: Iterable[ErpDocument],
	note_limit: int = NOTE_LIMIT,
) -> dict[TxnKey, str]:
	"""The PrivateNote of each transaction in the ledger that no document's sync record names (a record the
	connector wrote but lost track of still carries its "ERPNext <doctype> <name>" note)."""
	notes: dict[TxnKey, str] = {}
	for entity, txn_id in unowned_transactions(ledger, documents)[:note_limit]:
		try:
			notes[(entity, txn_id)] = str(client.read(entity, txn_id).get("PrivateNote") or "")
		except QBOError:
			notes[(entity, txn_id)] = ""  # deleted meanwhile, or not readable: treated as not the connector's
	return notes
