"""Refunds pushed to an emulated QuickBooks company: each lands once, pays out the credit it refunds, survives a
lost answer, and a cancel leaves nothing live and the credit open again."""

from __future__ import annotations

from decimal import Decimal

from quickbooks_connector.mapping.money import money
from quickbooks_connector.sync import Status

from .test_lifecycle import cancel_in_erpnext
from .test_trust import drop_next, ours

TO_CUSTOMER, FROM_SUPPLIER = "ACC-PAY-2026-00048", "ACC-PAY-2026-00050"
CREDIT_NOTE, DEBIT_NOTE = "ACC-SINV-2026-00228", "ACC-PINV-2026-00041"
PE = "Payment Entry"


def balance(world, doctype: str, name: str) -> Decimal:
	record = world.port.get_record(doctype, name)
	return money(world.client.read(record.qbo_entity, record.qbo_id)["Balance"])


def test_refund_to_a_customer_is_one_check_that_pays_out_the_credit_memo(world):
	record = world.engine.push(PE, TO_CUSTOMER)

	assert record.status == Status.SYNCED, record.error
	assert (record.qbo_entity, record.qbo_total, record.total_mismatch) == (
		"Purchase",
		Decimal("162.38"),
		False,
	)
	check = world.client.read("Purchase", record.qbo_id)
	assert check["EntityRef"]["type"] == "Customer"
	assert balance(world, "Sales Invoice", CREDIT_NOTE) == 0  # as ERPNext's outstanding
	assert len(ours(world, "Payment", PE, TO_CUSTOMER)) == 1
	assert world.engine.push(PE, TO_CUSTOMER).qbo_id == record.qbo_id
	assert len(ours(world, "Purchase", PE, TO_CUSTOMER)) == 1


def test_refund_from_a_supplier_is_one_deposit_that_pays_out_the_vendor_credit(world):
	record = world.engine.push(PE, FROM_SUPPLIER)

	assert record.status == Status.SYNCED, record.error
	assert (record.qbo_entity, record.qbo_total, record.total_mismatch) == (
		"Deposit",
		Decimal("21.65"),
		False,
	)
	assert balance(world, "Purchase Invoice", DEBIT_NOTE) == 0
	assert len(ours(world, "BillPayment", PE, FROM_SUPPLIER)) == 1


def test_lost_answer_of_the_check_then_retry_keeps_one_check(world):
	world.engine.push(
		"Sales Invoice", CREDIT_NOTE
	)  # the customer exists: the next purchase write is the check
	drop_next(world, "purchase")
	lost = world.engine.push(PE, TO_CUSTOMER)
	assert lost.outcome_unknown and not lost.qbo_id

	retried = world.engine.push(PE, TO_CUSTOMER)

	assert retried.status == Status.SYNCED, retried.error
	assert [row["Id"] for row in ours(world, "Purchase", PE, TO_CUSTOMER)] == [retried.qbo_id]
	assert balance(world, "Sales Invoice", CREDIT_NOTE) == 0


def test_lost_answer_of_the_link_then_retry_applies_the_credit_once(world):
	world.engine.push("Sales Invoice", CREDIT_NOTE)
	drop_next(world, "payment")
	lost = world.engine.push(PE, TO_CUSTOMER)
	assert lost.outcome_unknown and lost.qbo_id

	retried = world.engine.push(PE, TO_CUSTOMER)

	assert retried.status == Status.SYNCED, retried.error
	assert len(ours(world, "Payment", PE, TO_CUSTOMER)) == 1
	assert balance(world, "Sales Invoice", CREDIT_NOTE) == 0


def test_cancel_voids_the_link_deletes_the_check_and_reopens_the_credit(world):
	world.engine.push(PE, TO_CUSTOMER)

	cancel_in_erpnext(world, PE, TO_CUSTOMER)
	cancelled = world.engine.sync(PE, TO_CUSTOMER)

	assert cancelled.status == Status.VOIDED, cancelled.error
	assert ours(world, "Purchase", PE, TO_CUSTOMER) == [] and ours(world, "Payment", PE, TO_CUSTOMER) == []
	assert balance(world, "Sales Invoice", CREDIT_NOTE) == Decimal("162.38")


