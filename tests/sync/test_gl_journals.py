"""Documents booked as journal entries of their GL rows, pushed to an emulated QuickBooks company: a payment to an
employee (the QuickBooks Employee found or created) and a fixed asset sale (its invoice and disposal journal) each
land once, survive a lost answer, and a cancel leaves nothing live."""

from __future__ import annotations

import copy
from decimal import Decimal

from quickbooks_connector.mapping.gl_journal import GL_ROWS
from quickbooks_connector.mapping.money import money
from quickbooks_connector.sync import Status

from .test_lifecycle import cancel_in_erpnext
from .test_trust import drop_next, ours

PE, SI = "Payment Entry", "Sales Invoice"
PAYMENT, SALE = "ACC-PAY-2026-00101", "ACC-SINV-2026-00901"
EMPLOYEE = "HR-EMP-00007"
BANK, PAYROLL = "Chase Checking - WP", "Payroll Payable - WP"
DISPOSAL, ASSET, DEPRECIATION = (
	"Gain/Loss on Asset Disposal - WP",
	"Office Equipments - WP",
	"Accumulated Depreciation - WP",
)


def gl(account: str, debit: float = 0.0, credit: float = 0.0, **fields) -> dict:
	return {
		"account": account,
		"account_currency": "USD",
		"debit": debit,
		"credit": credit,
		"debit_in_account_currency": debit,
		"credit_in_account_currency": credit,
		**fields,
	}


def add_employee_payment(world, amount: float = 250.0) -> dict:
	world.port.add_party(
		"Employee",
		{"name": EMPLOYEE, "first_name": "Dana", "last_name": "Scully", "employee_name": "Dana Scully"},
	)
	payment = copy.deepcopy(world.doc("ACC-PAY-2026-00009"))
	payment.update(
		name=PAYMENT,
		party_type="Employee",
		party=EMPLOYEE,
		paid_to=PAYROLL,
		paid_amount=amount,
		received_amount=amount,
		base_paid_amount=amount,
		base_received_amount=amount,
		references=[],
	)
	payment[GL_ROWS] = [
		gl(BANK, credit=amount),
		gl(PAYROLL, debit=amount, party_type="Employee", party=EMPLOYEE),
	]
	world.port.add_document(payment)
	return payment


def add_asset_sale(world, selling: float = 400.0, cost: float = 1000.0, depreciated: float = 700.0) -> dict:
	invoice = copy.deepcopy(world.doc("ACC-SINV-2026-00011"))
	invoice["name"] = SALE
	(consulting,) = (row for row in invoice["items"] if row["income_account"] == "Consulting Income - WP")
	asset = copy.deepcopy(consulting)
	asset.update(
		idx=2,
		item_code="OFFICE-COPIER",
		item_name="Office copier",
		is_fixed_asset=1,
		asset="ACC-ASSET-2026-00001",
		income_account=DISPOSAL,
		qty=1,
		item_tax_template=None,
		item_tax_rate="{}",
	)
	for field in ("rate", "amount", "net_rate", "net_amount", "base_rate", "base_amount", "base_net_rate"):
		asset[field] = selling
	asset["base_net_amount"] = selling
	invoice["items"] = [consulting, asset]
	invoice["taxes"] = []
	total = consulting["base_net_amount"] + selling
	for field in ("total", "net_total", "base_total", "base_net_total", "grand_total", "base_grand_total"):
		invoice[field] = total
	for field in ("rounded_total", "base_rounded_total", "rounding_adjustment", "base_rounding_adjustment"):
		invoice[field] = 0.0
	invoice.update(total_taxes_and_charges=0.0, base_total_taxes_and_charges=0.0, outstanding_amount=total)
	gain = selling - (cost - depreciated)
	invoice[GL_ROWS] = [
		gl("Debtors - WP", debit=total, party_type="Customer", party=invoice["customer"]),
		gl("Consulting Income - WP", credit=consulting["base_net_amount"]),
		gl(ASSET, credit=cost, account_type="Fixed Asset"),
		gl(DEPRECIATION, debit=depreciated, account_type="Accumulated Depreciation"),
		gl(DISPOSAL, credit=gain),
	]
	world.port.add_document(invoice)
	return invoice


