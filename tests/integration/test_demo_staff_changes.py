"""The demo's staff changes: a coordinator handover with an open escalation, a representative leaving with
open cases, run last and chosen from the store alone (the same seed, the same network)."""

from __future__ import annotations

import random

from adapters.clock import SimulatedClock
from api.bootstrap import build_ledger
from api.demo import DemoPlan, _plan_regions, _plan_staff_changes
from api.settings import Settings
from domain.casework.case import Case
from domain.casework.case_events import Category, Channel
from domain.casework.sla import Priority
from domain.values import Actor, Role
from tests.factories import NOW

REP_EAST = Actor(id="rep-east-2", role=Role.REPRESENTATIVE)


def test_the_demo_hands_over_an_escalation_and_returns_a_leavers_cases(settings: Settings) -> None:
    clock = SimulatedClock(NOW)
    ledger = build_ledger(settings, clock=clock)
    plan = DemoPlan(ledger, clock, random.Random(1))
    _plan_regions(plan, NOW)
    cases = [plan.new_id(), plan.new_id()]

    def work(case_id: object, escalate: bool) -> None:
        ledger.open_case(ledger.context(REP_EAST), region="east", channel=Channel.PHONE, customer_ref="c-1",
                         subject="Outage", description="No line", case_id=case_id)  # type: ignore[arg-type]
        ledger.triage_case(ledger.context(REP_EAST), case_id, Category.SERVICE_OUTAGE, Priority.HIGH)  # type: ignore[arg-type]
        ledger.assign_case(ledger.context(REP_EAST), case_id, "rep-east-2")  # type: ignore[arg-type]
        if escalate:
            ledger.escalate_case(ledger.context(REP_EAST), case_id, "Upset")  # type: ignore[arg-type]

    plan.at(NOW.replace(hour=10), lambda: work(cases[0], True))
    plan.at(NOW.replace(hour=11), lambda: work(cases[1], False))
    _plan_staff_changes(plan)
    for _ in plan.run():
        pass
    escalated, working = (ledger.get(Case, case_id) for case_id in cases)
    assert escalated.escalated_to == "coord-east-2" and escalated.assignee is None
    assert working.assignee is None and "rep-east-2" not in ledger.region("east").representatives
    assert ledger.region("east").coordinator.id == "coord-east-2"  # type: ignore[union-attr]
    assert ledger.region("north").coordinator.id == "coord-north"  # type: ignore[union-attr]
    ledger.close()
