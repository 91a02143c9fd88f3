"""Intuit's webhook notifications: the signature check and both payload formats, as change events.

- `intuit-signature` is base64(HMAC-SHA256(key = the app's Verifier Token, message = the raw body bytes)); it is
  compared in constant time (`hmac.compare_digest`) before anything else is done with the body.
- Legacy payload: `{"eventNotifications": [{"realmId", "dataChangeEvent": {"entities": [{"name", "id",
  "operation", "lastUpdated", "deletedId"?}]}}]}`, one element per realm.
- CloudEvents payload: a JSON array of `{"specversion": "1.0", "id", "type": "qbo.<entity>.<verb>.v1",
  "time", "intuitaccountid" (realm), "intuitentityid" (record Id), ...}` (qbo-api.md §7; verbs other than
  `created` are not confirmed by Intuit's samples, so any verb is read).

Notifications carry ids only: the record itself is read (or caught up through CDC) before anything is done with
it. Each event has a stable `key` (realm, entity, id, operation and change time, the same for both formats and for
a redelivery), which makes handling an event twice a no-op.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

SIGNATURE_HEADER = "intuit-signature"
OPERATIONS = ("Create", "Update", "Delete", "Merge", "Void", "Emailed")
# CloudEvents verbs -> the legacy operation names
_VERBS = {
	"created": "Create",
	"updated": "Update",
	"deleted": "Delete",
	"merged": "Merge",
	"voided": "Void",
	"emailed": "Emailed",
}


class SignatureError(Exception):
	"""The notification is not signed with the verifier token: it is refused before anything is done with it."""


class PayloadError(ValueError):
	"""The body is not a webhook notification Intuit sends (after a valid signature: a format we do not know)."""


@dataclass(frozen=True)
class ChangeEvent:
	realm_id: str
	entity: str  # QuickBooks entity name as Intuit spells it in the API: "Payment", "BillPayment", ...
	id: str
	operation: str  # Create | Update | Delete | Merge | Void | Emailed
	time: datetime | None  # when QuickBooks changed the record (UTC), if the notification says
	deleted_id: str | None = None  # Merge: the record merged away

	@property
	def key(self) -> str:
		"""Stable per change: a redelivery, or the same change in the other format, gives the same key."""
		moment = self.time.astimezone(timezone.utc).isoformat(timespec="seconds") if self.time else ""
		return f"{self.realm_id}:{self.entity}:{self.id}:{self.operation}:{moment}"

	def as_dict(self) -> dict[str, Any]:
		"""JSON-ready, for a background job's arguments (no secret in it)."""
		return {
			"realm_id": self.realm_id,
			"entity": self.entity,
			"id": self.id,
			"operation": self.operation,
			"time": self.time.isoformat() if self.time else None,
			"deleted_id": self.deleted_id,
		}

	@classmethod
	def from_dict(cls, data: dict[str, Any]) -> ChangeEvent:
		return cls(
			str(data["realm_id"]),
			str(data["entity"]),
			str(data["id"]),
			str(data["operation"]),
			parse_time(data.get("time")),
			data.get("deleted_id"),
		)


def signature(body: bytes, verifier_token: str) -> str:
	"""The `intuit-signature` Intuit sends with `body`."""
	digest = hmac.new(verifier_token.encode("utf-8"), body, hashlib.sha256).digest()
	return base64.b64encode(digest).decode("ascii")


def verify(body: bytes, header: str | None, verifier_token: str | None) -> bool:
	"""True only when `header` is the signature of exactly these bytes under the verifier token."""
	if not header or not verifier_token:
		return False
	expected = signature(body, verifier_token).encode("ascii")
	return hmac.compare_digest(expected, header.strip().encode("ascii", errors="replace"))


def accept(body: bytes, header: str | None, verifier_token: str | None) -> list[ChangeEvent]:
	"""The events of a notification whose signature checks out; SignatureError (checked first) or PayloadError."""
	if not verify(body, header, verifier_token):
		raise SignatureError("intuit-signature does not match the body")
	return parse(body)


