"""A backfill's new customers, vendors and items: found with IN queries and created with batch calls, by the rules
of a single push (e-mail, then name candidates, then create; reactivation; names taken by another kind)."""

from __future__ import annotations

import copy

from quickbooks_connector.sync import Status

INVOICE = "ACC-SINV-2026-00012"  # Acme Corp, items WIDGET-A and SAAS-SEAT on Sales - WP
BILL = "ACC-PINV-2026-00042"


def new_customer(world, name: str, email: str | None = None) -> None:
	party = copy.deepcopy(world.port.parties[("Customer", "Acme Corp")])
	party.update(name=name, customer_name=name, email_id=email)
	world.port.add_party("Customer", party)


def invoice_for(world, number: int, customer: str, item_code: str | None = None) -> tuple[str, str]:
	doc = copy.deepcopy(world.doc(INVOICE))
	doc.update(name=f"SINV-NEW-{number:03d}", customer=customer, customer_name=customer)
	if item_code:
		doc["items"][0]["item_code"] = item_code
	world.port.add_document(doc)
	return ("Sales Invoice", doc["name"])


def customers_named(world, name: str) -> list[dict]:
	return world.held("Customer", "where DisplayName = {} and Active IN (true, false)", name)


def creates(world) -> dict[str, int]:
	endpoints = world.admin.stats()["endpoints"]
	return {endpoint: count for endpoint, count in endpoints.items() if endpoint.startswith("POST")}


def test_new_customers_and_items_of_a_chunk_are_created_in_batch_calls(world):
	world.engine.push("Sales Invoice", INVOICE)  # accounts, tax codes and the fixture's items exist
	refs = []
	for number in range(45):
		new_customer(world, f"Bulk Customer {number:03d}", f"bulk{number:03d}@example.com")
		refs.append(invoice_for(world, number, f"Bulk Customer {number:03d}", f"BULK-ITEM-{number:03d}"))
	world.admin.reset_stats()

	records = world.engine.push_many(refs)
	posts, requests = creates(world), world.admin.stats()["requests"][world.realm_id]

	assert all(record.status == Status.SYNCED for record in records)
	for number in range(45):
		[customer] = customers_named(world, f"Bulk Customer {number:03d}")
		assert world.port.get_link("Customer", f"Bulk Customer {number:03d}") == customer["Id"]
		assert len(world.held("Item", "where Name = {}", f"BULK-ITEM-{number:03d}")) == 1
	assert posts.get("POST customer", 0) == 0 and posts.get("POST item", 0) == 0  # none one by one
	# Chunks of 30 and 15 invoices: 60 new customers and items in two batch calls, then 30 in one; two for the
	# invoices.
	assert posts["POST batch"] == 5
	assert requests < 25


def test_existing_parties_are_found_by_email_then_name_and_reactivated(world):
	world.engine.push("Sales Invoice", INVOICE)
	by_email = world.client.create(
		"Customer",
		{"DisplayName": "Renamed In QuickBooks", "PrimaryEmailAddr": {"Address": "Mail@Example.com"}},
	)
	by_name = world.client.create("Customer", {"DisplayName": "Sleeping Customer"})
	world.client.update(
		"Customer", {"Id": by_name["Id"], "SyncToken": by_name["SyncToken"], "Active": False}, sparse=True
	)
	shared = [
		world.client.create(
			"Customer", {"DisplayName": name, "PrimaryEmailAddr": {"Address": "two@example.com"}}
		)
		for name in ("Shared One", "Shared Two")
	]
	new_customer(world, "Emailed Customer", "mail@example.com")
	new_customer(world, "Sleeping Customer")
	new_customer(world, "Shared Two", "two@example.com")  # the e-mail is ambiguous: the name decides
	refs = [
		invoice_for(world, 1, "Emailed Customer"),
		invoice_for(world, 2, "Sleeping Customer"),
		invoice_for(world, 3, "Shared Two"),
	]
	world.admin.reset_stats()

	records = world.engine.push_many(refs)

	assert all(record.status == Status.SYNCED for record in records)
	assert world.port.get_link("Customer", "Emailed Customer") == by_email["Id"]
	assert world.port.get_link("Customer", "Sleeping Customer") == by_name["Id"]
	assert world.client.read("Customer", by_name["Id"])["Active"] is True
	assert world.port.get_link("Customer", "Shared Two") == shared[1]["Id"]
	# Two queries (e-mails, then names), one update (the reactivation), one batch call (the invoices).
	assert creates(world) == {"POST query": 2, "POST customer": 1, "POST batch": 1}
	assert customers_named(world, "Emailed Customer") == []  # adopted, not created


