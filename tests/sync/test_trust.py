"""Exactly once when QuickBooks numbers its own forms, cancels that leave nothing live, batches that isolate a bad
document, and document numbers that say honestly who holds them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quickbooks_connector.mapping import is_ours
from quickbooks_connector.mapping.money import money
from quickbooks_connector.qbo import QBOClient
from quickbooks_connector.qbo.errors import ValidationError
from quickbooks_connector.sync import MemoryPort, PushEngine, Status
from quickbooks_connector.sync.lookup import is_live

from .test_lifecycle import cancel_in_erpnext

INVOICE_A, INVOICE_B = "ACC-SINV-2026-00011", "ACC-SINV-2026-00012"
RECEIPT = "ACC-PAY-2026-00008"  # pays INVOICE_A and INVOICE_B


def ours(world, entity: str, doctype: str, name: str) -> list[dict]:
	"""The live QuickBooks records of one ERPNext document, found by their note alone."""
	return [row for row in world.held(entity) if is_ours(row, doctype, name) and is_live(row)]


def drop_next(world, path: str) -> None:
	"""QuickBooks commits the next write to `path`, then the connection breaks before the answer arrives."""
	world.admin.inject_fault(
		match={"realm_id": world.realm_id, "method": "POST", "path_regex": rf"/{path}(\?|$)"},
		action="drop",
		times=1,
	)


def edit_description(world, doctype: str, name: str) -> None:
	"""The payload changes between attempts (as a mapping change would), and with it the request id."""
	doc = world.port.get_document(doctype, name)
	doc["items"][0]["description"] = f"{doc['items'][0].get('description') or ''} (edited)"
	world.port.add_document(doc)


@pytest.fixture
def auto_numbered(make_world):
	"""A QuickBooks company with "Custom transaction numbers" off: it numbers its sales forms itself."""
	return make_world(custom_txn_numbers=False)


def test_quickbooks_numbers_its_own_invoices_and_the_record_shows_that_number(auto_numbered):
	record = auto_numbered.engine.push("Sales Invoice", INVOICE_A)

	held = auto_numbered.client.read("Invoice", record.qbo_id)
	assert record.status == Status.SYNCED
	assert held["DocNumber"] != INVOICE_A and record.doc_number == held["DocNumber"]
	assert is_ours(held, "Sales Invoice", INVOICE_A)


def test_lost_answer_then_edited_document_is_adopted_when_quickbooks_numbers_invoices(auto_numbered):
	auto_numbered.engine.push("Sales Invoice", INVOICE_A)  # customer and items exist: only the invoice is cut
	drop_next(auto_numbered, "invoice")
	lost = auto_numbered.engine.push("Sales Invoice", INVOICE_B)
	assert lost.status == Status.FAILED and lost.outcome_unknown

	edit_description(auto_numbered, "Sales Invoice", INVOICE_B)
	adopted = auto_numbered.engine.push("Sales Invoice", INVOICE_B)

	assert adopted.status == Status.SYNCED
	assert [row["Id"] for row in ours(auto_numbered, "Invoice", "Sales Invoice", INVOICE_B)] == [
		adopted.qbo_id
	]


def test_lost_batch_answer_then_edits_create_each_invoice_once_when_quickbooks_numbers_invoices(
	auto_numbered,
):
	world = auto_numbered
	world.engine.push("Sales Invoice", INVOICE_A)
	# Its customer and items exist: the next batch call is the invoices'.
	world.engine.push("Sales Invoice", INVOICE_B)
	names = [world.add_copy(INVOICE_B, f"SINV-BATCH-{number:02d}")["name"] for number in range(12)]
	drop_next(world, "batch")
	first = world.engine.push_many(("Sales Invoice", name) for name in names)
	assert all(record.outcome_unknown for record in first)

	for name in names:
		edit_description(world, "Sales Invoice", name)
	world.engine.push_many(("Sales Invoice", name) for name in names)

	for name in names:
		assert len(ours(world, "Invoice", "Sales Invoice", name)) == 1, name
		assert world.port.get_record("Sales Invoice", name).status == Status.SYNCED


def test_cancel_after_a_lost_payment_answer_voids_the_payment(world):
	for invoice in (INVOICE_A, INVOICE_B):
		world.engine.push("Sales Invoice", invoice)
	drop_next(world, "payment")
	lost = world.engine.push("Payment Entry", RECEIPT)
	assert lost.outcome_unknown and not lost.qbo_id
	assert len(ours(world, "Payment", "Payment Entry", RECEIPT)) == 1  # QuickBooks has it all the same

	cancel_in_erpnext(world, "Payment Entry", RECEIPT)
	cancelled = world.engine.sync("Payment Entry", RECEIPT)

	assert cancelled.status == Status.VOIDED
	assert ours(world, "Payment", "Payment Entry", RECEIPT) == []
	balances = {row["Id"]: money(row["Balance"]) for row in world.held("Invoice")}
	assert sorted(balances.values()) == [Decimal("282.47"), Decimal("1688.67")]


def test_cancel_after_a_lost_deduction_journal_answer_removes_the_journal(world):
	world.engine.push("Sales Invoice", INVOICE_A)
	receipt = world.add_copy(
		"ACC-PAY-2026-00007",
		"PAY-WRITE-OFF-1",
		paid_amount=995.0,
		received_amount=995.0,
		base_paid_amount=995.0,
		base_received_amount=995.0,
		deductions=[{"account": "Write Off - WP", "amount": 5.0, "description": "Short payment"}],
	)
	drop_next(world, "journalentry")
	lost = world.engine.push("Payment Entry", receipt["name"])
	assert lost.outcome_unknown and not lost.related
	assert len(ours(world, "JournalEntry", "Payment Entry", receipt["name"])) == 1

	cancel_in_erpnext(world, "Payment Entry", receipt["name"])
	cancelled = world.engine.sync("Payment Entry", receipt["name"])

	assert cancelled.status == Status.VOIDED
	assert ours(world, "JournalEntry", "Payment Entry", receipt["name"]) == []
	assert ours(world, "Payment", "Payment Entry", receipt["name"]) == []


def test_cancelled_invoice_is_voided_although_another_documents_payment_was_applied(world):
	"""ERPNext unlinks the payment when the invoice is cancelled; QuickBooks must do the same before the void."""
	record = world.engine.push("Payment Entry", RECEIPT)  # sends both invoices first
	assert record.status == Status.SYNCED

	cancel_in_erpnext(world, "Sales Invoice", INVOICE_B)
	cancelled = world.engine.sync("Sales Invoice", INVOICE_B)

	assert cancelled.status == Status.VOIDED, cancelled.error
	assert ours(world, "Invoice", "Sales Invoice", INVOICE_B) == []
	payment = world.client.read("Payment", record.qbo_id)
	assert money(payment["TotalAmt"]) == Decimal("971.14")  # the money received stays, as credit
	assert [line["LinkedTxn"][0]["TxnType"] for line in payment["Line"]] == ["Invoice"]
	assert money(payment["UnappliedAmt"]) == money(cancelled_amount(world, INVOICE_B))


def cancelled_amount(world, invoice: str) -> Decimal:
	receipt = world.doc(RECEIPT)
	return next(
		Decimal(str(ref["allocated_amount"]))
		for ref in receipt["references"]
		if ref["reference_name"] == invoice
	)


def test_cancel_waits_for_the_user_while_a_payment_made_in_quickbooks_is_applied(world):
	record = world.engine.push("Sales Invoice", INVOICE_B)
	invoice = world.client.read("Invoice", record.qbo_id)
	world.client.create(
		"Payment",
		{
			"CustomerRef": invoice["CustomerRef"],
			"TotalAmt": Decimal("10.00"),
			"Line": [
				{"Amount": Decimal("10.00"), "LinkedTxn": [{"TxnId": record.qbo_id, "TxnType": "Invoice"}]}
			],
		},
	)

	cancel_in_erpnext(world, "Sales Invoice", INVOICE_B)
	cancelled = world.engine.sync("Sales Invoice", INVOICE_B)

	assert cancelled.status == Status.FAILED
	assert "not sent from ERPNext" in cancelled.error and "Retry" in cancelled.error
	assert len(ours(world, "Invoice", "Sales Invoice", INVOICE_B)) == 1


class RefusesOne(QBOClient):
	"""A client that cannot send one document (an amount it cannot encode, say): a batch holding it fails whole."""

	def __init__(self, client: QBOClient, poison: str) -> None:
		self.__dict__.update(client.__dict__)
		self.poison = poison

	def _check(self, body: dict) -> None:
		if self.poison in (body.get("PrivateNote") or ""):
			raise ValidationError(f"cannot encode {self.poison}")

	def create(self, entity, payload, request_id=None):
		self._check(payload)
		return super().create(entity, payload, request_id=request_id)

	def batch(self, operations, request_id=None):
		for operation in operations:
			self._check(operation.body)
		return super().batch(operations, request_id=request_id)


def test_one_document_that_cannot_be_sent_fails_alone_in_its_batch(world):
	world.engine.push("Sales Invoice", INVOICE_A)
	names = [world.add_copy(INVOICE_B, f"SINV-MIXED-{number:02d}")["name"] for number in range(6)]
	engine = PushEngine(RefusesOne(world.client, names[2]), world.port, world.ctx, world.realm_id)

	records = {record.name: record for record in engine.push_many(("Sales Invoice", name) for name in names)}

	assert records[names[2]].status == Status.FAILED and "cannot encode" in records[names[2]].error
	assert [records[name].status for name in names if name != names[2]] == [Status.SYNCED] * 5
	for name in names:
		assert len(ours(world, "Invoice", "Sales Invoice", name)) == (name != names[2])


class PushedMeanwhile(MemoryPort):
	"""Another worker pushes a document (on submit, say) between the backfill preparing it and locking it."""

	def __init__(self, port: MemoryPort, target: str) -> None:
		super().__init__()
		self.__dict__.update(port.__dict__)
		self.target, self.other_worker = target, None

	def lock(self, doctype: str, name: str):
		if name == self.target and self.other_worker is not None:
			worker, self.other_worker = self.other_worker, None
			worker.push(doctype, name)
		return super().lock(doctype, name)


def test_backfill_does_not_send_again_what_another_worker_sent_meanwhile(auto_numbered):
	world = auto_numbered  # no document number for QuickBooks to refuse as a duplicate
	world.engine.push("Sales Invoice", INVOICE_A)
	names = [world.add_copy(INVOICE_B, f"SINV-RACE-{number:02d}")["name"] for number in range(3)]
	port = PushedMeanwhile(world.port, names[1])
	backfill = PushEngine(world.client, port, world.ctx, world.realm_id)
	port.other_worker = PushEngine(world.client, port, world.ctx, world.realm_id)

	backfill.push_many(("Sales Invoice", name) for name in names)

	for name in names:
		assert len(ours(world, "Invoice", "Sales Invoice", name)) == 1, name


def test_a_number_two_documents_share_is_reported_with_the_other_document(world):
	world.engine.push("Purchase Invoice", "ACC-PINV-2026-00004")
	bill_no = world.doc("ACC-PINV-2026-00004").get("bill_no") or "ACC-PINV-2026-00004"
	world.add_copy("ACC-PINV-2026-00004", "PINV-SAME-NUMBER", bill_no=bill_no)

	record = world.engine.push("Purchase Invoice", "PINV-SAME-NUMBER")

	assert record.status == Status.FAILED
	assert "Purchase Invoice ACC-PINV-2026-00004" in record.error and "Retry" in record.error
	assert len(ours(world, "Bill", "Purchase Invoice", "PINV-SAME-NUMBER")) == 0


class AnotherWorkerCreatesFirst(QBOClient):
	"""Another worker creates the same new customer or item a moment before this one does."""

	def __init__(self, client: QBOClient, entity: str) -> None:
		self.__dict__.update(client.__dict__)
		self.entity, self.raced = entity, False

	def create(self, entity, payload, request_id=None):
		if entity == self.entity and not self.raced:
			self.raced = True
			super().create(entity, payload)  # its own request, its own request id
		return super().create(entity, payload, request_id=request_id)


@pytest.mark.parametrize("entity", ["Customer", "Item"])
def test_a_party_or_item_another_worker_just_created_is_adopted_not_created_again(world, entity):
	engine = PushEngine(
		AnotherWorkerCreatesFirst(world.client, entity), world.port, world.ctx, world.realm_id
	)

	record = engine.push("Sales Invoice", INVOICE_A)

	assert record.status == Status.SYNCED
	expected = 1 if entity == "Customer" else len({row["item_code"] for row in world.doc(INVOICE_A)["items"]})
	held = [row.get("DisplayName") or row.get("Name") for row in world.held(entity)]
	assert len(held) == expected, held


def test_backfill_after_a_failed_credit_application_keeps_one_credit_memo(auto_numbered):
	"""The return's Credit Memo is made, applying it to the invoice is refused (429); a backfill must finish the
	application on that Credit Memo, not send the return again as a new one (QuickBooks numbers it, so nothing
	would refuse a second)."""
	world = auto_numbered
	world.engine.push("Sales Invoice", INVOICE_A)
	credit = world.add_copy("ACC-SINV-2026-00014", "SINV-RET-APPLY", update_outstanding_for_self=0)["name"]
	world.admin.inject_fault(
		match={"realm_id": world.realm_id, "method": "POST", "path_regex": r"/payment(\?|$)"},
		action="throttle",
		times=1,
	)
	first = world.engine.push("Sales Invoice", credit)
	assert first.qbo_id and first.status != Status.SYNCED

	[record] = world.engine.push_many([("Sales Invoice", credit)])

	assert record.status == Status.SYNCED
	assert [row["Id"] for row in ours(world, "CreditMemo", "Sales Invoice", credit)] == [first.qbo_id]
	assert len(ours(world, "Payment", "Sales Invoice", credit)) == 1  # the credit applied once
