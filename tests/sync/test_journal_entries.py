"""Journal entries pushed to an emulated QuickBooks company: what each account and each invoice's balance show
afterwards, cancel, amend, currencies and the entries that are not sent."""

from __future__ import annotations

import copy
from collections import defaultdict
from decimal import Decimal

import pytest

from quickbooks_connector.mapping.money import money
from quickbooks_connector.qbo.errors import NotFoundError
from quickbooks_connector.sample_data import load
from quickbooks_connector.sync import ErrorKind, Status

CREDIT_NOTE = "ACC-JV-2026-00015"  # je_customer_credit_against_invoice: 50.00 off ACC-SINV-2026-00225
WRITE_OFF = "ACC-JV-2026-00018"  # je_write_off: the 0.64 left on ACC-SINV-2026-00226
OPENING = "ACC-JV-2026-00017"
BANK_CHARGES = "ACC-JV-2026-00014"
SAMPLE_JOURNALS = (BANK_CHARGES, CREDIT_NOTE, "ACC-JV-2026-00016", OPENING, WRITE_OFF)


def cancel_in_erpnext(world, doctype: str, name: str) -> None:
	doc = world.port.get_document(doctype, name)
	doc["docstatus"] = 2
	world.port.add_document(doc)


def balance(world, entity: str, doctype: str, name: str) -> Decimal:
	record = world.port.get_record(doctype, name)
	return money(world.client.read(entity, record.qbo_id)["Balance"])


def journal_books(world, qbo_id: str) -> dict[str, Decimal]:
	"""What the QuickBooks JournalEntry posts per ERPNext account (home currency)."""
	by_id = {ref.id: name for name, ref in world.ctx.account_map.items()}
	held = world.client.read("JournalEntry", qbo_id)
	rate = Decimal(str(held.get("ExchangeRate", 1)))
	net: dict[str, Decimal] = defaultdict(Decimal)
	for line in held["Line"]:
		detail = line["JournalEntryLineDetail"]
		amount = money(Decimal(str(line["Amount"])) * rate)
		net[by_id[detail["AccountRef"]["value"]]] += amount if detail["PostingType"] == "Debit" else -amount
	return {account: amount for account, amount in net.items() if amount}


def gl_by_account(world, name: str) -> dict[str, Decimal]:
	net: dict[str, Decimal] = defaultdict(Decimal)
	for row in world.fixtures.gl_entries[name]:
		net[row["account"]] += money(row["debit"]) - money(row["credit"])
	return {account: amount for account, amount in net.items() if amount}


def live(world, entity: str) -> list[dict]:
	return [row for row in world.held(entity) if not (row.get("PrivateNote") or "").startswith("Voided")]


@pytest.mark.parametrize("name", SAMPLE_JOURNALS)
def test_each_sample_journal_lands_once_booking_its_gl_rows(world, name):
	record = world.engine.push("Journal Entry", name)

	assert record.status == Status.SYNCED, record.error
	assert not record.total_mismatch, record.error
	assert (record.qbo_entity, record.doc_number) == ("JournalEntry", name)
	assert journal_books(world, record.qbo_id) == gl_by_account(world, name)
	assert world.engine.push("Journal Entry", name).qbo_id == record.qbo_id
	assert len(world.held("JournalEntry", "where DocNumber = {}", name)) == 1


def test_credit_note_leaves_erpnexts_outstanding_open_on_the_invoice(world):
	record = world.engine.push("Journal Entry", CREDIT_NOTE)

	assert record.status == Status.SYNCED, record.error
	invoice = world.port.get_record("Sales Invoice", "ACC-SINV-2026-00225")
	assert invoice.status == Status.SYNCED, "the invoice it settles is pushed first"
	assert balance(world, "Invoice", "Sales Invoice", "ACC-SINV-2026-00225") == Decimal("166.50")
	assert money(world.doc("ACC-SINV-2026-00225")["outstanding_amount"]) == Decimal("166.50")
	(application,) = live(world, "Payment")
	assert money(application["TotalAmt"]) == 0
	assert {line["LinkedTxn"][0]["TxnType"] for line in application["Line"]} == {"Invoice", "JournalEntry"}
	assert record.related == {"after:apply-ACC-SINV-2026-00225": f"Payment:{application['Id']}"}


def test_write_off_after_the_short_payment_closes_the_invoice(world):
	assert world.engine.push("Payment Entry", "ACC-PAY-2026-00046").status == Status.SYNCED
	assert balance(world, "Invoice", "Sales Invoice", "ACC-SINV-2026-00226") == Decimal("0.64")

	record = world.engine.push("Journal Entry", WRITE_OFF)

	assert record.status == Status.SYNCED, record.error
	assert balance(world, "Invoice", "Sales Invoice", "ACC-SINV-2026-00226") == Decimal("0.00")
	assert money(world.doc("ACC-SINV-2026-00226")["outstanding_amount"]) == 0


