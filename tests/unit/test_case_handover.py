"""A case when its region's staff changes: an escalation follows a replaced coordinator's successor, and a
representative who leaves hands their open cases back to the queue."""

from __future__ import annotations

import pytest

from domain.casework.case import CaseStatus
from domain.errors import AlreadyEscalated, CaseNotAssigned, NotEscalated, NotRegionCoordinator, TransitionRefused
from domain.staff.region import StaffChange
from domain.values import Actor, Role
from tests.factories import ADMIN, case_in, coordinator, ctx, later, representative

REPLACED = StaffChange.COORDINATOR_REPLACED
REMOVED = StaffChange.REPRESENTATIVE_REMOVED


class TestEscalationHandover:
    def test_an_escalation_moves_to_the_new_coordinator_and_stays_escalated(self) -> None:
        case = case_in(CaseStatus.ESCALATED)
        case.hand_over_escalation(later(3, ADMIN), coordinator("coord-north-2"), REPLACED)
        assert (case.status, case.escalated_to) == (CaseStatus.ESCALATED, "coord-north-2")
        handed = case.pending_events[-1]
        assert (handed.from_coordinator_id, handed.to_coordinator_id, handed.cause) == (  # type: ignore[attr-defined]
            "coord-north", "coord-north-2", REPLACED)

    def test_an_escalation_waiting_on_the_customer_moves_too(self) -> None:
        case = case_in(CaseStatus.ESCALATED)
        case.wait_on_customer(later(3), "Waiting for the invoice")
        case.hand_over_escalation(later(4, ADMIN), coordinator("coord-north-2"), REPLACED)
        case.resume(later(5))
        assert (case.status, case.escalated_to) == (CaseStatus.ESCALATED, "coord-north-2")

    def test_the_new_coordinator_then_de_escalates_it(self) -> None:
        case = case_in(CaseStatus.ESCALATED)
        case.hand_over_escalation(later(3, ADMIN), coordinator("coord-north-2"), REPLACED)
        case.de_escalate(later(4, Actor(id="coord-north-2", role=Role.COORDINATOR)), "Sorted it out")
        assert case.status is CaseStatus.IN_PROGRESS and case.escalated_to is None

    def test_a_case_not_escalated_is_refused(self) -> None:
        with pytest.raises(NotEscalated):
            case_in(CaseStatus.IN_PROGRESS).hand_over_escalation(ctx(ADMIN), coordinator("coord-north-2"), REPLACED)

    def test_handing_over_to_another_regions_coordinator_is_refused(self) -> None:
        with pytest.raises(NotRegionCoordinator):
            case_in(CaseStatus.ESCALATED).hand_over_escalation(
                later(3, ADMIN), coordinator("coord-south", "south"), REPLACED)

    def test_handing_over_to_the_holder_is_refused(self) -> None:
        with pytest.raises(AlreadyEscalated):
            case_in(CaseStatus.ESCALATED).hand_over_escalation(later(3, ADMIN), coordinator(), REPLACED)


class TestReturnToQueue:
    def test_a_case_in_progress_returns_to_the_queue_triaged_and_unassigned(self) -> None:
        case = case_in(CaseStatus.IN_PROGRESS)
        case.return_to_queue(later(3, ADMIN), REMOVED)
        assert (case.status, case.assignee) == (CaseStatus.TRIAGED, None)
        returned = case.pending_events[-1]
        assert (returned.representative_id, returned.cause) == ("rep-north-1", REMOVED)  # type: ignore[attr-defined]

    def test_a_returned_case_is_taken_by_another_representative(self) -> None:
        case = case_in(CaseStatus.IN_PROGRESS)
        case.return_to_queue(later(3, ADMIN), REMOVED)
        case.assign(later(4), representative("rep-north-2"))
        assert (case.status, case.assignee) == (CaseStatus.IN_PROGRESS, "rep-north-2")

    def test_a_case_waiting_on_the_customer_resumes_unassigned(self) -> None:
        case = case_in(CaseStatus.WAITING_ON_CUSTOMER)
        case.return_to_queue(later(3, ADMIN), REMOVED)
        assert case.status is CaseStatus.WAITING_ON_CUSTOMER
        case.resume(later(4))
        assert (case.status, case.assignee) == (CaseStatus.TRIAGED, None)

    def test_an_escalated_case_stays_with_its_coordinator(self) -> None:
        case = case_in(CaseStatus.ESCALATED)
        case.return_to_queue(later(3, ADMIN), REMOVED)
        assert (case.status, case.assignee, case.escalated_to) == (CaseStatus.ESCALATED, None, "coord-north")

    def test_an_unassigned_case_is_refused(self) -> None:
        with pytest.raises(CaseNotAssigned):
            case_in(CaseStatus.TRIAGED).return_to_queue(ctx(ADMIN), REMOVED)

    def test_a_resolved_case_is_refused(self) -> None:
        with pytest.raises(TransitionRefused):
            case_in(CaseStatus.RESOLVED).return_to_queue(later(4, ADMIN), REMOVED)
