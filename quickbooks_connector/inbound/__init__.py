"""What happens in QuickBooks, back in ERPNext: webhook notifications (signature, both payload formats), the CDC
catch-up, and the change processor behind a port. Framework-free: never imports frappe."""

from quickbooks_connector.inbound.catchup import CatchUpError, Changes, Plan, fetch, plan
from quickbooks_connector.inbound.changes import (
	Finding,
	InboundEngine,
	InboundPort,
	Outcome,
	carries_marker,
	reader,
)
from quickbooks_connector.inbound.events import (
	ChangeEvent,
	PayloadError,
	SignatureError,
	accept,
	parse,
	signature,
	verify,
)
from quickbooks_connector.inbound.memory import MemoryInboundPort
from quickbooks_connector.inbound.payments import InboundSettings
from quickbooks_connector.inbound.records import Change, Imported, Pushed, import_key, pushed_from_record

__all__ = [
	"CatchUpError",
	"Change",
	"ChangeEvent",
	"Changes",
	"Finding",
	"Imported",
	"InboundEngine",
	"InboundPort",
	"InboundSettings",
	"MemoryInboundPort",
	"Outcome",
	"PayloadError",
	"Plan",
	"Pushed",
	"SignatureError",
	"accept",
	"reader",
	"carries_marker",
	"fetch",
	"import_key",
	"parse",
	"plan",
	"pushed_from_record",
	"signature",
	"verify",
]
