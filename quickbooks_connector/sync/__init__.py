"""The framework-free sync engine: ERPNext documents in, exactly one QuickBooks record each out."""

from quickbooks_connector.sync.engine import PushEngine, ResyncRefused, SyncPolicy
from quickbooks_connector.sync.memory import MemoryPort
from quickbooks_connector.sync.port import DocumentBusy, DocumentNotFound, SyncPort
from quickbooks_connector.sync.records import ErrorKind, Status, SyncRecord
from quickbooks_connector.sync.refresh import refresh

__all__ = [
	"DocumentBusy",
	"DocumentNotFound",
	"ErrorKind",
	"MemoryPort",
	"PushEngine",
	"ResyncRefused",
	"Status",
	"SyncPolicy",
	"SyncPort",
	"SyncRecord",
	"refresh",
]
