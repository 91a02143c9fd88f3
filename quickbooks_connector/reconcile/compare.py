"""ERPNext's General Ledger next to QuickBooks', account by account, with each difference explained where it can be.

Pure functions over plain data, Decimal amounts in company currency (= QuickBooks' home currency):

* `erpnext`: per ERPNext account its `Figures` for the period (opening, debit, credit);
* `mapping`: ERPNext account -> QuickBooks Account Id (several ERPNext accounts may share one QuickBooks account;
  their figures are added up);
* `documents`: the ERPNext documents of the period, each with its net posting per ERPNext account, its sync status
  and the QuickBooks records the connector wrote for it (`ErpDocument`);
* `quickbooks`: the `QuickBooksLedger` read from QuickBooks' reports;
* `notes`: PrivateNotes of QuickBooks transactions no sync record names (the connector marks its records
  "ERPNext <doctype> <name>", so a record written for a document whose sync record was lost is still known).

A row per QuickBooks account that is mapped or moved, plus a row per ERPNext account with figures but no mapping.
Each difference (QuickBooks minus ERPNext) is explained by `Explanation`s whose amounts add up to it:

* `opening`: the opening balances differ already (reconcile the earlier period first);
* per ERPNext document posting on the account: not sent yet (`waiting`), refused (`failed`), not sent by rule
  (`skipped`), never recorded (`unsynced`), or sent but booked differently in QuickBooks (`posted_differently`;
  `rounding` when the document differs by at most one cent);
* per QuickBooks transaction on the account that no ERPNext document of the period owns: `quickbooks_only`
  (created or changed in QuickBooks), or `other_document` (it names an ERPNext document outside the list);
* what is left: `unexplained`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from quickbooks_connector.mapping import SUPPORTED_DOCTYPES
from quickbooks_connector.mapping.errors import Problem, _
from quickbooks_connector.mapping.naming import MARKER_PREFIX
from quickbooks_connector.reconcile.quickbooks import ZERO, Account, Entry, Figures, QuickBooksLedger

CENT = Decimal("0.01")
TxnKey = tuple[str, str]  # (QuickBooks entity, Id)
DocKey = tuple[str, str]  # (ERPNext doctype, name)
# "ERPNext <doctype> <name>" as naming.private_note writes it (also after QuickBooks prefixed "Voided - ")
_DOCTYPES = "|".join(re.escape(doctype) for doctype in SUPPORTED_DOCTYPES)
_MARKER = re.compile(rf"(?:^|\s){re.escape(MARKER_PREFIX)}({_DOCTYPES}) (\S+?)(?=$|[;\s(])")


@dataclass(frozen=True)
class ErpDocument:
	doctype: str
	name: str
	posting_date: str
	status: (
		str  # the sync record's status ("Synced", "Queued", "Failed", "Skipped", "Voided"); "" without one
	)
	postings: Mapping[str, Decimal]  # ERPNext account -> net debit in company currency
	qbo_records: tuple[TxnKey, ...] = ()  # every QuickBooks record the connector wrote for it
	sync_log: str = ""  # the sync record's name, for a link
	reason: str = ""  # the sync record's error or skip reason

	@property
	def key(self) -> DocKey:
		return self.doctype, self.name


@dataclass(frozen=True)
class Explanation:
	code: str
	amount: Decimal  # its share of the difference (QuickBooks minus ERPNext)
	problem: Problem
	document: DocKey | None = None
	sync_log: str = ""
	qbo_record: TxnKey | None = None


@dataclass(frozen=True)
class AccountReconciliation:
	qbo_account: str  # Account Id; "" for ERPNext accounts without a mapping
	qbo_name: str
	erp_accounts: tuple[str, ...]
	erpnext: Figures
	quickbooks: Figures
	explanations: tuple[Explanation, ...] = ()

	@property
	def difference(self) -> Decimal:
		return self.quickbooks.closing - self.erpnext.closing

	@property
	def matches(self) -> bool:
		"""Same opening and closing balance (so the same net movement). Gross debits and credits may differ
		without a difference in the books: QuickBooks nets a transaction's postings on one account, ERPNext may
		post a debit and a credit row."""
		return (self.erpnext.opening, self.erpnext.closing) == (
			self.quickbooks.opening,
			self.quickbooks.closing,
		)


@dataclass(frozen=True)
class Reconciliation:
	rows: tuple[AccountReconciliation, ...]
	problems: tuple[Problem, ...] = field(default=())

	@property
	def differences(self) -> tuple[AccountReconciliation, ...]:
		return tuple(row for row in self.rows if not row.matches)

	def total(self, side: str) -> Figures:
		return sum((getattr(row, side) for row in self.rows), Figures())


def owner_from_note(note: str) -> DocKey | None:
	"""The ERPNext document a QuickBooks PrivateNote names ("ERPNext Sales Invoice ACC-SINV-..."), if any."""
	found = _MARKER.search(note or "")
	return (found.group(1), found.group(2)) if found else None


def reconcile(
	quickbooks: QuickBooksLedger,
	erpnext: Mapping[str, Figures],
	mapping: Mapping[str, str],
	documents: Sequence[ErpDocument] = (),
	notes: Mapping[TxnKey, str] | None = None,
	company_currency: str = "",
	qbo_names: Mapping[str, str] | None = None,
	combine: Mapping[str, str] | None = None,
) -> Reconciliation:
	"""Every mapped or moved account's figures on both sides, each difference explained (see the module).
	`combine` folds QuickBooks accounts into another one's row (QuickBooks Account Id -> Id): where one ERPNext
	account's postings land on two QuickBooks accounts, such as a tax account whose sales tax QuickBooks books on
	its own tax liability account while purchase tax lines go to the mapped account."""
	if combine:
		quickbooks = _combined(quickbooks, combine)
		mapping = {account: combine.get(qbo_id, qbo_id) for account, qbo_id in mapping.items()}
	problems = []
	if company_currency and quickbooks.currency and company_currency != quickbooks.currency:
		problems.append(
			Problem.of(
				"reconcile_currency",
				_("QuickBooks reports in {qbo_currency}, the company's books are in {currency}."),
				_("The figures cannot be compared."),
				qbo_currency=quickbooks.currency,
				currency=company_currency,
			)
		)
	owners = _owners(documents, notes or {})
	by_qbo: dict[str, list[str]] = defaultdict(list)
	for erp_account, qbo_id in mapping.items():
		by_qbo[qbo_id].append(erp_account)
	rows = []
	names = {**(qbo_names or {}), **{key: account.name for key, account in quickbooks.accounts.items()}}
	for qbo_id in sorted({*by_qbo, *quickbooks.accounts}, key=lambda i: names.get(i, i)):
		erp_accounts = tuple(sorted(by_qbo.get(qbo_id, ())))
		row = _row(qbo_id, names.get(qbo_id, qbo_id), erp_accounts, quickbooks, erpnext, documents, owners)
		if erp_accounts or row.quickbooks != Figures():
			rows.append(row)
	for erp_account in sorted(set(erpnext) - set(mapping)):
		if erpnext[erp_account] != Figures():
			rows.append(_unmapped_row(erp_account, erpnext[erp_account]))
	return Reconciliation(tuple(rows), tuple(problems))


def _row(
	qbo_id: str,
	qbo_name: str,
	erp_accounts: tuple[str, ...],
	quickbooks: QuickBooksLedger,
	erpnext: Mapping[str, Figures],
	documents: Sequence[ErpDocument],
	owners: Mapping[TxnKey, DocKey],
) -> AccountReconciliation:
	account = quickbooks.accounts.get(qbo_id) or Account(qbo_id, qbo_name, Figures())
	erp = sum((erpnext.get(name, Figures()) for name in erp_accounts), Figures())
	row = AccountReconciliation(qbo_id, account.name, erp_accounts, erp, account.figures)
	if row.matches:
		return row
	return AccountReconciliation(
		qbo_id, account.name, erp_accounts, erp, account.figures, explain(row, account, documents, owners)
	)


def _unmapped_row(erp_account: str, figures: Figures) -> AccountReconciliation:
	problem = Problem.of(
		"reconcile_unmapped",
		_("{account} is not mapped to a QuickBooks account."),
		_("Map it in QuickBooks Settings, Account Mapping."),
		account=erp_account,
	)
	explanation = Explanation("unmapped", -figures.closing, problem)
	return AccountReconciliation("", "", (erp_account,), figures, Figures(), (explanation,))


def explain(
	row: AccountReconciliation,
	account: Account,
	documents: Sequence[ErpDocument],
	owners: Mapping[TxnKey, DocKey],
) -> tuple[Explanation, ...]:
	"""The explanations of one account's difference; their amounts add up to it."""
	found: list[Explanation] = []
	opening = row.quickbooks.opening - row.erpnext.opening
	if opening:
		found.append(_opening(opening, row))
	by_txn = _by_transaction(account.entries)
	listed = {doc.key for doc in documents}
	for doc in documents:
		erp_net = sum((doc.postings.get(name, ZERO) for name in row.erp_accounts), ZERO)
		qbo_net = sum((net for key, (net, _) in by_txn.items() if owners.get(key) == doc.key), ZERO)
		if qbo_net != erp_net:
			found.append(_document(doc, qbo_net - erp_net, erp_net, qbo_net, row))
	for key, (net, entry) in sorted(by_txn.items(), key=lambda item: (item[1][1].date, item[0])):
		owner = owners.get(key)
		if owner in listed or not net:
			continue
		found.append(_foreign(key, net, entry, owner, row))
	rest = row.difference - sum((item.amount for item in found), ZERO)
	if rest:
		found.append(
			Explanation(
				"unexplained",
				rest,
				Problem.of(
					"reconcile_unexplained",
					_("{amount} of the difference on {account} is not explained by a document."),
					_("Compare the account's General Ledger in both systems for the period."),
					amount=_fmt(rest),
					account=row.qbo_name or ", ".join(row.erp_accounts),
				),
			)
		)
	return tuple(found)


