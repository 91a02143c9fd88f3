"""Find or create the QuickBooks Customers, Vendors and Items a document needs, linking each to ERPNext once.

Parties are matched in the order accountants expect (and the issue tracker of every connector asks for): the stored
link, then the e-mail address, then the display name; only then is one created. QuickBooks names are unique across
customers, vendors and employees, so a party that is both customer and supplier in ERPNext gets the second
`display_name_candidates` name for the record created second. A QuickBooks record already linked to another ERPNext
party is never adopted.
"""

from __future__ import annotations

from quickbooks_connector import mapping
from quickbooks_connector.mapping import ItemSpec, MappingContext, MappingError, PartySpec
from quickbooks_connector.mapping.errors import Problem, _
from quickbooks_connector.qbo import QBOClient
from quickbooks_connector.qbo.errors import DuplicateNameError
from quickbooks_connector.sync.idempotency import payload_hash, request_id
from quickbooks_connector.sync.port import SyncPort

ANY_ACTIVE = "Active IN (true, false)"
PAYLOADS = {
	"Customer": mapping.customer_payload,
	"Vendor": mapping.vendor_payload,
	"Employee": mapping.employee_payload,
}


class Resolver:
	def __init__(self, client: QBOClient, port: SyncPort, ctx: MappingContext, realm_id: str):
		self.client = client
		self.port = port
		self.ctx = ctx
		self.realm_id = realm_id

	def party(self, spec: PartySpec) -> str:
		linked = self.port.get_link(spec.kind, spec.name)
		if linked:
			return linked
		party = self.port.get_party(spec.erpnext_doctype, spec.name)
		found = self._party_by_email(spec, party) or self._party_by_name(spec)
		qbo_party = found or self._create_party(spec, party)
		self._check_currency(spec, qbo_party)
		self.port.set_link(spec.kind, spec.name, qbo_party["Id"])
		return qbo_party["Id"]

	def item(self, spec: ItemSpec) -> str:
		linked = self.port.get_link("Item", spec.key)
		if linked:
			return linked
		candidates = mapping.item_name_candidates(spec)
		item = self._item_by_name(spec, candidates) or self._create_item(spec, candidates)
		self.port.set_link("Item", spec.key, item["Id"])
		return item["Id"]

	def _party_by_email(self, spec: PartySpec, party: dict) -> dict | None:
		email = (party.get("email") or party.get("email_id") or "").strip()
		if not email:
			return None
		matches = [
			found
			for found in self.client.query(f"select * from {spec.kind} where PrimaryEmailAddr = {{}}", email)
			if self._free(spec.kind, found["Id"], spec.name)
		]
		# Several QuickBooks parties sharing one e-mail cannot be told apart: fall back to the name.
		return matches[0] if len(matches) == 1 else None

	def _party_by_name(self, spec: PartySpec) -> dict | None:
		for display_name in mapping.display_name_candidates(spec.name, spec.kind):
			found = self._party_named(spec, display_name)
			if found:
				return found
		return None

	def _party_named(self, spec: PartySpec, display_name: str) -> dict | None:
		statement = f"select * from {spec.kind} where DisplayName = {{}} and {ANY_ACTIVE}"
		for found in self.client.query(statement, display_name):
			if self._free(spec.kind, found["Id"], spec.name):
				return self._reactivated(spec.kind, found)
		return None

	def _create_party(self, spec: PartySpec, party: dict) -> dict:
		build = PAYLOADS[spec.kind]
		candidates = mapping.display_name_candidates(spec.name, spec.kind)
		for display_name in candidates:
			body = build(party, self.ctx, display_name)
			try:
				return self.client.create(
					spec.kind, body, request_id=self._request_id(spec.kind, spec.name, body)
				)
			except DuplicateNameError:
				# Another worker may have just created this very party: adopt it if it is free, as a look-up by
				# name would. Otherwise a vendor, employee or a record of another party holds the name.
				found = self._party_named(spec, display_name)
				if found:
					return found
		raise MappingError(
			Problem.of(
				"party_names_taken",
				_(
					"QuickBooks already uses every name this connector can give {doctype} '{name}' ({names}) for "
					"other customers, vendors or employees."
				),
				_("Rename or merge the QuickBooks record that holds the name, then press Retry."),
				doctype=spec.erpnext_doctype,
				name=spec.name,
				names=", ".join(candidates),
			)
		)

	def _check_currency(self, spec: PartySpec, qbo_party: dict) -> None:
		currency = (qbo_party.get("CurrencyRef") or {}).get("value")
		# an employee has no currency of its own in QuickBooks (the mapping keeps it to home-currency entries)
		if spec.kind == "Employee":
			return
		if self.ctx.multicurrency and currency and currency != spec.currency:
			facts = {
				"party": qbo_party.get("DisplayName"),
				"currency": currency,
				"document_currency": spec.currency,
			}
			if spec.kind == "Customer":
				raise MappingError(
					Problem.of(
						"customer_currency_differs",
						_(
							"QuickBooks customer '{party}' is kept in {currency} but this document is in "
							"{document_currency}; QuickBooks allows one currency per customer."
						),
						_(
							"Use one currency per Customer in ERPNext (a separate Customer per currency), then press "
							"Retry."
						),
						**facts,
					)
				)
			raise MappingError(
				Problem.of(
					"vendor_currency_differs",
					_(
						"QuickBooks vendor '{party}' is kept in {currency} but this document is in "
						"{document_currency}; QuickBooks allows one currency per vendor."
					),
					_(
						"Use one currency per Supplier in ERPNext (a separate Supplier per currency), then press Retry."
					),
					**facts,
				)
			)

	def _item_by_name(self, spec: ItemSpec, candidates: list[str]) -> dict | None:
		for name in candidates:
			for found in self.client.query(f"select * from Item where Name = {{}} and {ANY_ACTIVE}", name):
				income = (found.get("IncomeAccountRef") or {}).get("value")
				if income == spec.income_account_id and self._free("Item", found["Id"], spec.key):
					return self._reactivated("Item", found)
		return None

	def _create_item(self, spec: ItemSpec, candidates: list[str]) -> dict:
		for name in candidates:
			body = mapping.item_payload(spec, name)
			try:
				return self.client.create("Item", body, request_id=self._request_id("Item", spec.key, body))
			except DuplicateNameError:
				found = self._item_by_name(spec, [name])  # created meanwhile by another worker for this item?
				if found:
					return found
		raise MappingError(
			Problem.of(
				"item_names_taken",
				_("QuickBooks already has items named {names} that post to other income accounts."),
				_("Rename one of those QuickBooks items, then press Retry."),
				names=", ".join(candidates),
			)
		)

	def _free(self, qbo_entity: str, qbo_id: str, key: str) -> bool:
		owner = self.port.get_linked_key(qbo_entity, qbo_id)
		return owner in (None, key)

	def _reactivated(self, entity: str, found: dict) -> dict:
		if found.get("Active", True):
			return found
		body = {"Id": found["Id"], "SyncToken": found["SyncToken"], "Active": True}
		return self.client.update(entity, body, sparse=True)

	def _request_id(self, entity: str, key: str, body: dict) -> str:
		return request_id(self.realm_id, entity, key, "create", payload_hash(body))
