"""The dashboard, the queue and the common problems as of a past moment equal the same reads over read models
rebuilt from only the events dated at or before that moment (issue 16, part 4)."""

from __future__ import annotations

import random
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.clock import SimulatedClock
from adapters.projection_runner import ProjectionRunner
from adapters.view_store import ViewStore
from api.bootstrap import build_ledger, build_runner, build_views
from api.demo import REGIONS, plan_demo
from api.settings import Settings
from domain.application import CaseLedger
from domain.casework.case_events import Category, Channel, PolicyArea, ResolutionCode
from domain.casework.sla import Priority
from domain.event import DomainEvent
from projections import ALL_PROJECTIONS, view_as_of
from projections.cases import CaseQueue, case_page
from projections.common_problems import CommonProblems, common_problems
from projections.dashboard import region_dashboard
from projections.staff import Staff
from projections.store import Projection, ViewReader
from tests.conftest import Backend
from tests.factories import ADMIN, COORDINATOR, NOW, REP

MICROSECOND = timedelta(microseconds=1)
PLAIN: tuple[Projection, ...] = (CaseQueue(), Staff(), CommonProblems())
"""The read models the three reads use, without their history: what a rebuild up to a moment builds."""


def events_of(ledger: CaseLedger) -> list[tuple[int, DomainEvent]]:
    notifications = ledger.recorder.select_notifications(1, ledger.head() + 1, stop=ledger.head())
    return [(n.id, ledger.decode(n)) for n in notifications]


def rebuild_until(store: ViewStore, events: list[tuple[int, DomainEvent]], moment: datetime) -> None:
    """Read models built afresh from only the events dated at or before `moment`."""
    for projection in PLAIN:
        store.drop_views(projection)
    store.create_tables(table for projection in PLAIN for table in projection.tables)
    with store.transaction() as view:
        for position, event in events:
            if event.occurred_at <= moment:
                for projection in PLAIN:
                    view.apply(projection.changes(event, position, view))


def reads(view: ViewReader, moment: datetime) -> dict[str, Any]:
    """Everything the three reads answer at `moment`: every region's dashboard, the whole queue in both
    orders and per region, and the common problems."""
    return {
        "dashboards": {region: region_dashboard(view, region, moment) for region in REGIONS},
        "queue": {sort: case_page(view, {}, sort=sort, limit=10_000).items for sort in ("sla", "age")},
        "queues": {region: case_page(view, {"region": region}, limit=10_000).items for region in REGIONS},
        "common_problems": common_problems(view, moment, evidence_of_all=True),
    }


def moments(events: list[tuple[int, DomainEvent]], rng: random.Random) -> list[datetime]:
    """Before the first event, at and just before some events' own times, between, and after the last."""
    times = sorted(event.occurred_at for _, event in events)
    first, last = times[0], times[-1]
    picked = [first - timedelta(days=1), first - MICROSECOND, last, last + timedelta(days=3)]
    for when in rng.sample(times, min(3, len(times))):
        picked += [when, when - MICROSECOND]
    picked += [first + (last - first) * rng.random() for _ in range(3)]
    return picked


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), cases=st.integers(1, 30))
def test_reads_as_of_a_moment_equal_reads_of_read_models_rebuilt_up_to_it(
    backend: Backend, seed: int, cases: int
) -> None:
    # each example has stores of its own: the backend hands out a fresh one per directory
    directory = Path(tempfile.mkdtemp(prefix="caseledger-as-of-"))
    try:
        clock = SimulatedClock(NOW)
        ledger = build_ledger(backend.settings(directory), clock=clock)
        plan = plan_demo(ledger, clock, cases=cases, seed=seed)
        ledger.new_id = plan.new_id
        for _ in plan.run():
            pass
        live = build_runner(backend.settings(directory), ledger)
        live.catch_up()
        rebuilt = build_views(backend.settings(directory / "rebuilt"))
        events = events_of(ledger)
        for moment in moments(events, random.Random(seed)):
            rebuild_until(rebuilt, events, moment)
            with live.store.reader() as view, rebuilt.reader() as fresh:
                assert reads(view_as_of(view, moment), moment) == reads(fresh, moment), moment
        live.store.close()
        rebuilt.close()
        ledger.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_before_the_first_event_every_read_is_empty(ledger: CaseLedger, settings: Settings) -> None:
    ledger.open_case(ledger.context(REP), region="north", channel=Channel.PHONE, customer_ref="c-1",
                     subject="Problem", description="Details")
    runner = build_runner(settings, ledger)
    runner.catch_up()
    before = NOW - MICROSECOND
    with runner.store.reader() as view:
        then = view_as_of(view, before)
        dashboard = region_dashboard(then, "north", before)
        assert dashboard["open_cases"]["total"] == 0
        assert dashboard["escalations_waiting"] == [] and dashboard["workload"] == []
        assert case_page(then, {}).items == []
        assert common_problems(then, before)["problems"] == []
        assert region_dashboard(view_as_of(view, NOW), "north", NOW)["open_cases"]["total"] == 1
    runner.store.close()


