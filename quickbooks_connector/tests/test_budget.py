"""The site's shared QuickBooks request budget: every client `get_client` builds sends under one budget per
QuickBooks company, kept in the site's Redis (frappe.cache), named after the site and the realm."""

import uuid
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from quickbooks_connector.qbo.redis_budget import RedisBudget
from quickbooks_connector.quickbooks_connector.budget import budget_key, site_budget
from quickbooks_connector.quickbooks_connector.settings import get_client
from quickbooks_connector.tests.utils import get_test_company, make_connected_settings


class TestSharedBudget(FrappeTestCase):
	def test_budgets_of_one_company_share_the_sites_redis(self) -> None:
		realm = f"budget-{uuid.uuid4().hex[:8]}"
		first, second = (
			site_budget(realm, "https://example.test/v3"),
			site_budget(realm, "https://example.test/v3"),
		)

		with first.slot(), second.slot(batch=True):
			in_use = site_budget(realm, "https://example.test/v3").in_use()

		self.assertEqual(in_use, {"slots": 2, "requests": 2, "batches": 1})
		self.assertEqual(first.in_use()["slots"], 0)
		self.assertIn(frappe.local.site, budget_key(realm))
		self.assertIn(realm, budget_key(realm))
		self.assertEqual(site_budget(f"other-{realm}", "https://example.test/v3").in_use()["requests"], 0)

	def test_get_client_sends_under_the_shared_budget(self) -> None:
		settings = make_connected_settings(get_test_company())
		client = get_client(settings)

		self.assertIsInstance(client.budget, RedisBudget)
		self.assertIn(settings.realm_id, budget_key(settings.realm_id))
		with patch.object(RedisBudget, "_release", wraps=client.budget._release) as released:
			self.assertTrue(client.company_info().get("CompanyName"))
		released.assert_called_once()
