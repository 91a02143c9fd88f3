"""When a transient failure is tried again: exponential backoff, capped, deterministic per document.

The scheduled retry job picks records whose `next_retry_at` has passed; nothing is dropped after many attempts, the
interval just stops growing, so a long outage heals by itself once QuickBooks is back.
"""

from __future__ import annotations

import zlib

BASE_DELAY_SECONDS = 60.0
MAX_DELAY_SECONDS = 6 * 3600.0


def next_retry_at(now: float, attempts: int, key: str) -> float:
	delay = min(BASE_DELAY_SECONDS * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS)
	# Spread documents that failed together so a recovered QuickBooks is not hit by all of them at once.
	spread = (zlib.crc32(key.encode()) % 1000) / 1000 * 0.2 * delay
	return now + delay + spread
