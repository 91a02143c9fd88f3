from quickbooks_connector.install import after_install


def execute():
	"""Journal Entries are pushed too: they get the QuickBooks status column."""
	after_install()
