"""The case queue page, the case page (state, timeline, the state as of any version, command forms) and the
forms' posts.

Every read and command is the API's own, called as the signed-in principal: the queue is `GET /cases`
(`list_cases`), a case now or at a version is `read_record` as `GET /cases/{id}?version=N` reads it, its history
is `history_events` over the event store as `GET /cases/{id}/history`, and a form runs the very endpoint of
`POST /cases/{id}/{command}` after its guard, with `If-Match` set to the version the page showed. Another
region's case is the API's 403, in words that name nothing of it.

The pages live at `/queue` and `/case/{id}`: `/cases…` is the API's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from api.deps import AppDep, Engine
from api.problems import Problem, _domain_status
from api.routes import cases as cases_routes
from api.routes import regions as regions_routes
from api.routes.commands import record_guard
from api.routes.records import READERS, read_record
from api.web import csrf
from api.web.case_forms import BY_PATH, body_of, command_route, fields_of, offered
from api.web.case_timeline import timeline
from api.web.dashboard import asked_moment
from api.web.render import PageRoute, page
from api.web.session import Session, SignedIn, signed_in
from domain.casework.case import Case, CaseStatus
from domain.casework.case_events import Category
from domain.casework.sla import Priority
from domain.errors import DomainError, VersionMismatch
from domain.values import Role
from projections.cases import InvalidCursor

__all__ = ["PAGE_SIZE", "router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SIZE = 25
QUEUE_FILTERS = ("region", "status", "assignee", "category", "priority", "overdue", "sort", "as_of")
CHOICES: dict[str, list[str]] = {
    "status": [s.value for s in CaseStatus], "category": [c.value for c in Category],
    "priority": [p.value for p in Priority], "overdue": ["true", "false"], "sort": ["sla", "age"],
}
CONFLICT = ("This case changed after your page showed it: its state now is below, and what you typed is kept. "
            "Check it, then send the form again.")
NO_VERSION = "the form did not say which version of the case it changes: reload the case"
"""A form that does not carry the version it showed would run its command on whatever the case has become."""


def _choice(name: str, value: str) -> str | None:
    """A filter's value from the queue form ("" is any), refused in the API's words when it is none of its own."""
    if not value:
        return None
    if name in CHOICES and value not in CHOICES[name]:
        raise Problem(422, "invalid-request", f"{name}: {value[:40]!r} is not one of {', '.join(CHOICES[name])}",
                      field=name)
    return value


@router.get("/queue")
def queue(engine: AppDep, session: SignedIn, request: Request, region: str = "", status: str = "",
          assignee: str = "", category: str = "", priority: str = "", overdue: str = "", sort: str = "sla",
          as_of: str = "", cursor: Annotated[str, Query(max_length=500)] = "",
          min_position: Annotated[int | None, Query(ge=0)] = None) -> Response:
    """The case queue with the API's filters and paging (its cursor); `as_of` shows it as it was then."""
    principal = session.principal
    asked = {"region": region, "status": status, "assignee": assignee, "category": category,
             "priority": priority, "overdue": overdue, "sort": sort or "sla", "as_of": as_of}
    chosen = {name: _choice(name, value) for name, value in asked.items()}
    moment = asked_moment(as_of)
    try:
        result = cases_routes.list_cases(
            engine=engine, principal=principal, region=chosen["region"],
            status=CaseStatus(status) if status else None, assignee=chosen["assignee"],
            category=Category(category) if category else None, priority=Priority(priority) if priority else None,
            provider_id=None, contract_id=None, merged_into=None, parent_id=None, linked_to=None,
            sort="age" if sort == "age" else "sla", overdue=None if not overdue else overdue == "true",
            limit=PAGE_SIZE, cursor=cursor or None, min_position=min_position, as_of=moment)
    except InvalidCursor as error:
        raise Problem(422, "invalid-cursor", str(error), field="cursor") from None
    regions = ([] if principal.regional else
               [r["code"] for r in regions_routes.list_regions(engine=engine, principal=principal, min_position=None)])
    kept = {name: value for name, value in asked.items() if value and not (name == "sort" and value == "sla")}
    return page(request, "queue.html", session=session, items=result.items, filters=asked, regions=regions,
                choices=CHOICES, next_page=(f"/queue?{urlencode({**kept, 'cursor': result.next_cursor})}"
                                            if result.next_cursor else None),
                first_page=f"/queue?{urlencode(kept)}" if cursor else None, min_position=min_position,
                as_of_value=moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if moment else "")


