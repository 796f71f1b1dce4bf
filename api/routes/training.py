"""Training for new regions: programmes (network-level), sessions (of the region they train), completions, and the
programmes a region requires before it takes cases.

This module does not postpone annotations: the body models are made at run time, which FastAPI must see."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from api.deps import AppDep, CurrentPrincipal, Principal, require_region, require_role, role_guard
from api.routes.commands import (
    COMMAND_RESPONSES,
    IF_MATCH,
    CommandAccepted,
    expected_version,
    request_model,
    run_command,
)
from api.routes.records import (
    READ_RESPONSES,
    READERS,
    HistoryEvent,
    IfNoneMatch,
    add_record_reads,
    history_events,
    not_modified,
    record_at,
)
from domain.application import CaseLedger
from domain.development.training import TrainingProgramme, TrainingSession
from domain.values import Code, Moment, Role
from projections.development import programme_list, session_list

__all__ = ["ROUTERS", "router"]

router = APIRouter(tags=["training"])
programmes = APIRouter(prefix="/training/programmes", tags=["training"])
sessions = APIRouter(prefix="/training/sessions", tags=["training"])
requirements = APIRouter(prefix="/training/requirements", tags=["training"])
AuthorDep = Annotated[Principal, Depends(role_guard(Role.COORDINATOR, Role.MANAGER, Role.ADMIN))]
KeeperDep = Annotated[Principal, Depends(role_guard(Role.COORDINATOR, Role.ADMIN))]
AdminDep = Annotated[Principal, Depends(role_guard(Role.ADMIN))]

ProgrammeCreate = request_model(CaseLedger.create_training_programme, "TrainingProgrammeCreate",
                                skip=frozenset({"programme_id"}))
SessionCreate = request_model(CaseLedger.schedule_training_session, "TrainingSessionCreate",
                              skip=frozenset({"session_id"}))
TrainerIn = request_model(CaseLedger.declare_trainer, "TrainingProgrammeDeclareTrainer",
                          skip=frozenset({"programme_id"}))


class RequirementIn(BaseModel):
    region: Code
    programme_id: UUID


class ProgrammePublic(BaseModel):
    """A training programme: its modules and its declared trainers (staff id -> name)."""

    id: UUID
    version: int
    title: str
    description: str
    modules: tuple[str, ...]
    trainers: dict[str, str]
    created_at: datetime


# --- programmes: network-level, read by every reader ----------------------------------------------------------


@programmes.post("", status_code=201, response_model=CommandAccepted, summary="Create a training programme",
                 responses=COMMAND_RESPONSES)
def create_programme(body: ProgrammeCreate, engine: AppDep, principal: AuthorDep,  # type: ignore[valid-type]
                     response: Response) -> CommandAccepted:
    """A coordinator, a manager or an administrator creates a programme for the whole network, with its modules."""
    ledger = engine.ledger
    programme_id = ledger.new_id()
    response.headers["Location"] = f"/training/programmes/{programme_id}"
    ctx = ledger.context(principal.actor)
    return run_command(lambda: ledger.create_training_programme(ctx, **dict(body), programme_id=programme_id),
                       response)


@programmes.get("", summary="Training programmes")
def list_programmes(engine: AppDep, principal: CurrentPrincipal,
                    min_position: Annotated[int | None, Query(ge=0)] = None) -> list[dict[str, Any]]:
    """Every programme of the network, by title."""
    require_role(principal, *READERS)
    engine.read_after(min_position)
    with engine.runner.store.reader() as view:
        return programme_list(view)


@programmes.post("/{record_id}/declare-trainer", response_model=CommandAccepted, summary="Declare a trainer",
                 responses=COMMAND_RESPONSES)
def declare_trainer(record_id: UUID, body: TrainerIn, engine: AppDep, principal: AdminDep,  # type: ignore[valid-type]
                    response: Response, if_match: Annotated[str | None, IF_MATCH] = None) -> CommandAccepted:
    """An administrator declares someone a trainer of the programme, without a completion of their own."""
    ledger = engine.ledger
    version, ctx = expected_version(if_match), ledger.context(principal.actor)
    return run_command(lambda: ledger.declare_trainer(ctx, record_id, **dict(body), expected_version=version),
                       response)


@programmes.get("/{record_id}", response_model=ProgrammePublic, summary="A training programme, now or as it was",
                responses=READ_RESPONSES)
def get_programme(
    record_id: UUID, engine: AppDep, principal: CurrentPrincipal, response: Response,
    as_of: Annotated[Moment | None, Query(description="State at this time.")] = None,
    version: Annotated[int | None, Query(ge=1, le=2**31, description="State at this version.")] = None,
    if_none_match: IfNoneMatch = None,
) -> Any:
    require_role(principal, *READERS)
    programme = record_at(engine.ledger, engine.ledger.get(TrainingProgramme, record_id), as_of, version)
    if (unchanged := not_modified(programme.version, if_none_match, response)) is not None:
        return unchanged
    return ProgrammePublic(**programme.model_dump(exclude={"modified_at"}))


@programmes.get("/{record_id}/history", response_model=list[HistoryEvent],
                summary="Every event of a training programme", responses=READ_RESPONSES)
def programme_history(record_id: UUID, engine: AppDep, principal: CurrentPrincipal, response: Response,
                      if_none_match: IfNoneMatch = None) -> Any:
    require_role(principal, *READERS)
    current = engine.ledger.get(TrainingProgramme, record_id)
    if (unchanged := not_modified(current.version, if_none_match, response)) is not None:
        return unchanged
    return history_events(engine.ledger.history(record_id))


# --- sessions: records of the region they train ----------------------------------------------------------------


@sessions.post("", status_code=201, response_model=CommandAccepted, summary="Schedule a training session",
               responses=COMMAND_RESPONSES)
def schedule_session(body: SessionCreate, engine: AppDep, principal: KeeperDep,  # type: ignore[valid-type]
                     response: Response) -> CommandAccepted:
    """The region's coordinator (or an administrator) schedules a session of a programme for representatives of
    the region, given by a representative of any region who completed it, or by a declared trainer."""
    require_region(principal, body.region)  # type: ignore[attr-defined]
    ledger = engine.ledger
    session_id = ledger.new_id()
    response.headers["Location"] = f"/training/sessions/{session_id}"
    ctx = ledger.context(principal.actor)
    return run_command(lambda: ledger.schedule_training_session(ctx, **dict(body), session_id=session_id), response)


@sessions.get("", summary="Training sessions")
def list_sessions(engine: AppDep, principal: CurrentPrincipal, region: Code | None = None,
                  programme_id: UUID | None = None,
                  min_position: Annotated[int | None, Query(ge=0)] = None) -> list[dict[str, Any]]:
    """By date; a representative or coordinator sees their region's only."""
    require_role(principal, *READERS)
    if principal.regional:
        require_region(principal, region or str(principal.region))
        region = principal.region
    engine.read_after(min_position)
    with engine.runner.store.reader() as view:
        return session_list(view, region, None if programme_id is None else str(programme_id))


