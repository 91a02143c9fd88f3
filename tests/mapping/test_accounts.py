"""ERPNext account -> QuickBooks AccountType (the type the demo and the test mapping give each mirrored account)."""

from __future__ import annotations

import pytest

from quickbooks_connector.mapping import qbo_account_type


@pytest.mark.parametrize(
	"account, expected",
	[
		({"account_type": "Cash", "root_type": "Asset"}, "Bank"),
		({"account_type": "Receivable", "root_type": "Asset"}, "Accounts Receivable"),
		({"account_type": "Tax", "root_type": "Liability"}, "Other Current Liability"),
		({"account_type": "Cost of Goods Sold", "root_type": "Expense"}, "Cost of Goods Sold"),
		# types QuickBooks has no counterpart for, and accounts without a type, go by their root type
		({"account_type": "Stock", "root_type": "Asset"}, "Other Current Asset"),
		({"account_type": "", "root_type": "Income"}, "Income"),
		({"account_type": None, "root_type": "Equity"}, "Equity"),
		({"root_type": "Expense"}, "Expense"),
	],
)
def test_quickbooks_type_follows_the_account_type_else_the_root_type(account, expected):
	assert qbo_account_type(account) == expected
