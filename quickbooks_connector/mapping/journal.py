"""Journal Entry -> QuickBooks JournalEntry, for every voucher type ERPNext has (Journal Entry, Bank Entry, Cash
Entry, Credit Card Entry, Debit Note, Credit Note, Contra Entry, Write Off Entry, Opening Entry, Depreciation Entry,
Deferred Revenue / Expense, Inter Company Journal Entry ...): the voucher type only goes into the note.

- One line per row of the Accounting Entries table, on the row's mapped account, Debit or Credit as in ERPNext.
  Rows on a customer's or supplier's account carry the QuickBooks customer or vendor (`Entity`), which QuickBooks
  requires on its A/R and A/P lines; every party of the entry is a dependency (`Dependencies.parties`).
- Debits must equal credits in company currency (ERPNext's GL), or the entry is refused.
- Currency: a journal entry in QuickBooks has one currency and one ExchangeRate, and QuickBooks converts every line
  at it. An entry whose rows are all in the company currency is sent in it. An entry with rows in one foreign
  currency is sent in that currency: the foreign rows with their account-currency amounts, the company-currency rows
  converted, and the rate under which QuickBooks gives back ERPNext's company-currency amount on every row (the rows'
  rate, or the nearest one that does; company-currency rows may move by a cent to keep the entry balanced). Rows in
  two foreign currencies, rows that change only the company-currency value of a foreign account (revaluations) and
  rows at rates no single rate reproduces are refused with what to do instead.
- Rows on a party's account that reference a Sales Invoice or Purchase Invoice settle that document in ERPNext. In
  QuickBooks a journal line settles nothing by itself: QuickBooks links it with a zero-total Payment (customer) or
  Bill Payment (vendor) naming the invoice or bill and the journal entry (followups "apply-<name>"), so that the
  invoice's balance there is ERPNext's outstanding (a Bill Payment names the entry's own bank or credit card row,
  else the company's default bank account). The invoice or bill is a dependency, pushed first. A row that
  adds to what a document is owed (a debit against an invoice) cannot be linked in QuickBooks: it is posted and the
  note says so. References to other documents (orders, payments, other journals) stay unlinked, as the note says.
- An entry that only moves an amount between documents of one party (every row on the party's account, against an
  invoice, credit note, bill or debit note, netting to zero: what ERPNext's Payment Reconciliation makes when it
  allocates a credit note) posts nothing: it is sent as the zero-total Payment / Bill Payment that applies the
  credit note to the invoice in QuickBooks.
- Opening entries (Is Opening = Yes) are sent as ordinary entries on their date: QuickBooks has no opening flag (the
  note says so); map ERPNext's Opening Balance Equity to QuickBooks' own to keep them apart.
- DocNumber = the ERPNext name (QuickBooks does not number journal entries); PrivateNote = the marker, the voucher
  type, the user remark and, for bank entries, the reference number and date.

Not sent (Skip with the reason): exchange gain or loss entries ERPNext makes for a payment or an invoice (QuickBooks
books realised exchange differences itself when it applies a foreign-currency payment, so they would be counted
twice), exchange rate revaluations (unrealised differences on a foreign account's company-currency value, which a
QuickBooks journal cannot post: the user revalues in QuickBooks with its Home Currency Adjustment, which QuickBooks
never runs by itself; the skip reason says so), and entries with nothing to post.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from quickbooks_connector.mapping.context import CREDIT_CARD, MappingContext, QBOAccountRef
from quickbooks_connector.mapping.dimensions import NO_TAGS, Dimensions, Tags, tags_of
from quickbooks_connector.mapping.errors import MappingError, Problem, Problems, _
from quickbooks_connector.mapping.lines import (
	AccountBook,
	cent_splits,
	check_currency,
	currency_arguments,
	currency_fields,
	flag,
	optional_header_fields,
	party_account_field,
	rate_within,
)
from quickbooks_connector.mapping.money import ZERO, fmt, money, plain, to_decimal
from quickbooks_connector.mapping.naming import doc_number, plain_text, private_note, reference_number
from quickbooks_connector.mapping.payload import Origin, QBOPayload, Skip
from quickbooks_connector.mapping.purchase import pay_from
from quickbooks_connector.mapping.refs import Dependencies, LinkedDoc, PartySpec, Refs, TxnRef

DOCTYPE = "Journal Entry"
ACCOUNTS = "Accounting Entries"  # the table's label on the form, for messages
APPLY = "apply-"  # key prefix of the zero-total payments that link the entry to the documents it settles
GAIN_LOSS = "Exchange Gain Or Loss"
REVALUATION = "Exchange Rate Revaluation"
# documents whose QuickBooks records a journal line can be linked to, by the party kind of the row
SETTLED_DOCTYPES = {"Customer": "Sales Invoice", "Vendor": "Purchase Invoice"}
# what ERPNext posts for them in QuickBooks already, so that a gain or loss booked against them is QuickBooks' own
PUSHED_REFERENCES = ("Sales Invoice", "Purchase Invoice", "Payment Entry", "Journal Entry")
# QuickBooks names an employee on any line but A/R and A/P; other party types have no QuickBooks entity
PARTY_KINDS = {"Customer": "Customer", "Supplier": "Vendor", "Employee": "Employee"}
PARTY_KINDS_SETTLING = ("Customer", "Supplier")  # the party types QuickBooks' A/R and A/P lines can name
PARTY_ACCOUNT_TYPES = {"Accounts Receivable": "Customer", "Accounts Payable": "Vendor"}
CREDITS = {"Customer": "CreditMemo", "Vendor": "VendorCredit"}
PAYERS = {"Customer": "Payment", "Vendor": "BillPayment"}
PAYING_ACCOUNT_TYPES = ("Bank", CREDIT_CARD)


@dataclass(frozen=True)
class Row:
	"""One row of the entry's Accounting Entries table with a posting; amounts are signed debits."""

	idx: int
	account: str
	currency: str
	amount: Decimal  # in the account's currency
	home: Decimal  # in the company's currency
	rate: Decimal
	party_type: str
	party: str
	reference_type: str
	reference_name: str
	remark: str
	tags: Tags = NO_TAGS  # the row's cost center and dimension value: the line's ClassRef and DepartmentRef
	table: str = ACCOUNTS  # where the row is, for messages (a document's GL rows: gl_journal.GL_TABLE)

	@property
	def place(self) -> str:
		return f"{self.table} row {self.idx} ({self.account})"

	@property
	def party_kind(self) -> str | None:
		return PARTY_KINDS.get(self.party_type) if self.party else None


