"""Cancel, amend, skip, fix-and-retry: what an accountant sees in QuickBooks after each ERPNext action."""

from datetime import date
from decimal import Decimal

import pytest

from quickbooks_connector.mapping.money import money
from quickbooks_connector.qbo.errors import NotFoundError
from quickbooks_connector.sync import ErrorKind, Status, SyncPolicy


def cancel_in_erpnext(world, doctype: str, name: str) -> None:
	doc = world.port.get_document(doctype, name)
	doc["docstatus"] = 2
	world.port.add_document(doc)


def test_cancelled_invoice_is_voided_in_quickbooks(world):
	record = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")
	cancel_in_erpnext(world, "Sales Invoice", "ACC-SINV-2026-00012")

	cancelled = world.engine.sync("Sales Invoice", "ACC-SINV-2026-00012")

	held = world.client.read("Invoice", record.qbo_id)
	assert cancelled.status == Status.VOIDED
	assert money(held["TotalAmt"]) == Decimal("0.00")
	assert held["PrivateNote"].startswith("Voided")


def test_cancelled_bill_is_deleted_because_quickbooks_cannot_void_bills(world):
	record = world.engine.push("Purchase Invoice", "ACC-PINV-2026-00004")
	cancel_in_erpnext(world, "Purchase Invoice", "ACC-PINV-2026-00004")

	assert world.engine.sync("Purchase Invoice", "ACC-PINV-2026-00004").status == Status.VOIDED
	with pytest.raises(NotFoundError):
		world.client.read("Bill", record.qbo_id)


def test_cancelled_payment_reopens_the_invoices_it_paid(world):
	world.engine.push("Payment Entry", "ACC-PAY-2026-00008")
	cancel_in_erpnext(world, "Payment Entry", "ACC-PAY-2026-00008")

	assert world.engine.sync("Payment Entry", "ACC-PAY-2026-00008").status == Status.VOIDED
	balances = {invoice["DocNumber"]: money(invoice["Balance"]) for invoice in world.held("Invoice")}
	assert balances == {"ACC-SINV-2026-00011": Decimal("1688.67"), "ACC-SINV-2026-00012": Decimal("282.47")}


def test_document_cancelled_before_it_was_sent_leaves_nothing_in_quickbooks(world):
	cancel_in_erpnext(world, "Sales Invoice", "ACC-SINV-2026-00012")

	record = world.engine.sync("Sales Invoice", "ACC-SINV-2026-00012")

	assert record.status == Status.SKIPPED
	assert world.held("Invoice") == []


def test_amended_invoice_replaces_the_cancelled_one(world):
	world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")
	cancel_in_erpnext(world, "Sales Invoice", "ACC-SINV-2026-00012")
	world.engine.sync("Sales Invoice", "ACC-SINV-2026-00012")
	world.add_copy("ACC-SINV-2026-00012", "ACC-SINV-2026-00012-1", amended_from="ACC-SINV-2026-00012")

	record = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012-1")

	assert record.status == Status.SYNCED
	assert record.replaces == "ACC-SINV-2026-00012"
	live = [invoice for invoice in world.held("Invoice") if money(invoice["TotalAmt"]) > 0]
	assert [invoice["DocNumber"] for invoice in live] == ["ACC-SINV-2026-00012-1"]


def test_unmapped_account_fails_with_what_to_fix_and_retry_after_the_fix_succeeds(world):
	mapped = dict(world.ctx.account_map)
	sales = mapped.pop("Sales - WP")
	engine = world.engine_with(ctx=_with(world.ctx, account_map=mapped))

	failed = engine.push("Sales Invoice", "ACC-SINV-2026-00012")

	assert failed.status == Status.FAILED and failed.error_kind == ErrorKind.PERMANENT
	assert "Sales - WP" in failed.error and "Account Mapping" in failed.error
	assert world.held("Invoice") == []

	fixed = world.engine_with(ctx=_with(world.ctx, account_map={**mapped, "Sales - WP": sales}))
	assert fixed.push("Sales Invoice", "ACC-SINV-2026-00012").status == Status.SYNCED


