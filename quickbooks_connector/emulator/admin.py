"""EmulatorAdmin: a thin ``requests`` client for the ``/__emulator__/`` admin endpoints (see control.py)."""

from __future__ import annotations

from typing import Any

import requests


class EmulatorAdmin:
	def __init__(self, base_url: str, timeout: float = 30.0) -> None:
		self.base_url = base_url.rstrip("/")
		self.timeout = timeout
		self._session = requests.Session()

	def reset(self) -> None:
		self._call("POST", "reset")

	def create_realm(self, **options: Any) -> str:
		"""Options: country, home_currency, multicurrency, custom_txn_numbers, allow_discount, company_name,
		preferences (Preferences sections), sample_data."""
		return self._call("POST", "realms", options)["realm_id"]

	def issue_tokens(self, realm_id: str) -> dict[str, Any]:
		return self._call("POST", "tokens", {"realm_id": realm_id})

	def config(self, realm_id: str | None = None) -> dict[str, Any]:
		return self._call("GET", "config", params={"realm_id": realm_id} if realm_id else None)

	def configure(self, realm_id: str | None = None, **settings: Any) -> dict[str, Any]:
		"""Change runtime settings globally, or for one realm when ``realm_id`` is given."""
		payload = {**settings, "realm_id": realm_id} if realm_id else settings
		return self._call("POST", "config", payload)

	def reset_config(self) -> dict[str, Any]:
		return self._call("DELETE", "config")

	def inject_fault(self, **spec: Any) -> int:
		"""spec: match={method, path_regex, realm_id}, action, status, times, probability, seed, latency_ms,
		retry_after."""
		return self._call("POST", "faults", spec)["id"]

	def clear_faults(self) -> None:
		self._call("DELETE", "faults")

	def advance_clock(self, seconds: float) -> dict[str, Any]:
		return self._call("POST", "clock", {"advance_seconds": seconds})

	def clock(self) -> dict[str, Any]:
		return self._call("GET", "clock")

	def seed(
		self,
		realm_id: str,
		entity: str,
		count: int | None = None,
		template: dict[str, Any] | None = None,
		objects: list[dict[str, Any]] | None = None,
	) -> list[str]:
		payload: dict[str, Any] = {"realm_id": realm_id, "entity": entity}
		if objects is not None:
			payload["objects"] = objects
		else:
			payload.update(count=count, template=template)
		return self._call("POST", "seed", payload)["ids"]

	def set_webhook(self, realm_id: str, url: str, verifier_token: str, **options: Any) -> dict[str, Any]:
		"""Options: format ("legacy" or "cloudevents"), enabled, batch_seconds, retry_scale, timeout_seconds."""
		return self._call(
			"POST",
			"webhooks",
			{"realm_id": realm_id, "url": url, "verifier_token": verifier_token, **options},
		)

	def webhooks(self, realm_id: str | None = None) -> dict[str, Any]:
		"""Subscriptions (without tokens), what each has queued or failing, and the delivery log."""
		return self._call("GET", "webhooks", params={"realm_id": realm_id} if realm_id else None)

	def deliver_webhooks(self) -> int:
		return self._call("POST", "webhooks/deliver")["delivered"]

	def remove_webhooks(self, realm_id: str | None = None) -> None:
		self._call("DELETE", "webhooks", {"realm_id": realm_id} if realm_id else {})

	def stats(self) -> dict[str, Any]:
		return self._call("GET", "stats")

	def reset_stats(self) -> None:
		self._call("POST", "stats/reset")

	def save(self) -> str:
		return self._call("POST", "save")["saved"]

	def close(self) -> None:
		self._session.close()

	def _call(
		self, method: str, route: str, payload: dict[str, Any] | None = None, params: dict | None = None
	) -> dict[str, Any]:
		response = self._session.request(
			method, f"{self.base_url}/__emulator__/{route}", json=payload, params=params, timeout=self.timeout
		)
		if response.status_code != 200:
			raise RuntimeError(
				f"emulator admin {method} {route} failed: {response.status_code} {response.text}"
			)
		return response.json()
