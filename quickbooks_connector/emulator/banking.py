"""Money moved between accounts, and time: Deposit, Transfer, CreditCardPayment and TimeActivity.

Reproduced:

* Deposit — ``DepositToAccountRef`` (Bank or Other Current Asset, not Undeposited Funds) required; each line
  either deposits a Payment, SalesReceipt or RefundReceipt waiting in Undeposited Funds (``LinkedTxn``; the
  line amount must be its total; a transaction is deposited once) or is a ``DepositLineDetail`` with an
  ``AccountRef`` (plus optional ``Entity``, ``PaymentMethodRef``, ``CheckNum``, ``ClassRef``);
  ``TotalAmt = sum of lines - CashBack.Amount``. ``Entity`` is a reference with an optional ``type`` (Customer,
  Vendor or Employee; without it the Id is looked up among customers, then vendors); a line on an A/R account
  needs a customer, one on an A/P account a vendor (6000) — a refund a vendor pays back is such a line, which a
  BillPayment can then link to the vendor's credit (payments.py). [U] Intuit's page lists income, expense, asset
  and equity accounts for these lines; QuickBooks' deposit screen also takes A/R and A/P with a name. A deposited payment or receipt can't be changed, voided or deleted
  until its deposit is (6540 "Deposited Transaction cannot be changed").
* Transfer — ``FromAccountRef`` and ``ToAccountRef`` (different balance-sheet accounts other than A/R and A/P)
  and ``Amount`` ≥ 0 required.
* CreditCardPayment — ``CreditCardAccountRef`` (Credit Card), ``BankAccountRef`` (Bank) and ``Amount`` > 0
  required; home currency only (Intuit: "This transaction does not support multi-currency"). Its JSON name in
  answers, query rows and CDC is ``CreditCardPaymentTxn``, as Intuit's are.
* TimeActivity — ``NameOf`` Employee|Vendor with the matching ``EmployeeRef``/``VendorRef``; either
  ``Hours``/``Minutes`` or ``StartTime``/``EndTime`` (then Hours/Minutes are derived, less ``BreakHours``/
  ``BreakMinutes``); ``BillableStatus`` Billable|NotBillable|HasBeenBilled; ``Description`` ≤ 4000.

Simplifications: transfers between accounts of different currencies are refused (6000) rather than converted;
Deposit ``TxnType`` on ``DepositLineDetail`` lines is stored as sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from quickbooks_connector.emulator import faults
from quickbooks_connector.emulator.clock import parse_datetime
from quickbooks_connector.emulator.company import currency_ref
from quickbooks_connector.emulator.payments import linked_payers
from quickbooks_connector.emulator.records import (
	WriteContext,
	boolean,
	check_lengths,
	checked_account,
	one_of,
	ref_to,
	transaction_currency,
	txn_date,
)
from quickbooks_connector.emulator.store import Realm
from quickbooks_connector.emulator.totals import ZERO, money, round2

DEPOSITABLE = ("Payment", "SalesReceipt", "RefundReceipt")
ENTITY_TYPES = ("Customer", "Vendor", "Employee")
PARTY_ACCOUNTS = {"Accounts Receivable": "Customer", "Accounts Payable": "Vendor"}
TRANSFER_TYPES = {
	"Bank",
	"Credit Card",
	"Other Current Asset",
	"Other Current Liability",
	"Fixed Asset",
	"Other Asset",
	"Long Term Liability",
	"Equity",
}
NOTE_LIMITS = {"PrivateNote": 4000, "DocNumber": 21, "Memo": 4000}


def _header(
	ctx: WriteContext, body: dict[str, Any], day: str | None = None
) -> tuple[dict[str, Any], Decimal]:
	content = dict(body)
	check_lengths(body, NOTE_LIMITS)
	content["TxnDate"] = day or txn_date(ctx, body)
	currency, rate = transaction_currency(ctx, body, None, content["TxnDate"])
	content["CurrencyRef"] = currency_ref(currency)
	if ctx.settings.multicurrency:
		content["ExchangeRate"] = rate
	return content, rate


# Deposit


def prepare_deposit(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	content, rate = _header(ctx, body)
	account = checked_account(
		ctx, body.get("DepositToAccountRef"), "DepositToAccountRef", ("Bank", "Other Current Asset"), None
	)
	if account.get("AccountSubType") == "UndepositedFunds":
		raise faults.business("A deposit can't go to Undeposited Funds.", "DepositToAccountRef")
	content["DepositToAccountRef"] = ref_to(account)
	raw_lines = body.get("Line") or []
	if not raw_lines:
		raise faults.required("Line")
	own = existing["Id"] if existing else None
	lines, seen = [], set()
	for number, line in enumerate(raw_lines, 1):
		lines.append(_deposit_line(ctx, line, number, own, seen))
	total = sum((line["Amount"] for line in lines), ZERO)
	cash_back = body.get("CashBack")
	if isinstance(cash_back, dict) and cash_back.get("Amount") is not None:
		back = money(cash_back["Amount"], "CashBack.Amount")
		account = ctx.require("Account", cash_back.get("AccountRef"), "CashBack.AccountRef")
		content["CashBack"] = {**cash_back, "Amount": back, "AccountRef": ref_to(account)}
		total -= back
	if total < ZERO:
		raise faults.business("The deposit total can't be negative.", "Line")
	content.update(Line=lines, TotalAmt=total, HomeTotalAmt=round2(total * rate))
	content.pop("LinkedTxn", None)
	links = linked_payers(ctx.realm, "Deposit", own)
	if links:  # a vendor's refund a bill payment links to its credit
		content["LinkedTxn"] = links
	return content


def _deposit_line(
	ctx: WriteContext, line: Any, number: int, own: str | None, seen: set[tuple[str, str]]
) -> dict[str, Any]:
	if not isinstance(line, dict) or line.get("Amount") is None:
		raise faults.required("Line.Amount")
	amount = money(line["Amount"], "Line.Amount")
	built = {**line, "Id": str(number), "LineNum": number, "Amount": amount}
	links = line.get("LinkedTxn") or []
	if links:
		link = links[0]
		txn_type, txn_id = link.get("TxnType"), str(link.get("TxnId") or "")
		if txn_type not in DEPOSITABLE:
			raise faults.cannot_link(f"A deposit can't include TxnType {txn_type}.")
		target = ctx.realm.get(txn_type, txn_id)
		if target is None:
			if ctx.realm.is_deleted(txn_type, txn_id):
				raise faults.not_found(element="Line.LinkedTxn")
			raise faults.invalid_reference("Line.LinkedTxn", txn_type, txn_id)
		if ctx.realm.is_voided(txn_type, txn_id):
			raise faults.cannot_link(f"{txn_type} {txn_id} is voided.")
		account = ctx.realm.get("Account", (target.get("DepositToAccountRef") or {}).get("value", ""))
		if account is None or account.get("AccountSubType") != "UndepositedFunds":
			raise faults.business(
				f"{txn_type} {txn_id} is not waiting in Undeposited Funds.", "Line.LinkedTxn"
			)
		other = deposit_of(ctx.realm, txn_type, txn_id)
		if (other is not None and other != own) or (txn_type, txn_id) in seen:
			raise faults.business(f"{txn_type} {txn_id} has already been deposited.", "Line.LinkedTxn")
		seen.add((txn_type, txn_id))
		if amount != target["TotalAmt"]:
			raise faults.business(
				f"The deposit line for {txn_type} {txn_id} must be its total {target['TotalAmt']}.",
				"Line.Amount",
			)
		built["LinkedTxn"] = [{"TxnId": txn_id, "TxnType": txn_type, "TxnLineId": "0"}]
		built.pop("DetailType", None)
		return built
	detail = dict(line.get("DepositLineDetail") or {})
	account = ctx.require("Account", detail.get("AccountRef"), "Line.DepositLineDetail.AccountRef")
	detail["AccountRef"] = ref_to(account)
	entity = _line_entity(ctx, detail.get("Entity"))
	needed = PARTY_ACCOUNTS.get(account["AccountType"])
	if needed and (entity is None or entity["type"] != needed):
		raise faults.business(
			f"A deposit line on {account['Name']} needs a {needed} in Entity.",
			"Line.DepositLineDetail.Entity",
		)
	if entity is not None:
		detail["Entity"] = entity
	built.update(DetailType="DepositLineDetail", DepositLineDetail=detail)
	return built


def _line_entity(ctx: WriteContext, ref: Any) -> dict[str, Any] | None:
	"""A deposit line's Entity as stored: {value, name, type}."""
	if not isinstance(ref, dict) or not ref.get("value"):
		return None
	element = "Line.DepositLineDetail.Entity"
	kind = str(ref.get("type") or "").capitalize()
	if kind and kind not in ENTITY_TYPES:
		raise faults.invalid_enum(f"{element}.type", ref.get("type"))
	for candidate in (kind,) if kind else ENTITY_TYPES:
		party = ctx.realm.get(candidate, str(ref["value"]))
		if party is not None or kind:
			party = ctx.require(candidate, ref, element)
			return {**ref_to(party, "DisplayName"), "type": candidate}
	raise faults.invalid_reference(element, "Customer", ref["value"])


