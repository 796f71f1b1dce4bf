"""The case page offers exactly the forms its reader may send: each offered command, sent with sound values, is
taken by the case; each one not offered is refused by it (for every status, role and with or without an action)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import cast

import pytest

from api.auth import Principal
from api.web.case_forms import FORMS, fields_of, offered
from domain.casework.case import Case, CaseStatus
from domain.casework.case_events import ActionKind, Category, Channel, Direction, PolicyArea, ResolutionCode
from domain.casework.sla import Priority
from domain.errors import DomainError
from domain.staff.region import DEFAULT_REOPEN_WINDOW_DAYS, Region
from domain.values import Actor, Context, Role
from tests.factories import ADMIN, COORDINATOR, NOW, REP, case_in, coordinator, ctx, representative

WHEN = NOW + timedelta(hours=6)
REGION = cast(Region, SimpleNamespace(coordinator=coordinator(), reopen_window_days=DEFAULT_REOPEN_WINDOW_DAYS,
                                      representatives={"rep-north-1": representative(),
                                                       "rep-north-2": representative("rep-north-2")}))
SENT: dict[str, Callable[[Case, Context], None]] = {
    "triage": lambda case, c: case.triage(c, Category.BILLING, Priority.URGENT),
    "assign": lambda case, c: case.assign(c, representative("rep-north-2")),
    "log-contact": lambda case, c: case.log_contact(c, Direction.INBOUND, Channel.PHONE, "The customer called"),
    "add-note": lambda case, c: case.add_note(c, "A note"),
    "schedule-action": lambda case, c: case.schedule_action(c, "new-1", ActionKind.CALL_BACK, WHEN, "Call back"),
    "complete-action": lambda case, c: case.complete_action(c, "a1", "Done"),
    "cancel-action": lambda case, c: case.cancel_action(c, "a1", "Not needed"),
    "escalate": lambda case, c: case.escalate(c, coordinator(), "Needs the coordinator"),
    "de-escalate": lambda case, c: case.de_escalate(c, "Handled"),
    "wait-on-customer": lambda case, c: case.wait_on_customer(c, "Waiting for the invoice"),
    "resume": lambda case, c: case.resume(c),
    "resolve": lambda case, c: case.resolve(c, ResolutionCode.REFUND_ISSUED, "Refunded"),
    "close": lambda case, c: case.close(c),
    "reopen": lambda case, c: case.reopen(c, "The customer called again"),
    "flag-policy-issue": lambda case, c: case.flag_policy_issue(c, next(iter(PolicyArea)), "Seen often"),
}


def taken(path: str, case: Case, actor: Actor) -> bool:
    try:
        SENT[path](case.model_copy(deep=True), ctx(actor, WHEN))
    except DomainError:
        return False
    return True


STATES = [(status, False) for status in CaseStatus] + [
    (status, True) for status in CaseStatus if status not in (CaseStatus.NEW, CaseStatus.RESOLVED, CaseStatus.CLOSED)]
"""Every status, and each where an action can be scheduled with one scheduled (a case ends with none)."""


@pytest.mark.parametrize(("status", "with_action"), STATES,
                         ids=[f"{status}{' with an action' if action else ''}" for status, action in STATES])
@pytest.mark.parametrize("actor", [REP, COORDINATOR, ADMIN], ids=lambda actor: str(actor.role))
def test_the_forms_offered_are_exactly_the_commands_the_case_takes(
        status: CaseStatus, with_action: bool, actor: Actor) -> None:
    case = case_in(status, with_action=with_action)
    principal = Principal(subject=actor.id, role=actor.role, region=None if actor.role is Role.ADMIN else "north")
    shown = {form.path for form in offered(principal, case, REGION, WHEN)}
    assert shown == {form.path for form in FORMS if taken(form.path, case, actor)}


@pytest.mark.parametrize("role", [Role.MANAGER, Role.AUDITOR])
def test_managers_and_auditors_get_no_form(role: Role) -> None:
    case = case_in(CaseStatus.IN_PROGRESS, with_action=True)
    assert offered(Principal(subject="someone", role=role, region=None), case, REGION, WHEN) == []


def test_a_representative_never_gets_a_coordinators_form_even_holding_nothing() -> None:
    case = case_in(CaseStatus.ESCALATED)
    shown = {form.path for form in offered(Principal(subject="rep-north-1", role=Role.REPRESENTATIVE, region="north"),
                                           case, REGION, WHEN)}
    assert not shown & {"de-escalate", "resolve", "close"}


def test_the_forms_ask_for_the_api_bodys_fields_with_the_cases_own_choices() -> None:
    case = case_in(CaseStatus.IN_PROGRESS, with_action=True)
    forms = {form.path: form for form in FORMS}
    assign = {field.name: field for field in fields_of(forms["assign"], case, REGION)}
    assert [value for value, _ in assign["representative_id"].options] == ["rep-north-1", "rep-north-2"]
    complete = {field.name: field for field in fields_of(forms["complete-action"], case, REGION)}
    assert [value for value, _ in complete["action_id"].options] == ["a1"]
    assert complete["outcome"].kind == "textarea"
    schedule = {field.name: field for field in fields_of(forms["schedule-action"], case, REGION)}
    assert (schedule["due_at"].kind, schedule["kind"].kind, schedule["action_id"].kind) == ("datetime", "select",
                                                                                          "text")