def _opening(amount: Decimal, row: AccountReconciliation) -> Explanation:
	return Explanation(
		"opening",
		amount,
		Problem.of(
			"reconcile_opening",
			_("The opening balance of {account} differs by {amount} (QuickBooks {qbo}, ERPNext {erp})."),
			_("Reconcile the earlier period first."),
			account=row.qbo_name or ", ".join(row.erp_accounts),
			amount=_fmt(amount),
			qbo=_fmt(row.quickbooks.opening),
			erp=_fmt(row.erpnext.opening),
		),
	)


_STATUS_EXPLANATIONS = {
	"Queued": (
		"waiting",
		_("{doctype} {name} ({amount} on {account}) is waiting to be sent to QuickBooks."),
		_("It is sent by the background job; check again once it ran."),
	),
	"Failed": (
		"failed",
		_("{doctype} {name} ({amount} on {account}) could not be sent to QuickBooks: {reason}"),
		_("Fix what its QuickBooks Sync Log names and press Retry."),
	),
	"Skipped": (
		"skipped",
		_("{doctype} {name} ({amount} on {account}) is not sent to QuickBooks: {reason}"),
		_("Book it in QuickBooks yourself if QuickBooks should hold it."),
	),
	"": (
		"unsynced",
		_("{doctype} {name} ({amount} on {account}) has never been sent to QuickBooks."),
		_("Send it with Sync to QuickBooks on the document."),
	),
}


