"""A document's own GL rows -> one QuickBooks JournalEntry, for what no QuickBooks form can book.

Some documents move money in ways QuickBooks has no form for: a Payment Entry to or from an employee, a shareholder
or another party type QuickBooks does not know, a payment without a party, one with Advance Taxes and Charges, an
internal transfer between accounts of two currencies (payment.py), the disposal rows of a fixed asset sale
(assets.py). What ERPNext posted for them, its GL rows, is the truth, so they are booked as journal entries of those
rows, through journal.py's line builder (`journal.plan_rows`): each row on its mapped account, Debit or Credit as in
the GL, its cost center and dimension as class and location; rows on a customer's or supplier's receivable or
payable name the QuickBooks customer or vendor, an employee's rows the QuickBooks Employee (which QuickBooks allows
on any line but A/R and A/P, and only in the home currency); rows against a Sales or Purchase Invoice are applied to
it as journal rows are. Rows in one foreign currency give a journal in that currency at the rate that keeps every
company-currency amount, exactly as for Journal Entries; a transfer between two foreign currencies cannot be one
QuickBooks journal and fails with what to do.

The document carries its GL rows as `gl_entries` (ERPNext's `GL Entry` rows with is_cancelled = 0, each with its
account's `account_type`), loaded by the port when the mapper's `reads_gl_rows(doc)` says so. Before submit (the
pre-submit check) the key is absent: only the mapping of the accounts the document names is checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from quickbooks_connector.mapping import journal
from quickbooks_connector.mapping.context import MappingContext
from quickbooks_connector.mapping.dimensions import tags_of
from quickbooks_connector.mapping.errors import MappingError, Problem, Problems, _
from quickbooks_connector.mapping.lines import AccountBook, flag
from quickbooks_connector.mapping.money import money
from quickbooks_connector.mapping.naming import DESCRIPTION_MAX, plain_text
from quickbooks_connector.mapping.payload import Skip

GL_ROWS = "gl_entries"
GL_TABLE = "General Ledger"  # how messages name a GL row: "General Ledger row 2 (Cash - WP)"


def has_gl_rows(doc: Mapping) -> bool:
	"""Whether the document comes with its GL rows (the port loaded them; absent before submit)."""
	return GL_ROWS in doc


def gl_rows(doc: Mapping, ctx: MappingContext, rows: Iterable[Mapping] | None = None) -> list[journal.Row]:
	"""The document's GL rows (or `rows`, some of them) as journal rows; rows posting nothing are left out."""
	converted = []
	for position, row in enumerate(doc.get(GL_ROWS) or [] if rows is None else rows, start=1):
		if flag(row, "is_cancelled"):
			continue
		amount = money(row.get("debit_in_account_currency")) - money(row.get("credit_in_account_currency"))
		home = money(row.get("debit")) - money(row.get("credit"))
		if not amount and not home:
			continue
		currency = (row.get("account_currency") or ctx.company_currency).upper()
		party_type, party = row.get("party_type") or "", row.get("party") or ""
		who = f"{party_type} {party}" if party and party_type not in journal.PARTY_KINDS else ""
		converted.append(
			journal.Row(
				idx=row.get("idx") or position,
				account=row.get("account") or "",
				currency=currency,
				amount=home if currency == ctx.company_currency else amount,
				home=home,
				rate=abs(home / amount) if amount and home else Decimal(1),
				party_type=party_type,
				party=party,
				reference_type=row.get("against_voucher_type") or "",
				reference_name=row.get("against_voucher") or "",
				# a party QuickBooks has no record for is named on the line
				remark="; ".join(filter(None, [who, plain_text(row.get("remarks"))]))[:DESCRIPTION_MAX],
				tags=tags_of(row, doc, ctx),
				table=GL_TABLE,
			)
		)
	return converted


def plan(
	doc: Mapping, ctx: MappingContext, *, details: list[str], accounts: Iterable[tuple[str, str]] = ()
) -> journal.JournalPlan | Skip:
	"""The journal entry of the document's GL rows. Before submit (no GL rows yet): the `accounts` the document
	names, (account, what it is for), must be mapped, and the document is left to its submit."""
	doctype, name = doc["doctype"], doc["name"]
	if not has_gl_rows(doc):
		return _before_submit(doc, ctx, accounts)
	rows = gl_rows(doc, ctx)
	if not rows:
		raise MappingError(
			Problem.of(
				"gl_rows_missing",
				_(
					"{doctype} {name} is booked in QuickBooks as a journal entry of its General Ledger entries, "
					"and ERPNext has none for it."
				),
				_(
					"Check the document's General Ledger in ERPNext (Accounting Ledger on the form); if ERPNext "
					"should have posted it, repost it (Repost Accounting Ledger), then press Retry on the "
					"QuickBooks sync record."
				),
				doctype=doctype,
				name=name,
			),
			f"{doctype} {name}",
		)
	return journal.plan_rows(doc, rows, ctx, doctype=doctype, details=details)


def _before_submit(doc: Mapping, ctx: MappingContext, accounts: Iterable[tuple[str, str]]) -> Skip:
	problems = Problems(f"{doc['doctype']} {doc['name']}")
	book = AccountBook(ctx, problems)
	for account, usage in accounts:
		if account:
			book.get(account, usage)
	book.report()
	problems.raise_if_any()
	return Skip(
		Problem.of(
			"gl_rows_not_posted_yet",
			_(
				"{doctype} {name} has no General Ledger entries yet; the accounts it names are mapped, and its "
				"journal entry is made from its GL entries once it is submitted."
			),
			doctype=doc["doctype"],
			name=doc["name"],
		)
	)
