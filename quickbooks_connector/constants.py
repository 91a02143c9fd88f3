"""Names the connector's code uses for its doctypes, fields and roles: one place, plain strings.

No frappe import: the framework-free core may use these too (the registry's settings switches do). The doctype JSON
and the desk's scripts keep their own spelling; these must agree with them.
"""

# -- the connector's doctypes ----------------------------------------------------------------------------------

SETTINGS = "QuickBooks Settings"
SYNC_LOG = "QuickBooks Sync Log"
LINK = "QuickBooks Link"
ACCOUNT = "QuickBooks Account"
TAX_CODE = "QuickBooks Tax Code"
TAX_RATE = "QuickBooks Tax Rate"
TERM = "QuickBooks Term"
IMPORT_RUN = "QuickBooks Import Run"
IMPORT_RUN_ITEM = "QuickBooks Import Run Item"
ACCOUNT_MAPPING = "QuickBooks Account Mapping"
TAX_MAPPING = "QuickBooks Tax Mapping"
CLASS = "QuickBooks Class"
DEPARTMENT = "QuickBooks Department"
CLASS_MAPPING = "QuickBooks Class Mapping"
DEPARTMENT_MAPPING = "QuickBooks Department Mapping"
# One per company and posting date: the record of a day's stock postings sent as one journal (mapping.stock)
STOCK_SUMMARY = "QuickBooks Stock Summary"
# The QuickBooks data fetched per connection (see reference_data), deleted with it.
REFERENCE_DOCTYPES = (ACCOUNT, TAX_CODE, TAX_RATE, TERM, CLASS, DEPARTMENT)
# The workspace's per-company connection block (a Custom HTML Block shipped as a fixture).
CONNECTIONS_BLOCK = "QuickBooks Connections"

# -- the custom field on every pushed document type ------------------------------------------------------------

SYNC_STATUS_FIELD = "quickbooks_sync_status"

# -- the flag the connector's own writers set on Sync Logs and Links (read-only for everyone else) -----------

CONNECTOR_WRITE_FLAG = "quickbooks_connector_write"

# -- roles -----------------------------------------------------------------------------------------------------

SYSTEM_MANAGER = "System Manager"
ACCOUNTS_MANAGER = "Accounts Manager"
ACCOUNTS_USER = "Accounts User"
# Who is told when a connection expires or must be reconnected soon.
MANAGER_ROLES = (SYSTEM_MANAGER, ACCOUNTS_MANAGER)
# Who may send a document dated before the sync start date (a separate, confirmed action).
START_DATE_OVERRIDE_ROLES = (ACCOUNTS_MANAGER, SYSTEM_MANAGER)

# -- QuickBooks Settings: field names --------------------------------------------------------------------------

# what connects
COMPANY = "company"
ENABLED = "enabled"
ENVIRONMENT = "environment"
EMULATOR_URL = "emulator_url"
CLIENT_ID = "client_id"
CLIENT_SECRET = "client_secret"
REDIRECT_URL = "redirect_url"

# the connection (written by the connector only)
REALM_ID = "realm_id"
CONNECTION_STATUS = "connection_status"
CONNECTION_MESSAGE = "connection_message"
ACCESS_TOKEN = "access_token"
REFRESH_TOKEN = "refresh_token"
ACCESS_TOKEN_EXPIRES_AT = "access_token_expires_at"
REFRESH_TOKEN_EXPIRES_AT = "refresh_token_expires_at"
REFRESH_TOKEN_HARD_EXPIRES_AT = "refresh_token_hard_expires_at"
LAST_TOKEN_REFRESH = "last_token_refresh"

# the QuickBooks company's details (written by the connector only)
QBO_COMPANY_NAME = "qbo_company_name"
QBO_COUNTRY = "qbo_country"
QBO_HOME_CURRENCY = "qbo_home_currency"
QBO_MULTICURRENCY = "qbo_multicurrency"
QBO_CUSTOM_TXN_NUMBERS = "qbo_custom_txn_numbers"
QBO_CLASS_PER_TRANSACTION = "qbo_class_per_transaction"

# what is pushed, and when
SYNC_SALES_INVOICE = "sync_sales_invoice"
SYNC_PURCHASE_INVOICE = "sync_purchase_invoice"
SYNC_PAYMENT_ENTRY = "sync_payment_entry"
SYNC_JOURNAL_ENTRY = "sync_journal_entry"
# stock and cost of goods postings (perpetual inventory), "Per voucher" or "Daily summary" (mapping.stock)
SYNC_STOCK_JOURNALS = "sync_stock_journals"
STOCK_JOURNAL_MODE = "stock_journal_mode"
PUSH_MODE = "push_mode"
SYNC_START_DATE = "sync_start_date"
PRE_SUBMIT_CHECK = "pre_submit_check"
# the PDF of each pushed document attached to its QuickBooks record (sync.attachments), in the print format chosen
ATTACH_PDF = "attach_pdf"
PDF_PRINT_FORMATS = {
	"Sales Invoice": "sales_invoice_print_format",
	"Purchase Invoice": "purchase_invoice_print_format",
}

# mappings and the fetched QuickBooks data
ACCOUNT_MAPPINGS = "account_mappings"
TAX_MAPPINGS = "tax_mappings"
EXEMPT_TAX_CODE = "exempt_tax_code"
LAST_REFERENCE_FETCH = "last_reference_fetch"

