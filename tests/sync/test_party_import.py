"""The party import against the emulator over real HTTP, with ERPNext played by an in-memory port."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from quickbooks_connector.demo import connect
from quickbooks_connector.emulator import EmulatorAdmin
from quickbooks_connector.mapping.party_import import PartyFields, parse_qbo_datetime
from quickbooks_connector.qbo import QBOClient
from quickbooks_connector.sync.party_import import (
	DEFAULT_OVERLAP,
	KEPT_ERPNEXT_EDITS,
	Action,
	ExistingParty,
	ImportSummary,
	ItemOutcome,
	PartyImporter,
	ReadMethod,
)

DAY = 24 * 3600


class ServerClock:
	"""The emulator's clock (it runs ahead of ours once a test advanced it), read without a request per call."""

	def __init__(self, admin: EmulatorAdmin) -> None:
		self.admin = admin
		self.offset = timedelta(seconds=admin.clock()["offset_seconds"])

	def __call__(self) -> datetime:
		return datetime.now(timezone.utc) + self.offset

	def advance(self, seconds: float) -> None:
		self.offset = timedelta(seconds=self.admin.advance_clock(seconds)["offset_seconds"])


@dataclass
class Party:
	party_type: str
	name: str
	modified: datetime
	email: str | None = None
	fields: PartyFields | None = None
	disabled: bool = False


@dataclass
class Link:
	party_type: str
	name: str
	version: datetime | None
	modified_at_import: datetime | None
	deleted: bool = False


class MemoryPartyPort:
	"""ERPNext in dicts, refusing what ERPNext refuses in a name: '<', '>' and more than 140 characters."""

	def __init__(self, clock: Callable[[], datetime]) -> None:
		self.clock = clock
		self.parties: dict[tuple[str, str], Party] = {}
		self.links: dict[tuple[str, str], Link] = {}
		self.watermarks: dict[str, datetime] = {}
		self.outcomes: list[ItemOutcome] = []

	# what a user does in ERPNext
	def add(self, party_type: str, name: str, email: str | None = None) -> Party:
		party = Party(party_type, name, self.clock(), email)
		self.parties[party_type, name] = party
		return party

	def edit(self, party_type: str, name: str, **changes) -> None:
		party = self.parties[party_type, name]
		for key, value in changes.items():
			setattr(party, key, value)
		party.modified = self.clock()

	def party(self, party_type: str, name: str) -> Party:
		return self.parties[party_type, name]

	def of_type(self, party_type: str) -> list[Party]:
		return [party for party in self.parties.values() if party.party_type == party_type]

	# the port
	def find_by_qbo_id(self, qbo_entity: str, qbo_id: str) -> ExistingParty | None:
		link = self.links.get((qbo_entity, qbo_id))
		if link is None or (link.party_type, link.name) not in self.parties:
			return None
		return self._existing(self.parties[link.party_type, link.name])

	def find_by_email(self, party_type: str, email: str) -> ExistingParty | None:
		found = [p for p in self.of_type(party_type) if p.email and p.email.lower() == email.lower()]
		return self._existing(found[0]) if found else None

	def find_by_name(self, party_type: str, name: str) -> ExistingParty | None:
		party = self.parties.get((party_type, name))
		return self._existing(party) if party else None

	def create(self, party_type: str, fields: PartyFields) -> str:
		self._check_name(fields.name)
		if (party_type, fields.name) in self.parties:
			raise ValueError(f"{party_type} {fields.name} already exists")
		party = self.add(party_type, fields.name, fields.email)
		party.fields, party.disabled = fields, fields.disabled
		return party.name

	def update(self, party_type: str, name: str, fields: PartyFields) -> None:
		self._check_name(fields.name)
		self.edit(party_type, name, fields=fields, email=fields.email, disabled=fields.disabled)

	def link(
		self,
		qbo_entity: str,
		qbo_id: str,
		party_type: str,
		name: str,
		version: datetime | None,
		imported: bool,
	) -> None:
		previous = self.links.get((qbo_entity, qbo_id))
		modified_at_import = self.parties[party_type, name].modified if imported else None
		if not imported and previous is not None:
			modified_at_import = previous.modified_at_import
		self.links[qbo_entity, qbo_id] = Link(party_type, name, version, modified_at_import)

	def mark_deleted(self, qbo_entity: str, qbo_id: str) -> str | None:
		link = self.links.get((qbo_entity, qbo_id))
		if link is None:
			return None
		link.deleted = True
		return link.name

	def get_watermark(self, qbo_entity: str) -> datetime | None:
		return self.watermarks.get(qbo_entity)

	def set_watermark(self, qbo_entity: str, value: datetime) -> None:
		self.watermarks[qbo_entity] = value

	def record(self, outcome: ItemOutcome) -> None:
		self.outcomes.append(outcome)

	def _existing(self, party: Party) -> ExistingParty:
		entity = "Customer" if party.party_type == "Customer" else "Vendor"
		for (link_entity, qbo_id), link in self.links.items():
			if link_entity == entity and (link.party_type, link.name) == (party.party_type, party.name):
				return ExistingParty(
					party.name, party.modified, qbo_id, link.version, link.modified_at_import
				)
		return ExistingParty(party.name, party.modified)

	@staticmethod
	def _check_name(name: str) -> None:
		if "<" in name or ">" in name:
			raise ValueError("Name cannot contain special characters like '<', '>'")
		if len(name) > 140:
			raise ValueError(f"Name is too long ({len(name)} characters, at most 140)")