@dataclass(frozen=True)
class JournalLine:
	row: Row
	account: QBOAccountRef
	amount: Decimal  # in the journal's currency, signed debit
	party: PartySpec | None
	dimensions: Mapping[str, dict] = field(default_factory=dict)  # ClassRef, DepartmentRef

	@property
	def origin(self) -> Origin:
		return Origin(self.row.place, "Debit" if self.amount > 0 else "Credit")


@dataclass(frozen=True)
class Application:
	"""Party-account rows against one invoice or bill (or credit note / debit note): what they settle of it, as a
	signed debit on the party account in the journal's currency."""

	party: PartySpec
	doctype: str
	name: str
	amount: Decimal
	account: str  # the ERPNext party account, whose QuickBooks twin the payment names

	@property
	def key(self) -> str:
		return f"{APPLY}{self.name}"


@dataclass
class JournalPlan:
	name: str
	voucher_type: str
	currency: str
	exchange_rate: Decimal
	lines: list[JournalLine]
	parties: tuple[PartySpec, ...]
	applications: list[Application]
	txn_date: str | None
	details: list[str] = field(default_factory=list)
	# a bill payment names a bank account even when no money moves: the entry's own, else the default bank account
	application_bank: QBOAccountRef | None = None
	# the entry only moves amounts between documents of one party: sent as the payment that links them
	reconciliation: bool = False
	# the ERPNext document booked: a Journal Entry, or another document sent as its GL rows (gl_journal.py)
	doctype: str = DOCTYPE

	@property
	def debits(self) -> Decimal:
		return sum((line.amount for line in self.lines if line.amount > 0), ZERO)


