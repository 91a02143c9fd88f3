"""Create, read, update, delete and void for every supported entity, and the set-up of a new company.

QBO behaviour reproduced (qbo-api.md §3.0): create returns the full object with ``SyncToken "0"``; read-only
input (``Id``, ``SyncToken``, ``MetaData``, totals, balances) is ignored; an update must carry the current
``SyncToken`` (5010 when stale) and is either full (omitted writable fields are cleared) or sparse
(``"sparse": true``: only sent fields change); a missing or deleted ``Id`` is HTTP 400 / 610; name lists can't
be deleted (make them inactive) and TaxCode/TaxRate are read-only here; ``operation=delete`` exists for the
transactions and returns a ``Deleted`` stub; void exists for Invoice and CreditMemo (``operation=void``) and
Payment/BillPayment (``include=void``), zeroes the amounts, prefixes ``PrivateNote`` with "Voided" and
releases applied amounts. A document with payments or credits applied can't be deleted or voided until they
are removed (6000).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from quickbooks_connector.emulator import faults
from quickbooks_connector.emulator.company import (
	DEFAULT_ACCOUNTS,
	DEFAULT_TERM_NAME,
	DEFAULT_TERMS,
	NON_US_TAX_ACCOUNT,
	company_info,
	preferences,
	tax_codes_for,
	us_pseudo_tax_codes,
)
from quickbooks_connector.emulator.names import (
	prepare_account,
	prepare_customer,
	prepare_employee,
	prepare_item,
	prepare_term,
	prepare_vendor,
)
from quickbooks_connector.emulator.payments import (
	PAYERS,
	TARGET_ENTITIES,
	payer_preparer,
	refresh_targets,
	targets_of,
)
from quickbooks_connector.emulator.records import (
	WriteContext,
	stamp_new,
	stamp_update,
	without_system_fields,
)
from quickbooks_connector.emulator.store import Realm
from quickbooks_connector.emulator.totals import ZERO
from quickbooks_connector.emulator.transactions import form_preparer, prepare_journal_entry

Prepare = Callable[[WriteContext, dict[str, Any], "dict[str, Any] | None"], dict[str, Any]]


@dataclass(frozen=True)
class EntitySpec:
	name: str
	prepare: Prepare | None = None  # None: read-only through the API
	deletable: bool = False
	void_via: str | None = None  # "operation" (operation=void) or "include" (operation=update&include=void)
	name_list: bool = False


SPECS: dict[str, EntitySpec] = {
	spec.name: spec
	for spec in (
		EntitySpec("Customer", prepare_customer, name_list=True),
		EntitySpec("Vendor", prepare_vendor, name_list=True),
		EntitySpec("Employee", prepare_employee, name_list=True),
		EntitySpec("Item", prepare_item, name_list=True),
		EntitySpec("Account", prepare_account, name_list=True),
		EntitySpec("Term", prepare_term, name_list=True),
		EntitySpec("TaxCode", name_list=True),
		EntitySpec("TaxRate", name_list=True),
		EntitySpec("Invoice", form_preparer("Invoice"), deletable=True, void_via="operation"),
		EntitySpec("CreditMemo", form_preparer("CreditMemo"), deletable=True, void_via="operation"),
		EntitySpec("Bill", form_preparer("Bill"), deletable=True),
		EntitySpec("VendorCredit", form_preparer("VendorCredit"), deletable=True),
		EntitySpec("Payment", payer_preparer("Payment"), deletable=True, void_via="include"),
		EntitySpec("BillPayment", payer_preparer("BillPayment"), deletable=True, void_via="include"),
		EntitySpec("JournalEntry", prepare_journal_entry, deletable=True),
	)
}
# Entities that exist once per company, read through their own paths or queries.
SINGLETONS = ("CompanyInfo", "Preferences")
ENTITY_PATHS = {name.lower(): name for name in SPECS}


def read(realm: Realm, entity: str, object_id: Any) -> dict[str, Any]:
	obj = realm.get(entity, str(object_id or ""))
	if obj is None:
		raise faults.not_found()
	return obj


def create(ctx: WriteContext, entity: str, body: dict[str, Any]) -> dict[str, Any]:
	spec = _writable(entity, "Create")
	content = spec.prepare(ctx, without_system_fields(body), None)
	obj = stamp_new(content, ctx.realm.next_id(entity), ctx.now)
	_commit(ctx, entity, None, obj)
	return obj


def update(ctx: WriteContext, entity: str, body: dict[str, Any]) -> dict[str, Any]:
	spec = _writable(entity, "Update")
	existing = _current(ctx.realm, entity, body)
	if ctx.realm.is_voided(entity, existing["Id"]):
		raise faults.business(f"{entity} {existing['Id']} is voided and can't be changed.")
	sparse = body.get("sparse") in (True, "true")
	source = without_system_fields(body)
	if sparse:
		source = {**without_system_fields(existing), **source}
	content = spec.prepare(ctx, source, existing)
	obj = stamp_update(content, existing, ctx.now)
	_commit(ctx, entity, existing, obj)
	return obj


def delete(ctx: WriteContext, entity: str, body: dict[str, Any]) -> dict[str, Any]:
	spec = SPECS.get(entity)
	if spec is None or not spec.deletable:
		raise faults.unsupported(f"Operation Delete is not supported for {entity}.")
	existing = _current(ctx.realm, entity, body)
	_refuse_if_applied(ctx.realm, entity, existing["Id"], "deleted")
	ctx.realm.remove(entity, existing["Id"], ctx.now)
	ctx.realm.voided[entity].discard(existing["Id"])
	refresh_targets(ctx, targets_of(existing))
	return {"status": "Deleted", "domain": "QBO", "Id": existing["Id"]}


def void(ctx: WriteContext, entity: str, body: dict[str, Any], via: str) -> dict[str, Any]:
	spec = SPECS.get(entity)
	if spec is None or spec.void_via != via:
		raise faults.unsupported(f"Operation Void is not supported for {entity} this way.")
	existing = _current(ctx.realm, entity, body)
	if ctx.realm.is_voided(entity, existing["Id"]):
		raise faults.business(f"{entity} {existing['Id']} is already voided.")
	_refuse_if_applied(ctx.realm, entity, existing["Id"], "voided")
	obj = stamp_update(_voided(existing, entity in PAYERS), existing, ctx.now)
	ctx.realm.voided[entity].add(existing["Id"])
	_commit(ctx, entity, existing, obj)
	return obj


def insert(
	realm: Realm, entity: str, content: dict[str, Any], now: float, object_id: str | None = None
) -> dict:
	"""Store an object without running the API rules (company set-up, read-only lists)."""
	obj = stamp_new(content, object_id or realm.next_id(entity), now)
	realm.put(entity, obj, now)
	return obj


def _writable(entity: str, operation: str) -> EntitySpec:
	spec = SPECS.get(entity)
	if spec is None or spec.prepare is None:
		raise faults.unsupported(f"Operation {operation} is not supported for {entity}.")
	return spec


def _current(realm: Realm, entity: str, body: dict[str, Any]) -> dict[str, Any]:
	if body.get("Id") in (None, ""):
		raise faults.required("Id")
	existing = read(realm, entity, body["Id"])
	if body.get("SyncToken") in (None, ""):
		raise faults.required("SyncToken")
	if str(body["SyncToken"]) != existing["SyncToken"]:
		raise faults.stale_object()
	return existing


def _commit(ctx: WriteContext, entity: str, old: dict | None, new: dict[str, Any]) -> None:
	ctx.realm.put(entity, new, ctx.now)
	if entity in PAYERS:
		refresh_targets(ctx, targets_of(old) | targets_of(new))


def _refuse_if_applied(realm: Realm, entity: str, object_id: str, action: str) -> None:
	if entity in TARGET_ENTITIES and realm.indexes.applied_to((entity, object_id)):
		raise faults.business(
			f"This {entity} has payments or credits linked to it and can't be {action}. "
			"Delete or void the linked payments first."
		)


def _voided(existing: dict[str, Any], is_payer: bool) -> dict[str, Any]:
	note = existing.get("PrivateNote")
	voided = {**existing, "PrivateNote": f"Voided - {note}" if note else "Voided", "TotalAmt": ZERO}
	if is_payer:
		voided.update(Line=[], HomeTotalAmt=ZERO)
		if "UnappliedAmt" in existing:
			voided["UnappliedAmt"] = ZERO
		return voided
	voided["Line"] = [_zeroed_line(line) for line in existing.get("Line", ())]
	voided.update(HomeTotalAmt=ZERO, Balance=ZERO, HomeBalance=ZERO, TxnTaxDetail={"TotalTax": ZERO})
	if "RemainingCredit" in existing:
		voided["RemainingCredit"] = ZERO
	return voided


def _zeroed_line(line: dict[str, Any]) -> dict[str, Any]:
	zeroed = {**line, "Amount": ZERO}
	detail_type = line.get("DetailType")
	detail = line.get(detail_type) if detail_type else None
	if isinstance(detail, dict) and "Qty" in detail:
		zeroed[detail_type] = {**detail, "Qty": ZERO}
	return zeroed


# Company set-up


def setup_company(realm: Realm, now: float) -> None:
	"""Fill a new realm with what a new QBO company has: accounts, terms, tax codes and settings."""
	ctx = WriteContext(realm, now)
	for role, (name, account_type, subtype) in DEFAULT_ACCOUNTS.items():
		if role == "tax_payable" and not realm.settings.is_us:
			name, account_type, subtype = NON_US_TAX_ACCOUNT
		account = create(
			ctx, "Account", {"Name": name, "AccountType": account_type, "AccountSubType": subtype}
		)
		realm.roles[role] = account["Id"]
	for name, days in DEFAULT_TERMS:
		term = create(ctx, "Term", {"Name": name, "DueDays": days})
		if name == DEFAULT_TERM_NAME:
			realm.roles["default_terms"] = term["Id"]
	_setup_tax(realm, now)
	insert(realm, "CompanyInfo", company_info(realm.settings, ctx.today()), now, "1")
	prefs = preferences(realm.settings, realm.roles["default_terms"], realm.roles["discounts"])
	insert(realm, "Preferences", prefs, now, "1")


def _setup_tax(realm: Realm, now: float) -> None:
	if realm.settings.is_us:
		for code in us_pseudo_tax_codes():
			insert(realm, "TaxCode", {k: v for k, v in code.items() if k != "Id"}, now, code["Id"])
		return
	for name, description, percent in tax_codes_for(realm.settings.country):
		rate_lists = {}
		for list_field, suffix in (("SalesTaxRateList", ""), ("PurchaseTaxRateList", " (Purchases)")):
			rate = insert(realm, "TaxRate", _tax_rate(name + suffix, description, percent), now)
			detail = {
				"TaxRateRef": {"value": rate["Id"], "name": rate["Name"]},
				"TaxTypeApplicable": "TaxOnAmount",
			}
			rate_lists[list_field] = {"TaxRateDetail": [{**detail, "TaxOrder": 0}]}
		code = {"Name": name, "Description": description, "Active": True, "Hidden": False, "Taxable": True}
		insert(realm, "TaxCode", {**code, "TaxGroup": False, **rate_lists}, now)


def _tax_rate(name: str, description: str, percent: str) -> dict[str, Any]:
	return {
		"Name": name,
		"Description": description,
		"Active": True,
		"RateValue": Decimal(percent),
		"AgencyRef": {"value": "1"},
		"SpecialTaxType": "NONE",
		"DisplayType": "ReadOnly",
	}
