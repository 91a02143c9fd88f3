"""ERPNext chart of accounts -> QuickBooks account types."""

from __future__ import annotations

from collections.abc import Mapping

# ERPNext account_type -> QuickBooks AccountType, for the types QuickBooks has a counterpart for
ACCOUNT_TYPES = {
	"Bank": "Bank",
	"Cash": "Bank",
	"Receivable": "Accounts Receivable",
	"Payable": "Accounts Payable",
	"Tax": "Other Current Liability",
	"Cost of Goods Sold": "Cost of Goods Sold",
}
# ERPNext root_type -> QuickBooks AccountType, for every other account
ROOT_TYPES = {
	"Income": "Income",
	"Expense": "Expense",
	"Equity": "Equity",
	"Asset": "Other Current Asset",
	"Liability": "Other Current Liability",
}


def qbo_account_type(account: Mapping) -> str:
	"""The QuickBooks AccountType for an ERPNext Account (a dict with account_type and root_type): by its
	account_type when QuickBooks has that type, else by its root_type."""
	return ACCOUNT_TYPES.get(account.get("account_type") or "") or ROOT_TYPES[account["root_type"]]
