"""Query values are always quoted and escaped by the client, never interpolated raw."""

from datetime import date
from decimal import Decimal

import pytest

from quickbooks_connector.qbo.client import fill_placeholders, quote


def test_single_quote_is_escaped():
	assert quote("Cutlery 'R Us") == "'Cutlery \\'R Us'"


def test_trailing_backslash_cannot_swallow_the_closing_quote():
	assert quote("C:\\") == "'C:\\\\'"


def test_injection_attempt_stays_inside_the_literal():
	statement = fill_placeholders("select * from Customer where DisplayName = {}", ["x' AND Active = 'false"])

	assert statement == "select * from Customer where DisplayName = 'x\\' AND Active = \\'false'"


@pytest.mark.parametrize(
	("value", "literal"),
	[
		(True, "true"),
		(False, "false"),
		(239, "'239'"),
		(Decimal("300.00"), "'300.00'"),
		(date(2025, 1, 31), "'2025-01-31'"),
		(["1", "2"], "('1', '2')"),
	],
)
def test_value_literals(value, literal):
	assert quote(value) == literal


@pytest.mark.parametrize("value", [None, [], object()])
def test_unusable_values_are_refused(value):
	with pytest.raises(TypeError):
		quote(value)


def test_placeholder_count_must_match():
	with pytest.raises(ValueError):
		fill_placeholders("select * from Customer where DisplayName = {}", [])
