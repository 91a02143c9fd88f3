"""The rules QuickBooks Settings applies to its mapping tables, and the account suggestion heuristic."""

import pytest

from quickbooks_connector.mapping.errors import placeholders, render
from quickbooks_connector.sync import settings_rules as rules
from quickbooks_connector.sync.settings_rules import (
	AccountMappingRow,
	ErpAccount,
	QboAccount,
	QboTaxCode,
	TaxMappingRow,
)

COMPANY = "Wind Power LLC"
SETTINGS = "Wind Power LLC"

ERP = {
	account.name: account
	for account in (
		ErpAccount("Debtors - WP", COMPANY, root_type="Asset", account_type="Receivable", currency="USD"),
		ErpAccount("Debtors EUR - WP", COMPANY, root_type="Asset", account_type="Receivable", currency="EUR"),
		ErpAccount("Creditors - WP", COMPANY, root_type="Liability", account_type="Payable", currency="USD"),
		ErpAccount("Sales - WP", COMPANY, root_type="Income", currency="USD"),
		ErpAccount("Cost of Goods Sold - WP", COMPANY, root_type="Expense", currency="USD"),
		ErpAccount("Marketing Expenses - WP", COMPANY, root_type="Expense", currency="USD"),
		ErpAccount("Office Rent - WP", COMPANY, root_type="Expense", currency="USD"),
		ErpAccount("Cash - WP", COMPANY, root_type="Asset", account_type="Cash", currency="USD"),
		ErpAccount(
			"Corporate Card - WP", COMPANY, root_type="Liability", account_type="Bank", currency="USD"
		),
		ErpAccount("VAT - WP", COMPANY, root_type="Liability", account_type="Tax", currency="USD"),
		ErpAccount("Input VAT - WP", COMPANY, root_type="Asset", account_type="Tax", currency="USD"),
		ErpAccount("Indirect Income - WP", COMPANY, is_group=True, root_type="Income", currency="USD"),
		ErpAccount("Sales - OC", "Other Co", root_type="Income", currency="USD"),
	)
}


def qbo(key: str, name: str, account_type: str, currency: str = "USD", **kw) -> QboAccount:
	return QboAccount(key, name, account_type, currency, settings=SETTINGS, qbo_id=key, **kw)


QBO_LIST = [
	qbo("1", "Accounts Receivable (A/R)", "Accounts Receivable"),
	qbo("2", "Accounts Payable (A/P)", "Accounts Payable"),
	qbo("3", "Checking", "Bank"),
	qbo("4", "Savings", "Bank"),
	qbo("5", "Mastercard", "Credit Card"),
	qbo("6", "Sales of Product Income", "Income"),
	qbo("7", "Services", "Income"),
	qbo("8", "Cost of Goods Sold", "Cost of Goods Sold"),
	qbo("9", "Advertising", "Expense"),
	qbo("10", "Rent or Lease", "Expense"),
	qbo("11", "Sales Tax Payable", "Other Current Liability"),
	qbo("12", "Inventory Asset", "Other Current Asset"),
	qbo("13", "Old Income", "Income", active=False),
	qbo("14", "Euro Receivables", "Accounts Receivable", currency="EUR"),
]
QBO = {account.key: account for account in QBO_LIST}


def check(*rows: tuple[str, str, str]) -> list[rules.Problem]:
	mapping_rows = [
		AccountMappingRow(idx, purpose, erp, qbo_key) for idx, (purpose, erp, qbo_key) in enumerate(rows, 1)
	]
	return rules.check_account_mappings(mapping_rows, COMPANY, SETTINGS, ERP, QBO)


def codes(problems: list[rules.Problem]) -> list[tuple[str, int | None]]:
	return [(problem.code, problem.row) for problem in problems]


def test_a_sensible_mapping_has_no_problems():
	assert (
		check(
			("Receivable", "Debtors - WP", "1"),
			("Payable", "Creditors - WP", "2"),
			("Bank and Cash", "Cash - WP", "3"),
			("Bank and Cash", "Corporate Card - WP", "5"),
			("Income", "Sales - WP", "6"),
			("Expense", "Cost of Goods Sold - WP", "8"),
			("Tax", "VAT - WP", "11"),
			("Tax", "Input VAT - WP", "12"),
			("Discount", "Sales - WP", "6"),
			("Other", "Office Rent - WP", "12"),
		)
		== []
	)


