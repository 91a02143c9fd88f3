"""Exactly-once soak: worker processes push thousands of ERPNext documents to QuickBooks through faults, kills,
cancels, amendments and edits; then QuickBooks itself is checked for duplicates, lost and live-after-cancel records.

	python benchmarks/soak_exactly_once.py --documents 10000 --workers 4 --fault-rate 0.1 --seed 1
	python benchmarks/soak_exactly_once.py --documents 1000 --numbering auto    # one numbering mode only

What one run does, for each numbering mode (custom transaction numbers on: QuickBooks keeps our DocNumber; off:
QuickBooks numbers invoices and credit memos itself), one after the other:

- Documents: synthetic Sales Invoices (and returns: applied to the invoice, left open as a credit note, or POS
  returns refunded at once in cash), Purchase Invoices (and returns: applied, left open as a debit note, or "Is
  Paid" returns the supplier refunded at once), Payment Entries receiving from customers and paying suppliers
  (allocated to one or two invoices, partly or fully, some with deductions, some unallocated advances), refunds (a
  Payment Entry paying a customer's open credit note back, or receiving a supplier's open debit note back, in full
  or in part), Journal Entries (a customer credit and a write-off against an invoice, a supplier debit note against
  a bill, bank charges, opening balances with customer and supplier rows), derived from the ERPNext samples bundled
  with the app
  (`quickbooks_connector/sample_data`), with parties old and new (some already in QuickBooks, found by name or e-mail),
  amounts and dates varied. A few sell on an account the mapping lacks at first: they fail until a simulated user maps
  it and presses Retry. Every generated document is checked against the mapping before the run.
- QuickBooks: the bundled emulator in its own process, one company per numbering mode, access tokens that expire
  every few seconds (refresh tokens rotate at every refresh and the old one dies at once), QBO's rate limits optional.
- Workers: `--workers` processes sharing one SQLite file (`quickbooks_connector.sync.sqlite_port`): documents, sync
  records, links, per-document lease locks that survive a killed worker, the token store with its refresh lock, and
  the job queue. Jobs are what the Frappe app enqueues: a submit hook's sync (`PushEngine.sync`), a cancel hook's
  cancel (`PushEngine.cancel`), the scheduler's retries of transient failures once `next_retry_at` has passed (time
  runs `--time-speed` times faster for the engine) and of records still Queued without a job, a user's Retry after
  fixing the mapping (`PushEngine.push`), and "Send Past Documents" chunks of 60 (`PushEngine.push_many`).
- Trouble: every kind of fault the emulator injects, each on at least `--fault-rate` of the API requests (5xx, 429,
  "drop": committed then the connection closed, latency past the client's timeout), plus 5xx on the token endpoint;
  cancels before a document reaches QuickBooks, after it did, and while its outcome is unknown; amendments; edits of
  documents not synced yet (a line's description, or its quantity and rate with the same amount, as a settings change
  alters the payload; a journal entry's remark); SIGKILLs of workers at random moments and in the middle of backfill batches, and workers that
  exit right after QuickBooks answered a create, void or delete, before the sync record says so. Killed workers are
  restarted, and their job runs again (a backfill chunk with the document list it was given, as a long backfill job
  does with a document cancelled after it started).
- Drain: faults and kills stop, the engine's clock jumps past every backoff, and what the scheduler and a user would
  retry is retried until nothing is left (bounded by `--drain-timeout`).
- Check: every Invoice, CreditMemo, RefundReceipt, Bill, VendorCredit, Payment, BillPayment, JournalEntry,
  Purchase (refund Check) and Deposit in QuickBooks (all pages) is matched to its ERPNext document by the
  PrivateNote marker "ERPNext <Doctype> <name>", and given its role by the rest of the note: the document's own
  record ("main": Invoice, CreditMemo or RefundReceipt; Bill or VendorCredit; Payment, BillPayment, or for a refund
  the Check or Deposit; JournalEntry) or a companion (a payment's deductions journal, the zero-total payment that
  applies a return's credit, links a refund to the credits it pays out, or links a journal entry to each invoice or
  bill it settles; an Is Paid return's refund Deposit). Problems: more than one live record per document and role
  (duplicates), submitted documents without a live main record or without a companion they need (lost), cancelled
  documents with any live record (voided ones, TotalAmt 0 and a "Voided" note, and deleted ones are not live), sync
  records not Synced/Voided/Skipped at the end (stuck), live main records whose TotalAmt is not the document's total
  (a journal entry's: its debits), Synced records whose record or remembered companions are not live records of the
  document, and QuickBooks customers, vendors or items created twice for one ERPNext party or item.

Prints a table per mode and the command to reproduce; exits 1 unless every problem count is zero. `--json-out FILE`
writes the numbers too (tests/sync/test_soak.py runs a small soak that way).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import json
import logging
import multiprocessing
import os
import pickle
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

try:
	import quickbooks_connector  # noqa: F401
except ImportError:  # run from a checkout without `pip install -e .`
	sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests

from quickbooks_connector import mapping, sample_data
from quickbooks_connector.demo import mapping_context, mirror_chart
from quickbooks_connector.emulator import EmulatorAdmin
from quickbooks_connector.mapping import MappingError
from quickbooks_connector.mapping.money import money
from quickbooks_connector.mapping.registry import pushed_type
from quickbooks_connector.qbo import OAuth, QBOClient, Throttle, ThrottleLimits, Tokens, endpoints_for
from quickbooks_connector.qbo.auth import TokenManager
from quickbooks_connector.qbo.errors import AuthenticationError, QBOError
from quickbooks_connector.sync import DocumentBusy, PushEngine, Status, SyncRecord
from quickbooks_connector.sync.sqlite_port import SQLitePort, SQLiteTokenStore, connect

CLIENT_ID, CLIENT_SECRET = "emulator-client-id", "emulator-client-secret"
SALES, PURCHASE, PAYMENT, JOURNAL = "Sales Invoice", "Purchase Invoice", "Payment Entry", "Journal Entry"
ENTITIES = (
	"Invoice",
	"CreditMemo",
	"RefundReceipt",
	"Bill",
	"VendorCredit",
	"Payment",
	"BillPayment",
	"JournalEntry",
	"Purchase",
	"Deposit",
)
PAYERS = ("Payment", "BillPayment")
UNMAPPED_ACCOUNT = "Unmapped Income - WP"
BACKFILL_CHUNK = 60  # documents per "Send Past Documents" chunk, as the Frappe app commits them
TOKEN_REFRESH_MARGIN = 300  # TokenManager refreshes access tokens with less than this left
EXIT_AFTER_WRITE = 86  # exit status of a worker that left on purpose right after a QuickBooks write
# Seconds before a dead worker's job runs again: past any request it left in flight (client timeout + latency).
REQUEUE_AFTER_DEATH = 2.0
# Seconds a Queued record may wait without a job before the scheduler queues it again (the app waits 15 minutes).
STALE_QUEUED_AFTER = 2.0
RETRY_SCAN_EVERY = 0.2
FAULT_HEADROOM = 1.1
EXAMPLES_PRINTED = 8
MARKER = re.compile(
	r"ERPNext (Sales Invoice|Purchase Invoice|Payment Entry|Journal Entry) (\S+?)(?=$|[;\s(])"
)
APPLIED_TO = re.compile(r"applied to (?:Sales|Purchase) Invoice (\S+?)(?=$|[;\s(])")
RELATED = re.compile(r"^(\w+):(\d+)$")
BANK, CASH = "Chase Checking - WP", "Cash - WP"

SOAK_SCHEMA = """
create table if not exists jobs (
	id integer primary key autoincrement, kind text not null, doctype text, name text, payload text,
	available_at real not null, claimed_by text, claimed_at real, tries integer not null default 0);
create index if not exists jobs_pending on jobs (claimed_by, available_at);
create table if not exists meta (key text primary key, value blob);
create table if not exists events (
	id integer primary key autoincrement, at real not null, kind text not null, doctype text, name text,
	detail text, worker text);
create table if not exists counters (worker text not null, name text not null, value integer not null,
	primary key (worker, name));
create table if not exists journal (
	id integer primary key autoincrement, worker text, kind text, doctype text, name text, payload text,
	started real, ended real, outcome text);
