"""Under random 5xx, throttling, timeouts and dropped responses: zero duplicates, zero lost documents."""

import random

import pytest

from quickbooks_connector.sync import Status

INVOICES = 24


def many_invoices(world, count: int) -> list[str]:
	names = []
	for number in range(count):
		template = ("ACC-SINV-2026-00011", "ACC-SINV-2026-00012", "ACC-SINV-2026-00013")[number % 3]
		names.append(world.add_copy(template, f"SINV-FAULT-{number:03d}")["name"])
	return names


def run_until_settled(world, names: list[str], rounds: int) -> None:
	"""What the scheduled retry job does: try every document that is not settled yet, round after round."""
	for _ in range(rounds):
		pending = [name for name in names if _status(world, name) not in (Status.SYNCED,)]
		if not pending:
			return
		for name in pending:
			world.engine.push("Sales Invoice", name)


def _status(world, name: str):
	record = world.port.get_record("Sales Invoice", name)
	return record.status if record else None


@pytest.mark.parametrize("seed", [1, 2])
def test_random_faults_never_duplicate_or_lose_a_document(world, seed):
	names = many_invoices(world, INVOICES)
	rng = random.Random(seed)
	for action, extra in (
		("error", {"status": 503}),
		("error", {"status": 500}),
		("throttle", {}),
		("drop", {}),
	):
		world.admin.inject_fault(
			match={"realm_id": world.realm_id, "method": "POST"},
			action=action,
			probability=0.15,
			times=0,
			seed=rng.randrange(1 << 30),
			**extra,
		)
	run_until_settled(world, names, rounds=12)
	world.admin.clear_faults()
	run_until_settled(world, names, rounds=2)

	numbers = [invoice["DocNumber"] for invoice in world.held("Invoice")]
	assert sorted(numbers) == sorted(names)  # each exactly once, none missing
	assert all(world.port.get_record("Sales Invoice", name).status == Status.SYNCED for name in names)


def test_response_lost_after_commit_then_payload_changed_adopts_instead_of_creating(world):
	name = world.add_copy("ACC-SINV-2026-00012", "SINV-DROP-1")["name"]
	world.engine.push(
		"Sales Invoice", "ACC-SINV-2026-00011"
	)  # customer and items exist: only the invoice is cut
	world.admin.inject_fault(
		match={"realm_id": world.realm_id, "path_regex": r"/invoice(\?|$)"}, action="drop", times=1
	)

	lost = world.engine.push("Sales Invoice", name)
	assert lost.status == Status.FAILED and lost.outcome_unknown

	# Between attempts the payload changes (say, a mapping was edited), so the request id changes too:
	# only the look-up by document number stands between us and a second invoice.
	doc = world.port.get_document("Sales Invoice", name)
	doc["items"][0]["description"] = "Widget A (edited description)"
	world.port.add_document(doc)
	adopted = world.engine.push("Sales Invoice", name)

	assert adopted.status == Status.SYNCED
	assert [invoice["Id"] for invoice in world.held("Invoice", "where DocNumber = {}", name)] == [
		adopted.qbo_id
	]
