"""Common problems across regions: policy-issue flags and cases opened, per policy area, region and ISO week.

Two signals count toward a policy area, shown side by side and never added together:
- **flags**: cases a representative or coordinator flagged as a policy issue in the area (`PolicyIssueFlagged`),
  counted in the ISO week of the flag. This is the signal the emerging test runs on: the front line's own
  judgement that policy is the cause (source texts 000 and 004).
- **cases**: cases opened in a category of the area (`AREA_OF_CATEGORY`, the case's current triage category),
  counted in the ISO week they were opened. Shown for context, and the measure of a proposal's effect
  (`policy_effect`): it counts customers' problems whatever staff think of them, so it does not fall just
  because staff stop flagging an area they know was dealt with.
A duplicate merged into another case counts for neither. Weeks are ISO weeks in UTC (Monday 00:00).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from domain.casework.case_events import (
    AREA_OF_CATEGORY,
    CaseEvent,
    CaseMerged,
    CaseOpened,
    CaseTriaged,
    Category,
    PolicyArea,
    PolicyIssueFlagged,
)
from domain.event import DomainEvent
from projections.statistics import ALPHA, MIN_COUNT, rate_change, rate_rise
from projections.store import Change, Projection, Table, Upsert, ViewReader, iso, iso_date

__all__ = ["EVIDENCE_LIMIT", "CommonProblems", "common_problems", "iso_week", "policy_effect", "week_start"]

WEEK = timedelta(days=7)
EVIDENCE_LIMIT = 100
"""The most evidence cases one problem lists (newest flags first); `observed` still counts them all."""

PROBLEM_CASES = Table(
    "problem_cases",
    {"case_id": "TEXT", "region": "TEXT", "opened_at": "TEXT", "opened_week": "TEXT", "subject": "TEXT",
     "category": "TEXT", "policy_area": "TEXT", "duplicate": "INTEGER"},
    key=("case_id",),
    indexes=(("opened_at",), ("policy_area", "region", "opened_at")),
)
PROBLEM_FLAGS = Table(
    "problem_flags",
    {"case_id": "TEXT", "policy_area": "TEXT", "region": "TEXT", "flagged_at": "TEXT", "flagged_week": "TEXT"},
    key=("case_id", "policy_area"),
    indexes=(("flagged_at",), ("policy_area", "flagged_at")),
)


def iso_week(moment: datetime) -> str:
    """The ISO week of a time, in UTC: `2026-W10`."""
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of the ISO week holding `moment`."""
    day = moment.astimezone(UTC).date()
    return datetime.combine(day - timedelta(days=day.weekday()), time(0), UTC)


class CommonProblems(Projection):
    name = "common_problems"
    tables = (PROBLEM_CASES, PROBLEM_FLAGS)

    def changes(self, event: DomainEvent, position: int, view: ViewReader) -> list[Change]:
        if not isinstance(event, CaseEvent):
            return []
        key = {"case_id": str(event.originator_id)}
        match event:
            case CaseOpened():
                return [Upsert("problem_cases", key, {
                    "region": event.region, "opened_at": iso(event.occurred_at),
                    "opened_week": iso_week(event.occurred_at), "subject": event.subject, "category": None,
                    "policy_area": None, "duplicate": 0})]
            case CaseTriaged():
                return [Upsert("problem_cases", key, {"category": event.category,
                                                      "policy_area": AREA_OF_CATEGORY[Category(event.category)]})]
            case CaseMerged():
                return [Upsert("problem_cases", key, {"duplicate": 1})]
            case PolicyIssueFlagged():
                row = view.get("problem_cases", key)
                if row is None:
                    raise LookupError(f"case {event.originator_id} has no row: its CaseOpened was never projected")
                return [Upsert("problem_flags", {**key, "policy_area": event.policy_area}, {
                    "region": row["region"], "flagged_at": iso(event.occurred_at),
                    "flagged_week": iso_week(event.occurred_at)})]
        return []


