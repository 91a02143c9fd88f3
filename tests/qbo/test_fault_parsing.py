"""Every fault shape QBO sends becomes the right typed error with a readable message.

These bodies are verbatim shapes from qbo-api.md §6; the emulator-backed tests in test_errors_live.py cover the
same classes from real HTTP responses.
"""

import json

import pytest

from quickbooks_connector.qbo import errors
from quickbooks_connector.qbo.errors import error_from_fault, error_from_http, parse_retry_after


def service_fault(code: str, message: str, detail: str = "", element: str = "") -> str:
	error = {"Message": message, "Detail": detail, "code": code, "element": element}
	return json.dumps(
		{"Fault": {"Error": [error], "type": "ValidationFault"}, "time": "2025-01-30T10:22:16-08:00"}
	)


def test_duplicate_name_exposes_the_existing_id_and_a_readable_message():
	body = service_fault("6240", "Duplicate Name Exists Error", "The name supplied already exists. : Id=58")

	error = error_from_http(400, body, intuit_tid="tid-1")

	assert isinstance(error, errors.DuplicateNameError)
	assert error.existing_id == "58"
	assert not error.retryable
	assert str(error) == (
		"Duplicate Name Exists Error (code 6240): The name supplied already exists. : Id=58 (intuit_tid tid-1)"
	)


def test_validation_error_keeps_element_and_detail():
	body = service_fault(
		"2050",
		"String length is either shorter or longer than supported by specification",
		"Min:0 Max:21 supported. Supplied length:22",
		"DocNumber",
	)

	error = error_from_http(400, body)

	assert isinstance(error, errors.ValidationError)
	assert (error.code, error.element, error.detail) == (
		"2050",
		"DocNumber",
		"Min:0 Max:21 supported. Supplied length:22",
	)
	assert "[field: DocNumber]" in str(error)


@pytest.mark.parametrize(
	("status", "code", "expected"),
	[
		(400, "5010", errors.StaleObjectError),
		(400, "6140", errors.DuplicateDocumentNumberError),
		(400, "610", errors.NotFoundError),
		(400, "6070", errors.ValidationError),
		(400, "4000", errors.ValidationError),
		(403, "3100", errors.AuthorizationError),
		(403, "3001", errors.ThrottledError),  # QBO used to send throttling with 403
		(429, "3001", errors.ThrottledError),
		(500, "10000", errors.ServerError),
		(503, "", errors.ServerError),
		(401, "100", errors.AuthenticationError),
	],
)
def test_codes_and_statuses_map_to_classes(status, code, expected):
	assert type(error_from_http(status, service_fault(code, "Something"))) is expected


def test_gateway_fault_with_lower_case_keys_is_an_authentication_error_that_says_reconnect():
	body = json.dumps(
		{
			"warnings": None,
			"fault": {
				"error": [
					{
						"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
						"detail": "Token expired: eyJ...",
						"code": "3200",
						"element": None,
					}
				],
				"type": "AUTHENTICATION",
			},
			"time": 1633520295688,
		}
	)

	error = error_from_http(401, body)

	assert isinstance(error, errors.AuthenticationError)
	assert error.code == "3200"
	assert error.element is None
	assert "Reconnect to QuickBooks" in str(error)


def test_xml_fault_is_parsed_despite_json_accept():
	body = (
		'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
		'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2025-01-30T10:22:16.013-08:00">'
		'<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; '
		"statusCode=429</Message><Detail>The request limit was reached.</Detail></Error></Fault></IntuitResponse>"
	)

	error = error_from_http(429, body, retry_after="7")

	assert isinstance(error, errors.ThrottledError)
	assert error.retryable
	assert error.retry_after == 7.0
	assert error.detail == "The request limit was reached."


def test_oauth_invalid_grant_tells_the_user_to_reconnect():
	error = error_from_http(400, json.dumps({"error": "invalid_grant", "error_description": "Token invalid"}))

	assert isinstance(error, errors.AuthenticationError)
	assert error.code == "invalid_grant"
	assert not error.retryable
	assert "Reconnect to QuickBooks" in str(error)


def test_non_fault_body_still_yields_a_typed_error_with_the_status():
	error = error_from_http(502, "<html><body>Bad Gateway</body></html>")

	assert isinstance(error, errors.ServerError)
	assert error.retryable
	assert "HTTP 502" in str(error)


def test_batch_item_fault_inside_http_200():
	fault = {
		"type": "ValidationFault",
		"Error": [{"Message": "Object Not Found", "code": "610", "Detail": "x"}],
	}

	error = error_from_fault(fault)

	assert isinstance(error, errors.NotFoundError)
	assert error.status is None


def test_retryable_flags():
	assert errors.NetworkError("x", outcome_unknown=True).retryable
	assert errors.ServerError("x").retryable
	assert errors.ThrottledError("x").retryable
	for cls in (
		errors.ValidationError,
		errors.StaleObjectError,
		errors.AuthenticationError,
		errors.NotFoundError,
	):
		assert not cls("x").retryable


@pytest.mark.parametrize(
	("header", "expected"), [(None, None), ("3", 3.0), ("1.5", 1.5), ("-2", 0.0), ("garbage", None)]
)
def test_retry_after_header(header, expected):
	assert parse_retry_after(header) == expected


def test_retry_after_as_http_date_in_the_past_is_zero():
	assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