create index if not exists records_by_update on records (updated_at);
"""


# Options ------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--documents", type=int, default=10000, help="documents per numbering mode")
	parser.add_argument("--workers", type=int, default=4, help="worker processes")
	parser.add_argument(
		"--fault-rate", type=float, default=0.1, help="least share of API requests hit by each kind of fault"
	)
	parser.add_argument("--seed", type=int, default=1)
	parser.add_argument("--numbering", choices=("both", "custom", "auto"), default="both")
	parser.add_argument(
		"--kill-every", type=float, default=30, help="mean jobs done between SIGKILLs of a worker (0: none)"
	)
	parser.add_argument(
		"--edit-every",
		type=float,
		default=30,
		help="mean jobs done between edits of documents not synced yet",
	)
	parser.add_argument(
		"--exit-after-write",
		type=float,
		default=0.01,
		help="chance that a worker exits right after a QuickBooks write, before recording it",
	)
	parser.add_argument("--cancel-share", type=float, default=0.08, help="share of documents cancelled")
	parser.add_argument("--backfill-share", type=float, default=0.3, help="share sent by Send Past Documents")
	parser.add_argument(
		"--client-timeout", type=float, default=0.3, help="the QuickBooks client's read timeout, seconds"
	)
	parser.add_argument(
		"--time-speed", type=float, default=30.0, help="how much faster the engine's clock runs (backoff)"
	)
	parser.add_argument(
		"--token-lifetime", type=float, default=4.0, help="seconds an access token is used before a refresh"
	)
	parser.add_argument("--lock-timeout", type=float, default=5.0, help="seconds to wait for a document lock")
	parser.add_argument("--qbo-limits", action="store_true", help="QuickBooks' request limits on (slow)")
	parser.add_argument("--time-limit", type=float, help="seconds for the main phase (default: scaled)")
	parser.add_argument("--drain-timeout", type=float, default=300.0, help="seconds for the final retries")
	parser.add_argument("--emulator-url", help="use a running emulator instead of starting one")
	parser.add_argument("--work-dir", type=Path, help="keep the SQLite files here (default: a temp dir)")
	parser.add_argument("--json-out", type=Path, help="also write the results as JSON")
	parser.add_argument("--verbose", action="store_true", help="print progress")
	args = parser.parse_args(argv)
	if not 0 <= args.fault_rate <= 0.22:
		parser.error("--fault-rate must be between 0 and 0.22 (four kinds of faults share the requests)")
	if args.documents < 20 or args.workers < 1:
		parser.error("--documents must be at least 20 and --workers at least 1")
	args.time_limit = args.time_limit or max(120.0, args.documents * 0.3)
	return args


def reproduce_command(args: argparse.Namespace) -> str:
	parts = ["python", "benchmarks/soak_exactly_once.py"]
	defaults = vars(parse_args([]))
	for key in (
		"documents",
		"workers",
		"fault_rate",
		"seed",
		"numbering",
		"kill_every",
		"edit_every",
		"exit_after_write",
		"cancel_share",
		"backfill_share",
		"client_timeout",
		"time_speed",
		"token_lifetime",
		"lock_timeout",
	):
		value = getattr(args, key)
		if key in ("documents", "workers", "fault_rate", "seed") or value != defaults[key]:
			parts += [f"--{key.replace('_', '-')}", str(value)]
	if args.qbo_limits:
		parts.append("--qbo-limits")
	return shlex.join(parts)


# Documents ----------------------------------------------------------------------------------------------------


@dataclass
class Line:
	code: str
	description: str
	account: str
	qty: int
	rate: Decimal


@dataclass
class JournalRow:
	account: str
	debit: Decimal = Decimal(0)
	credit: Decimal = Decimal(0)
	party_type: str | None = None
	party: str | None = None
	reference_type: str | None = None
	reference_name: str | None = None


@dataclass
class Plan:
	"""One document of the scenario and what happens to it."""

	doc: dict
	kind: str  # row label in the "documents" table
	backfill: bool = False
	referenced: bool = False  # another document refers to it: never cancelled
	cancel: str | None = None  # "before push" | "after push" | "after unknown outcome"
	amend: bool = False
	amendment: dict | None = None

	@property
	def key(self) -> tuple[str, str]:
		return self.doc["doctype"], self.doc["name"]


def cents(value: float | Decimal) -> Decimal:
	return money(Decimal(str(value)))


class Templates:
	"""The bundled ERPNext samples a synthetic document is derived from."""

	def __init__(self, data: sample_data.SampleData) -> None:
		docs = data.documents
		self.sales = docs["sales_invoice_basic_taxed"]
		self.purchase = docs["purchase_invoice_basic_taxed"]
		self.receive = docs["payment_entry_receive_multi"]
		self.pay = docs["payment_entry_pay"]
		self.journal_entry = docs["je_customer_credit_against_invoice"]
		self.refund_to_customer = docs["pe_refund_to_customer"]
		self.refund_from_supplier = docs["pe_refund_from_supplier"]
		self.customer = data.masters["customer_acme"]["doc"]
		self.supplier = data.masters["supplier_initech"]["doc"]
		self.customers = [
			doc for kind, doc in data.parties() if kind == "Customer" and not doc.get("default_currency")
		]
		self.suppliers = [
			doc for kind, doc in data.parties() if kind == "Supplier" and not doc.get("default_currency")
		]

	def invoice(
		self,
		doctype: str,
		name: str,
		party: str,
		posting: date,
		lines: list[Line],
		taxed: bool,
		return_against: str | None = None,
		applied: bool = False,
		bill_no: str | None = None,
		refunded_from: str | None = None,
	) -> dict:
		"""`refunded_from`: a return paid back at once from that account (a POS return, a purchase return with
		Is Paid)."""
		sales = doctype == SALES
		doc = copy.deepcopy(self.sales if sales else self.purchase)
		sign = -1 if return_against else 1
		item_template, tax_template = doc["items"][0], doc["taxes"][0]
		items, net = [], Decimal(0)
		for idx, line in enumerate(lines, start=1):
			amount = money(line.qty * line.rate) * sign
			net += amount
			row = copy.deepcopy(item_template)
			row.update(
				name=f"{name}-item-{idx}",
				parent=name,
				idx=idx,
				item_code=line.code,
				item_name=line.description,
				description=line.description,
				qty=float(sign * line.qty),
				stock_qty=float(sign * line.qty),
				rate=float(line.rate),
				net_rate=float(line.rate),
				base_rate=float(line.rate),
				base_net_rate=float(line.rate),
				price_list_rate=float(line.rate),
				stock_uom_rate=float(line.rate),
				amount=float(amount),
				net_amount=float(amount),
				base_amount=float(amount),
				base_net_amount=float(amount),
				discount_amount=0.0,
				discount_percentage=0.0,
				distributed_discount_amount=0.0,
				item_tax_rate="{}",
				item_tax_template=None,
			)
			row["income_account" if sales else "expense_account"] = line.account
			items.append(row)
		tax = money(net * Decimal("0.0825")) if taxed else Decimal(0)
		total = net + tax
		taxes = []
		if taxed:
			row = copy.deepcopy(tax_template)
			row.update(
				name=f"{name}-tax-1",
				parent=name,
				idx=1,
				tax_amount=float(tax),
				tax_amount_after_discount_amount=float(tax),
				base_tax_amount=float(tax),
				base_tax_amount_after_discount_amount=float(tax),
				total=float(total),
				base_total=float(total),
				item_wise_tax_detail=None,
			)
			taxes.append(row)
		header = {
			"name": name,
			"title": party,
			"posting_date": posting.isoformat(),
			"due_date": (posting + timedelta(days=0 if return_against else 30)).isoformat(),
			"items": items,
			"taxes": taxes,
			"taxes_and_charges": doc.get("taxes_and_charges") if taxed else None,
			"total_qty": float(sum(sign * line.qty for line in lines)),
			"discount_amount": 0.0,
			"base_discount_amount": 0.0,
			"additional_discount_percentage": 0.0,
			"rounding_adjustment": 0.0,
			"base_rounding_adjustment": 0.0,
			"payment_schedule": [],
			"is_return": 1 if return_against else 0,
			"return_against": return_against,
			"update_outstanding_for_self": 0 if applied else 1,
			"amended_from": None,
			"docstatus": 1,
			"status": "Return" if return_against else "Unpaid",
		}
		for key in ("total", "net_total", "base_total", "base_net_total"):
			header[key] = float(net)
		for key in ("total_taxes_and_charges", "base_total_taxes_and_charges"):
			header[key] = float(tax)
		for key in (
			"grand_total",
			"base_grand_total",
			"rounded_total",
			"base_rounded_total",
			"outstanding_amount",
		):
			header[key] = float(total)
		if sales:
			header.update(customer=party, customer_name=party, is_pos=0, payments=[])
			if refunded_from:  # a POS return paid back in full: a RefundReceipt
				payment = {"mode_of_payment": "Cash", "account": refunded_from, "amount": float(total)}
				payment.update(base_amount=float(total), name=f"{name}-payment-1", parent=name, idx=1)
				header.update(
					is_pos=1, payments=[payment], paid_amount=float(total), base_paid_amount=float(total)
				)
				header.update(outstanding_amount=0.0, status="Return")
		else:
			header.update(
				supplier=party,
				supplier_name=party,
				bill_no=bill_no,
				taxes_and_charges_added=float(tax),
				base_taxes_and_charges_added=float(tax),
				update_stock=0,
				is_paid=0,
			)
			if refunded_from:  # Is Paid: the supplier paid the return back at once
				header.update(is_paid=1, cash_bank_account=refunded_from, mode_of_payment="Cash")
				header.update(paid_amount=float(total), base_paid_amount=float(total), outstanding_amount=0.0)
		doc.update(header)
		return doc

	def journal(
		self,
		name: str,
		voucher_type: str,
		posting: date,
		rows: list[JournalRow],
		remark: str,
		opening: bool = False,
		cheque_no: str | None = None,
	) -> dict:
		doc = copy.deepcopy(self.journal_entry)
		template = doc["accounts"][0]
		accounts = []
		for idx, row in enumerate(rows, start=1):
			line = copy.deepcopy(template)
			line.update(
				name=f"{name}-row-{idx}",
				parent=name,
				idx=idx,
				account=row.account,
				account_type=None,
				party_type=row.party_type,
				party=row.party,
				reference_type=row.reference_type,
				reference_name=row.reference_name,
				user_remark=None,
				against_account=None,
			)
			for key in ("debit", "debit_in_account_currency"):
				line[key] = float(row.debit)
			for key in ("credit", "credit_in_account_currency"):
				line[key] = float(row.credit)
			accounts.append(line)
		total = sum((row.debit for row in rows), Decimal(0))
		party = next((row.party for row in rows if row.party), None)
		doc.update(
			name=name,
			title=party or voucher_type,
			pay_to_recd_from=party,
			voucher_type=voucher_type,
			is_opening="Yes" if opening else "No",
			posting_date=posting.isoformat(),
			accounts=accounts,
			user_remark=remark,
			remark=remark,
			cheque_no=cheque_no,
			cheque_date=posting.isoformat() if cheque_no else None,
			total_debit=float(total),
			total_credit=float(total),
			total_amount=float(total),
			amended_from=None,
			docstatus=1,
		)
		return doc

	def refund(
		self, name: str, party_type: str, party: str, posting: date, credit: str, amount: Decimal
	) -> dict:
		"""A Payment Entry paying back (part of) a credit note to its customer, or receiving back (part of) a debit
		note from its supplier: allocated negatively to the return it refunds."""
		customer = party_type == "Customer"
		doc = copy.deepcopy(self.refund_to_customer if customer else self.refund_from_supplier)
		reference = copy.deepcopy(doc["references"][0])
		reference.update(
			name=f"{name}-ref-1",
			parent=name,
			reference_doctype=SALES if customer else PURCHASE,
			reference_name=credit,
			allocated_amount=float(-amount),
			outstanding_amount=None,
			total_amount=None,
		)
		doc.update(
			name=name,
			party=party,
			party_name=party,
			title=party,
			posting_date=posting.isoformat(),
			reference_date=posting.isoformat(),
			reference_no=f"RF-{name[-6:]}",
			references=[reference],
			deductions=[],
			taxes=[],
			total_allocated_amount=float(amount),
			base_total_allocated_amount=float(amount),
			unallocated_amount=0.0,
			difference_amount=0.0,
			remarks=f"Soak refund {name}",
			amended_from=None,
			docstatus=1,
		)
		for key in (
			"paid_amount",
			"received_amount",
			"base_paid_amount",
			"base_received_amount",
			"paid_amount_after_tax",
			"received_amount_after_tax",
			"base_paid_amount_after_tax",
			"base_received_amount_after_tax",
		):
			doc[key] = float(amount)
		return doc

	def payment(
		self,
		payment_type: str,
		name: str,
		party: str,
		posting: date,
		allocations: list[tuple[str, Decimal]],
		deduction: tuple[str, Decimal] | None,
		unallocated: Decimal,
	) -> dict:
		receive = payment_type == "Receive"
		doc = copy.deepcopy(self.receive if receive else self.pay)
		reference_template = doc["references"][0]
		allocated = sum((amount for _, amount in allocations), Decimal(0))
		deducted = deduction[1] if deduction else Decimal(0)
		# Receive: the bank gets what was allocated less the deductions; Pay: the bank pays the bills plus charges.
		paid = allocated + unallocated - deducted if receive else allocated + unallocated + deducted
		references = []
		for idx, (invoice, amount) in enumerate(allocations, start=1):
			row = copy.deepcopy(reference_template)
			row.update(
				name=f"{name}-ref-{idx}",
				parent=name,
				idx=idx,
				reference_doctype=SALES if receive else PURCHASE,
				reference_name=invoice,
				allocated_amount=float(amount),
				outstanding_amount=None,
				total_amount=None,
				bill_no=None,
			)
			references.append(row)
		deductions = []
		if deduction:
			deductions.append(
				{
					"name": f"{name}-deduction-1",
					"parent": name,
					"idx": 1,
					"account": deduction[0],
					"amount": float(deduction[1]),
					"cost_center": "Main - WP",
					"description": "Short payment" if receive else "Bank charges",
					"is_exchange_gain_loss": 0,
				}
			)
		doc.update(
			name=name,
			party=party,
			party_name=party,
			title=party,
			posting_date=posting.isoformat(),
			reference_date=posting.isoformat(),
			reference_no=f"{'ACH' if receive else 'CHK'}-{name[-6:]}",
			references=references,
			deductions=deductions,
			taxes=[],
			total_allocated_amount=float(allocated),
			base_total_allocated_amount=float(allocated),
			unallocated_amount=float(unallocated),
			difference_amount=0.0,
			remarks=f"Soak payment {name}",
			amended_from=None,
			docstatus=1,
			book_advance_payments_in_separate_party_account=0,
		)
		for key in (
			"paid_amount",
			"received_amount",
			"base_paid_amount",
			"base_received_amount",
			"paid_amount_after_tax",
			"received_amount_after_tax",
			"base_paid_amount_after_tax",
			"base_received_amount_after_tax",
		):
			doc[key] = float(paid)
		return doc

	def party(self, party_type: str, name: str, email: str | None) -> dict:
		party = copy.deepcopy(self.customer if party_type == "Customer" else self.supplier)
		party.update(name=name, email_id=email, email=email, phone=None, mobile_no=None)
		party["customer_name" if party_type == "Customer" else "supplier_name"] = name
		party.update(billing_address=None, shipping_address=None, party_account_currency="USD")
		return party


SALES_ITEMS = [
	("CONSULT-HR", "Consulting Hour", "Consulting Income - WP"),
	("WIDGET-A", "Widget A", "Sales - WP"),
	("WIDGET-A", "Widget A (service plan)", "Service - WP"),
	*((f"SOAK-SVC-{n:02d}", f"Soak service {n}", "Service - WP") for n in range(1, 11)),
	*((f"SOAK-GOOD-{n:02d}", f"Soak good {n}", "Sales - WP") for n in range(1, 9)),
]
PURCHASE_ITEMS = [
	("SAAS-SEAT", "SaaS Seat (monthly)", "Software Subscriptions - WP"),
	("WIDGET-A", "Widget A", "Cost of Goods Sold - WP"),
	("SOAK-RENT", "Office rent", "Office Rent - WP"),
	("SOAK-TRAVEL", "Travel", "Travel Expenses - WP"),
	("SOAK-POWER", "Electricity", "Utility Expenses - WP"),
	*((f"SOAK-PART-{n:02d}", f"Soak part {n}", "Cost of Goods Sold - WP") for n in range(1, 7)),
]
KINDS = (  # (kind, weight)
	("Sales Invoice", 28),
	("Sales Invoice return", 8),
	("Purchase Invoice", 20),
	("Purchase Invoice return", 6),
	("Payment Entry Receive", 15),
	("Payment Entry Pay", 11),
	("Journal Entry", 8),
	("Payment Entry refund", 4),
)
JOURNAL_KINDS = (  # (what the entry does, weight)
	("customer credit against an invoice", 25),
	("write-off of an invoice", 20),
	("supplier debit note against a bill", 20),
	("bank charges", 25),
	("opening balances", 10),
)
POS_RETURN_SHARE = 0.15  # of Sales Invoice returns: refunded at once in cash (RefundReceipt)
PAID_RETURN_SHARE = 0.2  # of Purchase Invoice returns: Is Paid, the supplier refunded at once (Deposit)


class Scenario:
	"""The documents of one run, in submission order, with their cancels and amendments. Deterministic per seed."""

	def __init__(self, templates: Templates, count: int, args: argparse.Namespace) -> None:
		self.t = templates
		self.rng = random.Random(args.seed)
		self.count = count
		self.plans: list[Plan] = []
		self.by_key: dict[tuple[str, str], Plan] = {}
		self.outstanding: dict[str, Decimal] = {}  # invoice name -> what is still open in ERPNext
		self.credit: dict[str, Decimal] = {}  # return left open -> its credit not refunded yet
		self.invoices_of: dict[tuple[str, str], list[str]] = defaultdict(list)  # (doctype, party) -> names
		self.lines_of: dict[str, tuple[list[Line], bool]] = {}
		self.serial = Counter()
		self.start = date(2025, 1, 1)
		self._parties()
		self._documents()
		self._cancels(args.cancel_share)
		backfill = int(len(self.plans) * args.backfill_share)
		for plan in self.plans[:backfill]:
			plan.backfill = True

	def _parties(self) -> None:
		rng = self.rng
		self.customers = [doc["name"] for doc in self.t.customers]
		self.suppliers = [doc["name"] for doc in self.t.suppliers]
		self.party_docs: list[tuple[str, dict]] = [
			("Customer", self.t.party("Customer", name, None)) for name in self.customers
		]
		self.party_docs += [("Supplier", self.t.party("Supplier", name, None)) for name in self.suppliers]
		self.existing: list[tuple[str, dict]] = []  # what QuickBooks already holds before the run
		for party_type, how_many in (
			("Customer", max(6, self.count // 25)),
			("Supplier", max(4, self.count // 40)),
		):
			for number in range(1, min(how_many, 400) + 1):
				name = f"Soak {party_type} {number:04d}"
				email = (
					f"accounts{number}@{party_type.lower()}{number}.example" if rng.random() < 0.5 else None
				)
				self.party_docs.append((party_type, self.t.party(party_type, name, email)))
				(self.customers if party_type == "Customer" else self.suppliers).append(name)
				entity = "Customer" if party_type == "Customer" else "Vendor"
				roll = rng.random()
				if roll < 0.25:  # already in QuickBooks under the same name
					body = {
						"DisplayName": name,
						**({"PrimaryEmailAddr": {"Address": email}} if email else {}),
					}
					self.existing.append((entity, body))
				elif roll < 0.35 and email:  # already in QuickBooks under another name, same e-mail
					self.existing.append(
						(entity, {"DisplayName": f"{name} (billing)", "PrimaryEmailAddr": {"Address": email}})
					)

	def _next_name(self, prefix: str) -> str:
		self.serial[prefix] += 1
		return f"SOAK-{prefix}-{self.serial[prefix]:05d}"

	def _date(self, index: int) -> date:
		return self.start + timedelta(days=index * 700 // self.count + self.rng.randrange(3))

	def _documents(self) -> None:
		kinds, weights = zip(*KINDS, strict=True)
		for index in range(self.count):
			kind = self.rng.choices(kinds, weights)[0]
			posting = self._date(index)
			plan = None
			if kind == "Sales Invoice return":
				plan = self._return(SALES, posting)
			elif kind == "Purchase Invoice return":
				plan = self._return(PURCHASE, posting)
			elif kind == "Payment Entry Receive":
				plan = self._payment("Receive", posting)
			elif kind == "Payment Entry Pay":
				plan = self._payment("Pay", posting)
			elif kind == "Journal Entry":
				plan = self._journal(posting)
			elif kind == "Payment Entry refund":
				plan = self._refund(posting)
			if plan is None:
				plan = self._invoice(
					SALES if kind.startswith("Sales") or kind.endswith("Receive") else PURCHASE, posting
				)
			self._add(plan)

	def _add(self, plan: Plan) -> None:
		self.plans.append(plan)
		self.by_key[plan.key] = plan

	def _invoice(self, doctype: str, posting: date) -> Plan:
		rng = self.rng
		sales = doctype == SALES
		party = rng.choice(self.customers if sales else self.suppliers)
		pool = SALES_ITEMS if sales else PURCHASE_ITEMS
		lines = []
		for _ in range(rng.choices((1, 2, 3, 4), (40, 30, 20, 10))[0]):
			code, description, account = rng.choice(pool)
			lines.append(Line(code, description, account, rng.randint(1, 12), cents(rng.uniform(5, 400))))
		kind = doctype
		if sales and rng.random() < 0.015:
			lines[0].account = UNMAPPED_ACCOUNT
			kind = f"{SALES} (unmapped account until the user fixes it)"
		taxed = rng.random() < 0.7
		name = self._next_name("SINV" if sales else "PINV")
		bill_no = f"SUP-{name[-5:]}" if not sales and rng.random() < 0.5 else None
		doc = self.t.invoice(doctype, name, party, posting, lines, taxed, bill_no=bill_no)
		self.outstanding[name] = money(doc["grand_total"])
		self.invoices_of[(doctype, party)].append(name)
		self.lines_of[name] = (lines, taxed)
		return Plan(doc, kind)

	def _open_invoice(self, doctype: str, minimum: Decimal) -> tuple[str, str] | None:
		"""(party, invoice) of a recent invoice with at least `minimum` open, if any."""
		recent = [
			plan for plan in self.plans[-400:] if plan.doc["doctype"] == doctype and not plan.doc["is_return"]
		]
		self.rng.shuffle(recent)
		for plan in recent[:40]:
			if self.outstanding.get(plan.doc["name"], Decimal(0)) >= minimum:
				party = plan.doc["customer"] if doctype == SALES else plan.doc["supplier"]
				return party, plan.doc["name"]
		return None

	def _return(self, doctype: str, posting: date) -> Plan | None:
		found = self._open_invoice(doctype, Decimal("1.00"))
		if not found:
			return None
		party, original = found
		lines, taxed = self.lines_of[original]
		line = self.rng.choice(lines)
		returned = [Line(line.code, line.description, line.account, self.rng.randint(1, line.qty), line.rate)]
		name = self._next_name("SRET" if doctype == SALES else "PRET")
		total = money(returned[0].qty * returned[0].rate)
		total += money(total * Decimal("0.0825")) if taxed else 0
		sales = doctype == SALES
		refunded_from = None
		if self.rng.random() < (POS_RETURN_SHARE if sales else PAID_RETURN_SHARE):
			refunded_from = CASH if sales else BANK
		applied = not refunded_from and self.rng.random() < 0.6 and total <= self.outstanding[original]
		original_date = date.fromisoformat(self.by_key[(doctype, original)].doc["posting_date"])
		doc = self.t.invoice(
			doctype,
			name,
			party,
			max(posting, original_date),
			returned,
			taxed,
			original,
			applied,
			refunded_from=refunded_from,
		)
		if applied:
			self.outstanding[original] -= total
		elif not refunded_from:
			self.credit[name] = total
		self.by_key[(doctype, original)].referenced = True
		if refunded_from:
			how = "POS, refunded at once" if sales else "Is Paid, refunded at once"
		else:
			how = "applied to the invoice" if applied else "left open"
		return Plan(doc, f"{doctype} return ({how})")

	def _journal(self, posting: date) -> Plan | None:
		rng = self.rng
		what = rng.choices(*zip(*JOURNAL_KINDS, strict=True))[0]
		name = self._next_name("JV")
		amount = cents(rng.uniform(5, 900))
		if what in ("customer credit against an invoice", "write-off of an invoice"):
			found = self._open_invoice(SALES, Decimal("1.00"))
			if not found:
				return None
			party, invoice = found
			open_amount = self.outstanding[invoice]
			if what == "write-off of an invoice":
				amount = min(cents(rng.uniform(0.01, 5)), open_amount)
				voucher, expense, remark = "Write Off Entry", "Write Off - WP", "Small balance written off"
			else:
				amount = max(cents(open_amount * Decimal(str(rng.uniform(0.05, 0.6)))), Decimal("0.01"))
				voucher, expense, remark = "Credit Note", "Discount Allowed - WP", "Goodwill credit"
			rows = [
				JournalRow(
					"Debtors - WP",
					credit=amount,
					party_type="Customer",
					party=party,
					reference_type=SALES,
					reference_name=invoice,
				),
				JournalRow(expense, debit=amount),
			]
			settled = (SALES, invoice)
		elif what == "supplier debit note against a bill":
			found = self._open_invoice(PURCHASE, Decimal("1.00"))
			if not found:
				return None
			party, bill = found
			amount = max(
				cents(self.outstanding[bill] * Decimal(str(rng.uniform(0.05, 0.6)))), Decimal("0.01")
			)
			account = rng.choice(
				("Software Subscriptions - WP", "Office Rent - WP", "Cost of Goods Sold - WP")
			)
			voucher, remark = "Debit Note", "Price adjustment agreed with the supplier"
			rows = [
				JournalRow(
					"Creditors - WP",
					debit=amount,
					party_type="Supplier",
					party=party,
					reference_type=PURCHASE,
					reference_name=bill,
				),
				JournalRow(account, credit=amount),
			]
			settled = (PURCHASE, bill)
		elif what == "bank charges":
			amount = cents(rng.uniform(1, 60))
			voucher, remark = "Bank Entry", "Monthly bank fees"
			rows = [JournalRow("Bank Charges - WP", debit=amount), JournalRow(BANK, credit=amount)]
			settled = None
		else:
			customer, supplier = rng.choice(self.customers), rng.choice(self.suppliers)
			bank, cash, owed, owing = (
				cents(rng.uniform(low, high))
				for low, high in ((500, 20000), (10, 900), (50, 3000), (50, 2000))
			)
			capital = cents((bank + cash + owed - owing) * Decimal(str(rng.uniform(0.3, 0.9))))
			voucher, remark = "Opening Entry", "Opening balances"
			rows = [
				JournalRow(BANK, debit=bank),
				JournalRow(CASH, debit=cash),
				JournalRow("Debtors - WP", debit=owed, party_type="Customer", party=customer),
				JournalRow("Creditors - WP", credit=owing, party_type="Supplier", party=supplier),
				JournalRow("Capital Stock - WP", credit=capital),
				JournalRow("Opening Balance Equity - WP", credit=bank + cash + owed - owing - capital),
			]
			settled = None
		if settled:
			self.outstanding[settled[1]] -= amount
			self.by_key[settled].referenced = True
			posting = max(posting, date.fromisoformat(self.by_key[settled].doc["posting_date"]))
		cheque = f"BANK-{name[-5:]}" if voucher == "Bank Entry" else None
		doc = self.t.journal(
			name, voucher, posting, rows, remark, opening=voucher == "Opening Entry", cheque_no=cheque
		)
		return Plan(doc, f"{JOURNAL} {voucher} ({what})")

	def _refund(self, posting: date) -> Plan | None:
		"""A Payment Entry paying a customer's credit note back, or receiving a supplier's debit note back."""
		rng = self.rng
		doctype = SALES if rng.random() < 0.55 else PURCHASE
		recent = [
			plan
			for plan in self.plans[-400:]
			if plan.doc["doctype"] == doctype
			and self.credit.get(plan.doc["name"], Decimal(0)) >= Decimal("0.50")
		]
		if not recent:
			return None
		credit = rng.choice(recent)
		open_credit = self.credit[credit.doc["name"]]
		amount = (
			open_credit
			if rng.random() < 0.6
			else max(cents(open_credit * Decimal(str(rng.uniform(0.3, 0.9)))), Decimal("0.01"))
		)
		self.credit[credit.doc["name"]] -= amount
		credit.referenced = True
		customer = doctype == SALES
		party = credit.doc["customer"] if customer else credit.doc["supplier"]
		name = self._next_name("RFND" if customer else "PRFD")
		posting = max(posting, date.fromisoformat(credit.doc["posting_date"]))
		doc = self.t.refund(
			name, "Customer" if customer else "Supplier", party, posting, credit.doc["name"], amount
		)
		what = "to a customer of its credit note" if customer else "from a supplier of its debit note"
		return Plan(doc, f"{PAYMENT} refund ({what})")

	def _payment(self, payment_type: str, posting: date) -> Plan | None:
		rng = self.rng
		receive = payment_type == "Receive"
		doctype = SALES if receive else PURCHASE
		name = self._next_name("PAY" if receive else "PPAY")
		if rng.random() < (0.15 if receive else 0.08):
			party = rng.choice(self.customers if receive else self.suppliers)
			doc = self.t.payment(payment_type, name, party, posting, [], None, cents(rng.uniform(50, 2000)))
			return Plan(doc, f"{PAYMENT} {payment_type} (unallocated advance)")
		found = self._open_invoice(doctype, Decimal("0.50"))
		if not found:
			return None
		party, first = found
		targets = [first]
		if rng.random() < 0.3:
			others = [
				invoice
				for invoice in self.invoices_of[(doctype, party)][-30:]
				if invoice != first and self.outstanding.get(invoice, 0) >= Decimal("0.50")
			]
			if others:
				targets.append(rng.choice(others))
		allocations = []
		for invoice in targets:
			open_amount = self.outstanding[invoice]
			amount = (
				open_amount
				if rng.random() < 0.5
				else max(cents(open_amount * Decimal(str(rng.uniform(0.3, 0.9)))), Decimal("0.01"))
			)
			allocations.append((invoice, amount))
			self.outstanding[invoice] -= amount
			self.by_key[(doctype, invoice)].referenced = True
		allocated = sum((amount for _, amount in allocations), Decimal(0))
		deduction = None
		if rng.random() < (0.3 if receive else 0.25) and allocated > Decimal("1.00"):
			accounts = (
				("Write Off - WP", "Bank Charges - WP")
				if receive
				else ("Bank Charges - WP", "Miscellaneous Expenses - WP")
			)
			deduction = (rng.choice(accounts), min(cents(rng.uniform(0.01, 5)), allocated - Decimal("0.01")))
		latest = max(
			date.fromisoformat(self.by_key[(doctype, invoice)].doc["posting_date"]) for invoice in targets
		)
		doc = self.t.payment(
			payment_type, name, party, max(posting, latest), allocations, deduction, Decimal(0)
		)
		label = f"{PAYMENT} {payment_type}" + (" (with a deduction)" if deduction else "")
		return Plan(doc, label)

	def _cancels(self, share: float) -> None:
		rng = self.rng
		leaves = [plan for plan in self.plans if not plan.referenced]
		for plan in rng.sample(leaves, min(len(leaves), int(len(self.plans) * share))):
			plan.cancel = rng.choices(("before push", "after push", "after unknown outcome"), (25, 45, 30))[0]
			plan.amend = rng.random() < 0.4 and self._reserve_again(plan)
			if plan.amend:
				amended = copy.deepcopy(plan.doc)
				amended.update(name=f"{plan.doc['name']}-1", amended_from=plan.doc["name"])
				for table in ("items", "taxes", "references", "deductions", "accounts", "payments"):
					for row in amended.get(table) or []:
						row.update(parent=amended["name"], name=f"{row.get('name')}-1")
				plan.amendment = amended

	def _reserve_again(self, plan: Plan) -> bool:
		"""An amendment applies again what its cancelled original applied: keep room for it on the invoices, so it
		fits whether QuickBooks sees the original's void first or not."""
		doc = plan.doc
		# (the open amounts it draws on, document) -> amount: invoices' outstanding, or credit notes' open credit
		needs: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
		for ref in doc.get("references") or []:
			amount = money(ref["allocated_amount"])
			needs[("outstanding" if amount > 0 else "credit", ref["reference_name"])] += abs(amount)
		for row in doc.get("accounts") or []:
			if row.get("reference_name"):
				needs[("outstanding", row["reference_name"])] += abs(
					money(row["debit"]) - money(row["credit"])
				)
		if doc.get("is_return") and not doc.get("update_outstanding_for_self"):
			needs[("outstanding", doc["return_against"])] += abs(money(doc["grand_total"]))
		pools = {"outstanding": self.outstanding, "credit": self.credit}
		if any(pools[pool].get(name, Decimal(0)) < amount for (pool, name), amount in needs.items()):
			return False
		for (pool, name), amount in needs.items():
			pools[pool][name] -= amount
		return True