@dataclass
class Company:
	"""One emulated QuickBooks company and the ERPNext side importing from it."""

	realm_id: str
	client: QBOClient
	admin: EmulatorAdmin
	clock: ServerClock
	port: MemoryPartyPort

	def run(self, **options) -> ImportSummary:
		self.port.outcomes.clear()
		return PartyImporter(self.client, self.port, clock=self.clock, **options).run()

	def requests_during(self, action) -> tuple[object, int]:
		before = self.admin.stats()["requests"].get(self.realm_id, 0)
		result = action()
		return result, self.admin.stats()["requests"].get(self.realm_id, 0) - before

	def add(self, entity: str, **body) -> dict:
		return self.client.create(entity, body)

	def change(self, entity: str, obj: dict, **changes) -> dict:
		current = self.client.read(entity, obj["Id"])
		return self.client.update(
			entity, {"Id": current["Id"], "SyncToken": current["SyncToken"], **changes}, sparse=True
		)

	def outcome(self, qbo_id: str) -> ItemOutcome:
		return next(outcome for outcome in self.port.outcomes if outcome.qbo_id == qbo_id)


@pytest.fixture
def company(emulator, admin: EmulatorAdmin, realm: str) -> Company:
	client = connect(emulator.base_url, realm, max_attempts=1, sleep=lambda seconds: None)
	clock = ServerClock(admin)
	return Company(realm, client, admin, clock, MemoryPartyPort(clock))


def seed_parties(company: Company, customers: int, vendors: int) -> None:
	company.admin.seed(
		company.realm_id,
		"Customer",
		count=customers,
		template={
			"DisplayName": "Customer {n}",
			"CompanyName": "Customer {n}",
			"PrimaryEmailAddr": {"Address": "customer{n}@example.com"},
			"PrimaryPhone": {"FreeFormNumber": "555-{n}"},
			"BillAddr": {"Line1": "{n} Main St", "City": "Springfield", "Country": "USA"},
		},
	)
	if vendors:
		company.admin.seed(company.realm_id, "Vendor", count=vendors, template={"DisplayName": "Vendor {n}"})


