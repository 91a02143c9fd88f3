"""Scheduled import of QuickBooks customers and vendors into ERPNext Customers and Suppliers.

What is read, matched and overwritten (including the conflict rule) is decided by the framework-free
`quickbooks_connector.sync.party_import`; this module is its port on ERPNext plus the scheduling:

- `import_due` (cron, every 5 minutes) only decides and enqueues: for each enabled, connected settings record with
  Import Customers or Import Suppliers on, `run_import` goes onto the long queue once `import_interval_minutes`
  have passed since `last_import_at` (ecommerce_integrations' `need_to_run`), deduplicated by job id.
- `import_now` (the "Import now" button) enqueues the same job, which then reports progress to the form.
- `run_import` writes one QuickBooks Import Run per run (counts + a row per created, updated, skipped or failed
  party) and keeps `last_import_at`, `last_import_run` and the two watermarks on the settings.

Each party is committed on its own, so a crash or a deadlock can only lose the party being written (reported as
failed, which holds the watermark); the work before it stays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import frappe
from frappe import _
from frappe.contacts.doctype.address.address import get_address_display
from frappe.model.document import Document
from frappe.utils import (
	cint,
	get_datetime,
	now_datetime,
	strip_html_tags,
	validate_email_address,
	validate_phone_number,
)

from quickbooks_connector.constants import (
	CONNECTED,
	CONNECTION_STATUS,
	ENABLED,
	IMPORT_CUSTOMERS,
	IMPORT_INTERVAL_MINUTES,
	IMPORT_RUN,
	IMPORT_SUPPLIERS,
	IMPORT_SWITCHES,
	IMPORT_WATERMARKS,
	LAST_IMPORT_AT,
	LAST_IMPORT_RUN,
	SETTINGS,
)
from quickbooks_connector.mapping.party_import import PartyFields, parse_qbo_datetime
from quickbooks_connector.quickbooks_connector.links import Links
from quickbooks_connector.quickbooks_connector.safety import log_error
from quickbooks_connector.quickbooks_connector.settings import get_client, not_connected_message
from quickbooks_connector.quickbooks_connector.times import stored_to_utc, utc_to_stored
from quickbooks_connector.quickbooks_connector.tokens import is_dead_grant, mark_expired
from quickbooks_connector.sync.party_import import (
	PARTY_TYPES,
	Action,
	ExistingParty,
	ImportSummary,
	ItemOutcome,
	PartyImporter,
	ReadMethod,
)

RUN_METHOD = "quickbooks_connector.quickbooks_connector.party_import.run_import"
DEFAULT_INTERVAL_MINUTES = 60
TICK_SLACK = timedelta(
	minutes=1
)  # the cron fires every 5 minutes; a run started a few seconds late is still due
JOB_TIMEOUT = 6 * 3600  # a first import of a large company; routine runs take seconds
ROWS_PER_RESULT = 500  # rows listed per result on the run; the counts cover everything
FINISHED_EVENT = "quickbooks_import_finished"
PROGRESS_EVENT = (
	"quickbooks_import_progress"  # keyed by the run's progress key: a form shows only its own run
)
METHOD_LABELS = {
	ReadMethod.FULL: "all records (first import)",
	ReadMethod.CDC: "changes since the last import (CDC)",
	ReadMethod.QUERY: "records changed since the last import (query)",
}


# -- scheduling ----------------------------------------------------------------------------------------------


def import_due() -> None:
	"""Cron: enqueue the import of every connected company whose interval has passed."""
	now = now_datetime()
	candidates = frappe.get_all(
		SETTINGS,
		filters={ENABLED: 1, CONNECTION_STATUS: CONNECTED},
		fields=["name", IMPORT_CUSTOMERS, IMPORT_SUPPLIERS, IMPORT_INTERVAL_MINUTES, LAST_IMPORT_AT],
	)
	for row in candidates:
		if (row.import_customers or row.import_suppliers) and need_to_run(
			row.last_import_at, row.import_interval_minutes, now
		):
			enqueue_import(row.name)


def need_to_run(last_run: datetime | str | None, interval_minutes: int | None, now: datetime) -> bool:
	"""Due when there was no run yet or `interval_minutes` (60 when unset) have passed since the last one."""
	if not last_run:
		return True
	interval = timedelta(
		minutes=cint(interval_minutes) if cint(interval_minutes) > 0 else DEFAULT_INTERVAL_MINUTES
	)
	return now + TICK_SLACK >= get_datetime(last_run) + interval


def enqueue_import(
	settings: str, trigger: str = "Scheduler", show_progress: bool = False, progress_key: str | None = None
) -> bool:
	"""Queue `run_import` on the long queue; False when an import of these settings is already queued or running.
	`progress_key` tags the run's progress and finish events, so the form that started it follows only that run."""
	job = frappe.enqueue(
		RUN_METHOD,
		queue="long",
		timeout=JOB_TIMEOUT,
		job_id=job_id(settings),
		deduplicate=True,
		settings=settings,
		trigger=trigger,
		show_progress=show_progress,
		progress_key=progress_key,
	)
	return job is not None


