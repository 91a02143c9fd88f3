"""Journal entries of stock and cost of goods, as the emulator books them: lines on the Inventory Asset (an Other
Current Asset) and Cost of Goods Sold accounts post to the trial balance; a full update with the current SyncToken
replaces the lines of the same record (what a re-posted voucher or a day's summary does), an out-of-date SyncToken
or an unbalanced update is refused and the record keeps its lines, and a repeated request id is answered with the
first answer without writing again."""

from __future__ import annotations

from decimal import Decimal

from .support import account_id, decoded, fault_of, ok


def line(account: str, posting: str, amount: str) -> dict:
	return {
		"DetailType": "JournalEntryLineDetail",
		"Amount": Decimal(amount),
		"JournalEntryLineDetail": {"PostingType": posting, "AccountRef": {"value": account}},
	}


def trial_balance(api) -> dict[str, Decimal]:
	rows = ok(api.get("reports/TrialBalance", start_date="2026-01-01", end_date="2026-12-31"))["Rows"]["Row"]
	return {
		row["ColData"][0]["value"]: Decimal(row["ColData"][1]["value"] or 0)
		- Decimal(row["ColData"][2]["value"] or 0)
		for row in rows
		if row.get("type") == "Data"
	}


def delivery(api, cost: str = "378.00") -> dict:
	inventory, cogs = account_id(api, "Inventory Asset"), account_id(api, "Cost of Goods Sold")
	return {
		"DocNumber": "MAT-DN-2026-00002",
		"TxnDate": "2026-12-02",
		"PrivateNote": "ERPNext Delivery Note MAT-DN-2026-00002",
		"Line": [line(cogs, "Debit", cost), line(inventory, "Credit", cost)],
	}


def test_a_stock_journal_posts_to_the_inventory_asset_and_cost_of_goods_sold(api):
	entry = api.create("JournalEntry", delivery(api))

	assert Decimal(entry["TotalAmt"]) == Decimal("378.00")
	balances = trial_balance(api)
	assert balances["Cost of Goods Sold"] == Decimal("378.00")
	assert balances["Inventory Asset"] == Decimal("-378.00")


def test_a_full_update_replaces_the_lines_of_the_same_record(api):
	entry = api.create("JournalEntry", delivery(api))

	updated = api.update(
		"JournalEntry", {**delivery(api, "396.00"), "Id": entry["Id"], "SyncToken": entry["SyncToken"]}
	)

	assert updated["Id"] == entry["Id"] and updated["SyncToken"] != entry["SyncToken"]
	assert [Decimal(row["Amount"]) for row in updated["Line"]] == [Decimal("396.00"), Decimal("396.00")]
	assert trial_balance(api)["Cost of Goods Sold"] == Decimal("396.00")
	assert len(api.query("select * from JournalEntry")["JournalEntry"]) == 1


def test_a_stale_or_unbalanced_update_is_refused_and_the_record_keeps_its_lines(api):
	entry = api.create("JournalEntry", delivery(api))
	api.update(
		"JournalEntry", {**delivery(api, "390.00"), "Id": entry["Id"], "SyncToken": entry["SyncToken"]}
	)

	stale = fault_of(
		api.post(
			"journalentry", {**delivery(api, "400.00"), "Id": entry["Id"], "SyncToken": entry["SyncToken"]}
		)
	)
	current = api.read("JournalEntry", entry["Id"])
	unbalanced = delivery(api, "400.00")
	unbalanced["Line"][0]["Amount"] = Decimal("401.00")
	refused = fault_of(
		api.post("journalentry", {**unbalanced, "Id": entry["Id"], "SyncToken": current["SyncToken"]})
	)

	assert stale["code"] == "5010"
	assert refused["code"] == "6000"
	assert [Decimal(row["Amount"]) for row in api.read("JournalEntry", entry["Id"])["Line"]] == [
		Decimal("390.00"),
		Decimal("390.00"),
	]


def test_a_repeated_update_request_id_is_answered_without_writing_again(api):
	entry = api.create("JournalEntry", delivery(api))
	body = {**delivery(api, "396.00"), "Id": entry["Id"], "SyncToken": entry["SyncToken"]}

	first = decoded(api.post("journalentry", body, requestid="stock-update-1"))["JournalEntry"]
	again = decoded(api.post("journalentry", body, requestid="stock-update-1"))["JournalEntry"]

	assert again["SyncToken"] == first["SyncToken"]
	assert api.read("JournalEntry", entry["Id"])["SyncToken"] == first["SyncToken"]
