"""A case's SLA clocks on a region's business-hours calendar, the timers they want, and what each timer does when
it fires: all on the aggregate, with fixed times (Berlin office hours, Monday to Friday 09:00-17:00)."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.casework.case import Case, CaseStatus
from domain.casework.case_events import (
    ActionKind,
    ActionOverdue,
    CaseEscalated,
    CaseResolved,
    CaseResumed,
    Category,
    Channel,
    CustomerReminderDue,
    Direction,
    ResolutionCode,
    SlaAtRisk,
    SlaBreached,
    TimeoutOutcome,
    WaitingTimedOut,
)
from domain.casework.sla import Priority
from domain.casework.sla_clock import ClockName, ClockStatus
from domain.errors import DomainError, TimerNotWanted
from domain.ledger import TIMERS
from domain.staff.calendar import BusinessCalendar, Weekday, WorkingHours
from domain.staff.time_policy import GiveUpAction, TimePolicy
from domain.values import Actor, Context
from tests.factories import COORDINATOR, REP, coordinator, ctx, representative

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = BusinessCalendar(time_zone="Europe/Berlin", hours=tuple(
    WorkingHours(weekday=day, start="09:00", end="17:00") for day in list(Weekday)[:5])).checked()
POLICY = TimePolicy()
FR, NU, RES = ClockName.FIRST_RESPONSE, ClockName.NEXT_UPDATE, ClockName.RESOLUTION


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def at(moment: datetime, actor: Actor = REP) -> Context:
    return ctx(actor, moment)


def opened(moment: datetime) -> Case:
    return Case.open(at(moment), uuid4(), region="north", channel=Channel.PHONE, customer_ref="cust-1",
                     subject="No line", description="The line is dead since the storm.")


def working(moment: datetime, priority: Priority = Priority.HIGH, policy: TimePolicy = POLICY) -> Case:
    """A case opened, triaged and assigned at `moment` on office hours (no first response yet)."""
    case = opened(moment)
    case.triage(at(moment), Category.SERVICE_OUTAGE, priority, calendar=OFFICE, policy=policy)
    case.assign(at(moment), representative())
    return case


def replayed(case: Case) -> Case:
    events = case.pending_events
    again = Case.created_by(events[0])  # type: ignore[arg-type]
    for event in events[1:]:
        again.apply(event)
    return again


TUESDAY, WEDNESDAY, FRIDAY, MONDAY = date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 6), date(2026, 3, 9)


class TestClocksOnTheRegionsCalendar:
    def test_a_case_opened_outside_business_hours_is_due_from_the_next_opening(self) -> None:
        case = working(berlin(TUESDAY, 22, 30))  # high: first response in 4 hours, resolution in 24
        assert case.first_response_due == berlin(WEDNESDAY, 13)
        assert case.resolution_due == berlin(FRIDAY, 17)
        clock = case.sla_clocks[FR]
        assert (clock.status, clock.due_at, clock.at_risk_at) == (ClockStatus.RUNNING, berlin(WEDNESDAY, 13),
                                                                  berlin(WEDNESDAY, 12, 12))  # 80% of 4 hours

    def test_a_weekend_and_a_daylight_saving_change_do_not_count(self) -> None:
        case = working(berlin(date(2026, 3, 27), 16, 30), Priority.URGENT)  # a Friday; summer time on Sunday
        assert case.first_response_due == berlin(date(2026, 3, 30), 9, 30)
        assert case.first_response_due.astimezone(UTC) == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)

    def test_a_pause_across_a_weekend_freezes_the_business_time_left(self) -> None:
        case = working(berlin(FRIDAY, 10))  # first response due Friday 14:00
        case.wait_on_customer(at(berlin(FRIDAY, 13)), "Meter reading", calendar=OFFICE, policy=POLICY)
        paused = case.sla_clocks[FR]
        assert (paused.status, paused.remaining_seconds) == (ClockStatus.PAUSED, 3600)
        assert case.timers().keys() == {"waiting.reminder", "waiting.timeout"}
        case.resume(at(berlin(MONDAY, 11)), calendar=OFFICE, policy=POLICY)
        assert case.first_response_due == case.sla_clocks[FR].due_at == berlin(MONDAY, 12)
        assert case.timers()["sla.first_response.breach"] == berlin(MONDAY, 12)
        assert isinstance(case.pending_events[-1], CaseResumed)

    def test_an_outbound_contact_stops_the_first_response_and_restarts_the_next_update(self) -> None:
        case = working(berlin(TUESDAY, 10))
        case.log_contact(at(berlin(TUESDAY, 11)), Direction.OUTBOUND, Channel.PHONE, "Called back", OFFICE, POLICY)
        assert case.sla_clocks[FR].status is ClockStatus.STOPPED
        assert case.sla_clocks[NU].due_at == berlin(WEDNESDAY, 11)  # high: 8 business hours
        case.log_contact(at(berlin(TUESDAY, 15)), Direction.OUTBOUND, Channel.EMAIL, "Sent the plan", OFFICE, POLICY)
        assert case.sla_clocks[NU].due_at == berlin(WEDNESDAY, 15)
        case.log_contact(at(berlin(TUESDAY, 16)), Direction.INBOUND, Channel.EMAIL, "Thanks", OFFICE, POLICY)
        assert case.sla_clocks[NU].due_at == berlin(WEDNESDAY, 15)

    def test_resolving_stops_every_clock_and_reopening_restarts_the_resolution(self) -> None:
        case = working(berlin(TUESDAY, 10))
        case.resolve(at(berlin(TUESDAY, 12)), ResolutionCode.FIXED, "Line repaired")
        assert {clock.status for clock in case.sla_clocks.values()} == {ClockStatus.STOPPED}
        assert case.timers() == {}
        case.reopen(at(berlin(TUESDAY, 16)), "Dead again", calendar=OFFICE, policy=POLICY)
        assert case.sla_clocks[RES].due_at == case.resolution_due == berlin(date(2026, 3, 6), 16)
        assert case.sla_clocks[FR].status is ClockStatus.STOPPED

    def test_the_clocks_replay_without_a_calendar(self) -> None:
        case = working(berlin(FRIDAY, 10))
        case.wait_on_customer(at(berlin(FRIDAY, 13)), "Meter reading", calendar=OFFICE, policy=POLICY)
        case.resume(at(berlin(MONDAY, 11)), calendar=OFFICE, policy=POLICY)
        case.log_contact(at(berlin(MONDAY, 12)), Direction.OUTBOUND, Channel.PHONE, "Called", OFFICE, POLICY)
        assert replayed(case).model_dump() == case.model_dump()


class TestTimers:
    def test_a_triaged_case_wants_a_warning_and_a_breach_per_running_clock(self) -> None:
        case = working(berlin(TUESDAY, 10))
        assert case.timers() == {
            "sla.first_response.at_risk": berlin(TUESDAY, 13, 12), "sla.first_response.breach": berlin(TUESDAY, 14),
            "sla.resolution.at_risk": berlin(date(2026, 3, 5), 13, 12), "sla.resolution.breach": berlin(FRIDAY, 10)}

    def test_the_at_risk_warning_is_for_the_assignee_and_is_given_once(self) -> None:
        case = working(berlin(TUESDAY, 10))
        case.fire_timer(at(berlin(TUESDAY, 13, 12), TIMERS), "sla.first_response.at_risk", coordinator())
        warning = case.pending_events[-1]
        assert isinstance(warning, SlaAtRisk) and (warning.clock, warning.assignee) == (FR, "rep-north-1")
        assert "sla.first_response.at_risk" not in case.timers() and "sla.first_response.breach" in case.timers()
        with pytest.raises(TimerNotWanted):
            case.fire_timer(at(berlin(TUESDAY, 13, 13), TIMERS), "sla.first_response.at_risk", coordinator())

    def test_a_breach_escalates_to_the_regions_coordinator(self) -> None:
        case = working(berlin(TUESDAY, 10))
        case.fire_timer(at(berlin(TUESDAY, 14), TIMERS), "sla.first_response.breach", coordinator(), OFFICE, POLICY)
        breach, escalation = case.pending_events[-2:]
        assert isinstance(breach, SlaBreached) and breach.due_at == berlin(TUESDAY, 14)
        assert isinstance(escalation, CaseEscalated) and escalation.coordinator_id == "coord-north"
        assert escalation.reason == "SLA breached: the first response was due 2026-03-03 13:00 UTC"
        assert case.status is CaseStatus.ESCALATED and escalation.actor == TIMERS
        assert not any(purpose.startswith("sla.first_response") for purpose in case.timers())

    @pytest.mark.parametrize("why", ["policy", "escalated", "no coordinator"])
    def test_a_breach_is_only_recorded_when_the_case_is_not_to_be_escalated(self, why: str) -> None:
        policy = TimePolicy(escalate_on_breach=why != "policy")
        case = working(berlin(TUESDAY, 10))
        if why == "escalated":
            case.escalate(at(berlin(TUESDAY, 11)), coordinator(), "Upset")
        case.fire_timer(at(berlin(TUESDAY, 14), TIMERS), "sla.first_response.breach",
                        None if why == "no coordinator" else coordinator(), OFFICE, policy)
        assert isinstance(case.pending_events[-1], SlaBreached)
        assert sum(isinstance(event, CaseEscalated) for event in case.pending_events) == (why == "escalated")

    def test_an_overdue_action_is_flagged_once(self) -> None:
        case = working(berlin(TUESDAY, 10))
        case.schedule_action(at(berlin(TUESDAY, 10)), "visit-1", ActionKind.REPAIR_VISIT, berlin(TUESDAY, 15),
                             "Technician to the cabinet")
        assert case.timers()["action.visit-1.overdue"] == berlin(TUESDAY, 15)
        case.fire_timer(at(berlin(TUESDAY, 15), TIMERS), "action.visit-1.overdue", coordinator())
        assert isinstance(overdue := case.pending_events[-1], ActionOverdue) and overdue.action_id == "visit-1"
        assert case.actions["visit-1"].overdue and "action.visit-1.overdue" not in case.timers()

    def test_a_silent_customer_is_reminded_then_the_case_is_resolved(self) -> None:
        case = working(berlin(TUESDAY, 10))
        case.wait_on_customer(at(berlin(TUESDAY, 11)), "Photo of the socket", calendar=OFFICE, policy=POLICY)
        assert case.timers() == {"waiting.reminder": berlin(date(2026, 3, 6), 11),
                                 "waiting.timeout": berlin(date(2026, 3, 10), 11)}
        case.fire_timer(at(berlin(FRIDAY, 11), TIMERS), "waiting.reminder", coordinator(), OFFICE, POLICY)
        assert isinstance(case.pending_events[-1], CustomerReminderDue)
        case.fire_timer(at(berlin(date(2026, 3, 10), 11), TIMERS), "waiting.timeout", coordinator(), OFFICE, POLICY)
        timed_out, resolved = case.pending_events[-2:]
        assert isinstance(timed_out, WaitingTimedOut) and timed_out.outcome is TimeoutOutcome.RESOLVED
        assert isinstance(resolved, CaseResolved)
        assert resolved.resolution_code is ResolutionCode.NO_CUSTOMER_RESPONSE and case.timers() == {}

    def test_giving_up_records_the_refusal_when_an_action_is_still_scheduled(self) -> None:
        case = working(berlin(TUESDAY, 10))
        case.schedule_action(at(berlin(TUESDAY, 10)), "visit-1", ActionKind.REPAIR_VISIT, berlin(MONDAY, 15), "Visit")
        case.wait_on_customer(at(berlin(TUESDAY, 11)), "Photo", calendar=OFFICE, policy=POLICY)
        case.fire_timer(at(berlin(date(2026, 3, 10), 11), TIMERS), "waiting.timeout", coordinator(), OFFICE, POLICY)
        timed_out = case.pending_events[-1]
        assert isinstance(timed_out, WaitingTimedOut) and timed_out.outcome is TimeoutOutcome.REFUSED
        assert timed_out.reason is not None and "visit-1" in timed_out.reason
        assert case.status is CaseStatus.WAITING_ON_CUSTOMER and "waiting.timeout" not in case.timers()

    def test_giving_up_can_escalate_or_only_record(self) -> None:
        escalating = TimePolicy(give_up_action=GiveUpAction.ESCALATE)
        case = working(berlin(TUESDAY, 10), policy=escalating)
        case.wait_on_customer(at(berlin(TUESDAY, 11)), "Photo", calendar=OFFICE, policy=escalating)
        case.fire_timer(at(berlin(date(2026, 3, 10), 11), TIMERS), "waiting.timeout", coordinator(), OFFICE,
                        escalating)
        assert [type(e).__name__ for e in case.pending_events[-3:]] == ["WaitingTimedOut", "CaseResumed",
                                                                      "CaseEscalated"]
        assert case.status is CaseStatus.ESCALATED
        quiet = TimePolicy(give_up_action=GiveUpAction.NONE)
        other = working(berlin(TUESDAY, 10), policy=quiet)
        other.wait_on_customer(at(berlin(TUESDAY, 11)), "Photo", calendar=OFFICE, policy=quiet)
        other.fire_timer(at(berlin(date(2026, 3, 10), 11), TIMERS), "waiting.timeout", coordinator(), OFFICE, quiet)
        assert isinstance(done := other.pending_events[-1], WaitingTimedOut) and done.outcome is TimeoutOutcome.RECORDED
        assert other.status is CaseStatus.WAITING_ON_CUSTOMER and other.timers() == {}

    def test_a_timer_the_case_does_not_want_is_refused(self) -> None:
        with pytest.raises(TimerNotWanted, match=r"sla\.next_update\.breach"):
            working(berlin(TUESDAY, 10)).fire_timer(at(berlin(TUESDAY, 20), TIMERS), "sla.next_update.breach",
                                                    coordinator())


# -- a property over any sequence of commands -----------------------------------------------------------------

STEPS = st.lists(st.tuples(st.sampled_from([
    "outbound", "inbound", "wait", "resume", "escalate", "schedule", "complete", "resolve", "close", "reopen",
    "retriage", "fire",
]), st.integers(1, 60 * 60 * 30)), max_size=25)


@settings(max_examples=150, deadline=None)
@given(STEPS, st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 1),  # noqa: DTZ001
                           timezones=st.just(UTC)))
def test_the_clocks_and_timers_hold_whatever_the_commands(steps: list[tuple[str, int]], start: datetime) -> None:
    """Whatever commands run in any order: a case that is not open wants no timer, a running clock warns before
    it is due, a paused one knows what it has left, and replaying the events gives the same case."""
    moment = start
    case = working(moment)
    for step, seconds in steps:
        moment += timedelta(seconds=seconds)
        now = at(moment, COORDINATOR if step in ("resolve", "close") else REP)
        with suppress(DomainError):  # a command the case's rules refuse changes nothing
            _run(case, step, now)
        if not case.is_open:
            assert case.timers() == {}
        for clock in case.sla_clocks.values():
            if clock.status is ClockStatus.RUNNING:
                assert clock.at_risk_at is not None and clock.at_risk_at <= clock.due_at
            assert (clock.remaining_seconds is not None) == (clock.status is ClockStatus.PAUSED)
    assert replayed(case).model_dump() == case.model_dump()


def _run(case: Case, step: str, now: Context) -> None:  # noqa: C901 - one arm per step
    match step:
        case "outbound" | "inbound":
            direction = Direction.OUTBOUND if step == "outbound" else Direction.INBOUND
            case.log_contact(now, direction, Channel.PHONE, "Talked", OFFICE, POLICY)
        case "wait":
            case.wait_on_customer(now, "Waiting", OFFICE, POLICY)
        case "resume":
            case.resume(now, OFFICE, POLICY)
        case "escalate":
            case.escalate(now, coordinator(), "Upset")
        case "schedule":
            case.schedule_action(now, f"a{case.version}", ActionKind.CALL_BACK, now.now + timedelta(hours=5), "Call")
        case "complete":
            for action_id in case.scheduled_actions[:1]:
                case.complete_action(now, action_id, "Done")
        case "resolve":
            case.resolve(now, ResolutionCode.FIXED, "Fixed")
        case "close":
            case.close(now)
        case "reopen":
            case.reopen(now, "Again", calendar=OFFICE, policy=POLICY)
        case "retriage":
            case.triage(now, Category.BILLING, Priority.LOW, calendar=OFFICE, policy=POLICY)
        case "fire":
            for purpose, due in sorted(case.timers().items(), key=lambda item: item[1])[:1]:
                if due <= now.now:
                    case.fire_timer(at(now.now, TIMERS), purpose, coordinator(), OFFICE, POLICY)
