"""Retrying QBO calls: exponential backoff with full jitter, bounded in attempts and in time.

Only errors that say they are `retryable` (throttling, 5xx, network) are retried; a validation error would fail
the same way again. Writes are only safe to retry because the client reuses one requestid per logical write.
"""

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from quickbooks_connector.qbo.errors import QBOError, ThrottledError

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
	max_attempts: int = 5
	deadline: float = 60.0  # seconds from the first attempt; no sleep may end past it
	base_delay: float = 0.5
	max_delay: float = 30.0
	random: Callable[[], float] = field(default=random.random, repr=False)

	def __post_init__(self) -> None:
		if self.max_attempts < 1:
			raise ValueError("max_attempts must be at least 1")

	def delay(self, failed_attempts: int, error: QBOError) -> float:
		"""Full jitter (AWS architecture blog): uniform in [0, min(cap, base * 2^n)], so concurrent workers that
		failed together do not retry together. A server's Retry-After is a floor, never shortened."""
		backoff = self.random() * min(self.max_delay, self.base_delay * 2 ** (failed_attempts - 1))
		retry_after = error.retry_after if isinstance(error, ThrottledError) else None
		return max(backoff, retry_after or 0.0)


def call_with_retries(
	attempt: Callable[[], T],
	policy: RetryPolicy,
	*,
	sleep: Callable[[float], None],
	clock: Callable[[], float],
	describe: str,
) -> T:
	"""Run `attempt` until it succeeds, raises a non-retryable error, or attempts/time run out.

	The last error is re-raised as is, so callers see the real cause (e.g. ThrottledError), not a wrapper.
	"""
	started = clock()
	uncertain = False  # an earlier attempt may have been applied
	for number in range(1, policy.max_attempts + 1):
		try:
			return attempt()
		except QBOError as error:
			error.earlier_attempt_unknown = uncertain
			if not error.retryable or number == policy.max_attempts:
				raise
			delay = policy.delay(number, error)
			if clock() + delay - started > policy.deadline:
				log.warning(
					"QBO %s: giving up after %d attempts, retry deadline reached: %s", describe, number, error
				)
				raise
			uncertain = uncertain or _maybe_applied(error)
			log.warning("QBO %s: attempt %d failed (%s); retrying in %.2f s", describe, number, error, delay)
			sleep(delay)
	raise AssertionError("unreachable: the loop returns or raises")


def _maybe_applied(error: QBOError) -> bool:
	"""A lost answer or a server failure may come after QuickBooks applied the request; throttling never does."""
	return not isinstance(error, ThrottledError) and getattr(error, "outcome_unknown", True)
