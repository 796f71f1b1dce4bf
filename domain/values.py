"""Value objects shared by the aggregates: who acts, when, and the vocabularies of the network."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "PERSONAL_DATA",
    "Actor",
    "Code",
    "CALENDAR_PATTERN",
    "Context",
    "Day",
    "FIRST_YEAR",
    "InCalendar",
    "LAST_YEAR",
    "Moment",
    "within_years",
    "Frozen",
    "CustomerContact",
    "NO_NUL",
    "Email",
    "NoNul",
    "Phone",
    "Role",
    "STATED",
    "STORED_FACTS",
    "ShortText",
    "ShortTextIn",
    "TEXT_PATTERN",
    "Text",
    "TextIn",
    "refuse_nul",
]

NO_NUL = "\x00"
TEXT_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"
"""Some character that is neither white space nor NUL: what a text must hold once stripped, as the
OpenAPI document says it (PostgreSQL cannot store NUL, so no backend does)."""


STORED_FACTS = {"stored": True}
"""The validation context for reading what is already stored: facts are read as they were written,
so a rule added later (like the one below) never makes an old event unreadable."""


def refuse_nul(value: object, info: ValidationInfo) -> object:
    """No new text holds a NUL character: PostgreSQL cannot store one, so neither backend does."""
    if isinstance(value, str) and NO_NUL in value and info.context != STORED_FACTS:
        raise PydanticCustomError("nul_character", "contains a NUL character (U+0000), which no stored text can hold")
    return value


FIRST_YEAR, LAST_YEAR = 1900, 8999
CALENDAR_PATTERN = r"^(19|[2-8][0-9])[0-9]{2}-"
"""The text of a date or time from year 1900 to 8999 (RFC 3339 otherwise, as its `format` says)."""


def within_years(value: object, info: ValidationInfo) -> object:
    """Refuse a new date or time outside the years the engine can compute with. Python's calendar ends at
    years 1 and 9999: a due date of 9999-12-31 plus payment terms, or 0001-01-01 at +01:00 turned to UTC,
    overflows. Years 1900 to 8999 leave a day for any offset and years for any period a rule adds."""
    if info.context == STORED_FACTS:
        return value
    if isinstance(value, str):
        inside = re.match(CALENDAR_PATTERN, value) is not None
    elif isinstance(value, date):
        inside = FIRST_YEAR <= value.year <= LAST_YEAR
    else:
        return value  # not a date at all: the type's own check names it
    if not inside:
        raise PydanticCustomError("time_out_of_range", "must be a date or time from year {first} to {last}",
                                  {"first": FIRST_YEAR, "last": LAST_YEAR})
    return value


InCalendar = BeforeValidator(within_years)
"""For values inside published event schemas, which may not change: the rule without its pattern."""

Moment = Annotated[AwareDatetime, InCalendar, Field(json_schema_extra={"pattern": CALENDAR_PATTERN})]
"""An aware time from year 1900 to 8999, as a command or a query takes it."""

Day = Annotated[date, InCalendar, Field(json_schema_extra={"pattern": CALENDAR_PATTERN})]
"""A date from year 1900 to 8999, as a command takes it."""

NoNul = BeforeValidator(refuse_nul)
"""Placed after a type's constraints (it still runs first), so the JSON schema keeps their `pattern`."""

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul]
"""A name, subject or reason: one line a person typed."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000), NoNul]
"""A summary, note or description."""

STATED = Field(json_schema_extra={"pattern": TEXT_PATTERN})
"""The rule of a text (stripped, not empty, no NUL) as a JSON-schema `pattern`, for the schemas of what
commands take. The published event schemas are immutable, so the event fields keep the schema they had."""

ShortTextIn = Annotated[ShortText, STATED]
"""A `ShortText` a command takes: the same rule, stated in the OpenAPI document."""

TextIn = Annotated[Text, STATED]
"""A `Text` a command takes: the same rule, stated in the OpenAPI document."""

Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$"),
    NoNul,
]
"""A stable identifier chosen by people (a region code, a staff id, an action id, a customer reference)."""

Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=40, pattern=r"^\+?[0-9() .-]+$"), NoNul
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    NoNul,
]

PERSONAL_DATA = {"x-personal-data": True}
"""JSON-schema marker on fields that hold a customer's personal data (erasable per customer)."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Role(StrEnum):
    REPRESENTATIVE = "representative"
    COORDINATOR = "coordinator"
    MANAGER = "manager"
    """Senior management of the network: decides what a representative must not do alone, in every region."""
    AUDITOR = "auditor"
    INTEGRATOR = "integrator"
    ADMIN = "admin"
    SYSTEM = "system"


class Actor(Frozen):
    """Who did it: recorded on every event so the audit trail names a person or a process."""

    id: Code
    role: Role


class Context(Frozen):
    """What every command carries besides its own arguments: the actor, the time and the trace.

    The time is the command's, not the context's: one made by the application service (`timed_by`)
    reads the service's command clock whenever the command asks, which is after its record is loaded,
    so a context held while others changed the record cannot date an event before theirs. One made
    with `now=` (a test, a replayed step) keeps that time. The domain never reads a clock itself.
    """

    actor: Actor
    fixed_now: datetime | None = Field(default=None, alias="now")
    correlation_id: UUID
    causation_id: UUID | None = None
    _clock: Callable[[], datetime] | None = PrivateAttr(default=None)

    @classmethod
    def timed_by(
        cls, clock: Callable[[], datetime], actor: Actor, correlation_id: UUID, causation_id: UUID | None = None
    ) -> Context:
        """A context whose time is read from `clock` when the command runs."""
        context = cls(actor=actor, correlation_id=correlation_id, causation_id=causation_id)
        context._clock = clock
        return context

    @property
    def now(self) -> datetime:
        """The command's time."""
        if self.fixed_now is not None:
            return self.fixed_now
        if self._clock is None:
            raise ValueError("a context needs a time: give it `now`, or make it with `Context.timed_by`")
        return self._clock()


class CustomerContact(Frozen):
    """A customer's contact details: personal data, kept apart so it can be encrypted or erased."""

    name: Annotated[ShortText | None, Field(json_schema_extra=PERSONAL_DATA)] = None
    phone: Annotated[Phone | None, Field(json_schema_extra=PERSONAL_DATA)] = None
    email: Annotated[Email | None, Field(json_schema_extra=PERSONAL_DATA)] = None