def job_id(settings: str) -> str:
	return f"quickbooks_party_import::{settings}"


@frappe.whitelist(methods=["POST"])
def import_now(settings: str) -> dict:
	"""The "Import now" button: the scheduled job, now, with progress on the settings form."""
	doc = frappe.get_doc(SETTINGS, settings)
	doc.check_permission("write")
	if doc.connection_status != CONNECTED:
		frappe.throw(not_connected_message(doc), title=_("Not connected"))
	if not (doc.import_customers or doc.import_suppliers):
		frappe.throw(_("Turn on Import Customers or Import Suppliers first."), title=_("Nothing to import"))
	progress_key = frappe.generate_hash(length=12)
	if not enqueue_import(doc.name, trigger="User", show_progress=True, progress_key=progress_key):
		return {
			"queued": False,
			"message": _("An import for {0} is already queued or running.").format(doc.name),
		}
	return {"queued": True, "message": _("Import from QuickBooks started."), "progress_key": progress_key}


# -- the job -------------------------------------------------------------------------------------------------


def run_import(
	settings: str, trigger: str = "Scheduler", show_progress: bool = False, progress_key: str | None = None
) -> str:
	"""Import the enabled entities of one settings record; returns the QuickBooks Import Run's name."""
	doc = frappe.get_doc(SETTINGS, settings)
	entities = [entity for entity, switch in IMPORT_SWITCHES.items() if doc.get(switch)]
	run = _start_run(doc, trigger)
	port = FrappePartyPort(doc)
	try:
		importer = PartyImporter(
			get_client(doc),
			port,
			entities,
			progress=_progress(doc.name, progress_key) if show_progress else None,
		)
		summary = importer.run()
	except Exception as error:  # the run record must say why nothing (more) was imported
		frappe.db.rollback()
		log_error(_("QuickBooks party import failed"), SETTINGS, settings)
		_finish_run(run, port, None, _clean(error), progress_key)
		return run.name
	if summary.stopped_by and is_dead_grant(summary.stopped_by):
		mark_expired(doc, str(summary.stopped_by))
	_finish_run(run, port, summary, summary.error, progress_key)
	return run.name


def _start_run(doc: Document, trigger: str) -> Document:
	# One job per settings at a time (job id), so a run still marked Running died with its worker.
	frappe.db.set_value(
		IMPORT_RUN,
		{"settings": doc.name, "status": "Running"},
		{
			"status": "Failed",
			"error": _("The job stopped before the run finished (worker restarted or timed out)."),
		},
	)
	run = frappe.get_doc(
		{
			"doctype": IMPORT_RUN,
			"settings": doc.name,
			"company": doc.company,
			"status": "Running",
			"trigger": trigger,
			"started_at": now_datetime(),
		}
	).insert(ignore_permissions=True)
	frappe.db.set_value(
		SETTINGS,
		doc.name,
		{LAST_IMPORT_AT: run.started_at, LAST_IMPORT_RUN: run.name},
		update_modified=False,
	)
	frappe.db.commit()  # nosemgrep: the form shows the run as Running while the job works
	return run


