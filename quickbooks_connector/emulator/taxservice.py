"""``POST /taxservice/taxcode``: create a tax code and its rates in one call (qbo-api.md §3.5).

Body ``{"TaxCode": "<name>", "TaxRateDetails": [...]}``; each detail either names an existing rate
(``TaxRateId``) or creates one (``TaxRateName``, ``RateValue``, ``TaxAgencyId`` of an existing TaxAgency,
``TaxApplicableOn`` Sales|Purchase, default Sales). Names are unique among tax codes and among tax rates (6240).
The answer is the TaxService object itself, not wrapped in an entity key, as Intuit documents it:
``{"TaxCode", "TaxCodeId", "TaxRateDetails": [{..., "TaxRateId"}]}``. The new code carries the rates in its
``SalesTaxRateList``/``PurchaseTaxRateList`` and is used by the tax computation like the company's own codes.

US companies: QBO reserves this for companies without automated sales tax; the emulator (which has no
automated sales tax) accepts it, and the new code can be a ``TxnTaxDetail.TxnTaxCodeRef`` while US lines keep
``TAX``/``NON``.
"""

from __future__ import annotations

from typing import Any

from quickbooks_connector.emulator import faults
from quickbooks_connector.emulator.records import WriteContext, check_unique_name, clean_name
from quickbooks_connector.emulator.totals import ZERO, money


def create_tax_code(ctx: WriteContext, body: dict[str, Any], insert) -> dict[str, Any]:
	name = clean_name(body, "TaxCode", 100)
	check_unique_name(ctx, "TaxCode", "TaxCode", name, None)
	details = body.get("TaxRateDetails")
	if not isinstance(details, list) or not details:
		raise faults.required("TaxRateDetails")
	planned, new_names = [], set()
	for detail in details:
		planned.append(_plan_rate(ctx, detail or {}, new_names))
	rate_lists: dict[str, list[dict[str, Any]]] = {"Sales": [], "Purchase": []}
	answered = []
	for detail, rate, applicable in planned:
		if rate is None:
			rate = insert(ctx.realm, "TaxRate", detail, ctx.now)
		rate_lists[applicable].append(
			{
				"TaxRateRef": {"value": rate["Id"], "name": rate["Name"]},
				"TaxTypeApplicable": "TaxOnAmount",
				"TaxOrder": len(rate_lists[applicable]),
			}
		)
		answered.append(
			{
				"TaxRateName": rate["Name"],
				"TaxRateId": rate["Id"],
				"RateValue": rate["RateValue"],
				"TaxAgencyId": rate["AgencyRef"]["value"],
				"TaxApplicableOn": applicable,
			}
		)
	code = {
		"Name": name,
		"Description": name,
		"Active": True,
		"Hidden": False,
		"Taxable": True,
		"TaxGroup": len(planned) > 1,
	}
	for applicable, field in (("Sales", "SalesTaxRateList"), ("Purchase", "PurchaseTaxRateList")):
		if rate_lists[applicable]:
			code[field] = {"TaxRateDetail": rate_lists[applicable]}
	stored = insert(ctx.realm, "TaxCode", code, ctx.now)
	return {"TaxCode": name, "TaxCodeId": stored["Id"], "TaxRateDetails": answered}


def _plan_rate(
	ctx: WriteContext, detail: dict[str, Any], new_names: set[str]
) -> tuple[dict[str, Any], dict[str, Any] | None, str]:
	applicable = detail.get("TaxApplicableOn") or "Sales"
	if applicable not in ("Sales", "Purchase"):
		raise faults.invalid_enum("TaxRateDetails.TaxApplicableOn", applicable)
	if detail.get("TaxRateId") not in (None, ""):
		rate = ctx.require("TaxRate", {"value": detail["TaxRateId"]}, "TaxRateDetails.TaxRateId")
		return {}, rate, applicable
	rate_name = clean_name(detail, "TaxRateName", 100)
	check_unique_name(ctx, "TaxRate", "TaxRateDetails.TaxRateName", rate_name, None)
	if rate_name.casefold() in new_names:
		raise faults.duplicate_name("0", "TaxRateDetails.TaxRateName")
	new_names.add(rate_name.casefold())
	if detail.get("RateValue") is None:
		raise faults.required("TaxRateDetails.RateValue")
	value = money(detail["RateValue"], "TaxRateDetails.RateValue")
	if value < ZERO or value > 100:
		raise faults.invalid_property(
			"RateValue must be a percentage from 0 to 100", "TaxRateDetails.RateValue"
		)
	if detail.get("TaxAgencyId") in (None, ""):
		raise faults.required("TaxRateDetails.TaxAgencyId")
	agency = ctx.require("TaxAgency", {"value": detail["TaxAgencyId"]}, "TaxRateDetails.TaxAgencyId")
	rate = {
		"Name": rate_name,
		"Description": rate_name,
		"Active": True,
		"RateValue": value,
		"AgencyRef": {"value": agency["Id"]},
		"SpecialTaxType": "NONE",
		"DisplayType": "ReadOnly",
	}
	return rate, None, applicable
