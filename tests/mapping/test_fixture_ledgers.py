"""Every ERPNext sample document the connector pushes, pushed as-is: QuickBooks must book exactly what the
document's GL entries show. Every other sample document is one the mapping declines with a reason."""

from __future__ import annotations

import pytest

from quickbooks_connector.mapping import QBOPayload, Skip, is_ours, plan
from quickbooks_connector.mapping.money import money
from quickbooks_connector.mapping.stock import COMPANION, PER_VOUCHER, VOUCHER_DOCTYPES
from quickbooks_connector.sample_data import as_posted, pushed

from .support import (
	PARTY,
	TAX,
	Resolved,
	as_decimals,
	assert_qbo_rules,
	dec,
	gl_net,
	global_context,
	load,
	samples,
	us_context,
)

# Which sample documents these tests push: those of the doctypes the connector pushes (mapping.SUPPORTED_DOCTYPES,
# refunds and stock documents included; sample_data.pushed), stock postings per voucher. A Landed Cost Voucher posts
# nothing of its own (its receipt is re-posted: pr_purchase_receipt_after_landed_cost), so it is not among them.
LANDED_COST = "lcv_landed_cost"
LABELS = sorted(
	label for label, document in samples().documents.items() if pushed(document) and label != LANDED_COST
)
NOT_PUSHED = sorted(set(samples().documents) - set(LABELS) - {LANDED_COST})


def context(label: str, **changes):
	return us_context(label, stock_journals=PER_VOUCHER, **changes)


def posted(label: str) -> dict:
	"""The sample document as the app's port hands it over: with its GL rows where its stock postings are sent."""
	fixture = load(f"transactions/{label}.json")
	return as_posted(fixture["doc"], fixture.get("gl_entries") or [], samples().chart)


def party_accounts(document: dict) -> set[str]:
	if document["doctype"] == "Journal Entry":
		return {row["account"] for row in document["accounts"] if row.get("party")}
	if document["doctype"] == "Payment Entry":
		return {document["paid_from"] if document["payment_type"] == "Receive" else document["paid_to"]}
	if document["doctype"] in VOUCHER_DOCTYPES:
		return set()
	return {document.get("debit_to") or document["credit_to"]}


def stock_journals(resolved: Resolved) -> list[QBOPayload]:
	"""The stock journal an invoice that updates stock sends after itself."""
	return [extra for extra in resolved.followups if extra.key == COMPANION]


@pytest.mark.parametrize("label", LABELS)
def test_quickbooks_books_what_the_erpnext_gl_shows(label):
	fixture = load(f"transactions/{label}.json")
	ctx = context(label)
	resolved = Resolved(posted(label), ctx)
	tax_accounts = ctx.tax_accounts if fixture["doctype"] == "Sales Invoice" else set()
	expected = gl_net(fixture, party_accounts(fixture["doc"]), tax_accounts)

	ledger = resolved.ledger(*resolved.prerequisites, resolved.payload, *stock_journals(resolved))
	assert ledger.nonzero() == expected


@pytest.mark.parametrize("label", LABELS)
def test_every_fixture_payload_follows_quickbooks_rules(label):
	fixture = load(f"transactions/{label}.json")
	for ctx in (context(label), global_context(label, stock_journals=PER_VOUCHER)):
		resolved = Resolved(posted(label), ctx)
		assert isinstance(resolved.payload, QBOPayload)
		for payload in (resolved.payload, *stock_journals(resolved)):
			assert_qbo_rules(payload, ctx)
			assert is_ours(payload.body, fixture["doctype"], fixture["doc"]["name"])


@pytest.mark.parametrize("label", LABELS)
def test_expected_total_is_what_the_party_account_moves(label):
	"""erp_total (in document currency) is the party-account amount of the GL, which the engine compares with
	QuickBooks' TotalAmt; a journal's is its debits, as QuickBooks answers them."""
	fixture = load(f"transactions/{label}.json")
	document = fixture["doc"]
	resolved = Resolved(posted(label), context(label))
	if document["doctype"] == "Journal Entry":
		assert resolved.payload.erp_total == money(document["total_debit"])
		return
	if document["doctype"] in VOUCHER_DOCTYPES:
		assert resolved.payload.erp_total == sum(money(row["debit"]) for row in fixture["gl_entries"])
		return
	party_rows = [row for row in fixture["gl_entries"] if row["account"] in party_accounts(document)]
	moved = sum(
		abs(row["debit_in_account_currency"] - row["credit_in_account_currency"]) for row in party_rows
	)
	assert float(resolved.payload.erp_total) == pytest.approx(moved)


