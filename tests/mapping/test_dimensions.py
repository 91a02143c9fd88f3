"""Cost centers -> QuickBooks Classes and one accounting dimension -> QuickBooks Departments (Locations), on every
line of every pushed record, from the bundled sample documents."""

from __future__ import annotations

import pytest

from quickbooks_connector.mapping import MappingError
from quickbooks_connector.mapping.context import QBOListRef

from .support import Resolved, doc, global_context, us_context

EAST, WEST, MAIN = QBOListRef("11", "East"), QBOListRef("12", "West"), QBOListRef("13", "Head office")
CLASSES = {"East - WP": EAST, "West - WP": WEST, "Main - WP": MAIN}
ALPHA, BETA = QBOListRef("21", "Alpha site"), QBOListRef("22", "Beta site")
PROJECTS = {"PROJ-0001": ALPHA, "PROJ-0002": BETA}
BY_PROJECT = {"department_field": "project", "department_label": "Project", "department_map": PROJECTS}


def classes(**changes):
	return us_context("si_cost_centers", **{"track_classes": True, "class_map": dict(CLASSES), **changes})


def sales_lines(body: dict) -> list[dict]:
	return [line for line in body["Line"] if line["DetailType"] == "SalesItemLineDetail"]


def line_classes(lines: list[dict], detail: str) -> list[str | None]:
	return [line[detail].get("ClassRef", {}).get("value") for line in lines]


def problem_codes(error: MappingError) -> list[str]:
	return [problem.code for problem in error.problems]


def test_each_invoice_line_carries_the_class_of_its_cost_center():
	body = Resolved(doc("si_cost_centers"), classes()).payload.body
	lines = sales_lines(body)
	assert [line["SalesItemLineDetail"]["ItemRef"]["value"] for line in lines] == ["I1", "I2"]
	assert line_classes(lines, "SalesItemLineDetail") == [EAST.id, WEST.id]
	assert "ClassRef" not in body and "DepartmentRef" not in body


def test_tax_lines_outside_the_us_carry_their_rows_cost_center():
	ctx = global_context("si_cost_centers", track_classes=True, class_map=dict(CLASSES))
	document = doc("si_cost_centers")
	for row in document["taxes"]:
		row["charge_type"] = "Actual"  # a row QuickBooks does not compute: a line of its own
	body = Resolved(document, ctx).payload.body
	lines = sales_lines(body)
	assert line_classes(lines, "SalesItemLineDetail") == [EAST.id, WEST.id, MAIN.id]


def test_nothing_is_sent_while_the_dimensions_are_not_configured():
	document = doc("si_cost_centers")
	for row in document["items"]:
		row["project"] = "PROJ-0001"
	off = us_context("si_cost_centers", class_map=dict(CLASSES), department_map=PROJECTS)
	body = Resolved(document, off).payload.body
	assert line_classes(sales_lines(body), "SalesItemLineDetail") == [None, None]
	assert "DepartmentRef" not in body


def test_an_unmapped_cost_center_names_its_lines_and_mapping_it_fixes_the_document():
	ctx = classes(class_map={"Main - WP": MAIN})
	with pytest.raises(MappingError) as raised:
		Resolved(doc("si_cost_centers"), ctx)
	assert problem_codes(raised.value) == ["cost_center_not_mapped", "cost_center_not_mapped"]
	text = str(raised.value)
	assert "'East - WP' (Items row 1 (CONSULT-HR))" in text and "'West - WP'" in text
	assert "QuickBooks Settings > Dimensions" in text
	fixed = Resolved(doc("si_cost_centers"), classes())
	assert line_classes(sales_lines(fixed.payload.body), "SalesItemLineDetail") == [EAST.id, WEST.id]


def test_one_class_per_transaction_goes_on_the_header_when_the_lines_share_it():
	document = doc("si_cost_centers")
	for row in document["items"]:
		row["cost_center"] = "West - WP"
	body = Resolved(document, classes(class_per_transaction=True)).payload.body
	assert body["ClassRef"]["value"] == WEST.id
	assert line_classes(sales_lines(body), "SalesItemLineDetail") == [None, None]


def test_one_class_per_transaction_refuses_lines_on_different_classes():
	with pytest.raises(MappingError) as raised:
		Resolved(doc("si_cost_centers"), classes(class_per_transaction=True))
	assert problem_codes(raised.value) == ["classes_differ"]
	assert "East (East - WP on Items row 1 (CONSULT-HR))" in str(raised.value)


def test_the_dimension_value_of_the_lines_is_the_invoice_location():
	document = doc("si_cost_centers")
	document["project"] = "PROJ-0001"  # the lines inherit it, as in ERPNext's GL
	body = Resolved(document, us_context("si_cost_centers", **BY_PROJECT)).payload.body
	assert body["DepartmentRef"] == {"value": ALPHA.id, "name": ALPHA.name}


def test_lines_on_different_dimension_values_cannot_share_one_location():
	document = doc("si_cost_centers")
	document["items"][0]["project"] = "PROJ-0001"
	document["items"][1]["project"] = "PROJ-0002"
	with pytest.raises(MappingError) as raised:
		Resolved(document, us_context("si_cost_centers", **BY_PROJECT))
	assert problem_codes(raised.value) == ["departments_differ"]
	assert "Alpha site" in str(raised.value) and "Beta site" in str(raised.value)


