"""Standards feed operations: a meeting's decision adopting a standard is recorded on every region in its scope in
the same transaction, and triage computes due times from the region's standards in force when the case opened.
Meetings are network-level: run by a current coordinator of any region, a manager or an administrator."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest

from adapters.clock import SimulatedClock
from api.bootstrap import build_runner
from api.settings import Settings
from domain.application import CaseLedger
from domain.casework.case import Case
from domain.casework.case_events import Category, Channel, PolicyArea, ResolutionCode
from domain.casework.sla import SLA_POLICY, Priority
from domain.errors import (
    AttendeeNotCoordinator,
    AttendeeOnStaff,
    DecidingRegionAbsent,
    FirstResponseAfterResolution,
    MeetingNeedsCoordinatorOrManager,
    RecordNotFound,
)
from domain.policy.standard import DecisionKind
from domain.values import Actor, Role
from projections.meetings import meeting_list, region_standards
from tests.factories import ADMIN, COORDINATOR, NOW, REP, TODAY

SOUTH_COORDINATOR = Actor(id="coord-south", role=Role.COORDINATOR)
MANAGER = Actor(id="director", role=Role.MANAGER)
EFFECTIVE = TODAY + timedelta(days=7)


def held_meeting(ledger: CaseLedger, actor: Actor = COORDINATOR) -> UUID:
    meeting = ledger.schedule_meeting(ledger.context(actor), title="Coordinators' meeting",
                                      scheduled_for=NOW + timedelta(hours=2)).id
    ledger.add_agenda_item(ledger.context(actor), meeting, "returns", policy_area=PolicyArea.RETURNS, regions=["north"])
    ledger.hold_meeting(ledger.context(actor), meeting, ["coord-north", "coord-south"], ["director"])
    return meeting


def adopt(ledger: CaseLedger, meeting: UUID, actor: Actor = COORDINATOR, decision_id: str = "billing-2h",
          regions: tuple[str, ...] = ("north",), effective_on: date = EFFECTIVE,
          kind: DecisionKind = DecisionKind.STANDARD, first: int | None = 2, resolution: int | None = 20) -> None:
    ledger.record_meeting_decision(ledger.context(actor), meeting, decision_id, kind, "Billing answered in 2 hours",
                                   list(regions), effective_on, [Category.BILLING], first, resolution)


def triaged(ledger: CaseLedger, region: str = "north", category: Category = Category.BILLING) -> Case:
    actor = REP if region == "north" else Actor(id="rep-south-1", role=Role.REPRESENTATIVE)
    case = ledger.open_case(ledger.context(actor), region=region, channel=Channel.PHONE, customer_ref="cust-1",
                            subject="Charged twice", description="Same charge twice").id
    ledger.triage_case(ledger.context(actor), case, category, Priority.LOW)
    return ledger.get(Case, case)


def due(case: Case) -> tuple[timedelta, timedelta]:
    assert case.first_response_due is not None and case.resolution_due is not None
    return case.first_response_due - case.created_at, case.resolution_due - case.created_at


DEFAULT = (SLA_POLICY[Priority.LOW].first_response, SLA_POLICY[Priority.LOW].resolution)
STANDARD = (timedelta(hours=2), timedelta(hours=20))


class TestAStandardReachesTriage:
    def test_cases_opened_before_the_effective_date_keep_the_default_and_later_ones_get_the_standard(
        self, ledger: CaseLedger, clock: SimulatedClock,
    ) -> None:
        adopt(ledger, held_meeting(ledger))
        before = triaged(ledger)
        clock.advance(timedelta(days=7))  # the effective day, 00:00 UTC, has passed
        after = triaged(ledger)
        assert due(before) == DEFAULT
        assert due(after) == STANDARD
        # other regions and other categories are unaffected
        assert due(triaged(ledger, "south")) == DEFAULT
        assert due(triaged(ledger, category=Category.SERVICE_OUTAGE)) == DEFAULT

    def test_re_triage_of_a_case_opened_before_keeps_the_default(self, ledger: CaseLedger,
                                                                  clock: SimulatedClock) -> None:
        adopt(ledger, held_meeting(ledger))
        case = triaged(ledger)
        clock.advance(timedelta(days=8))
        ledger.triage_case(ledger.context(REP), case.id, Category.BILLING, Priority.LOW)
        assert due(ledger.get(Case, case.id)) == DEFAULT

    def test_a_reopened_case_gets_the_resolution_target_of_its_standard(self, ledger: CaseLedger,
                                                                         clock: SimulatedClock) -> None:
        adopt(ledger, held_meeting(ledger))
        clock.advance(timedelta(days=8))
        case = triaged(ledger)
        ledger.assign_case(ledger.context(REP), case.id, "rep-north-1")
        ledger.resolve_case(ledger.context(REP), case.id, ResolutionCode.REFUND_ISSUED, "Refunded")
        ledger.reopen_case(ledger.context(REP), case.id, "Charged again")
        reopened = ledger.get(Case, case.id)
        assert reopened.resolution_due == clock() + STANDARD[1]

    def test_a_business_process_changes_no_sla(self, ledger: CaseLedger, clock: SimulatedClock) -> None:
        adopt(ledger, held_meeting(ledger), kind=DecisionKind.BUSINESS_PROCESS, first=None, resolution=None)
        clock.advance(timedelta(days=8))
        assert ledger.region("north").standards == []
        assert due(triaged(ledger)) == DEFAULT

    def test_a_later_standard_for_the_same_category_wins_from_its_own_date(self, ledger: CaseLedger,
                                                                            clock: SimulatedClock) -> None:
        meeting = held_meeting(ledger)
        adopt(ledger, meeting, regions=("north", "south"))
        adopt(ledger, meeting, decision_id="billing-1h", effective_on=EFFECTIVE + timedelta(days=7), first=1,
              resolution=None)
        clock.advance(timedelta(days=8))
        assert due(triaged(ledger)) == STANDARD
        clock.advance(timedelta(days=7))
        assert due(triaged(ledger)) == (timedelta(hours=1), STANDARD[1])
        assert due(triaged(ledger, "south")) == STANDARD


class TestOneTransaction:
    def test_the_decision_and_each_regions_standard_are_saved_together(self, ledger: CaseLedger) -> None:
        meeting = held_meeting(ledger, MANAGER)
        head = ledger.head()
        adopt(ledger, meeting, MANAGER, regions=("north", "south"))
        assert ledger.head() == head + 3
        decided = ledger.history(meeting)[-1]
        for code in ("north", "south"):
            adopted = ledger.history(ledger.region(code).id)[-1]
            assert adopted.type_name == "StandardAdopted"
            assert adopted.correlation_id == decided.correlation_id and adopted.actor == MANAGER
            assert ledger.region(code).standards[0].meeting_id == meeting

    def test_an_unknown_region_in_scope_writes_nothing(self, ledger: CaseLedger) -> None:
        meeting = held_meeting(ledger)
        head = ledger.head()
        with pytest.raises(RecordNotFound, match="east"):
            adopt(ledger, meeting, regions=("north", "east"))
        assert ledger.head() == head and ledger.region("north").standards == []


class TestWhoRunsAMeeting:
    def test_a_coordinator_of_any_region_a_manager_or_an_administrator_runs_it(self, ledger: CaseLedger) -> None:
        for actor in (SOUTH_COORDINATOR, MANAGER, ADMIN):
            adopt(ledger, held_meeting(ledger, actor), actor)
        assert len(ledger.region("north").standards) == 3

    def test_a_representative_is_refused(self, ledger: CaseLedger) -> None:
        with pytest.raises(MeetingNeedsCoordinatorOrManager):
            held_meeting(ledger, REP)

    def test_a_replaced_coordinator_is_refused(self, ledger: CaseLedger) -> None:
        meeting = held_meeting(ledger)
        ledger.appoint_coordinator(ledger.context(ADMIN), "north", "coord-north-2", "Eva Kask")
        with pytest.raises(MeetingNeedsCoordinatorOrManager, match="coord-north"):
            adopt(ledger, meeting, regions=("south",))
        # north's coordinator now did not attend: the new coordinator decides for south (present), a manager for north
        with pytest.raises(DecidingRegionAbsent, match=r"region\(s\) north whose coordinator did not attend"):
            adopt(ledger, meeting, Actor(id="coord-north-2", role=Role.COORDINATOR))
        adopt(ledger, meeting, Actor(id="coord-north-2", role=Role.COORDINATOR), regions=("south",))
        adopt(ledger, meeting, MANAGER, decision_id="billing-north")

    def test_only_current_coordinators_attend_as_coordinators(self, ledger: CaseLedger) -> None:
        meeting = ledger.schedule_meeting(ledger.context(COORDINATOR), title="Meeting", scheduled_for=NOW).id
        with pytest.raises(AttendeeNotCoordinator, match="rep-north-1"):
            ledger.hold_meeting(ledger.context(COORDINATOR), meeting, ["coord-north", "rep-north-1"])
        with pytest.raises(AttendeeOnStaff, match="coord-south works in region south"):
            ledger.hold_meeting(ledger.context(COORDINATOR), meeting, ["coord-north"], ["coord-south"])
        ledger.hold_meeting(ledger.context(COORDINATOR), meeting, ["coord-north"], ["director"])
        attendees = ledger.meeting(meeting).attendees
        assert [(a.staff_id, a.role, a.region) for a in attendees] == [
            ("coord-north", Role.COORDINATOR, "north"), ("director", Role.MANAGER, None)]


def test_the_read_models_list_meetings_and_each_regions_standards(ledger: CaseLedger, settings: Settings) -> None:
    meeting = held_meeting(ledger)
    adopt(ledger, meeting, regions=("north", "south"))
    ledger.record_meeting_minutes(ledger.context(COORDINATOR), meeting, "Billing standard adopted.")
    runner = build_runner(settings, ledger)
    try:
        runner.catch_up()
        with runner.store.reader() as view:
            (row,) = meeting_list(view)
            standards = region_standards(view)
    finally:
        runner.store.close()
    assert (row["id"], row["status"], row["agenda_items"], row["attendees"], row["decisions"]) == (
        str(meeting), "minuted", 1, 3, 1)
    assert standards["north"] == standards["south"]
    assert standards["north"][0]["categories"] == ["billing"]
    assert standards["north"][0]["effective_on"] == EFFECTIVE.isoformat()
    assert standards["north"][0]["first_response_hours"] == 2


class TestAnOutsideTry:
    """Issue 15's outside try: a coordinator decides only for regions present; targets stay in order."""

    def test_a_coordinator_cannot_adopt_a_standard_for_a_region_whose_coordinator_was_absent(
            self, ledger: CaseLedger) -> None:
        meeting = ledger.schedule_meeting(ledger.context(COORDINATOR), title="Meeting",
                                          scheduled_for=NOW + timedelta(hours=2)).id
        ledger.hold_meeting(ledger.context(COORDINATOR), meeting, ["coord-north"])
        with pytest.raises(DecidingRegionAbsent, match="south whose coordinator did not attend"):
            adopt(ledger, meeting, regions=("north", "south"))
        assert ledger.region("south").standards == []
        adopt(ledger, meeting, regions=("north",))
        adopt(ledger, meeting, MANAGER, decision_id="for-south", regions=("south",))
        adopt(ledger, meeting, ADMIN, decision_id="by-admin", regions=("south",))
        assert [s.decision_id for s in ledger.region("south").standards] == ["for-south", "by-admin"]

    def test_a_first_response_after_the_resolution_in_force_is_refused(self, ledger: CaseLedger) -> None:
        meeting = held_meeting(ledger)
        with pytest.raises(FirstResponseAfterResolution, match="due in 8760 hours, after its resolution target "
                           r"\(8 hours\)"):
            adopt(ledger, meeting, first=8760, resolution=None)
        adopt(ledger, meeting, decision_id="resolve-in-48", first=None, resolution=48)
        with pytest.raises(FirstResponseAfterResolution, match=r"resolution target \(48 hours\)"):
            adopt(ledger, meeting, decision_id="late", first=72, resolution=None)
        adopt(ledger, meeting, decision_id="fine", first=40, resolution=None)
        assert [s.decision_id for s in ledger.region("north").standards] == ["resolve-in-48", "fine"]
