"""Reconciliation of ERPNext's General Ledger with QuickBooks' books (issue 12). Framework-free: never imports
frappe. `quickbooks.py` reads QuickBooks' TrialBalance and GeneralLedger reports, `compare.py` puts them next to
ERPNext's figures through the account mapping and explains each difference, `fetch.py` asks QuickBooks for them."""

from quickbooks_connector.reconcile.compare import (
	AccountReconciliation,
	ErpDocument,
	Explanation,
	Reconciliation,
	owner_from_note,
	reconcile,
	unowned_transactions,
)
from quickbooks_connector.reconcile.fetch import ACCRUAL, CASH, fetch_ledger, private_notes
from quickbooks_connector.reconcile.quickbooks import (
	GL_COLUMNS,
	Figures,
	QuickBooksLedger,
	ReportError,
	ledger_from_reports,
)

__all__ = [
	"ACCRUAL",
	"CASH",
	"GL_COLUMNS",
	"AccountReconciliation",
	"ErpDocument",
	"Explanation",
	"Figures",
	"QuickBooksLedger",
	"Reconciliation",
	"ReportError",
	"fetch_ledger",
	"ledger_from_reports",
	"owner_from_note",
	"private_notes",
	"reconcile",
	"unowned_transactions",
]
