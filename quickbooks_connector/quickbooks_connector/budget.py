"""The QuickBooks request budget every worker of the site shares: one per connected company, in the site's Redis.

QuickBooks' limits (500 requests and 120 batch calls a minute, 10 at once) hold per QuickBooks company, whatever
number of background workers, on however many machines, push to it. `get_client` therefore gives every client a
`RedisBudget` (quickbooks_connector/qbo/redis_budget.py) on `frappe.cache`, the Redis all of the site's workers
use, with keys named after the site and the QuickBooks company (realm). While that Redis cannot be reached, each
process falls back to its own in-process throttle.
"""

from __future__ import annotations

import frappe

from quickbooks_connector.qbo import RequestBudget, Throttle
from quickbooks_connector.qbo.redis_budget import RedisBudget


def site_budget(realm_id: str, api_base: str) -> RequestBudget:
	"""The shared budget of one QuickBooks company on one API host, for this site."""
	fallback = Throttle.shared(realm_id, api_base)
	return RedisBudget(frappe.cache, budget_key(realm_id), fallback.limits, fallback=fallback)


def budget_key(realm_id: str) -> str:
	"""The site and the QuickBooks company: every worker of the site pushing to that company shares the budget."""
	return f"{frappe.local.site}|{realm_id}"