def deposit_of(realm: Realm, entity: str, object_id: str) -> str | None:
	"""The Id of the deposit that includes this payment or receipt, if any."""
	if entity not in DEPOSITABLE:
		return None
	for deposit in realm.all("Deposit"):
		for line in deposit.get("Line") or ():
			for link in line.get("LinkedTxn") or ():
				if link.get("TxnType") == entity and link.get("TxnId") == object_id:
					return deposit["Id"]
	return None


# Transfer and CreditCardPayment


def prepare_transfer(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	content, rate = _header(ctx, body)
	source = ctx.require("Account", body.get("FromAccountRef"), "FromAccountRef")
	target = ctx.require("Account", body.get("ToAccountRef"), "ToAccountRef")
	for field, account in (("FromAccountRef", source), ("ToAccountRef", target)):
		if account["AccountType"] not in TRANSFER_TYPES:
			raise faults.business(
				f"{account['Name']} ({account['AccountType']}) can't be used in a transfer.", field
			)
	if source["Id"] == target["Id"]:
		raise faults.business("A transfer needs two different accounts.", "ToAccountRef")
	if source["CurrencyRef"]["value"] != target["CurrencyRef"]["value"]:
		raise faults.business("The emulator only transfers between accounts of one currency.", "ToAccountRef")
	amount = _amount(body, allow_zero=True)
	content.update(
		FromAccountRef=ref_to(source),
		ToAccountRef=ref_to(target),
		Amount=amount,
		CurrencyRef=currency_ref(source["CurrencyRef"]["value"]),
	)
	return content


def prepare_credit_card_payment(
	ctx: WriteContext, body: dict[str, Any], existing: dict | None
) -> dict[str, Any]:
	content, _ = _header(ctx, {**body, "CurrencyRef": None})
	card = checked_account(
		ctx, body.get("CreditCardAccountRef"), "CreditCardAccountRef", ("Credit Card",), None
	)
	bank = checked_account(ctx, body.get("BankAccountRef"), "BankAccountRef", ("Bank",), None)
	for field, account in (("CreditCardAccountRef", card), ("BankAccountRef", bank)):
		if account["CurrencyRef"]["value"] != ctx.settings.home_currency:
			raise faults.business("Credit card payments are in the home currency only.", field)
	vendor = ctx.resolve("Vendor", body.get("VendorRef"), "VendorRef")
	content.update(
		CreditCardAccountRef=ref_to(card),
		BankAccountRef=ref_to(bank),
		Amount=_amount(body, allow_zero=False),
		PrintStatus=one_of(body, "PrintStatus", ("NotSet", "NeedToPrint", "PrintComplete"), default="NotSet"),
	)
	content.pop("ExchangeRate", None)
	if vendor is not None:
		content["VendorRef"] = ref_to(vendor, "DisplayName")
	return content


def _amount(body: dict[str, Any], allow_zero: bool) -> Decimal:
	if body.get("Amount") is None:
		raise faults.required("Amount")
	amount = money(body["Amount"], "Amount")
	if amount < ZERO or (amount == ZERO and not allow_zero):
		raise faults.business("Amount must be greater than 0.", "Amount")
	return amount


# TimeActivity

BILLABLE_STATUSES = ("Billable", "NotBillable", "HasBeenBilled")


def prepare_time_activity(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	content = dict(body)
	check_lengths(body, {"Description": 4000})
	name_of = one_of(body, "NameOf", ("Employee", "Vendor"))
	worker = ctx.require(name_of, body.get(f"{name_of}Ref"), f"{name_of}Ref")
	content[f"{name_of}Ref"] = ref_to(worker, "DisplayName")
	content.pop("VendorRef" if name_of == "Employee" else "EmployeeRef", None)
	content["TxnDate"] = txn_date(ctx, body)
	customer = ctx.resolve("Customer", body.get("CustomerRef"), "CustomerRef")
	if customer is not None:
		content["CustomerRef"] = ref_to(customer, "DisplayName")
	item = ctx.resolve("Item", body.get("ItemRef"), "ItemRef")
	if item is not None:
		content["ItemRef"] = ref_to(item)
	content["BillableStatus"] = one_of(body, "BillableStatus", BILLABLE_STATUSES, default="NotBillable")
	content["Taxable"] = boolean(body, "Taxable", False)
	for field in ("HourlyRate", "CostRate"):
		if body.get(field) is not None:
			content[field] = money(body[field], field)
	content.update(_duration(body))
	return content


def _duration(body: dict[str, Any]) -> dict[str, Any]:
	breaks = int(money(body.get("BreakHours") or 0, "BreakHours")) * 60 + int(
		money(body.get("BreakMinutes") or 0, "BreakMinutes")
	)
	if body.get("StartTime") and body.get("EndTime"):
		try:
			start, end = parse_datetime(str(body["StartTime"])), parse_datetime(str(body["EndTime"]))
		except ValueError:
			raise faults.invalid_property("StartTime and EndTime must be ISO datetimes", "StartTime")
		minutes = int((end - start) // 60) - breaks
		if minutes < 0:
			raise faults.business("EndTime must be after StartTime (less breaks).", "EndTime")
		return {"Hours": minutes // 60, "Minutes": minutes % 60}
	if body.get("Hours") is None and body.get("Minutes") is None:
		raise faults.required("Hours")
	hours = money(body.get("Hours") or 0, "Hours")
	minutes = money(body.get("Minutes") or 0, "Minutes")
	if hours < 0 or minutes < 0 or hours != int(hours) or minutes != int(minutes):
		raise faults.invalid_property("Hours and Minutes must be whole numbers >= 0", "Hours")
	return {"Hours": int(hours), "Minutes": int(minutes)}
