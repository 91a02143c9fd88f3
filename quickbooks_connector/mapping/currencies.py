"""Currency codes QuickBooks can hold.

QuickBooks Online names every currency by its ISO 4217 code (`CurrencyRef.value`) and offers a fixed list of them
in its currency settings. That list is not published as data and cannot be read offline, so the connector checks
against ISO 4217's active, circulating currency codes (the list as of 2025, with the codes of currencies still in
their changeover period). Fund codes, precious metals, special drawing rights and the testing / no-currency codes
(BOV, CHE, XAU, XDR, XTS, XXX...) are left out: they are not money a QuickBooks company keeps books in. A code
QuickBooks still refuses after this check comes back as QuickBooks' own error on the sync record.

ERPNext lets anyone create a Currency with any name, so a document in "XYZ" is possible there; QuickBooks cannot
hold it, and pushing it would at best fail late and at worst book it in the wrong currency.
"""

from __future__ import annotations

from quickbooks_connector.mapping.errors import Problem, _

ISO_4217 = frozenset(
	"""
	AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF
	CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD
	HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL
	LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR
	PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND
	TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
	""".split()
)


def is_supported(code: str | None) -> bool:
	"""True when QuickBooks can hold a document or party in this currency (see the module docstring)."""
	return (code or "").strip().upper() in ISO_4217


def unsupported(code: str | None, whose: str) -> Problem:
	"""The problem of a currency QuickBooks cannot hold; `whose` says what carries it ("Sales Invoice X")."""
	return Problem.of(
		"currency_not_iso_4217",
		_(
			"{whose} is in currency '{currency}', which is not an ISO 4217 currency code; QuickBooks only keeps "
			"books in real currencies (USD, EUR, GBP, ...)."
		),
		_(
			"Use the ISO 4217 code of the currency in ERPNext (correct the party's Billing Currency, and cancel "
			"and amend the document in the right currency), then press Retry on the QuickBooks sync record."
		),
		whose=whose,
		currency=(code or "").strip() or "(none)",
	)
