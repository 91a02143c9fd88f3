"""The pre-submit check reports what QuickBooks would refuse, using the real mapping and no network."""

from dataclasses import replace

from quickbooks_connector.sync.preflight import preflight


def test_a_mapped_document_has_no_problems(world):
	for doc in world.fixtures.documents:
		assert preflight(doc, world.ctx) == [], doc["name"]


def test_every_unmapped_account_of_a_document_is_reported(world):
	mapped = {
		name: ref for name, ref in world.ctx.account_map.items() if name not in ("Sales - WP", "Debtors - WP")
	}

	problems = preflight(world.doc("ACC-SINV-2026-00012"), replace(world.ctx, account_map=mapped))

	assert any("Sales - WP" in str(problem) for problem in problems)


def test_foreign_currency_without_multicurrency_is_reported(world):
	problems = preflight(world.doc("ACC-SINV-2026-00013"), replace(world.ctx, multicurrency=False))

	assert problems and any("multicurrency" in str(problem).lower() for problem in problems)
