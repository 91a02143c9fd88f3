"""Cost centers as QuickBooks Classes and projects as Locations, pushed to the emulated company: what QuickBooks
holds afterwards, and the coded problem (and its fix) when a cost center is not mapped."""

from __future__ import annotations

from dataclasses import replace

from quickbooks_connector.mapping.context import QBOListRef
from quickbooks_connector.sync.records import Status

INVOICE = "ACC-SINV-2026-00231"  # si_cost_centers: CONSULT-HR on East, SAAS-SEAT on West
JOURNAL = "ACC-JV-2026-00014"  # je_bank_charges: bank charges on East and PRJ-ALPHA, against the bank on Main


def make_classes(world, names=("East", "West", "Main")) -> dict[str, QBOListRef]:
	"""A QuickBooks Class per cost center, as the settings' Dimensions table would map them."""
	mapped = {}
	for name in names:
		created = world.client.create("Class", {"Name": name})
		mapped[f"{name} - WP"] = QBOListRef(created["Id"], created["Name"])
	return mapped


def with_dimensions(world, class_map, **changes):
	return world.engine_with(ctx=replace(world.ctx, track_classes=True, class_map=class_map, **changes))


def held_invoice(world) -> dict:
	(invoice,) = world.held("Invoice", "where DocNumber = {}", INVOICE)
	return invoice


def line_classes(record: dict, detail: str) -> dict[str, str | None]:
	return {
		line.get("Description", ""): line[detail].get("ClassRef", {}).get("name")
		for line in record["Line"]
		if detail in line
	}


def test_the_held_invoice_lines_carry_their_cost_centers_classes(world):
	record = with_dimensions(world, make_classes(world)).push("Sales Invoice", INVOICE)

	assert record.status == Status.SYNCED
	lines = [line for line in held_invoice(world)["Line"] if "SalesItemLineDetail" in line]
	# in the ERPNext rows' order: 450.00 of consulting on East, 125.00 of seats on West
	assert [(line["Amount"], line["SalesItemLineDetail"]["ClassRef"]["name"]) for line in lines] == [
		(450, "East"),
		(125, "West"),
	]


def test_an_unmapped_cost_center_fails_with_its_problem_and_the_mapping_fixes_it_on_retry(world):
	classes = make_classes(world)
	failed = with_dimensions(world, {"Main - WP": classes["Main - WP"]}).push("Sales Invoice", INVOICE)

	assert failed.status == Status.FAILED
	assert [problem["code"] for problem in failed.problems][1:] == ["cost_center_not_mapped"] * 2
	assert {problem["facts"].get("cost_center") for problem in failed.problems[1:]} == {
		"East - WP",
		"West - WP",
	}
	assert world.held("Invoice", "where DocNumber = {}", INVOICE) == []

	retried = with_dimensions(world, classes).push("Sales Invoice", INVOICE)

	assert retried.status == Status.SYNCED and retried.problems == []
	assert sorted(line_classes(held_invoice(world), "SalesItemLineDetail").values()) == ["East", "West"]


def test_nothing_is_sent_while_class_tracking_is_off(world):
	engine = world.engine_with(ctx=replace(world.ctx, class_map=make_classes(world)))

	assert engine.push("Sales Invoice", INVOICE).status == Status.SYNCED
	assert set(line_classes(held_invoice(world), "SalesItemLineDetail").values()) == {None}


def test_the_held_journal_entry_lines_carry_class_and_location(world):
	site = world.client.create("Department", {"Name": "Alpha site"})
	engine = with_dimensions(
		world,
		make_classes(world),
		department_field="project",
		department_label="Project",
		department_map={"PROJ-0001": QBOListRef(site["Id"], site["Name"])},
	)

	assert engine.push("Journal Entry", JOURNAL).status == Status.SYNCED

	(journal,) = world.held("JournalEntry", "where DocNumber = {}", JOURNAL)
	details = {
		line["JournalEntryLineDetail"]["PostingType"]: line["JournalEntryLineDetail"]
		for line in journal["Line"]
	}
	assert details["Debit"]["ClassRef"]["name"] == "East"
	assert details["Debit"]["DepartmentRef"]["value"] == site["Id"]
	assert details["Credit"]["ClassRef"]["name"] == "Main" and "DepartmentRef" not in details["Credit"]


def test_a_class_made_inactive_in_quickbooks_is_refused_there(world):
	classes = make_classes(world)
	east = world.client.read("Class", classes["East - WP"].id)
	world.client.update("Class", {**east, "Active": False})

	failed = with_dimensions(world, classes).push("Sales Invoice", INVOICE)

	assert failed.status == Status.FAILED
	assert [problem["code"] for problem in failed.problems] == ["reference_gone"]
	assert world.held("Invoice", "where DocNumber = {}", INVOICE) == []
