"""Building blocks shared by the entity rules: the write context, system fields and field checks.

QBO behaviour reproduced here: every object carries ``Id`` (digit string), ``SyncToken`` (string counter from
"0"), ``MetaData.CreateTime/LastUpdatedTime`` (Pacific ISO), ``domain: "QBO"`` and ``sparse: false``; every
reference ``{"value": id}`` (``REF_ENTITIES``, anywhere in the body, lines included) must name an existing
object (2500), one that is not inactive and not deleted (610); text fields have length limits (2050; physical
addresses: Line1-5 500, City 255, Country 255, CountrySubDivisionCode 255, PostalCode 30) and names may not
contain ``:`` (2040); missing required fields are fault 2020 with the field as ``element``. The write context
also answers company preferences (``pref``) for the rules that follow them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from quickbooks_connector.emulator import faults
from quickbooks_connector.emulator.clock import iso_datetime, pacific_date, parse_date
from quickbooks_connector.emulator.rates import effective_rate, is_known
from quickbooks_connector.emulator.store import Realm
from quickbooks_connector.emulator.totals import ZERO, optional_money

SYSTEM_FIELDS = frozenset({"Id", "SyncToken", "MetaData", "domain", "sparse", "status", "time"})
# Output-only fields QBO ignores on every write (each preparer also recomputes its own totals and balances).
READ_ONLY_FIELDS = frozenset({"InvoiceLink", "DeliveryInfo", "FullyQualifiedName", "Level", "HomeBalance"})
# Reference fields and the entity they name. ``ParentRef`` names the entity being written; ``EntityRef`` and
# ``Entity`` name the entity in their ``type`` (or a sibling ``Type``). ``CurrencyRef`` is an ISO code, checked
# by ``currency_code``. Other ``*Ref`` fields (PriceLevelRef, PayrollItemRef, ShipMethodRef, CustomerTypeRef,
# TaxExemptionRef, RecurDataRef...) name lists the emulator does not keep and are stored as sent.
REF_ENTITIES: dict[str, str] = {
	"CustomerRef": "Customer",
	"ProjectRef": "Customer",
	"VendorRef": "Vendor",
	"EmployeeRef": "Employee",
	"SalesRepRef": "Employee",
	"ItemRef": "Item",
	"ClassRef": "Class",
	"DepartmentRef": "Department",
	"PaymentMethodRef": "PaymentMethod",
	"SalesTermRef": "Term",
	"TermRef": "Term",
	"TaxCodeRef": "TaxCode",
	"TxnTaxCodeRef": "TaxCode",
	"DefaultTaxCodeRef": "TaxCode",
	"SalesTaxCodeRef": "TaxCode",
	"PurchaseTaxCodeRef": "TaxCode",
	"TaxGroupCodeRef": "TaxCode",
	"TaxRateRef": "TaxRate",
	"AgencyRef": "TaxAgency",
}
ACCOUNT_REFS = {
	"AccountRef",
	"ARAccountRef",
	"APAccountRef",
	"IncomeAccountRef",
	"ExpenseAccountRef",
	"AssetAccountRef",
	"ItemAccountRef",
	"DepositToAccountRef",
	"DiscountAccountRef",
	"BankAccountRef",
	"CCAccountRef",
	"CreditCardAccountRef",
	"FromAccountRef",
	"ToAccountRef",
}
REF_ENTITIES.update(dict.fromkeys(ACCOUNT_REFS, "Account"))
TYPED_REF_ENTITIES = {
	name.lower(): name
	for name in ("Customer", "Vendor", "Employee", "Account", "Item", "Class", "Department")
}


@dataclass(frozen=True)
class WriteOptions:
	allow_duplicate_doc_number: bool = False


class WriteContext:
	"""One write against one realm at one instant (the caller holds ``realm.lock``)."""

	def __init__(self, realm: Realm, now: float, options: WriteOptions | None = None) -> None:
		self.realm = realm
		self.now = now
		self.options = options or WriteOptions()
		self.settings = realm.settings

	def today(self) -> str:
		return pacific_date(self.now)

	def pref(self, section: str, key: str, default: Any = None) -> Any:
		"""A company preference (Preferences.<section>.<key>); ``default`` while the company is being set up."""
		preferences = self.realm.get("Preferences", "1")
		if preferences is None:
			return default
		return (preferences.get(section) or {}).get(key, default)

	def name_value_pref(self, name: str) -> bool:
		"""A boolean of Preferences.OtherPrefs.NameValue (WarnDuplicateBillNumber, ...)."""
		for pair in self.pref("OtherPrefs", "NameValue", None) or ():
			if pair.get("Name") == name:
				return str(pair.get("Value")).lower() == "true"
		return False

	def role(self, role: str) -> dict[str, Any]:
		"""A default object of the company by role ("receivable", "undeposited", "default_terms", ...)."""
		entity = "Term" if role == "default_terms" else "Account"
		return self.realm.objects[entity][self.realm.roles[role]]

	def resolve(self, entity: str, ref: Any, element: str, required: bool = False) -> dict[str, Any] | None:
		"""The object a ``{"value": id}`` reference points to; faults 2020, 2500 or 610."""
		value = ref.get("value") if isinstance(ref, dict) else None
		if value in (None, ""):
			if required:
				raise faults.required(element)
			return None
		object_id = str(value)
		obj = self.realm.get(entity, object_id)
		if obj is None:
			if self.realm.is_deleted(entity, object_id):
				raise faults.not_found(element=element)
			raise faults.invalid_reference(element, entity, object_id)
		if obj.get("Active") is False:
			raise faults.not_found(element=element)
		return obj

	def require(self, entity: str, ref: Any, element: str) -> dict[str, Any]:
		obj = self.resolve(entity, ref, element, required=True)
		assert obj is not None
		return obj


def check_refs(ctx: WriteContext, body: Any, own_entity: str, path: str = "") -> None:
	"""Every reference in ``body`` names an existing, active record: 2500 unknown, 610 deleted or inactive.

	Walks nested objects and lists (``Line[].SalesItemLineDetail.ClassRef`` is reported as
	``Line.SalesItemLineDetail.ClassRef``); ``LinkedTxn`` entries are checked by the rules that use them."""
	if isinstance(body, list):
		for item in body:
			check_refs(ctx, item, own_entity, path)
		return
	if not isinstance(body, dict):
		return
	for key, value in body.items():
		element = f"{path}.{key}" if path else key
		if not isinstance(value, dict | list) or key == "LinkedTxn":
			continue
		if isinstance(value, dict) and "value" in value and not isinstance(value.get("value"), dict | list):
			entity = _ref_entity(key, value, body, own_entity)
			if entity is not None:
				ctx.resolve(entity, value, element)
			continue
		check_refs(ctx, value, own_entity, element)


def _ref_entity(key: str, ref: dict[str, Any], parent: dict[str, Any], own_entity: str) -> str | None:
	if key == "ParentRef":
		return own_entity
	if key in ("EntityRef", "Entity"):
		kind = ref.get("type") or parent.get("Type")
		return TYPED_REF_ENTITIES.get(str(kind).lower()) if kind else None
	return REF_ENTITIES.get(key)


def ref_to(obj: dict[str, Any], name_field: str = "Name") -> dict[str, str]:
	name = obj.get("FullyQualifiedName") or obj.get(name_field) or ""
	return {"value": obj["Id"], "name": name}


def stamp_new(content: dict[str, Any], object_id: str, now: float) -> dict[str, Any]:
	moment = iso_datetime(now)
	return {
		**content,
		"domain": "QBO",
		"sparse": False,
		"Id": object_id,
		"SyncToken": "0",
		"MetaData": {"CreateTime": moment, "LastUpdatedTime": moment},
	}


def stamp_update(content: dict[str, Any], existing: dict[str, Any], now: float) -> dict[str, Any]:
	return {
		**content,
		"domain": "QBO",
		"sparse": False,
		"Id": existing["Id"],
		"SyncToken": str(int(existing["SyncToken"]) + 1),
		"MetaData": {"CreateTime": existing["MetaData"]["CreateTime"], "LastUpdatedTime": iso_datetime(now)},
	}


def without_system_fields(body: dict[str, Any]) -> dict[str, Any]:
	return {key: value for key, value in body.items() if key not in SYSTEM_FIELDS}


def field_value(body: dict[str, Any], path: str) -> Any:
	value: Any = body
	for part in path.split("."):
		if not isinstance(value, dict):
			return None
		value = value.get(part)
	return value


def check_lengths(body: dict[str, Any], limits: dict[str, int]) -> None:
	for path, maximum in limits.items():
		head, _, rest = path.partition(".")
		value = body.get(head)
		if rest and value is not None:
			value = field_value(value, rest) if isinstance(value, dict) else None
		if isinstance(value, str) and len(value) > maximum:
			raise faults.bad_length(path, maximum, len(value))


ADDRESS_LIMITS = {
	"Line1": 500,
	"Line2": 500,
	"Line3": 500,
	"Line4": 500,
	"Line5": 500,
	"City": 255,
	"Country": 255,
	"CountrySubDivisionCode": 255,
	"PostalCode": 30,
}
ADDRESS_FIELDS = ("BillAddr", "ShipAddr", "ShipFromAddr", "RemitToAddr", "PrimaryAddr", "OtherAddr")


def check_address_lengths(body: dict[str, Any]) -> None:
	"""Physical address limits (Line1-5 500, City 255, PostalCode 30...) on every address of the object."""
	for field in ADDRESS_FIELDS:
		if isinstance(body.get(field), dict):
			check_lengths(body, {f"{field}.{key}": limit for key, limit in ADDRESS_LIMITS.items()})


def clean_name(body: dict[str, Any], field: str, maximum: int, forbidden: str = ":") -> str:
	"""A required, trimmed name without hierarchy separators; faults 2020, 2040, 2050."""
	raw = body.get(field)
	name = raw.strip() if isinstance(raw, str) else ""
	if not name:
		raise faults.required(field)
	for character in forbidden:
		if character in name:
			raise faults.invalid_string(field, character)
	if len(name) > maximum:
		raise faults.bad_length(field, maximum, len(name))
	return name


def check_unique_name(ctx: WriteContext, entity: str, field: str, name: str, existing: dict | None) -> None:
	owner = ctx.realm.indexes.name_owner(entity, name)
	if owner is not None and (existing is None or owner != (entity, existing["Id"])):
		raise faults.duplicate_name(owner[1], field)


def txn_date(ctx: WriteContext, body: dict[str, Any], field: str = "TxnDate") -> str:
	value = body.get(field)
	if value in (None, ""):
		return ctx.today()
	return checked_date(value, field)


def checked_date(value: Any, field: str) -> str:
	try:
		return parse_date(str(value)).isoformat()
	except ValueError:
		raise faults.invalid_property(f"{field} must be a date (YYYY-MM-DD), got {value!r}", field)


def boolean(body: dict[str, Any], field: str, default: bool) -> bool:
	value = body.get(field, default)
	if value is None or value == "":  # some clients send "" for a flag they leave unset
		return default
	if isinstance(value, bool):
		return value
	if str(value).lower() in ("true", "false"):
		return str(value).lower() == "true"
	raise faults.invalid_property(f"{field} must be true or false", field)


def one_of(body: dict[str, Any], field: str, allowed: tuple[str, ...], default: str | None = None) -> str:
	value = body.get(field) or default
	if value is None:
		raise faults.required(field)
	if value not in allowed:
		raise faults.invalid_enum(field, value)
	return value


def currency_code(ctx: WriteContext, ref: Any, element: str = "CurrencyRef") -> str:
	"""The ISO code a ``CurrencyRef`` names (home currency when absent); a foreign one needs multicurrency and,
	once it is in the company's currency list, an active CompanyCurrency."""
	value = ref.get("value") if isinstance(ref, dict) else None
	code = str(value or ctx.settings.home_currency).upper()
	if not is_known(code):
		raise faults.invalid_reference(element, "Currency", code)
	if code == ctx.settings.home_currency:
		return code
	if not ctx.settings.multicurrency:
		raise faults.business(
			f"Multicurrency is turned off for this company, so only {ctx.settings.home_currency} "
			f"can be used; got {code}.",
			element,
		)
	for currency in ctx.realm.all("CompanyCurrency"):
		if currency["Code"] == code and currency.get("Active") is False:
			raise faults.not_found(element=element)
	return code


