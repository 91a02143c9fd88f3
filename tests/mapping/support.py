"""Shared test support: the ERPNext sample documents bundled with the app, a realistic mapping context built from
their chart of accounts, refs resolved the way the engine would, and a small QuickBooks ledger that says what a payload
posts to each account."""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from decimal import Decimal
from functools import cache

from quickbooks_connector.mapping import (
	MappingContext,
	QBOAccountRef,
	QBOPayload,
	QBOTaxCodeRef,
	Refs,
	Skip,
	TxnRef,
	build_followups,
	build_payload,
	build_prerequisites,
	dependencies,
	plan,
	qbo_account_type,
)
from quickbooks_connector.mapping.money import money, to_decimal
from quickbooks_connector.sample_data import ERPNEXT, SampleData
from quickbooks_connector.sample_data import load as load_sample_data

EXTRA_ACCOUNTS = {
	"Sales Discounts - WP": QBOAccountRef("901", "Discounts given", "Income"),
	"Amex Card - WP": QBOAccountRef("902", "Amex", "Credit Card"),
}
NON_US_CODES = {
	"Sales Tax Payable - WP": QBOTaxCodeRef("20", "VAT 8.25%"),
	"Input Tax Credit - WP": QBOTaxCodeRef("21", "Input VAT 8.25%"),
}
EXEMPT = QBOTaxCodeRef("9", "Exempt")


def load(relative: str) -> dict:
	"""A sample file as stored, e.g. load("transactions/sales_invoice_eur.json")."""
	with (ERPNEXT / relative).open() as handle:
		return json.load(handle)


@cache
def samples() -> SampleData:
	return load_sample_data()


def doc(label: str) -> dict:
	"""A deep copy of a transaction fixture's document (tests edit it freely)."""
	return copy.deepcopy(load(f"transactions/{label}.json")["doc"])


def chart(label: str | None = None) -> list[dict]:
	"""The chart of accounts: the first masters snapshot's, or that of the snapshot the transaction `label` was
	posted under (chart_of_accounts_2.json for the second batch)."""
	data = samples()
	snapshot = data.masters_for(data.documents[label]) if label else data.snapshots[0]
	return copy.deepcopy(snapshot.chart)


def account_map(label: str | None = None) -> dict[str, QBOAccountRef]:
	mapped = {}
	for number, account in enumerate(row for row in chart(label) if not row["is_group"]):
		kind = qbo_account_type(account)
		mapped[account["name"]] = QBOAccountRef(str(100 + number), account["account_name"], kind)
	return {**mapped, **EXTRA_ACCOUNTS}


def us_context(label: str | None = None, **changes) -> MappingContext:
	"""A US QuickBooks company mapped one to one from the chart of accounts (of the transaction `label`'s masters
	snapshot when given)."""
	settings = {
		"qbo_country": "US",
		"qbo_home_currency": "USD",
		"multicurrency": True,
		"company_currency": "USD",
		"account_map": account_map(label),
		"tax_accounts": frozenset(row["name"] for row in chart(label) if row["account_type"] == "Tax"),
		"round_off_account": "Round Off - WP",
		"default_bank_account": "Chase Checking - WP",
	}
	settings.update(changes)
	return MappingContext(**settings)


def global_context(label: str | None = None, **changes) -> MappingContext:
	settings = {"qbo_country": "GB", "tax_code_map": dict(NON_US_CODES), "exempt_tax_code": EXEMPT}
	settings.update(changes)
	return us_context(label, **settings)


class Resolved:
	"""Refs filled the way the engine fills them, plus what the test ledger needs to read payloads."""

	def __init__(self, document: dict, ctx: MappingContext, linked_entities: dict[str, str] | None = None):
		self.ctx = ctx
		self.planned = plan(document, ctx)
		self.refs = Refs(party_id="P1")
		self.items = {}
		self.prerequisites, self.followups = [], []
		if isinstance(self.planned, Skip):
			self.deps = self.payload = self.planned
			return
		self.deps = dependencies(self.planned)
		for number, party in enumerate(self.deps.all_parties, start=1):
			self.refs.party_ids[party] = f"P{number}"  # the document's own party first: P1, as party_id
		for number, spec in enumerate(self.deps.items, start=1):
			self.refs.item_ids[spec.key] = f"I{number}"
			self.items[f"I{number}"] = spec
		for number, linked in enumerate(self.deps.linked, start=1):
			entity = (linked_entities or {}).get(linked.name) or _entity_of(linked.doctype, linked.name)
			self.refs.linked[(linked.doctype, linked.name)] = TxnRef(entity, f"T{number}")
		self.prerequisites = build_prerequisites(self.planned, self.refs)
		for number, extra in enumerate(self.prerequisites, start=1):
			self.refs.companions[extra.key] = f"C{number}"
		self.payload = build_payload(self.planned, self.refs)
		self.followups = build_followups(self.planned, self.refs, "NEW")

	def ledger(self, *payloads: QBOPayload) -> Ledger:
		ledger = Ledger(self)
		for payload in payloads or (*self.prerequisites, self.payload):
			ledger.post(payload)
		return ledger


