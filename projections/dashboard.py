"""The regional coordinator's dashboard, read from the case queue and staff tables.

Counts are of the cases open in the view it is given: the live read models, or the same as of a past
moment (`projections.view_as_of`, the same queries over the rows' versions dated up to then). Durations,
satisfaction and disputes are over a recent period before `now` (30 days by default), so the figures
describe current practice and stay as fast to read as history grows.
Satisfaction counts the customers' survey answers given in the period (not closures: a case may have
several answers, or none); disputes sum the amounts disputed and granted per currency, never converted.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from projections.store import Row, ViewReader, iso

__all__ = ["OPEN_STATUSES", "region_dashboard"]

OPEN_STATUSES = ("new", "triaged", "in_progress", "escalated", "waiting_on_customer")
_OPEN = "status IN ('new', 'triaged', 'in_progress', 'escalated', 'waiting_on_customer')"
WEEK = timedelta(days=7)


def region_dashboard(
    view: ViewReader, region: str, now: datetime, at_risk_within: timedelta = timedelta(hours=24),
    period: timedelta = timedelta(days=30),
) -> dict[str, Any]:
    """Everything a coordinator looks at for one region, as of `now`."""
    return {
        "region": region,
        "as_of": iso(now),
        "open_cases": _open_cases(view, region),
        "sla": _sla(view, region, now, at_risk_within),
        "escalations_waiting": view.select(
            "SELECT id, subject, priority, category, assignee, escalated_to, escalated_at FROM cases "
            "WHERE region = :region AND status = 'escalated' ORDER BY escalated_at, id", {"region": region}),
        "workload": view.select(
            "SELECT s.staff_id AS representative, s.name, COUNT(c.id) AS open_cases FROM staff s "
            f"LEFT JOIN cases c ON c.assignee = s.staff_id AND c.region = s.region AND c.{_OPEN} "
            "WHERE s.region = :region AND s.role = 'representative' GROUP BY s.staff_id, s.name "
            "ORDER BY open_cases DESC, s.staff_id", {"region": region}),
        **_recent_performance(view, region, now, period),
        "common_problems": _common_problems(view, region, now),
    }


def _open_cases(view: ViewReader, region: str) -> dict[str, Any]:
    rows = view.select(
        f"SELECT status, priority, category, COUNT(*) AS n FROM cases WHERE region = :region AND {_OPEN} "
        "GROUP BY status, priority, category", {"region": region})
    by: dict[str, Counter[str]] = {"status": Counter(), "priority": Counter(), "category": Counter()}
    for row in rows:
        for key, counter in by.items():
            counter[row[key] or "untriaged"] += row["n"]
    return {"total": sum(by["status"].values()), **{f"by_{k}": dict(sorted(c.items())) for k, c in by.items()}}


def _sla(view: ViewReader, region: str, now: datetime, window: timedelta) -> dict[str, Any]:
    """Breached and at risk, among open cases whose SLA clock runs (not those waiting on the customer)."""
    def due_before(moment: str) -> str:
        return f"(resolution_due < {moment} OR (first_responded_at IS NULL AND first_response_due < {moment}))"

    (row,) = view.select(
        f"SELECT SUM(CASE WHEN {due_before(':now')} THEN 1 ELSE 0 END) AS breached, "
        f"SUM(CASE WHEN NOT {due_before(':now')} AND {due_before(':soon')} THEN 1 ELSE 0 END) AS at_risk "
        f"FROM cases WHERE region = :region AND {_OPEN} AND status <> 'waiting_on_customer'",
        {"region": region, "now": iso(now), "soon": iso(now + window)})
    return {"at_risk_within_hours": window.total_seconds() / 3600, "at_risk": row["at_risk"] or 0,
            "breached": row["breached"] or 0}


def _minutes(rows: list[Row], start: str, end: str) -> float | None:
    durations = [(datetime.fromisoformat(r[end]) - datetime.fromisoformat(r[start])).total_seconds() / 60
                 for r in rows]
    return round(median(durations), 1) if durations else None


def _recent_performance(view: ViewReader, region: str, now: datetime, period: timedelta) -> dict[str, Any]:
    params = {"region": region, "since": iso(now - period), "now": iso(now)}
    responded = view.select(
        "SELECT opened_at, first_responded_at FROM cases WHERE region = :region AND opened_at >= :since "
        "AND opened_at <= :now AND first_responded_at IS NOT NULL", params)
    resolved = view.select(
        "SELECT opened_at, resolved_at FROM cases WHERE region = :region AND resolved_at >= :since "
        "AND resolved_at <= :now", params)
    (scores,) = view.select(
        "SELECT AVG(score) AS average, COUNT(*) AS responses FROM survey_answers "
        "WHERE region = :region AND answered_at >= :since AND answered_at <= :now", params)
    return {
        "period_days": period.days,
        "median_minutes_to_first_response": _minutes(responded, "opened_at", "first_responded_at"),
        "median_minutes_to_resolution": _minutes(resolved, "opened_at", "resolved_at"),
        "satisfaction": {"average": None if scores["average"] is None else round(float(scores["average"]), 2),
                         "responses": scores["responses"]},
        "disputes": _disputes(view, params),
    }


def _disputes(view: ViewReader, params: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per currency (amounts in minor units): disputes recorded in the period and the amount they dispute;
    disputes decided in the period, the amount granted, and of it how much was credited and refunded."""
    recorded = view.select(
        "SELECT currency, COUNT(*) AS n, SUM(amount_minor) AS disputed FROM disputes WHERE region = :region "
        "AND recorded_at >= :since AND recorded_at <= :now GROUP BY currency", params)
    decided = view.select(
        "SELECT currency, settlement, COUNT(*) AS n, SUM(COALESCE(granted_minor, 0)) AS granted FROM disputes "
        "WHERE region = :region AND decided_at >= :since AND decided_at <= :now GROUP BY currency, settlement",
        params)
    figures: dict[str, dict[str, int]] = {}
    blank = {"recorded": 0, "disputed_minor": 0, "decided": 0, "granted_minor": 0, "credited_minor": 0,
             "refunded_minor": 0}
    for row in recorded:
        currency = figures.setdefault(row["currency"], dict(blank))
        currency["recorded"], currency["disputed_minor"] = int(row["n"]), int(row["disputed"] or 0)
    for row in decided:
        currency = figures.setdefault(row["currency"], dict(blank))
        currency["decided"] += int(row["n"])
        currency["granted_minor"] += int(row["granted"] or 0)
        if row["settlement"] in ("credited", "refunded"):
            currency[f"{row['settlement']}_minor"] += int(row["granted"] or 0)
    return dict(sorted(figures.items()))


