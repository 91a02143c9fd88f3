from quickbooks_connector.qbo.links import record_url


def test_production_invoice_link_opens_quickbooks_online():
	assert (
		record_url("production", "Invoice", "42", "9130") == "https://app.qbo.intuit.com/app/invoice?txnId=42"
	)


def test_sandbox_and_party_links():
	assert (
		record_url("sandbox", "Customer", "7", "9130")
		== "https://app.sandbox.qbo.intuit.com/app/customerdetail?nameId=7"
	)


def test_emulator_links_carry_the_realm():
	url = record_url("custom", "Payment", "3", "555", base_url="http://127.0.0.1:8765/")
	assert url == "http://127.0.0.1:8765/app/recvpayment?txnId=3&realmId=555"


def test_entities_without_a_page_have_no_link():
	assert record_url("production", "TaxCode", "1", "9130") is None