def common_problems(
    view: ViewReader, now: datetime, *, weeks: int = 2, baseline_weeks: int = 8, alpha: float = ALPHA,
    min_count: int = MIN_COUNT, policy_area: PolicyArea | None = None, sees: Callable[[str], bool] = lambda _: True,
    details_of: Callable[[str], bool] = lambda _: True, evidence_of_all: bool = False,
) -> dict[str, Any]:
    """Every policy area x region (or one area's) with its weekly flags and cases, the baseline rate of flags,
    the last weeks' count, the one-sided Poisson test's p-value and whether the problem is emerging. Only the
    regions `sees` admits are listed; evidence (the flagged cases behind a problem) is given for emerging
    problems, or all with `evidence_of_all`, of the regions `details_of` admits, else `None`."""
    recent = week_start(now) - (weeks - 1) * WEEK
    since = recent - baseline_weeks * WEEK
    starts = [since + n * WEEK for n in range(baseline_weeks + weeks)]
    area_name = None if policy_area is None else str(policy_area)
    params = {"since": iso(since), "now": iso(now), "area": area_name}
    area_filter = " AND policy_area = :area" if policy_area else ""
    flags = view.select(
        "SELECT f.policy_area AS area, f.region, f.flagged_week AS week, COUNT(*) AS n FROM problem_flags f "
        "JOIN problem_cases c ON c.case_id = f.case_id WHERE f.flagged_at >= :since AND f.flagged_at <= :now "
        f"AND c.duplicate = 0{area_filter.replace('policy_area', 'f.policy_area')} "
        "GROUP BY f.policy_area, f.region, f.flagged_week", params)
    cases = view.select(
        "SELECT policy_area AS area, region, opened_week AS week, COUNT(*) AS n FROM problem_cases "
        "WHERE opened_at >= :since AND opened_at <= :now AND duplicate = 0 AND policy_area IS NOT NULL"
        f"{area_filter} GROUP BY policy_area, region, opened_week", params)
    counts: dict[tuple[str, str], dict[str, dict[str, int]]] = defaultdict(lambda: {"flags": {}, "cases": {}})
    for kind, rows in (("flags", flags), ("cases", cases)):
        for row in rows:
            counts[(row["area"], row["region"])][kind][row["week"]] = int(row["n"])
    regions = {row["code"] for row in view.select("SELECT code FROM regions")} | {region for _, region in counts}
    areas = [policy_area] if policy_area else list(PolicyArea)
    problems: list[dict[str, Any]] = []
    for area in areas:
        for region in sorted(r for r in regions if sees(r)):
            weekly = counts.get((area, region), {"flags": {}, "cases": {}})
            rows = [{"week": iso_week(start), "starts_on": iso_date(start.date()), "recent": start >= recent,
                     "flags": weekly["flags"].get(iso_week(start), 0), "cases": weekly["cases"].get(iso_week(start), 0)}
                    for start in starts]
            base = [r for r in rows if not r["recent"]]
            last = [r for r in rows if r["recent"]]
            test = rate_rise(sum(r["flags"] for r in last), sum(r["flags"] for r in base), baseline_weeks, weeks,
                             alpha=alpha, min_count=min_count)
            problems.append({
                "policy_area": str(area), "region": region, "weeks": rows,
                "baseline": {"weeks": baseline_weeks, "flags": sum(r["flags"] for r in base),
                             "rate_per_week": test.baseline_rate, "cases": sum(r["cases"] for r in base)},
                "recent": {"weeks": weeks, "flags": test.observed, "cases": sum(r["cases"] for r in last)},
                "observed": test.observed, "expected": test.expected, "p_value": test.p_value,
                "emerging": test.emerging, "evidence_visible": details_of(region), "evidence": None,
            })
    wanted = [p for p in problems if p["evidence_visible"] and (evidence_of_all or p["emerging"]) and p["observed"]]
    if wanted:
        evidence = _evidence(view, recent, now, policy_area)
        for problem in wanted:
            problem["evidence"] = evidence.get((problem["policy_area"], problem["region"]), [])[:EVIDENCE_LIMIT]
    for problem in problems:
        if problem["evidence_visible"] and problem["evidence"] is None:
            problem["evidence"] = []
    problems.sort(key=lambda p: (not p["emerging"], p["p_value"], p["policy_area"], p["region"]))
    return {"as_of": iso(now), "weeks": weeks, "baseline_weeks": baseline_weeks, "recent_from": iso(recent),
            "baseline_from": iso(since), "alpha": alpha, "min_count": min_count,
            "emerging": sum(p["emerging"] for p in problems), "problems": problems}