def _common_problems(view: ViewReader, region: str, now: datetime) -> dict[str, Any]:
    """Policy areas flagged and categories opened, this week against last week, rising first."""
    params = {"region": region, "last": iso(now - 2 * WEEK), "this": iso(now - WEEK), "now": iso(now)}
    week = "CASE WHEN {col} >= :this THEN 'this_week' ELSE 'last_week' END"
    flags = view.select(
        f"SELECT f.policy_area AS area, {week.format(col='f.flagged_at')} AS week, c.category, COUNT(*) AS n "
        "FROM policy_flags f JOIN cases c ON c.id = f.case_id WHERE f.region = :region "
        "AND f.flagged_at >= :last AND f.flagged_at <= :now GROUP BY area, week, c.category", params)
    opened = view.select(
        f"SELECT category, {week.format(col='opened_at')} AS week, COUNT(*) AS n FROM cases "
        "WHERE region = :region AND opened_at >= :last AND opened_at <= :now GROUP BY category, week", params)
    areas: dict[str, dict[str, Any]] = {}
    for row in flags:
        area = areas.setdefault(row["area"], {"policy_area": row["area"], "this_week": 0, "last_week": 0,
                                              "categories": Counter()})
        area[row["week"]] += row["n"]
        area["categories"][row["category"] or "untriaged"] += row["n"]
    categories: dict[str, dict[str, Any]] = {}
    for row in opened:
        name = row["category"] or "untriaged"
        categories.setdefault(name, {"category": name, "this_week": 0, "last_week": 0})[row["week"]] += row["n"]
    return {
        "policy_areas": _trending([{**a, "categories": dict(sorted(a["categories"].items()))} for a in areas.values()],
                                  "policy_area"),
        "categories": _trending(list(categories.values()), "category"),
    }


def _trending(items: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    for item in items:
        item["change"] = item["this_week"] - item["last_week"]
    return sorted(items, key=lambda item: (-item["change"], -item["this_week"], item[name]))