def test_a_name_taken_by_a_vendor_gets_the_customer_suffix_as_on_a_single_push(world):
	world.engine.push("Sales Invoice", INVOICE)
	world.client.create("Vendor", {"DisplayName": "Both Kinds Ltd"})
	new_customer(world, "Both Kinds Ltd")
	new_customer(world, "Plain New Ltd")

	records = world.engine.push_many(
		[invoice_for(world, 1, "Both Kinds Ltd"), invoice_for(world, 2, "Plain New Ltd")]
	)

	assert all(record.status == Status.SYNCED for record in records)
	[suffixed] = customers_named(world, "Both Kinds Ltd (Customer)")
	assert world.port.get_link("Customer", "Both Kinds Ltd") == suffixed["Id"]
	assert len(customers_named(world, "Plain New Ltd")) == 1


def test_a_customer_linked_to_another_party_is_not_adopted(world):
	world.engine.push("Sales Invoice", INVOICE)
	taken = world.client.create("Customer", {"DisplayName": "Twin Name"})
	world.port.set_link("Customer", "Some Other ERPNext Customer", taken["Id"])
	new_customer(world, "Twin Name")

	[record] = world.engine.push_many([invoice_for(world, 1, "Twin Name")])

	assert record.status == Status.SYNCED
	linked = world.port.get_link("Customer", "Twin Name")
	assert linked != taken["Id"]
	assert world.client.read("Customer", linked)["DisplayName"] == "Twin Name (Customer)"


def bills_for(world, suppliers: list[str], prefix: str) -> list[tuple[str, str]]:
	refs = []
	for number, supplier in enumerate(suppliers):
		doc = copy.deepcopy(world.doc(BILL))
		doc.update(
			name=f"{prefix}-{number}",
			supplier=supplier,
			supplier_name=supplier,
			bill_no=f"{prefix}-B{number}",
		)
		world.port.add_document(doc)
		refs.append(("Purchase Invoice", doc["name"]))
	return refs


def test_new_vendors_in_bulk_and_found_again_by_name_when_the_links_are_gone(world):
	world.engine.push("Purchase Invoice", BILL)
	template = world.port.parties[("Supplier", world.doc(BILL)["supplier"])]
	suppliers = [f"Bulk Supplier {number}" for number in range(5)]
	for name in suppliers:
		world.port.add_party("Supplier", {**copy.deepcopy(template), "name": name, "supplier_name": name})

	first = world.engine.push_many(bills_for(world, suppliers, "PINV-NEW"))
	vendors = len(world.held("Vendor"))
	world.port.links = {key: value for key, value in world.port.links.items() if key[0] != "Vendor"}
	again = world.engine.push_many(bills_for(world, suppliers, "PINV-MORE"))

	assert all(record.status == Status.SYNCED for record in first + again)
	assert len(world.held("Vendor")) == vendors
	for name in suppliers:
		[vendor] = world.held("Vendor", "where DisplayName = {}", name)
		assert world.port.get_link("Vendor", name) == vendor["Id"]


def test_a_lost_answer_to_the_parties_batch_creates_no_party_twice(world):
	world.engine.push("Sales Invoice", INVOICE)
	names = [f"Lost Answer {number}" for number in range(4)]
	for name in names:
		new_customer(world, name)
	refs = [invoice_for(world, number, name) for number, name in enumerate(names)]
	world.admin.inject_fault(
		match={"realm_id": world.realm_id, "path_regex": r"/batch(\?|$)"}, action="drop", times=1
	)

	records = world.engine.push_many(refs)  # the customers' batch committed, its answer lost: found by name

	assert all(record.status == Status.SYNCED for record in records)
	for name in names:
		[customer] = customers_named(world, name)
		assert world.port.get_link("Customer", name) == customer["Id"]


def test_lookups_of_later_chunks_run_ahead_and_never_create_a_party_twice(world):
	world.engine.push("Sales Invoice", INVOICE)
	for number in range(40):
		new_customer(world, f"Ahead Customer {number:03d}")
	# 120 invoices, each customer in three chunks: only the first chunk's resolution creates it.
	refs = [invoice_for(world, number, f"Ahead Customer {number % 40:03d}") for number in range(120)]
	world.admin.configure(realm_id=world.realm_id, latency_ms=100)
	world.admin.reset_stats()

	records = world.engine.push_many(refs)
	world.admin.configure(realm_id=world.realm_id, latency_ms=0)
	posts = creates(world)

	assert all(record.status == Status.SYNCED for record in records)
	assert posts.get("POST customer", 0) == 0  # nothing left to the single path
	assert posts["POST batch"] == 4 + 2  # four chunks of invoices; 30 then 10 new customers
	for number in range(40):
		[customer] = customers_named(world, f"Ahead Customer {number:03d}")
		assert world.port.get_link("Customer", f"Ahead Customer {number:03d}") == customer["Id"]
