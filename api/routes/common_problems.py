"""Common problems across regions: policy-issue flags per policy area, region and week, and which are emerging.

Coordinators see the counts of every region and the cases behind them in their own region only; a
representative sees their own region; managers, auditors and administrators see everything."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.as_of import AsOf, NowAlias, asked_moment, views
from api.deps import AppDep, Principal, role_guard
from api.routes.records import READERS
from domain.casework.case_events import PolicyArea
from domain.values import Role
from projections.common_problems import common_problems

__all__ = ["router"]

router = APIRouter(prefix="/common-problems", tags=["common-problems"])
ReaderDep = Annotated[Principal, Depends(role_guard(*READERS))]
Weeks = Annotated[int, Query(ge=1, le=13, description="The last weeks tested (ISO weeks, the current one included).")]
BaselineWeeks = Annotated[int, Query(ge=1, le=52, description="The weeks before them that give the baseline rate.")]
Alpha = Annotated[float, Query(ge=0.0001, le=0.5, description="The significance level of the test.")]
MinCount = Annotated[int, Query(ge=1, le=1000, description="The fewest flags that can make a problem emerging.")]
MinPosition = Annotated[int | None, Query(ge=0)]


class WeekCount(BaseModel):
    """One ISO week (UTC) of a problem: the flags raised and the cases opened in the area's categories."""

    week: str
    starts_on: str
    recent: bool
    flags: int
    cases: int


class Baseline(BaseModel):
    weeks: int
    flags: int
    rate_per_week: float
    cases: int


class Recent(BaseModel):
    weeks: int
    flags: int
    cases: int


class Evidence(BaseModel):
    """A case flagged in the area during the last weeks."""

    case_id: str
    subject: str
    category: str | None
    opened_at: str
    flagged_at: str


class ProblemPublic(BaseModel):
    """One policy area in one region: its weeks, the test of its flags, and (where the caller may see them)
    the cases behind it; `evidence` is null where `evidence_visible` is false."""

    policy_area: PolicyArea
    region: str
    weeks: list[WeekCount]
    baseline: Baseline
    recent: Recent
    observed: int
    expected: float
    p_value: float
    emerging: bool
    evidence_visible: bool
    evidence: list[Evidence] | None


class CommonProblemsPublic(BaseModel):
    """Every policy area x region (or one area's regions), emerging problems first, then by p-value."""

    as_of: str
    weeks: int
    baseline_weeks: int
    recent_from: str
    baseline_from: str
    alpha: float
    min_count: int
    emerging: int
    problems: list[ProblemPublic]


def _read(engine: AppDep, principal: Principal, area: PolicyArea | None, moment: datetime | None, weeks: int,
          baseline_weeks: int, alpha: float, min_count: int, min_position: int | None) -> CommonProblemsPublic:
    representative = principal.role is Role.REPRESENTATIVE
    with views(engine, moment, min_position) as view:
        figures = common_problems(
            view, moment or engine.ledger.clock(), weeks=weeks, baseline_weeks=baseline_weeks, alpha=alpha,
            min_count=min_count, policy_area=area, evidence_of_all=area is not None,
            sees=lambda region: not representative or principal.sees(region), details_of=principal.sees)
    return CommonProblemsPublic.model_validate(figures)


@router.get("", response_model=CommonProblemsPublic, summary="Common problems across regions")
def list_common_problems(
    engine: AppDep, principal: ReaderDep, as_of: AsOf = None, now: NowAlias = None, weeks: Weeks = 2,
    baseline_weeks: BaselineWeeks = 8, alpha: Alpha = 0.05, min_count: MinCount = 3,
    min_position: MinPosition = None,
) -> CommonProblemsPublic:
    """Every policy area in every region with its weekly flags and cases, the baseline rate of flags, and a
    one-sided Poisson rate test of the last `weeks` against the `baseline_weeks` before; an emerging problem
    lists the flagged cases behind it, in the regions whose case details the caller may see. With `as_of` (or
    `now`), as it was then: from the events dated at or before that moment."""
    return _read(engine, principal, None, asked_moment(as_of, now), weeks, baseline_weeks, alpha, min_count,
                 min_position)


@router.get("/{policy_area}", response_model=CommonProblemsPublic, summary="One policy area across regions")
def one_policy_area(
    policy_area: PolicyArea, engine: AppDep, principal: ReaderDep, as_of: AsOf = None, now: NowAlias = None,
    weeks: Weeks = 2, baseline_weeks: BaselineWeeks = 8, alpha: Alpha = 0.05, min_count: MinCount = 3,
    min_position: MinPosition = None,
) -> CommonProblemsPublic:
    """The area's regions, weeks and test, with the flagged cases of the last weeks (emerging or not) in the
    regions whose case details the caller may see; with `as_of` (or `now`), as it was then."""
    return _read(engine, principal, policy_area, asked_moment(as_of, now), weeks, baseline_weeks, alpha,
                 min_count, min_position)