def test_cancel_after_a_lost_deposit_answer_removes_the_deposit(world):
	world.engine.push("Purchase Invoice", DEBIT_NOTE)
	drop_next(world, "deposit")
	lost = world.engine.push(PE, FROM_SUPPLIER)
	assert lost.outcome_unknown and not lost.qbo_id
	assert len(ours(world, "Deposit", PE, FROM_SUPPLIER)) == 1  # QuickBooks has it all the same

	cancel_in_erpnext(world, PE, FROM_SUPPLIER)
	cancelled = world.engine.sync(PE, FROM_SUPPLIER)

	assert cancelled.status == Status.VOIDED, cancelled.error
	assert ours(world, "Deposit", PE, FROM_SUPPLIER) == []
	assert balance(world, "Purchase Invoice", DEBIT_NOTE) == Decimal("21.65")


def test_cancel_of_a_linked_supplier_refund_undoes_both_records(world):
	world.engine.push(PE, FROM_SUPPLIER)

	cancel_in_erpnext(world, PE, FROM_SUPPLIER)
	cancelled = world.engine.sync(PE, FROM_SUPPLIER)

	assert cancelled.status == Status.VOIDED, cancelled.error
	assert (
		ours(world, "Deposit", PE, FROM_SUPPLIER) == []
		and ours(world, "BillPayment", PE, FROM_SUPPLIER) == []
	)
	assert balance(world, "Purchase Invoice", DEBIT_NOTE) == Decimal("21.65")


def test_pos_return_refunded_at_once_is_one_refund_receipt_and_a_cancel_deletes_it(world):
	payments = [{"mode_of_payment": "Cash", "account": "Cash - WP", "amount": -21.64}]
	world.add_copy("ACC-SINV-2026-00014", "POS-RET-1", is_pos=1, payments=payments)

	record = world.engine.push("Sales Invoice", "POS-RET-1")

	assert record.status == Status.SYNCED, record.error
	assert (record.qbo_entity, record.qbo_total, record.total_mismatch) == (
		"RefundReceipt",
		Decimal("21.64"),
		False,
	)
	assert ours(world, "CreditMemo", "Sales Invoice", "POS-RET-1") == []
	cancel_in_erpnext(world, "Sales Invoice", "POS-RET-1")
	cancelled = world.engine.sync("Sales Invoice", "POS-RET-1")
	assert cancelled.status == Status.VOIDED, cancelled.error
	assert ours(world, "RefundReceipt", "Sales Invoice", "POS-RET-1") == []


def test_purchase_return_refunded_at_once_lands_once_after_a_lost_deposit_answer_and_cancels_clean(world):
	paid = {"is_paid": 1, "cash_bank_account": "Chase Checking - WP", "paid_amount": -45.46}
	world.add_copy("ACC-PINV-2026-00005", "PAID-RET-1", **paid)
	world.engine.push(
		"Purchase Invoice", "ACC-PINV-2026-00005"
	)  # the vendor exists: the next deposit is ours
	drop_next(world, "deposit")
	lost = world.engine.push("Purchase Invoice", "PAID-RET-1")
	assert lost.outcome_unknown and not lost.qbo_id

	record = world.engine.push("Purchase Invoice", "PAID-RET-1")

	assert record.status == Status.SYNCED, record.error
	assert len(ours(world, "Deposit", "Purchase Invoice", "PAID-RET-1")) == 1
	assert money(world.client.read("VendorCredit", record.qbo_id)["Balance"]) == 0
	cancel_in_erpnext(world, "Purchase Invoice", "PAID-RET-1")
	cancelled = world.engine.sync("Purchase Invoice", "PAID-RET-1")
	assert cancelled.status == Status.VOIDED, cancelled.error
	for entity in ("Deposit", "VendorCredit", "BillPayment"):
		assert ours(world, entity, "Purchase Invoice", "PAID-RET-1") == [], entity
