from quickbooks_connector.install import after_install


def execute():
	after_install()
