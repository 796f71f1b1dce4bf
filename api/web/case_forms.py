"""The case page's command forms: which the signed-in person may send to the case as it is now, their fields,
and a sent form read into the API route's own request body.

A form is offered only when the role table (docs/api.md) and the case's state let this person run it, so a
representative never sees a coordinator's form. Each form's fields come from the body model of the API's route
for the command (`api/routes/cases.py`), so a form cannot ask for other fields than the API takes; the rules
that depend on what is typed (an action id already used, the current assignee) are left to the command, whose
refusal the page shows in its own words.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from fastapi.routing import APIRoute
from pydantic import AwareDatetime, BaseModel, ValidationError

from api.auth import Principal
from api.routes import cases as cases_routes
from domain.casework.case import OPEN, WORKING, Case, CaseStatus
from domain.errors import InvalidValue
from domain.staff.region import Region
from domain.values import Role

__all__ = ["FORMS", "CommandForm", "FormField", "body_of", "command_route", "fields_of", "offered"]

CASE_WORKERS = (Role.REPRESENTATIVE, Role.COORDINATOR, Role.ADMIN)
"""Who works cases (the role table's "case work" row): a manager or an auditor gets no form."""
CLOSERS = (Role.COORDINATOR, Role.ADMIN)
"""Who resolves or closes an escalated case (`escalated-case-needs-coordinator`)."""
LONG_TEXT = frozenset({"summary", "text", "note", "reason", "details", "outcome", "description"})
LABELS = {"representative_id": "Representative", "action_id": "Action id", "due_at": "Due at (UTC)",
          "resolution_code": "Resolution code", "policy_area": "Policy area", "kind": "Kind of action"}

Rule = Callable[[Principal, Case, Region, datetime], bool]


@dataclass(frozen=True)
class CommandForm:
    """A command the case page offers: the API route's path segment, its title, and when it is offered."""

    path: str
    title: str
    rule: Rule
    coordinators: bool = False
    """A coordinator's (or administrator's) form: never shown to a representative."""


@dataclass
class FormField:
    """One input of a form, as the template draws it."""

    name: str
    label: str
    kind: Literal["select", "textarea", "text", "number", "datetime"]
    required: bool
    value: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)


def _status(*allowed: CaseStatus) -> Rule:
    return lambda principal, case, region, now: case.status in allowed


def _holds_escalation(principal: Principal, case: Case, region: Region, now: datetime) -> bool:
    return (case.status is CaseStatus.ESCALATED and case.escalated_to is not None
            and (principal.role is Role.ADMIN or principal.subject == case.escalated_to))


def _resolvable(principal: Principal, case: Case, region: Region, now: datetime) -> bool:
    return (case.status in (CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED, CaseStatus.WAITING_ON_CUSTOMER)
            and not case.scheduled_actions and (case.escalated_to is None or principal.role in CLOSERS)
            and (case.dispute is None or case.dispute.outcome is not None))


def _closable(principal: Principal, case: Case, region: Region, now: datetime) -> bool:
    return case.status is CaseStatus.RESOLVED and (case.resolved_under_escalation is None or principal.role in CLOSERS)


def _reopenable(principal: Principal, case: Case, region: Region, now: datetime) -> bool:
    ended = case.closed_at or case.resolved_at
    return (case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and case.merged_into is None
            and (ended is None or now <= ended + timedelta(days=region.reopen_window_days)))


def _escalatable(principal: Principal, case: Case, region: Region, now: datetime) -> bool:
    return case.status in (CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS) and region.coordinator is not None


def _has_scheduled(principal: Principal, case: Case, region: Region, now: datetime) -> bool:
    return case.status in WORKING and bool(case.scheduled_actions)


def _unflagged_area(principal: Principal, case: Case, region: Region, now: datetime) -> bool:
    return len(case.policy_flags) < len(_options(command_body("flag-policy-issue"), "policy_area"))


FORMS = (
    CommandForm("triage", "Triage", _status(*OPEN)),
    CommandForm("assign", "Assign", _status(*WORKING)),
    CommandForm("log-contact", "Log a contact", _status(*OPEN, CaseStatus.RESOLVED)),
    CommandForm("add-note", "Add a note", _status(*OPEN, CaseStatus.RESOLVED)),
    CommandForm("schedule-action", "Schedule an action", _status(*WORKING)),
    CommandForm("complete-action", "Complete an action", _has_scheduled),
    CommandForm("cancel-action", "Cancel an action", _has_scheduled),
    CommandForm("escalate", "Escalate to the coordinator", _escalatable),
    CommandForm("de-escalate", "De-escalate", _holds_escalation, coordinators=True),
    CommandForm("wait-on-customer", "Wait on the customer", _status(CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED)),
    CommandForm("resume", "Resume", _status(CaseStatus.WAITING_ON_CUSTOMER)),
    CommandForm("resolve", "Resolve", _resolvable),
    CommandForm("close", "Close", _closable),
    CommandForm("reopen", "Reopen", _reopenable),
    CommandForm("flag-policy-issue", "Flag a policy issue", _unflagged_area),
)
"""The forms of the case page, in the order a case is worked."""
BY_PATH = {form.path: form for form in FORMS}


