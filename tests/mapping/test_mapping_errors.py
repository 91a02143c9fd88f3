"""A document that cannot be mapped fails once, naming every problem and where to fix it."""

from __future__ import annotations

import pytest

from quickbooks_connector.mapping import MappingError, Problem

from .support import Resolved, account_map, doc, item, sales_invoice, us_context


def without(*accounts: str) -> dict:
	return {name: ref for name, ref in account_map().items() if name not in accounts}


def test_every_unmapped_account_is_named_once_with_all_its_uses():
	rows = [
		item("WIDGET-A", 1, 10.0, 10.0, income_account="Sales - WP"),
		item("CONSULT-HR", 1, 150.0, 150.0, income_account="Consulting Income - WP"),
		item("WIDGET-B", 1, 5.0, 5.0, income_account="Sales - WP"),
	]
	invoice = sales_invoice(rows, [], net_total=165.0, grand_total=165.0, rounded_total=165.0)
	with pytest.raises(MappingError) as raised:
		Resolved(invoice, us_context(account_map=without("Sales - WP", "Consulting Income - WP")))
	error = raised.value
	assert len(error.problems) == 2
	text = str(error)
	assert text.startswith("Sales Invoice ACC-SINV-2026-00011 cannot be sent to QuickBooks (2 problems).")
	assert (
		"ERPNext account 'Sales - WP' (income on Items row 1 (WIDGET-A); income on Items row 3 (WIDGET-B)) is not "
		"mapped to a QuickBooks account. Add it under QuickBooks Settings > Account Mapping, then press Retry"
		in text
	)
	assert "'Consulting Income - WP' (income on Items row 2 (CONSULT-HR))" in text


def test_bill_names_unmapped_expense_and_tax_accounts():
	with pytest.raises(MappingError) as raised:
		Resolved(
			doc("purchase_invoice_basic_taxed"),
			us_context(account_map=without("Cost of Goods Sold - WP", "Input Tax Credit - WP")),
		)
	text = str(raised.value)
	assert "'Cost of Goods Sold - WP' (expense on Items row 2 (WIDGET-A))" in text
	assert "'Input Tax Credit - WP' (Purchase Taxes and Charges row 1 (Purchase Tax 8.25%))" in text


def test_single_problem_reads_as_one_sentence_with_its_fix():
	with pytest.raises(MappingError) as raised:
		Resolved(doc("sales_invoice_eur"), us_context(multicurrency=False))
	assert str(raised.value) == (
		"Sales Invoice ACC-SINV-2026-00013: Sales Invoice ACC-SINV-2026-00013 is in EUR but Multicurrency is off in "
		"QuickBooks. Turn on Multicurrency in QuickBooks: Settings > Account and settings > Advanced > Currency, then "
		"Retry."
	)


def test_company_currency_must_be_the_quickbooks_home_currency():
	with pytest.raises(MappingError, match="home currency is CAD"):
		Resolved(doc("sales_invoice_basic_taxed"), us_context(qbo_home_currency="CAD"))


def test_unmapped_deposit_account_of_a_payment():
	with pytest.raises(
		MappingError, match="'Chase Checking - WP' \\(bank/cash account the payment went into\\)"
	):
		Resolved(doc("payment_entry_receive_partial"), us_context(account_map=without("Chase Checking - WP")))


def test_error_built_from_one_problem_reads_as_its_message_and_fix():
	problem = Problem.of(
		"no_name", "{doctype} has no name.", "Set it on the {doctype}, then press Retry.", doctype="Customer"
	)
	error = MappingError(problem)
	assert error.problems == (problem,) and error.heading is None
	assert str(error) == "Customer has no name. Set it on the Customer, then press Retry."