def _evidence(view: ViewReader, recent: datetime, now: datetime,
              policy_area: PolicyArea | None) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The flagged cases of the last weeks, per (area, region), newest flag first."""
    rows = view.select(
        "SELECT f.policy_area AS area, f.region, f.case_id, f.flagged_at, c.opened_at, c.subject, c.category "
        "FROM problem_flags f JOIN problem_cases c ON c.case_id = f.case_id WHERE f.flagged_at >= :recent "
        "AND f.flagged_at <= :now AND c.duplicate = 0" + (" AND f.policy_area = :area" if policy_area else "")
        + " ORDER BY f.flagged_at DESC, f.case_id",
        {"recent": iso(recent), "now": iso(now), "area": None if policy_area is None else str(policy_area)})
    found: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        found[(row["area"], row["region"])].append({
            "case_id": row["case_id"], "subject": row["subject"], "category": row["category"],
            "opened_at": row["opened_at"], "flagged_at": row["flagged_at"]})
    return found


def policy_effect(view: ViewReader, policy_area: str, regions: Sequence[str], effective_on: date, weeks: int,
                  now: datetime) -> dict[str, Any]:
    """The rate of cases opened in the area's categories per region, `weeks` weeks before the effective date
    against `weeks` weeks from it (up to `now`), with the conditional binomial test's verdict: "fewer", "no
    significant change", "more", or "not enough time yet" while the weeks after have not all passed.
    Returns `{"policy_area", "effective_on", "weeks", "as_of", "measure", "test", "alpha", "regions": [{"region",
    "before": {"weeks", "cases", "rate_per_week"}, "after": {...}, "ratio", "p_value", "verdict"}]}`."""
    area = PolicyArea(policy_area)
    start = datetime.combine(effective_on, time(0), UTC)
    before_from, after_to = start - weeks * WEEK, min(start + weeks * WEEK, now)
    before_to = min(start, now)
    figures = []
    for region in regions:
        before = _opened(view, area, region, before_from, before_to)
        after = _opened(view, area, region, start, after_to) if after_to > start else 0
        before_weeks = max(before_to - before_from, timedelta(0)) / WEEK
        after_weeks = max(after_to - start, timedelta(0)) / WEEK
        complete = now >= start + weeks * WEEK
        change = rate_change(before, before_weeks, after, after_weeks, complete=complete)
        figures.append({"region": region, "before": _period(before_weeks, before), "after": _period(after_weeks, after),
                        "ratio": change.ratio, "p_value": change.p_value, "verdict": change.verdict})
    return {"policy_area": str(area), "effective_on": iso_date(effective_on), "weeks": weeks, "as_of": iso(now),
            "measure": "cases opened in the area's categories (duplicates merged away not counted)",
            "test": "two-sample Poisson rate comparison: conditional binomial test, two-sided", "alpha": ALPHA,
            "regions": figures}


def _opened(view: ViewReader, area: PolicyArea, region: str, since: datetime, until: datetime) -> int:
    (row,) = view.select(
        "SELECT COUNT(*) AS n FROM problem_cases WHERE policy_area = :area AND region = :region AND duplicate = 0 "
        "AND opened_at >= :since AND opened_at < :until",
        {"area": str(area), "region": region, "since": iso(since), "until": iso(until)})
    return int(row["n"])


def _period(weeks: float, cases: int) -> dict[str, Any]:
    return {"weeks": round(weeks, 4), "cases": cases, "rate_per_week": round(cases / weeks, 4) if weeks else None}
