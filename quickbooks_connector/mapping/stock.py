"""Stock and cost of goods (perpetual inventory) -> QuickBooks JournalEntry.

With perpetual inventory ERPNext posts the value of every stock move to the General Ledger: a Delivery Note moves it
from the warehouse's stock account to cost of goods sold, a Purchase Receipt into stock against Stock Received But
Not Billed (and, with valuation charges, Expenses Included In Valuation), a Stock Entry between stock and its
expense accounts, a Stock Reconciliation against Stock Adjustment, a Sales Invoice that updates stock does what the
Delivery Note would. Those GL rows are the truth: the journal books them, account by account, to the cent, on the
accounts they are mapped to (the inventory account should be an Other Current Asset that no QuickBooks inventory
item uses: QuickBooks Inventory items keep their own quantities and value there).

Two modes (`MappingContext.stock_journals`):

- Per voucher: one JournalEntry per stock voucher with its GL rows (rows of one account, party and dimensions
  merged), DocNumber = the voucher's name; cancel deletes it. A Sales Invoice that updates stock is sent as its
  Invoice (receivable, income, tax) plus a JournalEntry companion (key "stock") with only its stock and cost of goods
  rows (those on stock accounts and on its items' expense accounts), deleted with the invoice.
- Daily summary: the vouchers' records say where their postings went, and one JournalEntry per company and posting
  date (`SUMMARY_DOCTYPE`, one document per date: the record's key is the date) books the sum of that day's stock
  postings per account. When a voucher of a day already sent is submitted, cancelled or re-posted, the summary is
  updated in place (sync.refresh: same QuickBooks record, new lines), never doubled by an adjustment journal.

Landed Cost Vouchers post nothing of their own: ERPNext re-posts the receipts they add cost to, on the receipts'
dates. The connector follows the GL: it updates the receipts' journals (or their days' summaries), so the landed
cost lands where ERPNext puts it; the voucher's record says so. A landed cost on a Purchase Invoice that updated
stock is refused: that invoice is a Bill in QuickBooks, which a journal cannot change.

Documents: a stock voucher or invoice carries its GL rows as `gl_entries` (the voucher's `GL Entry` rows with
is_cancelled = 0, `account_type` added); a summary carries `vouchers`, each with its doctype, name and `gl_entries`
(and, for invoices, `update_stock` and the items' expense accounts). Before submit there are no GL rows yet: the
pre-submit check gives `expected_accounts` instead, the accounts ERPNext will post to, and only their mapping is
checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from quickbooks_connector.constants import STOCK_SUMMARY
from quickbooks_connector.mapping.context import MappingContext, QBOAccountRef
from quickbooks_connector.mapping.dimensions import Dimensions, Tags, tags_of
from quickbooks_connector.mapping.errors import MappingError, Problem, Problems, _
from quickbooks_connector.mapping.journal import journal_line_json
from quickbooks_connector.mapping.lines import AccountBook, check_currency, currency_fields, flag
from quickbooks_connector.mapping.money import ZERO, fmt, money
from quickbooks_connector.mapping.naming import doc_number, plain_text, private_note
from quickbooks_connector.mapping.payload import MAIN, Origin, QBOPayload, Skip
from quickbooks_connector.mapping.refs import Dependencies, PartySpec, Refs

DELIVERY_NOTE = "Delivery Note"
PURCHASE_RECEIPT = "Purchase Receipt"
STOCK_ENTRY = "Stock Entry"
STOCK_RECONCILIATION = "Stock Reconciliation"
LANDED_COST_VOUCHER = "Landed Cost Voucher"
SALES_INVOICE = "Sales Invoice"
PURCHASE_INVOICE = "Purchase Invoice"
VOUCHER_DOCTYPES = (DELIVERY_NOTE, PURCHASE_RECEIPT, STOCK_ENTRY, STOCK_RECONCILIATION, LANDED_COST_VOUCHER)
SUMMARY_DOCTYPE = STOCK_SUMMARY
DOCTYPE = DELIVERY_NOTE  # the Mapper protocol's; this module maps every doctype above

PER_VOUCHER = "Per voucher"
DAILY_SUMMARY = "Daily summary"
MODES = (PER_VOUCHER, DAILY_SUMMARY)

GL_ROWS = "gl_entries"
EXPECTED_ACCOUNTS = "expected_accounts"
# a voucher of a day whose summary is in QuickBooks (sent while the mode was Daily summary): the summary's name
IN_SUMMARY = "stock_summary"
COMPANION = "stock"  # key of a Sales Invoice's stock journal
SUMMARY_NUMBER = "STOCK-"  # DocNumber prefix of a day's summary: STOCK-2026-12-02
# ERPNext account types of the accounts stock moves post to besides the items' expense accounts
STOCK_ACCOUNT_TYPES = ("Stock", "Stock Adjustment")
PARTY_KINDS = {"Customer": "Customer", "Supplier": "Vendor"}
PARTY_ACCOUNT_TYPES = {"Accounts Receivable": "Customer", "Accounts Payable": "Vendor"}
# Why a document posts nothing: a refresh removes what QuickBooks holds of it (see sync.refresh)
POSTS_NOTHING = "stock_posts_nothing"
VOUCHER_POSTS_NOTHING = "stock_voucher_posts_nothing"
NOTHING_TO_SEND = frozenset({POSTS_NOTHING, VOUCHER_POSTS_NOTHING})


@dataclass(frozen=True)
class Posting:
	"""One GL row: signed debit in company currency, where it comes from (`place`, for messages)."""

	account: str
	amount: Decimal
	currency: str
	party_type: str
	party: str
	tags: Tags
	place: str


@dataclass(frozen=True)
class StockLine:
	account: QBOAccountRef
	amount: Decimal  # signed debit, company currency
	party: PartySpec | None
	dimensions: Mapping[str, dict]
	place: str

	@property
	def origin(self) -> Origin:
		return Origin(self.place, "Debit" if self.amount > 0 else "Credit")


@dataclass
class StockPlan:
	doctype: str
	name: str
	txn_date: str | None
	number: str
	lines: list[StockLine]
	details: list[str] = field(default_factory=list)
	key: str = MAIN

	@property
	def parties(self) -> tuple[PartySpec, ...]:
		return tuple(dict.fromkeys(line.party for line in self.lines if line.party))

	@property
	def debits(self) -> Decimal:
		return sum((line.amount for line in self.lines if line.amount > 0), ZERO)


# The Mapper protocol (stock vouchers and daily summaries) ------------------------------------------------------


def plan(doc: Mapping, ctx: MappingContext) -> StockPlan | Skip:
	doctype, name = doc["doctype"], doc["name"]
	skip = _not_sent(doc, ctx)
	if skip:
		return skip
	problems = Problems(f"{doctype} {name}")
	accounts, dimensions = AccountBook(ctx, problems), Dimensions(ctx, problems)
	if doctype != SUMMARY_DOCTYPE and GL_ROWS not in doc:
		return _check_expected(doc, accounts, problems)
	postings = summary_postings(doc, ctx) if doctype == SUMMARY_DOCTYPE else voucher_postings(doc, ctx)
	if not any(posting.amount for posting in postings):
		return _posts_nothing(doc)
	lines = _lines(postings, ctx, accounts, dimensions, problems)
	accounts.report()
	dimensions.report()
	problems.raise_if_any()
	summary = doctype == SUMMARY_DOCTYPE
	return StockPlan(
		doctype=doctype,
		name=name,
		txn_date=doc.get("posting_date"),
		number=summary_number(doc["posting_date"]) if summary else doc_number(name),
		lines=lines,
		details=_summary_details(doc) if summary else _voucher_details(doc),
	)


def dependencies(planned: StockPlan, doc: Mapping, ctx: MappingContext) -> Dependencies:
	parties = planned.parties
	return Dependencies(party=parties[0] if parties else None, parties=parties)


def build_prerequisites(
	planned: StockPlan, doc: Mapping, ctx: MappingContext, refs: Refs
) -> list[QBOPayload]:
	return []


def build_payload(planned: StockPlan, doc: Mapping, ctx: MappingContext, refs: Refs) -> QBOPayload:
	return journal_payload(planned, ctx, refs)


def build_followups(
	planned: StockPlan, doc: Mapping, ctx: MappingContext, refs: Refs, qbo_id: str
) -> list[QBOPayload]:
	return []


# A Sales Invoice that updates stock ---------------------------------------------------------------------------


def check_invoice(doc: Mapping, ctx: MappingContext, accounts: AccountBook, problems: Problems) -> None:
	"""While the invoice is planned: the accounts of its stock rows must be mapped and the rows must balance (into
	the invoice's own problems, so the sync record lists everything at once)."""
	if not ctx.stock_journals or not flag(doc, "update_stock") or doc.get("doctype") != SALES_INVOICE:
		return
	if GL_ROWS not in doc:
		for row in doc.get(EXPECTED_ACCOUNTS) or []:
			accounts.get(row.get("account"), row.get("usage") or "stock posting")
		return
	dimensions = Dimensions(ctx, problems)
	_lines(voucher_postings(doc, ctx), ctx, accounts, dimensions, problems)
	dimensions.report()


def invoice_companions(doc: Mapping, ctx: MappingContext, refs: Refs) -> list[QBOPayload]:
	"""The invoice's stock journal (key "stock"), per voucher only: in a daily summary its rows are the day's."""
	if ctx.stock_journals != PER_VOUCHER or doc.get(IN_SUMMARY) or GL_ROWS not in doc:
		return []
	postings = voucher_postings(doc, ctx)
	if not any(posting.amount for posting in postings):
		return []
	problems = Problems(f"{SALES_INVOICE} {doc['name']}")
	accounts, dimensions = AccountBook(ctx, problems), Dimensions(ctx, problems)
	lines = _lines(postings, ctx, accounts, dimensions, problems)
	accounts.report()
	dimensions.report()
	problems.raise_if_any()
	planned = StockPlan(
		doctype=SALES_INVOICE,
		name=doc["name"],
		txn_date=doc.get("posting_date"),
		number=doc_number(doc["name"]),
		lines=lines,
		details=["stock and cost of goods sold of the invoice (it updates stock)"],
		key=COMPANION,
	)
	return [journal_payload(planned, ctx, refs)]


# GL rows -> postings ---------------------------------------------------------------------------------------------


def reads_gl_rows(doc: Mapping) -> bool:
	"""Whether the mapping reads the document's GL rows (`gl_entries`): stock vouchers, invoices that update stock."""
	doctype = doc.get("doctype")
	return doctype in VOUCHER_DOCTYPES or (doctype == SALES_INVOICE and flag(doc, "update_stock"))


def stock_rows(doc: Mapping) -> list[Mapping]:
	"""The document's GL rows that are stock postings: every row of a stock voucher; of a Sales Invoice that updates
	stock, those on stock accounts and on its items' expense accounts (cost of goods sold), the rest being the
	Invoice's."""
	rows = doc.get(GL_ROWS) or []
	if doc.get("doctype") != SALES_INVOICE:
		return list(rows)
	if not flag(doc, "update_stock"):
		return []
	expense = {row.get("expense_account") for row in doc.get("items") or []} - {None, ""}
	return [
		row for row in rows if row.get("account_type") in STOCK_ACCOUNT_TYPES or row.get("account") in expense
	]


def voucher_postings(doc: Mapping, ctx: MappingContext, prefix: str = "") -> list[Posting]:
	return [
		Posting(
			account=row.get("account") or "",
			amount=money(row.get("debit")) - money(row.get("credit")),
			currency=(row.get("account_currency") or ctx.company_currency).upper(),
			party_type=row.get("party_type") or "",
			party=row.get("party") or "",
			tags=tags_of(row, row, ctx),
			place=f"{prefix}GL row {position} ({row.get('account')})",
		)
		for position, row in enumerate(stock_rows(doc), start=1)
	]


def summary_postings(doc: Mapping, ctx: MappingContext) -> list[Posting]:
	"""Every stock posting of the day's vouchers."""
	postings = []
	for voucher in doc.get("vouchers") or []:
		postings.extend(voucher_postings(voucher, ctx, f"{voucher['doctype']} {voucher['name']}: "))
	return postings


def summary_document(
	name: str, company: str, posting_date: str, vouchers: Iterable[Mapping], docstatus: int = 1
) -> dict:
	"""A day's summary as the mapping reads it: the day's vouchers with stock postings that have no journal of their
	own in QuickBooks (each with its GL rows; see `stock_rows`)."""
	return {
		"doctype": SUMMARY_DOCTYPE,
		"name": name,
		"company": company,
		"posting_date": str(posting_date)[:10],
		"docstatus": docstatus,
		"vouchers": [voucher for voucher in vouchers if stock_rows(voucher)],
	}


def summary_number(posting_date: str) -> str:
	return doc_number(f"{SUMMARY_NUMBER}{str(posting_date)[:10]}")


def _lines(
	postings: list[Posting],
	ctx: MappingContext,
	accounts: AccountBook,
	dimensions: Dimensions,
	problems: Problems,
) -> list[StockLine]:
	"""One line per account, party and QuickBooks class / location, with the net of its rows; checks what
	QuickBooks would refuse."""
	_check_balanced(postings, ctx, problems)
	check_currency(ctx.company_currency, ctx, problems, problems.subject)
	merged: dict[tuple, tuple[list[Posting], dict]] = {}
	for posting in postings:
		if posting.amount:
			refs = dimensions.line_refs(posting.tags, posting.place)
			key = (posting.account, posting.party_type, posting.party, _refs_key(refs))
			merged.setdefault(key, ([], refs))[0].append(posting)
	lines = []
	for group, refs in merged.values():
		first, amount = group[0], sum((posting.amount for posting in group), ZERO)
		place = first.place if len(group) == 1 else f"{first.place} and {len(group) - 1} more"
		account = accounts.get(first.account, place)
		_check_account_currency(first, ctx, problems)
		party = _party(first, account, place, ctx, problems)
		if account is not None and amount:
			lines.append(StockLine(account, amount, party, refs, place))
	return lines


def _refs_key(refs: Mapping[str, dict]) -> tuple:
	return tuple(sorted((name, ref.get("value")) for name, ref in refs.items()))


def _check_balanced(postings: list[Posting], ctx: MappingContext, problems: Problems) -> None:
	debits = sum((posting.amount for posting in postings if posting.amount > 0), ZERO)
	credits = -sum((posting.amount for posting in postings if posting.amount < 0), ZERO)
	if debits != credits:
		problems.add(
			"stock_unbalanced",
			_(
				"Its stock postings debit {debits} {currency} and credit {credits} {currency}; a QuickBooks journal "
				"entry must balance."
			),
			_(
				"Check the document's GL entries in ERPNext (General Ledger report, by voucher); repost it if they are "
				"off, then press Retry on the QuickBooks sync record."
			),
			debits=fmt(debits),
			credits=fmt(credits),
			currency=ctx.company_currency,
		)


def _check_account_currency(posting: Posting, ctx: MappingContext, problems: Problems) -> None:
	if posting.currency != ctx.company_currency:
		problems.add(
			"stock_foreign_account",
			_(
				"{place} posts to a {currency} account; a stock journal is in {company_currency}, and QuickBooks "
				"converts every line of a journal entry at its one exchange rate."
			),
			_("Record that posting in QuickBooks by hand; the other postings follow on Retry."),
			place=posting.place,
			currency=posting.currency,
			company_currency=ctx.company_currency,
		)


def _party(
	posting: Posting,
	account: QBOAccountRef | None,
	place: str,
	ctx: MappingContext,
	problems: Problems,
) -> PartySpec | None:
	"""The customer or vendor of a row that names one; QuickBooks needs one on A/R and A/P lines."""
	kind = PARTY_KINDS.get(posting.party_type) if posting.party else None
	needed = PARTY_ACCOUNT_TYPES.get(account.account_type) if account else None
	if needed and kind != needed:
		problems.add(
			"stock_party_needed",
			_(
				"{place} posts to '{account}', an {account_type} account in QuickBooks, and QuickBooks needs a "
				"{needed} on every {account_type} line."
			),
			_(
				"Map '{erpnext_account}' to a QuickBooks account of another type under QuickBooks Settings > "
				"Account Mapping, then press Retry on the QuickBooks sync record."
			),
			place=place,
			account=account.name,
			account_type=account.account_type,
			needed=needed.lower(),
			erpnext_account=posting.account,
		)
	return PartySpec(kind, posting.party, ctx.company_currency) if kind else None


# What is not sent -------------------------------------------------------------------------------------------------


def _not_sent(doc: Mapping, ctx: MappingContext) -> Skip | None:
	doctype, name = doc["doctype"], doc["name"]
	if not ctx.stock_journals:
		return Skip(
			Problem.of(
				"stock_journals_off",
				_(
					"{doctype} {name} is a stock posting; sending stock and cost of goods postings to QuickBooks is "
					"turned off in QuickBooks Settings."
				),
				doctype=doctype,
				name=name,
			)
		)
	if doctype == LANDED_COST_VOUCHER:
		return _landed_cost(doc, ctx)
	if doctype != SUMMARY_DOCTYPE and (ctx.stock_journals == DAILY_SUMMARY or doc.get(IN_SUMMARY)):
		return Skip(
			Problem.of(
				"stock_in_daily_summary",
				_(
					"{doctype} {name} goes to QuickBooks in the journal that sums the company's stock postings of "
					"{date} (QuickBooks Stock Summary {summary}), once the day is over; that summary's sync record "
					"says how it went."
				),
				doctype=doctype,
				name=name,
				date=doc.get("posting_date"),
				summary=doc.get(IN_SUMMARY) or str(doc.get("posting_date")),
			)
		)
	return None


def _landed_cost(doc: Mapping, ctx: MappingContext) -> Skip:
	"""A landed cost voucher posts nothing itself; ERPNext re-posts its receipts (see the module docstring)."""
	receipts = landed_cost_receipts(doc)
	invoices = [name for doctype, name in receipts if doctype == PURCHASE_INVOICE]
	if invoices:
		raise MappingError(
			Problem.of(
				"landed_cost_on_invoice",
				_(
					"It adds {amount} to the stock value of {invoices}, a Purchase Invoice that updated stock: ERPNext "
					"re-posts that invoice, which is a Bill in QuickBooks, and a journal entry cannot change a Bill."
				),
				_(
					"Record the landed cost in QuickBooks by hand (a journal entry debiting the inventory account and "
					"crediting the charges' accounts on the invoice's date), or put the charges on a Purchase Receipt."
				),
				amount=fmt(
					sum((money(row.get("applicable_charges")) for row in doc.get("items") or []), ZERO)
				),
				invoices=", ".join(f"{PURCHASE_INVOICE} {name}" for name in invoices),
			),
			f"{LANDED_COST_VOUCHER} {doc['name']}",
		)
	listed = ", ".join(f"{doctype} {name}" for doctype, name in receipts) or "no receipt"
	where = (
		"the stock summaries of their dates are updated"
		if ctx.stock_journals == DAILY_SUMMARY
		else "their QuickBooks journals are updated"
	)
	return Skip(
		Problem.of(
			"landed_cost_on_receipts",
			_(
				"{doctype} {name} posts nothing of its own: ERPNext re-posts {receipts} with the landed cost, on their "
				"dates, and {where} to match."
			),
			doctype=LANDED_COST_VOUCHER,
			name=doc["name"],
			receipts=listed,
			where=where,
		)
	)


def landed_cost_receipts(doc: Mapping) -> list[tuple[str, str]]:
	"""The (doctype, name) of the receipts a landed cost voucher re-posts."""
	rows = [*(doc.get("purchase_receipts") or []), *(doc.get("items") or [])]
	return list(
		dict.fromkeys(
			(row.get("receipt_document_type") or PURCHASE_RECEIPT, row["receipt_document"])
			for row in rows
			if row.get("receipt_document")
		)
	)


def _posts_nothing(doc: Mapping) -> Skip:
	if doc["doctype"] == SUMMARY_DOCTYPE:
		return Skip(
			Problem.of(
				POSTS_NOTHING,
				_(
					"No stock voucher of {date} posts anything to the General Ledger; there is nothing to send."
				),
				date=doc.get("posting_date"),
			)
		)
	return Skip(
		Problem.of(
			VOUCHER_POSTS_NOTHING,
			_(
				"{doctype} {name} posts nothing to the General Ledger (perpetual inventory off, or it moves stock "
				"between warehouses of one account); there is nothing to send."
			),
			doctype=doc["doctype"],
			name=doc["name"],
		)
	)


def _check_expected(doc: Mapping, accounts: AccountBook, problems: Problems) -> Skip:
	"""Before submit: the accounts ERPNext will post to must be mapped (the amounts come with the GL)."""
	for row in doc.get(EXPECTED_ACCOUNTS) or []:
		accounts.get(row.get("account"), row.get("usage") or "stock posting")
	accounts.report()
	problems.raise_if_any()
	return Skip(
		Problem.of(
			"stock_not_posted_yet",
			_("{doctype} {name} has no GL entries yet; its accounts are mapped."),
			doctype=doc["doctype"],
			name=doc["name"],
		)
	)


# Building ---------------------------------------------------------------------------------------------------------


def journal_payload(planned: StockPlan, ctx: MappingContext, refs: Refs) -> QBOPayload:
	body: dict = {
		"DocNumber": planned.number,
		"TxnDate": planned.txn_date,
		"PrivateNote": private_note(planned.doctype, planned.name, *planned.details),
		"Line": [_line_json(line, refs) for line in planned.lines],
		**currency_fields(ctx.company_currency, Decimal(1), ctx),
	}
	body = {key: value for key, value in body.items() if value is not None}
	origins = tuple(line.origin for line in planned.lines)
	return QBOPayload("JournalEntry", body, planned.number, planned.debits, key=planned.key, origins=origins)


def _line_json(line: StockLine, refs: Refs) -> dict:
	return journal_line_json(line.amount, line.account, line.dimensions, line.party, refs)


def _voucher_details(doc: Mapping) -> list[str]:
	kind = doc.get("stock_entry_type") or doc.get("purpose")
	details = [kind] if kind and kind != doc["doctype"] else []
	if flag(doc, "is_return"):
		details.append(
			f"return against {doc.get('return_against')}" if doc.get("return_against") else "return"
		)
	remark = plain_text(doc.get("remarks"), 500)
	if remark and remark != "No Remarks":
		details.append(remark)
	if doc.get("amended_from"):
		details.append(f"amends {doc['amended_from']}")
	return details


def _summary_details(doc: Mapping) -> list[str]:
	vouchers = [f"{voucher['doctype']} {voucher['name']}" for voucher in _posting_vouchers(doc)]
	return [f"stock postings of {doc.get('posting_date')}: {len(vouchers)} vouchers", ", ".join(vouchers)]


def _posting_vouchers(doc: Mapping) -> Iterable[Mapping]:
	return (voucher for voucher in doc.get("vouchers") or [] if stock_rows(voucher))
