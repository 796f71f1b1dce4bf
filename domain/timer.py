"""Timers: what a record wants done at a time, derived from its state, stored with its events.

A record says which timers it wants now (`Aggregate.timers()`: purpose -> due time). Whenever a
record is saved, the store compares that wish with the timers it holds for the record, in the same
transaction as the events: new or moved ones are set, ones no longer wanted are cancelled. So a timer
exists exactly while the record's state says it should, across crashes and replays alike.

A due timer is fired by an ordinary command (its causation id is the timer's id) whose events and
the timer's "fired" mark commit together: a timer fires once, however many processes try.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from uuid import UUID, uuid5

__all__ = ["TIMER_NAMESPACE", "DueTimer", "TimerState", "start_of", "timer_id"]

TIMER_NAMESPACE = UUID("6f1c9a52-3c1e-4d0b-9a57-1d1f0c7a4e21")


class TimerState:
    DUE = "due"
    """Set and not yet fired (late once its due time has passed)."""
    FIRED = "fired"
    CANCELLED = "cancelled"
    """No longer wanted by its record (the thing it waited for happened)."""
    DROPPED = "dropped"
    """Its command was refused when it fired; the refusal is kept as its outcome."""


def timer_id(record_id: UUID, purpose: str, set_position: int) -> UUID:
    """A timer's id, the same in every process: its record, purpose and the log position that set it."""
    return uuid5(TIMER_NAMESPACE, f"{record_id.hex}/{purpose}/{set_position}")


def start_of(day: date) -> datetime:
    """The moment a date-based rule (an expiry, a lapse) takes effect: the start of the day, UTC, the
    same day the domain's own checks use (`ctx.now.date()`)."""
    return datetime.combine(day, time(0), tzinfo=UTC)


@dataclass(frozen=True)
class DueTimer:
    """A stored timer as the process manager fires it."""

    id: UUID
    record_id: UUID
    kind: str
    """The record's aggregate type: `case`, `provider`, `contract`."""
    purpose: str
    due_at: datetime
    region: str | None = None
