"""Links that open a QuickBooks record in the browser, as QuickBooks Online's own pages address them.

The emulator serves the same `/app/...` pages (read-only HTML) so "View in QuickBooks" works there too.
"""

from __future__ import annotations

from urllib.parse import urlencode

from quickbooks_connector.qbo.environments import Environment

_WEB_HOSTS = {
	Environment.PRODUCTION: "https://app.qbo.intuit.com",
	Environment.SANDBOX: "https://app.sandbox.qbo.intuit.com",
}
# entity -> (page, id parameter)
_PAGES = {
	"Invoice": ("invoice", "txnId"),
	"CreditMemo": ("creditmemo", "txnId"),
	"Payment": ("recvpayment", "txnId"),
	"Bill": ("bill", "txnId"),
	"VendorCredit": ("vendorcredit", "txnId"),
	"BillPayment": ("billpayment", "txnId"),
	"JournalEntry": ("journal", "txnId"),
	"RefundReceipt": ("refundreceipt", "txnId"),
	"Purchase": (
		"expense",
		"txnId",
	),  # a refund Check too [U: QuickBooks may open checks on its "check" page]
	"Deposit": ("deposit", "txnId"),
	"Customer": ("customerdetail", "nameId"),
	"Vendor": ("vendordetail", "nameId"),
}


def record_url(
	environment: Environment | str, entity: str, qbo_id: str, realm_id: str, base_url: str | None = None
) -> str | None:
	"""The page showing a record; None for entities QuickBooks has no page for."""
	if entity not in _PAGES:
		return None
	environment = Environment(environment)
	page, id_param = _PAGES[entity]
	query = {id_param: qbo_id}
	if environment is Environment.CUSTOM:
		host = (base_url or "").rstrip("/")
		query["realmId"] = realm_id
	else:
		host = _WEB_HOSTS[environment]
	return f"{host}/app/{page}?{urlencode(query)}"
