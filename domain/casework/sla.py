"""Service-level policy: how soon a case of each priority must get a first response and a resolution."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = ["SLA_POLICY", "Priority", "SlaTarget"]


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


@dataclass(frozen=True)
class SlaTarget:
    first_response: timedelta
    resolution: timedelta

    def due(self, start: datetime, paused: timedelta) -> tuple[datetime, datetime]:
        """Due times from `start`, moved later by the time the clock was paused."""
        return start + paused + self.first_response, start + paused + self.resolution


SLA_POLICY: dict[Priority, SlaTarget] = {
    Priority.URGENT: SlaTarget(first_response=timedelta(hours=1), resolution=timedelta(hours=8)),
    Priority.HIGH: SlaTarget(first_response=timedelta(hours=4), resolution=timedelta(days=1)),
    Priority.NORMAL: SlaTarget(first_response=timedelta(hours=8), resolution=timedelta(days=3)),
    Priority.LOW: SlaTarget(first_response=timedelta(days=1), resolution=timedelta(days=7)),
}
"""The policy table: first response and resolution targets per priority, from the time a case opens."""
