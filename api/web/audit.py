"""The auditor's page: a record's trail (its events in the log) and the log's verification.

For auditors and administrators only (anyone else gets a 403 page). The trail is `GET /audit/events?record_id=`
and the verification `GET /audit/verify`, both called as the signed-in principal: the same rows and the same
verdict the API gives. The verification recomputes the hash chain from the first event, so it runs when asked
(its own page), not with every trail.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import AppDep, require_role
from api.routes import audit as audit_routes
from api.web.render import PageRoute, page
from api.web.session import SignedIn
from domain.values import Role

__all__ = ["AUDITORS", "TRAIL_PAGE", "router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)
AUDITORS = (Role.AUDITOR, Role.ADMIN)
TRAIL_PAGE = 500
"""Events shown at once; a longer trail has a link to the next ones."""


@router.get("/auditor")
def trail(engine: AppDep, session: SignedIn, request: Request,
          record_id: Annotated[str | None, Query(max_length=64)] = None,
          after: Annotated[int, Query(ge=0, le=2**62)] = 0) -> Response:
    """A form for a record id and, given one, that record's events: position, version, type, actor, time,
    correlation and causation."""
    require_role(session.principal, *AUDITORS)
    record_id = (record_id or "").strip() or None
    events = audit_routes.events(engine=engine, principal=session.principal, after=after, limit=TRAIL_PAGE,
                                 record_id=record_id, actor_id=None, since=None, until=None,
                                 min_position=None) if record_id else []
    more = events[-1]["position"] if len(events) == TRAIL_PAGE else None
    return page(request, "audit_trail.html", session=session, record_id=record_id or "", events=events, more=more)


@router.get("/auditor/verification")
def verification(engine: AppDep, session: SignedIn, request: Request) -> Response:
    """The hash chain recomputed from the first event, the anchors and snapshots checked: intact or where not."""
    require_role(session.principal, *AUDITORS)
    verdict = audit_routes.verify(engine=engine, principal=session.principal)
    return page(request, "audit_verification.html", session=session, verdict=verdict)
