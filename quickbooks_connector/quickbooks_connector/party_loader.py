"""Customers and Suppliers as the mapping reads them, one party at a time or a backfill chunk's parties at once.

A party is its main-table fields (as `Document.as_dict()` gives them once serialised; the child tables, which the
mapping never reads, are left out) plus "email", "phone", "mobile" (from its primary contact), "billing_address",
"shipping_address" (dicts of `ADDRESS_FIELDS`) and "party_account_currency".

`load_party` finds the contact, the addresses and the account currency with ERPNext's own functions, a few queries
each. `load_parties` gives the same dicts for many parties with one query per table: the parties, their contacts
and their addresses (through Dynamic Link), their Party Accounts and their GL currencies. It picks as ERPNext does:

- contact: the party's primary contact field, else a linked contact that is primary, else one that is billing
  (`get_default_contact`);
- billing address: the party's primary address field, else the linked enabled address that is primary, else any
  linked enabled one (`get_default_address`);
- shipping address: the linked enabled address marked as shipping address, else the only one of type Shipping
  (`get_party_shipping_address`);
- account currency: the currency of the party's account for the company, else its group's, else the company's
  default receivable/payable account (`get_party_account`). A party whose GL entries are in another currency, or
  in several, or that has several accounts for the company is left to `get_party_account_currency` itself.

Where ERPNext leaves a tie to the database (two primary contacts, two primary addresses), either may be taken, as
ERPNext itself may take either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import frappe
from frappe.contacts.doctype.address.address import get_default_address
from frappe.model.document import Document

from erpnext.accounts.party import get_default_contact, get_party_account_currency, get_party_shipping_address

ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "state", "pincode", "country")
CONTACT_FIELDS = ("email_id", "phone", "mobile_no")
GROUP_FIELD = {"Customer": "customer_group", "Supplier": "supplier_group"}
DEFAULT_ACCOUNT = {"Customer": "default_receivable_account", "Supplier": "default_payable_account"}


def load_party(party_type: str, name: str, company: str) -> dict | None:
	"""One Customer or Supplier (None: there is none of that name), with ERPNext's own look-ups."""
	row = frappe.db.get_value(party_type, name, "*", as_dict=True)
	if not row:
		return None
	party = main_fields(party_type, row)
	contact = party.get(f"{party_type.lower()}_primary_contact") or get_default_contact(party_type, name)
	party.update(contact_details(party, _contact(contact) if contact else None))
	party["billing_address"] = _address(
		party.get(f"{party_type.lower()}_primary_address") or get_default_address(party_type, name)
	)
	party["shipping_address"] = _address(get_party_shipping_address(party_type, name))
	party["party_account_currency"] = get_party_account_currency(party_type, name, company)
	return party


def load_parties(party_type: str, names: Iterable[str], company: str) -> dict[str, dict]:
	"""Many Customers or Suppliers by name, each as `load_party` gives it; names that do not exist are left out."""
	wanted = list(dict.fromkeys(names))
	if not wanted:
		return {}
	rows = frappe.get_all(party_type, filters={"name": ["in", wanted]}, fields=["*"])
	parties = {row["name"]: main_fields(party_type, row) for row in rows}
	if not parties:
		return {}
	_add_contacts(party_type, parties)
	_add_addresses(party_type, parties)
	_add_account_currencies(party_type, parties, rows, company)
	return parties


def main_fields(party_type: str, row: dict) -> dict:
	"""The party's main-table fields exactly as `plain_dict(frappe.get_doc(...))` gives them, tables left out."""
	doc = frappe.get_doc({**row, "doctype": party_type})  # no query: the row is all it holds
	party = json.loads(frappe.as_json(doc.as_dict(no_default_fields=False), indent=None))
	for field in frappe.get_meta(party_type).get_table_fields():
		party.pop(field.fieldname, None)
	return party


def contact_details(party: dict, contact: dict | None) -> dict:
	"""The e-mail and phones: the contact's, else what the party itself holds."""
	details = {"email": party.get("email_id"), "phone": None, "mobile": party.get("mobile_no")}
	if contact:
		details.update(
			email=contact.get("email_id") or details["email"],
			phone=contact.get("phone"),
			mobile=contact.get("mobile_no") or details["mobile"],
		)
	return details


# Contacts -------------------------------------------------------------------------------------------------


def _add_contacts(party_type: str, parties: dict[str, dict]) -> None:
	field = f"{party_type.lower()}_primary_contact"
	linked = _linked(
		"Contact", party_type, list(parties), CONTACT_FIELDS, "is_primary_contact", "is_billing_contact"
	)
	default: dict[str, dict] = {}
	for row in linked:  # ordered as get_default_contact orders: primary first, then billing
		if row.is_primary_contact or row.is_billing_contact:
			default.setdefault(row.link_name, row)
	by_name = _named(parties, field, linked, "Contact", CONTACT_FIELDS)
	for name, party in parties.items():
		# a primary contact field naming a contact that is gone gives none, as ERPNext's get_value does
		contact = by_name.get(party[field]) if party.get(field) else default.get(name)
		party.update(contact_details(party, contact))