def offered(principal: Principal, case: Case, region: Region, now: datetime) -> list[CommandForm]:
    """The forms this person may send to `case` now: a case worker of its region (the page is refused to
    others), by the role table and the case's state; a representative gets no coordinator's form."""
    if principal.role not in CASE_WORKERS or case.merged_into is not None:
        return []
    return [form for form in FORMS if form.rule(principal, case, region, now)
            and not (form.coordinators and principal.role is Role.REPRESENTATIVE)]


def command_route(path: str) -> APIRoute:
    """The API's route for a case command (`POST /cases/{id}/{path}`): the page runs its very endpoint."""
    for route in cases_routes.router.routes:
        if isinstance(route, APIRoute) and route.name == f"case:{path}":
            return route
    raise KeyError(path)


def command_body(path: str) -> type[BaseModel]:
    """The request body model of a command's route: built from the command method's own parameters."""
    model: type[BaseModel] = inspect.signature(command_route(path).endpoint).parameters["body"].annotation
    return model


def _plain(annotation: Any) -> Any:
    """The type under Annotated[...] and `X | None`."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
        else:
            return annotation


def _options(model: type[BaseModel], name: str) -> list[tuple[str, str]]:
    kind = _plain(model.model_fields[name].annotation)
    values: list[Any] = list(get_args(kind)) if get_origin(kind) is Literal else list(kind) if (
        isinstance(kind, type) and issubclass(kind, Enum)) else []
    return [(str(getattr(v, "value", v)), str(getattr(v, "value", v)).replace("_", " ")) for v in values]


def _kind(name: str, annotation: Any) -> Literal["select", "textarea", "text", "number", "datetime"]:
    kind = _plain(annotation)
    if get_origin(kind) is Literal or (isinstance(kind, type) and issubclass(kind, Enum)):
        return "select"
    if kind in (datetime, AwareDatetime):
        return "datetime"
    if kind is int:
        return "number"
    return "textarea" if name in LONG_TEXT else "text"


def fields_of(form: CommandForm, case: Case, region: Region, values: Mapping[str, str] | None = None
              ) -> list[FormField]:
    """The form's inputs: the route body's fields, with choices where the case or region has them (its region's
    representatives, its scheduled actions, the policy areas not yet flagged), and what was typed kept."""
    model = command_body(form.path)
    shown = []
    for name, info in model.model_fields.items():
        kind = _kind(name, info.annotation)
        options = _options(model, name) if kind == "select" else []
        if name == "representative_id":
            kind, options = "select", [(staff_id, f"{member.name} ({staff_id})")
                                       for staff_id, member in sorted(region.representatives.items())]
        elif name == "action_id" and form.path != "schedule-action":
            kind, options = "select", [(action_id, f"{action_id}: {case.actions[action_id].kind}")
                                       for action_id in case.scheduled_actions]
        elif name == "policy_area":
            flagged = {flag.area for flag in case.policy_flags}
            options = [(value, label) for value, label in options if value not in flagged]
        default = "" if info.is_required() or info.default is None else str(getattr(info.default, "value",
                                                                                    info.default))
        shown.append(FormField(name, LABELS.get(name, name.replace("_", " ").capitalize()), kind,
                               info.is_required(), (values or {}).get(name, default), options))
    return shown


def body_of(path: str, sent: Mapping[str, str]) -> BaseModel:
    """A sent form as the route's request body: empty inputs left out, a time without an offset read as UTC
    (a browser's datetime-local); a value the body refuses is an `InvalidValue` in the API's own words (its
    422's detail and field: `body.reason: ...`). Blanks typed into an input are sent as typed, so the body's
    rule refuses them as the API would, rather than as a field left out."""
    model = command_body(path)
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        value = sent.get(name, "")
        if not value:
            continue
        if _kind(name, info.annotation) == "datetime":
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                raise InvalidValue(name, f"{value[:40]!r} is not a time: give one like 2026-03-01T09:00 (UTC)"
                                   ) from None
            data[name] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        else:
            data[name] = value
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidValue(".".join(str(part) for part in ("body", *first["loc"])), first["msg"]) from None