class TestRowsThatChangeInPlace:
    """A row changed or deleted after the moment is read as it was; one created after it is not there."""

    @pytest.fixture
    def runner(self, ledger: CaseLedger, settings: Settings) -> Iterator[ProjectionRunner]:
        runner = build_runner(settings, ledger)
        yield runner
        runner.store.close()

    def test_a_case_escalated_then_resolved_reads_escalated_in_between(
        self, ledger: CaseLedger, runner: ProjectionRunner, clock: SimulatedClock
    ) -> None:
        case_id = ledger.open_case(ledger.context(REP), region="north", channel=Channel.PHONE, customer_ref="c-1",
                                   subject="Problem", description="Details").id
        ledger.triage_case(ledger.context(REP), case_id, Category.RETURN_POLICY, Priority.HIGH)
        ledger.assign_case(ledger.context(REP), case_id, "rep-north-1")
        clock.advance(timedelta(hours=1))
        ledger.escalate_case(ledger.context(REP), case_id, "Customer asks for a supervisor")
        ledger.flag_policy_issue(ledger.context(REP), case_id, PolicyArea.RETURNS, "The 7-day rule again")
        escalated = clock.now
        clock.advance(timedelta(hours=1))
        ledger.resolve_case(ledger.context(COORDINATOR), case_id, ResolutionCode.INFORMATION_PROVIDED,
                            "Explained the policy")
        runner.catch_up()
        with runner.store.reader() as view:
            then = region_dashboard(view_as_of(view, escalated), "north", escalated)
            now = region_dashboard(view_as_of(view, clock.now), "north", clock.now)
            live = region_dashboard(view, "north", clock.now)
        assert [row["id"] for row in then["escalations_waiting"]] == [str(case_id)]
        assert then["open_cases"]["by_status"] == {"escalated": 1}
        assert now == live and now["open_cases"]["total"] == 0

    def test_a_representative_who_left_is_in_the_workload_while_they_were_staff(
        self, ledger: CaseLedger, runner: ProjectionRunner, clock: SimulatedClock
    ) -> None:
        clock.advance(timedelta(days=1))
        ledger.remove_representative(ledger.context(ADMIN), "north", "rep-north-2")
        clock.advance(timedelta(days=1))
        ledger.establish_region(ledger.context(ADMIN), "coast", "Coast")
        runner.catch_up()
        with runner.store.reader() as view:
            staffed = region_dashboard(view_as_of(view, NOW), "north", NOW)["workload"]
            later = region_dashboard(view_as_of(view, clock.now), "north", clock.now)["workload"]
            regions_then = {p["region"] for p in common_problems(view_as_of(view, NOW), NOW)["problems"]}
            regions_now = {p["region"] for p in common_problems(view_as_of(view, clock.now), clock.now)["problems"]}
        assert [row["representative"] for row in staffed] == ["rep-north-1", "rep-north-2"]
        assert [row["representative"] for row in later] == ["rep-north-1"]
        assert (regions_then, regions_now) == ({"north", "south"}, {"coast", "north", "south"})


def test_read_models_built_before_their_history_was_kept_are_built_again(
    ledger: CaseLedger, settings: Settings, backend: Backend
) -> None:
    ledger.open_case(ledger.context(REP), region="north", channel=Channel.PHONE, customer_ref="c-1",
                     subject="Problem", description="Details")
    first = build_runner(settings, ledger)
    first.catch_up()
    expected = {projection.name: first.store.dump(projection) for projection in ALL_PROJECTIONS}
    first.store.close()
    # as an older release left them: the rows, and no history
    for table in ("cases_history", "staff_history", "regions_history", "problem_cases_history"):
        if backend.cluster is None:
            with closing(sqlite3.connect(settings.database.views_path)) as connection, connection:
                connection.execute(f"DELETE FROM {table}")
        else:
            backend.query(settings.data_dir, f"DELETE FROM {table}")

    upgraded = build_runner(settings, ledger)
    upgraded.catch_up()
    assert {projection.name: upgraded.store.dump(projection) for projection in ALL_PROJECTIONS} == expected
    with upgraded.store.reader() as view:
        assert region_dashboard(view_as_of(view, NOW), "north", NOW)["open_cases"]["total"] == 1
    upgraded.store.close()
