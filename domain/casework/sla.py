"""Service-level policy: how soon a case of each priority must get a first response, each next update and a
resolution. The targets are business time on the region's calendar (domain/casework/sla_clock.py counts them)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

__all__ = ["SLA_POLICY", "Priority", "SlaStandard", "SlaTarget", "sla_target"]


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


@dataclass(frozen=True)
class SlaTarget:
    first_response: timedelta
    resolution: timedelta
    next_update: timedelta = timedelta(days=1)
    """From each customer-facing contact (an outbound contact logged) to the next one (issue 16)."""

    def due(self, start: datetime, paused: timedelta) -> tuple[datetime, datetime]:
        """Due times from `start` on a 24x7 clock, moved later by the time the clock was paused."""
        return start + paused + self.first_response, start + paused + self.resolution


SLA_POLICY: dict[Priority, SlaTarget] = {
    Priority.URGENT: SlaTarget(first_response=timedelta(hours=1), resolution=timedelta(hours=8),
                               next_update=timedelta(hours=2)),
    Priority.HIGH: SlaTarget(first_response=timedelta(hours=4), resolution=timedelta(days=1),
                             next_update=timedelta(hours=8)),
    Priority.NORMAL: SlaTarget(first_response=timedelta(hours=8), resolution=timedelta(days=3),
                               next_update=timedelta(days=1)),
    Priority.LOW: SlaTarget(first_response=timedelta(days=1), resolution=timedelta(days=7),
                            next_update=timedelta(days=2)),
}
"""The policy table: first response and resolution targets per priority, from the time a case opens, and the
next-update target from each customer-facing contact (business time on the region's calendar)."""


class SlaStandard(Protocol):
    """An adopted standard as the SLA lookup reads it (domain/policy/standard.py `Standard`): the categories it
    covers (none: every category), the day it takes effect, and its targets in hours (None: not set by it)."""

    @property
    def categories(self) -> Sequence[str]: ...

    @property
    def effective_on(self) -> date: ...

    @property
    def first_response_hours(self) -> int | None: ...

    @property
    def resolution_hours(self) -> int | None: ...


def sla_target(priority: Priority, category: str, opened_at: datetime, standards: Iterable[SlaStandard] = ()
               ) -> SlaTarget:
    """The targets of a case: per measure (first response, resolution), the standard in force for its category on
    the day it opened (UTC) wins, the one with the latest effective date, and of those the last adopted; a measure
    no standard sets keeps the default of `SLA_POLICY` for the case's priority (the next update always does)."""
    opened_on = opened_at.astimezone(UTC).date()
    default = SLA_POLICY[Priority(priority)]
    first_response, resolution = default.first_response, default.resolution
    in_force = [s for s in standards if s.effective_on <= opened_on and (not s.categories or category in s.categories)]
    # stable sort: among standards effective the same day, the later adopted stays later and wins
    for standard in sorted(in_force, key=lambda s: s.effective_on):
        if standard.first_response_hours is not None:
            first_response = timedelta(hours=standard.first_response_hours)
        if standard.resolution_hours is not None:
            resolution = timedelta(hours=standard.resolution_hours)
    return SlaTarget(first_response=first_response, resolution=resolution, next_update=default.next_update)