def plan(doc: Mapping, ctx: MappingContext) -> JournalPlan | Skip:
	skip = _not_sent(doc)
	if skip:
		return skip
	rows = _rows(doc, ctx)
	if not rows:
		return Skip(
			Problem.of(
				"journal_posts_nothing",
				_(
					"{doctype} {name} has no debit or credit on any row; there is nothing to send to QuickBooks."
				),
				doctype=DOCTYPE,
				name=doc["name"],
			)
		)
	return plan_rows(doc, rows, ctx)


def plan_rows(
	doc: Mapping,
	rows: list[Row],
	ctx: MappingContext,
	*,
	doctype: str = DOCTYPE,
	details: list[str] | None = None,
) -> JournalPlan:
	"""The journal entry booking `rows` for `doc` (a Journal Entry's accounts, or another document's GL rows);
	`details`: what its note says after the marker (default: a Journal Entry's)."""
	name = doc["name"]
	subject = f"{doctype} {name}"
	problems = Problems(subject)
	accounts = AccountBook(ctx, problems)
	_check_balanced(rows, ctx, problems)
	resolved = [(row, accounts.get(row.account, row.place)) for row in rows]
	currency, rate, amounts = _currency(rows, ctx, problems, subject)
	parties = _parties(resolved, currency, ctx, problems)
	dimensions = Dimensions(ctx, problems)
	lines = [
		JournalLine(row, account, amount, parties.get(row.idx), dimensions.line_refs(row.tags, row.place))
		for (row, account), amount in zip(resolved, amounts, strict=True)
		if account is not None
	]
	applications = _applications(lines)
	reconciliation = _is_reconciliation(lines, applications)
	bank = None
	if any(application.party.kind == "Vendor" for application in applications):
		bank = _application_bank(lines, ctx, problems)
	accounts.report()
	dimensions.report()
	problems.raise_if_any()
	return JournalPlan(
		name=name,
		voucher_type=doc.get("voucher_type") or DOCTYPE,
		currency=currency,
		exchange_rate=rate,
		lines=lines,
		parties=tuple(dict.fromkeys(line.party for line in lines if line.party)),
		applications=applications,
		txn_date=doc.get("posting_date"),
		details=_details(doc, lines, applications)
		if details is None
		else list(dict.fromkeys([*details, *reference_details(lines, applications)])),
		application_bank=bank,
		reconciliation=reconciliation,
		doctype=doctype,
	)


def dependencies(planned: JournalPlan, doc: Mapping, ctx: MappingContext) -> Dependencies:
	linked = tuple(
		dict.fromkeys(
			LinkedDoc(application.doctype, application.name, f"{planned.doctype} {planned.name} settles it")
			for application in planned.applications
		)
	)
	first = planned.parties[0] if planned.parties else None
	return Dependencies(party=first, linked=linked, parties=planned.parties)


def build_prerequisites(
	planned: JournalPlan, doc: Mapping, ctx: MappingContext, refs: Refs
) -> list[QBOPayload]:
	return []


def build_payload(planned: JournalPlan, doc: Mapping, ctx: MappingContext, refs: Refs) -> QBOPayload:
	if planned.reconciliation:
		return _reconciliation_payload(planned, ctx, refs)
	unlinked = [
		f"{_fmt_signed(application)} against {application.doctype} {application.name} adds to what it is owed in "
		"ERPNext, which QuickBooks cannot link: posted, not applied"
		for application in planned.applications
		if not _reduces(application, _target(application, refs))
	]
	body: dict = {
		"DocNumber": doc_number(planned.name),
		"TxnDate": planned.txn_date,
		"PrivateNote": private_note(planned.doctype, planned.name, *planned.details, *unlinked),
		"Line": [_line_json(line, refs) for line in planned.lines],
		**currency_fields(planned.currency, planned.exchange_rate, ctx),
	}
	body = {key: value for key, value in body.items() if value is not None}
	origins = tuple(line.origin for line in planned.lines)
	return QBOPayload("JournalEntry", body, doc_number(planned.name), planned.debits, origins=origins)


