"""Records that settle or credit an invoice or bill right after it (an "Is Paid" bill's Bill Payment, POS payments,
a return applied to its original) must name the receivable / payable account the invoice or bill is on. Without
ARAccountRef / APAccountRef QuickBooks uses its default A/R or A/P account: the bill stays open on the mapped A/P
account while the default one shows the payment, where ERPNext's GL nets the party account to zero."""

from __future__ import annotations

from quickbooks_connector.mapping import QBOAccountRef

from .support import Resolved, account_map, doc, us_context

# A company whose receivable and payable are mapped to QuickBooks accounts of those types (not the defaults)
PARTY_ACCOUNTS = {
	"Debtors - WP": QBOAccountRef("960", "Trade receivables", "Accounts Receivable"),
	"Creditors - WP": QBOAccountRef("961", "Trade payables", "Accounts Payable"),
}


def context():
	return us_context(account_map={**account_map(), **PARTY_ACCOUNTS})


def test_paid_bill_is_paid_from_the_payable_it_is_on():
	# ACC-PINV-2026-00048: 2 x 45.55 + ST 6% 5.47, "Is Paid" from Cash; its GL credits and debits Creditors 96.57
	bill = doc("purchase_invoice_basic_taxed")
	bill.update(
		credit_to="Creditors - WP",
		is_paid=1,
		mode_of_payment="Cash",
		cash_bank_account="Chase Checking - WP",
		paid_amount=bill["rounded_total"] or bill["grand_total"],
	)
	resolved = Resolved(bill, context())

	(payment,) = resolved.followups
	assert resolved.payload.body["APAccountRef"] == {"value": "961", "name": "Trade payables"}
	assert payment.body["APAccountRef"] == resolved.payload.body["APAccountRef"]


def test_pos_payment_settles_the_receivable_the_invoice_is_on():
	invoice = doc("sales_invoice_basic_taxed")
	invoice.update(
		debit_to="Debtors - WP",
		is_pos=1,
		payments=[{"mode_of_payment": "Cash", "account": "Cash - WP", "amount": 1688.67}],
		paid_amount=1688.67,
	)
	resolved = Resolved(invoice, context())

	(payment,) = resolved.followups
	assert resolved.payload.body["ARAccountRef"]["value"] == "960"
	assert payment.body["ARAccountRef"] == resolved.payload.body["ARAccountRef"]


def test_credit_applications_name_the_party_account_of_the_return():
	credit_note = doc("sales_invoice_return")
	credit_note.update(update_outstanding_for_self=0, debit_to="Debtors - WP")
	debit_note = doc("purchase_invoice_return")
	debit_note.update(update_outstanding_for_self=0, credit_to="Creditors - WP")

	(sale_application,) = Resolved(credit_note, context()).followups
	(purchase_application,) = Resolved(debit_note, context()).followups

	assert sale_application.body["ARAccountRef"]["value"] == "960"
	assert purchase_application.body["APAccountRef"]["value"] == "961"
