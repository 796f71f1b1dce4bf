"""Dates and times a command takes stay within the years the engine can compute with (found by an
outside try: a due time of year 10000 in UTC was stored; a date at the calendar's end overflows when a
rule adds days to it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from domain.network.contract import Terms
from domain.values import STORED_FACTS, Day, Moment

MOMENT: TypeAdapter[datetime] = TypeAdapter(Moment)
DAY: TypeAdapter[date] = TypeAdapter(Day)


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "1899-12-31T23:00:00Z",
                                  "9000-01-01T00:00:00Z"])
def test_a_time_near_the_calendars_ends_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="from year 1900 to 8999"):
        MOMENT.validate_python(text)


def test_a_time_within_the_years_is_taken() -> None:
    assert MOMENT.validate_python("8999-12-31T23:59:59-14:00").year == 8999
    assert MOMENT.validate_python(datetime(1900, 1, 1, tzinfo=UTC)).year == 1900


@pytest.mark.parametrize("value", ["9999-12-31", date(1, 1, 1), "1899-12-31"])
def test_a_date_near_the_calendars_ends_is_refused(value: Any) -> None:
    with pytest.raises(ValidationError, match="from year 1900 to 8999"):
        DAY.validate_python(value)


def test_the_schema_states_the_rule() -> None:
    assert MOMENT.json_schema()["pattern"] == DAY.json_schema()["pattern"] == r"^(19|[2-8][0-9])[0-9]{2}-"


def test_contract_terms_refuse_such_dates_but_stored_terms_still_read() -> None:
    terms = {"rates": [{"service_code": "x", "description": "X", "amount_cents": 1}], "payment_terms_days": 30,
             "effective_on": "2030-01-01", "expires_on": "9999-12-31"}
    with pytest.raises(ValidationError, match="expires_on"):
        Terms.model_validate(terms)
    assert Terms.model_validate(terms, context=STORED_FACTS).expires_on == date(9999, 12, 31)
