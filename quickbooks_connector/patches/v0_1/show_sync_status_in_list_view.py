from quickbooks_connector.install import after_install


def execute():
	"""The QuickBooks status became a list view column."""
	after_install()