def test_write_off_sent_before_the_payment_still_closes_the_invoice(world):
	world.engine.push("Journal Entry", WRITE_OFF)
	assert balance(world, "Invoice", "Sales Invoice", "ACC-SINV-2026-00226") == Decimal("21.00")

	assert world.engine.push("Payment Entry", "ACC-PAY-2026-00046").status == Status.SYNCED
	assert balance(world, "Invoice", "Sales Invoice", "ACC-SINV-2026-00226") == Decimal("0.00")


def test_opening_entry_names_each_party_on_its_line(world):
	record = world.engine.push("Journal Entry", OPENING)

	held = world.client.read("JournalEntry", record.qbo_id)
	parties = {
		(detail["AccountRef"]["name"], detail["Entity"]["Type"], detail["Entity"]["EntityRef"]["value"])
		for detail in (line["JournalEntryLineDetail"] for line in held["Line"])
		if "Entity" in detail
	}
	assert parties == {
		("Debtors", "Customer", world.port.get_link("Customer", "Acme Corp")),
		("Creditors", "Vendor", world.port.get_link("Vendor", "Initech Supplies")),
	}
	assert "no opening flag" in held["PrivateNote"]


def test_cancelled_journal_is_deleted_with_its_application_and_the_invoice_reopens(world):
	record = world.engine.push("Journal Entry", CREDIT_NOTE)
	cancel_in_erpnext(world, "Journal Entry", CREDIT_NOTE)

	cancelled = world.engine.sync("Journal Entry", CREDIT_NOTE)

	assert cancelled.status == Status.VOIDED, cancelled.error
	with pytest.raises(NotFoundError):
		world.client.read("JournalEntry", record.qbo_id)
	assert live(world, "Payment") == []
	assert balance(world, "Invoice", "Sales Invoice", "ACC-SINV-2026-00225") == Decimal("216.50")


def test_amended_journal_replaces_the_cancelled_one(world):
	world.engine.push("Journal Entry", CREDIT_NOTE)
	cancel_in_erpnext(world, "Journal Entry", CREDIT_NOTE)
	world.engine.sync("Journal Entry", CREDIT_NOTE)
	amended = world.add_copy(CREDIT_NOTE, f"{CREDIT_NOTE}-1", amended_from=CREDIT_NOTE)
	for row in amended["accounts"]:  # the amendment gives 60.00 instead of 50.00
		for field in ("debit", "credit", "debit_in_account_currency", "credit_in_account_currency"):
			row[field] = 60.0 if row[field] else 0.0
	amended.update(total_debit=60.0, total_credit=60.0)
	world.port.add_document(amended)

	record = world.engine.push("Journal Entry", amended["name"])

	assert record.status == Status.SYNCED, record.error
	assert record.replaces == CREDIT_NOTE
	assert [row["DocNumber"] for row in world.held("JournalEntry")] == [f"{CREDIT_NOTE}-1"]
	assert balance(world, "Invoice", "Sales Invoice", "ACC-SINV-2026-00225") == Decimal("156.50")


def test_supplier_payment_by_bank_entry_pays_the_bill(world):
	entry = copy.deepcopy(world.doc("ACC-JV-2026-00016"))  # Creditors / Software Subscriptions, Initech
	entry.update(
		name="ACC-JV-2026-00090", voucher_type="Bank Entry", cheque_no="CHQ-1", cheque_date="2026-12-02"
	)
	payable, other = entry["accounts"]
	payable.update(reference_type="Purchase Invoice", reference_name="ACC-PINV-2026-00042")
	other.update(account="Chase Checking - WP", account_type="Bank")
	world.port.add_document(entry)

	record = world.engine.push("Journal Entry", entry["name"])

	assert record.status == Status.SYNCED, record.error
	assert balance(world, "Bill", "Purchase Invoice", "ACC-PINV-2026-00042") == Decimal("944.25")
	(application,) = live(world, "BillPayment")
	assert money(application["TotalAmt"]) == 0


def test_foreign_currency_receipt_settles_the_foreign_invoice(world):
	rate, home = 1.09, 1220.8
	entry = copy.deepcopy(world.doc(BANK_CHARGES))
	entry.update(
		name="ACC-JV-2026-00091", cheque_no="WIRE-7", multi_currency=1, total_debit=home, total_credit=home
	)
	bank, receivable = entry["accounts"]
	bank.update(account="Chase Checking - WP", debit=home, debit_in_account_currency=home, project=None)
	receivable.update(
		account="Debtors EUR - WP",
		account_type="Receivable",
		account_currency="EUR",
		exchange_rate=rate,
		credit=home,
		credit_in_account_currency=1120.0,
		debit=0.0,
		debit_in_account_currency=0.0,
		party_type="Customer",
		party="Globex GmbH",
		reference_type="Sales Invoice",
		reference_name="ACC-SINV-2026-00013",
	)
	world.port.add_document(entry)

	record = world.engine.push("Journal Entry", entry["name"])

	assert record.status == Status.SYNCED, record.error
	held = world.client.read("JournalEntry", record.qbo_id)
	assert held["CurrencyRef"]["value"] == "EUR" and money(held["HomeTotalAmt"]) == Decimal("1220.80")
	assert journal_books(world, record.qbo_id) == {
		"Chase Checking - WP": Decimal("1220.80"),
		"Debtors EUR - WP": Decimal("-1220.80"),
	}
	assert balance(world, "Invoice", "Sales Invoice", "ACC-SINV-2026-00013") == Decimal("0.00")