@router.get("/case/{case_id}")
def case_page(case_id: UUID, engine: AppDep, session: SignedIn, request: Request,
              version: Annotated[int | None, Query(ge=1, le=2**31)] = None, done: str = "",
              position: Annotated[int | None, Query(ge=0)] = None) -> Response:
    """The case: its state (now, or at `version`), its timeline, and the forms its reader may send now. Asked by
    the version slider (htmx), only the state."""
    context = _case_context(engine, session, case_id, version)
    if request.headers.get("HX-Request") == "true" and version is not None:
        return page(request, "case_state.html", session=session, **context)
    form = BY_PATH.get(done)  # a command the page knows, else no banner
    if position is not None and position > engine.ledger.head():
        position = None  # not a position a command answered: the back link would ask the queue for the future
    return page(request, "case.html", session=session, **context, position=position,
                done=f"{form.title}: done." if form else None)


@router.post("/case/{case_id}/{command}")
async def send_command(case_id: UUID, command: str, request: Request, engine: AppDep) -> Response:
    """A form sent: checked (CSRF), read into the API route's body and run by its endpoint with `If-Match`; on
    success back to the case page (post/redirect/get), on a refusal the page again with its words and the input
    kept (a conflict: the case as it is now)."""
    session = await run_in_threadpool(signed_in, request, engine)
    sent = {name: value for name, value in (await request.form()).items() if isinstance(value, str)}
    csrf.check_post(request, session.csrf, sent.get("csrf"))
    return await run_in_threadpool(_send, engine, session, request, case_id, command, sent)


def _send(engine: Engine, session: Session, request: Request, case_id: UUID, command: str,
          sent: Mapping[str, str]) -> Response:
    if command not in BY_PATH:
        raise Problem(404, "not-found", f"the case page has no form {command[:40]!r}")
    shown_version = sent.get("version", "").strip()
    try:
        guard = record_guard(Case, cases_routes.COMMANDS[command])
        principal = guard(record_id=case_id, engine=engine, principal=session.principal)
        if not shown_version:  # always conditional: a form runs its command on the case it showed, or not at all
            raise Problem(428, "version-required", NO_VERSION, field="version")
        body = body_of(command, sent)
        accepted = command_route(command).endpoint(record_id=case_id, body=body, engine=engine,
                                                   principal=principal, response=Response(),
                                                   if_match=f'"{shown_version}"')
    except (Problem, DomainError) as error:
        status, message = ((error.status, error.detail) if isinstance(error, Problem)
                           else (_domain_status(error), error.message))
        if status in (403, 404) and not _readable(engine, session, case_id):
            raise
        context = _case_context(engine, session, case_id, None)
        failed = {"command": command, "status": status, "message": message, "values": dict(sent),
                  "conflict": CONFLICT if isinstance(error, VersionMismatch) else None}
        return page(request, "case.html", status, session=session, **context, failed=failed, position=None,
                    done=None)
    query = urlencode({"done": command, "position": accepted.position})
    return RedirectResponse(f"/case/{case_id}?{query}", status_code=303)


def _readable(engine: Engine, session: Session, case_id: UUID) -> bool:
    """Whether the person may read the case at all (else the refusal is the page, naming nothing of it)."""
    try:
        read_record(engine, session.principal, Case, case_id, None, None)
    except (Problem, DomainError):
        return False
    return True


def _case_context(engine: Engine, session: Session, case_id: UUID, version: int | None) -> dict[str, Any]:
    """What the case page shows: the state at `version` (now by default) as `GET /cases/{id}?version=N` reads
    it, the timeline from its history, and the forms offered on the case as it is now."""
    principal = session.principal
    current = read_record(engine, principal, Case, case_id, None, None)  # the API's 403 and 404 first
    assert isinstance(current, Case)
    events = [event for event in engine.ledger.history(case_id) if event.originator_version <= current.version]
    shown = current if version is None else read_record(engine, principal, Case, case_id, None, version)
    region = engine.ledger.region(current.region)
    now = engine.ledger.clock()
    forms = offered(principal, current, region, now) if principal.role in READERS else []
    return {"case": current, "state": shown.model_dump(mode="json"), "shown_version": shown.version,
            "entries": timeline(events), "forms": forms, "fields_of": fields_of, "region": region,
            "coordinator_forms": principal.role in (Role.COORDINATOR, Role.ADMIN), "moment": _moment}


def _moment(value: str | None) -> str:
    """An ISO time as the page shows it: minutes, UTC."""
    if not value:
        return "—"
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M")
