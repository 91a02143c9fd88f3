"""Read-only record pages standing in for the QuickBooks web app ("View in QuickBooks" links).

``GET /app/{page}?txnId=<id>&realmId=<realm>`` for transactions and ``?nameId=<id>&realmId=<realm>`` for
customers and vendors, without authentication (a browser follows these links). The page shows the entity,
its number or name, totals, lines and the raw JSON. An unknown page, realm or id is a 404 page. Real QBO
shows its full UI behind a login; this is only enough for a user or a test to see what a link points at.
"""

from __future__ import annotations

import html
import json
from typing import Any

from quickbooks_connector.emulator.messages import Response
from quickbooks_connector.emulator.store import Store

PAGE_PREFIX = "/app/"
PAGES: dict[str, tuple[str, str]] = {  # page -> (entity, id parameter)
	"invoice": ("Invoice", "txnId"),
	"creditmemo": ("CreditMemo", "txnId"),
	"recvpayment": ("Payment", "txnId"),
	"bill": ("Bill", "txnId"),
	"vendorcredit": ("VendorCredit", "txnId"),
	"billpayment": ("BillPayment", "txnId"),
	"journal": ("JournalEntry", "txnId"),
	"salesreceipt": ("SalesReceipt", "txnId"),
	"refundreceipt": ("RefundReceipt", "txnId"),
	"estimate": ("Estimate", "txnId"),
	"purchaseorder": ("PurchaseOrder", "txnId"),
	"expense": ("Purchase", "txnId"),
	"deposit": ("Deposit", "txnId"),
	"transfer": ("Transfer", "txnId"),
	"customerdetail": ("Customer", "nameId"),
	"vendordetail": ("Vendor", "nameId"),
}
SUMMARY_FIELDS = (
	"DocNumber",
	"DisplayName",
	"TxnDate",
	"DueDate",
	"TotalAmt",
	"Amount",
	"Balance",
	"UnappliedAmt",
)


def render(store: Store, page: str, params: dict[str, str]) -> Response:
	target = PAGES.get(page)
	if target is None:
		return _html(404, "Not found", f"<p>There is no page {html.escape(page)!s}.</p>")
	entity, id_parameter = target
	realm = store.get(params.get("realmId", ""))
	obj = realm.get(entity, params.get(id_parameter, "")) if realm else None
	if obj is None:
		return _html(
			404, "Not found", f"<p>No {entity} {html.escape(params.get(id_parameter, ''))} here.</p>"
		)
	return _html(200, f"{entity} {obj['Id']}", _summary(obj) + _lines(obj) + _raw(obj))


def _summary(obj: dict[str, Any]) -> str:
	rows = "".join(
		f"<tr><th>{field}</th><td>{html.escape(str(obj[field]))}</td></tr>"
		for field in SUMMARY_FIELDS
		if field in obj
	)
	return f"<table class='summary'><tr><th>Id</th><td>{html.escape(obj['Id'])}</td></tr>{rows}</table>"


def _lines(obj: dict[str, Any]) -> str:
	lines = [line for line in obj.get("Line") or () if line.get("DetailType") != "SubTotalLineDetail"]
	if not lines:
		return ""
	rows = "".join(
		f"<tr><td>{html.escape(_describe(line))}</td><td>{html.escape(str(line.get('Amount', '')))}</td></tr>"
		for line in lines
	)
	return f"<h2>Lines</h2><table class='lines'><tr><th>Description</th><th>Amount</th></tr>{rows}</table>"


def _describe(line: dict[str, Any]) -> str:
	if line.get("Description"):
		return str(line["Description"])
	detail = line.get(line.get("DetailType") or "") or {}
	for ref in ("ItemRef", "AccountRef"):
		if isinstance(detail.get(ref), dict):
			return str(detail[ref].get("name") or detail[ref].get("value"))
	links = line.get("LinkedTxn") or []
	return ", ".join(f"{link['TxnType']} {link['TxnId']}" for link in links) or str(
		line.get("DetailType", "")
	)


def _raw(obj: dict[str, Any]) -> str:
	text = json.dumps(obj, indent=2, default=str)
	return f"<h2>JSON</h2><pre>{html.escape(text)}</pre>"


def _html(status: int, title: str, body: str) -> Response:
	document = (
		f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)} - QBO emulator</title>"
		f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
	)
	return Response(status, document.encode(), {"Content-Type": "text/html; charset=utf-8"})
