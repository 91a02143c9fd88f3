"""A number the client cannot send exactly is refused with a typed error that says what and why, never as an
unexpected error."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quickbooks_connector.qbo.client import _dumps
from quickbooks_connector.qbo.errors import QBOError, ValidationError
from quickbooks_connector.sync.explain import explain
from quickbooks_connector.sync.records import ErrorKind


@pytest.mark.parametrize("value", [Decimal("1234567890123.4567"), Decimal("NaN"), Decimal("Infinity")])
def test_a_number_quickbooks_cannot_store_is_a_validation_error(value):
	with pytest.raises(ValidationError) as raised:
		_dumps({"Line": [{"Amount": value}]})

	error = raised.value
	assert isinstance(error, ValueError), "callers that catch ValueError still do"
	assert not error.retryable
	assert str(value) in str(error) and "it was not sent" in str(error)
	assert str(error).endswith(
		"Correct the value in ERPNext (cancel and amend the document), then press Retry"
	)


def test_the_sync_record_says_what_was_not_sent_and_what_to_do():
	with pytest.raises(QBOError) as raised:
		_dumps({"Line": [{"Amount": Decimal("1234567890123.4567")}]})

	explanation = explain(raised.value, "Invoice", "SINV-1")

	assert explanation.kind == ErrorKind.PERMANENT
	assert explanation.message.startswith(
		"Invoice not sent: The number 1234567890123.4567 has more than the 15 significant digits QuickBooks stores"
	)
	assert "Unexpected error" not in explanation.message


def test_numbers_quickbooks_stores_are_sent_as_json_numbers():
	assert _dumps({"Amount": Decimal("123456789012.34"), "Qty": Decimal("0.1234567")}) == (
		b'{"Amount":123456789012.34,"Qty":0.1234567}'
	)