PARTY = "party"
TAX = "tax"
PARTY_ACCOUNT_TYPES = ("Accounts Receivable", "Accounts Payable")


def _entity_of(doctype: str, name: str) -> str:
	"""The QuickBooks entity a linked sample document is: a return is a credit, any other an Invoice or Bill."""
	returned = any(
		document.get("is_return") for document in samples().documents.values() if document["name"] == name
	)
	if doctype == "Purchase Invoice":
		return "VendorCredit" if returned else "Bill"
	return "CreditMemo" if returned else "Invoice"


class Ledger:
	"""What QuickBooks books for our payloads, per ERPNext account (via the one-to-one test mapping), in home
	currency: each amount times the payload's ExchangeRate, rounded to the cent like QuickBooks does."""

	def __init__(self, resolved: Resolved):
		self.by_id = {ref.id: name for name, ref in resolved.ctx.account_map.items()}
		self.types = {ref.id: ref.account_type for ref in resolved.ctx.account_map.values()}
		self.items = resolved.items
		self.net: dict[str, Decimal] = defaultdict(Decimal)

	def post(self, payload: QBOPayload) -> None:
		body = payload.body
		rate = to_decimal(body.get("ExchangeRate", 1))
		getattr(self, f"_{payload.entity.lower()}")(
			body, lambda account, debit: self._book(account, debit, rate)
		)

	def _book(self, account: str, debit: Decimal, rate: Decimal) -> None:
		self.net[account] += money(debit * rate)

	def _sales(self, body: dict, book, sign: int) -> None:
		total = Decimal(0)
		for line in body["Line"]:
			if line["DetailType"] != "SalesItemLineDetail":
				continue
			spec = self.items[line["SalesItemLineDetail"]["ItemRef"]["value"]]
			book(self.by_id[spec.income_account_id], -sign * line["Amount"])
			total += line["Amount"]
		tax = body.get("TxnTaxDetail", {}).get("TotalTax", Decimal(0))
		book(TAX, -sign * tax)
		book(PARTY, sign * (total + tax))

	def _invoice(self, body, book):
		self._sales(body, book, 1)

	def _creditmemo(self, body, book):
		self._sales(body, book, -1)

	def _expense_form(self, body: dict, book, sign: int) -> None:
		total = Decimal(0)
		for line in body["Line"]:
			book(
				self.by_id[line["AccountBasedExpenseLineDetail"]["AccountRef"]["value"]],
				sign * line["Amount"],
			)
			total += line["Amount"]
		book(PARTY, -sign * total)

	def _bill(self, body, book):
		self._expense_form(body, book, 1)

	def _vendorcredit(self, body, book):
		self._expense_form(body, book, -1)

	def _account(self, ref: dict) -> str:
		"""The ERPNext account of a QuickBooks account, A/R and A/P pooled under PARTY."""
		return PARTY if self.types[ref["value"]] in PARTY_ACCOUNT_TYPES else self.by_id[ref["value"]]

	def _purchase(self, body, book):
		"""A Check or expense: each line debits its account, the bank is credited."""
		total = Decimal(0)
		for line in body["Line"]:
			book(self._account(line["AccountBasedExpenseLineDetail"]["AccountRef"]), line["Amount"])
			total += line["Amount"]
		book(self.by_id[body["AccountRef"]["value"]], -total)

	def _deposit(self, body, book):
		"""Each DepositLineDetail line credits its account, the deposit account is debited."""
		total = Decimal(0)
		for line in body["Line"]:
			book(self._account(line["DepositLineDetail"]["AccountRef"]), -line["Amount"])
			total += line["Amount"]
		book(self.by_id[body["DepositToAccountRef"]["value"]], total)

	def _refundreceipt(self, body, book):
		"""A credit memo paid out at once: income and tax debited, the refund account credited."""
		ledger = defaultdict(Decimal)
		self._sales(body, lambda account, debit: ledger.__setitem__(account, ledger[account] + debit), -1)
		for account, debit in ledger.items():
			if account != PARTY:
				book(account, debit)
		book(self.by_id[body["DepositToAccountRef"]["value"]], ledger[PARTY])

	def _payment(self, body, book):
		book(self.by_id[body["DepositToAccountRef"]["value"]], body["TotalAmt"])
		book(PARTY, -body["TotalAmt"])

	def _billpayment(self, body, book):
		account = (
			body.get("CheckPayment", {}).get("BankAccountRef") or body["CreditCardPayment"]["CCAccountRef"]
		)
		book(self.by_id[account["value"]], -body["TotalAmt"])
		book(PARTY, body["TotalAmt"])

	def _journalentry(self, body, book):
		for line in body["Line"]:
			detail = line["JournalEntryLineDetail"]
			account = PARTY if "Entity" in detail else self.by_id[detail["AccountRef"]["value"]]
			book(account, line["Amount"] if detail["PostingType"] == "Debit" else -line["Amount"])

	def nonzero(self) -> dict[str, Decimal]:
		return {account: amount for account, amount in self.net.items() if amount}


