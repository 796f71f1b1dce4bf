"""The read models people look at, on stories whose figures are known."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import pytest

from adapters.clock import SimulatedClock
from adapters.projection_runner import ProjectionFailed, ProjectionRunner
from api.bootstrap import build_runner, build_views
from api.settings import Settings
from domain.application import CaseLedger
from domain.casework.case import Case, CaseStatus
from domain.casework.case_events import Category, Channel, Direction, PolicyArea, ResolutionCode, SurveyChannel
from domain.casework.sla import Priority
from domain.errors import RecordNotFound
from domain.event import DomainEvent
from domain.network.contract import Party
from domain.network.provider import ProviderKind
from domain.values import Actor, Role
from projections import ALL_PROJECTIONS
from projections.audit_trail import audit_events
from projections.cases import InvalidCursor, case_page
from projections.dashboard import region_dashboard
from projections.directory import contract_register, pipeline
from projections.store import Change, Projection, ViewReader, iso
from tests.factories import COORDINATOR, EVIDENCE, NOW, REP, terms


@pytest.fixture
def runner(ledger: CaseLedger, settings: Settings) -> Iterator[ProjectionRunner]:
    runner = build_runner(settings, ledger)
    yield runner
    runner.store.close()


def open_case(ledger: CaseLedger, priority: Priority, assignee: str | None, region: str = "north") -> UUID:
    rep = REP if region == "north" else Actor(id=f"rep-{region}-1", role=Role.REPRESENTATIVE)  # the region's staff
    case_id = ledger.open_case(ledger.context(rep), region=region, channel=Channel.PHONE, customer_ref="c-1",
                               subject="Problem", description="Details").id
    ledger.triage_case(ledger.context(rep), case_id, Category.BILLING, priority)
    if assignee:
        ledger.assign_case(ledger.context(rep), case_id, assignee)
    return case_id


class TestDashboard:
    def test_the_figures_of_a_known_story(self, ledger: CaseLedger, runner: ProjectionRunner,
                                          clock: SimulatedClock) -> None:
        urgent = open_case(ledger, Priority.URGENT, "rep-north-1")            # no response: first response breached
        low = open_case(ledger, Priority.LOW, "rep-north-2")
        high = open_case(ledger, Priority.HIGH, "rep-north-1")                # escalated; due within 24 hours
        done = open_case(ledger, Priority.NORMAL, "rep-north-2")
        open_case(ledger, Priority.URGENT, "rep-south-1", region="south")     # another region: not counted
        ledger.escalate_case(ledger.context(REP), high, "Customer asks for a supervisor")
        clock.advance(timedelta(minutes=30))
        ledger.log_contact(ledger.context(REP), low, Direction.OUTBOUND, Channel.PHONE, "Called back")
        clock.advance(timedelta(minutes=30))
        ledger.log_contact(ledger.context(REP), done, Direction.OUTBOUND, Channel.PHONE, "Called back")
        clock.advance(timedelta(minutes=60))
        ledger.resolve_case(ledger.context(REP), done, ResolutionCode.FIXED, "Fixed")
        ledger.close_case(ledger.context(REP), done)
        ledger.record_survey_answer(ledger.context(COORDINATOR), done, 4, SurveyChannel.EMAIL)
        ledger.flag_policy_issue(ledger.context(REP), done, PolicyArea.RETURNS, "Return window too short")
        runner.catch_up()

        with runner.store.reader() as view:
            figures = region_dashboard(view, "north", NOW + timedelta(hours=2))
        assert figures["open_cases"] == {
            "total": 3, "by_status": {"escalated": 1, "in_progress": 2},
            "by_priority": {"high": 1, "low": 1, "urgent": 1}, "by_category": {"billing": 3}}
        assert (figures["sla"]["breached"], figures["sla"]["at_risk"]) == (1, 1)
        assert [e["id"] for e in figures["escalations_waiting"]] == [str(high)]
        assert [(w["representative"], w["open_cases"]) for w in figures["workload"]] == [
            ("rep-north-1", 2), ("rep-north-2", 1)]
        assert figures["median_minutes_to_first_response"] == 45.0
        assert figures["median_minutes_to_resolution"] == 120.0
        assert figures["satisfaction"] == {"average": 4.0, "responses": 1}
        (returns,) = figures["common_problems"]["policy_areas"]
        assert returns == {"policy_area": "returns", "this_week": 1, "last_week": 0, "change": 1,
                           "categories": {"billing": 1}}
        assert urgent and not set(map(str, [urgent])) & {e["id"] for e in figures["escalations_waiting"]}

    def test_waiting_on_the_customer_stops_the_sla_clock(self, ledger: CaseLedger, runner: ProjectionRunner) -> None:
        case_id = open_case(ledger, Priority.URGENT, "rep-north-1")
        ledger.wait_on_customer(ledger.context(REP), case_id, "Waiting for the invoice")
        runner.catch_up()
        with runner.store.reader() as view:
            sla = region_dashboard(view, "north", NOW + timedelta(days=3))["sla"]
        assert (sla["breached"], sla["at_risk"]) == (0, 0)

    def test_this_week_and_last_week(self, ledger: CaseLedger, runner: ProjectionRunner,
                                     clock: SimulatedClock) -> None:
        for _ in range(2):
            ledger.flag_policy_issue(ledger.context(REP), open_case(ledger, Priority.LOW, None), PolicyArea.BILLING,
                                     "Confusing bill")
        clock.advance(timedelta(days=8))
        ledger.flag_policy_issue(ledger.context(REP), open_case(ledger, Priority.LOW, None), PolicyArea.BILLING,
                                 "Confusing bill")
        runner.catch_up()
        with runner.store.reader() as view:
            problems = region_dashboard(view, "north", clock())["common_problems"]
        assert [(a["policy_area"], a["this_week"], a["last_week"], a["change"]) for a in problems["policy_areas"]] == [
            ("billing", 1, 2, -1)]
        assert problems["categories"] == [{"category": "billing", "this_week": 1, "last_week": 2, "change": -1}]


class TestCaseQueue:
    @pytest.fixture
    def queue(self, ledger: CaseLedger, runner: ProjectionRunner, clock: SimulatedClock) -> ProjectionRunner:
        for n in range(23):
            clock.advance(timedelta(minutes=7 * (n % 5)))
            region = "north" if n % 4 else "south"
            open_case(ledger, list(Priority)[n % 4], f"rep-{region}-{1 + n % 2}" if n % 3 else None, region=region)
        runner.catch_up()
        return runner

    @pytest.mark.parametrize("sort", ["sla", "age"])
    def test_pages_walk_the_whole_queue_once_in_a_stable_order(self, queue: ProjectionRunner, sort: str) -> None:
        with queue.store.reader() as view:
            everything = case_page(view, {"region": "north"}, sort=sort, limit=100).items
            walked, cursor = [], None
            while True:
                page = case_page(view, {"region": "north"}, sort=sort, limit=4, cursor=cursor)
                walked += page.items
                if (cursor := page.next_cursor) is None:
                    break
        key = "sla_sort" if sort == "sla" else "opened_at"
        assert walked == everything == sorted(everything, key=lambda r: (r[key], r["id"]))
        assert len(everything) == 17 and all(row["region"] == "north" for row in everything)

    def test_filters_combine(self, queue: ProjectionRunner) -> None:
        with queue.store.reader() as view:
            rows = case_page(view, {"region": "north", "assignee": "rep-north-2", "priority": "urgent"}).items
        assert rows and all((r["assignee"], r["priority"]) == ("rep-north-2", "urgent") for r in rows)

    def test_a_cursor_of_another_sort_or_made_up_is_refused(self, queue: ProjectionRunner) -> None:
        with queue.store.reader() as view:
            cursor = case_page(view, {}, sort="sla", limit=2).next_cursor
            with pytest.raises(InvalidCursor, match="another sort order"):
                case_page(view, {}, sort="age", cursor=cursor)
            with pytest.raises(InvalidCursor, match="not one this queue gave out"):
                case_page(view, {}, cursor="bm9wZQ")


class TestDirectory:
    def test_the_pipeline_and_the_contract_register(self, ledger: CaseLedger, runner: ProjectionRunner) -> None:
        ctx = ledger.context(REP)
        prospect = ledger.prospect_provider(ctx, name="Hill Lab", kind=ProviderKind.LAB, region="north").id
        member = ledger.prospect_provider(ctx, name="River Clinic", kind=ProviderKind.CLINIC, region="north").id
        ledger.log_provider_meeting(ctx, prospect, "rep-north-1", "Met them")
        for step in (ledger.receive_application, ledger.start_credentialing):
            step(ctx, member)
        ledger.credential_provider(ctx, member, ctx.now.date() + timedelta(days=365))
        ledger.activate_provider(ctx, member)
        soon = ledger.draft_contract(ctx, provider_id=member, title="Short", terms=terms(years=1)).id
        talks = ledger.draft_contract(ctx, provider_id=member, title="Long", terms=terms()).id
        for contract_id in (soon, talks):
            ledger.propose_contract(ctx, contract_id)
        ledger.counter_offer(ctx, talks, Party.PROVIDER, terms(days=21))
        ledger.agree_contract(ctx, soon, Party.PROVIDER, EVIDENCE)
        ledger.sign_contract(ctx, soon, Party.PROVIDER, EVIDENCE)
        ledger.sign_contract(ctx, soon, Party.NETWORK)
        ledger.activate_contract(ctx, soon)
        runner.catch_up()
        with runner.store.reader() as view:
            stages = pipeline(view, "north")
            register = contract_register(view, NOW.date() + timedelta(days=300), expiring_within_days=90)
            later = contract_register(view, NOW.date(), expiring_within_days=30)
        assert (stages["contacted"], stages["active"], stages["prospect"]) == (1, 1, 0)
        assert [(c["id"], c["negotiation_rounds"], c["last_offer_by"]) for c in register["negotiating"]] == [
            (str(talks), 1, "provider")]
        assert [c["id"] for c in register["expiring"]] == [str(soon)] and later["expiring"] == []
        assert register["expiring"][0]["signed_by"] == "network,provider"


class TestAuditTrail:
    def test_by_record_by_actor_and_by_time(self, ledger: CaseLedger, runner: ProjectionRunner,
                                            clock: SimulatedClock) -> None:
        case_id = open_case(ledger, Priority.HIGH, "rep-north-1")
        ledger.escalate_case(ledger.context(REP), case_id, "Upset")
        clock.advance(timedelta(hours=1))
        ledger.de_escalate_case(ledger.context(COORDINATOR), case_id, "Back to you")
        runner.catch_up()
        with runner.store.reader() as view:
            by_record = audit_events(view, record_id=str(case_id))
            by_actor = audit_events(view, actor_id="coord-north")
            later = audit_events(view, since=iso(NOW + timedelta(minutes=30)))
            paged = audit_events(view, after=by_record[1]["position"], limit=1, record_id=str(case_id))
        assert [e["type"] for e in by_record] == [e.type_name for e in ledger.history(case_id)]
        assert [e["type"] for e in by_actor] == ["CaseDeEscalated"] == [e["type"] for e in later]
        assert paged == [by_record[2]]


class BrokenOn(Projection):
    """A read model with a bug: it cannot take one kind of event."""

    def __init__(self, event_type: str) -> None:
        self.name, self.tables, self.event_type = "broken", (), event_type

    def changes(self, event: DomainEvent, position: int, view: ViewReader) -> list[Change]:
        if event.type_name == self.event_type:
            raise ValueError("cannot handle this event")
        return []


class TestRunner:
    def test_a_failing_read_model_stops_at_the_event_and_the_others_go_on(
        self, ledger: CaseLedger, settings: Settings
    ) -> None:
        case_id = open_case(ledger, Priority.HIGH, "rep-north-1")
        store = build_views(settings)
        runner = ProjectionRunner(ledger, store, [*ALL_PROJECTIONS, BrokenOn("CaseTriaged")], batch=3)
        (triaged,) = [e for e in ledger.read_log() if e.event.type_name == "CaseTriaged"]
        with pytest.raises(ProjectionFailed, match=f"'broken' stopped at position {triaged.position}") as failed:
            runner.catch_up()
        assert failed.value.record_id == str(case_id)
        status = {s.name: s for s in runner.status()}
        assert status["broken"].position == triaged.position - 1
        assert "cannot handle this event" in str(status["broken"].failure)
        assert status["cases"].position >= triaged.position

        # fixed: the same read model, without the bug, resumes exactly there
        fixed = ProjectionRunner(ledger, store, [*ALL_PROJECTIONS, BrokenOn("NoSuchEvent")])
        fixed.catch_up()
        assert {s.name: (s.lag, s.failure) for s in fixed.status()}["broken"] == (0, None)

    def test_a_second_runner_never_applies_the_same_events_twice(self, ledger: CaseLedger,
                                                                  settings: Settings) -> None:
        open_case(ledger, Priority.HIGH, "rep-north-1")
        first = ProjectionRunner(ledger, build_views(settings), ALL_PROJECTIONS)
        second = ProjectionRunner(ledger, build_views(settings), ALL_PROJECTIONS)
        first.catch_up()
        assert second.catch_up() == 0
        assert first.store.dump(ALL_PROJECTIONS[3])["audit_events"][-1]["position"] == ledger.head()

    def test_rebuilding_one_read_model_leaves_the_others(self, ledger: CaseLedger, runner: ProjectionRunner) -> None:
        open_case(ledger, Priority.HIGH, "rep-north-1")
        runner.catch_up()
        before = runner.store.dump(ALL_PROJECTIONS[0])
        assert runner.rebuild([ALL_PROJECTIONS[0]]) == ledger.head()
        assert runner.store.dump(ALL_PROJECTIONS[0]) == before


class TestTimeTravel:
    def test_the_version_at_a_moment_and_the_state_then(self, ledger: CaseLedger, clock: SimulatedClock) -> None:
        case_id = open_case(ledger, Priority.HIGH, "rep-north-1")
        clock.advance(timedelta(hours=1))
        before_escalation = clock()
        clock.advance(timedelta(hours=1))
        ledger.escalate_case(ledger.context(REP), case_id, "Upset")
        version = ledger.version_at(case_id, before_escalation)
        assert (version, ledger.get(Case, case_id, version=version).status) == (3, CaseStatus.IN_PROGRESS)
        assert ledger.version_at(case_id, clock()) == 4

    def test_before_the_record_existed_is_not_found(self, ledger: CaseLedger) -> None:
        case_id = open_case(ledger, Priority.HIGH, None)
        with pytest.raises(RecordNotFound, match="did not exist yet"):
            ledger.version_at(case_id, NOW - timedelta(seconds=1))

    def test_a_long_history_loads_any_version_from_a_snapshot(self, ledger: CaseLedger) -> None:
        case_id = open_case(ledger, Priority.HIGH, "rep-north-1")
        for n in range(120):
            ledger.add_note(ledger.context(REP), case_id, f"note {n}")
        assert ledger.snapshots is not None
        assert [s.originator_version for s in ledger.snapshots.get(case_id)] == [50, 100]
        assert ledger.get(Case, case_id, version=77).notes_added == 74
