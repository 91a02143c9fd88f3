"""Create, read, update, delete and void for every supported entity, and the set-up of a new company.

Entities and operations (``C`` create, ``R`` read, ``Q`` query, ``U`` full and sparse update, ``D``
``operation=delete``, ``V`` void, ``I`` make inactive with ``Active: false``):

==========================================================  =====================================================
Customer, Vendor, Employee, Item, Account, Term, Class,      C R Q U I (names.py)
Department, PaymentMethod, CompanyCurrency
TaxAgency                                                   C R Q (Intuit documents no update)
TaxCode, TaxRate                                            R Q; created through ``POST /taxservice/taxcode``
ExchangeRate                                                R (``GET /exchangerate``) Q, set with POST (currencies.py)
Invoice, CreditMemo                                         C R Q U D V (``operation=void``)
SalesReceipt                                                C R Q U D V (``operation=update&include=void``)
RefundReceipt, Estimate, Bill, VendorCredit, PurchaseOrder,  C R Q U D
Purchase, JournalEntry, Deposit, Transfer, CreditCardPayment,
TimeActivity, RecurringTransaction, Attachable
Payment, BillPayment                                        C R Q U D V (``include=void``)
CompanyInfo, Preferences                                    R Q U (preferences.py)
==========================================================  =====================================================

QBO behaviour reproduced (qbo-api.md §3.0): create returns the full object with ``SyncToken "0"``; system and
read-only input (``Id``, ``SyncToken``, ``MetaData``, ``InvoiceLink``, ``DeliveryInfo``, ``FullyQualifiedName``,
``Level``, ``HomeBalance``; totals and balances are recomputed by each entity's rules) is ignored; every
``*Ref`` in the body is checked before the entity's rules run (records.check_refs: 2500 unknown, 610 deleted or
inactive); an update must carry the current ``SyncToken`` (5010 when stale) and is either full (omitted
writable fields are cleared) or sparse (``"sparse": true``: only sent fields change); a missing or deleted
``Id`` is HTTP 400 / 610; name lists can't be deleted (make them inactive); ``operation=delete`` returns a
``Deleted`` stub; void zeroes the amounts, prefixes ``PrivateNote`` with "Voided" and releases applied amounts.
A document with payments or credits applied can't be deleted or voided until they are removed (6000); a
payment or receipt in a deposit can't be changed, voided or deleted (6540); a transaction dated on or before
``Preferences.AccountingInfoPrefs.BookCloseDate`` can't be created, changed, voided or deleted (6210). A
foreign currency a record uses joins the company's currency list (CompanyCurrency) with a stored rate.

Unknown or unsure: whether RefundReceipt, Purchase and Bill can be voided through the API (the emulator only
deletes them); whether QBO refuses ``ClassRef``/``DepartmentRef`` while class or location tracking is off in
Preferences (the emulator accepts and keeps them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from quickbooks_connector.emulator import attachments, faults, recurring
from quickbooks_connector.emulator.banking import (
	deposit_of,
	prepare_credit_card_payment,
	prepare_deposit,
	prepare_time_activity,
	prepare_transfer,
)
from quickbooks_connector.emulator.company import (
	DEFAULT_ACCOUNTS,
	DEFAULT_TERM_NAME,
	DEFAULT_TERMS,
	FR_ACCOUNT_NUMBERS,
	NON_US_TAX_ACCOUNT,
	TAX_AGENCIES,
	company_info,
	payment_methods_for,
	preferences,
	tax_codes_for,
	us_pseudo_tax_codes,
)
from quickbooks_connector.emulator.currencies import ensure_currency
from quickbooks_connector.emulator.names import (
	prepare_account,
	prepare_class,
	prepare_company_currency,
	prepare_customer,
	prepare_department,
	prepare_employee,
	prepare_item,
	prepare_payment_method,
	prepare_tax_agency,
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
	READ_ONLY_FIELDS,
	WriteContext,
	check_refs,
	stamp_new,
	stamp_update,
	without_system_fields,
)
from quickbooks_connector.emulator.store import Realm
from quickbooks_connector.emulator.totals import ZERO
from quickbooks_connector.emulator.transactions import (
	FORMS,
	form_preparer,
	prepare_form,
	prepare_journal_entry,
)

Prepare = Callable[[WriteContext, dict[str, Any], "dict[str, Any] | None"], dict[str, Any]]


@dataclass(frozen=True)
class EntitySpec:
	name: str
	prepare: Prepare | None = None  # None: read-only through the API
	deletable: bool = False
	void_via: str | None = None  # "operation" (operation=void) or "include" (operation=update&include=void)
	name_list: bool = False
	updatable: bool = True
	cdc: bool = True  # available through change data capture


def _prepare_recurring(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	if "Type" in body and existing is not None and not any(key in recurring.TEMPLATE_TYPES for key in body):
		kind, inner = body["Type"], {k: v for k, v in body.items() if k != "Type"}  # a sparse update
	else:
		kind, inner = recurring.wrapped(body)
	inner = without_system_fields(inner)
	if existing is not None and inner.get("sparse") in (True, "true"):
		inner = {**without_system_fields(existing), **inner}
	inner.pop("Type", None)
	prepare_inner = TEMPLATE_PREPARERS.get(kind)
	if prepare_inner is None:
		raise faults.unsupported(f"Recurring {kind} templates are not supported.")
	return recurring.prepare_template(ctx, kind, inner, existing, prepare_inner)


SPECS: dict[str, EntitySpec] = {
	spec.name: spec
	for spec in (
		EntitySpec("Customer", prepare_customer, name_list=True),
		EntitySpec("Vendor", prepare_vendor, name_list=True),
		EntitySpec("Employee", prepare_employee, name_list=True),
		EntitySpec("Item", prepare_item, name_list=True),
		EntitySpec("Account", prepare_account, name_list=True),
		EntitySpec("Term", prepare_term, name_list=True),
		EntitySpec("Class", prepare_class, name_list=True),
		EntitySpec("Department", prepare_department, name_list=True),
		EntitySpec("PaymentMethod", prepare_payment_method, name_list=True),
		EntitySpec("CompanyCurrency", prepare_company_currency, name_list=True),
		EntitySpec("TaxAgency", prepare_tax_agency, updatable=False, cdc=False),
		EntitySpec("TaxCode", name_list=True, cdc=False),
		EntitySpec("TaxRate", name_list=True, cdc=False),
		EntitySpec("ExchangeRate", cdc=False),
		EntitySpec("Invoice", form_preparer("Invoice"), deletable=True, void_via="operation"),
		EntitySpec("CreditMemo", form_preparer("CreditMemo"), deletable=True, void_via="operation"),
		EntitySpec("SalesReceipt", form_preparer("SalesReceipt"), deletable=True, void_via="include"),
		EntitySpec("RefundReceipt", form_preparer("RefundReceipt"), deletable=True),
		EntitySpec("Estimate", form_preparer("Estimate"), deletable=True),
		EntitySpec("Bill", form_preparer("Bill"), deletable=True),
		EntitySpec("VendorCredit", form_preparer("VendorCredit"), deletable=True),
		EntitySpec("PurchaseOrder", form_preparer("PurchaseOrder"), deletable=True),
		EntitySpec("Purchase", form_preparer("Purchase"), deletable=True),
		EntitySpec("Payment", payer_preparer("Payment"), deletable=True, void_via="include"),
		EntitySpec("BillPayment", payer_preparer("BillPayment"), deletable=True, void_via="include"),
		EntitySpec("JournalEntry", prepare_journal_entry, deletable=True),
		EntitySpec("Deposit", prepare_deposit, deletable=True),
		EntitySpec("Transfer", prepare_transfer, deletable=True),
		EntitySpec("CreditCardPayment", prepare_credit_card_payment, deletable=True),
		EntitySpec("TimeActivity", prepare_time_activity, deletable=True, cdc=False),
		EntitySpec("RecurringTransaction", _prepare_recurring, deletable=True),
		EntitySpec("Attachable", attachments.prepare_attachable, deletable=True),
	)
}


def _template_preparer(entity: str) -> Prepare:
	def prepare(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
		return prepare_form(ctx, FORMS[entity], body, existing, template=True)

	return prepare


TEMPLATE_PREPARERS: dict[str, Prepare] = {
	**{name: _template_preparer(name) for name in FORMS},
	"JournalEntry": prepare_journal_entry,
	"Deposit": prepare_deposit,
	"Transfer": prepare_transfer,
}
# Entities that exist once per company, read through their own paths or queries.
SINGLETONS = ("CompanyInfo", "Preferences")
ENTITY_PATHS = {name.lower(): name for name in SPECS if name != "ExchangeRate"}
TRANSACTIONS_WITH_DATES = {name for name in SPECS if name in FORMS} | {
	"Payment",
	"BillPayment",
	"JournalEntry",
	"Deposit",
	"Transfer",
	"CreditCardPayment",
}


PRESENTED = ("RecurringTransaction", "Attachable", "ExchangeRate")
# Entities whose JSON name differs from their path (answers, query rows, CDC and batch items use the JSON name;
# requests may use either).
JSON_NAMES = {"CreditCardPayment": "CreditCardPaymentTxn"}
ENTITY_BY_JSON_NAME = {name: entity for entity, name in JSON_NAMES.items()}


def json_name(entity: str) -> str:
	return JSON_NAMES.get(entity, entity)


def present(realm: Realm, entity: str, obj: dict[str, Any], base_url: str = "", now: float = 0.0) -> dict:
	"""An object as the API shows it (stored objects may carry hidden ``_`` fields or a different shape)."""
	if entity == "RecurringTransaction":
		return recurring.present(obj)
	if entity == "Attachable":
		return attachments.present(obj, realm.id, base_url, now)
	if entity == "ExchangeRate":
		return {key: value for key, value in obj.items() if not key.startswith("_")}
	return obj


def read(realm: Realm, entity: str, object_id: Any) -> dict[str, Any]:
	obj = realm.get(entity, str(object_id or ""))
	if obj is None:
		raise faults.not_found()
	return obj


def create(ctx: WriteContext, entity: str, body: dict[str, Any]) -> dict[str, Any]:
	spec = _writable(entity, "Create")
	source = _writable_input(body)
	check_refs(ctx, source, entity)
	content = spec.prepare(ctx, source, None)
	_check_closed_books(ctx, entity, content, None)
	obj = stamp_new(content, ctx.realm.next_id(entity), ctx.now)
	_commit(ctx, entity, None, obj)
	return obj


def update(ctx: WriteContext, entity: str, body: dict[str, Any]) -> dict[str, Any]:
	spec = _writable(entity, "Update")
	if not spec.updatable:
		raise faults.unsupported(f"Operation Update is not supported for {entity}.")
	existing = _current(ctx.realm, entity, identity(entity, body))
	if ctx.realm.is_voided(entity, existing["Id"]):
		raise faults.business(f"{entity} {existing['Id']} is voided and can't be changed.")
	_refuse_if_deposited(ctx.realm, entity, existing["Id"])
	sparse = body.get("sparse") in (True, "true")
	source = _writable_input(body)
	if sparse and entity != "RecurringTransaction":
		source = {**without_system_fields(existing), **source}
	check_refs(ctx, source, entity)
	content = spec.prepare(ctx, source, existing)
	_check_closed_books(ctx, entity, content, existing)
	obj = stamp_update(content, existing, ctx.now)
	_commit(ctx, entity, existing, obj)
	return obj


def delete(ctx: WriteContext, entity: str, body: dict[str, Any]) -> dict[str, Any]:
	spec = SPECS.get(entity)
	if spec is None or not spec.deletable:
		raise faults.unsupported(f"Operation Delete is not supported for {entity}.")
	existing = _current(ctx.realm, entity, identity(entity, body))
	_refuse_if_applied(ctx.realm, entity, existing["Id"], "deleted")
	_refuse_if_deposited(ctx.realm, entity, existing["Id"])
	_check_closed_books(ctx, entity, None, existing)
	ctx.realm.remove(entity, existing["Id"], ctx.now)
	ctx.realm.voided[entity].discard(existing["Id"])
	if entity == "Attachable":
		ctx.realm.files.pop(existing["Id"], None)
	if entity in PAYERS:
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
	_refuse_if_deposited(ctx.realm, entity, existing["Id"])
	_check_closed_books(ctx, entity, None, existing)
	obj = stamp_update(_voided(existing, entity in PAYERS), existing, ctx.now)
	ctx.realm.voided[entity].add(existing["Id"])
	_commit(ctx, entity, existing, obj, "Void")
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


def _writable_input(body: dict[str, Any]) -> dict[str, Any]:
	"""The client's fields without system, output-only and hidden (``_``) fields, which QBO ignores."""
	return {
		key: value
		for key, value in without_system_fields(body).items()
		if key not in READ_ONLY_FIELDS and not key.startswith("_")
	}


