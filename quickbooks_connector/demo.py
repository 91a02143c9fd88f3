"""Try the connector without a bench or an Intuit account.

	python -m quickbooks_connector.demo [--fixtures DIR] [--emulator-url URL]

Starts the bundled QuickBooks emulator (or uses a running one), creates a QuickBooks company with a chart of accounts
mirroring the ERPNext company's, pushes the exported ERPNext documents through the real mapping and sync engine (with
an in-memory store), and prints what QuickBooks holds afterwards next to ERPNext's totals.

The documents are the ERPNext 15 samples bundled with the app (`quickbooks_connector/sample_data/erpnext`) unless
`--fixtures DIR` names another folder of the same shape: `{"doctype", "doc", "gl_entries"}` JSON files under
`masters/` and `transactions/` (what `Document.as_dict()` exports). Only the documents the connector pushes are sent
(`sample_data.pushed`); stock postings go per voucher.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from quickbooks_connector.emulator import EmulatorAdmin, EmulatorServer
from quickbooks_connector.mapping import MappingContext, QBOAccountRef, qbo_account_type
from quickbooks_connector.mapping.naming import qbo_name
from quickbooks_connector.mapping.registry import pushed_type
from quickbooks_connector.mapping.stock import PER_VOUCHER
from quickbooks_connector.qbo import MemoryTokenStore, OAuth, QBOClient, Tokens, endpoints_for
from quickbooks_connector.qbo.errors import DuplicateNameError
from quickbooks_connector.sample_data import ERPNEXT, as_posted, pushed
from quickbooks_connector.sample_data import load as load_sample_data
from quickbooks_connector.sync import MemoryPort, PushEngine, Status, SyncRecord

DEFAULT_FIXTURES = ERPNEXT
CLIENT_ID, CLIENT_SECRET = "emulator-client-id", "emulator-client-secret"
CURRENCY_TYPES = {"Bank", "Accounts Receivable", "Accounts Payable", "Credit Card"}


@dataclass
class FixtureSet:
	"""The documents of a sample folder the connector pushes, with what one QuickBooks company needs for them."""

	company: dict  # the company as it is now (the latest masters snapshot)
	chart: list[dict]  # every account the company has had, so that documents of every snapshot map
	parties: list[tuple[str, dict]] = field(default_factory=list)  # (Customer|Supplier, doc)
	documents: list[dict] = field(default_factory=list)
	gl_entries: dict[str, list[dict]] = field(default_factory=dict)  # document name -> ERPNext's GL rows
	# a document exported again after ERPNext re-posted it (a receipt after its landed cost): name -> (doc, GL rows)
	reposted: dict[str, tuple[dict, list[dict]]] = field(default_factory=dict)

	@classmethod
	def load(cls, folder: Path = ERPNEXT) -> FixtureSet:
		data = load_sample_data(folder)
		fixtures = cls(company=data.company, chart=data.chart, parties=data.parties())
		for label, doc in data.documents.items():  # by label: a re-posted export sorts after the first
			if not pushed(doc):
				continue
			if doc["name"] in fixtures.gl_entries:
				if doc["name"] in fixtures.reposted:
					raise ValueError(
						f"{doc['doctype']} {doc['name']} is in the samples three times ({label})"
					)
				fixtures.reposted[doc["name"]] = (doc, data.gl_entries[label])
				continue
			fixtures.documents.append(doc)
			fixtures.gl_entries[doc["name"]] = data.gl_entries[label]
		return fixtures

	def posted(self, doc: dict, gl_entries: list[dict] | None = None) -> dict:
		"""The document as the port hands it to the mapping (with its GL rows where they are read)."""
		rows = self.gl_entries[doc["name"]] if gl_entries is None else gl_entries
		return as_posted(doc, rows, self.chart)

	def port(self) -> MemoryPort:
		port = MemoryPort()
		for party_type, party in self.parties:
			port.add_party(party_type, party)
		for doc in self.documents:
			port.add_document(self.posted(doc))
		return port


def mirror_chart(client: QBOClient, chart: list[dict]) -> dict[str, QBOAccountRef]:
	"""A QuickBooks account for every ERPNext ledger account, adopting same-named ones QuickBooks already has."""
	mapped = {}
	for account in chart:
		if account.get("is_group"):
			continue
		account_type = qbo_account_type(account)
		body = {"Name": qbo_name(account["account_name"]), "AccountType": account_type}
		if account_type in CURRENCY_TYPES and account.get("account_currency"):
			body["CurrencyRef"] = {"value": account["account_currency"]}
		mapped[account["name"]] = QBOAccountRef(_ensure_account(client, body), body["Name"], account_type)
	return mapped


def _ensure_account(client: QBOClient, body: dict) -> str:
	try:
		return client.create("Account", body)["Id"]
	except DuplicateNameError as error:
		if error.existing_id:
			return error.existing_id
		return next(client.query("select * from Account where Name = {}", body["Name"]))["Id"]


def mapping_context(client: QBOClient, fixtures: FixtureSet) -> MappingContext:
	preferences = client.preferences()
	currency_prefs = preferences.get("CurrencyPrefs") or {}
	return MappingContext(
		qbo_country=client.company_info().get("Country") or "US",
		qbo_home_currency=(currency_prefs.get("HomeCurrency") or {}).get("value") or "USD",
		multicurrency=bool(currency_prefs.get("MultiCurrencyEnabled")),
		custom_txn_numbers=bool((preferences.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers")),
		company_currency=fixtures.company.get("default_currency") or "USD",
		account_map=mirror_chart(client, fixtures.chart),
		tax_accounts=frozenset(row["name"] for row in fixtures.chart if row.get("account_type") == "Tax"),
		round_off_account=fixtures.company.get("round_off_account"),
		default_bank_account=fixtures.company.get("default_bank_account"),
		stock_journals=PER_VOUCHER,
	)


def connect(base_url: str, realm_id: str, **client_options) -> QBOClient:
	"""A client for an emulator company, as if its administrator had just pressed Connect."""
	admin = EmulatorAdmin(base_url)
	endpoints = endpoints_for("custom", base_url)
	tokens = Tokens.from_token_response(admin.issue_tokens(realm_id), realm_id, time.time())
	oauth = OAuth(CLIENT_ID, CLIENT_SECRET, f"{base_url}/callback", endpoints)
	return QBOClient(realm_id, oauth, MemoryTokenStore(tokens), endpoints, **client_options)


def push_all(engine: PushEngine, fixtures: FixtureSet) -> list[SyncRecord]:
	"""One by one, as documents are submitted: invoices and bills, their returns, then payments."""
	documents = sorted(
		fixtures.documents,
		key=lambda doc: (pushed_type(doc["doctype"]).push_order + doc.get("is_return", 0), doc["name"]),
	)
	return [engine.push(doc["doctype"], doc["name"]) for doc in documents]


def report(client: QBOClient, records: list[SyncRecord]) -> str:
	rows = [
		("ERPNext document", "Status", "QuickBooks", "DocNumber", "ERPNext total", "QBO total", "QBO open")
	]
	for record in records:
		balance = ""
		if record.qbo_id:
			held = client.read(record.qbo_entity, record.qbo_id)
			balance = str(held.get("Balance", held.get("UnappliedAmt", "")))
		rows.append(
			(
				f"{record.doctype} {record.name}",
				record.status.value + (" (total differs!)" if record.total_mismatch else ""),
				f"{record.qbo_entity} {record.qbo_id}" if record.qbo_id else "-",
				record.doc_number or "-",
				_fmt(record.erp_total),
				_fmt(record.qbo_total),
				balance,
			)
		)
	widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
	lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
	lines.insert(1, "  ".join("-" * width for width in widths))
	problems = [f"{record.doctype} {record.name}: {record.error}" for record in records if record.error]
	return "\n".join(lines + (["", *problems] if problems else []))


def _fmt(value: Decimal | None) -> str:
	return "-" if value is None else f"{value:.2f}"


def main(argv: list[str] | None = None) -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument(
		"--fixtures",
		type=Path,
		default=DEFAULT_FIXTURES,
		help="folder of exported ERPNext documents (default: the samples bundled with the app)",
	)
	parser.add_argument("--emulator-url", help="use a running emulator instead of starting one")
	args = parser.parse_args(argv)
	logging.basicConfig(level=logging.ERROR)  # expected refusals (names QuickBooks already has) are not news
	if not (args.fixtures / "transactions").is_dir():
		parser.error(f"no ERPNext documents under {args.fixtures}: pass --fixtures DIR")

	server = None if args.emulator_url else EmulatorServer(host="127.0.0.1", port=0).start()
	base_url = args.emulator_url or server.base_url
	try:
		fixtures = FixtureSet.load(args.fixtures)
		currency = fixtures.company.get("default_currency") or "USD"
		realm_id = EmulatorAdmin(base_url).create_realm(
			home_currency=currency, multicurrency=True, company_name=f"{fixtures.company['name']} (demo)"
		)
		client = connect(base_url, realm_id)
		engine = PushEngine(client, fixtures.port(), mapping_context(client, fixtures), realm_id)
		records = push_all(engine, fixtures)
		print(f"QuickBooks company {realm_id} at {base_url}\n")
		print(report(client, records))
		return 0 if all(record.status != Status.FAILED for record in records) else 1
	finally:
		if server:
			server.stop()


if __name__ == "__main__":
	sys.exit(main())