def test_an_unmapped_dimension_value_is_a_problem():
	document = doc("si_cost_centers")
	document["project"] = "PROJ-0009"
	with pytest.raises(MappingError) as raised:
		Resolved(document, us_context("si_cost_centers", **BY_PROJECT))
	assert problem_codes(raised.value) == ["dimension_value_not_mapped"]
	assert "Project 'PROJ-0009'" in str(raised.value)


def test_a_credit_memo_carries_them_too():
	ctx = us_context(track_classes=True, class_map=dict(CLASSES), **BY_PROJECT)
	document = doc("sales_invoice_return")
	document["project"] = "PROJ-0002"
	body = Resolved(document, ctx).payload.body
	assert body["DepartmentRef"]["value"] == BETA.id
	assert line_classes(sales_lines(body), "SalesItemLineDetail") == [MAIN.id]


def test_bill_lines_carry_classes_and_the_bill_its_location():
	ctx = us_context(track_classes=True, class_map=dict(CLASSES), **BY_PROJECT)
	document = doc("purchase_invoice_basic_taxed")
	document["items"][0]["cost_center"] = "East - WP"
	document["project"] = "PROJ-0001"
	body = Resolved(document, ctx).payload.body
	detail = "AccountBasedExpenseLineDetail"
	# the items, then the tax row (an expense line in the US), each on its row's cost center
	assert line_classes(body["Line"], detail) == [EAST.id, MAIN.id, MAIN.id]
	assert body["DepartmentRef"]["value"] == ALPHA.id


def test_bill_lines_keep_their_class_on_a_per_transaction_company():
	ctx = us_context(track_classes=True, class_per_transaction=True, class_map=dict(CLASSES))
	document = doc("purchase_invoice_basic_taxed")
	document["items"][0]["cost_center"] = "East - WP"
	body = Resolved(document, ctx).payload.body
	assert line_classes(body["Line"], "AccountBasedExpenseLineDetail") == [EAST.id, MAIN.id, MAIN.id]
	assert "ClassRef" not in body


def test_journal_lines_carry_their_rows_class_and_location():
	ctx = us_context("je_bank_charges", track_classes=True, class_map=dict(CLASSES), **BY_PROJECT)
	body = Resolved(doc("je_bank_charges"), ctx).payload.body
	details = [line["JournalEntryLineDetail"] for line in body["Line"]]
	assert [detail.get("ClassRef", {}).get("value") for detail in details] == [EAST.id, MAIN.id]
	# only the bank charges row is on the project
	assert [detail.get("DepartmentRef", {}).get("value") for detail in details] == [ALPHA.id, None]


def test_a_journal_row_on_an_unmapped_cost_center_is_a_problem():
	ctx = us_context("je_bank_charges", track_classes=True, class_map={"Main - WP": MAIN})
	with pytest.raises(MappingError) as raised:
		Resolved(doc("je_bank_charges"), ctx)
	assert problem_codes(raised.value) == ["cost_center_not_mapped"]
	assert "Accounting Entries row 1 (Bank Charges - WP)" in str(raised.value)


def receipt_with_write_off() -> dict:
	"""The customer pays 995 of 1000 on project PROJ-0002; 5 is written off on cost center East."""
	payment = doc("payment_entry_receive_partial")
	payment.update(
		paid_amount=995.0,
		received_amount=995.0,
		base_paid_amount=995.0,
		base_received_amount=995.0,
		cost_center="Main - WP",
		project="PROJ-0002",
	)
	payment["deductions"] = [
		{
			"idx": 1,
			"account": "Write Off - WP",
			"amount": 5.0,
			"cost_center": "East - WP",
			"description": "Short",
		}
	]
	return payment


def test_a_payment_carries_its_location_and_its_deductions_journal_the_classes():
	ctx = us_context(track_classes=True, class_map=dict(CLASSES), **BY_PROJECT)
	resolved = Resolved(receipt_with_write_off(), ctx)
	assert resolved.payload.entity == "Payment"
	assert resolved.payload.body["DepartmentRef"]["value"] == BETA.id
	assert "ClassRef" not in resolved.payload.body  # QuickBooks payments have no class
	(journal,) = resolved.prerequisites
	details = {
		line["JournalEntryLineDetail"]["AccountRef"]["name"]: line["JournalEntryLineDetail"]
		for line in journal.body["Line"]
	}
	assert details["Write Off"]["ClassRef"]["value"] == EAST.id
	assert details["Debtors"]["ClassRef"]["value"] == MAIN.id
	assert {detail["DepartmentRef"]["value"] for detail in details.values()} == {BETA.id}


def test_an_unmapped_deduction_cost_center_names_its_row():
	ctx = us_context(track_classes=True, class_map={"Main - WP": MAIN})
	with pytest.raises(MappingError) as raised:
		Resolved(receipt_with_write_off(), ctx)
	assert problem_codes(raised.value) == ["cost_center_not_mapped"]
	assert "Payment Deductions or Loss row 1 (Write Off - WP)" in str(raised.value)


def test_an_internal_transfer_journal_carries_the_classes():
	transfer = doc("payment_entry_pay")
	transfer.update(
		payment_type="Internal Transfer",
		party_type=None,
		party=None,
		paid_to="Cash - WP",
		paid_to_account_currency="USD",
		references=[],
		cost_center="West - WP",
	)
	transfer["base_received_amount"] = transfer["base_paid_amount"]
	ctx = us_context(track_classes=True, class_map=dict(CLASSES))
	body = Resolved(transfer, ctx).payload.body
	assert [line["JournalEntryLineDetail"]["ClassRef"]["value"] for line in body["Line"]] == [
		WEST.id,
		WEST.id,
	]
