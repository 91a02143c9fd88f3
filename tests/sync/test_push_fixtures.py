"""Every exported ERPNext document the connector pushes lands in QuickBooks once, with ERPNext's totals and open
balances."""

from collections import defaultdict
from decimal import Decimal

from quickbooks_connector.demo import push_all
from quickbooks_connector.mapping.money import money
from quickbooks_connector.mapping.stock import LANDED_COST_VOUCHER, VOUCHER_DOCTYPES
from quickbooks_connector.sample_data import SampleData, load, pushed
from quickbooks_connector.sync import Status


def party_account_amount(fixture_doc: dict, gl_entries: list[dict]) -> Decimal:
	"""What ERPNext booked on the receivable/payable account, in that account's currency: the ground truth."""
	account = (
		fixture_doc.get("debit_to")
		or fixture_doc.get("credit_to")
		or (
			fixture_doc["paid_from"]
			if fixture_doc.get("payment_type") == "Receive"
			else fixture_doc["paid_to"]
		)
	)
	rows = [row for row in gl_entries if row["account"] == account]
	return abs(
		sum(
			money(row["debit_in_account_currency"]) - money(row["credit_in_account_currency"]) for row in rows
		)
	)


def settlements(samples: SampleData) -> dict[str, dict[bool, Decimal]]:
	"""What the sample documents settled on each invoice, bill or return, by its name, split by whether the
	connector pushes the settling document: payment allocations, journal entry rows against an invoice (write-offs,
	credit notes), and returns applied to their original (both sides)."""
	settled: dict[str, dict[bool, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
	for label, doc in samples.documents.items():
		ours = pushed(doc)
		if doc["doctype"] == "Payment Entry":
			for row in doc.get("references") or []:
				settled[row["reference_name"]][ours] += abs(money(row["allocated_amount"]))
		elif doc["doctype"] == "Journal Entry":
			for row in doc.get("accounts") or []:
				if row.get("reference_name"):
					moved = money(row["debit_in_account_currency"]) - money(row["credit_in_account_currency"])
					settled[row["reference_name"]][ours] += abs(moved)
		elif (
			doc.get("is_return") and doc.get("return_against") and not doc.get("update_outstanding_for_self")
		):
			amount = party_account_amount(doc, samples.gl_entries[label])
			settled[doc["return_against"]][ours] += amount
			settled[doc["name"]][ours] += amount
	return settled


def test_every_fixture_is_synced_once_with_erpnext_totals(world):
	records = push_all(world.engine, world.fixtures)
	for record in records:
		if record.doctype == LANDED_COST_VOUCHER:  # posts nothing itself: ERPNext re-posts its receipt
			assert record.status == Status.SKIPPED and "MAT-PRE-2026-00002" in record.error
			continue
		assert record.status == Status.SYNCED, (record.name, record.error)
		assert not record.total_mismatch, record.error
		held = world.client.read(record.qbo_entity, record.qbo_id)
		doc = world.doc(record.name)
		if doc["doctype"] == "Journal Entry":  # QuickBooks answers a journal entry's debits as its TotalAmt
			expected = money(doc["total_debit"])
		elif doc["doctype"] in VOUCHER_DOCTYPES:  # a stock journal: the voucher's GL debits
			expected = sum(money(row["debit"]) for row in world.fixtures.gl_entries[record.name])
		else:
			expected = party_account_amount(doc, world.fixtures.gl_entries[record.name])
		assert money(held["TotalAmt"]) == expected
		if record.doc_number:
			assert len(world.held(record.qbo_entity, "where DocNumber = {}", record.doc_number)) == 1


def test_open_balances_in_quickbooks_match_erpnext_outstanding(world):
	"""QuickBooks leaves open what ERPNext does (refunds pay out the credit notes they refund), plus what ERPNext
	settled through sample documents the connector does not push, which stays open in QuickBooks. A document whose ERPNext
	outstanding the samples do not explain was settled by a document that was not exported: it cannot be checked."""
	settled = settlements(load())
	records = {record.name: record for record in push_all(world.engine, world.fixtures)}
	unexplained = []
	for doc in world.fixtures.documents:
		if doc["doctype"] in ("Payment Entry", "Journal Entry", *VOUCHER_DOCTYPES):
			continue
		name, outstanding = doc["name"], abs(money(doc["outstanding_amount"]))
		total = party_account_amount(doc, world.fixtures.gl_entries[name])
		by_pushed, by_others = settled[name][True], settled[name][False]
		if total - by_pushed - by_others != outstanding:
			unexplained.append(name)
			continue
		record = records[name]
		held = world.client.read(record.qbo_entity, record.qbo_id)
		assert money(held["Balance"]) == outstanding + by_others, name

	# si_paid_then_credited and pi_paid_then_debited: "Paid" in ERPNext by payments the samples do not hold
	assert sorted(unexplained) == ["ACC-PINV-2026-00040", "ACC-SINV-2026-00227"]

	advance = records["ACC-PAY-2026-00010"]
	assert money(world.client.read("Payment", advance.qbo_id)["UnappliedAmt"]) == Decimal("500.00")


def test_foreign_currency_invoice_books_erpnext_home_amount_on_its_own_receivable(world):
	record = world.engine.push("Sales Invoice", "ACC-SINV-2026-00013")
	held = world.client.read("Invoice", record.qbo_id)

	assert held["CurrencyRef"]["value"] == "EUR"
	assert money(held["HomeTotalAmt"]) == Decimal("1212.40")  # the Debtors EUR debit in ERPNext's GL
	assert held["ARAccountRef"]["value"] == world.ctx.account_map["Debtors EUR - WP"].id


def test_payment_pushes_the_invoices_it_settles_first(world):
	record = world.engine.push("Payment Entry", "ACC-PAY-2026-00008")

	assert record.status == Status.SYNCED
	for name in ("ACC-SINV-2026-00011", "ACC-SINV-2026-00012"):
		assert world.port.get_record("Sales Invoice", name).status == Status.SYNCED
	invoices = world.held("Invoice")
	assert {invoice["DocNumber"] for invoice in invoices} == {"ACC-SINV-2026-00011", "ACC-SINV-2026-00012"}
	balances = {invoice["DocNumber"]: money(invoice["Balance"]) for invoice in invoices}
	assert balances == {"ACC-SINV-2026-00011": Decimal("1000.00"), "ACC-SINV-2026-00012": Decimal("0.00")}


def test_pushing_again_changes_nothing(world):
	first = push_all(world.engine, world.fixtures)
	before = {
		entity: len(world.held(entity))
		for entity in ("Invoice", "Bill", "Payment", "BillPayment", "CreditMemo")
	}
	second = push_all(world.engine, world.fixtures)

	assert [record.qbo_id for record in second] == [record.qbo_id for record in first]
	assert before == {entity: len(world.held(entity)) for entity in before}