def journal_net(world, journal: dict) -> dict[str, Decimal]:
	"""What a QuickBooks journal entry books per ERPNext account (the world's mapping is one to one)."""
	names = {ref.id: name for name, ref in world.ctx.account_map.items()}
	net: dict[str, Decimal] = {}
	for line in journal["Line"]:
		detail = line["JournalEntryLineDetail"]
		sign = 1 if detail["PostingType"] == "Debit" else -1
		account = names[detail["AccountRef"]["value"]]
		net[account] = net.get(account, Decimal(0)) + sign * money(line["Amount"])
	return net


def test_a_payment_to_an_employee_is_one_journal_entry_naming_the_quickbooks_employee(world):
	add_employee_payment(world)

	record = world.engine.push(PE, PAYMENT)

	assert record.status == Status.SYNCED, record.error
	assert record.qbo_entity == "JournalEntry"
	journal = world.client.read("JournalEntry", record.qbo_id)
	assert journal_net(world, journal) == {BANK: Decimal("-250.00"), PAYROLL: Decimal("250.00")}
	(employee,) = world.held("Employee", "where DisplayName = {}", EMPLOYEE)
	assert (employee["GivenName"], employee["FamilyName"]) == ("Dana", "Scully")
	(named,) = (line for line in journal["Line"] if "Entity" in line["JournalEntryLineDetail"])
	assert named["JournalEntryLineDetail"]["Entity"]["EntityRef"]["value"] == employee["Id"]
	assert world.engine.push(PE, PAYMENT).qbo_id == record.qbo_id
	assert len(ours(world, "JournalEntry", PE, PAYMENT)) == 1


def test_a_cancelled_employee_payment_leaves_nothing_live(world):
	add_employee_payment(world)
	world.engine.push(PE, PAYMENT)
	cancel_in_erpnext(world, PE, PAYMENT)

	cancelled = world.engine.sync(PE, PAYMENT)

	assert cancelled.status == Status.VOIDED, cancelled.error
	assert ours(world, "JournalEntry", PE, PAYMENT) == []


def test_lost_answer_of_the_employee_journal_then_retry_keeps_one(world):
	add_employee_payment(world)
	drop_next(world, "journalentry")
	lost = world.engine.push(PE, PAYMENT)
	assert lost.outcome_unknown and not lost.qbo_id

	retried = world.engine.push(PE, PAYMENT)

	assert retried.status == Status.SYNCED, retried.error
	assert [row["Id"] for row in ours(world, "JournalEntry", PE, PAYMENT)] == [retried.qbo_id]
	assert len(world.held("Employee", "where DisplayName = {}", EMPLOYEE)) == 1


def test_a_fixed_asset_sale_is_its_invoice_and_one_disposal_journal_booking_the_gl(world):
	invoice = add_asset_sale(world)

	record = world.engine.push(SI, SALE)

	assert record.status == Status.SYNCED, record.error
	assert (record.qbo_entity, record.qbo_total) == ("Invoice", money(invoice["grand_total"]))
	(journal,) = ours(world, "JournalEntry", SI, SALE)
	assert journal_net(world, journal) == {
		ASSET: Decimal("-1000.00"),
		DEPRECIATION: Decimal("700.00"),
		DISPOSAL: Decimal("300.00"),  # with the invoice's 400 credit: ERPNext's gain of 100
	}
	assert world.engine.push(SI, SALE).qbo_id == record.qbo_id
	assert len(ours(world, "JournalEntry", SI, SALE)) == 1


def test_lost_answer_of_the_disposal_journal_then_retry_keeps_one(world):
	add_asset_sale(world)
	drop_next(world, "journalentry")
	lost = world.engine.push(SI, SALE)
	assert lost.outcome_unknown

	retried = world.engine.push(SI, SALE)

	assert retried.status == Status.SYNCED, retried.error
	assert len(ours(world, "JournalEntry", SI, SALE)) == 1
	assert len(ours(world, "Invoice", SI, SALE)) == 1


def test_a_cancelled_fixed_asset_sale_leaves_nothing_live(world):
	add_asset_sale(world)
	world.engine.push(SI, SALE)
	cancel_in_erpnext(world, SI, SALE)

	cancelled = world.engine.sync(SI, SALE)

	assert cancelled.status == Status.VOIDED, cancelled.error
	assert ours(world, "JournalEntry", SI, SALE) == []
	assert ours(world, "Invoice", SI, SALE) == []