def build_followups(
	planned: JournalPlan, doc: Mapping, ctx: MappingContext, refs: Refs, qbo_id: str
) -> list[QBOPayload]:
	if planned.reconciliation:
		return []
	followups = []
	own = {"TxnId": qbo_id, "TxnType": "JournalEntry"}
	for application in planned.applications:
		target = _target(application, refs)
		if not application.amount or not _reduces(application, target):
			continue
		amount = abs(application.amount)
		lines = [
			{"Amount": amount, "LinkedTxn": [{"TxnId": target.id, "TxnType": target.entity}]},
			{"Amount": amount, "LinkedTxn": [own]},
		]
		note = private_note(
			planned.doctype, planned.name, f"applied to {application.doctype} {application.name}"
		)
		entity, body = _payer_body(planned, application, refs, lines, note, ctx)
		followups.append(QBOPayload(entity, body, None, ZERO, key=application.key))
	return followups


# Planning -----------------------------------------------------------------------------------------------------


def _not_sent(doc: Mapping) -> Skip | None:
	"""Entries whose amounts QuickBooks books itself."""
	name, voucher = doc["name"], doc.get("voucher_type")
	references = list(
		dict.fromkeys(
			(row.get("reference_type"), row.get("reference_name"))
			for row in doc.get("accounts") or []
			if row.get("reference_type") and row.get("reference_name")
		)
	)
	revaluations = [ref_name for ref_type, ref_name in references if ref_type == REVALUATION]
	if voucher == REVALUATION or revaluations:
		return Skip(
			Problem.of(
				"journal_revaluation",
				_(
					"{doctype} {name} revalues foreign-currency balances ({source}): an unrealised exchange gain or loss "
					"that changes only their company-currency value. A QuickBooks journal entry cannot do that, so "
					"this entry is not sent, and QuickBooks' balances keep their old value until you revalue them there."
				),
				_(
					"In QuickBooks, run a Home Currency Adjustment as of {date} with the exchange rates ERPNext used "
					"here, on the same accounts; the QuickBooks Reconciliation report then shows them matching."
				),
				doctype=DOCTYPE,
				name=name,
				date=doc.get("posting_date") or "",
				source=", ".join(f"{REVALUATION} {ref}" for ref in revaluations) or voucher,
			)
		)
	pushed = [f"{ref_type} {ref_name}" for ref_type, ref_name in references if ref_type in PUSHED_REFERENCES]
	if voucher == GAIN_LOSS and (flag(doc, "is_system_generated") or pushed):
		return Skip(
			Problem.of(
				"journal_exchange_gain_loss",
				_(
					"{doctype} {name} is the exchange gain or loss ERPNext booked for {documents}. QuickBooks books "
					"realised exchange gains and losses itself when it applies a foreign-currency payment, each document "
					"at its own exchange rate, so sending this entry would count them twice."
				),
				doctype=DOCTYPE,
				name=name,
				documents=", ".join(pushed) or "a payment",
			)
		)
	return None


def _rows(doc: Mapping, ctx: MappingContext) -> list[Row]:
	rows = []
	remark = plain_text(doc.get("user_remark"))
	for position, row in enumerate(doc.get("accounts") or [], start=1):
		amount = money(row.get("debit_in_account_currency")) - money(row.get("credit_in_account_currency"))
		home = money(row.get("debit")) - money(row.get("credit"))
		if not amount and not home:
			continue
		currency = (row.get("account_currency") or ctx.company_currency).upper()
		rows.append(
			Row(
				idx=row.get("idx") or position,
				account=row.get("account") or "",
				currency=currency,
				amount=home if currency == ctx.company_currency else amount,
				home=home,
				rate=to_decimal(row.get("exchange_rate") or 1),
				party_type=row.get("party_type") or "",
				party=row.get("party") or "",
				reference_type=row.get("reference_type") or "",
				reference_name=row.get("reference_name") or "",
				remark=plain_text(row.get("user_remark")) or remark,
				tags=tags_of(row, doc, ctx),
			)
		)
	return rows


