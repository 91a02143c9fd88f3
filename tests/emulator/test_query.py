"""The query language: operators, paging, counting, escaping, active-only default and faults."""

import pytest

from .support import fault_of, make_customer, make_invoice, make_item, ok, sales_line


@pytest.fixture
def customers(api, admin):
	"""Customer 1..30 (seeded), plus a few hand-made ones."""
	admin.seed(
		api.realm_id, "Customer", count=30, template={"DisplayName": "Customer {n}", "Notes": "seeded"}
	)
	make_customer(api, "Cutlery 'R Us", PrimaryEmailAddr={"Address": "sales@cutlery.example"})
	make_customer(api, "Zebra Traders", CompanyName="Zebra Holdings")
	dormant = make_customer(api, "Dormant Inc")
	api.update("Customer", {"Id": dormant["Id"], "SyncToken": "0", "sparse": True, "Active": False})
	return api


def names(response: dict) -> list[str]:
	return [customer["DisplayName"] for customer in response.get("Customer", [])]


def test_default_page_is_100_rows_from_position_1(customers):
	response = customers.query("select * from Customer")
	assert response["startPosition"] == 1
	assert response["maxResults"] == 32 == len(response["Customer"])


def test_paging_with_orderby_startposition_and_maxresults(customers):
	first = customers.query("SELECT * FROM Customer ORDERBY Id STARTPOSITION 1 MAXRESULTS 10")
	second = customers.query("select * from Customer order by Id startposition 11 maxresults 10")

	ids = [int(c["Id"]) for c in first["Customer"] + second["Customer"]]
	assert ids == sorted(ids) and len(set(ids)) == 20
	assert second["startPosition"] == 11 and second["maxResults"] == 10


def test_past_the_end_is_an_empty_query_response(customers):
	assert customers.query("select * from Customer startposition 500") == {}


def test_count(customers):
	assert customers.query("select count(*) from Customer") == {"totalCount": 32}
	assert customers.query("SELECT COUNT(*) FROM Customer WHERE Active IN (true, false)") == {
		"totalCount": 33
	}


def test_inactive_rows_only_when_the_query_filters_on_active(customers):
	assert "Dormant Inc" not in names(customers.query("select * from Customer maxresults 1000"))
	assert names(customers.query("select * from Customer where Active = false")) == ["Dormant Inc"]


def test_comparison_operators(customers):
	by_id = customers.query("select * from Customer where Id > '25' and Id <= '28'")
	assert [c["Id"] for c in by_id["Customer"]] == ["26", "27", "28"]
	assert len(customers.query("select * from Customer where Id < '3'")["Customer"]) == 2
	assert len(customers.query("select * from Customer where Id >= '30'")["Customer"]) == 3


def test_in_and_like(customers):
	chosen = customers.query(
		"select * from Customer where DisplayName in ('Customer 3', 'Zebra Traders', 'Nobody')"
	)
	liked = customers.query("select * from Customer where DisplayName like 'Customer 2%'")
	contains = customers.query("select * from Customer where CompanyName like '%holding%'")

	assert sorted(names(chosen)) == ["Customer 3", "Zebra Traders"]
	assert sorted(names(liked)) == ["Customer 2"] + [f"Customer {n}" for n in range(20, 30)]
	assert names(contains) == ["Zebra Traders"]


def test_escaped_quote(customers):
	response = customers.query("select * from Customer where DisplayName = 'Cutlery \\'R Us'")
	assert names(response) == ["Cutlery 'R Us"]


def test_nested_fields(customers):
	by_email = customers.query("select * from Customer where PrimaryEmailAddr = 'sales@cutlery.example'")
	by_time = customers.query(
		"select * from Customer where MetaData.LastUpdatedTime > '2000-01-01T00:00:00-08:00'"
	)
	in_future = customers.query("select * from Customer where MetaData.CreateTime > '2999-01-01'")

	assert names(by_email) == ["Cutlery 'R Us"]
	assert len(by_time["Customer"]) == 32
	assert in_future == {}


def test_order_by_text_descending(customers):
	response = customers.query(
		"select * from Customer where Notes = 'seeded' orderby DisplayName desc maxresults 3"
	)
	assert names(response) == ["Customer 9", "Customer 8", "Customer 7"]


def test_keywords_and_entity_names_are_case_insensitive(customers):
	assert customers.query("SeLeCt * FrOm customer WhErE Active = true MaxResults 1")["maxResults"] == 1


def test_post_query_with_text_body(customers):
	response = customers.session.post(
		f"{customers.company_url}/query",
		data="select count(*) from Customer",
		headers={"Content-Type": "application/text"},
	)
	assert ok(response)["QueryResponse"] == {"totalCount": 32}


def test_references_and_numbers(api):
	customer = make_customer(api)
	other = make_customer(api, "Other")
	item = make_item(api)
	make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 500)])
	make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 50)])
	make_invoice(api, other["Id"], [sales_line(item["Id"], 1, 900)])

	by_customer = api.query(f"select * from Invoice where CustomerRef = '{customer['Id']}'")
	big = api.query("select * from Invoice where TotalAmt > '300.00' orderby TotalAmt desc")

	assert len(by_customer["Invoice"]) == 2
	assert [invoice["TotalAmt"] for invoice in big["Invoice"]] == [900, 500]


@pytest.mark.parametrize(
	"statement",
	[
		"select * from Customer where DisplayName = 'a' or DisplayName = 'b'",
		"select * from Nonsense",
		"select * Customer",
		"select * from Customer where",
		"select * from Customer maxresults 1001",
		"select * from Invoice where Line.Amount > '5'",
		"select * from Customer where DisplayName = 'unterminated",
		"",
	],
)
def test_unsupported_or_malformed_queries_are_4000(api, statement):
	error = fault_of(api.get("query", query=statement))
	assert error["code"] == "4000"
	assert error["Message"] == "Error parsing query"


def test_maxresults_over_1000_names_the_limit(api):
	error = fault_of(api.get("query", query="select * from Customer maxresults 1500"))
	assert "1500 is too large. Max allowed value is 1000" in error["Detail"]


def test_large_pages_over_many_objects(api, admin):
	admin.seed(api.realm_id, "Customer", count=5000)

	page = api.query(
		"select * from Customer where DisplayName like '%9%' orderby DisplayName startposition 1 maxresults 1000"
	)
	total = api.query("select count(*) from Customer")["totalCount"]

	assert page["maxResults"] == 1000
	assert total == 5000


def test_later_pages_see_changes_made_between_calls(customers):
	statement = (
		"select * from Customer where Notes = 'seeded' orderby DisplayName startposition 2 maxresults 2"
	)
	before = names(customers.query(statement))
	make_customer(customers, "Aardvark Ltd", Notes="seeded")
	after = names(customers.query(statement))

	assert before == ["Customer 10", "Customer 11"]
	assert after == ["Customer 1", "Customer 10"]