def test_first_import_creates_every_customer_and_supplier_active_or_not(company: Company):
	seed_parties(company, customers=30, vendors=20)
	inactive = company.add("Customer", DisplayName="Gone Ltd", Active=False)
	started = company.clock()

	summary = company.run()

	assert (summary.created, summary.updated, summary.skipped, summary.failed) == (51, 0, 0, 0)
	assert summary.methods == {"Customer": ReadMethod.FULL, "Vendor": ReadMethod.FULL}
	assert len(company.port.of_type("Customer")) == 31 and len(company.port.of_type("Supplier")) == 20
	customer = company.port.party("Customer", "Customer 1")
	assert customer.fields.email == "customer1@example.com"
	assert customer.fields.phone == "555-1"
	assert customer.fields.billing_address["country"] == "United States"
	assert company.port.party("Customer", "Gone Ltd").disabled
	assert not customer.disabled
	assert company.port.links["Customer", inactive["Id"]].name == "Gone Ltd"
	for (
		watermark
	) in company.port.watermarks.values():  # the run's start on QuickBooks' clock, minus the overlap
		assert started - DEFAULT_OVERLAP <= watermark <= company.clock() - DEFAULT_OVERLAP
	assert {outcome.action for outcome in company.port.outcomes} == {Action.CREATED}


def test_second_run_creates_nothing_and_asks_quickbooks_once(company: Company):
	seed_parties(company, customers=40, vendors=10)
	company.run()

	summary, requests = company.requests_during(company.run)

	assert (summary.created, summary.updated, summary.skipped, summary.failed) == (0, 0, 0, 0)
	assert summary.unchanged == 50  # read again because of the overlap margin, recognised, not written
	assert summary.methods == {"Customer": ReadMethod.CDC, "Vendor": ReadMethod.CDC}
	assert requests == 1
	assert company.port.outcomes == []
	assert len(company.port.parties) == 50


def test_changes_in_quickbooks_reach_erpnext(company: Company):
	acme = company.add("Customer", DisplayName="Acme", PrimaryEmailAddr={"Address": "old@acme.test"})
	company.run()
	company.clock.advance(60)

	company.change("Customer", acme, PrimaryEmailAddr={"Address": "new@acme.test"}, CompanyName="Acme")
	summary = company.run()

	assert (summary.created, summary.updated) == (0, 1)
	assert company.port.party("Customer", "Acme").fields.email == "new@acme.test"
	assert company.outcome(acme["Id"]).action is Action.UPDATED


def test_inactive_in_quickbooks_disables_and_active_again_enables(company: Company):
	vendor = company.add("Vendor", DisplayName="Paper Co")
	company.run()
	company.clock.advance(60)

	company.change("Vendor", vendor, Active=False)
	company.run()
	assert company.port.party("Supplier", "Paper Co").disabled

	company.clock.advance(60)
	company.change("Vendor", vendor, Active=True)
	company.run()
	assert not company.port.party("Supplier", "Paper Co").disabled


def test_erpnext_edits_made_after_the_quickbooks_change_are_kept(company: Company):
	acme = company.add("Customer", DisplayName="Acme", PrimaryEmailAddr={"Address": "a@acme.test"})
	company.run()
	company.clock.advance(60)
	company.change("Customer", acme, PrimaryEmailAddr={"Address": "qbo@acme.test"})
	company.clock.advance(60)
	company.port.edit("Customer", "Acme", email="erp@acme.test")  # the later edit, in ERPNext

	summary = company.run()

	assert (summary.updated, summary.skipped) == (0, 1)
	assert company.outcome(acme["Id"]).action is Action.SKIPPED
	assert company.outcome(acme["Id"]).message == KEPT_ERPNEXT_EDITS
	assert company.port.party("Customer", "Acme").email == "erp@acme.test"
	assert company.run().skipped == 0  # that QuickBooks version was weighed once; it is not reported again


def test_a_quickbooks_change_made_after_the_erpnext_edit_wins(company: Company):
	acme = company.add("Customer", DisplayName="Acme", PrimaryEmailAddr={"Address": "a@acme.test"})
	company.run()
	company.clock.advance(60)
	company.port.edit("Customer", "Acme", email="erp@acme.test")
	company.clock.advance(60)
	company.change("Customer", acme, PrimaryEmailAddr={"Address": "qbo@acme.test"})

	summary = company.run()

	assert (summary.updated, summary.skipped) == (1, 0)
	assert company.port.party("Customer", "Acme").email == "qbo@acme.test"


