"""Updating Preferences (``POST /preferences``) and CompanyInfo (``POST /companyinfo``), qbo-api.md §9.

Preferences: the body carries the current ``SyncToken`` (5010 when stale, 2020 when missing) and any of the
sections QBO returns (AccountingInfoPrefs, ProductAndServicesPrefs, SalesFormsPrefs, EmailMessagesPrefs,
VendorAndPurchasesPrefs, TimeTrackingPrefs, TaxPrefs, CurrencyPrefs, ReportPrefs, OtherPrefs); an unknown
section is 2010. Sent fields replace stored ones section by section, ``OtherPrefs.NameValue`` pairs by
``Name``. Read-only fields are ignored as QBO ignores them: ``CurrencyPrefs.HomeCurrency``,
``AccountingInfoPrefs.FirstMonthOfFiscalYear``/``TaxYearMonth``, ``TaxPrefs.PartnerTaxEnabled``,
``ReportPrefs.CalcAgingReportFromTxnDate``.

What the emulator's behaviour follows:

* ``SalesFormsPrefs.CustomTxnNumbers`` — off: sales forms are numbered by QBO and a sent DocNumber is ignored.
* ``SalesFormsPrefs.AllowDiscount`` — off: discount lines are refused (6000); ``DefaultDiscountAccount`` (an
  account Id) and ``DefaultTerms`` (a Term) must exist and be active.
* ``CurrencyPrefs.MultiCurrencyEnabled`` — can be switched on at any time and never off again (6000), as in
  QBO; foreign currencies need it.
* ``TaxPrefs.UsingSalesTax`` — off: non-US lines need no tax code and no tax is recorded (US: ``TotalTax``
  is not recorded); ``TaxGroupCodeRef`` must name a tax code.
* ``AccountingInfoPrefs.BookCloseDate`` — transactions dated on or before it can't be created, changed, voided
  or deleted (6210).
* ``OtherPrefs.NameValue`` ``WarnDuplicateBillNumber`` / ``WarnDuplicateJournalNumber`` — duplicate DocNumbers
  of bills and vendor credits (per vendor) / journal entries are refused with 6140 while ``"true"``.

Difference: QBO documents a full update (writable fields left out are reset); the emulator treats full and
sparse updates alike, since resetting a whole company's settings to defaults is never what a client means.
"""

from __future__ import annotations

import copy
from typing import Any

from quickbooks_connector.emulator import faults
from quickbooks_connector.emulator.records import (
	WriteContext,
	check_address_lengths,
	check_lengths,
	checked_date,
	stamp_update,
)

SECTIONS = (
	"AccountingInfoPrefs",
	"ProductAndServicesPrefs",
	"SalesFormsPrefs",
	"EmailMessagesPrefs",
	"VendorAndPurchasesPrefs",
	"TimeTrackingPrefs",
	"TaxPrefs",
	"CurrencyPrefs",
	"ReportPrefs",
	"OtherPrefs",
)
READ_ONLY = {
	"CurrencyPrefs": {"HomeCurrency"},
	"AccountingInfoPrefs": {"FirstMonthOfFiscalYear", "TaxYearMonth"},
	"TaxPrefs": {"PartnerTaxEnabled"},
	"ReportPrefs": {"CalcAgingReportFromTxnDate"},
}
IGNORED_KEYS = {"Id", "SyncToken", "MetaData", "domain", "sparse", "time"}


def update(ctx: WriteContext, body: dict[str, Any]) -> dict[str, Any]:
	existing = ctx.realm.objects["Preferences"]["1"]
	if body.get("SyncToken") in (None, ""):
		raise faults.required("SyncToken")
	if str(body["SyncToken"]) != existing["SyncToken"]:
		raise faults.stale_object()
	merged = merged_preferences(ctx, existing, body)
	obj = stamp_update(merged, existing, ctx.now)
	ctx.realm.put("Preferences", obj, ctx.now)
	apply_to_settings(ctx, obj)
	return obj


def merged_preferences(
	ctx: WriteContext, existing: dict[str, Any], body: dict[str, Any], creating: bool = False
) -> dict[str, Any]:
	"""``existing`` with the sections of ``body`` merged in, after checking every rule above (``creating``: the
	settings of a company being created, where multicurrency may still be chosen off)."""
	merged = copy.deepcopy({key: value for key, value in existing.items() if key not in IGNORED_KEYS})
	for section, values in body.items():
		if section in IGNORED_KEYS:
			continue
		if section not in SECTIONS:
			raise faults.invalid_property(f"Preferences has no section {section}", section)
		if not isinstance(values, dict):
			raise faults.invalid_property(f"{section} must be an object", section)
		target = merged.setdefault(section, {})
		for key, value in values.items():
			if key in READ_ONLY.get(section, ()):
				continue
			if section == "OtherPrefs" and key == "NameValue":
				target["NameValue"] = _merged_pairs(target.get("NameValue") or [], value)
			elif isinstance(value, dict) and isinstance(target.get(key), dict) and "value" not in value:
				target[key] = {**target[key], **value}
			else:
				target[key] = value
	_check(ctx, existing, merged, creating)
	return merged


