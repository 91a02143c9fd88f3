from quickbooks_connector.install import after_install


def execute():
	"""Stock documents and the daily stock summaries are pushed too: they get the QuickBooks status column."""
	after_install()