def test_every_sample_document_is_pushed():
	"""Every sample document is of a doctype the connector pushes; the landed cost voucher's record says where its
	cost went."""
	assert NOT_PUSHED == []
	assert set(LABELS) | {LANDED_COST} == set(samples().documents)
	assert {samples().documents[label]["doctype"] for label in LABELS} == {
		"Sales Invoice",
		"Purchase Invoice",
		"Payment Entry",
		"Journal Entry",
		*VOUCHER_DOCTYPES,
	} - {"Landed Cost Voucher"}
	assert {"pe_refund_from_supplier", "pe_refund_to_customer"} <= set(LABELS), "refunds are pushed"
	skip = plan(posted(LANDED_COST), context(LANDED_COST))
	assert isinstance(skip, Skip)
	assert "MAT-LCV-2026-00002" in skip.reason and "Purchase Receipt MAT-PRE-2026-00002" in skip.reason


def test_an_invoice_that_updates_stock_sends_its_stock_posting_as_a_journal_of_its_own():
	"""The Invoice books receivable, income and tax; its companion journal moves 25.00 from Stock In Hand to Cost of
	Goods Sold, what ERPNext's GL shows besides."""
	resolved = Resolved(posted("si_update_stock"), context("si_update_stock"))
	assert resolved.ledger().nonzero() == as_decimals({"Sales - WP": -40.00, TAX: -3.30, PARTY: 43.30})
	(journal,) = stock_journals(resolved)
	assert journal.entity == "JournalEntry"
	assert resolved.ledger(journal).nonzero() == as_decimals(
		{"Cost of Goods Sold - WP": 25.00, "Stock In Hand - WP": -25.00}
	)


def test_second_batch_documents_map_with_the_second_chart():
	assert "Discount Allowed - WP" in us_context("je_customer_credit_against_invoice").account_map
	assert "Discount Allowed - WP" not in us_context().account_map
	assert us_context("sales_invoice_basic_taxed").account_map == us_context().account_map


def test_taxed_invoice_posts_each_income_account_and_explicit_us_tax():
	resolved = Resolved(load("transactions/sales_invoice_basic_taxed.json")["doc"], us_context())
	body = resolved.payload.body
	income = {
		resolved.items[line["SalesItemLineDetail"]["ItemRef"]["value"]].income_account_name: line["Amount"]
		for line in body["Line"]
	}
	assert {name: str(amount) for name, amount in income.items()} == {
		"Consulting Income": "1500.00",
		"Sales": "59.97",
	}
	assert [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in body["Line"]] == ["TAX", "TAX"]
	assert str(body["TxnTaxDetail"]["TotalTax"]) == "128.70"
	assert str(resolved.payload.erp_tax) == "128.70"


def test_document_discount_is_inside_net_amounts_and_unit_price_is_refitted():
	resolved = Resolved(load("transactions/sales_invoice_discount_taxed.json")["doc"], us_context())
	first = resolved.payload.body["Line"][0]
	# ERPNext: 7 x 17.99 = 125.93 but net_amount is 125.94; QuickBooks rejects Qty x UnitPrice != Amount
	assert str(first["Amount"]) == "125.94"
	assert first["SalesItemLineDetail"]["Qty"] == 7
	assert str(first["SalesItemLineDetail"]["UnitPrice"]) == "17.991"
	assert not any(
		line["Amount"] < 0 for line in resolved.payload.body["Line"]
	), "no discount line without discount accounting"


def test_eur_invoice_carries_currency_and_rate_giving_the_gl_home_amounts():
	resolved = Resolved(load("transactions/sales_invoice_eur.json")["doc"], us_context())
	body = resolved.payload.body
	assert body["CurrencyRef"] == {"value": "EUR"}
	assert str(body["ExchangeRate"]) == "1.0825"
	assert resolved.ledger().nonzero() == as_decimals({"Consulting Income - WP": -1212.40, PARTY: 1212.40})
	assert resolved.deps.party.currency == "EUR"


def test_sales_return_is_a_positive_credit_memo_left_open_when_erpnext_keeps_it_open():
	document = load("transactions/sales_invoice_return.json")["doc"]
	resolved = Resolved(document, us_context())
	assert resolved.payload.entity == "CreditMemo"
	line = resolved.payload.body["Line"][0]
	assert (str(line["Amount"]), line["SalesItemLineDetail"]["Qty"]) == ("19.99", 1)
	assert str(resolved.payload.body["TxnTaxDetail"]["TotalTax"]) == "1.65"
	assert "return against ACC-SINV-2026-00011" in resolved.payload.body["PrivateNote"]
	# update_outstanding_for_self = 1: ERPNext leaves the credit note open on its own
	assert resolved.followups == [] and resolved.deps.linked == ()
	assert resolved.ledger().nonzero()[TAX] == dec("1.65")


def test_bill_uses_the_supplier_number_and_keeps_the_erpnext_name_in_the_note():
	resolved = Resolved(load("transactions/purchase_invoice_basic_taxed.json")["doc"], us_context())
	body = resolved.payload.body
	assert body["DocNumber"] == "INV-88812"
	assert body["PrivateNote"].startswith("ERPNext Purchase Invoice ACC-PINV-2026-00004")
	assert resolved.deps.items == (), "bills post to accounts and need no QuickBooks items"
	assert str(resolved.payload.erp_tax) == "0.00", "US purchase tax is an expense line, not QuickBooks tax"