def _check_balanced(rows: list[Row], ctx: MappingContext, problems: Problems) -> None:
	debits = sum((row.home for row in rows if row.home > 0), ZERO)
	credits = -sum((row.home for row in rows if row.home < 0), ZERO)
	if debits != credits:
		problems.add(
			"journal_unbalanced",
			_(
				"Its debits ({debits} {currency}) and credits ({credits} {currency}) differ by {difference}; a "
				"QuickBooks journal entry must balance."
			),
			_(
				"Correct the rows in ERPNext (cancel and amend the entry), then press Retry on the QuickBooks sync record."
			),
			debits=fmt(debits),
			credits=fmt(credits),
			difference=fmt(debits - credits),
			currency=ctx.company_currency,
		)


def _currency(
	rows: list[Row], ctx: MappingContext, problems: Problems, subject: str
) -> tuple[str, Decimal, list[Decimal]]:
	"""The journal's currency, its ExchangeRate and each row's amount in it (see the module docstring)."""
	home = ctx.company_currency
	foreign = list(dict.fromkeys(row.currency for row in rows if row.currency != home))
	if not foreign:
		check_currency(home, ctx, problems, subject)
		return home, Decimal(1), [row.home for row in rows]
	if len(foreign) > 1:
		listed = "; ".join(
			f"{currency} on " + ", ".join(row.place for row in rows if row.currency == currency)
			for currency in foreign
		)
		problems.add(
			"journal_several_currencies",
			_(
				"Its rows are in several foreign currencies ({listed}); a QuickBooks journal entry has one currency."
			),
			_(
				"Make one journal entry per currency in ERPNext (cancel and amend this one), then press Retry on the QuickBooks sync record."
			),
			listed=listed,
		)
		return home, Decimal(1), [row.home for row in rows]
	currency = foreign[0]
	check_currency(currency, ctx, problems, subject)
	revalued = [row for row in rows if row.currency == currency and not row.amount]
	for row in revalued:
		problems.add(
			"journal_home_only_row",
			_(
				"{place} changes only the {home} value of a {currency} account ({amount} {home}, nothing in "
				"{currency}); a QuickBooks journal entry converts every line at its exchange rate and cannot do that."
			),
			_(
				"Record the revaluation in QuickBooks with its Home Currency Adjustment and leave this entry out (or "
				"remove the row in ERPNext: cancel and amend), then press Retry on the QuickBooks sync record."
			),
			place=row.place,
			home=home,
			currency=currency,
			amount=fmt(row.home),
		)
	if revalued:
		return currency, Decimal(1), [row.amount for row in rows]
	solved = _in_currency(rows, home)
	if solved is None:
		rates = ", ".join(
			dict.fromkeys(f"{plain(row.rate)} on {row.place}" for row in rows if row.currency == currency)
		)
		problems.add(
			"journal_no_single_rate",
			_(
				"QuickBooks converts a {currency} journal entry at one exchange rate, and no rate turns its rows (at "
				"{rates}) into exactly ERPNext's {home} amounts while keeping the entry balanced in {currency}."
			),
			_(
				"Put the rows of each exchange rate in a journal entry of their own in ERPNext (cancel and amend "
				"this one), then press Retry on the QuickBooks sync record."
			),
			currency=currency,
			rates=rates,
			home=home,
		)
		return currency, Decimal(1), [row.amount for row in rows]
	amounts, rate = solved
	return currency, rate, amounts