def _finish_run(
	run: Document,
	port: FrappePartyPort,
	summary: ImportSummary | None,
	error: str | None,
	progress_key: str | None = None,
) -> None:
	run.reload()
	counts = summary if summary is not None else port.counts  # a run that crashed: what it reported so far
	for action in (Action.CREATED, Action.UPDATED, Action.SKIPPED, Action.FAILED, Action.UNCHANGED):
		run.set(action.value.lower(), getattr(counts, action.value.lower()))
	if summary is not None:
		run.read_methods = "\n".join(
			f"{entity}: {METHOD_LABELS[method]}" for entity, method in summary.methods.items()
		)
	run.extend("items", port.rows)
	run.items_not_listed = port.not_listed
	run.error = error
	run.status = "Failed" if error else ("Completed with Errors" if run.failed else "Completed")
	run.finished_at = now_datetime()
	run.save(ignore_permissions=True)
	frappe.db.commit()  # nosemgrep: the run's outcome is the user's only view of a background job
	frappe.publish_realtime(
		FINISHED_EVENT,
		{"settings": run.settings, "run": run.name, "status": run.status, "progress_key": progress_key},
		doctype=SETTINGS,
		docname=run.settings,
	)


def _progress(settings: str, progress_key: str | None) -> Callable[[int, int | None], None]:
	"""Progress of this run only: tagged with its key (not Frappe's generic progress event, which any open
	dialog of an earlier run would pick up)."""

	def publish(done: int, expected: int | None) -> None:
		frappe.publish_realtime(
			PROGRESS_EVENT,
			{
				"settings": settings,
				"progress_key": progress_key,
				"done": done,
				"expected": expected,
				"percent": min(99, done * 100 / expected) if expected else 0,
			},
			doctype=SETTINGS,
			docname=settings,
		)

	return publish


# -- the port --------------------------------------------------------------------------------------------------


PARTY_FIELDS = {
	"Customer": {"name": "customer_name", "type": "customer_type", "contact": "customer_primary_contact"},
	"Supplier": {"name": "supplier_name", "type": "supplier_type", "contact": "supplier_primary_contact"},
}
ADDRESS_FIELD = {"Customer": "customer_primary_address", "Supplier": "supplier_primary_address"}
ENTITY_OF = {party_type: entity for entity, party_type in PARTY_TYPES.items()}