def test_document_number_taken_in_quickbooks_by_someone_else_is_reported_not_duplicated(world):
	world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")  # makes the customer and items exist
	customer_id = world.port.get_link("Customer", "Acme Corp")
	item = world.held("Item")[0]
	foreign = world.client.create(
		"Invoice",
		{
			"CustomerRef": {"value": customer_id},
			"DocNumber": "ACC-SINV-2026-00011",
			"Line": [
				{
					"DetailType": "SalesItemLineDetail",
					"Amount": 5,
					"SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
				}
			],
		},
	)

	failed = world.engine.push("Sales Invoice", "ACC-SINV-2026-00011")
	assert failed.status == Status.FAILED and failed.error_kind == ErrorKind.PERMANENT
	assert "numbered ACC-SINV-2026-00011" in failed.error

	world.client.delete("Invoice", foreign["Id"], foreign["SyncToken"])
	assert world.engine.push("Sales Invoice", "ACC-SINV-2026-00011").status == Status.SYNCED


def test_revoked_connection_waits_for_reconnect_and_is_retried(world):
	world.admin.inject_fault(match={"realm_id": world.realm_id}, action="error", status=401, times=0)

	record = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")

	assert record.status == Status.FAILED and record.error_kind == ErrorKind.AUTH
	assert "Reconnect" in record.error and record.next_retry_at is not None
	world.admin.clear_faults()
	assert world.engine.push("Sales Invoice", "ACC-SINV-2026-00012").status == Status.SYNCED


def test_documents_before_the_start_date_wait_for_a_manual_push(make_world):
	world = make_world(policy=SyncPolicy(start_date=date(2026, 12, 1)))

	skipped = world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")
	assert skipped.status == Status.SKIPPED and "2026-12-01" in skipped.error
	assert world.held("Invoice") == []

	world.port.records.clear()
	assert world.engine.push("Sales Invoice", "ACC-SINV-2026-00012", manual=True).status == Status.SYNCED


def test_disabled_document_type_is_skipped_with_the_reason(make_world):
	world = make_world(policy=SyncPolicy(enabled_doctypes=frozenset({"Sales Invoice"})))

	record = world.engine.push("Purchase Invoice", "ACC-PINV-2026-00004")

	assert record.status == Status.SKIPPED and "turned off" in record.error


def test_party_that_is_customer_and_supplier_gets_both_records(world):
	world.engine.push("Payment Entry", "ACC-PAY-2026-00010")  # Umbrella Ltd as a customer
	bill = world.add_copy(
		"ACC-PINV-2026-00004", "ACC-PINV-2026-00099", supplier="Umbrella Ltd", bill_no="UMB-1"
	)

	record = world.engine.push("Purchase Invoice", bill["name"])

	assert record.status == Status.SYNCED, record.error
	vendor = world.client.read("Vendor", world.port.get_link("Vendor", "Umbrella Ltd"))
	customer = world.client.read("Customer", world.port.get_link("Customer", "Umbrella Ltd"))
	assert customer["DisplayName"] == "Umbrella Ltd"
	assert vendor["DisplayName"] == "Umbrella Ltd (Supplier)"


def test_existing_quickbooks_customer_is_adopted_by_name_not_duplicated(world):
	existing = world.client.create("Customer", {"DisplayName": "Acme Corp"})

	world.engine.push("Sales Invoice", "ACC-SINV-2026-00012")

	assert world.port.get_link("Customer", "Acme Corp") == existing["Id"]
	assert len(world.held("Customer", "where DisplayName LIKE {}", "Acme Corp%")) == 1


