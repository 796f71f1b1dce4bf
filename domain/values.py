"""Value objects shared by the aggregates: who acts, when, and the vocabularies of the network."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "PERSONAL_DATA",
    "Actor",
    "Code",
    "Context",
    "Frozen",
    "CustomerContact",
    "Role",
    "ShortText",
    "Text",
]

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
"""A name, subject or reason: one line a person typed."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
"""A summary, note or description."""

Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$"),
]
"""A stable identifier chosen by people (a region code, a staff id, an action id)."""

Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=40, pattern=r"^\+?[0-9() .-]+$")
]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]

PERSONAL_DATA = {"x-personal-data": True}
"""JSON-schema marker on fields that hold a customer's personal data (erasable per customer)."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Role(StrEnum):
    REPRESENTATIVE = "representative"
    COORDINATOR = "coordinator"
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

    The time is read from a clock by the application service, never by the domain.
    """

    actor: Actor
    now: datetime
    correlation_id: UUID
    causation_id: UUID | None = None


class CustomerContact(Frozen):
    """A customer's contact details: personal data, kept apart so it can be encrypted or erased."""

    name: Annotated[ShortText | None, Field(json_schema_extra=PERSONAL_DATA)] = None
    phone: Annotated[Phone | None, Field(json_schema_extra=PERSONAL_DATA)] = None
    email: Annotated[Email | None, Field(json_schema_extra=PERSONAL_DATA)] = None
