"""QuickBooks -> ERPNext: the webhook endpoint Intuit calls, the jobs that handle its events, and the scheduled CDC
catch-up that brings what webhooks missed (off, late, dropped).

The endpoint checks `intuit-signature` against the Verifier Token of every settings record that receives changes
before anything else happens (nothing is read, written or queued for a body that no token signs), then queues one
job per QuickBooks company and answers at once: Intuit wants an answer within 3 seconds. Job arguments carry the
settings' name and the events (ids, no secret). Handling an event twice is a no-op (inbound/changes.py), and a
job id per notification keeps a redelivered one from being queued twice while the first waits.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html, get_url, now_datetime
from frappe.utils.password import get_decrypted_password

from quickbooks_connector import inbound
from quickbooks_connector.constants import (
	ACCOUNT,
	CHANGES_CURSOR,
	CONNECTED,
	CONNECTION_STATUS,
	ENABLED,
	IMPORT_QUICKBOOKS_DOCUMENTS,
	INBOUND_CHANGE,
	LAST_CATCH_UP_AT,
	LAST_WEBHOOK_AT,
	QUICKBOOKS_VOID_CANCELS,
	REALM_ID,
	RECEIVE_FROM_QUICKBOOKS,
	SETTINGS,
	UNDEPOSITED_FUNDS_ACCOUNT,
	WEBHOOK_METHOD,
	WEBHOOK_VERIFIER_TOKEN,
)
from quickbooks_connector.inbound import ChangeEvent, InboundEngine, InboundSettings, PayloadError
from quickbooks_connector.mapping.errors import render
from quickbooks_connector.quickbooks_connector.context import mapping_context
from quickbooks_connector.quickbooks_connector.inbound_port import FrappeInboundPort
from quickbooks_connector.quickbooks_connector.notifications import notify_managers
from quickbooks_connector.quickbooks_connector.settings import get_client, settings_doc
from quickbooks_connector.quickbooks_connector.times import stored_to_utc, utc_to_stored

QUEUE = "long"


def webhook_url() -> str:
	"""The endpoint to enter under Webhooks in the Intuit app."""
	return get_url(f"/api/method/{WEBHOOK_METHOD}")


# The endpoint ------------------------------------------------------------------------------------------------


@frappe.whitelist(allow_guest=True, methods=["POST"])
def receive() -> dict:
	body = frappe.request.get_data() or b""
	signed_by = _signed_by(body, frappe.get_request_header("intuit-signature"))
	if not signed_by:
		frappe.local.response.http_status_code = 401
		return {"ok": False}
	try:
		events = inbound.parse(body)
	except PayloadError:
		frappe.local.response.http_status_code = 400
		return {"ok": False}
	digest = hashlib.sha256(body).hexdigest()[:32]
	for settings, realm_id in signed_by:
		mine = [event.as_dict() for event in events if event.realm_id == realm_id]
		if mine:
			frappe.enqueue(
				"quickbooks_connector.quickbooks_connector.webhooks.handle_events",
				queue=QUEUE,
				job_id=f"qbo-webhook::{settings}::{digest}",
				deduplicate=True,
				enqueue_after_commit=True,
				settings=settings,
				events=mine,
			)
		frappe.db.set_value(SETTINGS, settings, LAST_WEBHOOK_AT, now_datetime(), update_modified=False)
	return {"ok": True}


@frappe.whitelist(methods=["POST"])
def retry_inbound(change: str) -> str:
	"""Handle a waiting QuickBooks change again, after the user fixed what it waits for (a mapping, an item)."""
	row = frappe.get_doc(INBOUND_CHANGE, change)
	settings_doc(row.settings, "write")  # the same right as changing the mappings it may wait for
	if row.status != "Waiting":
		frappe.throw(_("Only a waiting change can be retried; this one is {0}.").format(_(row.status)))
	event = ChangeEvent(row.realm_id, row.qbo_entity, row.qbo_id, "Update", None)
	frappe.enqueue(
		"quickbooks_connector.quickbooks_connector.webhooks.handle_events",
		queue=QUEUE,
		job_id=f"qbo-inbound-retry::{row.name}",
		deduplicate=True,
		enqueue_after_commit=True,
		settings=row.settings,
		events=[event.as_dict()],
	)
	return _("Queued: QuickBooks {0} {1} is read again and recorded if nothing is missing any more.").format(
		row.qbo_entity, row.qbo_id
	)


def _signed_by(body: bytes, header: str | None) -> list[tuple[str, str]]:
	"""(settings, realm id) of the records whose Verifier Token signs the body; every token is compared."""
	if not header:
		return []
	rows = frappe.get_all(
		SETTINGS, filters={ENABLED: 1, RECEIVE_FROM_QUICKBOOKS: 1}, fields=["name", REALM_ID]
	)
	signed = []
	for row in rows:
		token = get_decrypted_password(SETTINGS, row.name, WEBHOOK_VERIFIER_TOKEN, raise_exception=False)
		if inbound.verify(body, header, token) and row.get(REALM_ID):
			signed.append((row.name, row.get(REALM_ID)))
	return signed


# Jobs --------------------------------------------------------------------------------------------------------


def handle_events(settings: str, events: list[dict]) -> None:
	# Queued by the endpoint, whose caller is Guest (Intuit): the documents it makes belong to the system, as
	# those of a scheduled job do, not to Guest.
	frappe.set_user("Administrator")
	doc = _receiving(settings)
	if doc is None:
		return
	engine = build_inbound_engine(doc)
	for data in events:
		engine.handle_event(ChangeEvent.from_dict(data))
		frappe.db.commit()  # nosemgrep: each event's Payment Entry or finding stands on its own


def catch_up_due() -> None:
	"""Scheduler: a catch-up per company that receives changes from QuickBooks and is connected."""
	for name in frappe.get_all(
		SETTINGS,
		filters={ENABLED: 1, RECEIVE_FROM_QUICKBOOKS: 1, CONNECTION_STATUS: CONNECTED},
		pluck="name",
	):
		frappe.enqueue(
			"quickbooks_connector.quickbooks_connector.webhooks.catch_up",
			queue=QUEUE,
			job_id=f"qbo-catch-up::{name}",
			deduplicate=True,
			settings=name,
		)


def catch_up(settings: str) -> None:
	"""Every change since the cursor, handled; the cursor moves only once all of them are."""
	doc = _receiving(settings)
	if doc is None:
		return
	now = datetime.now(timezone.utc)
	cursor = stored_to_utc(doc.get(CHANGES_CURSOR)) if doc.get(CHANGES_CURSOR) else None
	plan = inbound.plan(cursor, now)
	if plan.gap is not None:
		notify_managers(
			settings, _("QuickBooks changes may have been missed"), render(plan.gap, _, escape_html)
		)
	changes = inbound.fetch(get_client(doc).cdc, plan.since)
	engine = build_inbound_engine(doc)
	for entity, obj in changes.items:
		engine.handle(entity, obj)
		frappe.db.commit()  # nosemgrep: see handle_events
	new_cursor = changes.next_cursor(plan.since if plan.gap else cursor)
	values = {LAST_CATCH_UP_AT: now_datetime()}
	if new_cursor is not None:
		values[CHANGES_CURSOR] = utc_to_stored(new_cursor)
	frappe.db.set_value(SETTINGS, settings, values, update_modified=False)


def build_inbound_engine(doc: Document) -> InboundEngine:
	ctx = mapping_context(doc)
	undeposited = frappe.get_all(
		ACCOUNT, filters={"settings": doc.name, "account_sub_type": "UndepositedFunds"}, pluck="qbo_id"
	)
	settings = InboundSettings(
		realm_id=doc.realm_id,
		company=doc.company,
		company_currency=ctx.company_currency,
		account_map=ctx.account_map,
		undeposited_funds_ids=frozenset(undeposited),
		undeposited_funds_account=doc.get(UNDEPOSITED_FUNDS_ACCOUNT) or None,
		void_cancels=bool(doc.get(QUICKBOOKS_VOID_CANCELS)),
		import_documents=bool(doc.get(IMPORT_QUICKBOOKS_DOCUMENTS)),
		tax_code_map=ctx.tax_code_map,
		tax_accounts=ctx.tax_accounts,
		exempt_tax_code_id=ctx.exempt_tax_code.id if ctx.exempt_tax_code else "",
	)
	return InboundEngine(inbound.reader(get_client(doc)), FrappeInboundPort(doc), settings)


def _receiving(settings: str) -> Document | None:
	if not frappe.db.exists(SETTINGS, settings):
		return None
	doc = frappe.get_doc(SETTINGS, settings)
	if (
		not doc.get(ENABLED)
		or not doc.get(RECEIVE_FROM_QUICKBOOKS)
		or doc.get(CONNECTION_STATUS) != CONNECTED
	):
		return None
	return doc