def test_wrong_tax_code_mapping_is_flagged_as_a_total_difference(make_world):
	world = make_world(country="GB")
	codes = {code["Name"]: code for code in world.held("TaxCode")}
	standard = next(code for name, code in codes.items() if "20" in name)
	zero = next(
		code for name, code in codes.items() if name.startswith("0") or "Zero" in name or "Exempt" in name
	)
	from quickbooks_connector.mapping import QBOTaxCodeRef

	ctx = _with(
		world.ctx,
		tax_code_map={"Sales Tax Payable - WP": QBOTaxCodeRef(standard["Id"], standard["Name"])},
		exempt_tax_code=QBOTaxCodeRef(zero["Id"], zero["Name"]),
	)
	record = world.engine_with(ctx=ctx).push("Sales Invoice", "ACC-SINV-2026-00012")

	assert record.status == Status.SYNCED and record.total_mismatch
	assert "QuickBooks shows total" in record.error and "282.47" in record.error


def _with(ctx, **changes):
	from dataclasses import replace

	return replace(ctx, **changes)


def test_non_us_tax_computed_by_quickbooks_equals_erpnext(make_world):
	world = make_world(country="GB")
	standard = next(code for code in world.held("TaxCode") if "20" in code["Name"])
	exempt = next(
		code for code in world.held("TaxCode") if "Exempt" in code["Name"] or "Zero" in code["Name"]
	)
	doc = world.add_copy("ACC-SINV-2026-00011", "SINV-VAT-20")
	_retax(doc, Decimal("20"))
	world.port.add_document(doc)
	from quickbooks_connector.mapping import QBOTaxCodeRef

	ctx = _with(
		world.ctx,
		tax_code_map={"Sales Tax Payable - WP": QBOTaxCodeRef(standard["Id"], standard["Name"])},
		exempt_tax_code=QBOTaxCodeRef(exempt["Id"], exempt["Name"]),
	)
	record = world.engine_with(ctx=ctx).push("Sales Invoice", "SINV-VAT-20")

	assert record.status == Status.SYNCED and not record.total_mismatch, record.error
	held = world.client.read("Invoice", record.qbo_id)
	assert money(held["TxnTaxDetail"]["TotalTax"]) == money(doc["total_taxes_and_charges"])
	assert money(held["TotalAmt"]) == money(doc["grand_total"])


def _retax(doc: dict, rate: Decimal) -> None:
	"""The invoice as ERPNext computes it at another rate: tax on the net total, rounded to the cent."""
	tax = money(money(doc["net_total"]) * rate / 100)
	row = doc["taxes"][0]
	row.update(rate=float(rate), tax_amount=float(tax), tax_amount_after_discount_amount=float(tax))
	row["base_tax_amount"] = row["base_tax_amount_after_discount_amount"] = float(tax)
	grand = money(doc["net_total"]) + tax
	row["total"] = row["base_total"] = float(grand)
	row["item_wise_tax_detail"] = None
	for field in ("total_taxes_and_charges", "base_total_taxes_and_charges"):
		doc[field] = float(tax)
	for field in (
		"grand_total",
		"base_grand_total",
		"rounded_total",
		"base_rounded_total",
		"outstanding_amount",
	):
		doc[field] = float(grand)
	doc["rounding_adjustment"] = doc["base_rounding_adjustment"] = 0.0


def test_a_document_held_by_another_worker_is_retried_not_failed_for_good(world):
	from contextlib import contextmanager

	from quickbooks_connector.sync import DocumentBusy

	class InvoiceHeldElsewhere(type(world.port)):
		@contextmanager
		def lock(self, doctype, name):
			if doctype == "Sales Invoice":
				raise DocumentBusy(f"{doctype} {name} is being sent to QuickBooks by another worker.")
			with super().lock(doctype, name):
				yield

	busy = InvoiceHeldElsewhere()
	busy.__dict__.update(world.port.__dict__)
	record = world.engine_with(port=busy).push("Payment Entry", "ACC-PAY-2026-00007")

	assert record.status == Status.FAILED and record.error_kind == ErrorKind.TRANSIENT
	assert "another worker" in record.error and record.next_retry_at is not None
	assert world.held("Payment") == []