def gl_net(
	fixture: dict, party_accounts: set[str], tax_accounts: set[str] = frozenset()
) -> dict[str, Decimal]:
	"""Net debit per account of the fixture's GL entries, in company currency; party and tax accounts pooled under
	the ledger's PARTY / TAX keys."""
	net: dict[str, Decimal] = defaultdict(Decimal)
	for row in fixture["gl_entries"]:
		account = row["account"]
		key = PARTY if account in party_accounts else TAX if account in tax_accounts else account
		net[key] += money(row["debit"]) - money(row["credit"])
	return {account: amount for account, amount in net.items() if amount}


def sales_invoice(items: list[dict], taxes: list[dict], **fields) -> dict:
	"""A Sales Invoice in the basic fixture's shape with the given item rows, tax rows and header fields. Each test
	states the amounts ERPNext computes for it, and the GL ERPNext posts."""
	base = doc("sales_invoice_basic_taxed")
	item_template, tax_template = base["items"][1], base["taxes"][0]
	base["items"] = [{**copy.deepcopy(item_template), "item_tax_rate": "{}", **row} for row in items]
	base["taxes"] = [{**copy.deepcopy(tax_template), "item_wise_tax_detail": None, **row} for row in taxes]
	base.update({"rounding_adjustment": 0.0, "base_rounding_adjustment": 0.0, "discount_amount": 0.0})
	base.update(fields)
	return base


def purchase_invoice(items: list[dict], taxes: list[dict], **fields) -> dict:
	base = doc("purchase_invoice_basic_taxed")
	item_template, tax_template = base["items"][1], base["taxes"][0]
	base["items"] = [{**copy.deepcopy(item_template), "item_tax_rate": "{}", **row} for row in items]
	base["taxes"] = [{**copy.deepcopy(tax_template), "item_wise_tax_detail": None, **row} for row in taxes]
	base.update(fields)
	return base


def item(code: str, qty: float, rate: float, net_amount: float, **fields) -> dict:
	"""An item row; `amount` is qty x rate and `net_rate` net_amount / qty unless given."""
	row = {
		"item_code": code,
		"item_name": code,
		"description": code,
		"qty": qty,
		"rate": rate,
		"amount": round(qty * rate, 2),
		"net_amount": net_amount,
		"net_rate": round(net_amount / qty, 2) if qty else 0.0,
	}
	row.update(fields)
	return row


def tax_row(
	account: str, amount: float, charge_type: str = "On Net Total", rate: float = 0.0, **fields
) -> dict:
	row = {
		"account_head": account,
		"charge_type": charge_type,
		"rate": rate,
		"tax_amount": amount,
		"tax_amount_after_discount_amount": amount,
		"base_tax_amount_after_discount_amount": amount,
		"description": account.removesuffix(" - WP"),
		"row_id": None,
	}
	row.update(fields)
	return row


def dec(value) -> Decimal:
	return Decimal(str(value))


def lines_of(payload: QBOPayload) -> list[dict]:
	return payload.body.get("Line", [])


def line_detail(line: dict) -> dict:
	return line.get(line.get("DetailType", ""), {}) or line.get("DescriptionLineDetail", {})


def assert_qbo_rules(payload: QBOPayload, ctx: MappingContext) -> None:
	"""What QuickBooks itself enforces on every transaction we send."""
	body = payload.body
	if "DocNumber" in body:
		assert len(body["DocNumber"]) <= 21
	assert body["PrivateNote"].startswith("ERPNext ")
	for line in lines_of(payload):
		if "Amount" in line:
			assert line["Amount"] == money(line["Amount"]), "amounts are whole cents"
		detail = line.get("SalesItemLineDetail")
		if detail and "Qty" in detail:
			assert (
				money(detail["Qty"] * detail["UnitPrice"]) == line["Amount"]
			), "Amount = round(Qty x UnitPrice, 2)"
		if not ctx.is_us and payload.entity in ("Invoice", "CreditMemo", "Bill", "VendorCredit"):
			assert "TaxCodeRef" in line_detail(line), f"non-US line without TaxCodeRef: {line}"
	if body.get("CurrencyRef", {}).get("value", ctx.qbo_home_currency) != ctx.qbo_home_currency:
		assert "ExchangeRate" in body


def as_decimals(amounts: dict) -> dict[str, Decimal]:
	return {account: money(dec(amount)) for account, amount in amounts.items()}
