"""An adopted standard as a region holds it: the decision's text, the categories it covers, the day it takes
effect, and the service-level targets it sets (first response and resolution within so many hours).

A meeting's decision adopting a standard is recorded on every region in its scope in the same transaction
(`StandardAdopted` on the region, domain/staff/region.py); triage then reads the region's standards in force
on the day the case opened (domain/casework/sla.py `sla_target`). This module imports no other aggregate, so
the region can hold standards without an import cycle.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import Field

from domain.values import Code, Frozen, InCalendar, Text

__all__ = ["MAX_TARGET_HOURS", "DecisionKind", "Standard", "TargetHours", "in_force"]

MAX_TARGET_HOURS = 24 * 365
"""No target is longer than a year."""

TargetHours = Annotated[int, Field(strict=True, ge=1, le=MAX_TARGET_HOURS)]
"""A service-level target in whole hours, from 1 hour to a year (a strict integer: not `true`, not 2.0)."""


class DecisionKind(StrEnum):
    """What a meeting decided: a standard (may set SLA targets) or a business process (text only)."""

    STANDARD = "standard"
    BUSINESS_PROCESS = "business_process"


class Standard(Frozen):
    """A standard in a region's policy, from the meeting decision that adopted it."""

    meeting_id: UUID
    decision_id: Code
    text: Text
    categories: list[Code] = Field(default_factory=list)
    """The case categories it covers; none: every category."""
    effective_on: Annotated[date, InCalendar]
    """It governs the cases opened on or after this day (UTC)."""
    first_response_hours: TargetHours | None = None
    resolution_hours: TargetHours | None = None

    def covers(self, category: str) -> bool:
        return not self.categories or category in self.categories


def in_force(standards: list[Standard], at: datetime) -> list[Standard]:
    """The standards that govern a case opened at `at`: per category and measure, `sla_target` picks from these."""
    day = at.astimezone(UTC).date()
    return [standard for standard in standards if standard.effective_on <= day]