def identity(entity: str, body: dict[str, Any]) -> dict[str, Any]:
	"""Id and SyncToken of a write; a RecurringTransaction carries them inside its wrapped transaction."""
	if entity == "RecurringTransaction" and body.get("Id") in (None, ""):
		for key in recurring.TEMPLATE_TYPES:
			if isinstance(body.get(key), dict):
				return body[key]
	return body


def _current(realm: Realm, entity: str, body: dict[str, Any]) -> dict[str, Any]:
	if body.get("Id") in (None, ""):
		raise faults.required("Id")
	existing = realm.get(entity, str(body["Id"]))
	if existing is None:
		raise faults.not_found()
	if body.get("SyncToken") in (None, ""):
		raise faults.required("SyncToken")
	if str(body["SyncToken"]) != existing["SyncToken"]:
		raise faults.stale_object()
	return existing


def _commit(
	ctx: WriteContext, entity: str, old: dict | None, new: dict[str, Any], operation: str | None = None
) -> None:
	ctx.realm.put(entity, new, ctx.now, operation)
	if entity in PAYERS:
		refresh_targets(ctx, targets_of(old) | targets_of(new))
	code = new["Code"] if entity == "CompanyCurrency" else (new.get("CurrencyRef") or {}).get("value")
	if code:
		ensure_currency(ctx.realm, code, ctx.now, new.get("TxnDate") or ctx.today())