@pytest.mark.parametrize(
	("purpose", "erp", "qbo_key"),
	[
		("Receivable", "Debtors - WP", "3"),  # a bank account is not A/R
		("Payable", "Creditors - WP", "1"),
		("Income", "Sales - WP", "9"),
		("Expense", "Office Rent - WP", "6"),
		("Bank and Cash", "Cash - WP", "5"),  # an asset cash account is no credit card
		("Tax", "VAT - WP", "12"),  # output tax is a liability, not Other Current Asset
		("Rounding", "Office Rent - WP", "11"),
		("Discount", "Sales - WP", "3"),
	],
)
def test_a_quickbooks_account_of_the_wrong_type_is_refused_with_the_types_that_fit(purpose, erp, qbo_key):
	problems = check((purpose, erp, qbo_key))

	assert codes(problems) == [(rules.TYPE_MISMATCH, 1)]
	assert problems[0].facts["qbo_type"] == QBO[qbo_key].account_type
	assert problems[0].facts["allowed"] == ", ".join(rules.fitting_types(purpose, ERP[erp]))


def test_accounts_of_another_company_and_group_accounts_are_refused():
	problems = check(("Income", "Sales - OC", "6"), ("Income", "Indirect Income - WP", "7"))

	assert codes(problems) == [(rules.OTHER_COMPANY, 1), (rules.GROUP_ACCOUNT, 2)]
	assert problems[0].facts["company"] == "Other Co"


def test_currencies_must_agree():
	problems = check(("Receivable", "Debtors EUR - WP", "1"), ("Receivable", "Debtors - WP", "14"))

	assert codes(problems) == [(rules.CURRENCY_MISMATCH, 1), (rules.CURRENCY_MISMATCH, 2)]
	assert problems[0].facts == {
		"row": "1",
		"subject": "Accounts Receivable (A/R)",
		"erpnext_account": "Debtors EUR - WP",
		"erpnext_currency": "EUR",
		"qbo_currency": "USD",
	}


def test_an_account_twice_for_one_purpose_is_a_duplicate():
	problems = check(("Income", "Sales - WP", "6"), ("Income", "Sales - WP", "7"))

	assert codes(problems) == [(rules.DUPLICATE, 2)]
	assert problems[0].facts["first_row"] == "1"


def test_an_account_under_two_purposes_must_name_one_quickbooks_account():
	problems = check(("Income", "Sales - WP", "6"), ("Discount", "Sales - WP", "7"))

	assert codes(problems) == [(rules.CONFLICT, 2)]


def test_inactive_missing_and_foreign_quickbooks_accounts_are_refused():
	foreign = {**QBO, "99": QboAccount("99", "Elsewhere", "Income", "USD", settings="Other Co")}
	rows = [
		AccountMappingRow(1, "Income", "Sales - WP", "13"),
		AccountMappingRow(2, "Expense", "Office Rent - WP", "404"),
		AccountMappingRow(3, "Other", "Cost of Goods Sold - WP", "99"),
		AccountMappingRow(4, "Sideways", "Cash - WP", "3"),
		AccountMappingRow(5, "Expense", "Gone - WP", "9"),
	]

	problems = rules.check_account_mappings(rows, COMPANY, SETTINGS, ERP, foreign)

	assert codes(problems) == [
		(rules.QBO_INACTIVE, 1),
		(rules.QBO_ACCOUNT_NOT_FOUND, 2),
		(rules.OTHER_CONNECTION, 3),
		(rules.UNKNOWN_PURPOSE, 4),
		(rules.ACCOUNT_NOT_FOUND, 5),
	]


TAX_CODES = {
	"20S": QboTaxCode("20S", "20.0% S", settings=SETTINGS),
	"EX": QboTaxCode("EX", "Exempt", settings=SETTINGS),
	"OLD": QboTaxCode("OLD", "Old rate", active=False, settings=SETTINGS),
}


def test_tax_rows_name_exactly_one_source_and_an_active_code():
	rows = [
		TaxMappingRow(1, "VAT - WP", "", "20S"),
		TaxMappingRow(2, "", "Zero Rated", "EX"),
		TaxMappingRow(3, "VAT - WP", "Zero Rated", "EX"),
		TaxMappingRow(4, "", "", "EX"),
		TaxMappingRow(5, "Input VAT - WP", "", "OLD"),
		TaxMappingRow(6, "VAT - WP", "", "EX"),
		TaxMappingRow(7, "Sales - OC", "", "NOPE"),
	]

	problems = rules.check_tax_mappings(rows, COMPANY, SETTINGS, ERP, TAX_CODES)

	assert codes(problems) == [
		(rules.TAX_ROW_SOURCE, 3),
		(rules.DUPLICATE, 3),
		(rules.TAX_ROW_SOURCE, 4),
		(rules.TAX_CODE_INACTIVE, 5),
		(rules.DUPLICATE, 6),
		(rules.OTHER_COMPANY, 7),
		(rules.TAX_CODE_NOT_FOUND, 7),
	]


