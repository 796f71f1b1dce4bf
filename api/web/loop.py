"""The coordinators' loop, read-only: common problems across regions, meetings, proposals, coaching.

Each page is the API's read called as the signed-in principal (`GET /common-problems`, `GET /meetings[/{id}]`,
`GET /proposals[/{id}]`, `GET /coaching`), so who sees what is the API's rule: a proposal's evidence cases of
other regions are counted, not listed, for a regional person; coaching is for the representative coached,
their region's coordinator and administrators.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from api.deps import AppDep, require_role
from api.routes import coaching as coaching_routes
from api.routes import common_problems as common_problems_routes
from api.routes import meetings as meetings_routes
from api.routes import proposals as proposals_routes
from api.routes.records import READERS
from api.web.render import PageRoute, page
from api.web.session import Session, SignedIn

__all__ = ["api_endpoint", "router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def api_endpoint(api_router: APIRouter, name: str) -> Callable[..., Any]:
    """The function behind one of the API's named routes (those `add_record_reads` makes, say)."""
    return next(route.endpoint for route in api_router.routes if isinstance(route, APIRoute) and route.name == name)


def read_record(api_router: APIRouter, name: str, engine: Any, session: Session, record_id: UUID) -> dict[str, Any]:
    """`GET /{records}/{id}` now, as the signed-in principal, as the API answers it (JSON-shaped)."""
    answer = api_endpoint(api_router, name)(record_id=record_id, engine=engine, principal=session.principal,
                                            response=Response(), as_of=None, version=None, if_none_match=None)
    shaped: dict[str, Any] = answer if isinstance(answer, dict) else answer.model_dump(mode="json")
    return shaped


@router.get("/loop/problems")
def problems(engine: AppDep, session: SignedIn, request: Request) -> Response:
    """Every policy area in every region, emerging first: a table with a sparkline of weekly flags per row."""
    require_role(session.principal, *READERS)
    found = common_problems_routes.list_common_problems(
        engine=engine, principal=session.principal, now=None, weeks=2, baseline_weeks=8, alpha=0.05, min_count=3,
        min_position=None).model_dump(mode="json")
    charts = {"problems": [{"area": p["policy_area"], "labels": [w["week"] for w in p["weeks"]],
                            "values": [w["flags"] for w in p["weeks"]]} for p in found["problems"]]}
    flagged = [i for i, p in enumerate(found["problems"]) if any(w["flags"] for w in p["weeks"])]
    quiet = [i for i, p in enumerate(found["problems"]) if not any(w["flags"] for w in p["weeks"])]
    return page(request, "loop_problems.html", session=session, found=found, charts=charts, flagged=flagged,
                quiet=quiet)


@router.get("/loop/meetings")
def meetings(engine: AppDep, session: SignedIn, request: Request) -> Response:
    listed = meetings_routes.list_meetings(engine=engine, principal=session.principal, status=None, limit=200,
                                           min_position=None)
    return page(request, "loop_meetings.html", session=session, meetings=listed.items)


@router.get("/loop/meetings/{record_id}")
def meeting(record_id: UUID, engine: AppDep, session: SignedIn, request: Request) -> Response:
    """One meeting: its agenda, who attended, its minutes and its decisions."""
    found = read_record(meetings_routes.router, "meeting:get", engine, session, record_id)
    return page(request, "loop_meeting.html", session=session, meeting=found)


@router.get("/loop/proposals")
def proposals(engine: AppDep, session: SignedIn, request: Request) -> Response:
    listed = proposals_routes.list_proposals(engine=engine, principal=session.principal, status=None,
                                             policy_area=None, region=None, limit=200, cursor=None,
                                             min_position=None)
    return page(request, "loop_proposals.html", session=session, proposals=listed.items)


@router.get("/loop/proposals/{record_id}")
def proposal(record_id: UUID, engine: AppDep, session: SignedIn, request: Request) -> Response:
    """One proposal: what it changes, its evidence (the cases linked), its status and, once measured, its effect."""
    found = read_record(proposals_routes.router, "proposal:get", engine, session, record_id)
    effect = found.get("effect")
    charts = {"effect": {"labels": [row["region"] for row in effect["regions"]], "series": {
        "weeks before: cases a week": [row["before"]["rate_per_week"] for row in effect["regions"]],
        "weeks from the change: cases a week": [row["after"]["rate_per_week"] for row in effect["regions"]]}}} \
        if effect else {}  # (the page's JSON has its keys sorted: these read in order)
    return page(request, "loop_proposal.html", session=session, proposal=found, effect=effect, charts=charts)


@router.get("/loop/coaching")
def coaching(engine: AppDep, session: SignedIn, request: Request) -> Response:
    """The coaching reviews the person may see: their own (a representative), their region's (a coordinator),
    every one (an administrator); others are refused as the API refuses them."""
    reviews = coaching_routes.history_of(engine=engine, principal=session.principal, representative_id=None,
                                         min_position=None)
    return page(request, "loop_coaching.html", session=session, reviews=reviews)