def test_credit_note_reconciled_against_its_invoice_applies_the_credit_memo(world):
	entry = copy.deepcopy(world.doc(CREDIT_NOTE))
	entry.update(name="ACC-JV-2026-00092", is_system_generated=1, user_remark=None)
	against_invoice, against_return = entry["accounts"]
	against_invoice.update(
		credit=21.64, credit_in_account_currency=21.64, reference_name="ACC-SINV-2026-00011"
	)
	against_return.update(
		account="Debtors - WP",
		account_type="Receivable",
		party_type="Customer",
		party="Acme Corp",
		debit=21.64,
		debit_in_account_currency=21.64,
		reference_type="Sales Invoice",
		reference_name="ACC-SINV-2026-00014",  # the return, kept open on itself
	)
	entry.update(total_debit=21.64, total_credit=21.64)
	world.port.add_document(entry)

	record = world.engine.push("Journal Entry", entry["name"])

	assert record.status == Status.SYNCED, record.error
	assert record.qbo_entity == "Payment" and world.held("JournalEntry") == []
	assert balance(world, "Invoice", "Sales Invoice", "ACC-SINV-2026-00011") == Decimal("1667.03")
	assert balance(world, "CreditMemo", "Sales Invoice", "ACC-SINV-2026-00014") == Decimal("0.00")

	cancel_in_erpnext(world, "Journal Entry", entry["name"])
	assert world.engine.sync("Journal Entry", entry["name"]).status == Status.VOIDED
	assert balance(world, "CreditMemo", "Sales Invoice", "ACC-SINV-2026-00014") == Decimal("21.64")


def test_exchange_gain_or_loss_of_a_payment_is_skipped_with_the_reason(world):
	entry = copy.deepcopy(world.doc(BANK_CHARGES))
	entry.update(name="ACC-JV-2026-00093", voucher_type="Exchange Gain Or Loss", is_system_generated=1)
	entry["accounts"][0].update(reference_type="Payment Entry", reference_name="ACC-PAY-2026-00011")
	world.port.add_document(entry)

	record = world.engine.push("Journal Entry", entry["name"])

	assert record.status == Status.SKIPPED
	assert "ACC-PAY-2026-00011" in record.error and "twice" in record.error
	assert world.held("JournalEntry") == []


def test_period_closing_voucher_reaching_the_engine_is_skipped_with_the_reason(world):
	world.port.add_document(
		{
			"doctype": "Period Closing Voucher",
			"name": "ACC-PCV-2026-00001",
			"docstatus": 1,
			"posting_date": "2026-12-31",
		}
	)

	record = world.engine.push("Period Closing Voucher", "ACC-PCV-2026-00001")

	assert record.status == Status.SKIPPED and "Retained Earnings" in record.error
	assert "turned off" not in record.error


def test_unbalanced_journal_fails_for_good_and_writes_nothing(world):
	entry = copy.deepcopy(world.doc(BANK_CHARGES))
	entry.update(name="ACC-JV-2026-00094")
	entry["accounts"][0].update(debit=12.6, debit_in_account_currency=12.6)
	world.port.add_document(entry)

	record = world.engine.push("Journal Entry", entry["name"])

	assert record.status == Status.FAILED and record.error_kind == ErrorKind.PERMANENT
	assert "must balance" in record.error
	assert world.held("JournalEntry") == []


def test_journals_turned_off_in_settings_are_skipped(make_world):
	from quickbooks_connector.sync import SyncPolicy

	world = make_world(policy=SyncPolicy(enabled_doctypes=frozenset({"Sales Invoice"})))
	record = world.engine.push("Journal Entry", BANK_CHARGES)
	assert record.status == Status.SKIPPED and "turned off" in record.error


def test_backfill_sends_journals_after_the_documents_they_settle(world):
	names = [("Journal Entry", name) for name in SAMPLE_JOURNALS]
	names += [("Sales Invoice", "ACC-SINV-2026-00225"), ("Sales Invoice", "ACC-SINV-2026-00226")]
	names += [("Payment Entry", "ACC-PAY-2026-00046")]

	records = world.engine.push_many(names)

	assert all(record.status == Status.SYNCED for record in records), [
		(record.name, record.error) for record in records
	]
	assert balance(world, "Invoice", "Sales Invoice", "ACC-SINV-2026-00225") == Decimal("166.50")
	assert balance(world, "Invoice", "Sales Invoice", "ACC-SINV-2026-00226") == Decimal("0.00")
	assert len(world.held("JournalEntry")) == len(SAMPLE_JOURNALS)


def test_every_sample_journal_is_among_the_pushed_samples():
	journals = {doc["name"] for doc in load().documents.values() if doc["doctype"] == "Journal Entry"}
	assert journals == set(SAMPLE_JOURNALS)
