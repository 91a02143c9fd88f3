"""The emulator's clock and QBO's date/time formats.

QBO returns datetimes in Pacific time with an offset (``2015-07-24T10:33:39-07:00``). The emulator simplifies to
a fixed ``-08:00`` offset (no daylight saving), which keeps output deterministic. The clock can be shifted
forward through the admin API so tests can expire tokens, move CDC windows or empty rate-limit windows
without sleeping.
"""

from __future__ import annotations

import functools
import threading
import time
from datetime import date, datetime, timedelta, timezone

PACIFIC = timezone(timedelta(hours=-8))


class Clock:
	"""Wall-clock time plus an offset that only moves forward (so change order stays monotonic)."""

	def __init__(self, offset: float = 0.0) -> None:
		self._offset = offset
		self._lock = threading.Lock()

	@property
	def offset(self) -> float:
		return self._offset

	def now(self) -> float:
		return time.time() + self._offset

	def advance(self, seconds: float) -> None:
		if seconds < 0:
			raise ValueError("the emulator clock only moves forward")
		with self._lock:
			self._offset += seconds

	def reset(self) -> None:
		with self._lock:
			self._offset = 0.0


@functools.lru_cache(maxsize=256)
def iso_datetime(epoch: float, milliseconds: bool = False) -> str:
	"""``2025-01-30T10:22:16-08:00`` (MetaData style) or with milliseconds (response ``time`` style)."""
	moment = datetime.fromtimestamp(epoch, PACIFIC)
	return moment.isoformat(timespec="milliseconds" if milliseconds else "seconds")


def pacific_date(epoch: float) -> str:
	return datetime.fromtimestamp(epoch, PACIFIC).date().isoformat()


def parse_datetime(text: str) -> float:
	"""Epoch seconds of an ISO date or datetime; naive values are read as Pacific. Raises ValueError."""
	text = text.strip()
	if text.endswith("Z"):
		text = text[:-1] + "+00:00"
	moment = datetime.fromisoformat(text)
	if moment.tzinfo is None:
		moment = moment.replace(tzinfo=PACIFIC)
	return moment.timestamp()


def parse_date(text: str) -> date:
	"""A ``YYYY-MM-DD`` date; raises ValueError for anything else."""
	return date.fromisoformat(text)
