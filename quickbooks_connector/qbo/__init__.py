"""QuickBooks Online API client, framework-free: requests and the standard library."""

from quickbooks_connector.qbo import errors
from quickbooks_connector.qbo.auth import (
	ACCOUNTING_SCOPE,
	MemoryTokenStore,
	OAuth,
	Tokens,
	TokenStore,
	parse_callback,
)
from quickbooks_connector.qbo.client import BatchOperation, BatchResult, QBOClient
from quickbooks_connector.qbo.environments import Endpoints, Environment, endpoints_for
from quickbooks_connector.qbo.throttle import RequestBudget, Throttle, ThrottleLimits

__all__ = [
	"ACCOUNTING_SCOPE",
	"BatchOperation",
	"BatchResult",
	"Endpoints",
	"Environment",
	"MemoryTokenStore",
	"OAuth",
	"QBOClient",
	"RequestBudget",
	"Throttle",
	"ThrottleLimits",
	"TokenStore",
	"Tokens",
	"endpoints_for",
	"errors",
	"parse_callback",
]
