"""The QuickBooks workspace, its number cards and its connection block, read as the files Frappe imports: every
widget the layout places exists, and every field and value they filter on is one the doctypes define (so renaming
a field or a status breaks this test, not the desk)."""

import json
import re
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "quickbooks_connector"
MODULE = APP / "quickbooks_connector"
WORKSPACE = json.loads((MODULE / "workspace" / "quickbooks" / "quickbooks.json").read_text())
CARDS = [json.loads(path.read_text()) for path in sorted((MODULE / "number_card").glob("*/*.json"))]
BLOCKS = json.loads((APP / "fixtures" / "custom_html_block.json").read_text())
STANDARD_FIELDS = {"name", "owner", "creation", "modified", "modified_by", "docstatus"}


def doctype(name: str) -> dict:
	folder = re.sub(r"\W", "_", name).lower()
	return json.loads((MODULE / "doctype" / folder / f"{folder}.json").read_text())


def fields(name: str) -> dict[str, dict]:
	return {field["fieldname"]: field for field in doctype(name)["fields"]}


def check_filter_value(doctype_name: str, fieldname: str, operator: str, value) -> None:
	assert (
		fieldname in fields(doctype_name) or fieldname in STANDARD_FIELDS
	), f"{doctype_name} has no {fieldname}"
	field = fields(doctype_name).get(fieldname, {})
	if field.get("fieldtype") == "Select" and operator in ("=", "in"):
		options = field["options"].split("\n")
		for one in value if isinstance(value, list) else [value]:
			assert one in options, f"{one!r} is not an option of {doctype_name}.{fieldname}"
	if operator == "Timespan":
		assert field["fieldtype"] in ("Date", "Datetime")


def test_the_layout_places_only_widgets_the_workspace_defines_and_all_of_them():
	blocks = json.loads(WORKSPACE["content"])
	placed = {
		kind: {block["data"][f"{kind}_name"] for block in blocks if block["type"] == kind}
		for kind in ("shortcut", "number_card", "custom_block", "card")
	}
	defined = {
		"shortcut": {row["label"] for row in WORKSPACE["shortcuts"]},
		"number_card": {row["label"] for row in WORKSPACE["number_cards"]},
		"custom_block": {row["label"] for row in WORKSPACE["custom_blocks"]},
		"card": {row["label"] for row in WORKSPACE["links"] if row["type"] == "Card Break"},
	}
	assert placed == defined
	assert len({block["id"] for block in blocks}) == len(blocks)


def test_the_workspace_belongs_to_the_module_and_its_roles():
	assert WORKSPACE["name"] == WORKSPACE["label"] == WORKSPACE["title"] == "QuickBooks"
	assert WORKSPACE["module"] == (APP / "modules.txt").read_text().strip()
	assert {row["role"] for row in WORKSPACE["roles"]} == {
		"Accounts Manager",
		"Accounts User",
		"System Manager",
	}


def report(name: str) -> dict:
	folder = re.sub(r"\W", "_", name).lower()
	return json.loads((MODULE / "report" / folder / f"{folder}.json").read_text())


def test_shortcuts_and_links_open_the_apps_doctypes_and_reports_with_filters_on_real_fields():
	for shortcut in WORKSPACE["shortcuts"]:
		if shortcut["type"] == "Report":
			assert report(shortcut["link_to"])["module"] == WORKSPACE["module"]
			continue
		assert shortcut["type"] == "DocType"
		doctype(shortcut["link_to"])
		for fieldname, value in json.loads(shortcut["stats_filter"] or "{}").items():
			check_filter_value(shortcut["link_to"], fieldname, "=", value)
	for link in WORKSPACE["links"]:
		if link["type"] == "Link":
			(report if link["link_type"] == "Report" else doctype)(link["link_to"])
	labels = [shortcut["label"] for shortcut in WORKSPACE["shortcuts"]]
	assert any("Send Past Documents" in label for label in labels)


def test_number_cards_count_sync_records_by_fields_and_values_the_sync_log_has():
	assert {card["name"] for card in CARDS} == {row["number_card_name"] for row in WORKSPACE["number_cards"]}
	for card in CARDS:
		assert card["is_standard"] and card["module"] == WORKSPACE["module"]
		assert card["type"] == "Document Type" and card["function"] == "Count"
		for doctype_name, fieldname, operator, value, _ in json.loads(card["filters_json"]):
			assert doctype_name == card["document_type"]
			check_filter_value(doctype_name, fieldname, operator, value)


@pytest.mark.parametrize(
	("card", "expected"),
	[
		("QuickBooks Synced Today", {"status": "Synced", "synced_at": "today"}),
		("QuickBooks Failed Needing Action", {"status": "Failed", "error_kind": "permanent"}),
		("QuickBooks Waiting for Reconnect", {"status": "Failed", "error_kind": "auth"}),
		("QuickBooks Queued", {"status": "Queued"}),
	],
)
def test_each_card_counts_what_its_name_says(card, expected):
	doc = next(one for one in CARDS if one["name"] == card)
	assert {row[1]: row[3] for row in json.loads(doc["filters_json"])} == expected


def test_the_connection_block_reads_settings_fields_that_exist_and_escapes_what_it_shows():
	(block,) = BLOCKS
	assert block["doctype"] == "Custom HTML Block"
	assert block["name"] == WORKSPACE["custom_blocks"][0]["custom_block_name"]
	assert {row["role"] for row in block["roles"]} == {"Accounts Manager", "System Manager"}
	(read,) = re.findall(r"fields: \[([^\]]*)\]", block["script"])
	for fieldname in re.findall(r'"(\w+)"', read):
		assert fieldname in fields("QuickBooks Settings") or fieldname in STANDARD_FIELDS
	# what comes from the database is interpolated into the HTML only through esc()
	interpolated = re.findall(r"\$\{([^}]*)", block["script"])
	assert interpolated
	for expression in interpolated:
		assert expression.startswith(("esc(", "colors[", "row.enabled ?")), expression
