"""A case's timers over the command service on both backends: each purpose fired as `ledger.fire_timer` does it
(a command caused by the timer, acting as the engine), on a region with office hours; what the queue shows; and
the stored timers the process manager fires."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from adapters.clock import SimulatedClock
from adapters.process_manager import ProcessManager
from adapters.projection_runner import ProjectionRunner
from api.bootstrap import build_runner
from api.settings import Settings
from domain.application import CaseLedger
from domain.casework.case import Case, CaseStatus
from domain.casework.case_events import ActionKind, Category, Channel, Direction, Priority, ResolutionCode
from domain.errors import TimerNotWanted
from domain.ledger import TIMERS
from domain.staff.calendar import BusinessCalendar, Weekday, WorkingHours
from domain.staff.time_policy import TimePolicy
from domain.timer import DueTimer
from projections.cases import case_page
from tests.factories import ADMIN, COORDINATOR, REP

TALLINN_OFFICE = BusinessCalendar(time_zone="Europe/Tallinn", hours=tuple(
    WorkingHours(weekday=day, start="09:00", end="17:00") for day in list(Weekday)[:5]))
"""Monday to Friday 09:00-17:00 in Tallinn (UTC+2 in March): the tests start Monday 2026-03-02 at 11:00 there."""


@pytest.fixture
def runner(ledger: CaseLedger, settings: Settings) -> Iterator[ProjectionRunner]:
    runner = build_runner(settings, ledger)
    yield runner
    runner.store.close()


def fire(ledger: CaseLedger, case_id: UUID, purpose: str) -> list[str]:
    """Fire a timer of the case now, as the process manager would: the events it caused."""
    timer = DueTimer(id=uuid4(), record_id=case_id, kind="case", purpose=purpose, due_at=ledger.clock(),
                     region="north")
    ledger.fire_timer(timer)
    caused = [event for event in ledger.history(case_id) if event.causation_id == timer.id]
    assert all(event.actor == TIMERS for event in caused)
    return [event.type_name for event in caused]


def office_case(ledger: CaseLedger, policy: TimePolicy | None = None) -> UUID:
    """A high-priority case of north, on office hours, triaged and assigned at the clock's time."""
    ledger.set_calendar(ledger.context(ADMIN), "north", TALLINN_OFFICE)
    if policy is not None:
        ledger.set_time_policy(ledger.context(ADMIN), "north", policy)
    case_id = ledger.open_case(ledger.context(REP), region="north", channel=Channel.PHONE, customer_ref="c-1",
                               subject="No line", description="Dead since the storm").id
    ledger.triage_case(ledger.context(REP), case_id, Category.SERVICE_OUTAGE, Priority.HIGH)
    ledger.assign_case(ledger.context(REP), case_id, "rep-north-1")
    return case_id


def at(clock: SimulatedClock, moment: datetime) -> None:
    clock.now = moment


def test_every_case_timer_fires_as_a_command_caused_by_it(ledger: CaseLedger, clock: SimulatedClock,
                                                          runner: ProjectionRunner) -> None:
    case_id = office_case(ledger)
    case = ledger.get(Case, case_id)
    assert case.first_response_due == datetime(2026, 3, 2, 13, tzinfo=UTC)  # 4 office hours from 11:00 Tallinn
    assert case.timers()["sla.first_response.at_risk"] == datetime(2026, 3, 2, 12, 12, tzinfo=UTC)
    # the warning, for the assignee; then the breach, escalated to the region's coordinator
    at(clock, datetime(2026, 3, 2, 12, 12, tzinfo=UTC))
    assert fire(ledger, case_id, "sla.first_response.at_risk") == ["SlaAtRisk"]
    with pytest.raises(TimerNotWanted):
        fire(ledger, case_id, "sla.first_response.breach")  # not yet due
    at(clock, datetime(2026, 3, 2, 13, tzinfo=UTC))
    assert fire(ledger, case_id, "sla.first_response.breach") == ["SlaBreached", "CaseEscalated"]
    assert ledger.get(Case, case_id).escalated_to == "coord-north"
    # an action left scheduled past its time is flagged overdue
    ledger.schedule_action(ledger.context(COORDINATOR), case_id, "visit-1", ActionKind.REPAIR_VISIT,
                           datetime(2026, 3, 2, 14, tzinfo=UTC), "Technician to the cabinet")
    at(clock, datetime(2026, 3, 2, 14, tzinfo=UTC))
    assert fire(ledger, case_id, "action.visit-1.overdue") == ["ActionOverdue"]
    runner.catch_up()
    with runner.store.reader() as view:
        (row,) = case_page(view, {"region": "north", "overdue": True}).items
        assert (row["id"], row["overdue_actions"], row["sla_at_risk"], row["sla_breached"]) == (str(case_id), 1, 1, 1)
    ledger.complete_action(ledger.context(COORDINATOR), case_id, "visit-1", "Cabinet repaired")
    # the customer is silent: reminded after 3 days, the case resolved after 7 (the region's default policy)
    ledger.wait_on_customer(ledger.context(COORDINATOR), case_id, "Is the line back?")
    with pytest.raises(TimerNotWanted):
        fire(ledger, case_id, "waiting.timeout")
    clock.advance(timedelta(days=3))
    assert fire(ledger, case_id, "waiting.reminder") == ["CustomerReminderDue"]
    clock.advance(timedelta(days=4))
    assert fire(ledger, case_id, "waiting.timeout") == ["WaitingTimedOut", "CaseResolved"]
    done = ledger.get(Case, case_id)
    assert (done.status, done.resolution_code, done.timers()) == (CaseStatus.RESOLVED,
                                                                 ResolutionCode.NO_CUSTOMER_RESPONSE, {})
    runner.catch_up()
    with runner.store.reader() as view:
        assert case_page(view, {"region": "north", "overdue": True}).items == []
        (row,) = case_page(view, {"region": "north", "overdue": False}).items
        assert (row["status"], row["sla_at_risk"], row["sla_breached"], row["next_update_due"]) == (
            "resolved", 0, 1, None)


def test_the_queue_shows_the_next_update_due_on_office_hours(ledger: CaseLedger, clock: SimulatedClock,
                                                             runner: ProjectionRunner) -> None:
    case_id = office_case(ledger)
    at(clock, datetime(2026, 3, 2, 14, tzinfo=UTC))  # 16:00 in Tallinn: an office hour today, seven tomorrow
    ledger.log_contact(ledger.context(REP), case_id, Direction.OUTBOUND, Channel.PHONE, "Called back")
    runner.catch_up()
    with runner.store.reader() as view:
        (row,) = case_page(view, {"region": "north"}).items
    assert row["next_update_due"] == "2026-03-03T14:00:00.000000+00:00"  # 16:00 in Tallinn


def test_the_process_manager_fires_a_breach_once_and_escalates(ledger: CaseLedger, clock: SimulatedClock) -> None:
    case_id = office_case(ledger, TimePolicy(at_risk_percent=50))
    manager = ProcessManager(ledger)
    assert manager.run_once().fired == 0
    at(clock, datetime(2026, 3, 2, 13, tzinfo=UTC))  # the first response's warning (12:00) and breach (13:00)
    assert manager.run_once().fired == 2
    assert [event.type_name for event in ledger.history(case_id)[-3:]] == ["SlaAtRisk", "SlaBreached",
                                                                           "CaseEscalated"]
    assert manager.run_once().fired == 0
    assert ledger.get(Case, case_id).status is CaseStatus.ESCALATED
