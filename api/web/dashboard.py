"""The region dashboard page, and the region picker of those who see every region.

Every figure comes from the API's own reads, called with the signed-in principal: `GET
/regions/{code}/dashboard` (its role and region rules included) and `GET /common-problems`, so the page and
the API cannot disagree. `as_of` passes through to them: the dashboard as of a past moment.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import TypeAdapter, ValidationError

from api.deps import AppDep, require_role
from api.problems import Problem
from api.routes import common_problems as common_problems_routes
from api.routes import regions as regions_routes
from api.routes.records import READERS
from api.web.live import live_source
from api.web.render import PageRoute, page
from api.web.session import SignedIn
from domain.values import Moment

__all__ = ["TREND_WEEKS", "router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TREND_WEEKS = 6
"""Weekly points of the time and satisfaction trends: each the dashboard's 30-day figures as of that week."""
_MOMENT: TypeAdapter[datetime] = TypeAdapter(Moment)


def asked_moment(as_of: str | None) -> datetime | None:
    """The date control's value: an ISO time; one without an offset (a browser's datetime-local) is UTC."""
    if not as_of:
        return None
    try:
        moment = datetime.fromisoformat(as_of)
        return _MOMENT.validate_python(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    except (ValueError, ValidationError):
        raise Problem(422, "invalid-request", f"as_of {as_of[:40]!r} is not a time: give one like 2026-03-01T09:00 "
                      "(UTC) between the years 1900 and 8999", field="as_of") from None


@router.get("/dashboard")
def region_picker(engine: AppDep, session: SignedIn, request: Request) -> Response:
    """Managers, auditors and administrators pick a region; a regional person goes to their own."""
    principal = session.principal
    if principal.regional:
        return RedirectResponse(f"/dashboard/{principal.region}", status_code=303)
    require_role(principal, *READERS)
    regions = regions_routes.list_regions(engine=engine, principal=principal, min_position=None)
    return page(request, "regions.html", session=session, regions=regions)


@router.get("/dashboard/{region}")
def region_dashboard(region: str, engine: AppDep, session: SignedIn, request: Request,
                     as_of: str | None = None) -> Response:
    """The region's dashboard (as of `as_of` when given), with charts and every number as text."""
    moment = asked_moment(as_of)
    live = None if moment else live_source(engine, region)  # from what the read models show before the figures
    figures = _dashboard(engine, session, region, moment)
    asked = moment or engine.ledger.clock()
    trend = [figures if weeks == 0 else _dashboard(engine, session, region, asked - timedelta(weeks=weeks))
             for weeks in range(TREND_WEEKS - 1, -1, -1)]
    problems = common_problems_routes.list_common_problems(
        engine=engine, principal=session.principal, now=moment, weeks=2, baseline_weeks=8, alpha=0.05, min_count=3,
        min_position=None)
    charts = _charts(figures, trend, [p.model_dump() for p in problems.problems if p.region == region])
    return page(request, "dashboard.html", session=session, region=region, figures=figures, charts=charts, live=live,
                as_of=as_of or "", as_of_value=(moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if moment else ""))


def _dashboard(engine: Any, session: Any, region: str, moment: datetime | None) -> dict[str, Any]:
    """GET /regions/{region}/dashboard, called as the signed-in principal (its guards raise the same refusals)."""
    figures: dict[str, Any] = regions_routes.dashboard(region=region, engine=engine, principal=session.principal,
                                                       now=moment, at_risk_hours=24, min_position=None)
    return figures


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 1)


def _charts(figures: dict[str, Any], trend: list[dict[str, Any]], problems: list[dict[str, Any]]) -> dict[str, Any]:
    """What the page's script draws (Chart.js), as plain labels and values; the page shows the same as text."""
    open_cases = figures["open_cases"]
    days = [point["as_of"][:10] for point in trend]
    return {
        "status": {"labels": list(open_cases["by_status"]), "values": list(open_cases["by_status"].values())},
        "priority": {"labels": list(open_cases["by_priority"]), "values": list(open_cases["by_priority"].values())},
        "category": {"labels": list(open_cases["by_category"]), "values": list(open_cases["by_category"].values())},
        "sla": {"labels": ["at risk", "breached"], "values": [figures["sla"]["at_risk"], figures["sla"]["breached"]]},
        "workload": {"labels": [row["representative"] for row in figures["workload"]],
                     "values": [row["open_cases"] for row in figures["workload"]]},
        "times": {"labels": days, "series": {
            "first response (hours)": [_hours(p["median_minutes_to_first_response"]) for p in trend],
            "resolution (hours)": [_hours(p["median_minutes_to_resolution"]) for p in trend]}},
        "satisfaction": {"labels": days, "series": {
            "average score": [p["satisfaction"]["average"] for p in trend]},
            "responses": [p["satisfaction"]["responses"] for p in trend]},
        "problems": [{"area": str(p["policy_area"]), "labels": [w["week"] for w in p["weeks"]],
                      "values": [w["flags"] for w in p["weeks"]], "recent": p["recent"]["flags"],
                      "rate": p["baseline"]["rate_per_week"], "emerging": p["emerging"]} for p in problems],
    }
