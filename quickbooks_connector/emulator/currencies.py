"""CompanyCurrency upkeep and the ExchangeRate endpoints (qbo-api.md §8; rates in rates.py).

* ``GET /exchangerate?sourcecurrencycode=EUR[&asofdate=YYYY-MM-DD]`` answers the rate in force on that day
  (default today) as ``{"ExchangeRate": {SourceCurrencyCode, TargetCurrencyCode, Rate, AsOfDate, SyncToken,
  MetaData}}``; companies without multicurrency have no rates (6000).
* ``POST /exchangerate`` with ``SourceCurrencyCode``, ``Rate`` > 0 and ``AsOfDate`` (default today) sets the rate
  of that day; when a rate of that day exists, the current ``SyncToken`` is required (5010 when stale).
  ``TargetCurrencyCode`` must be the home currency. Multicurrency must be on and the currency in the company's
  list (an inactive one is 610).
* ``select * from ExchangeRate [where SourceCurrencyCode = 'EUR' | AsOfDate = '...']`` lists stored rates.
* A currency joins the company's list (CompanyCurrency) when it is added explicitly or when a record first uses
  it; it then gets a stored rate as of that day.

Differences: QBO answers rates for any day from its market feed; the emulator answers the stored rate in force
(or the built-in one). ExchangeRate objects have no ``Id``, as in QBO.
"""

from __future__ import annotations

from typing import Any

from quickbooks_connector.emulator import faults
from quickbooks_connector.emulator.clock import iso_datetime
from quickbooks_connector.emulator.rates import (
	builtin_rate,
	currency_name,
	effective_rate,
	is_known,
	rate_key,
)
from quickbooks_connector.emulator.records import WriteContext, checked_date
from quickbooks_connector.emulator.store import Realm
from quickbooks_connector.emulator.totals import ZERO, money


def ensure_currency(realm: Realm, code: str, now: float, day: str) -> None:
	"""Add ``code`` to the company's currency list (with a rate of ``day``) the first time it is used."""
	if code == realm.settings.home_currency or not is_known(code):
		return
	if realm.indexes.name_owner("CompanyCurrency", code) is None:
		from quickbooks_connector.emulator.entities import insert  # entities imports this module

		insert(realm, "CompanyCurrency", {"Code": code, "Name": currency_name(code), "Active": True}, now)
	if not any(rate["SourceCurrencyCode"] == code for rate in realm.all("ExchangeRate")):
		store_rate(realm, code, day, builtin_rate(code, realm.settings.home_currency), now, None)


def store_rate(realm: Realm, code: str, day: str, rate: Any, now: float, existing: dict | None) -> dict:
	moment = iso_datetime(now)
	obj = {
		"_key": rate_key(code, day),
		"SourceCurrencyCode": code,
		"TargetCurrencyCode": realm.settings.home_currency,
		"Rate": rate,
		"AsOfDate": day,
		"domain": "QBO",
		"sparse": False,
		"SyncToken": str(int(existing["SyncToken"]) + 1) if existing else "0",
		"MetaData": {"LastUpdatedTime": moment},
	}
	realm.put("ExchangeRate", obj, now)
	return obj


def read_rate(realm: Realm, params: dict[str, str], today: str) -> dict[str, Any]:
	if not realm.settings.multicurrency:
		raise faults.business(
			"Exchange rates exist only for companies with multicurrency on.", "sourcecurrencycode"
		)
	code = _source(realm, params.get("sourcecurrencycode") or params.get("SourceCurrencyCode"))
	day = checked_date(params.get("asofdate") or params.get("AsOfDate") or today, "asofdate")
	stored = realm.get("ExchangeRate", rate_key(code, day))
	if stored is not None:
		return stored
	return {
		"SourceCurrencyCode": code,
		"TargetCurrencyCode": realm.settings.home_currency,
		"Rate": effective_rate(realm, code, day),
		"AsOfDate": day,
		"domain": "QBO",
		"sparse": False,
		"SyncToken": "0",
		"MetaData": {"LastUpdatedTime": iso_datetime(0)},
	}


def write_rate(ctx: WriteContext, body: dict[str, Any]) -> dict[str, Any]:
	if not ctx.settings.multicurrency:
		raise faults.business("Multicurrency is turned off for this company.", "SourceCurrencyCode")
	code = _source(ctx.realm, body.get("SourceCurrencyCode"))
	target = str(body.get("TargetCurrencyCode") or ctx.settings.home_currency).upper()
	if target != ctx.settings.home_currency:
		raise faults.business(
			f"TargetCurrencyCode must be the home currency {ctx.settings.home_currency}.",
			"TargetCurrencyCode",
		)
	if body.get("Rate") is None:
		raise faults.required("Rate")
	rate = money(body["Rate"], "Rate")
	if rate <= ZERO:
		raise faults.business("Rate must be greater than 0.", "Rate")
	day = checked_date(body.get("AsOfDate") or ctx.today(), "AsOfDate")
	existing = ctx.realm.get("ExchangeRate", rate_key(code, day))
	if existing is not None and str(body.get("SyncToken", existing["SyncToken"])) != existing["SyncToken"]:
		raise faults.stale_object()
	ensure_currency(ctx.realm, code, ctx.now, day)
	return store_rate(ctx.realm, code, day, rate, ctx.now, ctx.realm.get("ExchangeRate", rate_key(code, day)))


def _source(realm: Realm, raw: Any) -> str:
	code = str(raw or "").strip().upper()
	if not code:
		raise faults.required("SourceCurrencyCode")
	if not is_known(code):
		raise faults.invalid_reference("SourceCurrencyCode", "Currency", code)
	if code == realm.settings.home_currency:
		raise faults.business(f"{code} is the home currency.", "SourceCurrencyCode")
	owner = realm.indexes.name_owner("CompanyCurrency", code)
	if owner is not None and realm.objects["CompanyCurrency"][owner[1]].get("Active") is False:
		raise faults.not_found(element="SourceCurrencyCode")
	return code