def _merged_pairs(current: list[dict[str, Any]], sent: Any) -> list[dict[str, Any]]:
	if not isinstance(sent, list):
		raise faults.invalid_property("OtherPrefs.NameValue must be a list", "OtherPrefs.NameValue")
	pairs = [dict(pair) for pair in current]
	for pair in sent:
		if not isinstance(pair, dict) or not pair.get("Name"):
			raise faults.required("OtherPrefs.NameValue.Name")
		for known in pairs:
			if known["Name"] == pair["Name"]:
				known["Value"] = pair.get("Value", "")
				break
		else:
			pairs.append({"Name": pair["Name"], "Value": pair.get("Value", "")})
	return pairs


def _check(ctx: WriteContext, existing: dict[str, Any], merged: dict[str, Any], creating: bool) -> None:
	was_on = existing.get("CurrencyPrefs", {}).get("MultiCurrencyEnabled") is True and not creating
	now_on = merged["CurrencyPrefs"].get("MultiCurrencyEnabled")
	if not isinstance(now_on, bool):
		raise faults.invalid_property(
			"MultiCurrencyEnabled must be true or false", "CurrencyPrefs.MultiCurrencyEnabled"
		)
	if was_on and not now_on:
		raise faults.business(
			"Multicurrency can't be turned off once it is turned on.", "CurrencyPrefs.MultiCurrencyEnabled"
		)
	sales = merged["SalesFormsPrefs"]
	for field in ("CustomTxnNumbers", "AllowDiscount", "AllowDeposit", "AllowShipping", "AllowEstimates"):
		if field in sales and not isinstance(sales[field], bool):
			raise faults.invalid_property(f"{field} must be true or false", f"SalesFormsPrefs.{field}")
	if sales.get("DefaultTerms"):
		ctx.require("Term", sales["DefaultTerms"], "SalesFormsPrefs.DefaultTerms")
	vendor_terms = merged.get("VendorAndPurchasesPrefs", {}).get("DefaultTerms")
	if vendor_terms:
		ctx.require("Term", vendor_terms, "VendorAndPurchasesPrefs.DefaultTerms")
	if sales.get("DefaultDiscountAccount"):
		ctx.require(
			"Account", {"value": sales["DefaultDiscountAccount"]}, "SalesFormsPrefs.DefaultDiscountAccount"
		)
	tax = merged["TaxPrefs"]
	if not isinstance(tax.get("UsingSalesTax", True), bool):
		raise faults.invalid_property("UsingSalesTax must be true or false", "TaxPrefs.UsingSalesTax")
	if tax.get("TaxGroupCodeRef"):
		ctx.require("TaxCode", tax["TaxGroupCodeRef"], "TaxPrefs.TaxGroupCodeRef")
	close = merged["AccountingInfoPrefs"].get("BookCloseDate")
	if close:
		merged["AccountingInfoPrefs"]["BookCloseDate"] = checked_date(
			close, "AccountingInfoPrefs.BookCloseDate"
		)
	basis = merged.get("ReportPrefs", {}).get("ReportBasis", "Accrual")
	if basis not in ("Accrual", "Cash"):
		raise faults.invalid_enum("ReportPrefs.ReportBasis", basis)


def apply_to_settings(ctx: WriteContext, preferences: dict[str, Any]) -> None:
	"""The company switches the rules read (see CompanySettings) follow the stored preferences."""
	settings = ctx.realm.settings
	settings.multicurrency = preferences["CurrencyPrefs"]["MultiCurrencyEnabled"]
	settings.custom_txn_numbers = preferences["SalesFormsPrefs"].get("CustomTxnNumbers", True)
	settings.allow_discount = preferences["SalesFormsPrefs"].get("AllowDiscount", True)


# CompanyInfo

COMPANY_INFO_WRITABLE = {
	"CompanyName",
	"LegalName",
	"CompanyAddr",
	"LegalAddr",
	"CustomerCommunicationAddr",
	"CustomerCommunicationEmailAddr",
	"Email",
	"PrimaryPhone",
	"WebAddr",
	"FiscalYearStartMonth",
	"CompanyStartDate",
	"SupportedLanguages",
}


def update_company_info(ctx: WriteContext, body: dict[str, Any]) -> dict[str, Any]:
	"""``POST /companyinfo``: name, addresses and contact details change; Country and NameValue are read-only."""
	existing = ctx.realm.objects["CompanyInfo"]["1"]
	if str(body.get("Id", "1")) != "1":
		raise faults.not_found()
	if body.get("SyncToken") in (None, ""):
		raise faults.required("SyncToken")
	if str(body["SyncToken"]) != existing["SyncToken"]:
		raise faults.stale_object()
	check_lengths(body, {"CompanyName": 1024, "LegalName": 1024})
	check_address_lengths({"BillAddr": body.get("CompanyAddr"), "ShipAddr": body.get("LegalAddr")})
	changes = {key: value for key, value in body.items() if key in COMPANY_INFO_WRITABLE}
	if "CompanyName" in changes and not str(changes["CompanyName"] or "").strip():
		raise faults.required("CompanyName")
	if changes.get("CompanyStartDate"):
		changes["CompanyStartDate"] = checked_date(changes["CompanyStartDate"], "CompanyStartDate")
	content = {key: value for key, value in existing.items() if key not in IGNORED_KEYS}
	obj = stamp_update({**content, **changes}, existing, ctx.now)
	ctx.realm.put("CompanyInfo", obj, ctx.now)
	if "CompanyName" in changes:
		ctx.realm.settings.company_name = obj["CompanyName"]
	return obj
