"""Rules of the name lists: Customer, Vendor, Employee, Item, Account, Term, Class, Department, PaymentMethod,
TaxAgency and CompanyCurrency (qbo-api.md §3.1-3.6).

Reproduced: DisplayName unique across Customer/Vendor/Employee including inactive ones, Item/Account/Term names
unique within their list (6240 with ``Id=<existing>``); DisplayName built from the name parts when absent;
``:`` forbidden in names (2040, plus ``"`` in account names); documented length limits (2050); write-once
``CurrencyRef`` defaulting to the home currency; sub-customers/sub-items/sub-accounts through ``ParentRef`` with
``FullyQualifiedName`` ``Parent:Child``; Item ``Type`` rules and the accounts each type needs; Account
``Classification`` and default ``AccountSubType`` derived from ``AccountType``; Term ``Type`` from its fields.
Name lists are never deleted, only made inactive (``Active: false``). Class and Department: unique Name ≤ 100,
optional parent (``SubClass``/``SubDepartment``). PaymentMethod: unique Name ≤ 31, ``Type`` CREDIT_CARD |
NON_CREDIT_CARD. TaxAgency: unique DisplayName ≤ 100. CompanyCurrency: a known ISO ``Code`` other than the home
currency, once (6240), only with multicurrency on; afterwards only ``Active`` changes. ``Account.AcctNum`` per
company country: AU, CA and US 20 characters, GB and IN 7, FR 6 to 20 alphanumeric and required (see
``ACCOUNT_NUMBER_LIMITS`` for the US exception to Intuit's page). India's ``GSTIN`` ≤ 15 and ``BusinessNumber`` ≤ 10.

Simplifications: balances (Customer/Vendor ``Balance``, Account ``CurrentBalance``, Item ``QtyOnHand``) are not
maintained from transactions; a Customer's ``Balance`` is only the opening balance given on create.
"""

from __future__ import annotations

from typing import Any

from quickbooks_connector.emulator import faults
from quickbooks_connector.emulator.company import ACCOUNT_TYPES, CURRENCY_ACCOUNT_TYPES, currency_ref
from quickbooks_connector.emulator.rates import currency_name, is_known
from quickbooks_connector.emulator.records import (
	WriteContext,
	boolean,
	check_address_lengths,
	check_lengths,
	check_unique_name,
	checked_date,
	clean_name,
	ref_to,
	write_once_currency,
)
from quickbooks_connector.emulator.totals import ZERO, money

PARTY_LIMITS = {
	"DisplayName": 500,
	"Title": 16,
	"GivenName": 100,
	"MiddleName": 100,
	"FamilyName": 100,
	"Suffix": 16,
	"CompanyName": 100,
	"PrintOnCheckName": 110,
	"Notes": 2000,
	"PrimaryPhone.FreeFormNumber": 30,
	"Mobile.FreeFormNumber": 30,
	"Fax.FreeFormNumber": 30,
	"PrimaryEmailAddr.Address": 100,
	"AlternatePhone.FreeFormNumber": 30,
	"WebAddr.URI": 1000,
	"GSTIN": 15,  # India
	"BusinessNumber": 10,  # India (PAN)
}
VENDOR_LIMITS = {**PARTY_LIMITS, "PrintOnCheckName": 100, "AcctNum": 100, "TaxIdentifier": 20}
NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
ITEM_LIMITS = {"Description": 4000, "PurchaseDesc": 4000, "Sku": 100}
ITEM_TYPES = ("Service", "NonInventory", "Inventory", "Category")
SUBTYPE_TO_TYPE = {subtype: account_type for account_type, (_, subtype) in ACCOUNT_TYPES.items()}
MAX_DEPTH = 5