def _check_closed_books(ctx: WriteContext, entity: str, new: dict | None, old: dict | None) -> None:
	"""6210 for a transaction dated on or before Preferences.AccountingInfoPrefs.BookCloseDate."""
	close = ctx.pref("AccountingInfoPrefs", "BookCloseDate")
	if not close or entity not in TRANSACTIONS_WITH_DATES:
		return
	for obj in (new, old):
		if obj is not None and obj.get("TxnDate") and obj["TxnDate"] <= close:
			raise faults.period_closed(close)


def _refuse_if_deposited(realm: Realm, entity: str, object_id: str) -> None:
	deposit = deposit_of(realm, entity, object_id)
	if deposit is not None:
		raise faults.deposited(entity, object_id, deposit)


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
	"""Fill a new realm with what a new QBO company of its country has (see company.py), then apply the
	creation-time preferences and, when asked, the sample data."""
	ctx = WriteContext(realm, now)
	settings = realm.settings
	for role, (name, account_type, subtype) in DEFAULT_ACCOUNTS.items():
		if role == "tax_payable" and not settings.is_us:
			name, account_type, subtype = NON_US_TAX_ACCOUNT
		body = {"Name": name, "AccountType": account_type, "AccountSubType": subtype}
		if settings.country == "FR":
			body["AcctNum"] = FR_ACCOUNT_NUMBERS[role]
		realm.roles[role] = create(ctx, "Account", body)["Id"]
	for name, days in DEFAULT_TERMS:
		term = create(ctx, "Term", {"Name": name, "DueDays": days})
		if name == DEFAULT_TERM_NAME:
			realm.roles["default_terms"] = term["Id"]
	for name, method_type in payment_methods_for(settings.country):
		create(ctx, "PaymentMethod", {"Name": name, "Type": method_type})
	_setup_tax(ctx)
	insert(realm, "CompanyInfo", company_info(settings, ctx.today()), now, "1")
	prefs = preferences(settings, realm.roles["default_terms"], realm.roles["discounts"])
	if settings.preferences:
		from quickbooks_connector.emulator.preferences import merged_preferences

		try:
			prefs = merged_preferences(ctx, prefs, settings.preferences, creating=True)
		except faults.QBOFault as fault:
			raise ValueError(f"preferences refused: {fault}") from None
	insert(realm, "Preferences", prefs, now, "1")
	from quickbooks_connector.emulator.preferences import apply_to_settings

	apply_to_settings(ctx, prefs)
	if settings.sample_data:
		from quickbooks_connector.emulator.sample import add_sample_data

		add_sample_data(ctx)