def parse(body: bytes | str) -> list[ChangeEvent]:
	"""The change events of a notification, in the order sent; raises PayloadError for anything else."""
	try:
		data = json.loads(body)
	except (TypeError, ValueError) as error:
		raise PayloadError("the body is not JSON") from error
	if isinstance(data, list):
		return [_cloud_event(item) for item in data]
	if isinstance(data, dict) and isinstance(data.get("eventNotifications"), list):
		return [event for item in data["eventNotifications"] for event in _legacy(item)]
	raise PayloadError("neither eventNotifications nor a CloudEvents array")


def _legacy(notification: Any) -> list[ChangeEvent]:
	if not isinstance(notification, dict) or not notification.get("realmId"):
		raise PayloadError("an event notification without realmId")
	entities = (notification.get("dataChangeEvent") or {}).get("entities")
	if not isinstance(entities, list):
		raise PayloadError("an event notification without dataChangeEvent.entities")
	realm_id = str(notification["realmId"])
	events = []
	for entity in entities:
		if not isinstance(entity, dict) or not entity.get("name") or not entity.get("id"):
			raise PayloadError("an entity without name or id")
		events.append(
			ChangeEvent(
				realm_id,
				str(entity["name"]),
				str(entity["id"]),
				_operation(entity.get("operation")),
				parse_time(entity.get("lastUpdated")),
				_text(entity.get("deletedId") or entity.get("deletedID")),
			)
		)
	return events


def _cloud_event(event: Any) -> ChangeEvent:
	if not isinstance(event, dict):
		raise PayloadError("a CloudEvent that is not an object")
	parts = str(event.get("type") or "").split(".")
	realm_id, object_id = event.get("intuitaccountid"), event.get("intuitentityid")
	if len(parts) < 3 or parts[0] != "qbo" or not realm_id or not object_id:
		raise PayloadError("a CloudEvent without qbo type, intuitaccountid or intuitentityid")
	data = event.get("data") if isinstance(event.get("data"), dict) else {}
	return ChangeEvent(
		str(realm_id),
		entity_name(parts[1]),
		str(object_id),
		_VERBS.get(parts[2].lower(), parts[2].capitalize()),
		parse_time(event.get("time")),
		_text(data.get("deletedId") or data.get("deletedID")),
	)


# CloudEvents name entities in lower case ("qbo.billpayment.created.v1"); the API's names are CamelCase.
_ENTITY_NAMES = {
	name.lower(): name
	for name in (
		"Account Bill BillPayment Class CreditMemo Customer Department Deposit Employee Estimate Invoice Item "
		"JournalEntry Payment PaymentMethod Preferences Purchase PurchaseOrder RefundReceipt SalesReceipt "
		"TaxAgency Term TimeActivity Transfer Vendor VendorCredit"
	).split()
}


def entity_name(raw: str) -> str:
	return _ENTITY_NAMES.get(raw.lower().replace("_", ""), raw[:1].upper() + raw[1:])


def _operation(raw: Any) -> str:
	operation = str(raw or "").strip()
	if not operation:
		raise PayloadError("an entity without operation")
	return operation


def _text(value: Any) -> str | None:
	return str(value) if value not in (None, "") else None


def parse_time(raw: Any) -> datetime | None:
	"""Intuit's times: `2015-10-05T14:42:19-0700`, `...-07:00`, `...Z` with up to nanoseconds; UTC."""
	if not raw:
		return None
	text = str(raw).strip()
	if text.endswith("Z"):
		text = text[:-1] + "+00:00"
	if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():  # -0700 -> -07:00
		text = f"{text[:-2]}:{text[-2:]}"
	head, dot, rest = text.partition(".")
	if dot:  # Python reads at most microseconds
		digits = "".join(char for char in rest if char.isdigit())
		text = f"{head}.{digits[:6]}{rest[len(digits):]}"
	try:
		moment = datetime.fromisoformat(text)
	except ValueError:
		return None
	if moment.tzinfo is None:
		moment = moment.replace(tzinfo=timezone.utc)
	return moment.astimezone(timezone.utc)