def _named(parties: dict[str, dict], field: str, linked: list, doctype: str, fields: Sequence[str]) -> dict:
	"""The contacts or addresses the parties' primary field names, by name: from the linked rows already read, the
	others (linked to no party of theirs) read by name."""
	named = {party[field] for party in parties.values() if party.get(field)}
	by_name = {row.name: row for row in linked if row.name in named}
	missing = named - set(by_name)
	if missing:
		for row in frappe.get_all(doctype, filters={"name": ["in", list(missing)]}, fields=["name", *fields]):
			by_name[row.name] = row
	return by_name


# Addresses ------------------------------------------------------------------------------------------------


def _add_addresses(party_type: str, parties: dict[str, dict]) -> None:
	field = f"{party_type.lower()}_primary_address"
	linked = [
		row
		for row in _linked(
			"Address", party_type, list(parties), ADDRESS_FIELDS, "is_primary_address", "is_shipping_address"
		)
		if not row.disabled
	]
	by_party: dict[str, list] = {}
	for row in linked:  # primary ones first
		by_party.setdefault(row.link_name, []).append(row)
	by_name = _named(parties, field, linked, "Address", ADDRESS_FIELDS)
	for name, party in parties.items():
		own = by_party.get(name, [])
		billing = by_name.get(party[field]) if party.get(field) else (own[0] if own else None)
		party["billing_address"] = _fields(billing, ADDRESS_FIELDS)
		party["shipping_address"] = _fields(_shipping(own), ADDRESS_FIELDS)


def _shipping(addresses: Sequence) -> dict | None:
	"""get_party_shipping_address on the party's enabled addresses."""
	candidates = [row for row in addresses if row.is_shipping_address or row.address_type == "Shipping"]
	marked = [row for row in candidates if row.is_shipping_address]
	if marked:
		return marked[0]
	return candidates[0] if len(candidates) == 1 else None


# Account currencies ---------------------------------------------------------------------------------------


def _add_account_currencies(party_type: str, parties: dict[str, dict], rows: list, company: str) -> None:
	names = list(parties)
	own: dict[str, list[str]] = {}
	for row in _party_accounts(party_type, names, company):
		own.setdefault(row.parent, []).append(row.account)
	group_field = GROUP_FIELD.get(party_type)
	groups = {row["name"]: row.get(group_field) for row in rows} if group_field else {}
	group_accounts: dict[str, list[str]] = {}
	group_type = f"{party_type} Group"
	for row in _party_accounts(group_type, [g for g in set(groups.values()) if g], company):
		group_accounts.setdefault(row.parent, []).append(row.account)
	gle: dict[str, set[str]] = {}
	for party, currency in frappe.db.sql(
		"""select distinct party, account_currency from `tabGL Entry`
		where docstatus = 1 and company = %s and party_type = %s and party in %s and is_cancelled = 0""",
		(company, party_type, tuple(names)),
	):
		gle.setdefault(party, set()).add(currency)
	default = frappe.get_cached_value("Company", company, DEFAULT_ACCOUNT[party_type])
	for name, party in parties.items():
		accounts = (
			own.get(name) or group_accounts.get(groups.get(name) or "") or ([default] if default else [])
		)
		currency = _account_currency(accounts[0]) if len(accounts) == 1 else None
		posted = gle.get(name, set())
		settled = currency and (not posted or posted == {currency})
		party["party_account_currency"] = (
			currency if settled else get_party_account_currency(party_type, name, company)
		)


def _party_accounts(parenttype: str, parents: list[str], company: str) -> list:
	if not parents:
		return []
	return frappe.get_all(
		"Party Account",
		filters={"parenttype": parenttype, "parent": ["in", parents], "company": company},
		fields=["parent", "account"],
	)


def _account_currency(account: str | None) -> str | None:
	return frappe.get_cached_value("Account", account, "account_currency") if account else None


# Shared ---------------------------------------------------------------------------------------------------


def _linked(
	doctype: str, party_type: str, names: list[str], fields: Sequence[str], first: str, second: str
) -> list:
	"""The contacts or addresses linked to these parties, `first` ones first, then `second` ones."""
	table, link = f"`tab{doctype}`", "`tabDynamic Link`"
	disabled = ", record.disabled" if doctype == "Address" else ""
	address_type = ", record.address_type" if doctype == "Address" else ""
	columns = ", ".join(f"record.`{field}`" for field in fields)
	return frappe.db.sql(
		f"""select link.link_name, record.name, record.`{first}`, record.`{second}`{disabled}{address_type},
			{columns}
		from {table} record join {link} link on link.parent = record.name and link.parenttype = %s
		where link.link_doctype = %s and link.link_name in %s
		order by record.`{first}` desc, record.`{second}` desc""",
		(doctype, party_type, tuple(names)),
		as_dict=True,
	)


def _contact(name: str) -> dict | None:
	return frappe.db.get_value("Contact", name, list(CONTACT_FIELDS), as_dict=True)


def _address(name: str | None) -> dict | None:
	if not name:
		return None
	return frappe.db.get_value("Address", name, list(ADDRESS_FIELDS), as_dict=True)


def _fields(row: dict | Document | None, fields: Sequence[str]) -> dict | None:
	return frappe._dict({field: row.get(field) for field in fields}) if row else None