def plan_document(doc: dict, ctx: mapping.MappingContext) -> Any:
	"""What the mapping makes of a document (raises MappingError), whichever planning API it has."""
	if hasattr(mapping, "plan"):
		return mapping.plan(doc, ctx)
	return mapping.dependencies(doc, ctx)


REFUND_ENTITIES = {("Pay", "Customer"): "Purchase", ("Receive", "Supplier"): "Deposit"}


def expected_entity(doc: dict) -> str:
	"""The QuickBooks record a submitted document is: the one its sync record must point at."""
	if doc["doctype"] == SALES:
		if doc.get("is_return") and doc.get("is_pos") and doc.get("payments"):
			return "RefundReceipt"
		return "CreditMemo" if doc.get("is_return") else "Invoice"
	if doc["doctype"] == PURCHASE:
		return "VendorCredit" if doc.get("is_return") else "Bill"
	if doc["doctype"] == JOURNAL:
		return "JournalEntry"
	refund = REFUND_ENTITIES.get((doc["payment_type"], doc["party_type"]))
	return refund or ("Payment" if doc["payment_type"] == "Receive" else "BillPayment")


def expected_total(doc: dict) -> Decimal:
	if doc["doctype"] == PAYMENT:
		return money(doc["paid_amount"] if doc["payment_type"] == "Receive" else doc["received_amount"])
	if doc["doctype"] == JOURNAL:  # QuickBooks' TotalAmt of a journal entry: its debits
		return money(doc["total_debit"])
	return abs(money(doc["rounded_total"] or doc["grand_total"]))