def _in_currency(rows: list[Row], home: str) -> tuple[list[Decimal], Decimal] | None:
	"""Each row's amount in the foreign currency and the ExchangeRate under which QuickBooks converts every one to
	ERPNext's company-currency amount: foreign rows keep their amounts, company-currency rows are converted (each
	may move by a cent, the last taking what keeps the entry balanced). None when no rate does."""
	foreign = [(row.amount, row.home) for row in rows if row.currency != home]
	start = next(row.rate for row in rows if row.currency != home)
	if not start or start == 1:
		start = abs(foreign[0][1] / foreign[0][0])
	rate = rate_within(foreign, start)
	if rate is None:
		return None
	homes = [row.home for row in rows if row.currency == home]
	if not homes:
		return ([row.amount for row in rows], rate) if not sum(a for a, _h in foreign) else None
	rest = -sum((amount for amount, _home in foreign), ZERO)
	for split in cent_splits([money(amount / rate) for amount in homes], rest):
		found = rate_within([*foreign, *zip(split, homes, strict=True)], rate)
		if found is not None:
			converted = iter(split)
			return [row.amount if row.currency != home else next(converted) for row in rows], found
	return None


def _parties(
	resolved: list[tuple[Row, QBOAccountRef | None]], currency: str, ctx: MappingContext, problems: Problems
) -> dict[int, PartySpec]:
	"""The QuickBooks customer or vendor of each row that names one, by row idx; rows on QuickBooks A/R and A/P
	accounts must."""
	parties = {}
	for row, account in resolved:
		needed = PARTY_ACCOUNT_TYPES.get(account.account_type) if account else None
		kind = row.party_kind
		if kind is not None:
			parties[row.idx] = PartySpec(kind, row.party, currency)
			if row.currency != currency:
				problems.add(
					"journal_party_currency",
					_(
						"{place} is {party_type} {party}'s {row_currency} account in a {currency} journal entry; "
						"QuickBooks keeps each {party_type} in one currency and wants it to be the entry's."
					),
					_(
						"Make the rows of {party} a journal entry of their own in ERPNext (cancel and amend this one), "
						"then press Retry on the QuickBooks sync record."
					),
					place=row.place,
					party_type=row.party_type.lower(),
					party=row.party,
					row_currency=row.currency,
					currency=currency,
				)
		if kind == "Employee" and currency != ctx.qbo_home_currency:
			problems.add(
				"journal_employee_currency",
				_(
					"{place} names employee {party} in a {currency} journal entry; QuickBooks keeps employees in "
					"the home currency ({home}) only."
				),
				_(
					"Book the employee's rows in {home} in ERPNext (cancel and amend the document), or record this "
					"one in QuickBooks by hand, then press Retry on the QuickBooks sync record."
				),
				place=row.place,
				party=row.party,
				currency=currency,
				home=ctx.qbo_home_currency,
			)
		if needed and kind != needed and row.party and row.party_type not in PARTY_KINDS_SETTLING:
			problems.add(
				"journal_party_type_refused",
				_(
					"{place} posts to '{account}', an {account_type} account in QuickBooks, for {party_type} "
					"{party}; QuickBooks allows only a {needed} on {account_type} lines."
				),
				_(
					"Map '{erpnext_account}' to a QuickBooks account of another type (Other Current Liability or "
					"Other Current Asset, where the line can name the {party_type}) under QuickBooks Settings > "
					"Account Mapping, then press Retry on the QuickBooks sync record."
				),
				place=row.place,
				account=account.name,
				account_type=account.account_type,
				party_type=row.party_type,
				party=row.party,
				needed=needed.lower(),
				erpnext_account=row.account,
			)
		elif needed and kind != needed:
			who = f"{row.party_type} {row.party}" if row.party else "no party"
			problems.add(
				"journal_party_needed",
				_(
					"{place} posts to '{account}', an {account_type} account in QuickBooks, with {who}; QuickBooks "
					"needs a {needed} on every {account_type} line."
				),
				_(
					"Set the {needed_party} on the row in ERPNext (cancel and amend), or map '{erpnext_account}' to a "
					"QuickBooks account of another type under QuickBooks Settings > Account Mapping, then press Retry on the QuickBooks sync record."
				),
				place=row.place,
				account=account.name,
				account_type=account.account_type,
				who=who,
				needed=needed.lower(),
				needed_party="Customer" if needed == "Customer" else "Supplier",
				erpnext_account=row.account,
			)
	return parties


