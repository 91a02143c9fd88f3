"""The retry loop remembers that an earlier attempt may have been applied, whatever the last attempt says."""

from __future__ import annotations

import pytest

from quickbooks_connector.qbo.errors import NetworkError, ServerError, ThrottledError, ValidationError
from quickbooks_connector.qbo.retry import RetryPolicy, call_with_retries


def run(*failures: Exception) -> Exception:
	remaining = list(failures)

	def attempt():
		raise remaining.pop(0)

	with pytest.raises(Exception) as caught:
		call_with_retries(
			attempt,
			RetryPolicy(max_attempts=len(failures), random=lambda: 0.0),
			sleep=lambda seconds: None,
			clock=lambda: 0.0,
			describe="POST /invoice",
		)
	return caught.value


def test_a_throttled_last_attempt_after_a_lost_answer_is_not_taken_as_nothing_written():
	error = run(NetworkError("read timed out", outcome_unknown=True), ThrottledError("slow down"))
	assert isinstance(error, ThrottledError) and error.earlier_attempt_unknown


def test_a_refusal_after_a_server_failure_keeps_the_outcome_open():
	error = run(ServerError("system failure"), ValidationError("bad value"))
	assert error.earlier_attempt_unknown


def test_throttling_and_connect_timeouts_prove_nothing_was_applied():
	error = run(
		ThrottledError("slow down"),
		NetworkError("connect timeout", outcome_unknown=False),
		ThrottledError("x"),
	)
	assert not error.earlier_attempt_unknown
