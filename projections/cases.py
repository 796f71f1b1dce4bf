"""The case queue: one row per case with what representatives and coordinators filter and sort by,
and the policy-issue flags behind the common-problems view."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from domain.casework.case_events import (
    ActionCancelled,
    ActionCompleted,
    ActionOverdue,
    ActionScheduled,
    CaseAssigned,
    CaseAwaitingCustomer,
    CaseClosed,
    CaseDeEscalated,
    CaseEscalated,
    CaseEvent,
    CaseLinked,
    CaseMerged,
    CaseOpened,
    CaseReopened,
    CaseResolved,
    CaseResumed,
    CaseReturnedToQueue,
    CaseTriaged,
    ContactLogged,
    Direction,
    DisputeDecided,
    DisputeRecorded,
    DuplicateMerged,
    EscalationHandedOver,
    FlaggedCallerRecognised,
    LinkKind,
    PolicyIssueFlagged,
    SlaAtRisk,
    SlaBreached,
    SurveyAnswered,
)
from domain.casework.sla_clock import ClockName, SlaClock, at_risk, breached, due_of
from domain.event import DomainEvent
from projections.store import Change, Delete, Projection, Row, Table, Upsert, ViewReader, iso, where

__all__ = ["CASE_FILTERS", "CaseQueue", "CasePage", "InvalidCursor", "case_page"]

NO_DUE_DATE = "9999-12-31T00:00:00.000000+00:00"
"""Sort key of cases without an SLA due time (not yet triaged): they come last."""

CASES = Table(
    "cases",
    {
        "id": "TEXT", "region": "TEXT", "status": "TEXT", "category": "TEXT", "priority": "TEXT",
        "channel": "TEXT", "assignee": "TEXT", "escalated_to": "TEXT", "escalated_at": "TEXT",
        "provider_id": "TEXT", "contract_id": "TEXT", "customer_ref": "TEXT", "subject": "TEXT",
        "opened_at": "TEXT", "first_response_due": "TEXT", "resolution_due": "TEXT", "sla_sort": "TEXT",
        "first_responded_at": "TEXT", "waiting_since": "TEXT", "resume_status": "TEXT", "resolved_at": "TEXT",
        "closed_at": "TEXT", "satisfaction": "INTEGER", "scheduled_actions": "INTEGER", "reopened": "INTEGER",
        "version": "INTEGER", "updated_at": "TEXT",
        # issue 14: the customer's answers, disputes, merges, links and a flagged caller
        "survey_answers": "INTEGER", "last_survey_score": "INTEGER", "dispute_currency": "TEXT",
        "disputed_minor": "INTEGER", "dispute_outcome": "TEXT", "merged_into": "TEXT", "merged_cases": "INTEGER",
        "parent_id": "TEXT", "links": "INTEGER", "caller_flagged": "INTEGER",
        # issue 16: the next update's due time, SLA warnings and breaches, actions flagged overdue
        "next_update_due": "TEXT", "sla_at_risk": "INTEGER", "sla_breached": "INTEGER", "overdue_actions": "INTEGER",
    },
    key=("id",),
    indexes=(
        ("region", "status"), ("assignee", "status"), ("category",), ("priority",), ("status",),
        ("provider_id",), ("contract_id",), ("sla_sort", "id"), ("opened_at", "id"),
        ("region", "sla_sort", "id"), ("region", "opened_at", "id"), ("region", "resolved_at"),
        ("region", "closed_at"), ("merged_into",), ("parent_id",),
    ),
)
CASE_LINKS = Table(
    "case_links",
    {"case_id": "TEXT", "other_id": "TEXT", "kind": "TEXT", "region": "TEXT", "linked_at": "TEXT"},
    key=("case_id", "other_id"),
    indexes=(("other_id",),),
)
SURVEY_ANSWERS = Table(
    "survey_answers",
    {"case_id": "TEXT", "answer_no": "INTEGER", "region": "TEXT", "score": "INTEGER", "channel": "TEXT",
     "answered_at": "TEXT"},
    key=("case_id", "answer_no"),
    indexes=(("region", "answered_at"),),
)
DISPUTES = Table(
    "disputes",
    {"case_id": "TEXT", "region": "TEXT", "currency": "TEXT", "amount_minor": "INTEGER", "reference": "TEXT",
     "provider_id": "TEXT", "contract_id": "TEXT", "recorded_at": "TEXT", "outcome": "TEXT",
     "granted_minor": "INTEGER", "settlement": "TEXT", "decided_at": "TEXT"},
    key=("case_id",),
    indexes=(("region", "recorded_at"), ("region", "decided_at")),
)
OVERDUE_ACTIONS = Table(
    "overdue_actions",
    {"case_id": "TEXT", "action_id": "TEXT", "region": "TEXT", "due_at": "TEXT", "flagged_at": "TEXT"},
    key=("case_id", "action_id"),
)
"""The scheduled actions flagged overdue and not yet completed or cancelled (issue 16)."""
POLICY_FLAGS = Table(
    "policy_flags",
    {"case_id": "TEXT", "policy_area": "TEXT", "region": "TEXT", "flagged_at": "TEXT", "flagged_by": "TEXT"},
    key=("case_id", "policy_area"),
    indexes=(("region", "flagged_at"),),
)


class CaseQueue(Projection):
    name = "cases"
    tables = (CASES, POLICY_FLAGS, CASE_LINKS, SURVEY_ANSWERS, DISPUTES, OVERDUE_ACTIONS)

    def changes(self, event: DomainEvent, position: int, view: ViewReader) -> list[Change]:
        if not isinstance(event, CaseEvent):
            return []
        key = {"id": str(event.originator_id)}
        stamp = {"version": event.originator_version, "updated_at": iso(event.occurred_at)}
        if isinstance(event, CaseOpened):
            return [Upsert("cases", key, {
                **stamp, "region": event.region, "status": "new", "channel": event.channel,
                "customer_ref": event.customer_ref, "subject": event.subject, "opened_at": iso(event.occurred_at),
                "provider_id": _text(event.provider_id), "contract_id": _text(event.contract_id),
                "sla_sort": NO_DUE_DATE, "scheduled_actions": 0, "reopened": 0,
                "survey_answers": 0, "merged_cases": 0, "links": 0, "caller_flagged": 0,
                "sla_at_risk": 0, "sla_breached": 0, "overdue_actions": 0,
            })]
        row = view.get("cases", key)
        if row is None:
            raise LookupError(f"case {event.originator_id} has no row: its CaseOpened was never projected")
        values = {**stamp, **_case_values(event, row), **_linked_values(event, row), **_timed_values(event, row, view)}
        changes: list[Change] = [Upsert("cases", key, values)]
        changes += _issue_14_rows(event, row)
        changes += _overdue_rows(event, row, view)
        if isinstance(event, PolicyIssueFlagged):
            changes.append(Upsert("policy_flags", {"case_id": key["id"], "policy_area": event.policy_area}, {
                "region": row["region"], "flagged_at": iso(event.occurred_at), "flagged_by": event.actor.id}))
        return changes


def _linked_values(event: CaseEvent, row: Row) -> dict[str, Any]:
    """The queue's columns for the customer's answers, a dispute, merges, links and a flagged caller."""
    match event:
        case SurveyAnswered():
            return {"survey_answers": (row["survey_answers"] or 0) + 1, "last_survey_score": event.score}
        case DisputeRecorded():
            return {"dispute_currency": event.currency, "disputed_minor": event.amount_minor}
        case DisputeDecided():
            return {"dispute_outcome": event.outcome}
        case CaseMerged():
            return {"status": "closed", "closed_at": iso(event.occurred_at), "merged_into": str(event.into_case_id),
                    "escalated_to": None, "escalated_at": None, "waiting_since": None, "resume_status": None}
        case DuplicateMerged():
            return {"merged_cases": (row["merged_cases"] or 0) + 1}
        case CaseLinked():
            parent = {"parent_id": str(event.other_case_id)} if event.kind is LinkKind.PARENT else {}
            return {"links": (row["links"] or 0) + 1, **parent}
        case FlaggedCallerRecognised():
            linked = {"links": (row["links"] or 0) + 1} if event.harassment_case_id else {}
            return {"caller_flagged": 1, **linked}
    return {}


def _timed_values(event: CaseEvent, row: Row, view: ViewReader) -> dict[str, Any]:
    """The queue's columns of time (issue 16): the next update's due time and the SLA flags from the clocks an
    event records, a warning or a breach a timer recorded, the count of actions flagged overdue."""
    clocks: list[SlaClock] | None = getattr(event, "sla_clocks", None)
    if clocks is not None:
        return {"next_update_due": iso(due_of(clocks, ClockName.NEXT_UPDATE)), "sla_at_risk": int(at_risk(clocks)),
                "sla_breached": int(breached(clocks))}
    match event:
        case SlaAtRisk():
            return {"sla_at_risk": 1}
        case SlaBreached():
            return {"sla_breached": 1}
        case CaseResolved() | CaseMerged():
            return {"next_update_due": None, "sla_at_risk": 0}
        case ActionOverdue():
            return {"overdue_actions": (row["overdue_actions"] or 0) + 1}
        case ActionCompleted() | ActionCancelled() if view.get("overdue_actions", _overdue_key(event)) is not None:
            return {"overdue_actions": (row["overdue_actions"] or 1) - 1}
    return {}


def _overdue_key(event: ActionOverdue | ActionCompleted | ActionCancelled) -> dict[str, str]:
    return {"case_id": str(event.originator_id), "action_id": event.action_id}


def _overdue_rows(event: CaseEvent, row: Row, view: ViewReader) -> list[Change]:
    """An action flagged overdue has a row until it is completed or cancelled."""
    match event:
        case ActionOverdue():
            return [Upsert("overdue_actions", _overdue_key(event), {
                "region": row["region"], "due_at": iso(event.due_at), "flagged_at": iso(event.occurred_at)})]
        case ActionCompleted() | ActionCancelled() if view.get("overdue_actions", _overdue_key(event)) is not None:
            return [Delete("overdue_actions", _overdue_key(event))]
    return []


def _issue_14_rows(event: CaseEvent, row: Row) -> list[Change]:
    """Rows of the link, survey-answer and dispute tables an event writes."""
    case_id = str(event.originator_id)
    match event:
        case CaseLinked():
            return [Upsert("case_links", {"case_id": case_id, "other_id": str(event.other_case_id)},
                           {"kind": event.kind, "region": row["region"], "linked_at": iso(event.occurred_at)})]
        case FlaggedCallerRecognised() if event.harassment_case_id is not None:
            return [Upsert("case_links", {"case_id": case_id, "other_id": str(event.harassment_case_id)},
                           {"kind": LinkKind.HARASSMENT_CASE, "region": row["region"],
                            "linked_at": iso(event.occurred_at)})]
        case SurveyAnswered():
            return [Upsert("survey_answers", {"case_id": case_id, "answer_no": (row["survey_answers"] or 0) + 1},
                           {"region": row["region"], "score": event.score, "channel": event.channel,
                            "answered_at": iso(event.occurred_at)})]
        case DisputeRecorded():
            return [Upsert("disputes", {"case_id": case_id}, {
                "region": row["region"], "currency": event.currency, "amount_minor": event.amount_minor,
                "reference": event.reference, "provider_id": _text(event.provider_id),
                "contract_id": _text(event.contract_id), "recorded_at": iso(event.occurred_at)})]
        case DisputeDecided():
            return [Upsert("disputes", {"case_id": case_id}, {
                "outcome": event.outcome, "granted_minor": event.amount_minor, "settlement": event.settlement,
                "decided_at": iso(event.occurred_at)})]
    return []


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _case_values(event: CaseEvent, row: Row) -> dict[str, Any]:  # noqa: C901 - one arm per event type
    """The columns an event changes, given the row as it was (the same rules as the Case aggregate)."""
    worked = "in_progress" if row["assignee"] else "triaged"
    match event:
        case CaseTriaged():
            return {"category": event.category, "priority": event.priority,
                    "first_response_due": iso(event.first_response_due), "resolution_due": iso(event.resolution_due),
                    "sla_sort": iso(event.resolution_due),
                    "status": "triaged" if row["status"] == "new" else row["status"]}
        case CaseAssigned():
            values: dict[str, Any] = {"assignee": event.representative_id}
            if row["status"] == "triaged":
                values["status"] = "in_progress"
            elif row["status"] == "waiting_on_customer" and row["resume_status"] == "triaged":
                values["resume_status"] = "in_progress"
            return values
        case ContactLogged() if event.direction is Direction.OUTBOUND and row["first_responded_at"] is None:
            return {"first_responded_at": iso(event.occurred_at)}
        case ActionScheduled():
            return {"scheduled_actions": row["scheduled_actions"] + 1}
        case ActionCompleted() | ActionCancelled():
            return {"scheduled_actions": row["scheduled_actions"] - 1}
        case CaseEscalated():
            return {"status": "escalated", "escalated_to": event.coordinator_id, "escalated_at": iso(event.occurred_at)}
        case CaseDeEscalated():
            return {"status": worked, "escalated_to": None, "escalated_at": None}
        case EscalationHandedOver():
            return {"escalated_to": event.to_coordinator_id}
        case CaseReturnedToQueue():
            returned: dict[str, Any] = {"assignee": None}
            if row["status"] == "in_progress":
                returned["status"] = "triaged"
            elif row["resume_status"] == "in_progress":
                returned["resume_status"] = "triaged"
            return returned
        case CaseAwaitingCustomer():
            return {"status": "waiting_on_customer", "resume_status": row["status"],
                    "waiting_since": iso(event.occurred_at)}
        case CaseResumed():
            return {"status": row["resume_status"] or "in_progress", "resume_status": None, "waiting_since": None,
                    "first_response_due": iso(event.first_response_due), "resolution_due": iso(event.resolution_due),
                    "sla_sort": iso(event.resolution_due) or NO_DUE_DATE}
        case CaseResolved():
            return {"status": "resolved", "resolved_at": iso(event.occurred_at), "escalated_to": None,
                    "escalated_at": None, "waiting_since": None, "resume_status": None}
        case CaseClosed():
            # `satisfaction` here is a staff rating from before issue 14, kept as it was shown
            return {"status": "closed", "closed_at": iso(event.occurred_at), "satisfaction": event.satisfaction}
        case CaseReopened():
            return {"status": worked, "resolution_due": iso(event.resolution_due),
                    "sla_sort": iso(event.resolution_due) or NO_DUE_DATE, "resolved_at": None, "closed_at": None,
                    "satisfaction": None, "reopened": row["reopened"] + 1}
    return {}


CASE_FILTERS = ("region", "status", "assignee", "category", "priority", "provider_id", "contract_id", "merged_into",
                "parent_id")
OVERDUE: dict[bool | None, tuple[str, int | None]] = {
    True: ("overdue_actions > :overdue", 0), False: ("overdue_actions = :overdue", 0), None: ("", None)}
"""The `overdue` filter: cases with (or without) actions flagged overdue."""
LINKED_TO = "id IN (SELECT case_id FROM case_links WHERE other_id = :linked_to)"
"""The `linked_to` filter: cases with a link (of any kind) to the given case."""
SORTS = {"sla": "sla_sort", "age": "opened_at"}


class InvalidCursor(ValueError):
    """The cursor was not made by this query (edited, or from another sort)."""


@dataclass(frozen=True)
class CasePage:
    items: list[Row]
    next_cursor: str | None


def case_page(
    view: ViewReader, filters: Mapping[str, Any], sort: str = "sla", limit: int = 50,
    cursor: str | None = None,
) -> CasePage:
    """One page of the queue, filtered, in a stable order (sort key, then id), resumed after `cursor`."""
    column = SORTS[sort]
    after = _decode_cursor(cursor, sort) if cursor is not None else None
    clause, params = where({
        **{name: (f"{name} = :{name}", filters.get(name)) for name in CASE_FILTERS},
        "linked_to": (LINKED_TO, filters.get("linked_to")),
        "overdue": OVERDUE[filters.get("overdue")],
        "after": (f"({column}, id) > (:after_key, :after_id)", after),
    })
    if after is not None:
        params.update(after_key=after[0], after_id=after[1])
        del params["after"]
    params["limit"] = limit + 1
    rows = view.select(f"SELECT * FROM cases{clause} ORDER BY {column}, id LIMIT :limit", params)
    more = len(rows) > limit
    items = rows[:limit]
    next_cursor = _encode_cursor(sort, items[-1][column], items[-1]["id"]) if more else None
    return CasePage(items, next_cursor)


def _encode_cursor(sort: str, key: str, case_id: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([sort, key, case_id])).decode()


def _decode_cursor(cursor: str, sort: str) -> tuple[str, str]:
    try:
        kind, key, case_id = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except Exception as error:
        raise InvalidCursor(f"cursor {cursor!r} is not one this queue gave out") from error
    if kind != sort or not isinstance(key, str) or not isinstance(case_id, str):
        raise InvalidCursor(f"cursor {cursor!r} belongs to another sort order than {sort!r}")
    return key, case_id
