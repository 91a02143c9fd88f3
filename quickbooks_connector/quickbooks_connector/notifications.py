"""Notification Logs about a QuickBooks Settings record: to one user, or to every manager once a day."""

import frappe
from frappe.utils import add_days, now_datetime

from quickbooks_connector.constants import MANAGER_ROLES, SETTINGS


def notify_managers(settings_name: str, subject: str, message: str) -> None:
	"""A Notification Log for every enabled System Manager and Accounts Manager, at most once a day each."""
	for user in manager_users():
		already = frappe.db.exists(
			"Notification Log",
			{
				"for_user": user,
				"subject": subject,
				"document_type": SETTINGS,
				"document_name": settings_name,
				"creation": (">", add_days(now_datetime(), -1)),
			},
		)
		if not already:
			notify(user, settings_name, subject, message)


def notify(user: str, settings_name: str, subject: str, message: str = "") -> None:
	"""A Notification Log (an Alert) for `user` about the settings."""
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": user,
			"type": "Alert",
			"subject": subject,
			"email_content": message,
			"document_type": SETTINGS,
			"document_name": settings_name,
		}
	).insert(ignore_permissions=True)


def manager_users() -> list[str]:
	holders = frappe.get_all(
		"Has Role",
		filters={"role": ("in", MANAGER_ROLES), "parenttype": "User"},
		pluck="parent",
		distinct=True,
	)
	return frappe.get_all(
		"User",
		filters={"name": ("in", holders or [""]), "enabled": 1, "user_type": "System User"},
		pluck="name",
		order_by="name",
	)
