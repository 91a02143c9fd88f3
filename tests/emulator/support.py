"""Helpers for the emulator tests: a tiny raw HTTP client per realm (:class:`Api`) and builders for common objects.

The tests talk to the emulator exactly as the connector would — real HTTP on 127.0.0.1 with a bearer token —
but without the connector's client, so what they assert is the emulator's own behaviour.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import requests


class Api:
	"""Raw Accounting API calls for one realm; JSON numbers are parsed as Decimal."""

	def __init__(self, base_url: str, realm_id: str, access_token: str) -> None:
		self.base_url = base_url
		self.realm_id = realm_id
		self.company_url = f"{base_url}/v3/company/{realm_id}"
		self.session = requests.Session()
		self.session.headers.update({"Authorization": f"Bearer {access_token}", "Accept": "application/json"})

	def get(self, path: str, **params: Any) -> requests.Response:
		return self.session.get(f"{self.company_url}/{path}", params=params, timeout=30)

	def post(self, path: str, body: Any = None, **params: Any) -> requests.Response:
		data = json.dumps(body, default=_number) if body is not None else None
		headers = {"Content-Type": "application/json"}
		return self.session.post(
			f"{self.company_url}/{path}", data=data, params=params, headers=headers, timeout=30
		)

	def create(self, entity: str, body: dict[str, Any], **params: Any) -> dict[str, Any]:
		return ok(self.post(entity.lower(), body, **params))[entity]

	def read(self, entity: str, object_id: str) -> dict[str, Any]:
		return ok(self.get(f"{entity.lower()}/{object_id}"))[entity]

	def update(self, entity: str, body: dict[str, Any], **params: Any) -> dict[str, Any]:
		return ok(self.post(entity.lower(), body, **params))[entity]

	def query(self, statement: str) -> dict[str, Any]:
		return ok(self.get("query", query=statement))["QueryResponse"]

	def fault(self, response: requests.Response, status: int = 400) -> dict[str, str]:
		return fault_of(response, status)


def _number(value: Any) -> float:
	if isinstance(value, Decimal):
		return float(value)  # exact for the short decimals used in the tests
	raise TypeError(type(value).__name__)


def decoded(response: requests.Response) -> Any:
	return json.loads(response.text, parse_float=Decimal)


def ok(response: requests.Response) -> dict[str, Any]:
	assert response.status_code == 200, response.text
	return decoded(response)


def fault_of(response: requests.Response, status: int = 400) -> dict[str, str]:
	"""The first Error of a service fault, after checking the HTTP status."""
	assert response.status_code == status, response.text
	return decoded(response)["Fault"]["Error"][0]


# Builders


def account_id(api: Api, name: str) -> str:
	return api.query(f"select * from Account where Name = '{name}'")["Account"][0]["Id"]


def make_customer(api: Api, name: str = "Acme Ltd", **fields: Any) -> dict[str, Any]:
	return api.create("Customer", {"DisplayName": name, **fields})


def make_vendor(api: Api, name: str = "Paper Supplies", **fields: Any) -> dict[str, Any]:
	return api.create("Vendor", {"DisplayName": name, **fields})


def make_item(api: Api, name: str = "Consulting", **fields: Any) -> dict[str, Any]:
	income = {"value": account_id(api, "Services")}
	return api.create("Item", {"Name": name, "Type": "Service", "IncomeAccountRef": income, **fields})


def sales_line(item_id: str, qty: Any, unit_price: Any, amount: Any = None, **detail: Any) -> dict[str, Any]:
	amount = Decimal(str(qty)) * Decimal(str(unit_price)) if amount is None else amount
	return {
		"DetailType": "SalesItemLineDetail",
		"Amount": amount,
		"SalesItemLineDetail": {"ItemRef": {"value": item_id}, "Qty": qty, "UnitPrice": unit_price, **detail},
	}


def expense_line(account: str, amount: Any, **detail: Any) -> dict[str, Any]:
	return {
		"DetailType": "AccountBasedExpenseLineDetail",
		"Amount": amount,
		"AccountBasedExpenseLineDetail": {"AccountRef": {"value": account}, **detail},
	}


def make_invoice(api: Api, customer_id: str, lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
	return api.create("Invoice", {"CustomerRef": {"value": customer_id}, "Line": lines, **fields})


def payment_line(amount: Any, txn_id: str, txn_type: str) -> dict[str, Any]:
	return {"Amount": amount, "LinkedTxn": [{"TxnId": txn_id, "TxnType": txn_type}]}