def _setup_tax(ctx: WriteContext) -> None:
	realm, now = ctx.realm, ctx.now
	if realm.settings.is_us:
		for code in us_pseudo_tax_codes():
			insert(realm, "TaxCode", {k: v for k, v in code.items() if k != "Id"}, now, code["Id"])
		return
	agency = create(ctx, "TaxAgency", {"DisplayName": TAX_AGENCIES[realm.settings.country]})
	realm.roles["tax_agency"] = agency["Id"]
	for name, description, rates in tax_codes_for(realm.settings.country):
		rate_lists = {}
		for list_field, suffix in (("SalesTaxRateList", ""), ("PurchaseTaxRateList", " (Purchases)")):
			details = []
			for order, (rate_name, percent) in enumerate(rates):
				rate = _existing_rate(realm, rate_name + suffix) or insert(
					realm, "TaxRate", _tax_rate(rate_name + suffix, description, percent, agency["Id"]), now
				)
				details.append(
					{
						"TaxRateRef": {"value": rate["Id"], "name": rate["Name"]},
						"TaxTypeApplicable": "TaxOnAmount",
						"TaxOrder": order,
					}
				)
			rate_lists[list_field] = {"TaxRateDetail": details}
		code = {"Name": name, "Description": description, "Active": True, "Hidden": False, "Taxable": True}
		insert(realm, "TaxCode", {**code, "TaxGroup": len(rates) > 1, **rate_lists}, now)


def _existing_rate(realm: Realm, name: str) -> dict[str, Any] | None:
	owner = realm.indexes.name_owner("TaxRate", name)
	return realm.get("TaxRate", owner[1]) if owner else None


def _tax_rate(name: str, description: str, percent: str, agency_id: str) -> dict[str, Any]:
	return {
		"Name": name,
		"Description": description,
		"Active": True,
		"RateValue": Decimal(percent),
		"AgencyRef": {"value": agency_id},
		"SpecialTaxType": "NONE",
		"DisplayType": "ReadOnly",
	}