def test_a_party_not_edited_since_its_import_follows_quickbooks_even_with_erpnext_clock_ahead(
	company: Company,
):
	ahead = MemoryPartyPort(lambda: company.clock() + timedelta(minutes=10))  # ERPNext's clock runs fast
	company.port = ahead
	acme = company.add("Customer", DisplayName="Acme", PrimaryEmailAddr={"Address": "a@acme.test"})
	company.run()
	company.clock.advance(60)
	company.change("Customer", acme, PrimaryEmailAddr={"Address": "qbo@acme.test"})  # "older" than modified

	assert company.run().updated == 1
	assert ahead.party("Customer", "Acme").email == "qbo@acme.test"

	company.clock.advance(60)
	ahead.edit("Customer", "Acme", email="erp@acme.test")
	company.change("Customer", acme, PrimaryEmailAddr={"Address": "qbo2@acme.test"})
	assert company.run().skipped == 1  # now it was edited in ERPNext, and that edit is the newer one
	assert ahead.party("Customer", "Acme").email == "erp@acme.test"


def test_the_first_of_several_quickbooks_e_mail_addresses_is_the_partys(company: Company):
	company.add("Customer", DisplayName="Duo", PrimaryEmailAddr={"Address": "one@duo.test, two@duo.test"})

	company.run()

	assert company.port.party("Customer", "Duo").email == "one@duo.test"


def test_a_record_erpnext_rejects_fails_alone_and_holds_the_watermark(company: Company):
	bad = company.add("Customer", DisplayName="Tools <Wholesale>")
	bad_time = parse_qbo_datetime(bad["MetaData"]["LastUpdatedTime"])
	company.clock.advance(3600)  # the bad record is an hour older than the rest and the run
	seed_parties(company, customers=5, vendors=5)

	summary = company.run()

	assert (summary.created, summary.failed) == (10, 1)
	failed = company.outcome(bad["Id"])
	assert failed.action is Action.FAILED and failed.qbo_name == "Tools <Wholesale>"
	assert "special characters" in failed.message
	assert company.port.watermarks["Customer"] == bad_time  # not past the failed record
	assert company.port.watermarks["Vendor"] > bad_time + timedelta(minutes=30)  # vendors are unaffected

	summary = company.run()  # read again, still refused, still reported
	assert (summary.created, summary.failed) == (0, 1)
	assert company.port.watermarks["Customer"] == bad_time

	company.clock.advance(60)
	company.change("Customer", bad, DisplayName="Tools Wholesale")
	summary = company.run()
	assert (summary.created, summary.failed) == (1, 0)
	assert company.port.watermarks["Customer"] > bad_time + timedelta(minutes=30)


def test_a_watermark_older_than_the_cdc_window_reads_with_queries(company: Company):
	seed_parties(company, customers=3, vendors=2)
	company.run()
	company.clock.advance(31 * DAY)
	changed = company.add("Customer", DisplayName="New After A Month")

	summary, requests = company.requests_during(company.run)

	assert summary.methods == {"Customer": ReadMethod.QUERY, "Vendor": ReadMethod.QUERY}
	assert (summary.created, summary.unchanged) == (1, 5)  # the five are within the overlap margin
	assert company.port.links["Customer", changed["Id"]].name == "New After A Month"
	assert requests == 2  # one page per entity (plus nothing else)

	company.clock.advance(60)
	summary = company.run()
	assert summary.methods == {"Customer": ReadMethod.CDC, "Vendor": ReadMethod.CDC}


def test_a_cdc_response_at_its_cap_is_replaced_by_paged_queries(company: Company):
	company.run()  # an empty company: the watermark is set
	company.clock.advance(60)
	seed_parties(company, customers=1100, vendors=3)

	summary = company.run()

	assert summary.methods == {"Customer": ReadMethod.QUERY, "Vendor": ReadMethod.QUERY}
	assert summary.created == 1103
	assert len(company.port.parties) == 1103


def test_customer_and_vendor_of_one_party_become_customer_and_supplier_of_that_name(company: Company):
	customer = company.add("Customer", DisplayName="Globex (Customer)", CompanyName="Globex")
	vendor = company.add("Vendor", DisplayName="Globex (Supplier)", CompanyName="Globex")

	company.run()

	assert company.port.links["Customer", customer["Id"]].name == "Globex"
	assert company.port.links["Vendor", vendor["Id"]].name == "Globex"
	assert company.port.party("Customer", "Globex").fields.party_type == "Company"
	assert company.port.party("Supplier", "Globex").fields.qbo_id == vendor["Id"]