# dimensions: cost centers -> QuickBooks Classes, one accounting dimension -> QuickBooks Departments (Locations)
TRACK_CLASSES = "track_classes"
CLASS_MAPPINGS = "class_mappings"
DEPARTMENT_DIMENSION = "department_dimension"
DEPARTMENT_MAPPINGS = "department_mappings"
# Dimensions offered besides the Accounting Dimensions, when the site has them on its GL entries
STANDARD_DIMENSIONS = ("Project", "Branch", "Department")

# the party import
IMPORT_CUSTOMERS = "import_customers"
IMPORT_SUPPLIERS = "import_suppliers"
IMPORT_INTERVAL_MINUTES = "import_interval_minutes"
DEFAULT_CUSTOMER_GROUP = "default_customer_group"
DEFAULT_TERRITORY = "default_territory"
DEFAULT_SUPPLIER_GROUP = "default_supplier_group"
LAST_IMPORT_AT = "last_import_at"
LAST_IMPORT_RUN = "last_import_run"
CUSTOMER_IMPORT_WATERMARK = "customer_import_watermark"
SUPPLIER_IMPORT_WATERMARK = "supplier_import_watermark"

# the reconciliation with QuickBooks' books (reconciliation.py)
RECONCILE_DAILY = "reconcile_daily"

# -- QuickBooks Settings: field groups -------------------------------------------------------------------------

TOKEN_FIELDS = (ACCESS_TOKEN, REFRESH_TOKEN)
# Password fields: encrypted in __Auth, never sent to the browser, scrubbed from Error Logs.
SECRET_FIELDS = (ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET)
EXPIRY_FIELDS = (
	ACCESS_TOKEN_EXPIRES_AT,
	REFRESH_TOKEN_EXPIRES_AT,
	REFRESH_TOKEN_HARD_EXPIRES_AT,
	LAST_TOKEN_REFRESH,
)
COMPANY_FIELDS = (
	QBO_COMPANY_NAME,
	QBO_COUNTRY,
	QBO_HOME_CURRENCY,
	QBO_MULTICURRENCY,
	QBO_CUSTOM_TXN_NUMBERS,
	QBO_CLASS_PER_TRANSACTION,
)
# Written by background work and the OAuth flow only; a form save keeps their stored values.
CONNECTOR_FIELDS = (
	REALM_ID,
	CONNECTION_STATUS,
	CONNECTION_MESSAGE,
	*TOKEN_FIELDS,
	*EXPIRY_FIELDS,
	*COMPANY_FIELDS,
	LAST_REFERENCE_FETCH,
	LAST_IMPORT_AT,
	CUSTOMER_IMPORT_WATERMARK,
	SUPPLIER_IMPORT_WATERMARK,
	LAST_IMPORT_RUN,
)
# Changing any of these (or the client secret) sends the tokens somewhere else or makes them another app's.
CONNECTION_DEFINING_FIELDS = (ENVIRONMENT, EMULATOR_URL, CLIENT_ID)
# QuickBooks entity -> the check that turns its import on, and the field keeping how far the import got.
IMPORT_SWITCHES = {"Customer": IMPORT_CUSTOMERS, "Vendor": IMPORT_SUPPLIERS}
IMPORT_WATERMARKS = {"Customer": CUSTOMER_IMPORT_WATERMARK, "Vendor": SUPPLIER_IMPORT_WATERMARK}

# -- QuickBooks Settings: values -------------------------------------------------------------------------------

# connection_status
NOT_CONFIGURED = "Not Configured"
DISCONNECTED = "Disconnected"
CONNECTED = "Connected"
EXPIRED = "Expired"

# environment
PRODUCTION = "Production"
SANDBOX = "Sandbox"
EMULATOR = "Emulator"

# -- from QuickBooks back to ERPNext (webhooks and the CDC catch-up) -----------------------------------------------

INBOUND_CHANGE = "QuickBooks Inbound Change"
RECEIVE_FROM_QUICKBOOKS = "receive_from_quickbooks"
WEBHOOK_URL = "webhook_url"
WEBHOOK_VERIFIER_TOKEN = "webhook_verifier_token"
UNDEPOSITED_FUNDS_ACCOUNT = "undeposited_funds_account"
QUICKBOOKS_VOID_CANCELS = "quickbooks_void_cancels"
# invoices and bills made in QuickBooks (not by the connector) become draft Sales / Purchase Invoices
IMPORT_QUICKBOOKS_DOCUMENTS = "import_quickbooks_documents"
LAST_WEBHOOK_AT = "last_webhook_at"
CHANGES_CURSOR = "changes_cursor"
LAST_CATCH_UP_AT = "last_catch_up_at"
# written by the webhook endpoint and the catch-up only; a form save keeps them
INBOUND_STATE_FIELDS = (LAST_WEBHOOK_AT, CHANGES_CURSOR, LAST_CATCH_UP_AT)
# Sync Log: what QuickBooks now holds differently from what the connector sent (voided, deleted, edited)
SYNC_LOG_QBO_CHANGE = "qbo_change"
SYNC_LOG_QBO_CHANGE_AT = "qbo_change_at"
# Document flag: the document records a QuickBooks change, so its submit or cancel is not sent back
FROM_QUICKBOOKS_FLAG = "quickbooks_inbound"
WEBHOOK_METHOD = "quickbooks_connector.quickbooks_connector.webhooks.receive"
CONNECTOR_FIELDS = (*CONNECTOR_FIELDS, *INBOUND_STATE_FIELDS)