def role_of(doctype: str, entity: str, note: str) -> str:
	"""What a QuickBooks record written for an ERPNext document is to it: "main" (the document itself) or the
	companion it is, by the details its PrivateNote gives after the marker."""
	if entity in PAYERS:
		if "refund applied to" in note:
			return "refund application"
		if "credit applied to" in note:
			return "credit application"
		applied = APPLIED_TO.search(note) if doctype == JOURNAL else None
		if applied:
			return f"application to {applied.group(1)}"
	if doctype == PAYMENT and entity == "JournalEntry":
		return "deductions"
	if doctype == PURCHASE and entity == "Deposit":
		return "refund"
	return "main"


def expected_companions(doc: dict) -> list[tuple[str, str]]:
	"""(role, entity) of every companion record a submitted document must have live in QuickBooks."""
	doctype = doc["doctype"]
	if doctype == PAYMENT:
		refund = (doc["payment_type"], doc["party_type"]) in REFUND_ENTITIES
		if refund and doc.get("references"):
			return [("refund application", "Payment" if doc["party_type"] == "Customer" else "BillPayment")]
		if not refund and doc.get("deductions"):
			return [("deductions", "JournalEntry")]
		return []
	if doctype == JOURNAL:
		return [
			(
				f"application to {row['reference_name']}",
				"Payment" if row["party_type"] == "Customer" else "BillPayment",
			)
			for row in doc["accounts"]
			if row.get("reference_name")
		]
	if doctype == PURCHASE and doc.get("is_return") and doc.get("is_paid"):
		return [("refund", "Deposit"), ("refund application", "BillPayment")]
	if doc.get("is_return") and not doc.get("update_outstanding_for_self"):
		return [("credit application", "Payment" if doctype == SALES else "BillPayment")]
	return []


# The shared store -----------------------------------------------------------------------------------------------