class FrappePartyPort:
	"""PartyImportPort on ERPNext for one QuickBooks Settings record."""

	def __init__(self, settings: Document) -> None:
		self.settings = settings.name
		self.realm_id = settings.realm_id or ""
		self.links = Links(self.settings, self.realm_id)
		self.defaults = {
			"Customer": {
				"customer_group": settings.default_customer_group
				or frappe.db.get_single_value("Selling Settings", "customer_group"),
				"territory": settings.default_territory
				or frappe.db.get_single_value("Selling Settings", "territory"),
			},
			"Supplier": {
				"supplier_group": settings.default_supplier_group
				or frappe.db.get_single_value("Buying Settings", "supplier_group"),
			},
		}
		self.country = frappe.db.get_value("Company", settings.company, "country")
		self.rows: list[dict] = []
		self.not_listed = 0
		self.counts = ImportSummary(started_at=datetime.now(timezone.utc))
		self._listed: dict[Action, int] = {}

	# finding ------------------------------------------------------------------------------------------------

	def find_by_qbo_id(self, qbo_entity: str, qbo_id: str) -> ExistingParty | None:
		link = self.links.find(
			qbo_entity, ["erpnext_key", "imported_version", "erpnext_modified_at_import"], qbo_id=qbo_id
		)
		if not link:
			return None
		return self._existing(PARTY_TYPES[qbo_entity], link.erpnext_key, link, qbo_id)

	def find_by_email(self, party_type: str, email: str) -> ExistingParty | None:
		name = frappe.db.get_value(party_type, {"email_id": email}, "name")
		if not name:
			contact_email = frappe.qb.DocType("Contact Email")
			link = frappe.qb.DocType("Dynamic Link")
			found = (
				frappe.qb.from_(contact_email)
				.join(link)
				.on((link.parent == contact_email.parent) & (link.parenttype == "Contact"))
				.select(link.link_name)
				.where((contact_email.email_id == email) & (link.link_doctype == party_type))
				.limit(1)
				.run()
			)
			name = found[0][0] if found else None
		return self._existing(party_type, name) if name else None

	def find_by_name(self, party_type: str, name: str) -> ExistingParty | None:
		found = (
			name
			if frappe.db.exists(party_type, name)
			else frappe.db.get_value(party_type, {PARTY_FIELDS[party_type]["name"]: name}, "name")
		)
		return self._existing(party_type, found) if found else None

	def _existing(
		self, party_type: str, name: str, link: dict | None = None, qbo_id: str | None = None
	) -> ExistingParty | None:
		found = frappe.db.get_value(
			party_type, name, ["modified", PARTY_FIELDS[party_type]["name"]], as_dict=True
		)
		if found is None:
			return None  # linked, but deleted in ERPNext since
		if link is None:
			link = self.links.find(
				ENTITY_OF[party_type],
				["qbo_id", "imported_version", "erpnext_modified_at_import"],
				erpnext_key=name,
			)
			qbo_id = link.qbo_id if link else None
		return ExistingParty(
			name=name,
			modified=stored_to_utc(found.modified),
			party_name=found.get(PARTY_FIELDS[party_type]["name"]),
			qbo_id=qbo_id,
			imported_version=parse_qbo_datetime(link.imported_version) if link else None,
			modified_at_import=stored_to_utc(link.erpnext_modified_at_import) if link else None,
		)

	# writing ------------------------------------------------------------------------------------------------

	def create(self, party_type: str, fields: PartyFields) -> str:
		with _savepoint():
			party = frappe.new_doc(party_type)
			party.update({key: value for key, value in self.defaults[party_type].items() if value})
			_set_party_fields(party, fields)
			party.insert(ignore_permissions=True)
			self._set_contact(party, fields)
			self._set_addresses(party, fields)
		return party.name

	def update(self, party_type: str, name: str, fields: PartyFields) -> None:
		with _savepoint():
			party = frappe.get_doc(party_type, name)
			_set_party_fields(party, fields)
			party.save(ignore_permissions=True)
			self._set_contact(party, fields)
			self._set_addresses(party, fields)

	def link(
		self,
		qbo_entity: str,
		qbo_id: str,
		party_type: str,
		name: str,
		version: datetime | None,
		imported: bool,
	) -> None:
		self.links.set_imported(qbo_entity, qbo_id, party_type, name, version, imported)

	def mark_deleted(self, qbo_entity: str, qbo_id: str) -> str | None:
		return self.links.mark_deleted(qbo_entity, qbo_id)

	def get_watermark(self, qbo_entity: str) -> datetime | None:
		value = frappe.db.get_value(SETTINGS, self.settings, IMPORT_WATERMARKS[qbo_entity])
		return stored_to_utc(value) if value else None

	def set_watermark(self, qbo_entity: str, value: datetime) -> None:
		frappe.db.set_value(
			SETTINGS,
			self.settings,
			IMPORT_WATERMARKS[qbo_entity],
			utc_to_stored(value),
			update_modified=False,
		)

	def record(self, outcome: ItemOutcome) -> None:
		"""List the outcome on the run (the first ROWS_PER_RESULT of each result) and commit the party."""
		self.counts.count(outcome.action)
		listed = self._listed.get(outcome.action, 0)
		if listed < ROWS_PER_RESULT:
			self._listed[outcome.action] = listed + 1
			self.rows.append(
				{
					"action": outcome.action.value,
					"qbo_entity": outcome.qbo_entity,
					"qbo_id": outcome.qbo_id,
					"qbo_name": outcome.qbo_name,
					"erpnext_doctype": outcome.party_type if outcome.party_name else None,
					"erpnext_name": outcome.party_name,
					"qbo_last_updated": outcome.qbo_last_updated.isoformat()
					if outcome.qbo_last_updated
					else None,
					"message": strip_html_tags(outcome.message) if outcome.message else None,
				}
			)
		else:
			self.not_listed += 1
		if outcome.action is Action.FAILED:
			frappe.clear_messages()  # the refusal is on the run; don't pile ERPNext's messages up in the job
		frappe.db.commit()  # nosemgrep: one party at a time, so a failure later in the run cannot undo it

	# contact and addresses ------------------------------------------------------------------------------------

	def _set_contact(self, party: Document, fields: PartyFields) -> None:
		"""E-mail and phones on the party's primary Contact (created and linked when the party has none)."""
		email = validate_email_address(fields.email or "") or None
		phone = fields.phone if validate_phone_number(fields.phone) else None
		mobile = fields.mobile if validate_phone_number(fields.mobile) else None
		if not (email or phone or mobile):
			return
		contact_field = PARTY_FIELDS[party.doctype]["contact"]
		current = party.get(contact_field)
		contact = frappe.get_doc("Contact", current) if current else _new_contact(party, fields)
		if email:
			_make_primary(contact, "email_ids", "email_id", email, "is_primary")
		if phone:
			_make_primary(contact, "phone_nos", "phone", phone, "is_primary_phone")
		if mobile:
			_make_primary(contact, "phone_nos", "phone", mobile, "is_primary_mobile_no")
		contact.save(ignore_permissions=True)
		party.db_set(
			{contact_field: contact.name, "email_id": contact.email_id, "mobile_no": contact.mobile_no},
			update_modified=False,
		)

	def _set_addresses(self, party: Document, fields: PartyFields) -> None:
		"""Billing and shipping Address linked to the party; one Address when QuickBooks has the same for both.
		ERPNext needs line 1, city and country: an address without line 1 or city is left out."""
		billing = self._complete(fields.billing_address)
		shipping = self._complete(fields.shipping_address)
		same = billing is not None and billing == shipping
		billing_name = _upsert_address(party, "Billing", billing, primary=True, shipping=same)
		if not same:
			_upsert_address(party, "Shipping", shipping, primary=False, shipping=True)
		if billing_name:
			values = {
				ADDRESS_FIELD[party.doctype]: billing_name,
				"primary_address": get_address_display(billing_name),
			}
			party.db_set(values, update_modified=False)

	def _complete(self, address: dict | None) -> dict | None:
		if not address or not address.get("address_line1") or not address.get("city"):
			return None
		return {"country": self.country, **address}


