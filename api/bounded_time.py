"""Times a client may pass in a query: aware, and far enough from the calendar's ends to compute with.

Python's dates end at years 1 and 9999: a dashboard `now` of 9999-12-31 plus its at-risk window, or
0001-01-01 written at +01:00 and turned to UTC, overflows. Every time parameter is therefore held to
years 1900 to 8999, which leaves a day for any UTC offset and years for any window the API accepts.
The rule is a pattern on the text, so the OpenAPI document states exactly what the server enforces.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BeforeValidator, Field
from pydantic_core import PydanticCustomError

__all__ = ["BOUNDED_TIME_PATTERN", "BoundedTime", "FIRST_YEAR", "LAST_YEAR"]

FIRST_YEAR, LAST_YEAR = 1900, 8999
BOUNDED_TIME_PATTERN = r"^(19|[2-8][0-9])[0-9]{2}-"
"""The text of a time from year 1900 to 8999 (RFC 3339 otherwise, as `format: date-time` says)."""


def within_years(value: object) -> object:
    """Refuse a time outside the years the server can compute with, before it is parsed."""
    if isinstance(value, str):
        inside = re.match(BOUNDED_TIME_PATTERN, value) is not None
    elif isinstance(value, datetime):
        inside = FIRST_YEAR <= value.year <= LAST_YEAR
    else:
        return value  # not a time at all: the type's own check names it
    if not inside:
        raise PydanticCustomError("time_out_of_range", "must be a time from year {first} to {last}",
                                  {"first": FIRST_YEAR, "last": LAST_YEAR})
    return value


BoundedTime = Annotated[
    AwareDatetime, BeforeValidator(within_years), Field(json_schema_extra={"pattern": BOUNDED_TIME_PATTERN}),
]
"""An aware time from year 1900 to 8999."""
