"""What Sales Invoices (sales.py) and Purchase Invoices (purchase.py) share: planning the document, the body of its
Invoice / Bill (CreditMemo / VendorCredit for a return), and applying a return to the document it returns.

A document is first planned as `Line`s in ERPNext's own signs (what each GL row credits on a sale / debits on a
purchase, in document currency), so that the plan can be checked against ERPNext's total before anything is sent;
returns are negated afterwards into positive credit memos / vendor credits. Resolution then looks up every account
and tax code, recording all gaps in one `Problems` list, and the plan fails with all of them at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from quickbooks_connector.mapping.context import MappingContext, QBOAccountRef
from quickbooks_connector.mapping.dimensions import DEPARTMENT_REF, Dimensions
from quickbooks_connector.mapping.errors import Problems
from quickbooks_connector.mapping.lines import (
	AccountBook,
	Line,
	ResolvedLine,
	TaxCodes,
	check_currency,
	currency_arguments,
	currency_fields,
	flag,
	home_exchange_rate,
	party_account_field,
)
from quickbooks_connector.mapping.naming import private_note
from quickbooks_connector.mapping.payload import QBOPayload
from quickbooks_connector.mapping.refs import LinkedDoc

APPLY_CREDIT = "apply-credit"  # companion key of the zero-total payment that applies a return to its original
SALES_FORMS = ("Invoice", "CreditMemo")

# (doc, ctx, problems) -> lines in ERPNext's signs, the tax QuickBooks computes, the total QuickBooks must show
PlanLines = Callable[[Mapping, MappingContext, Problems], tuple[list[Line], Decimal, Decimal]]


@dataclass
class Plan:
	"""A planned invoice/bill: resolved lines plus totals, before QuickBooks ids are known."""

	doctype: str
	name: str
	entity: str
	party: str
	currency: str
	exchange_rate: Decimal  # the ExchangeRate sent: see lines.home_exchange_rate
	lines: list[ResolvedLine]
	erp_total: Decimal
	erp_tax: Decimal
	doc_number: str | None  # None: QuickBooks numbers the form itself
	note: str
	txn_date: str | None
	due_date: str | None
	txn_tax_code: dict | None = None  # US sales: TxnTaxCodeRef
	# paid at once (POS payments, "Is Paid" bills): (account paid into / from, amount, label)
	settlements: list[tuple[QBOAccountRef, Decimal, str]] = field(default_factory=list)
	# a vendor credit applied to its bill: the bank account the zero-total Bill Payment names
	application_bank: QBOAccountRef | None = None
	# the form's DepartmentRef (and ClassRef, one class per transaction), see dimensions.py
	dimensions: dict = field(default_factory=dict)

	@property
	def department(self) -> dict:
		"""The DepartmentRef the payments made with the form carry too."""
		return {key: ref for key, ref in self.dimensions.items() if key == DEPARTMENT_REF}

	def payload(self, body: dict) -> QBOPayload:
		origins = tuple(resolved.line.origin for resolved in self.lines)
		return QBOPayload(self.entity, body, self.doc_number, self.erp_total, self.erp_tax, origins=origins)


@dataclass
class Draft:
	"""A document whose lines are planned (a return's already negated) but not yet resolved. `accounts` and `codes`
	collect the gaps found while the caller resolves the lines; `finish` fails with every problem found."""

	doctype: str
	doc: Mapping
	problems: Problems
	currency: str
	lines: list[Line]
	erp_tax: Decimal
	erp_total: Decimal
	accounts: AccountBook
	codes: TaxCodes
	dimensions: Dimensions

	@property
	def is_return(self) -> bool:
		return flag(self.doc, "is_return")

	def report_gaps(self) -> None:
		"""Adds the unmapped accounts and tax codes to the problems."""
		self.accounts.report()
		self.codes.report()

	def finish(
		self,
		*,
		entity: str,
		party: str,
		lines: list[ResolvedLine],
		doc_number: str | None,
		note_details: list[str],
		settlements: list[tuple[QBOAccountRef, Decimal, str]],
		txn_tax_code: dict | None = None,
		application_bank: QBOAccountRef | None = None,
	) -> Plan:
		lines, dimensions = self._with_dimensions(lines, sales_form=entity in SALES_FORMS)
		self.problems.raise_if_any()
		name = self.doc["name"]
		return Plan(
			doctype=self.doctype,
			name=name,
			entity=entity,
			party=party,
			currency=self.currency,
			exchange_rate=home_exchange_rate(self.doc),
			lines=lines,
			erp_total=self.erp_total,
			erp_tax=self.erp_tax,
			doc_number=doc_number,
			note=private_note(self.doctype, name, *note_details),
			txn_date=self.doc.get("posting_date"),
			due_date=None if self.is_return else self.doc.get("due_date"),
			txn_tax_code=txn_tax_code,
			settlements=settlements,
			application_bank=application_bank,
			dimensions=dimensions,
		)

	def _with_dimensions(
		self, lines: list[ResolvedLine], *, sales_form: bool
	) -> tuple[list[ResolvedLine], dict]:
		"""Each posting line's ClassRef and the form's header refs; unmapped values become problems."""
		posting = [resolved for resolved in lines if resolved.line.kind != "text"]
		header = self.dimensions.header(
			((resolved.line.tags, resolved.line.where) for resolved in posting), sales_form=sales_form
		)
		lines = [
			resolved
			if resolved.line.kind == "text"
			else replace(
				resolved,
				dimensions=self.dimensions.line_class(
					resolved.line.tags, resolved.line.where, sales_form=sales_form
				),
			)
			for resolved in lines
		]
		self.dimensions.report()
		return lines, header


def start_plan(doctype: str, doc: Mapping, ctx: MappingContext, plan_lines: PlanLines) -> Draft:
	"""Checks the document's currency and plans its lines with `plan_lines`; a return's lines and totals are
	negated into a positive credit."""
	subject = f"{doctype} {doc['name']}"
	problems = Problems(subject)
	currency = (doc.get("currency") or ctx.company_currency).upper()
	check_currency(currency, ctx, problems, subject)
	lines, erp_tax, erp_total = plan_lines(doc, ctx, problems)
	if flag(doc, "is_return"):
		lines = [line.negated() for line in lines]
		erp_tax, erp_total = -erp_tax, -erp_total
	return Draft(
		doctype=doctype,
		doc=doc,
		problems=problems,
		currency=currency,
		lines=lines,
		erp_tax=erp_tax,
		erp_total=erp_total,
		accounts=AccountBook(ctx, problems),
		codes=TaxCodes(ctx, problems),
		dimensions=Dimensions(ctx, problems),
	)


def transaction_body(
	planned: Plan,
	ctx: MappingContext,
	*,
	party_field: str,
	party_id: str,
	lines: list[dict],
	party_account: str | None,
) -> dict:
	"""The body every Invoice, Bill and credit has (US sales add their TxnTaxDetail): `party_field` ("CustomerRef" /
	"VendorRef") names the party, `party_account` is the document's receivable / payable account."""
	body: dict = {
		party_field: {"value": party_id},
		"DocNumber": planned.doc_number,
		"TxnDate": planned.txn_date,
		"PrivateNote": planned.note,
		"Line": lines,
		**currency_fields(planned.currency, planned.exchange_rate, ctx),
		**party_account_field(party_account, ctx),
		**planned.dimensions,
	}
	if planned.due_date:
		body["DueDate"] = planned.due_date
	if not ctx.is_us:
		# every line carries its tax code; QuickBooks adds the tax to the net amounts
		body["GlobalTaxCalculation"] = "TaxExcluded"
	return {key: value for key, value in body.items() if value is not None}


def applies_to_original(doc: Mapping) -> bool:
	"""A return that reduces the balance of the document it returns (its `update_outstanding_for_self` is off):
	in QuickBooks the credit is applied to that document by a zero-total payment."""
	return (
		flag(doc, "is_return")
		and bool(doc.get("return_against"))
		and not flag(doc, "update_outstanding_for_self")
	)


def original_link(doctype: str, doc: Mapping, what: str) -> tuple[LinkedDoc, ...]:
	"""The document a return is applied to, when it is (see `applies_to_original`); `what`: "invoice" / "bill"."""
	if not applies_to_original(doc):
		return ()
	return (LinkedDoc(doctype, doc["return_against"], f"the {what} {doc['name']} is credited against"),)


def credit_application_details(planned: Plan, original: str, ctx: MappingContext) -> dict:
	"""Date, note and currency arguments of the zero-total payment that applies the return `planned` to the
	document `original` it returns."""
	return {
		"txn_date": planned.txn_date,
		"private_note": private_note(planned.doctype, planned.name, f"credit applied to {original}"),
		**currency_arguments(planned.currency, planned.exchange_rate, ctx),
	}
