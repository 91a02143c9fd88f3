"""Currencies and exchange rates (qbo-api.md §8): the ISO codes the emulator knows and the rate it uses for a
transaction that sends no ``ExchangeRate``.

QBO keeps a rate per foreign currency and day (``ExchangeRate`` entity: ``SourceCurrencyCode``,
``TargetCurrencyCode`` = home currency, ``Rate`` = home units per foreign unit, ``AsOfDate``) fed from its own
market-rate service and editable by the user; a transaction without ``ExchangeRate`` is booked at the rate of
its ``TxnDate``. The emulator has no market feed: each currency starts with a fixed rate from ``USD_VALUE``
below (approximate, for realism only) stored as of the company start date (or the day the currency was added);
rates written through the API win. The rate of a day is the stored rate with the latest ``AsOfDate`` on or
before it, else the earliest stored one, else the built-in rate.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
	from quickbooks_connector.emulator.store import Realm

# ISO 4217 code -> (QBO's name, approximate value in USD)
CURRENCIES: dict[str, tuple[str, str]] = {
	"USD": ("United States Dollar", "1"),
	"EUR": ("Euro", "1.08"),
	"GBP": ("British Pound Sterling", "1.27"),
	"CAD": ("Canadian Dollar", "0.74"),
	"AUD": ("Australian Dollar", "0.66"),
	"NZD": ("New Zealand Dollar", "0.61"),
	"INR": ("Indian Rupee", "0.012"),
	"JPY": ("Japanese Yen", "0.0067"),
	"CHF": ("Swiss Franc", "1.12"),
	"CNY": ("Chinese Yuan Renminbi", "0.14"),
	"HKD": ("Hong Kong Dollar", "0.128"),
	"SGD": ("Singapore Dollar", "0.74"),
	"SEK": ("Swedish Krona", "0.095"),
	"NOK": ("Norwegian Krone", "0.094"),
	"DKK": ("Danish Krone", "0.145"),
	"PLN": ("Polish Zloty", "0.25"),
	"MXN": ("Mexican Peso", "0.055"),
	"BRL": ("Brazilian Real", "0.19"),
	"ZAR": ("South African Rand", "0.054"),
	"AED": ("United Arab Emirates Dirham", "0.2723"),
	"PHP": ("Philippine Peso", "0.0175"),
	"MYR": ("Malaysian Ringgit", "0.21"),
}
RATE_PLACES = Decimal("0.0000001")


def currency_name(code: str) -> str:
	return CURRENCIES.get(code, (code, ""))[0]


def is_known(code: str) -> bool:
	return code in CURRENCIES


def builtin_rate(source: str, target: str) -> Decimal:
	"""Home units per one ``source`` unit from the built-in table."""
	if source == target:
		return Decimal(1)
	return (Decimal(CURRENCIES[source][1]) / Decimal(CURRENCIES[target][1])).quantize(RATE_PLACES)


def rate_key(code: str, day: str) -> str:
	return f"{code}@{day}"


def stored_rates(realm: Realm, code: str) -> list[dict[str, Any]]:
	return sorted(
		(rate for rate in realm.all("ExchangeRate") if rate["SourceCurrencyCode"] == code),
		key=lambda rate: rate["AsOfDate"],
	)


def effective_rate(realm: Realm, code: str, day: str) -> Decimal:
	"""The rate QBO would use for ``code`` on ``day`` (see the module docstring)."""
	rates = stored_rates(realm, code)
	on_or_before = [rate for rate in rates if rate["AsOfDate"] <= day]
	if on_or_before:
		return on_or_before[-1]["Rate"]
	if rates:
		return rates[0]["Rate"]
	return builtin_rate(code, realm.settings.home_currency)