def prepare_customer(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	content = _party(ctx, "Customer", body, existing, PARTY_LIMITS)
	parent = ctx.resolve("Customer", body.get("ParentRef"), "ParentRef")
	_place_in_hierarchy(content, parent, "DisplayName", existing)
	content["Job"] = parent is not None
	term = ctx.resolve("Term", body.get("SalesTermRef"), "SalesTermRef")
	if term:
		content["SalesTermRef"] = ref_to(term)
	tax_code = ctx.resolve("TaxCode", body.get("DefaultTaxCodeRef"), "DefaultTaxCodeRef")
	if tax_code:
		content["DefaultTaxCodeRef"] = ref_to(tax_code)
	opening = existing["Balance"] if existing else money(body.get("Balance") or ZERO, "Balance")
	content["Balance"] = opening
	content["BalanceWithJobs"] = opening
	content["Taxable"] = boolean(body, "Taxable", False)
	return content


def prepare_vendor(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	content = _party(ctx, "Vendor", body, existing, VENDOR_LIMITS)
	term = ctx.resolve("Term", body.get("TermRef"), "TermRef")
	if term:
		content["TermRef"] = ref_to(term)
	content["Vendor1099"] = boolean(body, "Vendor1099", False)
	content["Balance"] = ZERO
	return content


def prepare_employee(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	return _party(ctx, "Employee", body, existing, PARTY_LIMITS)


def _party(
	ctx: WriteContext, entity: str, body: dict[str, Any], existing: dict | None, limits: dict[str, int]
) -> dict[str, Any]:
	content = dict(body)
	if not str(content.get("DisplayName") or "").strip():
		content["DisplayName"] = " ".join(str(body[part]) for part in NAME_PARTS if body.get(part))
	name = clean_name(content, "DisplayName", limits["DisplayName"])
	check_lengths(content, limits)
	check_address_lengths(content)
	check_unique_name(ctx, entity, "DisplayName", name, existing)
	content["DisplayName"] = name
	content["PrintOnCheckName"] = body.get("PrintOnCheckName") or name
	content["FullyQualifiedName"] = name
	content["Active"] = boolean(body, "Active", True)
	content["CurrencyRef"] = currency_ref(write_once_currency(ctx, body, existing))
	return content


def prepare_item(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	content = dict(body)
	name = clean_name(body, "Name", 100)
	check_lengths(body, ITEM_LIMITS)
	check_unique_name(ctx, "Item", "Name", name, existing)
	item_type = body.get("Type")
	if not item_type:
		raise faults.required("Type")
	if item_type not in ITEM_TYPES:
		raise faults.invalid_enum("Type", item_type)
	content.update(Name=name, Type=item_type, Active=boolean(body, "Active", True))
	content.update(_item_accounts(ctx, body, item_type))
	content.update(_item_tax_codes(ctx, body))
	parent = ctx.resolve("Item", body.get("ParentRef"), "ParentRef")
	_place_in_hierarchy(content, parent, "Name", existing)
	content["SubItem"] = parent is not None
	if item_type != "Category":
		content["UnitPrice"] = money(body.get("UnitPrice") or ZERO, "UnitPrice")
		content["PurchaseCost"] = money(body.get("PurchaseCost") or ZERO, "PurchaseCost")
		content["Taxable"] = boolean(body, "Taxable", False)
	content["TrackQtyOnHand"] = item_type == "Inventory"
	if item_type == "Inventory":
		content["QtyOnHand"] = money(body.get("QtyOnHand") or ZERO, "QtyOnHand")
		content["InvStartDate"] = checked_date(_required(body, "InvStartDate"), "InvStartDate")
	return content


def _item_accounts(ctx: WriteContext, body: dict[str, Any], item_type: str) -> dict[str, Any]:
	required = {
		"Service": ("IncomeAccountRef",),
		"Inventory": ("IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef"),
		"NonInventory": (),
		"Category": (),
	}[item_type]
	accounts = {}
	for field in ("IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef"):
		account = ctx.resolve("Account", body.get(field), field, required=field in required)
		if account is not None:
			accounts[field] = ref_to(account)
	if item_type == "NonInventory" and not accounts:
		raise faults.required("IncomeAccountRef")
	return accounts


def _item_tax_codes(ctx: WriteContext, body: dict[str, Any]) -> dict[str, Any]:
	codes = {}
	for field in ("SalesTaxCodeRef", "PurchaseTaxCodeRef"):
		code = ctx.resolve("TaxCode", body.get(field), field)
		if code is not None:
			codes[field] = ref_to(code)
	return codes


def prepare_account(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	content = dict(body)
	name = clean_name(body, "Name", 100, forbidden=':"')
	check_unique_name(ctx, "Account", "Name", name, existing)
	account_type, subtype = _account_type(body)
	_check_account_number(ctx, body.get("AcctNum"))
	currency = write_once_currency(ctx, body, existing)
	if currency != ctx.settings.home_currency and account_type not in CURRENCY_ACCOUNT_TYPES:
		raise faults.business(
			f"Only bank, credit card, A/R and A/P accounts can use {currency}.", "CurrencyRef"
		)
	content.update(
		Name=name,
		AccountType=account_type,
		AccountSubType=subtype,
		Classification=ACCOUNT_TYPES[account_type][0],
		Active=boolean(body, "Active", True),
		CurrencyRef=currency_ref(currency),
		CurrentBalance=ZERO,
		CurrentBalanceWithSubAccounts=ZERO,
	)
	parent = ctx.resolve("Account", body.get("ParentRef"), "ParentRef")
	_place_in_hierarchy(content, parent, "Name", existing)
	content["SubAccount"] = parent is not None
	return content


# Account.AcctNum per company country. Intuit's reference: AU and CA 20 characters; US, UK and IN 7; France 6
# to 20 alphanumeric characters, and required. US: 20 — a widely used client's sandbox tests (US company,
# updated 2025) create 11-character numbers and name a 20-character limit, so the service no longer applies the
# documented 7 there; GB and IN keep the documented 7 [U: not seen against a live company].
ACCOUNT_NUMBER_LIMITS = {"US": 20, "GB": 7, "IN": 7, "AU": 20, "CA": 20, "FR": 20}


def _check_account_number(ctx: WriteContext, account_number: Any) -> None:
	country = ctx.settings.country
	if account_number in (None, ""):
		if country == "FR":
			raise faults.required("AcctNum")
		return
	text = str(account_number)
	if ":" in text:
		raise faults.invalid_string("AcctNum", ":")
	maximum = ACCOUNT_NUMBER_LIMITS.get(country, 20)
	if len(text) > maximum:
		raise faults.bad_length("AcctNum", maximum, len(text))
	if country == "FR" and (len(text) < 6 or not text.isalnum()):
		raise (
			faults.bad_length("AcctNum", maximum, len(text))
			if len(text) < 6
			else faults.invalid_string("AcctNum", next(c for c in text if not c.isalnum()))
		)


def _account_type(body: dict[str, Any]) -> tuple[str, str]:
	account_type = body.get("AccountType")
	subtype = body.get("AccountSubType")
	if not account_type:
		if not subtype:
			raise faults.required("AccountType")
		if subtype not in SUBTYPE_TO_TYPE:
			raise faults.invalid_enum("AccountSubType", subtype)
		account_type = SUBTYPE_TO_TYPE[subtype]
	if account_type not in ACCOUNT_TYPES:
		raise faults.invalid_enum("AccountType", account_type)
	return account_type, subtype or ACCOUNT_TYPES[account_type][1]


def prepare_term(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	content = dict(body)
	name = clean_name(body, "Name", 31)
	check_unique_name(ctx, "Term", "Name", name, existing)
	content.update(Name=name, Active=boolean(body, "Active", True))
	if body.get("DayOfMonthDue") is not None:
		content["Type"] = "DATE_DRIVEN"
		content["DayOfMonthDue"] = _whole_number(body, "DayOfMonthDue", 1, 31)
		content["DueNextMonthDays"] = _whole_number(body, "DueNextMonthDays", 0, 31)
		return content
	content["Type"] = "STANDARD"
	content["DueDays"] = _whole_number(body, "DueDays", 0, 9999)
	content["DiscountDays"] = _whole_number(body, "DiscountDays", 0, 9999)
	content["DiscountPercent"] = money(body.get("DiscountPercent") or ZERO, "DiscountPercent")
	return content


def _whole_number(body: dict[str, Any], field: str, low: int, high: int) -> int:
	value = money(body.get(field) or 0, field)
	if value != value.to_integral_value() or not low <= value <= high:
		raise faults.invalid_property(f"{field} must be a whole number from {low} to {high}", field)
	return int(value)


def _required(body: dict[str, Any], field: str) -> Any:
	value = body.get(field)
	if value in (None, ""):
		raise faults.required(field)
	return value


def _place_in_hierarchy(
	content: dict[str, Any], parent: dict | None, name_field: str, existing: dict | None
) -> None:
	"""FullyQualifiedName ``Parent:Child`` and Level; an object can't be its own ancestor."""
	if parent is None:
		content.pop("ParentRef", None)
		content["FullyQualifiedName"] = content[name_field]
		content["Level"] = 0
		return
	if existing is not None and (
		parent["Id"] == existing["Id"]
		or parent["FullyQualifiedName"].startswith(existing["FullyQualifiedName"] + ":")
	):
		raise faults.business("An object can't be its own parent.", "ParentRef")
	level = parent.get("Level", 0) + 1
	if level >= MAX_DEPTH:
		raise faults.business(f"Sub-levels are limited to {MAX_DEPTH - 1}.", "ParentRef")
	content["ParentRef"] = {"value": parent["Id"]}
	content["FullyQualifiedName"] = f"{parent['FullyQualifiedName']}:{content[name_field]}"
	content["Level"] = level


# Class, Department, PaymentMethod, TaxAgency, CompanyCurrency

CLASS_LIMITS = {"Name": 100}


def prepare_class(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	return _tracking_list(ctx, "Class", "SubClass", body, existing)


def prepare_department(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	return _tracking_list(ctx, "Department", "SubDepartment", body, existing)


def _tracking_list(
	ctx: WriteContext, entity: str, sub_flag: str, body: dict[str, Any], existing: dict | None
) -> dict[str, Any]:
	"""Class and Department: a unique Name (≤100, no ``:``), optional parent, ``Active``."""
	content = dict(body)
	name = clean_name(body, "Name", 100)
	check_unique_name(ctx, entity, "Name", name, existing)
	content.update(Name=name, Active=boolean(body, "Active", True))
	parent = ctx.resolve(entity, body.get("ParentRef"), "ParentRef")
	_place_in_hierarchy(content, parent, "Name", existing)
	content[sub_flag] = parent is not None
	content.pop("Level", None)
	return content


PAYMENT_METHOD_TYPES = ("CREDIT_CARD", "NON_CREDIT_CARD")


def prepare_payment_method(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	content = dict(body)
	name = clean_name(body, "Name", 31)
	check_unique_name(ctx, "PaymentMethod", "Name", name, existing)
	method_type = body.get("Type") or "NON_CREDIT_CARD"
	if method_type not in PAYMENT_METHOD_TYPES:
		raise faults.invalid_enum("Type", method_type)
	content.update(Name=name, Type=method_type, Active=boolean(body, "Active", True))
	return content


def prepare_tax_agency(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	content = dict(body)
	name = clean_name(body, "DisplayName", 100)
	check_lengths(body, {"TaxRegistrationNumber": 30})
	check_unique_name(ctx, "TaxAgency", "DisplayName", name, existing)
	content.update(
		DisplayName=name,
		TaxTrackedOnSales=boolean(body, "TaxTrackedOnSales", True),
		TaxTrackedOnPurchases=boolean(body, "TaxTrackedOnPurchases", not ctx.settings.is_us),
	)
	return content


def prepare_company_currency(
	ctx: WriteContext, body: dict[str, Any], existing: dict | None
) -> dict[str, Any]:
	"""A currency added to the company: needs multicurrency, a known ISO code other than the home currency,
	once only (6240); afterwards only ``Active`` can change."""
	if not ctx.settings.multicurrency:
		raise faults.business(
			"Multicurrency is turned off for this company (Preferences.CurrencyPrefs.MultiCurrencyEnabled).",
			"Code",
		)
	code = str(body.get("Code") or "").strip().upper()
	if not code:
		raise faults.required("Code")
	if existing is not None and code != existing["Code"]:
		raise faults.business("A currency's Code can't be changed; make it inactive instead.", "Code")
	if not is_known(code):
		raise faults.invalid_enum("Code", code)
	if code == ctx.settings.home_currency:
		raise faults.business(f"{code} is the home currency of this company.", "Code")
	check_unique_name(ctx, "CompanyCurrency", "Code", code, existing)
	return {
		**body,
		"Code": code,
		"Name": currency_name(code),
		"Active": boolean(body, "Active", True),
	}