def _document(
	doc: ErpDocument, amount: Decimal, erp_net: Decimal, qbo_net: Decimal, row: AccountReconciliation
) -> Explanation:
	account = row.qbo_name or ", ".join(row.erp_accounts)
	facts = {"doctype": doc.doctype, "name": doc.name, "account": account}
	qbo_record = doc.qbo_records[0] if doc.qbo_records else None
	if doc.status in ("Synced", "Voided") or (doc.qbo_records and doc.status not in _STATUS_EXPLANATIONS):
		if abs(amount) <= CENT:
			code, message, fix = (
				"rounding",
				_("{doctype} {name} differs by {amount} on {account}: rounding."),
				_("Nothing to do for a cent; adjust one side if the period must match exactly."),
			)
		else:
			code, message, fix = (
				"posted_differently",
				_("{doctype} {name} posts {erp} to {account} in ERPNext but {qbo} in QuickBooks."),
				_(
					"Open it in QuickBooks: it was changed there, or ERPNext posts lines the connector does not send."
				),
			)
		problem = Problem.of(
			code, message, fix, amount=_fmt(amount), erp=_fmt(erp_net), qbo=_fmt(qbo_net), **facts
		)
		return Explanation(code, amount, problem, doc.key, doc.sync_log, qbo_record)
	code, message, fix = _STATUS_EXPLANATIONS.get(doc.status, _STATUS_EXPLANATIONS[""])
	problem = Problem.of(code, message, fix, amount=_fmt(erp_net), reason=doc.reason or "-", **facts)
	return Explanation(code, amount, problem, doc.key, doc.sync_log, qbo_record)