def test_the_tax_code_for_untaxed_lines_is_checked_like_a_row_without_one():
	foreign = {**TAX_CODES, "XX": QboTaxCode("XX", "Elsewhere", settings="Other Co")}

	assert rules.check_tax_code("EX", SETTINGS, foreign) == []
	assert [
		(p.code, p.row) for key in ("NOPE", "OLD", "XX") for p in rules.check_tax_code(key, SETTINGS, foreign)
	] == [
		(rules.TAX_CODE_NOT_FOUND, None),
		(rules.TAX_CODE_INACTIVE, None),
		(rules.OTHER_CONNECTION, None),
	]


def every_settings_problem() -> list[rules.Problem]:
	foreign = {**QBO, "99": QboAccount("99", "Elsewhere", "Income", "USD", settings="Other Co")}
	account_rows = [
		AccountMappingRow(1, "Income", "Sales - WP", "13"),
		AccountMappingRow(2, "Expense", "Office Rent - WP", "404"),
		AccountMappingRow(3, "Other", "Cost of Goods Sold - WP", "99"),
		AccountMappingRow(4, "Sideways", "Cash - WP", "3"),
		AccountMappingRow(5, "Expense", "Gone - WP", "9"),
		AccountMappingRow(6, "Income", "Sales - OC", "6"),
		AccountMappingRow(7, "Income", "Indirect Income - WP", "7"),
		AccountMappingRow(8, "Receivable", "Debtors EUR - WP", "1"),
		AccountMappingRow(9, "Receivable", "Debtors - WP", "3"),
		AccountMappingRow(10, "Income", "Sales - WP", "13"),
		AccountMappingRow(11, "Discount", "Sales - WP", "7"),
	]
	tax_rows = [
		TaxMappingRow(1, "VAT - WP", "Zero Rated", "EX"),
		TaxMappingRow(2, "Input VAT - WP", "", "OLD"),
		TaxMappingRow(3, "Input VAT - WP", "", "NOPE"),
	]
	return [
		*rules.check_account_mappings(account_rows, COMPANY, SETTINGS, ERP, foreign),
		*rules.check_tax_mappings(tax_rows, COMPANY, SETTINGS, ERP, TAX_CODES),
	]


def test_every_code_has_its_templates_and_every_problem_the_facts_they_name():
	problems = every_settings_problem()

	assert {problem.code for problem in problems} == set(rules.TEMPLATES)
	for problem in problems:
		assert (problem.message, problem.fix) == rules.TEMPLATES[problem.code]
		named = placeholders(problem.message) | placeholders(problem.fix)
		assert named <= set(problem.facts), (problem.code, named - set(problem.facts))


def test_settings_problems_read_as_the_settings_form_said_them():
	texts = {(problem.code, problem.row): render(problem) for problem in every_settings_problem()}

	assert texts[(rules.TYPE_MISMATCH, 9)] == (
		"QuickBooks account Checking is of type Bank, which does not fit purpose Receivable for Debtors - WP. "
		"Choose a QuickBooks account of type Accounts Receivable."
	)
	assert texts[(rules.OTHER_COMPANY, 6)] == (
		"ERPNext account Sales - OC belongs to Other Co, not Wind Power LLC. Choose an account of Wind Power LLC."
	)
	assert texts[(rules.CONFLICT, 11)] == (
		"Sales - WP is mapped to another QuickBooks account in row 1 (Income); an ERPNext account posts to one "
		"QuickBooks account only. Use the same QuickBooks account in both rows or delete one."
	)
	assert (
		texts[(rules.TAX_ROW_SOURCE, 1)]
		== "fill in exactly one of ERPNext Tax Account and Item Tax Template."
	)


def test_the_form_renders_them_translated_with_purposes_as_terms_and_every_fact_escaped():
	problem = next(p for p in every_settings_problem() if p.code == rules.DUPLICATE)

	text = render(problem, translate=lambda s: f"<{s}>", escape=lambda s: f"[{s}]")

	assert text == (
		"<{subject} is already mapped for {purpose} in row {first_row}.>".format(
			subject="[Sales - WP]", purpose="[<Income>]", first_row="[1]"
		)
		+ " <Delete one of the two rows.>"
	)


def test_outside_the_us_every_used_tax_account_and_template_needs_a_code():
	rows = [TaxMappingRow(1, "VAT - WP", "", "20S")]

	missing = rules.missing_tax_mappings(
		False, ["VAT - WP", "Input VAT - WP"], ["Zero Rated"], rows, exempt_tax_code=None
	)

	assert missing.accounts == ("Input VAT - WP",)
	assert missing.templates == ("Zero Rated",)
	assert missing.exempt_code
	assert not rules.missing_tax_mappings(False, ["VAT - WP"], [], rows, exempt_tax_code="EX")