def _session_command(path: str, method_name: str, summary: str) -> None:
    method = getattr(CaseLedger, method_name)
    model = request_model(method, "TrainingSession" + "".join(part.title() for part in path.split("-")),
                          skip=frozenset({"session_id"}))

    def endpoint(record_id: UUID, body: model, engine: AppDep, principal: KeeperDep,  # type: ignore[valid-type]
                 response: Response, if_match: Annotated[str | None, IF_MATCH] = None) -> CommandAccepted:
        ledger = engine.ledger
        require_region(principal, ledger.get(TrainingSession, record_id).region)
        run: Callable[..., Any] = getattr(ledger, method_name)
        version, ctx = expected_version(if_match), ledger.context(principal.actor)
        return run_command(lambda: run(ctx, record_id, **dict(body), expected_version=version), response)

    sessions.add_api_route(f"/{{record_id}}/{path}", endpoint, methods=["POST"], response_model=CommandAccepted,
                           name=f"training-session:{path}", summary=summary, responses=COMMAND_RESPONSES)


for _path, _method, _summary in (
    ("add-attendee", "add_session_attendee", "Add a representative of the region before the session is held"),
    ("hold", "hold_training_session", "Record that the session was held"),
    ("cancel", "cancel_training_session", "Cancel a scheduled session"),
    ("record-completion", "record_training_completion", "Record an attendee's completion of a held session"),
):
    _session_command(_path, _method, _summary)
add_record_reads(sessions, TrainingSession)


# --- requirements: what a region requires before it takes cases -----------------------------------------------


@requirements.post("", response_model=CommandAccepted, summary="Require a programme of a region",
                   responses=COMMAND_RESPONSES)
def require(body: RequirementIn, engine: AppDep, principal: AdminDep, response: Response) -> CommandAccepted:
    """Opt-in, for a new region (an administrator): it takes no cases until every current representative has
    completed the programme."""
    ledger = engine.ledger
    ctx = ledger.context(principal.actor)
    return run_command(lambda: ledger.require_training(ctx, body.region, body.programme_id), response)


@requirements.post("/drop", response_model=CommandAccepted, summary="Drop a region's training requirement",
                   responses=COMMAND_RESPONSES)
def drop(body: RequirementIn, engine: AppDep, principal: AdminDep, response: Response) -> CommandAccepted:
    ledger = engine.ledger
    ctx = ledger.context(principal.actor)
    return run_command(lambda: ledger.drop_training_requirement(ctx, body.region, body.programme_id), response)


ROUTERS = (programmes, sessions, requirements, router)
"""The training routers, each registered by the app (so each route's problems are documented)."""
