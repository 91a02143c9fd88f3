"""Time conversions between what Frappe stores and what the core and QuickBooks use.

Frappe stores Datetime fields naive, in the site's system time zone ("stored" below). The QuickBooks client's tokens
and the sync engine's records count epoch seconds; the party import compares aware UTC datetimes.
"""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from frappe.utils import get_datetime, get_system_timezone


def epoch_to_stored(epoch: float | None) -> datetime | None:
	"""Epoch seconds -> the naive system-time datetime Frappe stores (None for none)."""
	if not epoch:
		return None
	return utc_to_stored(datetime.fromtimestamp(epoch, tz=timezone.utc))


def stored_to_epoch(value: datetime | str | None) -> float | None:
	"""A stored (naive, system-time) datetime -> epoch seconds (None for none)."""
	if not value:
		return None
	return get_datetime(value).replace(tzinfo=_system_zone()).timestamp()


def stored_to_utc(value: datetime | str) -> datetime:
	"""A stored (naive, system-time) datetime as an aware UTC one."""
	return get_datetime(value).replace(tzinfo=_system_zone()).astimezone(timezone.utc)


def utc_to_stored(value: datetime) -> datetime:
	"""An aware datetime as Frappe stores it: naive, in the system time zone."""
	return value.astimezone(_system_zone()).replace(tzinfo=None)


def _system_zone() -> ZoneInfo:
	return ZoneInfo(get_system_timezone())
