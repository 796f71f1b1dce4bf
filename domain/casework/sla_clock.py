"""A case's SLA clocks, like Zammad's: first response, next update and resolution (Zammad's "solution").

Each clock counts business time on the region's calendar (domain/staff/calendar.py) from when it started:
the first-response and resolution clocks from the case's opening (resolution again from a reopening), the
next-update clock from the latest customer-facing contact (an outbound contact logged), restarted by each.
While the case waits on the customer a clock is paused: the business time it has left is frozen, and on resume
its due time is computed again from the calendar. The first response stops the first-response clock;
resolution and merging stop them all.

A clock's value is what the events record (`sla_clocks` of the events that change them), due times and at-risk
times included, so replaying a case never needs a calendar and an auditor sees the due times that applied. The
functions here compute those values; only commands call them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field

from domain.staff.calendar import BusinessCalendar
from domain.values import Frozen

__all__ = ["ClockName", "ClockStatus", "SlaClock", "at_risk", "breached", "due_of", "pause", "projected_due",
           "restart", "resume", "retarget", "start", "stop"]

SECOND = timedelta(seconds=1)


class ClockName(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_UPDATE = "next_update"
    RESOLUTION = "resolution"


class ClockStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    """The case waits on the customer: `remaining_seconds` is frozen."""
    STOPPED = "stopped"
    """Met (the first response given, the case resolved) or ended (merged)."""


class SlaClock(Frozen):
    """One clock of a case as its latest event recorded it. Durations are business time, in whole seconds."""

    name: ClockName
    status: ClockStatus
    started_at: AwareDatetime
    target_seconds: Annotated[int, Field(ge=0)]
    paused_seconds: Annotated[int, Field(ge=0)] = 0
    """Business time spent waiting on the customer since the clock started: not counted against the target."""
    due_at: AwareDatetime
    """Running: when the target is reached on the region's calendar. Paused or stopped: as it was when it stopped
    running."""
    at_risk_at: AwareDatetime | None = None
    """Running: when the region's at-risk share of the target has elapsed (the assignee is warned then)."""
    remaining_seconds: int | None = None
    """Paused: the business time left until due when the clock paused (negative: overdue by so much)."""
    warned: bool = False
    breached: bool = False
    stopped_at: AwareDatetime | None = None


def start(name: ClockName, target: timedelta, at: datetime, calendar: BusinessCalendar, at_risk_percent: int,
          paused_seconds: int = 0) -> SlaClock:
    """A clock started at `at` with `target` of business time (`paused_seconds` of it spent waiting already: a
    case triaged before its clocks existed)."""
    clock = SlaClock(name=name, status=ClockStatus.RUNNING, started_at=at, target_seconds=_seconds(target),
                     paused_seconds=paused_seconds, due_at=at)
    return _timed(clock, calendar, at_risk_percent)


def restart(clock: SlaClock, at: datetime, calendar: BusinessCalendar, at_risk_percent: int, waiting: bool
            ) -> SlaClock:
    """The clock started again at `at` with its target (its warning and breach forgotten); paused if the case
    waits on the customer."""
    fresh = start(clock.name, timedelta(seconds=clock.target_seconds), at, calendar, at_risk_percent)
    return pause(fresh, at, calendar) if waiting else fresh


def pause(clock: SlaClock, at: datetime, calendar: BusinessCalendar) -> SlaClock:
    """A running clock frozen at `at` with the business time it has left; any other clock as it is."""
    if clock.status is not ClockStatus.RUNNING:
        return clock
    return clock.model_copy(update={"status": ClockStatus.PAUSED, "at_risk_at": None,
                                    "remaining_seconds": _remaining(clock, at, calendar)})


def resume(clock: SlaClock, waiting_since: datetime, at: datetime, calendar: BusinessCalendar,
           at_risk_percent: int) -> SlaClock:
    """A paused clock running again at `at`: its due time moved later by the business time spent waiting (one
    overdue before it paused keeps its due time); any other clock as it is."""
    if clock.status is not ClockStatus.PAUSED:
        return clock
    running = clock.model_copy(update={"status": ClockStatus.RUNNING, "remaining_seconds": None})
    if (clock.remaining_seconds or 0) <= 0:
        return running
    waited = calendar.between(max(waiting_since, clock.started_at), at)
    return _timed(running.model_copy(update={"paused_seconds": clock.paused_seconds + _seconds(waited)}),
                  calendar, at_risk_percent)


def retarget(clock: SlaClock, target: timedelta, waiting_since: datetime | None, calendar: BusinessCalendar,
             at_risk_percent: int) -> SlaClock:
    """The clock with a new target (the case triaged again), counted from when it started: a running one gets
    new due and at-risk times, a paused one a new business time left; a stopped one keeps its times."""
    changed = clock.model_copy(update={"target_seconds": _seconds(target)})
    if clock.status is ClockStatus.STOPPED:
        return changed
    timed = _timed(changed, calendar, at_risk_percent)
    if clock.status is ClockStatus.PAUSED and waiting_since is not None:
        return timed.model_copy(update={"status": ClockStatus.PAUSED, "at_risk_at": None,
                                        "remaining_seconds": _remaining(timed, waiting_since, calendar)})
    return timed


def stop(clock: SlaClock, at: datetime) -> SlaClock:
    """The clock stopped at `at` (met, or the case ended); a stopped one as it is."""
    if clock.status is ClockStatus.STOPPED:
        return clock
    return clock.model_copy(update={"status": ClockStatus.STOPPED, "stopped_at": at, "at_risk_at": None,
                                    "remaining_seconds": None})


def projected_due(clock: SlaClock, calendar: BusinessCalendar) -> datetime:
    """When the clock is due counting the pauses that ended (the meaning of a case's `first_response_due` and
    `resolution_due`): a running clock's due time; a paused one's as if it resumed now."""
    if clock.status is ClockStatus.RUNNING:
        return clock.due_at
    return calendar.add(clock.started_at, timedelta(seconds=clock.target_seconds + clock.paused_seconds))


def due_of(clocks: Iterable[SlaClock], name: ClockName) -> datetime | None:
    """The due time of the running clock `name`, if there is one."""
    return next((c.due_at for c in clocks if c.name is name and c.status is ClockStatus.RUNNING), None)


def at_risk(clocks: Iterable[SlaClock]) -> bool:
    """A clock that has not stopped was warned: the case's SLA is at risk (or was, and is now breached)."""
    return any(c.warned and c.status is not ClockStatus.STOPPED for c in clocks)


def breached(clocks: Iterable[SlaClock]) -> bool:
    """A clock breached its target since it last (re)started."""
    return any(c.breached for c in clocks)


def _timed(clock: SlaClock, calendar: BusinessCalendar, at_risk_percent: int) -> SlaClock:
    """Due and at-risk times counted from the clock's start, the time spent waiting not counted."""
    paused = clock.paused_seconds
    warn_after = clock.target_seconds * at_risk_percent // 100
    return clock.model_copy(update={
        "due_at": calendar.add(clock.started_at, timedelta(seconds=clock.target_seconds + paused)),
        "at_risk_at": calendar.add(clock.started_at, timedelta(seconds=warn_after + paused)),
    })


def _remaining(clock: SlaClock, at: datetime, calendar: BusinessCalendar) -> int:
    if at <= clock.due_at:
        return _seconds(calendar.between(at, clock.due_at))
    return -_seconds(calendar.between(clock.due_at, at))


def _seconds(duration: timedelta) -> int:
    return duration // SECOND
