"""Coordinators' meetings: scheduled, agenda, held with attendance, minuted, decisions, closed or cancelled."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain.casework.case_events import Category, PolicyArea
from domain.errors import (
    AgendaItemEmpty,
    DecisionScopeEmpty,
    DuplicateAgendaItem,
    DuplicateDecision,
    EffectiveDateInPast,
    InvalidValue,
    MeetingNeedsCoordinatorOrManager,
    NoCoordinatorPresent,
    NotOnStaff,
    ProcessHasNoTargets,
    TransitionRefused,
)
from domain.policy.meeting import AgendaItem, Attendee, Decision, Meeting, MeetingStatus
from domain.policy.standard import DecisionKind
from domain.values import Actor, Role
from tests.factories import ADMIN, COORDINATOR, NOW, REP, TODAY, ctx

MANAGER = Actor(id="director", role=Role.MANAGER)
PRESENT = [Attendee(staff_id="coord-north", role=Role.COORDINATOR, region="north"),
           Attendee(staff_id="coord-south", role=Role.COORDINATOR, region="south")]


def scheduled(actor: Actor = COORDINATOR) -> Meeting:
    return Meeting.schedule(ctx(actor), uuid4(), "Quarterly coordinators' meeting", NOW + timedelta(days=7))


def held() -> Meeting:
    meeting = scheduled()
    meeting.hold(ctx(COORDINATOR), PRESENT)
    return meeting


def minuted() -> Meeting:
    meeting = held()
    meeting.record_minutes(ctx(COORDINATOR), "Returns trouble customers in both regions.")
    return meeting


def decision(decision_id: str = "d1", kind: DecisionKind = DecisionKind.STANDARD, **fields: object) -> Decision:
    values: dict[str, object] = {"decision_id": decision_id, "kind": kind, "text": "Answer billing cases in 2 hours",
                                 "regions": ["north", "south"], "categories": [Category.BILLING],
                                 "effective_on": TODAY + timedelta(days=1), "first_response_hours": 2}
    return Decision.model_validate({**values, **fields})


class TestScheduling:
    def test_a_coordinator_or_manager_schedules_a_meeting(self) -> None:
        for actor in (COORDINATOR, MANAGER, ADMIN):
            meeting = scheduled(actor)
            assert meeting.status is MeetingStatus.SCHEDULED
            assert meeting.scheduled_for == NOW + timedelta(days=7)

    def test_a_representative_may_not_schedule_a_meeting(self) -> None:
        with pytest.raises(MeetingNeedsCoordinatorOrManager, match=r"rep-north-1 \(as representative\) may not"):
            scheduled(REP)

    def test_the_refusal_of_a_representative_is_a_staff_refusal(self) -> None:
        assert issubclass(MeetingNeedsCoordinatorOrManager, NotOnStaff)


class TestAgenda:
    def test_items_are_common_problems_or_written_text(self) -> None:
        meeting = scheduled()
        meeting.add_agenda_item(ctx(COORDINATOR), AgendaItem(item_id="returns", policy_area=PolicyArea.RETURNS,
                                                  regions=["north", "south", "north"]))
        meeting.add_agenda_item(ctx(COORDINATOR), AgendaItem(item_id="news", text="Share the new outage script"))
        assert [item.item_id for item in meeting.agenda] == ["returns", "news"]
        assert meeting.agenda[0].regions == ["north", "south"]

    def test_an_item_saying_nothing_is_refused(self) -> None:
        with pytest.raises(AgendaItemEmpty, match="give its text or the policy area"):
            scheduled().add_agenda_item(ctx(COORDINATOR), AgendaItem(item_id="empty"))

    def test_regions_without_a_policy_area_are_refused(self) -> None:
        with pytest.raises(AgendaItemEmpty, match="give its policy area too"):
            scheduled().add_agenda_item(ctx(COORDINATOR), AgendaItem(item_id="x", text="Hello", regions=["north"]))

    def test_an_item_id_is_used_once(self) -> None:
        meeting = scheduled()
        meeting.add_agenda_item(ctx(COORDINATOR), AgendaItem(item_id="news", text="One"))
        with pytest.raises(DuplicateAgendaItem):
            meeting.add_agenda_item(ctx(COORDINATOR), AgendaItem(item_id="news", text="Two"))

    def test_items_are_added_only_before_the_meeting_is_held(self) -> None:
        with pytest.raises(TransitionRefused, match="it is held; allowed only when scheduled"):
            held().add_agenda_item(ctx(COORDINATOR), AgendaItem(item_id="late", text="Too late"))


class TestHolding:
    def test_holding_records_who_attended_once_each(self) -> None:
        meeting = scheduled()
        meeting.hold(ctx(COORDINATOR), [*PRESENT, PRESENT[0], Attendee(staff_id="director", role=Role.MANAGER)])
        assert meeting.status is MeetingStatus.HELD
        assert [a.staff_id for a in meeting.attendees] == ["coord-north", "coord-south", "director"]
        assert meeting.held_at == NOW

    def test_a_meeting_without_a_coordinator_present_is_refused(self) -> None:
        with pytest.raises(NoCoordinatorPresent):
            scheduled().hold(ctx(MANAGER), [Attendee(staff_id="director", role=Role.MANAGER)])

    def test_a_meeting_is_held_once(self) -> None:
        with pytest.raises(TransitionRefused):
            held().hold(ctx(COORDINATOR), PRESENT)

    def test_a_cancelled_meeting_is_not_held(self) -> None:
        meeting = scheduled()
        meeting.cancel(ctx(COORDINATOR), "Too few could come")
        assert meeting.status is MeetingStatus.CANCELLED and meeting.cancel_reason == "Too few could come"
        with pytest.raises(TransitionRefused, match="it is cancelled"):
            meeting.hold(ctx(COORDINATOR), PRESENT)

    def test_a_held_meeting_cannot_be_cancelled(self) -> None:
        with pytest.raises(TransitionRefused, match="cannot cancel meeting"):
            held().cancel(ctx(COORDINATOR), "Changed our minds")


class TestMinutesAndClosing:
    def test_minutes_are_recorded_after_the_meeting_is_held(self) -> None:
        meeting = minuted()
        assert meeting.status is MeetingStatus.MINUTED
        assert meeting.minutes == "Returns trouble customers in both regions."

    def test_minutes_of_a_meeting_not_yet_held_are_refused(self) -> None:
        with pytest.raises(TransitionRefused, match="cannot record minutes of meeting"):
            scheduled().record_minutes(ctx(COORDINATOR), "Nothing yet")

    def test_a_minuted_meeting_is_closed(self) -> None:
        meeting = minuted()
        meeting.close(ctx(MANAGER))
        assert meeting.status is MeetingStatus.CLOSED and meeting.closed_at == NOW

    def test_a_meeting_without_minutes_is_not_closed(self) -> None:
        with pytest.raises(TransitionRefused, match="allowed only when minuted"):
            held().close(ctx(COORDINATOR))


class TestDecisions:
    def test_a_standard_is_recorded_with_its_scope_and_effective_date(self) -> None:
        meeting = held()
        meeting.record_decision(ctx(COORDINATOR), decision(regions=["north", "south", "north"]))
        recorded = meeting.decision("d1")
        assert recorded.regions == ["north", "south"] and recorded.categories == [Category.BILLING]
        standard = recorded.standard(meeting.id)
        assert standard is not None and standard.first_response_hours == 2 and standard.categories == ["billing"]

    def test_decisions_are_recorded_until_the_meeting_is_closed(self) -> None:
        meeting = minuted()
        meeting.record_decision(ctx(COORDINATOR), decision("d2"))
        meeting.close(ctx(COORDINATOR))
        with pytest.raises(TransitionRefused, match="allowed only when held, minuted"):
            meeting.record_decision(ctx(COORDINATOR), decision("d3"))

    def test_a_decision_before_the_meeting_is_held_is_refused(self) -> None:
        with pytest.raises(TransitionRefused):
            scheduled().record_decision(ctx(COORDINATOR), decision())

    def test_a_business_process_is_text_only_and_holds_no_standard(self) -> None:
        meeting = held()
        process = decision(kind=DecisionKind.BUSINESS_PROCESS, first_response_hours=None, text="Returns: log reason")
        meeting.record_decision(ctx(COORDINATOR), process)
        assert meeting.decision("d1").standard(meeting.id) is None

    def test_a_business_process_with_targets_is_refused(self) -> None:
        with pytest.raises(ProcessHasNoTargets):
            held().record_decision(ctx(COORDINATOR), decision(kind=DecisionKind.BUSINESS_PROCESS))

    def test_a_decision_may_reference_a_policy_proposal(self) -> None:
        meeting, proposal = held(), uuid4()
        meeting.record_decision(ctx(COORDINATOR), decision(proposal_id=proposal))
        assert meeting.decision("d1").proposal_id == proposal

    def test_a_decision_id_is_used_once(self) -> None:
        meeting = held()
        meeting.record_decision(ctx(COORDINATOR), decision())
        with pytest.raises(DuplicateDecision):
            meeting.record_decision(ctx(COORDINATOR), decision())

    def test_a_decision_names_its_regions(self) -> None:
        with pytest.raises(DecisionScopeEmpty):
            held().record_decision(ctx(COORDINATOR), decision(regions=[]))

    def test_an_effective_date_before_today_is_refused(self) -> None:
        with pytest.raises(EffectiveDateInPast, match="before today"):
            held().record_decision(ctx(COORDINATOR), decision(effective_on=TODAY - timedelta(days=1)))

    def test_today_is_an_effective_date(self) -> None:
        meeting = held()
        meeting.record_decision(ctx(COORDINATOR), decision(effective_on=TODAY))
        assert meeting.decision("d1").effective_on == TODAY

    def test_a_first_response_target_longer_than_the_resolution_target_is_refused(self) -> None:
        with pytest.raises(InvalidValue, match="first_response_hours"):
            held().record_decision(ctx(COORDINATOR), decision(first_response_hours=48, resolution_hours=24))

    def test_a_representative_may_not_record_a_decision(self) -> None:
        meeting = held()
        with pytest.raises(MeetingNeedsCoordinatorOrManager):
            meeting.record_decision(ctx(REP), decision())
        assert meeting.decisions == [] and len(meeting.pending_events) == 2

    def test_an_effective_date_is_a_calendar_date(self) -> None:
        with pytest.raises(ValueError):
            decision(effective_on=date(10, 1, 1))