def _set_party_fields(party: Document, fields: PartyFields) -> None:
	names = PARTY_FIELDS[party.doctype]
	party.set(names["name"], fields.name)
	party.set(names["type"], fields.party_type)
	party.disabled = int(fields.disabled)
	if fields.tax_id:
		party.tax_id = fields.tax_id
	if fields.currency and frappe.db.exists("Currency", fields.currency):
		party.default_currency = fields.currency


def _new_contact(party: Document, fields: PartyFields) -> Document:
	contact = frappe.new_doc("Contact")
	if fields.party_type == "Individual" and (fields.first_name or fields.last_name):
		contact.first_name, contact.last_name = fields.first_name or fields.last_name, fields.last_name
	else:
		contact.first_name = fields.name
	contact.is_primary_contact = 1
	contact.append("links", {"link_doctype": party.doctype, "link_name": party.name})
	return contact


def _make_primary(contact: Document, table: str, fieldname: str, value: str, flag: str) -> None:
	"""`value` becomes the row flagged primary in `table` (added when missing); other rows lose the flag."""
	rows = contact.get(table)
	match = next((row for row in rows if (row.get(fieldname) or "").lower() == value.lower()), None)
	if match is None:
		match = contact.append(table, {fieldname: value})
	for row in rows:
		row.set(flag, int(row is match))


def _upsert_address(
	party: Document, address_type: str, values: dict | None, primary: bool, shipping: bool
) -> str | None:
	if values is None:
		return None
	dynamic_link = frappe.qb.DocType("Dynamic Link")
	address_table = frappe.qb.DocType("Address")
	found = (
		frappe.qb.from_(address_table)
		.join(dynamic_link)
		.on((dynamic_link.parent == address_table.name) & (dynamic_link.parenttype == "Address"))
		.select(address_table.name)
		.where(
			(dynamic_link.link_doctype == party.doctype)
			& (dynamic_link.link_name == party.name)
			& (address_table.address_type == address_type)
		)
		.orderby(address_table.creation)
		.limit(1)
		.run()
	)
	if found:
		address = frappe.get_doc("Address", found[0][0])
	else:
		address = frappe.new_doc("Address")
		address.address_title = party.name
		address.address_type = address_type
		address.append("links", {"link_doctype": party.doctype, "link_name": party.name})
	address.update(values)
	address.is_primary_address = int(primary)
	address.is_shipping_address = int(shipping)
	address.save(ignore_permissions=True)
	return address.name


@contextmanager
def _savepoint() -> Iterator[None]:
	"""All of one party's writes, or none of them."""
	name = "qbo_party_import"
	frappe.db.savepoint(name)
	try:
		yield
	except Exception:
		frappe.db.rollback(save_point=name)
		raise


def _clean(error: Exception) -> str:
	return strip_html_tags(str(error)) or type(error).__name__
