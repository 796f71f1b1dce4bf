"""Timers as the operator sees them: due, late, fired, cancelled and dropped (docs/time.md).

Administrators, managers and auditors see every region's; a coordinator sees their own region's."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from adapters.hash_chain import ChainedRecorder
from api.deps import AppDep, Principal, require_region, require_staff, role_guard
from api.problems import problem_responses
from domain.timer import TimerState
from domain.values import Code, Role

__all__ = ["router"]

router = APIRouter(prefix="/timers", tags=["timers"])
TIMER_READERS = (Role.ADMIN, Role.MANAGER, Role.AUDITOR, Role.COORDINATOR)
ReaderDep = Annotated[Principal, Depends(role_guard(*TIMER_READERS))]


class Listing(StrEnum):
    DUE = TimerState.DUE
    LATE = "late"
    """Due, and past its due time: not fired yet."""
    FIRED = TimerState.FIRED
    CANCELLED = TimerState.CANCELLED
    DROPPED = TimerState.DROPPED


class TimerPublic(BaseModel):
    """A timer: which record wants what done when; once fired, at which log position and when."""

    id: UUID
    record_id: UUID
    kind: str
    region: str | None
    purpose: str
    due_at: datetime
    state: str
    late: bool
    set_position: int
    ended_position: int | None
    fired_at: datetime | None
    outcome: str | None


class StateCount(BaseModel):
    count: int
    late: int


class TimersPublic(BaseModel):
    as_of: datetime
    region: str | None
    counts: dict[str, StateCount]
    timers: list[TimerPublic]


@router.get("", response_model=TimersPublic, summary="Timers due, late, fired, cancelled or dropped",
            responses=problem_responses(404))
def list_timers(
    engine: AppDep, principal: ReaderDep,
    state: Annotated[Listing, Query(description="Which to list; `late`: due and past their time.")] = Listing.LATE,
    region: Annotated[Code | None, Query(description="One region's timers.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> TimersPublic:
    """The counts per state and the timers in one state: due and late oldest due first, the others the last
    ended first. A coordinator sees their own region's only."""
    if principal.role is Role.COORDINATOR:
        require_staff(engine.ledger, principal, reading=True)
        if region is not None:
            require_region(principal, region)
        region = principal.region
    elif region is not None:
        engine.ledger.region(region)  # RecordNotFound (404) for a region there is not
    recorder = engine.ledger.recorder
    assert isinstance(recorder, ChainedRecorder)
    now = engine.ledger.clock()
    late = state is Listing.LATE
    rows = recorder.timers(now, state=None if late else state.value, region=region, late=late, limit=limit,
                           newest=state not in (Listing.DUE, Listing.LATE))
    counts = recorder.timer_counts(now, region)
    return TimersPublic(
        as_of=now, region=region,
        counts={name: StateCount(count=counts.get(name, (0, 0, None))[0], late=counts.get(name, (0, 0, None))[1])
                for name in (TimerState.DUE, TimerState.FIRED, TimerState.CANCELLED, TimerState.DROPPED)},
        timers=[TimerPublic(**asdict(row), late=row.late(now)) for row in rows])