class Store:
	"""The soak's own tables (job queue, settings, events, counters) beside the SQLitePort's, in the same file."""

	def __init__(self, path: Path) -> None:
		self.path = path
		self.db = connect(path)

	@classmethod
	def create(cls, path: Path) -> Store:
		SQLitePort(path)  # the port's tables first: an index of ours is on its records
		store = cls(path)
		store.db.executescript(SOAK_SCHEMA)
		return store

	def rows(self, statement: str, params: tuple = ()) -> list[tuple]:
		return self.db.execute(statement, params).fetchall()

	# Settings and clock

	def set(self, key: str, value: Any) -> None:
		self.db.execute("insert or replace into meta (key, value) values (?, ?)", (key, pickle.dumps(value)))

	def get(self, key: str, default: Any = None) -> Any:
		rows = self.rows("select value from meta where key = ?", (key,))
		return pickle.loads(rows[0][0]) if rows else default

	# Jobs

	def enqueue(
		self,
		kind: str,
		doctype: str | None = None,
		name: str | None = None,
		payload: Any = None,
		delay: float = 0.0,
	) -> None:
		self.db.execute(
			"insert into jobs (kind, doctype, name, payload, available_at) values (?, ?, ?, ?, ?)",
			(kind, doctype, name, json.dumps(payload), time.time() + delay),
		)

	def claim(self, worker: str, backfill_first: bool = False) -> tuple | None:
		"""The next due job, or None. Like Frappe's workers, most serve the short queue (submits, cancels, retries)
		before the long one (backfill chunks); a `backfill_first` worker serves the long queue first. A read
		first, so that idle workers do not queue for the write lock."""
		for _ in range(5):
			row = self.db.execute(
				"select id, kind, doctype, name, payload, tries from jobs where claimed_by is null and available_at <= ? "
				"order by (kind = 'batch') = ? desc, available_at, id limit 1",
				(time.time(), backfill_first),
			).fetchone()
			if row is None:
				return None
			claimed = self.db.execute(
				"update jobs set claimed_by = ?, claimed_at = ? where id = ? and claimed_by is null",
				(worker, time.time(), row[0]),
			).rowcount
			if claimed:
				return row
		return None

	def finish(self, job_id: int) -> None:
		self.db.execute("delete from jobs where id = ?", (job_id,))

	def give_back(self, job_id: int, delay: float, tried: bool = False) -> None:
		self.db.execute(
			"update jobs set claimed_by = null, available_at = ?, tries = tries + ? where id = ?",
			(time.time() + delay, int(tried), job_id),
		)

	def release_jobs_of(self, worker: str, delay: float) -> int:
		return self.db.execute(
			"update jobs set claimed_by = null, available_at = ? where claimed_by = ?",
			(time.time() + delay, worker),
		).rowcount

	def jobs_done(self) -> int:
		rows = self.rows("select seq from sqlite_sequence where name = 'jobs'")
		return (rows[0][0] if rows else 0) - self.pending()

	def pending(self, batches: bool = True) -> int:
		if batches:
			return self.rows("select count(*) from jobs")[0][0]
		return self.rows("select count(*) from jobs where kind != 'batch'")[0][0]

	def queued_keys(self) -> set[tuple[str, str]]:
		return {
			(doctype, name)
			for doctype, name in self.rows("select doctype, name from jobs where doctype is not null")
		}

	# Events and counters

	def event(
		self,
		kind: str,
		doctype: str | None = None,
		name: str | None = None,
		detail: str = "",
		worker: str = "",
	) -> None:
		self.db.execute(
			"insert into events (at, kind, doctype, name, detail, worker) values (?, ?, ?, ?, ?, ?)",
			(time.time(), kind, doctype, name, detail[:2000], worker),
		)

	def events(self) -> Counter:
		return Counter(dict(self.rows("select kind, count(*) from events group by kind")))

	def examples(self, kind: str, limit: int = 3) -> list[tuple]:
		return self.rows(
			"select doctype, name, detail from events where kind = ? order by id limit ?", (kind, limit)
		)

	def journal(self, worker: str, job: tuple, started: float, outcome: str | None) -> None:
		"""What each job did and when (real time): for reading what happened to a document after a failed run."""
		_job_id, kind, doctype, name, payload, _tries = job
		self.db.execute(
			"insert into journal (worker, kind, doctype, name, payload, started, ended, outcome) "
			"values (?, ?, ?, ?, ?, ?, ?, ?)",
			(
				worker,
				kind,
				doctype,
				name,
				payload if kind == "batch" else None,
				started,
				time.time(),
				outcome,
			),
		)

	def save_counters(self, worker: str, counts: Counter) -> None:
		self.db.executemany(
			"insert or replace into counters (worker, name, value) values (?, ?, ?)",
			[(worker, name, value) for name, value in counts.items()],
		)

	def counters(self) -> Counter:
		return Counter(dict(self.rows("select name, sum(value) from counters group by name")))


class VirtualClock:
	"""The engine's clock: `speed` times faster than real time, plus jumps the drain makes (shared by processes)."""

	def __init__(self, store: Store) -> None:
		self.store = store
		self.t0, self.speed = store.get("clock_t0"), store.get("clock_speed")
		self._offset, self._read_at = 0.0, 0.0

	def now(self) -> float:
		if time.monotonic() - self._read_at > 0.5:
			self._offset, self._read_at = self.store.get("clock_offset", 0.0), time.monotonic()
		return self.t0 + (time.time() - self.t0) * self.speed + self._offset


# Workers ------------------------------------------------------------------------------------------------------


class CountingAdapter(requests.adapters.HTTPAdapter):
	"""What the client's requests run into, by kind, as the worker sees it."""

	def __init__(self, counts: Counter) -> None:
		super().__init__()
		self.counts = counts

	def send(self, request, **kwargs):
		self.counts["requests"] += 1
		try:
			response = super().send(request, **kwargs)
		except requests.exceptions.ReadTimeout:
			self.counts["latency past the client timeout"] += 1
			raise
		except requests.exceptions.ConnectionError:
			self.counts["connection dropped after the request"] += 1
			raise
		if response.status_code == 429:
			self.counts["429 throttled"] += 1
		elif response.status_code >= 500:
			self.counts["5xx server error"] += 1
		return response


class SoakPort(SQLitePort):
	"""The workers' port: may leave the process right after QuickBooks answered a write, before the record says so."""

	def __init__(self, path: Path, store: Store, worker: str, rng: random.Random, **options) -> None:
		super().__init__(path, **options)
		self.store = store
		self.worker = worker
		self.rng = rng
		self.exit_probability = 0.0

	def save_record(self, record: SyncRecord) -> None:
		# Inside one of the port's transactions (a batch's records saved together, update_record) the exit is
		# decided before it: the event goes through the store's own connection, which would wait for this one.
		if self.exit_probability and not self._db._connection().in_transaction:
			self._maybe_exit(record)
		super().save_record(record)

	def save_records(self, records: list[SyncRecord]) -> None:
		"""A backfill chunk's records, saved in one transaction: the worker may leave before it, once any of them
		records a write QuickBooks just answered."""
		if self.exit_probability:
			for record in records:
				self._maybe_exit(record)
		super().save_records(records)

	def _maybe_exit(self, record: SyncRecord) -> None:
		kind = self._write_just_returned(record)
		if kind and self.rng.random() < self.exit_probability:
			self.store.event(kind, record.doctype, record.name, _describe(record), self.worker)
			os._exit(EXIT_AFTER_WRITE)

	def _write_just_returned(self, record: SyncRecord) -> str | None:
		before = self.get_record(record.doctype, record.name) or SyncRecord(record.doctype, record.name)
		if (record.qbo_id and not before.qbo_id) or set(record.related) - set(before.related):
			return "exit right after a create"
		if set(before.related) - set(record.related):
			return "exit right after a void/delete"
		if record.status == Status.VOIDED and before.status != Status.VOIDED and before.qbo_id:
			return "exit right after a void/delete"
		return None

	def on_lock_takeover(self, key: str, previous_owner: str) -> None:
		self.store.event("lock taken over from a dead worker", detail=key, worker=self.worker)


def _alive(pid: int) -> bool:
	try:
		os.kill(pid, 0)
	except ProcessLookupError:
		return False
	except PermissionError:
		pass
	return True


def _describe(record: SyncRecord) -> str:
	return f"{record.status.value} {record.qbo_entity or ''} {record.qbo_id or ''} related={record.related}"