def _applications(lines: list[JournalLine]) -> list[Application]:
	"""The rows on a party's account against an invoice or bill of that party, merged per document."""
	merged: dict[tuple, Decimal] = {}
	for line in lines:
		row, party = line.row, line.party
		if party is None or row.reference_type != SETTLED_DOCTYPES.get(party.kind) or not row.reference_name:
			continue
		key = (party, row.reference_type, row.reference_name, row.account)
		merged[key] = merged.get(key, ZERO) + line.amount
	return [
		Application(party, doctype, name, amount, account)
		for (party, doctype, name, account), amount in merged.items()
		if amount
	]


def _is_reconciliation(lines: list[JournalLine], applications: list[Application]) -> bool:
	"""Every row is on one party's account against one of its documents, and the rows net to zero there: the entry
	moves an amount from one document to another and posts nothing."""
	if len(lines) < 2 or len({line.party for line in lines}) != 1 or lines[0].party is None:
		return False
	settled = SETTLED_DOCTYPES.get(lines[0].party.kind)
	if settled is None or any(
		line.row.reference_type != settled or not line.row.reference_name for line in lines
	):
		return False
	by_account: dict[str, Decimal] = {}
	for line in lines:
		by_account[line.row.account] = by_account.get(line.row.account, ZERO) + line.amount
	return not any(by_account.values()) and len(applications) >= 2


def _application_bank(
	lines: list[JournalLine], ctx: MappingContext, problems: Problems
) -> QBOAccountRef | None:
	"""The account a zero-total Bill Payment names (QuickBooks wants one even when no money moves): the entry's own
	bank or credit card account, else the company's default bank account."""
	for line in lines:
		if line.account.account_type in PAYING_ACCOUNT_TYPES:
			return line.account
	account = ctx.account_map.get(ctx.default_bank_account or "")
	if account is None:
		problems.add(
			"journal_application_bank",
			_(
				"Linking the entry to the bills it settles needs a zero-amount Bill Payment, and QuickBooks wants a "
				"bank account on it, but the entry has no bank or credit card row and the company's Default Bank "
				"Account is not set or not mapped."
			),
			_(
				"Set the Default Bank Account of the Company (Company > Accounts tab) and map it under QuickBooks "
				"Settings > Account Mapping, then press Retry on the QuickBooks sync record."
			),
		)
	return account


def _details(doc: Mapping, lines: list[JournalLine], applications: list[Application]) -> list[str]:
	"""What the PrivateNote says after the marker."""
	details = [doc.get("voucher_type") or DOCTYPE]
	if doc.get("is_opening") == "Yes":
		details.append("Is Opening = Yes (QuickBooks has no opening flag)")
	remark = plain_text(doc.get("user_remark"))
	if remark:
		details.append(remark)
	if doc.get("cheque_no"):
		dated = f" dated {doc['cheque_date']}" if doc.get("cheque_date") else ""
		details.append(f"reference {reference_number(doc['cheque_no'])}{dated}")
	if doc.get("bill_no"):
		details.append(f"bill {doc['bill_no']}")
	details.extend(reference_details(lines, applications))
	if doc.get("amended_from"):
		details.append(f"amends {doc['amended_from']}")
	return list(dict.fromkeys(details))


def reference_details(lines: list[JournalLine], applications: list[Application]) -> list[str]:
	"""What the note says of the documents rows reference that are not linked in QuickBooks."""
	details = []
	linked = {(application.doctype, application.name) for application in applications}
	for line in lines:
		reference = (line.row.reference_type, line.row.reference_name)
		if not all(reference) or reference in linked:
			continue
		if line.party is not None:
			details.append(f"against {reference[0]} {reference[1]} in ERPNext, not linked in QuickBooks")
		else:
			details.append(f"for {reference[0]} {reference[1]}")
	return details


# Building -----------------------------------------------------------------------------------------------------


def _line_json(line: JournalLine, refs: Refs) -> dict:
	return journal_line_json(line.amount, line.account, line.dimensions, line.party, refs, line.row.remark)