def write_once_currency(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> str:
	"""Currency of a name or account: set on create, never changed afterwards."""
	if existing is None:
		return currency_code(ctx, body.get("CurrencyRef"))
	current = existing["CurrencyRef"]["value"]
	sent = body.get("CurrencyRef")
	if isinstance(sent, dict) and sent.get("value") and str(sent["value"]).upper() != current:
		raise faults.business(f"The currency ({current}) can't be changed once it is set.", "CurrencyRef")
	return current


def transaction_currency(
	ctx: WriteContext, body: dict[str, Any], party: dict | None, day: str | None = None
) -> tuple[str, Decimal]:
	"""Currency and exchange rate of a transaction; it must be the party's currency (6000). Without an
	``ExchangeRate`` a foreign transaction gets the company's rate of its date (see rates.py)."""
	code = currency_code(ctx, body.get("CurrencyRef"))
	if party is not None and party.get("CurrencyRef", {}).get("value", code) != code:
		raise faults.business(
			f"The transaction currency ({code}) must match the currency of "
			f"{party.get('DisplayName') or party.get('Name')} ({party['CurrencyRef']['value']}).",
			"CurrencyRef",
		)
	if code == ctx.settings.home_currency:
		return code, Decimal(1)
	rate = optional_money(body.get("ExchangeRate"), "ExchangeRate")
	if rate is None:
		rate = effective_rate(ctx.realm, code, day or ctx.today())
	if rate <= ZERO:
		raise faults.business("ExchangeRate must be greater than 0.", "ExchangeRate")
	return code, rate


def checked_account(
	ctx: WriteContext, ref: Any, element: str, allowed_types: tuple[str, ...], default_role: str | None
) -> dict[str, Any]:
	"""An account reference (or the company default) that must be one of ``allowed_types`` (6000)."""
	account = ctx.resolve("Account", ref, element, required=default_role is None)
	account = account or ctx.role(default_role or "")
	if account["AccountType"] not in allowed_types:
		raise faults.business(
			f"{element} must be an account of type {' or '.join(allowed_types)}; "
			f"{account['Name']} is {account['AccountType']}.",
			element,
		)
	return account
