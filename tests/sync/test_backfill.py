"""Historical backfill through the batch API: same books as one by one, no duplicates on a second run."""

from collections.abc import Sequence
from decimal import Decimal

from quickbooks_connector.mapping.money import money
from quickbooks_connector.mapping.stock import LANDED_COST_VOUCHER
from quickbooks_connector.sync import MemoryPort, Status
from quickbooks_connector.sync.records import SyncRecord


def all_fixture_refs(world) -> list[tuple[str, str]]:
	return [(doc["doctype"], doc["name"]) for doc in world.fixtures.documents]


def expected_status(doctype: str) -> Status:
	"""A landed cost voucher posts nothing of its own (ERPNext re-posts its receipt): Skipped, with the reason."""
	return Status.SKIPPED if doctype == LANDED_COST_VOUCHER else Status.SYNCED


def test_backfill_syncs_everything_in_dependency_order(world):
	progress = []
	records = world.engine.push_many(
		all_fixture_refs(world), progress=lambda done, total: progress.append((done, total))
	)

	assert {record.name: record.status for record in records} == {
		name: expected_status(doctype) for doctype, name in all_fixture_refs(world)
	}
	assert progress[-1] == (len(records), len(records))
	balances = {invoice["DocNumber"]: money(invoice["Balance"]) for invoice in world.held("Invoice")}
	assert balances["ACC-SINV-2026-00011"] == Decimal("0.00")  # both payments applied after their invoice


def test_backfill_uses_batches_for_invoices_and_bills(world):
	for number in range(40):
		world.add_copy("ACC-SINV-2026-00012", f"SINV-BULK-{number:03d}")
	refs = [("Sales Invoice", f"SINV-BULK-{number:03d}") for number in range(40)]
	world.admin.reset_stats()

	records = world.engine.push_many(refs)

	assert all(record.status == Status.SYNCED for record in records)
	requests = world.admin.stats()["requests"][world.realm_id]
	assert requests < 20  # one by one would be 40+ creates; two batches of at most 30 and a few look-ups


def test_second_backfill_creates_nothing(world):
	world.engine.push_many(all_fixture_refs(world))
	count = len(world.held("Invoice")) + len(world.held("Payment"))

	again = world.engine.push_many(all_fixture_refs(world))

	assert all(record.status == expected_status(record.doctype) for record in again)
	assert len(world.held("Invoice")) + len(world.held("Payment")) == count


def test_backfill_after_a_lost_batch_and_a_changed_document_creates_each_once(world):
	refs = [
		("Sales Invoice", world.add_copy("ACC-SINV-2026-00012", f"SINV-LOST-{n}")["name"]) for n in range(3)
	]
	# Customer and items exist (a backfill creates missing ones in a batch call of their own): only the
	# invoices' batch is cut.
	world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")
	world.admin.inject_fault(
		match={"realm_id": world.realm_id, "path_regex": r"/batch(\?|$)"}, action="drop", times=1
	)

	lost = world.engine.push_many(refs)
	assert all(record.outcome_unknown for record in lost)

	doc = world.port.get_document(*refs[0])
	doc["items"][0]["description"] = "Widget A (edited description)"
	world.port.add_document(doc)
	again = world.engine.push_many(refs)

	assert all(record.status == Status.SYNCED for record in again)
	numbers = sorted(
		invoice["DocNumber"]
		for invoice in world.held("Invoice")
		if invoice["DocNumber"].startswith("SINV-LOST")
	)
	assert numbers == sorted(name for _, name in refs)


class CountingPort(MemoryPort):
	"""Counts the durable steps (commits, on a real site) the engine asks for."""

	def __init__(self, original: MemoryPort) -> None:
		super().__init__()
		self.__dict__.update(original.__dict__)
		self.steps = 0

	def save_record(self, record: SyncRecord) -> None:
		self.steps += 1
		super().save_record(record)

	def save_records(self, records: Sequence[SyncRecord]) -> None:
		self.steps += 1
		for record in records:
			MemoryPort.save_record(self, record)


def test_backfill_saves_the_records_of_a_chunk_together(world):
	world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")  # its customer and items now exist
	refs = [
		("Sales Invoice", world.add_copy("ACC-SINV-2026-00012", f"SINV-STEP-{n:02d}")["name"])
		for n in range(30)
	]
	port = CountingPort(world.port)

	records = world.engine_with(port=port).push_many(refs)

	assert all(record.status == Status.SYNCED for record in records)
	assert port.steps <= 4  # write-ahead and answers of one chunk; one by one would be 60
