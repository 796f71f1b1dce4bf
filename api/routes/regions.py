"""Regions: their staff (administrators keep it), and each region's coordinator dashboard."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from api.as_of import AsOf, NowAlias, asked_moment, views
from api.deps import AppDep, CurrentPrincipal, Principal, require_region, require_role, role_guard
from api.routes.commands import COMMAND_RESPONSES, CommandAccepted, run_command
from api.routes.records import READERS
from domain.errors import RecordNotFound
from domain.staff.calendar import BusinessCalendar
from domain.staff.time_policy import TimePolicy
from domain.values import Code, Role, ShortTextIn
from projections.dashboard import region_dashboard
from projections.development import readiness_fields
from projections.meetings import region_standards

__all__ = ["router"]

router = APIRouter(prefix="/regions", tags=["regions"], responses=COMMAND_RESPONSES)
AdminDep = Annotated[Principal, Depends(role_guard(Role.ADMIN))]


class RegionCreate(BaseModel):
    code: Code
    name: ShortTextIn


class StaffMemberIn(BaseModel):
    staff_id: Code
    name: ShortTextIn


@router.post("", status_code=201, response_model=CommandAccepted, summary="Establish a region")
def establish(body: RegionCreate, engine: AppDep, principal: AdminDep, response: Response) -> CommandAccepted:
    response.headers["Location"] = f"/regions/{body.code}"
    ledger = engine.ledger
    return run_command(lambda: ledger.establish_region(ledger.context(principal.actor), body.code,
                                                                  body.name), response)


@router.post("/{region}/coordinator", response_model=CommandAccepted, summary="Appoint the region's coordinator")
def appoint(region: str, body: StaffMemberIn, engine: AppDep, principal: AdminDep,
            response: Response) -> CommandAccepted:
    ledger = engine.ledger
    return run_command(lambda: ledger.appoint_coordinator(ledger.context(principal.actor), region,
                                                                     body.staff_id, body.name), response)


@router.post("/{region}/representatives", response_model=CommandAccepted, summary="Add a representative")
def add_representative(region: str, body: StaffMemberIn, engine: AppDep, principal: AdminDep,
                       response: Response) -> CommandAccepted:
    ledger = engine.ledger
    return run_command(lambda: ledger.add_representative(ledger.context(principal.actor), region,
                                                                    body.staff_id, body.name), response)


@router.post("/{region}/representatives/{staff_id}/remove", response_model=CommandAccepted,
             summary="Remove a representative")
def remove_representative(region: str, staff_id: str, engine: AppDep, principal: AdminDep,
                          response: Response) -> CommandAccepted:
    ledger = engine.ledger
    return run_command(lambda: ledger.remove_representative(ledger.context(principal.actor), region,
                                                                       staff_id), response)


class TransferIn(BaseModel):
    to_region: Code


class ReopenWindowIn(BaseModel):
    days: Annotated[int, Field(ge=0, le=3650)]


@router.post("/{region}/representatives/{staff_id}/transfer", response_model=CommandAccepted,
             summary="Transfer a representative to another region")
def transfer_representative(region: str, staff_id: str, body: TransferIn, engine: AppDep, principal: AdminDep,
                            response: Response) -> CommandAccepted:
    """They join `to_region`'s staff and leave this one's; their open cases here return to its queue."""
    ledger = engine.ledger
    return run_command(lambda: ledger.transfer_representative(ledger.context(principal.actor), region, staff_id,
                                                              body.to_region), response)


@router.post("/{region}/reopen-window", response_model=CommandAccepted, summary="Set the region's reopen window")
def set_reopen_window(region: str, body: ReopenWindowIn, engine: AppDep, principal: AdminDep,
                      response: Response) -> CommandAccepted:
    """Days after closure during which a case may be reopened (default 30)."""
    ledger = engine.ledger
    return run_command(lambda: ledger.set_reopen_window(ledger.context(principal.actor), region, body.days),
                       response)


@router.put("/{region}/calendar", response_model=CommandAccepted, summary="Set the region's business-hours calendar")
def set_calendar(region: str, body: BusinessCalendar, engine: AppDep, principal: AdminDep,
                 response: Response) -> CommandAccepted:
    """An IANA time zone, working hours per weekday in local wall time (`09:00`-`17:00`, several a day, `24:00` for
    midnight; a weekday without any is closed) and holidays (local dates). The SLA clocks of the region's cases
    count its working time from the next command that starts, restarts or resumes them. 422 naming the field: an
    unknown time zone, an interval ending before it starts or overlapping another, no working hours all week."""
    ledger = engine.ledger
    return run_command(lambda: ledger.set_calendar(ledger.context(principal.actor), region, body), response)


@router.get("/{region}/calendar", response_model=BusinessCalendar, summary="The region's business-hours calendar")
def get_calendar(region: str, engine: AppDep, principal: CurrentPrincipal) -> BusinessCalendar:
    """As the event store has it now (24x7 UTC until an administrator sets one)."""
    require_role(principal, *READERS)
    require_region(principal, region)
    return engine.ledger.region(region).calendar


@router.put("/{region}/time-policy", response_model=CommandAccepted, summary="Set the region's time policy")
def set_time_policy(region: str, body: TimePolicy, engine: AppDep, principal: AdminDep,
                    response: Response) -> CommandAccepted:
    """Escalate a breached SLA to the coordinator (`escalate_on_breach`), warn the assignee when `at_risk_percent`
    of a clock's business time has elapsed, remind a silent customer after `reminder_after_days` of waiting and give
    up after `give_up_after_days` (`give_up_action`: `resolve`, `escalate` or `none`). 422 naming the field when
    the reminder would not come before giving up."""
    ledger = engine.ledger
    return run_command(lambda: ledger.set_time_policy(ledger.context(principal.actor), region, body), response)


@router.get("/{region}/time-policy", response_model=TimePolicy, summary="The region's time policy")
def get_time_policy(region: str, engine: AppDep, principal: CurrentPrincipal) -> TimePolicy:
    """As the event store has it now (the defaults until an administrator sets one)."""
    require_role(principal, *READERS)
    require_region(principal, region)
    return engine.ledger.region(region).time_policy


@router.get("", summary="Regions and their staff")
def list_regions(
    engine: AppDep, principal: CurrentPrincipal, min_position: Annotated[int | None, Query(ge=0)] = None,
) -> list[dict[str, Any]]:
    """Every region with its staff, and the standards its coordinators' meetings adopted for it (`in_force` from
    their effective date, UTC); a representative or coordinator sees only their own."""
    require_role(principal, *READERS)
    engine.read_after(min_position)
    with engine.runner.store.reader() as view:
        regions = view.select("SELECT code, name, coordinator_id FROM regions ORDER BY code")
        staff = view.select("SELECT region, staff_id, name, role FROM staff ORDER BY region, role, staff_id")
        ready = readiness_fields(view, regions, staff)  # issue 15: `ready`, and what is `missing`
        standards = region_standards(view)
    today = engine.ledger.clock().astimezone(UTC).date().isoformat()
    return [{**r, **ready[r["code"]], "staff": [s for s in staff if s["region"] == r["code"]],
             "standards": [{**s, "in_force": s["effective_on"] <= today} for s in standards.get(r["code"], [])]}
            for r in regions if principal.sees(r["code"])]


@router.get("/{region}/dashboard", summary="The coordinator's dashboard")
def dashboard(
    region: str, engine: AppDep, principal: CurrentPrincipal, as_of: AsOf = None, now: NowAlias = None,
    at_risk_hours: Annotated[float, Query(ge=0, le=24 * 90)] = 24,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> dict[str, Any]:
    """Open cases by status, priority and category; SLA at risk and breached; escalations waiting; workload;
    median times to first response and resolution; satisfaction; common problems this week against last.
    With `as_of` (or `now`), all of it as it was then: from the events dated at or before that moment."""
    require_role(principal, *READERS)
    require_region(principal, region)
    moment = asked_moment(as_of, now)
    with views(engine, moment, min_position) as view:
        if moment is not None:  # a region is known by its name now, and its dashboard empty before it began
            with engine.runner.store.reader() as live:
                known = live.get("regions", {"code": region}) is not None
        else:
            known = view.get("regions", {"code": region}) is not None
        if not known:
            raise RecordNotFound("region", region)
        return region_dashboard(view, region, moment or engine.ledger.clock(), timedelta(hours=at_risk_hours))
