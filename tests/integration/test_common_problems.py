"""Common problems across regions on both backends: the weekly counts, the emerging test and its evidence,
who sees which cases, a proposal's measured effect, and the view against the raw events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.clock import SimulatedClock
from adapters.projection_runner import ProjectionRunner
from api.bootstrap import build_runner
from api.settings import Settings
from domain.application import CaseLedger
from domain.casework.case_events import (
    AREA_OF_CATEGORY,
    CaseMerged,
    CaseOpened,
    CaseTriaged,
    Category,
    Channel,
    PolicyArea,
    PolicyIssueFlagged,
)
from domain.casework.sla import Priority
from domain.values import Actor, Role
from projections.common_problems import common_problems, iso_week, policy_effect, week_start
from projections.statistics import rate_rise
from projections.store import iso
from tests.factories import NOW

WEEK = timedelta(days=7)


def staff_of(region: str) -> Actor:
    return Actor(id=f"rep-{region}-1", role=Role.REPRESENTATIVE)


@pytest.fixture
def runner(ledger: CaseLedger, settings: Settings) -> Iterator[ProjectionRunner]:
    runner = build_runner(settings, ledger)
    yield runner
    runner.store.close()


def case(ledger: CaseLedger, clock: SimulatedClock, at: datetime, region: str = "north",
         category: Category | None = Category.RETURN_POLICY, flag: PolicyArea | None = PolicyArea.RETURNS,
         flag_after: timedelta = timedelta(hours=1)) -> UUID:
    """A case opened (and triaged) at `at`, flagged `flag_after` later."""
    clock.now = at
    actor = staff_of(region)
    case_id = ledger.open_case(ledger.context(actor), region=region, channel=Channel.WEB, customer_ref="c-1",
                               subject=f"Return refused ({region})", description="The shop refused the return").id
    if category is not None:
        ledger.triage_case(ledger.context(actor), case_id, category, Priority.NORMAL)
    if flag is not None:
        clock.now = at + flag_after
        ledger.flag_policy_issue(ledger.context(actor), case_id, flag, "The return window is too short")
    return case_id


def by_key(figures: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(p["policy_area"], p["region"]): p for p in figures["problems"]}


MONDAY = week_start(NOW)  # 2026-03-02, a Monday


class TestEmergingProblems:
    def test_a_rise_over_the_baseline_is_emerging_with_its_cases_and_a_steady_rate_is_not(
            self, ledger: CaseLedger, runner: ProjectionRunner, clock: SimulatedClock) -> None:
        # eight baseline weeks: one returns flag a week in each region
        for week in range(8):
            for region in ("north", "south"):
                case(ledger, clock, MONDAY - (9 - week) * WEEK + timedelta(days=1), region)
        # the last two weeks: six in north, two in south
        north = [case(ledger, clock, MONDAY - WEEK + timedelta(days=n), "north") for n in range(6)]
        south = [case(ledger, clock, MONDAY + timedelta(hours=n), "south") for n in range(2)]
        now = MONDAY + timedelta(days=2)
        runner.catch_up()
        with runner.store.reader() as view:
            figures = by_key(common_problems(view, now))
        returns_north, returns_south = figures[("returns", "north")], figures[("returns", "south")]
        assert (returns_north["observed"], returns_north["expected"], returns_north["emerging"]) == (6, 2.0, True)
        assert returns_north["baseline"] == {"weeks": 8, "flags": 8, "rate_per_week": 1.0, "cases": 8}
        assert [w["flags"] for w in returns_north["weeks"]] == [1] * 8 + [6, 0]
        assert [w["week"] for w in returns_north["weeks"]][-2:] == ["2026-W09", "2026-W10"]
        assert {e["case_id"] for e in returns_north["evidence"]} == set(map(str, north))
        assert returns_north["evidence"][0]["subject"] == "Return refused (north)"
        assert (returns_south["observed"], returns_south["emerging"], returns_south["evidence"]) == (2, False, [])
        assert len(figures) == len(PolicyArea) * 2 and not figures[("billing", "north")]["emerging"]
        assert south

    def test_cases_count_in_the_area_of_their_current_category_and_duplicates_not_at_all(
            self, ledger: CaseLedger, runner: ProjectionRunner, clock: SimulatedClock) -> None:
        moved = case(ledger, clock, MONDAY, flag=None)
        ledger.triage_case(ledger.context(staff_of("north")), moved, Category.BILLING, Priority.NORMAL)
        survivor = case(ledger, clock, MONDAY + timedelta(hours=2))
        duplicate = case(ledger, clock, MONDAY + timedelta(hours=3))
        ledger.merge_case(ledger.context(staff_of("north")), duplicate, survivor)
        runner.catch_up()
        with runner.store.reader() as view:
            figures = by_key(common_problems(view, MONDAY + timedelta(days=1)))
        assert figures[("billing", "north")]["recent"] == {"weeks": 2, "flags": 0, "cases": 1}
        assert figures[("returns", "north")]["recent"] == {"weeks": 2, "flags": 1, "cases": 1}

    def test_a_coordinator_reads_every_regions_counts_but_only_their_own_regions_cases(
            self, ledger: CaseLedger, runner: ProjectionRunner, clock: SimulatedClock) -> None:
        south = {str(case(ledger, clock, MONDAY + timedelta(hours=n), "south")) for n in range(4)}
        north = {str(case(ledger, clock, MONDAY + timedelta(hours=n), "north")) for n in range(4)}
        runner.catch_up()
        with runner.store.reader() as view:
            for area in (None, PolicyArea.RETURNS):
                figures = common_problems(view, MONDAY + timedelta(days=1), policy_area=area,
                                          details_of=lambda region: region == "north", evidence_of_all=area is not None)
                problems = by_key(figures)
                assert problems[("returns", "south")]["observed"] == 4 and problems[("returns", "south")]["emerging"]
                assert problems[("returns", "south")]["evidence"] is None
                assert {e["case_id"] for e in problems[("returns", "north")]["evidence"]} == north
                assert not any(case_id in str(figures) for case_id in south)


class TestPolicyEffect:
    def test_fewer_cases_after_the_effective_date_and_no_verdict_before_the_weeks_have_passed(
            self, ledger: CaseLedger, runner: ProjectionRunner, clock: SimulatedClock) -> None:
        effective = (MONDAY + 4 * WEEK).date()
        start = datetime.combine(effective, datetime.min.time(), UTC)
        for n in range(20):  # four weeks before: 5 a week in north
            case(ledger, clock, start - 4 * WEEK + n * timedelta(hours=33), "north", flag=None)
        for n in range(2):   # four weeks after: 2 in all
            case(ledger, clock, start + timedelta(days=3 + 12 * n), "north", flag=None)
        case(ledger, clock, start - WEEK, "south", category=Category.BILLING, flag=None)  # another area
        runner.catch_up()
        with runner.store.reader() as view:
            done = policy_effect(view, "returns", ["north", "south"], effective, 4, start + 5 * WEEK)
            early = policy_effect(view, "returns", ["north"], effective, 4, start + 2 * WEEK)
        north, south = done["regions"]
        assert north["before"] == {"weeks": 4.0, "cases": 20, "rate_per_week": 5.0}
        assert north["after"] == {"weeks": 4.0, "cases": 2, "rate_per_week": 0.5}
        assert (north["ratio"], north["verdict"]) == (0.1, "fewer") and north["p_value"] < 0.001
        assert (south["before"]["cases"], south["after"]["cases"], south["verdict"]) == (0, 0, "no significant change")
        (partial,) = early["regions"]
        assert partial["after"] == {"weeks": 2.0, "cases": 1, "rate_per_week": 0.5}
        assert (partial["verdict"], partial["p_value"]) == ("not enough time yet", None)


# -- the view against the raw events ------------------------------------------------------------------

HOURS = 12 * 7 * 24
histories = st.lists(st.tuples(
    st.sampled_from(["north", "south"]), st.integers(0, HOURS), st.sampled_from([None, *Category]),
    st.one_of(st.none(), st.tuples(st.sampled_from(list(PolicyArea)), st.integers(0, 400)))), max_size=12)


Raw = tuple[dict[UUID, tuple[str, datetime]], dict[UUID, Category], set[UUID], list[tuple[UUID, str, datetime]]]


def raw_events(ledger: CaseLedger) -> Raw:
    """Cases opened (region, time), their current category, the duplicates, and every flag, from the log."""
    opened: dict[UUID, tuple[str, datetime]] = {}
    category: dict[UUID, Category] = {}
    duplicates: set[UUID] = set()
    flags: list[tuple[UUID, str, datetime]] = []
    for logged in ledger.read_log():
        event = logged.event
        if isinstance(event, CaseOpened):
            opened[event.originator_id] = (event.region, event.occurred_at)
        elif isinstance(event, CaseTriaged):
            category[event.originator_id] = Category(event.category)
        elif isinstance(event, CaseMerged):
            duplicates.add(event.originator_id)
        elif isinstance(event, PolicyIssueFlagged):
            flags.append((event.originator_id, str(event.policy_area), event.occurred_at))
    return opened, category, duplicates, flags


def from_the_log(ledger: CaseLedger, now: datetime, weeks: int, baseline_weeks: int) -> dict[tuple[str, str], Any]:
    """The same view computed straight over the log, in plain Python."""
    opened, category, duplicates, flags = raw_events(ledger)
    recent = week_start(now) - (weeks - 1) * WEEK
    since = recent - baseline_weeks * WEEK
    week_names = [iso_week(since + n * WEEK) for n in range(weeks + baseline_weeks)]
    flag_weeks: dict[tuple[str, str], list[str]] = defaultdict(list)
    case_weeks: dict[tuple[str, str], list[str]] = defaultdict(list)
    evidence: dict[tuple[str, str], set[str]] = defaultdict(set)
    for case_id, area, at in flags:
        region = opened[case_id][0]
        if case_id not in duplicates and since <= at <= now:
            flag_weeks[(area, region)].append(iso_week(at))
            if at >= recent:
                evidence[(area, region)].add(str(case_id))
    for case_id, (region, at) in opened.items():
        if case_id in category and case_id not in duplicates and since <= at <= now:
            case_weeks[(str(AREA_OF_CATEGORY[category[case_id]]), region)].append(iso_week(at))
    expected = {}
    for area in PolicyArea:
        for region in ("north", "south"):
            key = (str(area), region)
            weekly_flags = [flag_weeks[key].count(name) for name in week_names]
            test = rate_rise(sum(weekly_flags[baseline_weeks:]), sum(weekly_flags[:baseline_weeks]), baseline_weeks,
                             weeks)
            expected[key] = (weekly_flags, [case_weeks[key].count(name) for name in week_names], test.observed,
                             test.p_value, test.emerging, evidence[key])
    return expected


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories, now_hours=st.integers(0, HOURS + 500), weeks=st.integers(1, 3),
       baseline_weeks=st.integers(1, 8))
def test_the_view_equals_the_same_computation_over_the_raw_events(
        ledger: CaseLedger, runner: ProjectionRunner, clock: SimulatedClock, history: list[Any], now_hours: int,
        weeks: int, baseline_weeks: int) -> None:
    # each example adds its cases to the same log; both sides read all of it
    base = MONDAY - 10 * WEEK
    for region, hour, category, flag in history:
        area, delay = flag if flag else (None, 0)
        case(ledger, clock, base + timedelta(hours=hour, minutes=7), region, category, area, timedelta(hours=delay))
    runner.catch_up()
    now = base + timedelta(hours=now_hours)
    with runner.store.reader() as view:
        figures = common_problems(view, now, weeks=weeks, baseline_weeks=baseline_weeks, evidence_of_all=True)
    assert figures["as_of"] == iso(now)
    seen = {key: ([w["flags"] for w in p["weeks"]], [w["cases"] for w in p["weeks"]], p["observed"], p["p_value"],
                  p["emerging"], {e["case_id"] for e in p["evidence"]}) for key, p in by_key(figures).items()}
    assert seen == from_the_log(ledger, now, weeks, baseline_weeks)
