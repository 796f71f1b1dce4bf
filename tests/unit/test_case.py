"""Every case command, and every refusal of the case's rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.casework.case import ActionStatus, Case, CaseStatus
from domain.casework.case_events import (
    ActionKind,
    CaseAssigned,
    CaseEscalated,
    CaseOpened,
    CaseTriaged,
    Category,
    Channel,
    Direction,
    PolicyArea,
    ResolutionCode,
)
from domain.casework.sla import SLA_POLICY, Priority
from domain.errors import (
    ActionNotScheduled,
    ActionsStillScheduled,
    AlreadyAssigned,
    AlreadyEscalated,
    AssigneeInOtherRegion,
    CaseNotAssigned,
    CaseNotTriaged,
    DuplicateAction,
    InvalidValue,
    NotARepresentative,
    NotEscalated,
    NotEscalationHolder,
    NotRegionCoordinator,
    PolicyAreaAlreadyFlagged,
    TransitionRefused,
    UnknownAction,
)
from domain.values import CustomerContact
from tests.factories import (
    ADMIN,
    COORDINATOR,
    NOW,
    REP,
    case_in,
    coordinator,
    ctx,
    later,
    opened_case,
    representative,
)

S = CaseStatus


class TestOpening:
    def test_opening_records_who_when_and_the_customer(self) -> None:
        case = opened_case()
        (event,) = case.pending_events
        assert isinstance(event, CaseOpened)
        assert (event.actor, event.occurred_at, event.originator_version) == (REP, NOW, 1)
        assert case.status is S.NEW and case.region == "north"

    def test_customer_contact_details_are_marked_as_personal_data(self) -> None:
        schema = CustomerContact.model_json_schema()
        assert all(schema["properties"][f].get("x-personal-data") for f in ("name", "phone", "email"))

    def test_an_empty_subject_is_refused_naming_the_field(self) -> None:
        with pytest.raises(InvalidValue, match=r"^subject:"):
            Case.open(ctx(), opened_case().id, region="north", channel=Channel.WEB, customer_ref="c-1",
                      subject="  ", description="x")

    def test_an_invalid_email_is_refused_naming_the_field(self) -> None:
        with pytest.raises(ValueError, match="email"):
            CustomerContact(email="not-an-address")


class TestTriage:
    def test_triage_sets_sla_due_times_from_the_policy_table(self) -> None:
        case = opened_case()
        case.triage(later(1), Category.SERVICE_OUTAGE, Priority.URGENT)
        assert case.status is S.TRIAGED
        target = SLA_POLICY[Priority.URGENT]
        assert case.first_response_due == NOW + target.first_response
        assert case.resolution_due == NOW + target.resolution

    def test_retriage_keeps_the_status_and_recomputes_the_due_times(self) -> None:
        case = case_in(S.IN_PROGRESS)
        case.triage(later(2), Category.COMPLAINT, Priority.LOW)
        assert case.status is S.IN_PROGRESS
        assert case.resolution_due == NOW + SLA_POLICY[Priority.LOW].resolution

    @pytest.mark.parametrize("status", [S.RESOLVED, S.CLOSED])
    def test_triaging_a_finished_case_is_refused(self, status: CaseStatus) -> None:
        with pytest.raises(TransitionRefused, match="cannot triage"):
            case_in(status).triage(ctx(), Category.OTHER, Priority.LOW)


class TestAssignment:
    def test_assigning_a_triaged_case_puts_it_in_progress(self) -> None:
        case = case_in(S.TRIAGED)
        case.assign(ctx(), representative())
        assert (case.status, case.assignee) == (S.IN_PROGRESS, "rep-north-1")

    def test_reassigning_records_the_previous_assignee(self) -> None:
        case = case_in(S.IN_PROGRESS)
        case.assign(ctx(), representative("rep-north-2"))
        assert isinstance(event := case.pending_events[-1], CaseAssigned)
        assert event.previous_assignee == "rep-north-1"

    def test_assigning_an_untriaged_case_is_refused(self) -> None:
        with pytest.raises(CaseNotTriaged, match="triage it first"):
            opened_case().assign(ctx(), representative())

    def test_assigning_to_a_representative_of_another_region_is_refused(self) -> None:
        with pytest.raises(AssigneeInOtherRegion, match="of region south"):
            case_in(S.TRIAGED).assign(ctx(), representative("rep-south-1", region="south"))

    def test_assigning_to_a_coordinator_is_refused(self) -> None:
        with pytest.raises(NotARepresentative):
            case_in(S.TRIAGED).assign(ctx(), coordinator())

    def test_assigning_to_the_current_assignee_is_refused(self) -> None:
        with pytest.raises(AlreadyAssigned):
            case_in(S.IN_PROGRESS).assign(ctx(), representative())

    def test_assigning_a_closed_case_is_refused(self) -> None:
        with pytest.raises(TransitionRefused, match="it is closed"):
            case_in(S.CLOSED).assign(ctx(), representative("rep-north-2"))


class TestContactsAndNotes:
    def test_the_first_outbound_contact_is_the_first_response(self) -> None:
        case = case_in(S.TRIAGED)
        case.log_contact(later(1), Direction.INBOUND, Channel.PHONE, "Customer called again")
        assert case.first_responded_at is None
        case.log_contact(later(2), Direction.OUTBOUND, Channel.EMAIL, "Replied")
        case.log_contact(later(3), Direction.OUTBOUND, Channel.EMAIL, "Replied again")
        assert case.first_responded_at == NOW + timedelta(hours=2)
        assert case.contacts_logged == 3

    def test_notes_are_counted(self) -> None:
        case = case_in(S.IN_PROGRESS)
        case.add_note(ctx(), "Customer prefers e-mail")
        assert case.notes_added == 1

    def test_contact_details_can_be_updated(self) -> None:
        case = case_in(S.CLOSED)
        case.update_contact(ctx(), CustomerContact(phone="+386 1 234 567"))
        assert case.contact == CustomerContact(phone="+386 1 234 567")

    @pytest.mark.parametrize("command", ["log_contact", "add_note"])
    def test_a_closed_case_takes_no_contacts_or_notes(self, command: str) -> None:
        case = case_in(S.CLOSED)
        with pytest.raises(TransitionRefused, match="it is closed"):
            if command == "log_contact":
                case.log_contact(ctx(), Direction.INBOUND, Channel.PHONE, "Hello")
            else:
                case.add_note(ctx(), "Hello")


class TestActions:
    def test_scheduling_completing_and_cancelling_actions(self) -> None:
        case = case_in(S.IN_PROGRESS)
        case.schedule_action(ctx(), "visit", ActionKind.REPAIR_VISIT, NOW + timedelta(days=1), "Technician")
        case.schedule_action(ctx(), "call", ActionKind.CALL_BACK, NOW + timedelta(hours=4), "Call back")
        assert case.scheduled_actions == ["visit", "call"]
        case.complete_action(ctx(), "visit", "Line repaired")
        case.cancel_action(ctx(), "call", "Customer called first")
        assert case.actions["visit"].status is ActionStatus.COMPLETED
        assert case.actions["call"].status is ActionStatus.CANCELLED
        assert case.scheduled_actions == []

    def test_an_action_id_is_used_once(self) -> None:
        case = case_in(S.IN_PROGRESS, with_action=True)
        with pytest.raises(DuplicateAction):
            case.schedule_action(ctx(), "a1", ActionKind.CALL_BACK, NOW, "Again")

    def test_completing_an_unknown_action_is_refused(self) -> None:
        with pytest.raises(UnknownAction):
            case_in(S.IN_PROGRESS).complete_action(ctx(), "nope", "Done")

    def test_a_finished_action_cannot_be_cancelled(self) -> None:
        case = case_in(S.IN_PROGRESS, with_action=True)
        case.complete_action(ctx(), "a1", "Done")
        with pytest.raises(ActionNotScheduled, match="already completed"):
            case.cancel_action(ctx(), "a1", "Too late")

    def test_scheduling_on_a_new_case_is_refused(self) -> None:
        with pytest.raises(TransitionRefused, match="it is new"):
            opened_case().schedule_action(ctx(), "a1", ActionKind.CALL_BACK, NOW, "Call")


class TestEscalation:
    def test_escalating_hands_the_case_to_the_regions_coordinator(self) -> None:
        case = case_in(S.IN_PROGRESS)
        case.escalate(ctx(), coordinator(), "Customer is upset")
        assert (case.status, case.escalated_to) == (S.ESCALATED, "coord-north")
        assert isinstance(case.pending_events[-1], CaseEscalated)

    def test_escalating_to_another_regions_coordinator_is_refused(self) -> None:
        with pytest.raises(NotRegionCoordinator, match="coordinator of region north"):
            case_in(S.IN_PROGRESS).escalate(ctx(), coordinator("coord-south", "south"), "Upset")

    def test_escalating_to_a_representative_is_refused(self) -> None:
        with pytest.raises(NotRegionCoordinator):
            case_in(S.IN_PROGRESS).escalate(ctx(), representative("rep-north-2"), "Upset")

    def test_escalating_twice_is_refused(self) -> None:
        with pytest.raises(AlreadyEscalated, match="coord-north"):
            case_in(S.ESCALATED).escalate(ctx(), coordinator(), "Still upset")

    def test_the_coordinator_de_escalates_back_to_the_assignee(self) -> None:
        case = case_in(S.ESCALATED)
        case.de_escalate(ctx(COORDINATOR), "Calmed down; back to the rep")
        assert (case.status, case.escalated_to, case.assignee) == (S.IN_PROGRESS, None, "rep-north-1")

    def test_an_administrator_may_de_escalate(self) -> None:
        case = case_in(S.ESCALATED)
        case.de_escalate(ctx(ADMIN), "Handled centrally")
        assert case.status is S.IN_PROGRESS

    def test_a_representative_cannot_de_escalate(self) -> None:
        with pytest.raises(NotEscalationHolder, match="held by coordinator coord-north"):
            case_in(S.ESCALATED).de_escalate(ctx(REP), "I take it back")

    def test_de_escalating_a_case_that_is_not_escalated_is_refused(self) -> None:
        with pytest.raises(NotEscalated):
            case_in(S.IN_PROGRESS).de_escalate(ctx(COORDINATOR), "Nothing to hand back")


class TestWaitingOnTheCustomer:
    def test_waiting_pauses_the_sla_clock_and_resuming_moves_the_due_times(self) -> None:
        case = case_in(S.IN_PROGRESS)
        due = case.resolution_due
        assert due is not None
        case.wait_on_customer(later(2), "Waiting for the meter reading")
        assert case.status is S.WAITING_ON_CUSTOMER
        case.resume(later(7))
        assert case.status is S.IN_PROGRESS
        assert case.resolution_due == due + timedelta(hours=5)
        assert case.paused_seconds == 5 * 3600

    def test_an_escalated_case_returns_to_escalated_after_waiting(self) -> None:
        case = case_in(S.ESCALATED)
        case.wait_on_customer(later(3), "Waiting")
        case.resume(later(4))
        assert case.status is S.ESCALATED

    def test_retriage_after_a_pause_keeps_the_paused_time(self) -> None:
        case = case_in(S.IN_PROGRESS)
        case.wait_on_customer(later(2), "Waiting")
        case.resume(later(12))
        case.triage(later(13), Category.BILLING, Priority.NORMAL)
        assert case.resolution_due == NOW + timedelta(hours=10) + SLA_POLICY[Priority.NORMAL].resolution

    def test_an_unassigned_case_cannot_wait_on_the_customer(self) -> None:
        with pytest.raises(CaseNotAssigned):
            case_in(S.TRIAGED).wait_on_customer(ctx(), "Waiting")

    def test_resuming_a_case_that_is_not_waiting_is_refused(self) -> None:
        with pytest.raises(TransitionRefused, match="cannot resume"):
            case_in(S.IN_PROGRESS).resume(ctx())


class TestResolutionAndClosure:
    def test_resolving_with_a_scheduled_action_is_refused(self) -> None:
        case = case_in(S.IN_PROGRESS, with_action=True)
        with pytest.raises(ActionsStillScheduled, match="a1"):
            case.resolve(ctx(), ResolutionCode.FIXED, "Fixed")

    def test_resolving_after_the_action_is_completed(self) -> None:
        case = case_in(S.IN_PROGRESS, with_action=True)
        case.complete_action(later(5), "a1", "Account changed")
        case.resolve(later(6), ResolutionCode.ACCOUNT_CHANGED, "Changed the plan")
        assert (case.status, case.resolution_code, case.resolved_at) == (
            S.RESOLVED, ResolutionCode.ACCOUNT_CHANGED, NOW + timedelta(hours=6))

    def test_resolving_while_waiting_ends_the_pause(self) -> None:
        case = case_in(S.WAITING_ON_CUSTOMER)
        case.resolve(later(4), ResolutionCode.WITHDRAWN, "Customer withdrew")
        assert case.waiting_since is None and case.paused_seconds == 2 * 3600

    def test_resolving_an_untriaged_case_is_refused(self) -> None:
        with pytest.raises(CaseNotTriaged):
            opened_case().resolve(ctx(), ResolutionCode.FIXED, "Fixed")

    def test_resolving_an_unassigned_case_is_refused(self) -> None:
        with pytest.raises(CaseNotAssigned):
            case_in(S.TRIAGED).resolve(ctx(), ResolutionCode.FIXED, "Fixed")

    def test_closing_takes_no_score_of_the_closer(self) -> None:
        case = case_in(S.RESOLVED)
        case.close(ctx())
        assert (case.status, case.staff_rating, case.survey_answers) == (S.CLOSED, None, [])

    def test_closing_an_unresolved_case_is_refused(self) -> None:
        with pytest.raises(TransitionRefused, match="allowed only when resolved"):
            case_in(S.IN_PROGRESS).close(ctx())

    @pytest.mark.parametrize("status", [S.RESOLVED, S.CLOSED])
    def test_reopening_returns_the_case_to_its_assignee_with_a_new_due_time(self, status: CaseStatus) -> None:
        case = case_in(status)
        case.reopen(later(48), "The problem came back")
        assert (case.status, case.resolution_code, case.closed_at, case.reopened) == (S.IN_PROGRESS, None, None, 1)
        assert case.resolution_due == NOW + timedelta(hours=48) + SLA_POLICY[Priority.HIGH].resolution

    def test_reopening_an_open_case_is_refused(self) -> None:
        with pytest.raises(TransitionRefused, match="cannot reopen"):
            case_in(S.IN_PROGRESS).reopen(ctx(), "Why")


class TestPolicyIssues:
    def test_a_closed_case_can_be_flagged_as_a_policy_issue(self) -> None:
        case = case_in(S.CLOSED)
        case.flag_policy_issue(ctx(), PolicyArea.RETURNS, "The return window confuses customers")
        (flag,) = case.policy_flags
        assert (flag.area, flag.flagged_by) == (PolicyArea.RETURNS, REP)

    def test_a_case_is_flagged_once_per_policy_area(self) -> None:
        case = case_in(S.IN_PROGRESS)
        case.flag_policy_issue(ctx(), PolicyArea.BILLING, "Confusing bill")
        case.flag_policy_issue(ctx(), PolicyArea.PAYMENTS, "Slow refunds")
        with pytest.raises(PolicyAreaAlreadyFlagged):
            case.flag_policy_issue(ctx(), PolicyArea.BILLING, "Again")


def test_every_event_carries_the_trace_of_its_command() -> None:
    case = opened_case()
    command = ctx()
    case.triage(command, Category.BILLING, Priority.LOW)
    event = case.pending_events[-1]
    assert isinstance(event, CaseTriaged)
    assert (event.correlation_id, event.causation_id, event.originator_version) == (command.correlation_id, None, 2)
    assert event.event_id == type(event).model_validate(event.model_dump()).event_id
