"""Classes and Departments (Locations) on the records the connector writes: kept on the lines and headers when read
back, refused when unknown or inactive, wherever they sit (Intuit: refs must name an active record)."""

from .support import account_id, expense_line, fault_of, make_vendor


def journal_line(account: str, amount: float, side: str, **detail) -> dict:
	return {
		"DetailType": "JournalEntryLineDetail",
		"Amount": amount,
		"JournalEntryLineDetail": {"PostingType": side, "AccountRef": {"value": account}, **detail},
	}


def test_journal_lines_keep_their_class_and_location_when_read_back(api):
	east, west = api.create("Class", {"Name": "East"}), api.create("Class", {"Name": "West"})
	site = api.create("Department", {"Name": "Alpha site"})
	travel, bank = account_id(api, "Travel"), account_id(api, "Checking")
	created = api.create(
		"JournalEntry",
		{
			"Line": [
				journal_line(
					travel, 12.5, "Debit", ClassRef={"value": east["Id"]}, DepartmentRef={"value": site["Id"]}
				),
				journal_line(bank, 12.5, "Credit", ClassRef={"value": west["Id"]}),
			]
		},
	)
	details = [line["JournalEntryLineDetail"] for line in api.read("JournalEntry", created["Id"])["Line"]]
	assert [detail["ClassRef"]["value"] for detail in details] == [east["Id"], west["Id"]]
	assert details[0]["DepartmentRef"]["value"] == site["Id"] and "DepartmentRef" not in details[1]


def test_bill_lines_keep_their_class_and_the_bill_its_location(api):
	vendor, klass = make_vendor(api), api.create("Class", {"Name": "East"})
	site = api.create("Department", {"Name": "Alpha site"})
	travel = account_id(api, "Travel")
	created = api.create(
		"Bill",
		{
			"VendorRef": {"value": vendor["Id"]},
			"DepartmentRef": {"value": site["Id"]},
			"Line": [expense_line(travel, 40, ClassRef={"value": klass["Id"]})],
		},
	)
	bill = api.read("Bill", created["Id"])
	assert bill["DepartmentRef"]["value"] == site["Id"]
	assert bill["Line"][0]["AccountBasedExpenseLineDetail"]["ClassRef"]["value"] == klass["Id"]


def test_an_inactive_class_on_a_journal_line_is_refused(api):
	klass = api.create("Class", {"Name": "Closed branch"})
	api.update("Class", {"Id": klass["Id"], "SyncToken": "0", "sparse": True, "Active": False})
	travel, bank = account_id(api, "Travel"), account_id(api, "Checking")
	body = {
		"Line": [
			journal_line(travel, 5, "Debit", ClassRef={"value": klass["Id"]}),
			journal_line(bank, 5, "Credit"),
		]
	}
	error = fault_of(api.post("journalentry", body))
	assert error["code"] == "610" and error["element"] == "Line.JournalEntryLineDetail.ClassRef"


def test_an_unknown_location_on_a_journal_line_is_refused(api):
	travel, bank = account_id(api, "Travel"), account_id(api, "Checking")
	body = {
		"Line": [
			journal_line(travel, 5, "Debit", DepartmentRef={"value": "777"}),
			journal_line(bank, 5, "Credit"),
		]
	}
	error = fault_of(api.post("journalentry", body))
	assert error["code"] == "2500" and error["element"] == "Line.JournalEntryLineDetail.DepartmentRef"