def _foreign(
	key: TxnKey, net: Decimal, entry: Entry, owner: DocKey | None, row: AccountReconciliation
) -> Explanation:
	facts = {
		"entity": key[0],
		"id": key[1],
		"number": entry.doc_number or "-",
		"date": entry.date,
		"party": entry.name or "-",
		"amount": _fmt(net),
		"account": row.qbo_name or ", ".join(row.erp_accounts),
	}
	if owner:
		problem = Problem.of(
			"other_document",
			_(
				"QuickBooks {entity} {id} ({date}, {amount} on {account}) belongs to {doctype} {name}, which is not among the period's documents."
			),
			_("Check the document's date and company."),
			doctype=owner[0],
			name=owner[1],
			**facts,
		)
		return Explanation("other_document", net, problem, owner, "", key)
	problem = Problem.of(
		"quickbooks_only",
		_(
			"QuickBooks {entity} {id} (no. {number}, {date}, {party}: {amount} on {account}) was not made by the connector: no ERPNext document owns it."
		),
		_("It was created or changed in QuickBooks. Book it in ERPNext too, or remove it from QuickBooks."),
		**facts,
	)
	return Explanation("quickbooks_only", net, problem, None, "", key)


def _combined(quickbooks: QuickBooksLedger, combine: Mapping[str, str]) -> QuickBooksLedger:
	accounts = dict(quickbooks.accounts)
	for source, target in combine.items():
		folded = accounts.pop(source, None)
		if folded is None or source == target:
			continue
		into = accounts.get(target) or Account(target, target, Figures())
		accounts[target] = Account(
			into.id, into.name, into.figures + folded.figures, into.entries + folded.entries
		)
	return QuickBooksLedger(quickbooks.start, quickbooks.end, quickbooks.basis, quickbooks.currency, accounts)


def qbo_records_of(entity: str | None, qbo_id: str | None, related: Mapping[str, str] | None = None) -> tuple:
	"""The (entity, Id) of every QuickBooks record a sync record names: its own and its companions
	(`related`, "Entity:Id" values such as a credit application's Payment)."""
	keys = [(entity, qbo_id)] if entity and qbo_id else []
	for value in (related or {}).values():
		kind, _, object_id = str(value).partition(":")
		if kind and object_id:
			keys.append((kind, object_id))
	return tuple(keys)


def _owners(documents: Iterable[ErpDocument], notes: Mapping[TxnKey, str]) -> dict[TxnKey, DocKey]:
	owners: dict[TxnKey, DocKey] = {}
	for key, note in notes.items():
		owner = owner_from_note(note)
		if owner:
			owners[key] = owner
	for doc in documents:
		for key in doc.qbo_records:
			owners[key] = doc.key
	return owners


def _by_transaction(entries: Iterable[Entry]) -> dict[TxnKey, tuple[Decimal, Entry]]:
	grouped: dict[TxnKey, tuple[Decimal, Entry]] = {}
	for entry in entries:
		net, first = grouped.get(entry.key, (ZERO, entry))
		grouped[entry.key] = (net + entry.amount, first)
	return grouped


def _fmt(amount: Decimal) -> str:
	return f"{amount:,.2f}"


def unowned_transactions(
	quickbooks: QuickBooksLedger, documents: Iterable[ErpDocument], accounts: Iterable[str] | None = None
) -> list[TxnKey]:
	"""QuickBooks transactions on `accounts` (every account by default) that no document's sync record names: the
	ones whose PrivateNote the caller should read to learn their owner."""
	owned = {key for doc in documents for key in doc.qbo_records}
	wanted = set(accounts) if accounts is not None else set(quickbooks.accounts)
	keys = {
		entry.key
		for account_id in wanted
		for entry in (quickbooks.accounts.get(account_id) or Account("", "", Figures())).entries
		if entry.key not in owned
	}
	return sorted(keys)
