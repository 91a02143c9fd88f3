"""The admin endpoints under ``/__emulator__/`` (JSON in and out, no authentication).

``POST reset`` · ``GET|POST realms`` · ``POST tokens`` · ``GET|POST|DELETE config`` · ``POST|DELETE faults`` ·
``GET|POST clock`` · ``POST seed`` · ``GET stats`` · ``POST stats/reset`` · ``POST save`` ·
``GET|POST|DELETE webhooks`` (a realm's webhook endpoint and Verifier Token, see webhooks.py) ·
``POST webhooks/deliver`` (send what is queued or waiting for a retry now). ``POST realms`` takes
``country`` (US, CA, GB, AU, IN or FR; anything else is 400), ``home_currency``, ``multicurrency``,
``custom_txn_numbers``, ``allow_discount``, ``company_name``, ``preferences`` (Preferences sections, applied
with the rules of ``POST /preferences``; a refused one is 400) and ``sample_data`` (see sample.py). They exist for tests,
benchmarks and demos; nothing like them exists in QBO. Seeding runs every object through the same rules as
the API (so seeded data is valid QBO data) but skips HTTP, which makes tens of thousands of objects a matter of
seconds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from quickbooks_connector.emulator import codec, entities, faults
from quickbooks_connector.emulator.clock import iso_datetime
from quickbooks_connector.emulator.company import CompanySettings
from quickbooks_connector.emulator.messages import Request, Response, json_response
from quickbooks_connector.emulator.records import WriteContext
from quickbooks_connector.emulator.store import Realm

if TYPE_CHECKING:
	from quickbooks_connector.emulator.app import Emulator

REALM_OPTIONS = {
	"country",
	"home_currency",
	"multicurrency",
	"custom_txn_numbers",
	"allow_discount",
	"company_name",
	"preferences",
	"sample_data",
}


class AdminError(Exception):
	def __init__(self, status: int, message: str) -> None:
		super().__init__(message)
		self.status = status


def handle(app: Emulator, request: Request, route: str) -> Response:
	handler = ROUTES.get((request.method, route.strip("/")))
	if handler is None:
		return json_response(404, {"error": f"no admin route {request.method} /__emulator__/{route}"})
	try:
		payload = _payload(request)
		return json_response(200, handler(app, payload))
	except AdminError as error:
		return json_response(error.status, {"error": str(error)})
	except ValueError as error:
		return json_response(400, {"error": str(error)})


def _payload(request: Request) -> dict[str, Any]:
	if request.method == "GET":
		return dict(request.params)
	try:
		payload = codec.loads(request.body or b"{}")
	except ValueError:
		raise AdminError(400, "the body must be JSON")
	if not isinstance(payload, dict):
		raise AdminError(400, "the body must be a JSON object")
	return payload


def _reset(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	app.reset()
	return {"ok": True}


def _create_realm(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	unknown = set(payload) - REALM_OPTIONS
	if unknown:
		raise AdminError(400, f"unknown realm options: {sorted(unknown)}")
	try:
		return {"realm_id": app.create_realm(CompanySettings(**payload))}
	except TypeError as error:
		raise AdminError(400, str(error))


def _list_realms(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	return {"realms": {realm.id: realm.settings.to_json() for realm in app.store.realms()}}


def _issue_tokens(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	realm = _realm(app, payload)
	tokens = app.oauth.issue(realm.id)
	app.changed()
	return {**tokens, "realm_id": realm.id}


def _get_config(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	return app.config.get(payload.get("realm_id"))


def _set_config(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	values = dict(payload)
	return app.config.update(values.pop("realm_id", None), values)


def _reset_config(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	app.config.reset()
	app.request_window.clear()
	app.batch_window.clear()
	return app.config.get()


def _add_fault(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	return {"id": app.faults.add(payload)}


def _clear_faults(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	app.faults.clear()
	return {"ok": True}


def _clock(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	return {"now": iso_datetime(app.clock.now(), milliseconds=True), "offset_seconds": app.clock.offset}


def _advance_clock(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	seconds = payload.get("advance_seconds")
	if isinstance(seconds, bool) or not isinstance(seconds, int | float | Decimal):
		raise AdminError(400, "advance_seconds must be a number")
	app.clock.advance(float(seconds))
	app.changed()
	return _clock(app, payload)


def _stats(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	return app.stats.snapshot()


def _reset_stats(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	app.stats.reset()
	return {"ok": True}


def _save(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	if app.state is None:
		raise AdminError(409, "the emulator was started without a state file")
	app.state.save()
	return {"saved": str(app.state.path)}


# Webhooks


def _set_webhook(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	realm = _realm(app, payload)
	settings = {key: value for key, value in payload.items() if key != "realm_id"}
	return {"realm_id": realm.id, **app.webhooks.configure(realm.id, settings)}


def _webhooks(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	return app.webhooks.status(payload.get("realm_id"))


def _remove_webhooks(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	app.webhooks.remove(payload.get("realm_id"))
	return {"ok": True}


def _deliver_webhooks(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	return {"delivered": app.webhooks.deliver_due(force=True)}


# Seeding


def _seed(app: Emulator, payload: dict[str, Any]) -> dict[str, Any]:
	realm = _realm(app, payload)
	entity = payload.get("entity")
	spec = entities.SPECS.get(entity or "")
	if spec is None or spec.prepare is None:
		raise AdminError(400, f"entity {entity!r} can't be seeded")
	if payload.get("objects") is not None:
		bodies = list(payload["objects"])
	else:
		count = payload.get("count")
		if not isinstance(count, int) or count < 1:
			raise AdminError(400, "give objects or a positive count")
		bodies = [payload.get("template") or _default_template(realm, entity)] * count
	with realm.lock:
		ids = _create_all(app, realm, entity, bodies, templated=payload.get("objects") is None)
	app.changed()
	return {"ids": [ids[0], ids[-1]] if payload.get("objects") is None else ids}


def _create_all(app: Emulator, realm: Realm, entity: str, bodies: list[Any], templated: bool) -> list[str]:
	ctx = WriteContext(realm, app.clock.now())
	ids = []
	for index, body in enumerate(bodies):
		if not isinstance(body, dict):
			raise AdminError(400, f"object {index} is not a JSON object")
		if templated:
			body = _fill(body, realm.peek_id(entity))
		try:
			ids.append(entities.create(ctx, entity, body)["Id"])
		except faults.QBOFault as fault:
			raise AdminError(400, f"object {index} was refused ({len(ids)} created before it): {fault}")
	return ids


def _default_template(realm: Realm, entity: str) -> dict[str, Any]:
	templates = {
		"Customer": {
			"DisplayName": "Customer {n}",
			"PrimaryEmailAddr": {"Address": "customer{n}@example.com"},
		},
		"Vendor": {"DisplayName": "Vendor {n}"},
		"Employee": {"GivenName": "Employee", "FamilyName": "{n}"},
		"Item": {
			"Name": "Item {n}",
			"Type": "Service",
			"IncomeAccountRef": {"value": realm.roles["service_income"]},
		},
		"Account": {"Name": "Account {n}", "AccountType": "Expense"},
		"Term": {"Name": "Term {n}", "DueDays": 10},
		"Class": {"Name": "Class {n}"},
		"Department": {"Name": "Department {n}"},
		"PaymentMethod": {"Name": "Method {n}"},
	}
	if entity not in templates:
		raise AdminError(400, f"seeding {entity} needs a template or objects")
	return templates[entity]


def _fill(value: Any, number: str) -> Any:
	"""``{n}`` in every string of a template replaced by the new object's sequence number."""
	if isinstance(value, str):
		return value.replace("{n}", number)
	if isinstance(value, dict):
		return {key: _fill(item, number) for key, item in value.items()}
	if isinstance(value, list):
		return [_fill(item, number) for item in value]
	return value


def _realm(app: Emulator, payload: dict[str, Any]) -> Realm:
	realm = app.store.get(str(payload.get("realm_id") or ""))
	if realm is None:
		raise AdminError(404, f"unknown realm_id {payload.get('realm_id')!r}")
	return realm


ROUTES = {
	("POST", "reset"): _reset,
	("POST", "realms"): _create_realm,
	("GET", "realms"): _list_realms,
	("POST", "tokens"): _issue_tokens,
	("GET", "config"): _get_config,
	("POST", "config"): _set_config,
	("DELETE", "config"): _reset_config,
	("POST", "faults"): _add_fault,
	("DELETE", "faults"): _clear_faults,
	("GET", "clock"): _clock,
	("POST", "clock"): _advance_clock,
	("POST", "seed"): _seed,
	("GET", "stats"): _stats,
	("POST", "stats/reset"): _reset_stats,
	("POST", "save"): _save,
	("GET", "webhooks"): _webhooks,
	("POST", "webhooks"): _set_webhook,
	("DELETE", "webhooks"): _remove_webhooks,
	("POST", "webhooks/deliver"): _deliver_webhooks,
}
