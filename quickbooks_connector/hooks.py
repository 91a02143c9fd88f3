app_name = "quickbooks_connector"
app_title = "QuickBooks Connector"
app_publisher = "quickbooks_connector contributors"
app_description = "Keep QuickBooks Online books in step with ERPNext"
app_email = "maintainers@quickbooks-connector.invalid"
app_license = "mit"

required_apps = ["erpnext"]

export_python_type_annotations = True
