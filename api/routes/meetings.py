"""Coordinators' meetings: schedule, agenda, attendance, minutes, decisions (a standard reaches the SLA policy of
the regions in its scope), close or cancel; the list, one meeting now or as it was, its history.

A meeting is network-level (it belongs to no region): any reader role reads meetings (they hold no case details);
a coordinator (current, of any region), a manager or an administrator commands them. The command service checks
the coordinator is current (domain/policy/meeting_commands.py); the guard here refuses other roles before the body
is read.

This module does not postpone annotations: the endpoints it builds annotate their parameters with models made at
run time, which FastAPI must see as objects."""

import inspect
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from api.deps import AppDep, CurrentPrincipal, Principal, require_role, role_guard
from api.routes.commands import (
    COMMAND_RESPONSES,
    IF_MATCH,
    CommandAccepted,
    expected_version,
    request_model,
    run_command,
)
from api.routes.records import READERS, add_creation, add_record_reads
from domain.application import CaseLedger
from domain.policy.meeting import Meeting, MeetingStatus
from domain.values import Role
from projections.meetings import meeting_list

__all__ = ["CONVENER_ROLES", "router"]

router = APIRouter(prefix="/meetings", tags=["meetings"])

CONVENER_ROLES = (Role.COORDINATOR, Role.MANAGER, Role.ADMIN)
"""Who commands a meeting over HTTP (a coordinator only while coordinating a region: the command service checks)."""

COMMANDS = {
    "add-agenda-item": "add_agenda_item", "hold": "hold_meeting", "record-minutes": "record_meeting_minutes",
    "record-decision": "record_meeting_decision", "close": "close_meeting", "cancel": "cancel_meeting",
}


class MeetingList(BaseModel):
    """Meetings, the latest scheduled first."""

    items: list[dict[str, Any]]


add_creation(router, Meeting, "schedule_meeting", lambda ledger, body: None, CONVENER_ROLES)


@router.get("", response_model=MeetingList, summary="Coordinators' meetings")
def list_meetings(
    engine: AppDep, principal: CurrentPrincipal, status: MeetingStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, min_position: Annotated[int | None, Query(ge=0)] = None,
) -> MeetingList:
    """Every meeting (network-level: every reader role sees them all), optionally of one status."""
    require_role(principal, *READERS)
    engine.read_after(min_position)
    with engine.runner.store.reader() as view:
        return MeetingList(items=meeting_list(view, status, limit))


add_record_reads(router, Meeting)


def _add_commands() -> None:
    """`POST /meetings/{id}/{command}` for each meeting command, its body from the method's parameters."""
    guard = Depends(role_guard(*CONVENER_ROLES))
    for path, method_name in COMMANDS.items():
        method = getattr(CaseLedger, method_name)
        model = request_model(method, "Meeting" + "".join(part.title() for part in path.split("-")),
                              skip=frozenset({"meeting_id"}))
        router.add_api_route(f"/{{record_id}}/{path}", _endpoint(method_name, model, guard), methods=["POST"],
                             response_model=CommandAccepted, name=f"meeting:{path}",
                             summary=(inspect.getdoc(method) or path).split("\n")[0], responses=COMMAND_RESPONSES)


def _endpoint(method_name: str, model: type[BaseModel], guard: Any) -> Any:
    def endpoint(
        record_id: UUID, body: model, engine: AppDep, principal: Annotated[Principal, guard],  # type: ignore[valid-type]
        response: Response, if_match: Annotated[str | None, IF_MATCH] = None,
    ) -> CommandAccepted:
        ledger = engine.ledger
        run = getattr(ledger, method_name)
        version = expected_version(if_match)
        ctx = ledger.context(principal.actor)
        return run_command(lambda: run(ctx, record_id, **dict(body), expected_version=version), response)

    return endpoint


_add_commands()