def journal_line_json(
	amount: Decimal,
	account: QBOAccountRef,
	dimensions: Mapping,
	party: PartySpec | None,
	refs: Refs,
	description: str | None = None,
) -> dict:
	"""One QuickBooks journal line: positive amounts debit, negative credit; a party line names its customer,
	vendor or employee."""
	detail: dict = {
		"PostingType": "Debit" if amount > 0 else "Credit",
		"AccountRef": account.ref(),
		**dimensions,
	}
	if party is not None:
		detail["Entity"] = {"Type": party.kind, "EntityRef": {"value": refs.require_party_of(party)}}
	body: dict = {"DetailType": "JournalEntryLineDetail", "Amount": abs(amount)}
	if description:
		body["Description"] = description
	body["JournalEntryLineDetail"] = detail
	return body


def _target(application: Application, refs: Refs) -> TxnRef:
	return refs.require_linked(application.doctype, application.name)


def _reduces(application: Application, target: TxnRef) -> bool:
	"""Whether the rows reduce what is open on the target in QuickBooks: a credit to a customer's account against an
	invoice (a debit against a credit memo), a debit to a supplier's account against a bill (a credit against a
	vendor credit). Only such amounts can be linked there."""
	credit_to_party = (
		application.amount < 0 if application.party.kind == "Customer" else application.amount > 0
	)
	return credit_to_party != (target.entity == CREDITS[application.party.kind])


def _fmt_signed(application: Application) -> str:
	side = "debit" if application.amount > 0 else "credit"
	return f"{ACCOUNTS} {side} {fmt(abs(application.amount))}"


def _payer_body(
	planned: JournalPlan,
	application: Application,
	refs: Refs,
	lines: list[dict],
	note: str,
	ctx: MappingContext,
) -> tuple[str, dict]:
	"""A zero-total Payment (customer) or Bill Payment (vendor) with `lines`: (entity, body)."""
	party_id = refs.require_party_of(application.party)
	body: dict = {"TotalAmt": ZERO, "Line": lines}
	if application.party.kind == "Customer":
		body["CustomerRef"] = {"value": party_id}
		body["PaymentRefNum"] = doc_number(planned.name)
	else:
		body["VendorRef"] = {"value": party_id}
		body.update(pay_from(planned.application_bank))
	body.update(
		optional_header_fields(
			txn_date=planned.txn_date,
			private_note=note,
			**currency_arguments(planned.currency, planned.exchange_rate, ctx),
		)
	)
	body.update(party_account_field(application.account, ctx))
	return PAYERS[application.party.kind], body


def _reconciliation_payload(planned: JournalPlan, ctx: MappingContext, refs: Refs) -> QBOPayload:
	lines, origins = [], []
	for application in planned.applications:
		target = _target(application, refs)
		if not _reduces(application, target):
			problem = Problem.of(
				"journal_reconciliation_direction",
				_(
					"It moves {amount} between documents of {party}, but adds it to {doctype} {document}, which is "
					"a {entity} in QuickBooks; QuickBooks can only apply credits to what is owed."
				),
				_(
					"Correct the allocation in ERPNext (cancel and amend the entry), then press Retry on the QuickBooks sync record."
				),
				amount=fmt(abs(application.amount)),
				party=application.party.name,
				doctype=application.doctype,
				document=application.name,
				entity=target.entity,
			)
			raise MappingError(problem, f"{planned.doctype} {planned.name}")
		lines.append(
			{"Amount": abs(application.amount), "LinkedTxn": [{"TxnId": target.id, "TxnType": target.entity}]}
		)
		origins.append(Origin(f"{ACCOUNTS} ({application.doctype} {application.name})", ""))
	note = private_note(
		planned.doctype,
		planned.name,
		*planned.details,
		"moves amounts between documents: applied, no journal entry",
	)
	entity, body = _payer_body(planned, planned.applications[0], refs, lines, note, ctx)
	number = doc_number(planned.name)
	if entity == "BillPayment":
		body["DocNumber"] = number
	return QBOPayload(entity, body, number if entity == "BillPayment" else None, ZERO, origins=tuple(origins))