def test_existing_parties_are_matched_by_email_then_name_never_twice(company: Company):
	company.port.add("Customer", "Initech Inc", email="ap@initech.test")
	company.port.add("Supplier", "Hooli")
	company.clock.advance(60)  # QuickBooks' versions are newer than these ERPNext parties
	by_email = company.add("Customer", DisplayName="Initech", PrimaryEmailAddr={"Address": "AP@initech.test"})
	by_name = company.add("Vendor", DisplayName="Hooli")
	company.clock.advance(60)
	# a second QuickBooks customer with the same e-mail must not take over the already linked party
	same_email = company.add(
		"Customer", DisplayName="Initech West", PrimaryEmailAddr={"Address": "ap@initech.test"}
	)

	summary = company.run()

	assert company.port.links["Customer", by_email["Id"]].name == "Initech Inc"
	assert company.port.links["Vendor", by_name["Id"]].name == "Hooli"
	assert company.port.links["Customer", same_email["Id"]].name == "Initech West"
	assert (summary.created, summary.updated) == (1, 2)
	assert "by e-mail" in company.outcome(by_email["Id"]).message
	assert len(company.port.of_type("Customer")) == 2


def test_deleted_stubs_mark_the_link_and_keep_the_party(company: Company):
	merged = company.add("Customer", DisplayName="Merged Away")
	company.run()
	stub = {"Id": merged["Id"], "status": "Deleted", "MetaData": merged["MetaData"]}
	unknown = {"Id": "999999", "status": "Deleted", "MetaData": merged["MetaData"]}
	# QuickBooks reports a merge as a deleted stub; neither QuickBooks' API nor the emulator can merge names,
	# so the stubs are added to a real CDC answer.
	client = WithDeletedStubs(company.client, [stub, unknown])
	company.port.outcomes.clear()

	summary = PartyImporter(client, company.port, clock=company.clock).run()

	assert company.port.links["Customer", merged["Id"]].deleted
	assert ("Customer", "Merged Away") in company.port.parties
	assert summary.skipped == 1  # the unknown id is nobody's business
	assert "deleted or merged" in company.outcome(merged["Id"]).message


class WithDeletedStubs:
	def __init__(self, client: QBOClient, stubs: list[dict]) -> None:
		self.client, self.stubs = client, stubs

	def cdc(self, entities, changed_since):
		changes = self.client.cdc(entities, changed_since)
		changes["Customer"] = [*changes.get("Customer", []), *self.stubs]
		return changes

	def __getattr__(self, name):
		return getattr(self.client, name)


def test_a_quickbooks_outage_stops_the_run_without_moving_the_watermark(company: Company):
	seed_parties(company, customers=3, vendors=0)
	company.run()
	watermarks = dict(company.port.watermarks)
	company.clock.advance(60)
	company.admin.inject_fault(
		match={"path_regex": "/cdc", "realm_id": company.realm_id}, action="error", status=503, times=0
	)

	summary = company.run()

	assert summary.error
	assert summary.watermarks == {}
	assert company.port.watermarks == watermarks


def test_progress_is_reported_with_the_expected_total(company: Company):
	seed_parties(company, customers=250, vendors=0)
	seen: list[tuple[int, int | None]] = []

	company.run(progress=lambda done, total: seen.append((done, total)))

	assert seen == [(100, 250), (200, 250)]


def test_only_the_chosen_entities_are_imported(company: Company):
	seed_parties(company, customers=2, vendors=2)

	summary = company.run(entities=["Vendor"])

	assert summary.created == 2 and set(company.port.watermarks) == {"Vendor"}
	assert company.port.of_type("Customer") == []


def test_the_run_start_must_be_timezone_aware(company: Company):
	with pytest.raises(ValueError, match="timezone-aware"):
		PartyImporter(company.client, company.port, clock=lambda: datetime(2025, 1, 1)).run()