def test_us_companies_need_no_tax_mapping():
	assert not rules.missing_tax_mappings(True, ["VAT - WP"], ["Zero Rated"], [], exempt_tax_code=None)


@pytest.mark.parametrize(
	("erp", "purpose", "expected"),
	[
		("Debtors - WP", "Receivable", "Accounts Receivable (A/R)"),  # synonym, and the only USD A/R account
		("Debtors EUR - WP", "Receivable", "Euro Receivables"),  # currency decides
		("Creditors - WP", "Payable", "Accounts Payable (A/P)"),
		("Sales - WP", "Income", "Sales of Product Income"),
		("Cost of Goods Sold - WP", "Expense", "Cost of Goods Sold"),
		("Marketing Expenses - WP", "Expense", "Advertising"),
		("Office Rent - WP", "Expense", "Rent or Lease"),
		("Corporate Card - WP", "Bank and Cash", "Mastercard"),  # the only card: liability bank account
		("VAT - WP", "Tax", "Sales Tax Payable"),
	],
)
def test_suggestions_pick_the_account_with_the_closest_name_among_fitting_types(erp, purpose, expected):
	suggestion = rules.suggest_account(ERP[erp], purpose, QBO_LIST, company_abbr="WP")

	assert suggestion is not None and suggestion.name == expected


def test_ties_go_to_the_account_named_for_what_the_erpnext_account_is():
	# "Office Rent" shares one word with each; rent is what it is, so not the office catch-all.
	with_office = [*QBO_LIST, qbo("15", "Office Expenses", "Expense")]

	suggestion = rules.suggest_account(ERP["Office Rent - WP"], "Expense", with_office, "WP")

	assert suggestion is not None and suggestion.name == "Rent or Lease"


def test_no_suggestion_without_a_basis():
	# Two bank accounts, neither sharing a word with "Cash": better no row than a guess.
	assert rules.suggest_account(ERP["Cash - WP"], "Bank and Cash", QBO_LIST, "WP") is None
	# Nothing of a fitting type at all.
	assert rules.suggest_account(ERP["Sales - WP"], "Income", QBO_LIST[:5], "WP") is None


def test_suggestions_never_pick_inactive_accounts():
	only_old = [QBO["13"]]

	assert rules.suggest_account(ERP["Sales - WP"], "Income", only_old, "WP") is None


STOCK_IN_HAND = ErpAccount(
	"Stock In Hand - WP", COMPANY, root_type="Asset", account_type="Stock", currency="USD"
)
RECEIVED_NOT_BILLED = ErpAccount(
	"Stock Received But Not Billed - WP",
	COMPANY,
	root_type="Liability",
	account_type="Stock Received But Not Billed",
	currency="USD",
)


def test_stock_accounts_map_to_an_other_current_asset_and_received_not_billed_to_a_liability():
	accounts = {**ERP, STOCK_IN_HAND.name: STOCK_IN_HAND, RECEIVED_NOT_BILLED.name: RECEIVED_NOT_BILLED}

	def problems(*rows):
		table = [AccountMappingRow(idx, purpose, erp, qbo) for idx, (purpose, erp, qbo) in enumerate(rows, 1)]
		return rules.check_account_mappings(table, COMPANY, SETTINGS, accounts, QBO)

	assert problems(("Stock", STOCK_IN_HAND.name, "12"), ("Stock", RECEIVED_NOT_BILLED.name, "11")) == []
	refused = problems(("Stock", STOCK_IN_HAND.name, "8"), ("Stock", RECEIVED_NOT_BILLED.name, "12"))
	assert [(problem.code, problem.facts["allowed"]) for problem in refused] == [
		(rules.TYPE_MISMATCH, "Other Current Asset"),
		(rules.TYPE_MISMATCH, "Other Current Liability"),
	]


def test_the_inventory_account_is_suggested_for_the_stock_account_among_other_current_assets():
	candidates = [*QBO_LIST, qbo("15", "Undeposited Funds", "Other Current Asset")]

	suggestion = rules.suggest_account(STOCK_IN_HAND, rules.STOCK, candidates, "WP")

	assert suggestion is not None and suggestion.name == "Inventory Asset"


def test_name_words_fold_suffix_numbers_plurals_and_synonyms():
	assert rules.name_words("1310 - Debtors - WP", "WP") == frozenset({"receivable"})
	assert rules.name_words("Accounts Receivable (A/R)") == frozenset({"receivable"})
	assert rules.name_words("Marketing Expenses - WP", "WP") == frozenset({"marketing"})
	assert rules.name_words("Utilities") == rules.name_words("Utility Expenses")