def make_client(
	base_url: str,
	realm_id: str,
	store: SQLiteTokenStore,
	args: argparse.Namespace,
	share: int,
	counts: Counter | None = None,
	attempts: int = 3,
) -> QBOClient:
	endpoints = endpoints_for("custom", base_url)
	oauth = OAuth(CLIENT_ID, CLIENT_SECRET, f"{base_url}/callback", endpoints)
	if args.qbo_limits:
		limits = ThrottleLimits(max(1, 490 // share), max(1, 10 // share), max(1, 118 // share))
	else:
		limits = ThrottleLimits(1_000_000, 64, 1_000_000)
	client = QBOClient(
		realm_id,
		oauth,
		store,
		endpoints,
		throttle=Throttle(limits),
		timeout=(2.0, args.client_timeout),
		max_attempts=attempts,
		retry_deadline=6.0,
		sleep=lambda seconds: time.sleep(min(seconds, 30.0) / 10),  # Retry-After and backoff, compressed
	)
	http = getattr(client, "_http", None)
	if isinstance(http, requests.Session):
		http.trust_env = False  # 127.0.0.1 only: no proxies or .netrc to look up (a tenth of a worker's time)
		if counts is not None:
			http.mount("http://", CountingAdapter(counts))
	return client


def worker_main(config: dict, worker: str) -> None:
	"""A worker process: take jobs from the queue and run them through the engine until told to stop."""
	logging.basicConfig(level=logging.CRITICAL)
	try:
		Worker(config, worker).run()
	finally:
		sys.stdout.flush()
		os._exit(0)


class Worker:
	def __init__(self, config: dict, worker: str) -> None:
		self.args: argparse.Namespace = config["args"]
		self.worker = worker
		self.path = Path(config["db"])
		self.store = Store(self.path)
		self.rng = random.Random(f"{config['args'].seed}-{worker}")
		self.port = SoakPort(self.path, self.store, worker, self.rng, lock_timeout=self.args.lock_timeout)
		self.counts: Counter = Counter()
		tokens = SQLiteTokenStore(self.path, config["realm_id"])
		self.client = make_client(
			config["base_url"], config["realm_id"], tokens, self.args, self.args.workers, self.counts
		)
		self.realm_id = config["realm_id"]
		self.backfill_first = config["backfill_first"]
		self.supervisor = config["supervisor"]
		self.clock = VirtualClock(self.store)
		self.engine: PushEngine | None = None
		self.settings_version = None
		self._checked = self._saved = 0.0

	def run(self) -> None:
		while True:
			self._settings()
			if self.stopping:
				self.store.save_counters(self.worker, self.counts)
				return
			job = self.store.claim(self.worker, self.backfill_first)
			if job is None:
				time.sleep(0.02 + self.rng.random() * 0.03)
				continue
			started = time.time()
			outcome = self._run(job)
			self.store.journal(self.worker, job, started, outcome)
			if time.monotonic() - self._saved > 1.0:
				self.counts["worker CPU ms"] = int(time.process_time() * 1000)
				self._saved = time.monotonic()
			self.store.save_counters(self.worker, self.counts)

	def _settings(self) -> None:
		if time.monotonic() - self._checked < 0.3:
			return
		self._checked = time.monotonic()
		self.stopping = bool(self.store.get("stop")) or not _alive(self.supervisor)
		if self.stopping:
			self.counts["worker CPU ms"] = int(time.process_time() * 1000)
		self.port.exit_probability = self.store.get("exit_probability", 0.0)
		version = self.store.get("settings_version")
		if version != self.settings_version:
			ctx = self.store.get("mapping_context")
			self.engine = PushEngine(self.client, self.port, ctx, self.realm_id, clock=self.clock.now)
			self.settings_version = version

	def _run(self, job: tuple) -> str:
		job_id, kind, doctype, name, payload, tries = job
		payload = json.loads(payload) if payload else None
		try:
			if kind == "batch":
				outcome = self._backfill([tuple(ref) for ref in payload])
				self.store.finish(job_id)
				return outcome
			if kind == "cancel":
				record = self.engine.cancel(doctype, name)
			elif kind == "user-retry" and self.port.get_document(doctype, name)["docstatus"] == 1:
				record = self.engine.push(doctype, name, manual=True)
			elif kind == "user-retry":
				record = self.engine.cancel(doctype, name)
			else:  # "sync" (submit hook), "retry" (scheduler)
				record = self.engine.sync(doctype, name, manual=kind == "retry")
			self.store.finish(job_id)
			return f"{record.status.value} {record.qbo_entity or ''} {record.qbo_id or ''}".strip()
		except DocumentBusy:
			self.counts["gave way: document busy"] += 1
			self.store.give_back(job_id, 0.2 + self.rng.random() * 0.4)
			return "busy"
		except Exception as error:
			self.store.event(
				"job raised",
				doctype,
				name,
				f"{kind}: {error!r}\n{traceback.format_exc(limit=6)}",
				self.worker,
			)
			if tries < 3:
				self.store.give_back(job_id, 1.0, tried=True)
			else:
				self.store.finish(job_id)
			return f"raised {error!r}"[:200]

	def _backfill(self, refs: list[tuple[str, str]]) -> str:
		"""Send Past Documents, one chunk: `push_many`, and one by one when it fails (as the Frappe job does)."""
		try:
			records = self.engine.push_many(refs)
			return f"pushed {Counter(record.status.value for record in records)}"
		except DocumentBusy:
			self.counts["gave way: document busy"] += 1
		except Exception as error:
			self.store.event(
				"job raised",
				detail=f"push_many: {error!r}\n{traceback.format_exc(limit=6)}",
				worker=self.worker,
			)
		left = []
		for doctype, name in refs:
			try:
				self.engine.push(doctype, name, manual=True)
			except DocumentBusy:
				left.append((doctype, name))
		if left:
			self.store.enqueue("batch", payload=left, delay=0.5)
		return f"one by one, {len(left)} left for later"


# The run of one numbering mode ------------------------------------------------------------------------------


@dataclass
class ModeResult:
	mode: str
	documents: Counter = field(default_factory=Counter)
	faults: Counter = field(default_factory=Counter)
	kills: Counter = field(default_factory=Counter)
	activity: Counter = field(default_factory=Counter)
	problems: Counter = field(default_factory=Counter)
	examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
	seconds: dict[str, float] = field(default_factory=dict)
	notes: list[str] = field(default_factory=list)

	def problem(self, kind: str, example: str) -> None:
		"""Count a problem; every one is listed in the JSON, the first few under the table."""
		self.problems[kind] += 1
		self.examples[kind].append(example)


FAULT_COUNTERS = (
	"requests",
	"5xx server error",
	"429 throttled",
	"connection dropped after the request",
	"latency past the client timeout",
)
PROBLEMS = (
	"duplicates",
	"lost",
	"live after cancel",
	"stuck",
	"total mismatches",
	"Synced record pointing at no live record",
	"parties or items created twice",
)


class Soak:
	def __init__(
		self,
		mode: str,
		args: argparse.Namespace,
		base_url: str,
		work_dir: Path,
		data: sample_data.SampleData,
		emulator_pid: int | None = None,
	) -> None:
		self.mode = mode
		self.emulator_pid = emulator_pid
		self.emulator_cpu_at_start = cpu_ms(emulator_pid)
		self.cpu_at_start = time.process_time()
		self.args = args
		self.base_url = base_url
		self.admin = EmulatorAdmin(base_url)
		self.rng = random.Random(f"{args.seed}-{mode}-supervisor")
		self.data = data
		self.path = work_dir / f"soak-{mode}.sqlite"
		for suffix in ("", "-wal", "-shm"):
			Path(f"{self.path}{suffix}").unlink(missing_ok=True)
		self.result = ModeResult(mode)
		self.workers: dict[str, multiprocessing.Process] = {}
		self.pending_kills: list[tuple[float, str, str]] = []
		self.cancelled: set[tuple[str, str]] = set()
		self.submitted = 0

	def log(self, message: str) -> None:
		if self.args.verbose:
			print(f"[{self.mode} {time.strftime('%H:%M:%S')}] {message}", flush=True)

	# Set-up

	def setup(self) -> None:
		args = self.args
		self.realm_id = self.admin.create_realm(
			country="US",
			home_currency="USD",
			multicurrency=True,
			custom_txn_numbers=self.mode == "custom",
			company_name=f"Soak, {self.mode} numbering",
		)
		config = {
			"access_token_ttl": TOKEN_REFRESH_MARGIN + args.token_lifetime,
			"refresh_rotation_seconds": 0,  # every refresh returns a new refresh token ...
			"rotation_grace_seconds": 0,  # ... and the old one dies at once: racing refreshers would lose
		}
		if args.qbo_limits:
			config.update(rate_limit_per_minute=500, max_concurrent=10, batch_per_minute=120)
		self.admin.configure(self.realm_id, **config)
		self.store = Store.create(self.path)
		self.port = SQLitePort(self.path, lock_timeout=args.lock_timeout)
		self.tokens = SQLiteTokenStore(self.path, self.realm_id)
		self.tokens.save(
			Tokens.from_token_response(self.admin.issue_tokens(self.realm_id), self.realm_id, time.time())
		)
		self.client = make_client(
			self.base_url, self.realm_id, self.tokens, args, args.workers + 1, attempts=8
		)
		chart = [account for account in self.data.chart if account["name"] != UNMAPPED_ACCOUNT]
		# The samples' company names no default bank account; applying a vendor credit needs one (QuickBooks Settings).
		company = {**self.data.company}
		company["default_bank_account"] = company.get("default_bank_account") or "Chase Checking - WP"
		self.ctx = mapping_context(self.client, SimpleNamespace(company=company, chart=chart))
		self.store.set("mapping_context", self.ctx)
		self.store.set("settings_version", 1)
		self.store.set("exit_probability", args.exit_after_write)
		self.store.set("clock_t0", time.time())
		self.store.set("clock_speed", args.time_speed)
		self.store.set("clock_offset", 0.0)
		self.clock = VirtualClock(self.store)

		self.scenario = Scenario(Templates(self.data), args.documents, args)
		self._check_documents()
		for party_type, party in self.scenario.party_docs:
			self.port.add_party(party_type, party)
		for entity in ("Customer", "Vendor"):
			bodies = [body for kind, body in self.scenario.existing if kind == entity]
			if bodies:
				self.admin.seed(self.realm_id, entity, objects=bodies)
		self.backfill = [plan for plan in self.scenario.plans if plan.backfill]
		self.live = [plan for plan in self.scenario.plans if not plan.backfill]
		for plan in self.backfill:
			self.port.add_document(plan.doc)
		order = sorted(
			self.backfill,
			key=lambda plan: (
				pushed_type(plan.doc["doctype"]).push_order,
				plan.doc.get("is_return", 0),
				plan.doc["name"],
			),
		)
		for start in range(0, len(order), BACKFILL_CHUNK):
			self.store.enqueue(
				"batch", payload=[list(plan.key) for plan in order[start : start + BACKFILL_CHUNK]]
			)
		self.submitted = len(self.backfill)
		self.admin.reset_stats()
		self._inject_faults()

	def _check_documents(self) -> None:
		"""Every generated document maps (except on the account left unmapped on purpose): the soak tests the
		engine, not the generator."""
		account_map = {**self.ctx.account_map, UNMAPPED_ACCOUNT: self.ctx.account_map["Sales - WP"]}
		fixed = dataclasses.replace(self.ctx, account_map=account_map)
		for plan in self.scenario.plans:
			for doc in filter(None, (plan.doc, plan.amendment)):
				try:
					deps = plan_document(doc, fixed)
				except MappingError as error:
					raise SystemExit(
						f"soak bug: generated {doc['doctype']} {doc['name']} does not map: {error}"
					)
				if isinstance(deps, mapping.Skip):
					raise SystemExit(
						f"soak bug: generated {doc['doctype']} {doc['name']} is skipped: {deps.reason}"
					)
				self.result.documents[plan.kind] += doc is plan.doc
			if plan.amendment:
				self.result.documents["amendments (new documents)"] += 1

	def _inject_faults(self) -> None:
		if not self.args.fault_rate:
			return
		# Rules are tried in order and the first that fires wins: rule k fires with its share / (1 - the shares
		# before it), so that each kind hits its share of the requests. A tenth more than --fault-rate, so that the
		# share a run meets stays above it despite chance.
		rate = self.args.fault_rate * FAULT_HEADROOM
		kinds = (
			({"action": "error", "status": 500}, rate / 2),
			({"action": "error", "status": 503}, rate / 2),
			({"action": "throttle", "retry_after": 1}, rate),
			({"action": "drop"}, rate),
			({"action": "latency", "latency_ms": int(self.args.client_timeout * 1000) + 300}, rate),
		)
		taken = 0.0
		for spec, share in kinds:
			self.admin.inject_fault(
				match={"realm_id": self.realm_id},
				probability=share / (1 - taken),
				times=0,
				seed=self.rng.randrange(1 << 30),
				**spec,
			)
			taken += share
		self.admin.inject_fault(
			match={"path_regex": r"/oauth2/v1/tokens/bearer"},
			action="error",
			status=503,
			probability=rate,
			times=0,
			seed=self.rng.randrange(1 << 30),
		)

	# Workers

	def start_worker(self, slot: int) -> None:
		worker = f"w{slot}-{uuid.uuid4().hex[:6]}"
		config = {
			"args": self.args,
			"db": str(self.path),
			"realm_id": self.realm_id,
			"base_url": self.base_url,
			"backfill_first": slot == 0,  # one worker on the long queue first, the others on the short one
			"supervisor": os.getpid(),
		}
		process = CONTEXT.Process(target=worker_main, args=(config, worker), daemon=True)
		process.start()
		self.workers[worker] = process

	def reap(self, restart: bool = True) -> None:
		for worker, process in list(self.workers.items()):
			if process.is_alive():
				continue
			process.join()
			code = process.exitcode
			if code not in (-signal.SIGKILL, EXIT_AFTER_WRITE, 0):
				self.store.event("worker crashed", detail=f"exit code {code}", worker=worker)
			self.store.release_jobs_of(worker, REQUEUE_AFTER_DEATH)
			del self.workers[worker]
			if restart:
				self.result.activity["workers restarted"] += 1
				self.start_worker(int(worker[1:].split("-")[0]))

	def kill(self, worker: str, kind: str) -> None:
		process = self.workers.get(worker)
		if not process or not process.is_alive():
			return
		holder = self.tokens.lock_holder()
		os.kill(process.pid, signal.SIGKILL)
		self.result.kills[kind] += 1
		if holder and holder[1] == process.pid:
			self.result.kills["...of which while refreshing the tokens"] += 1

	def plan_kills(self, now: float, done: int) -> None:
		if not self.args.kill_every:
			return
		if done >= self.next_kill:
			self.next_kill = done + self.rng.expovariate(1 / self.args.kill_every)
			busy = self.store.rows("select claimed_by, kind from jobs where claimed_by is not null")
			batches = [worker for worker, kind in busy if kind == "batch"]
			if batches and self.rng.random() < 0.5:
				self.pending_kills.append(
					(
						now + self.rng.uniform(0, 0.3),
						self.rng.choice(batches),
						"SIGKILL during a backfill batch",
					)
				)
			elif self.workers:
				candidates = [worker for worker, _ in busy if worker in self.workers] or list(self.workers)
				self.kill(self.rng.choice(candidates), "SIGKILL at a random moment")
		for entry in [entry for entry in self.pending_kills if entry[0] <= now]:
			self.pending_kills.remove(entry)
			self.kill(entry[1], entry[2])

	def stop_workers(self) -> None:
		self.store.set("stop", True)
		deadline = time.monotonic() + 15
		while any(process.is_alive() for process in self.workers.values()) and time.monotonic() < deadline:
			time.sleep(0.05)
		for process in self.workers.values():
			if process.is_alive():
				os.kill(process.pid, signal.SIGKILL)
			process.join()
		self.workers.clear()

	# What ERPNext does: submit and cancel hooks

	def submit(self, doc: dict) -> None:
		self.port.add_document(doc)

		def queued(record: SyncRecord | None) -> SyncRecord:
			record = record or SyncRecord(doc["doctype"], doc["name"])
			record.status, record.error, record.error_kind = Status.QUEUED, None, None
			return record

		self.port.update_record(doc["doctype"], doc["name"], queued)
		self.store.enqueue("sync", doc["doctype"], doc["name"])
		self.submitted += 1

	def cancel(self, plan: Plan, kind: str) -> None:
		doctype, name = plan.key
		if plan.key in self.cancelled:
			return
		self.cancelled.add(plan.key)
		self.port.update_document(doctype, name, lambda doc: doc.update(docstatus=2))

		def requeue(record: SyncRecord | None) -> SyncRecord | None:
			# The Frappe hook: nothing to do without a record, or once it is Voided or Skipped.
			if record is None or record.status in (Status.VOIDED, Status.SKIPPED):
				return None
			record.status, record.error_kind = Status.QUEUED, None
			record.error = "Cancelled in ERPNext: the QuickBooks record is being voided."
			return record

		if self.port.update_record(doctype, name, requeue):
			self.store.enqueue("cancel", doctype, name)
		self.result.activity[f"cancel {kind}"] += 1
		self.store.event("cancelled", doctype, name, kind)
		if plan.amend:
			self.submit(plan.amendment)
			self.result.activity["amendment submitted after the cancel"] += 1

	# The run

	def run(self) -> ModeResult:
		started = time.monotonic()
		self.setup()
		self.result.seconds["set-up"] = time.monotonic() - started
		self.log(f"realm {self.realm_id}, {len(self.scenario.plans)} documents, db {self.path}")
		try:
			for slot in range(self.args.workers):
				self.start_worker(slot)
			phase = time.monotonic()
			self.main_phase()
			self.result.seconds["main phase"] = time.monotonic() - phase
			phase = time.monotonic()
			self.drain()
			self.result.seconds["drain"] = time.monotonic() - phase
		finally:
			self.stop_workers()
		phase = time.monotonic()
		self.check()
		self.result.seconds["check"] = time.monotonic() - phase
		self.result.seconds["total"] = time.monotonic() - started
		return self.result

	def main_phase(self) -> None:
		deadline = time.monotonic() + self.args.time_limit
		self.next_kill = self.rng.expovariate(1 / self.args.kill_every) if self.args.kill_every else 0
		next_edit = self.rng.expovariate(1 / self.args.edit_every) if self.args.edit_every else float("inf")
		self.scan_from = 0.0
		next_retry_scan = next_stale_scan = next_fix_check = next_progress = 0.0
		live = iter(self.live)
		pending_before: list[Plan] = [plan for plan in self.backfill if plan.cancel == "before push"]
		watch = {
			plan.key: plan
			for plan in self.scenario.plans
			if plan.cancel in ("after push", "after unknown outcome")
		}
		exhausted = False
		while True:
			now = time.monotonic()
			done = self.store.jobs_done()
			self.reap()
			self.plan_kills(now, done)
			if done >= next_edit:
				next_edit = done + self.rng.expovariate(1 / self.args.edit_every)
				self.edit()
			# submissions, paced so that cancels and edits meet documents while they are being worked on
			room = self.args.workers * 4 - self.store.pending(batches=False)
			while room > 0 and not exhausted:
				plan = next(live, None)
				if plan is None:
					exhausted = True
					break
				self.submit(plan.doc)
				room -= 1
				if plan.cancel == "before push":
					pending_before.append(plan)
			for plan in pending_before:
				self.cancel(plan, "before it reached QuickBooks")
			pending_before.clear()
			self.watch_records(watch)
			if now >= next_fix_check:
				next_fix_check = now + 0.5
				if not self.store.get("fixed") and self.submitted >= len(self.scenario.plans) / 2:
					self.user_fix()
				self.reconnect_if_needed()
			if now >= next_retry_scan:
				next_retry_scan = now + RETRY_SCAN_EVERY
				self.retry_due()
			if now >= next_stale_scan:
				next_stale_scan = now + 1.0
				self.stale_queued()
			if self.args.verbose and now >= next_progress:
				next_progress = now + 10.0
				statuses = dict(self.store.rows("select status, count(*) from records group by status"))
				self.log(
					f"{self.submitted}/{len(self.scenario.plans)} submitted, {self.store.pending()} jobs queued, "
					f"records {statuses}, kills {sum(self.result.kills.values())}"
				)
			if exhausted and not self.store.pending():
				break
			if now > deadline:
				self.result.notes.append(
					f"main phase stopped at its time limit ({self.args.time_limit:.0f} s)"
				)
				for plan in live:
					self.submit(plan.doc)
				break
			time.sleep(0.05)
		for plan in watch.values():  # never seen Synced or unknown: cancel whatever state it is in now
			record = self.port.get_record(*plan.key)
			synced = record and record.status == Status.SYNCED
			self.cancel(plan, "after it was pushed" if synced else "while it was failing")
		if not self.store.get("fixed"):
			self.user_fix()

	def watch_records(self, watch: dict[tuple[str, str], Plan]) -> None:
		"""Cancels that wait for a state: a document QuickBooks has, or one whose last write has an unknown outcome."""
		rows = self.store.rows(
			"select doctype, name, status, outcome_unknown, updated_at from records where updated_at > ? order by updated_at",
			(self.scan_from,),
		)
		for doctype, name, status, unknown, updated_at in rows:
			self.scan_from = max(self.scan_from, updated_at)
			plan = self.scenario.by_key.get((doctype, name))
			if plan is None or plan.key in self.cancelled or plan.referenced:
				continue
			if unknown and (
				plan.cancel == "after unknown outcome"
				or (plan.cancel is None and self.args.cancel_share and self.rng.random() < 0.02)
			):
				if plan.cancel is None:
					plan.cancel = "after unknown outcome"
					watch.pop(plan.key, None)
				self.cancel(plan, "while its outcome was unknown")
				watch.pop(plan.key, None)
			elif (
				status == Status.SYNCED.value
				and plan.cancel in ("after push", "after unknown outcome")
				and plan.key in watch
			):
				# Not seen in an unknown state before it synced: cancel it now, after the push.
				self.cancel(plan, "after it was pushed")
				watch.pop(plan.key, None)

	def edit(self) -> None:
		"""Change a document that is not in QuickBooks yet (as far as its record says), the way a settings change
		changes its payload: a line description, or quantity and rate with the same amount; a journal entry's
		remark."""
		for _ in range(3):
			rows = self.store.rows(
				"select doctype, name from records where status in ('Queued', 'Failed') and doctype != ? order by random() limit 1",
				(PAYMENT,),
			)
			if not rows:
				return
			doctype, name = rows[0]
			if (doctype, name) in self.cancelled:
				continue
			kind = self.rng.choice(("description", "quantity and rate"))
			done: list[str] = []
			self.port.update_document(
				doctype, name, lambda doc, done=done, kind=kind: done.append(self._edit(doc, kind))
			)
			self.result.activity[f"edit of a document not synced yet: {done[0]}"] += 1
			return

	def _edit(self, doc: dict, kind: str) -> str:
		if doc["doctype"] == JOURNAL:
			doc["user_remark"] = f"{doc['user_remark']} (rev {self.rng.randrange(1000)})"
			return "journal entry remark"
		row = self.rng.choice(doc["items"])
		qty, rate = Decimal(str(row["qty"])), Decimal(str(row["rate"]))
		if kind == "quantity and rate" and qty > 0 and (rate * 100) % 2 == 0:
			new_qty, new_rate = qty * 2, rate / 2
			row.update(
				qty=float(new_qty), stock_qty=float(new_qty), rate=float(new_rate), net_rate=float(new_rate)
			)
			row.update(
				base_rate=float(new_rate), base_net_rate=float(new_rate), price_list_rate=float(new_rate)
			)
			doc["total_qty"] = float(Decimal(str(doc["total_qty"])) + qty)
			return "quantity and rate"
		row["description"] = f"{row['description']} (rev {self.rng.randrange(1000)})"
		return "description"

	def user_fix(self) -> None:
		"""The user maps the account the unmapped documents use, then presses Retry on every failed record."""
		account = next(account for account in self.data.chart if account["name"] == UNMAPPED_ACCOUNT)
		for _attempt in range(20):
			try:
				mapped = mirror_chart(self.client, [account])
				break
			except QBOError:
				time.sleep(0.2)
		else:
			raise SystemExit("could not create the account of the user fix in QuickBooks")
		self.ctx = dataclasses.replace(self.ctx, account_map={**self.ctx.account_map, **mapped})
		self.store.set("mapping_context", self.ctx)
		self.store.set("settings_version", 2)
		self.store.set("fixed", True)
		self.result.activity["user fix: account mapped, failed records retried"] += 1
		self.user_retry()

	def user_retry(self) -> int:
		rows = self.store.rows(
			"select doctype, name from records where status = 'Failed' and error_kind = 'permanent'"
		)
		for doctype, name in rows:
			self.store.enqueue("user-retry", doctype, name)
		self.result.activity["records retried by the user"] += len(rows)
		return len(rows)

	def retry_due(self) -> int:
		"""The scheduler: transient and connection failures whose backoff has passed (engine time)."""
		queued = self.store.queued_keys()
		rows = self.store.rows(
			"select doctype, name from records where status = 'Failed' and error_kind in ('transient', 'auth') "
			"and next_retry_at <= ?",
			(self.clock.now(),),
		)
		count = 0
		for doctype, name in rows:
			if (doctype, name) not in queued:
				self.store.enqueue("retry", doctype, name)
				count += 1
		self.result.activity["automatic retries queued"] += count
		return count

	def stale_queued(self, older_than: float = STALE_QUEUED_AFTER) -> int:
		"""The scheduler: Queued records whose job vanished (a killed worker) are queued again."""
		queued = self.store.queued_keys()
		rows = self.store.rows(
			"select doctype, name from records where status = 'Queued' and updated_at < ?",
			(time.time() - older_than,),
		)
		count = 0
		for doctype, name in rows:
			if (doctype, name) not in queued:
				self.store.enqueue("retry", doctype, name)
				count += 1
		self.result.activity["stale Queued records queued again"] += count
		return count

	def reconnect_if_needed(self) -> None:
		"""A refresh token lost with a worker killed between QuickBooks rotating it and the store saving it leaves
		the connection dead: the user presses Reconnect, and what waited for it goes again."""
		if not self.store.rows(
			"select 1 from records where status = 'Failed' and error_kind = 'auth' limit 1"
		):
			return
		endpoints = endpoints_for("custom", self.base_url)
		oauth = OAuth(CLIENT_ID, CLIENT_SECRET, f"{self.base_url}/callback", endpoints)
		try:
			TokenManager(oauth, self.tokens).replace_rejected(self.tokens.load())
			return
		except AuthenticationError:
			pass
		except QBOError:
			return
		self.tokens.save(
			Tokens.from_token_response(self.admin.issue_tokens(self.realm_id), self.realm_id, time.time())
		)
		self.result.activity["reconnects (refresh token lost)"] += 1
		for doctype, name in self.store.rows(
			"select doctype, name from records where status = 'Failed' and error_kind = 'auth'"
		):
			self.store.enqueue("retry", doctype, name)

	def drain(self) -> None:
		"""Faults and kills off; the engine's clock jumps past every backoff; what the scheduler and the user would
		retry is retried, round after round, until nothing is left to do."""
		self.admin.clear_faults()
		self.store.set("exit_probability", 0.0)
		deadline = time.monotonic() + self.args.drain_timeout
		self.wait_idle(deadline)
		for round_number in range(1, 8):
			self.store.set("clock_offset", self.store.get("clock_offset", 0.0) + 8 * 3600)
			time.sleep(0.6)  # workers read the clock again
			queued = self.retry_due() + self.stale_queued(older_than=0.0) + self.user_retry()
			missing = [
				list(plan.key)
				for plan in self.scenario.plans
				if plan.backfill
				and plan.key not in self.cancelled
				and self.port.get_record(*plan.key) is None
			]
			for start in range(0, len(missing), BACKFILL_CHUNK):
				self.store.enqueue("batch", payload=missing[start : start + BACKFILL_CHUNK])
			self.reconnect_if_needed()
			self.log(
				f"drain round {round_number}: {queued} records and {len(missing)} unsent past documents queued"
			)
			if not queued and not missing:
				return
			if not self.wait_idle(deadline):
				self.result.notes.append(f"drain stopped at its time limit ({self.args.drain_timeout:.0f} s)")
				return
		self.result.notes.append("drain stopped after 7 rounds with records still failing")

	def wait_idle(self, deadline: float) -> bool:
		while self.store.pending():
			if time.monotonic() > deadline:
				return False
			self.reap()
			time.sleep(0.05)
		return True

	# The check

	def check(self) -> None:
		result = self.result
		held: dict[str, list[dict]] = {}
		for entity in (*ENTITIES, "Customer", "Vendor", "Item"):
			held[entity] = list(self.client.query(f"select * from {entity}"))
		by_document: dict[tuple[str, str], list[tuple[str, dict]]] = defaultdict(list)
		for entity in ENTITIES:
			for obj in held[entity]:
				match = MARKER.search(obj.get("PrivateNote") or "")
				if match and mapping.is_ours(obj, match.group(1), match.group(2)):
					by_document[(match.group(1), match.group(2))].append((entity, obj))
		documents = {}
		for plan in self.scenario.plans:
			for doc in filter(None, (plan.doc, plan.amendment)):
				if doc is plan.amendment and plan.key not in self.cancelled:
					continue  # never submitted
				documents[(doc["doctype"], doc["name"])] = self.port.get_document(doc["doctype"], doc["name"])
		for key in by_document:
			if key not in documents:
				result.problem(
					"duplicates", f"{key[0]} {key[1]}: QuickBooks records for a document that does not exist"
				)
		for key, doc in documents.items():
			self._check_document(key, doc, by_document.get(key, []))
		self._check_masters(held)
		for name, value in self.store.counters().items():
			(result.faults if name in FAULT_COUNTERS else result.activity)[name] = value
		stats = self.admin.stats()
		result.faults["requests (emulator)"] = stats["requests"].get(self.realm_id, 0)
		result.faults["faults injected (emulator)"] = stats["faults_injected"]
		result.faults["token refreshes (emulator)"] = stats["endpoints"].get(
			"POST /oauth2/v1/tokens/bearer", 0
		)
		result.activity["supervisor CPU ms"] = int((time.process_time() - self.cpu_at_start) * 1000)
		result.activity["emulator CPU ms"] = cpu_ms(self.emulator_pid) - self.emulator_cpu_at_start
		events = self.store.events()
		for kind in ("exit right after a create", "exit right after a void/delete"):
			result.kills[kind] = events[kind]
		result.kills["worker crashed"] = events["worker crashed"]
		result.activity["locks taken over from dead workers"] = events["lock taken over from a dead worker"]
		result.activity["jobs that raised"] = events["job raised"]
		log = self.path.parent / "emulator.log"
		bugs = log.read_text(errors="replace").count("emulator bug") if log.exists() else 0
		if bugs:
			result.notes.append(f"the emulator logged {bugs} errors of its own (see {log})")
		for doctype, name, detail in self.store.examples("job raised"):
			result.notes.append(f"job raised ({doctype} {name}): {detail.splitlines()[0] if detail else ''}")

	def _check_document(self, key: tuple[str, str], doc: dict, found: list[tuple[str, dict]]) -> None:
		result = self.result
		label = f"{key[0]} {key[1]}"
		roles: dict[tuple[str, str], list[dict]] = defaultdict(list)
		for entity, obj in found:
			note = obj.get("PrivateNote") or ""
			if not note.startswith("Voided") and obj.get("status") != "Deleted":
				roles[(role_of(key[0], entity, note), entity)].append(obj)
		for (role, entity), live in roles.items():
			if len(live) > 1:
				ids = ", ".join(
					f"{entity} {obj['Id']} (#{obj.get('DocNumber', '-')}, created "
					f"{(obj.get('MetaData') or {}).get('CreateTime', '?')})"
					for obj in live
				)
				result.problem("duplicates", f"{label} ({role}): {ids}")
		record = self.port.get_record(*key)
		main = roles.get(("main", expected_entity(doc)), [])
		if doc["docstatus"] == 2:
			live = [f"{entity} {obj['Id']}" for (_role, entity), objs in roles.items() for obj in objs]
			if live:
				result.problem(
					"live after cancel",
					f"{label}: {', '.join(live)} live; record {_describe(record) if record else 'none'}",
				)
		else:
			if not main:
				result.problem(
					"lost",
					f"{label}: no live {expected_entity(doc)}; record {_describe(record) if record else 'none'}",
				)
			for obj in main:
				if money(obj.get("TotalAmt") or 0) != expected_total(doc):
					result.problem(
						"total mismatches",
						f"{label}: {obj['Id']} TotalAmt {obj.get('TotalAmt')}, ERPNext {expected_total(doc)}",
					)
			for role, entity in expected_companions(doc):
				if not roles.get((role, entity)):
					result.problem(
						"lost",
						f"{label}: no live {entity} ({role}); record {_describe(record) if record else 'none'}",
					)
			if record and record.status == Status.SYNCED:
				self._check_pointers(label, record, expected_entity(doc), main, roles)
		if record is None:
			if doc["docstatus"] == 1:
				result.problem("stuck", f"{label}: no sync record")
		elif record.status not in (Status.SYNCED, Status.VOIDED, Status.SKIPPED):
			result.problem("stuck", f"{label}: {record.status.value} ({(record.error or '')[:160]})")

	def _check_pointers(
		self,
		label: str,
		record: SyncRecord,
		entity: str,
		main: list[dict],
		roles: dict[tuple[str, str], list[dict]],
	) -> None:
		"""A Synced record names the document's own live record, and each companion it remembers is live."""
		if record.qbo_entity != entity or record.qbo_id not in {obj["Id"] for obj in main}:
			self.result.problem(
				"Synced record pointing at no live record",
				f"{label}: record has {record.qbo_entity} {record.qbo_id}",
			)
		live = {(entity, obj["Id"]) for (_role, entity), objs in roles.items() for obj in objs}
		for key, value in record.related.items():
			pointer = RELATED.match(value or "")
			if pointer and pointer.group(1) in ENTITIES and pointer.groups() not in live:
				self.result.problem(
					"Synced record pointing at no live record",
					f"{label}: record's {key} is {value}, not a live record of the document",
				)

	def _check_masters(self, held: dict[str, list[dict]]) -> None:
		"""Customers and vendors the connector created carry "ERPNext Customer|Supplier <name>" in Notes; items are
		one per (ERPNext item, income account). Records QuickBooks already had before the run carry neither."""
		for entity in ("Customer", "Vendor"):
			created = Counter(
				obj.get("Notes") for obj in held[entity] if (obj.get("Notes") or "").startswith("ERPNext ")
			)
			for notes, count in created.items():
				if count > 1:
					self.result.problem("parties or items created twice", f"{entity} {notes!r}: {count}")
		items = Counter(
			(obj.get("Sku"), (obj.get("IncomeAccountRef") or {}).get("value"))
			for obj in held["Item"]
			if obj.get("Sku")
		)
		for (sku, account), count in items.items():
			if count > 1:
				self.result.problem(
					"parties or items created twice", f"Item {sku} on account {account}: {count}"
				)


# Emulator and report ----------------------------------------------------------------------------------------


# The emulator's own entry point, in a process that also ends when the soak does (even killed).
EMULATOR = """
import os, sys, threading, time
from quickbooks_connector.emulator.__main__ import main
parent = int(sys.argv[1])
def watch():
	while True:
		time.sleep(0.5)
		try:
			os.kill(parent, 0)
		except ProcessLookupError:
			os._exit(0)
threading.Thread(target=watch, daemon=True).start()
sys.exit(main(sys.argv[2:]))
"""


@contextlib.contextmanager
def emulator(url: str | None, work_dir: Path) -> Iterator[tuple[str, int | None]]:
	"""(base URL, pid) of the emulator: the one at `url`, or one started in its own process."""
	if url:
		yield url, None
		return
	log = (work_dir / "emulator.log").open("w")
	process = subprocess.Popen(
		[sys.executable, "-c", EMULATOR, str(os.getpid()), "--host", "127.0.0.1", "--port", "0"],
		stdout=subprocess.PIPE,
		stderr=log,
		text=True,
	)
	try:
		line = process.stdout.readline()
		match = re.search(r"(http://\S+)", line)
		if not match:
			raise SystemExit(f"the emulator did not start: {line!r}")
		yield match.group(1), process.pid
	finally:
		process.terminate()
		try:
			process.wait(10)
		except subprocess.TimeoutExpired:
			process.kill()
			process.wait()
		log.close()


def cpu_ms(pid: int | None) -> int:
	"""CPU time a process has used so far (Linux), 0 when unknown."""
	try:
		with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
			fields = handle.read().rsplit(")", 1)[1].split()
		return int((int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK"))
	except (OSError, ValueError, IndexError, TypeError):
		return 0


def print_report(args: argparse.Namespace, results: list[ModeResult]) -> None:
	modes = [f"{result.mode} numbering" for result in results]
	width = 62
	lines = [
		f"Exactly-once soak: {args.documents} documents per mode, {args.workers} workers, fault rate {args.fault_rate}, "
		f"seed {args.seed}",
		"",
		"".ljust(width) + "".join(mode.rjust(20) for mode in modes),
	]

	def section(
		title: str, getter: Callable[[ModeResult], Counter], keys: list[str] | None = None, rate: bool = False
	) -> None:
		lines.append(title)
		names = keys or sorted({name for result in results for name in getter(result)})
		for name in names:
			cells = []
			for result in results:
				value = getter(result).get(name, 0)
				if (
					rate
					and name
					not in (
						"requests",
						"requests (emulator)",
						"faults injected (emulator)",
						"token refreshes (emulator)",
					)
					and getter(result).get("requests")
				):
					cells.append(f"{value} ({value / getter(result)['requests']:.1%})")
				else:
					cells.append(str(value))
			lines.append(f"  {name}".ljust(width) + "".join(cell.rjust(20) for cell in cells))

	section("documents by type", lambda r: r.documents)
	section(
		"faults, as the workers' clients met them (share of their requests)", lambda r: r.faults, rate=True
	)
	section("kills", lambda r: r.kills)
	section("what else happened", lambda r: r.activity)
	section("PROBLEMS (all must be 0)", lambda r: r.problems, list(PROBLEMS))
	section(
		"seconds",
		lambda r: Counter({k: round(v, 1) for k, v in r.seconds.items()}),
		["set-up", "main phase", "drain", "check", "total"],
	)
	for result in results:
		for kind in PROBLEMS:
			for example in result.examples.get(kind, [])[:EXAMPLES_PRINTED]:
				lines.append(f"  [{result.mode}] {kind}: {example}")
		for note in result.notes:
			lines.append(f"  [{result.mode}] note: {note}")
	failed = [result.mode for result in results if sum(result.problems[kind] for kind in PROBLEMS)]
	lines += [
		"",
		"RESULT: " + (f"FAILED ({', '.join(failed)} numbering)" if failed else "no duplicates, nothing lost"),
	]
	lines.append(f"reproduce: {reproduce_command(args)}")
	print("\n".join(lines), flush=True)


def write_json(path: Path, args: argparse.Namespace, results: list[ModeResult]) -> None:
	data = {
		"command": reproduce_command(args),
		"modes": {
			result.mode: {
				"problems": {kind: result.problems[kind] for kind in PROBLEMS},
				"examples": dict(result.examples),
				"documents": dict(result.documents),
				"faults": dict(result.faults),
				"kills": dict(result.kills),
				"activity": dict(result.activity),
				"seconds": result.seconds,
				"notes": result.notes,
			}
			for result in results
		},
	}
	path.write_text(json.dumps(data, indent=2, default=str))


CONTEXT = multiprocessing.get_context(
	"forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
)


def _terminated(signum: int, frame: Any) -> None:
	raise SystemExit(f"stopped by signal {signum}")  # workers and the emulator are stopped on the way out


def main(argv: list[str] | None = None) -> int:
	args = parse_args(argv)
	signal.signal(signal.SIGTERM, _terminated)
	logging.basicConfig(level=logging.CRITICAL)
	if CONTEXT.get_start_method() == "forkserver":
		CONTEXT.set_forkserver_preload(["__main__", "quickbooks_connector.sync.engine", "requests"])
	temporary = args.work_dir is None
	work_dir = Path(tempfile.mkdtemp(prefix="qbo-soak-")) if temporary else args.work_dir
	work_dir.mkdir(parents=True, exist_ok=True)
	data = sample_data.load()
	modes = ("custom", "auto") if args.numbering == "both" else (args.numbering,)
	results = []
	with emulator(args.emulator_url, work_dir) as (base_url, pid):
		for mode in modes:
			results.append(Soak(mode, args, base_url, work_dir, data, pid).run())
	print_report(args, results)
	if args.json_out:
		write_json(args.json_out, args, results)
	failed = any(result.problems[kind] for result in results for kind in PROBLEMS)
	if temporary and not failed:
		shutil.rmtree(work_dir, ignore_errors=True)
	elif failed:
		print(f"SQLite files and the emulator log are kept in {work_dir}", flush=True)
	return 1 if failed else 0


if __name__ == "__main__":
	sys.exit(main())
