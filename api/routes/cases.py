"""Cases: open, every case command, the queue, one case now or then, its history, its timeline of contacts and
notes (with those of the duplicates merged into it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.as_of import AsOf, views
from api.deps import AppDep, CurrentPrincipal, require_region, require_role
from api.routes.commands import add_commands
from api.routes.records import ENVELOPE, READ_RESPONSES, READERS, add_creation, add_record_reads, read_record
from domain.casework.case import Case, CaseStatus
from domain.casework.case_events import Category, ContactEnded, ContactLogged, NoteAdded
from domain.casework.sla import Priority
from domain.values import Actor
from projections.cases import case_page

__all__ = ["router"]

router = APIRouter(prefix="/cases", tags=["cases"])

COMMANDS = {
    "triage": "triage_case", "assign": "assign_case", "log-contact": "log_contact", "add-note": "add_note",
    "update-customer-contact": "update_customer_contact", "schedule-action": "schedule_action",
    "complete-action": "complete_action", "cancel-action": "cancel_action", "escalate": "escalate_case",
    "de-escalate": "de_escalate_case", "wait-on-customer": "wait_on_customer", "resume": "resume_case",
    "resolve": "resolve_case", "close": "close_case", "reopen": "reopen_case",
    "flag-policy-issue": "flag_policy_issue",
    # issue 14: the customer's survey answers, follow-ups, disputes, merges and links, harassing calls
    "record-survey-answer": "record_survey_answer", "open-follow-up": "open_follow_up",
    "record-dispute": "record_dispute", "decide-dispute": "decide_dispute", "merge": "merge_case",
    "link": "link_case", "flag-caller": "flag_caller", "end-contact": "end_contact",
}
TIMELINE_EVENTS = (ContactLogged, NoteAdded, ContactEnded)


class CasePage(BaseModel):
    """One page of the case queue; pass `next_cursor` as `cursor` for the next."""

    items: list[dict[str, Any]]
    next_cursor: str | None


add_creation(router, Case, "open_case", lambda ledger, body: body.region)


@router.get("", response_model=CasePage, summary="The case queue")
def list_cases(
    engine: AppDep, principal: CurrentPrincipal,
    region: str | None = None, status: CaseStatus | None = None, assignee: str | None = None,
    category: Category | None = None, priority: Priority | None = None, provider_id: str | None = None,
    contract_id: str | None = None, merged_into: UUID | None = None, parent_id: UUID | None = None,
    linked_to: UUID | None = None, sort: Literal["sla", "age"] = "sla",
    overdue: Annotated[bool | None, Query(description="Only cases with (true) or without (false) actions flagged "
                                                      "overdue.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: Annotated[str | None, Query(max_length=500)] = None,
    min_position: Annotated[int | None, Query(ge=0)] = None, as_of: AsOf = None,
) -> CasePage:
    """Filter by region, status, assignee, category, priority, provider or contract, the case a duplicate was
    merged into, a parent, or any linked case; sorted by SLA due time or age; a representative or coordinator
    sees only their region. Each row shows its links, merges, dispute, survey answers and a flagged caller.
    With `as_of`, the queue as it was then: from the events dated at or before that moment."""
    require_role(principal, *READERS)
    if principal.regional:
        require_region(principal, region or str(principal.region))
        region = principal.region
    related = {"merged_into": merged_into, "parent_id": parent_id, "linked_to": linked_to}
    filters = {"region": region, "status": status, "assignee": assignee, "category": category,
               "priority": priority, "provider_id": provider_id, "contract_id": contract_id,
               **{name: str(value) if value else None for name, value in related.items()}, "overdue": overdue}
    with views(engine, as_of, min_position) as view:
        page = case_page(view, filters, sort=sort, limit=limit, cursor=cursor)
    return CasePage(items=page.items, next_cursor=page.next_cursor)


class TimelineEntry(BaseModel):
    """A contact, note or ended contact of the case, or of a duplicate merged into it (`case_id` says which)."""

    case_id: UUID
    version: int
    type: str
    occurred_at: datetime
    actor: Actor
    data: dict[str, Any]


@router.get("/{record_id}/timeline", response_model=list[TimelineEntry], summary="Contacts and notes of a case",
            responses=READ_RESPONSES)
def timeline(record_id: UUID, engine: AppDep, principal: CurrentPrincipal) -> list[TimelineEntry]:
    """The case's contacts and notes with those of every duplicate merged into it (and into those), oldest
    first: a merged duplicate's conversation is read from its survivor."""
    case = read_record(engine, principal, Case, record_id, None, None)
    assert isinstance(case, Case)
    entries: list[TimelineEntry] = []
    seen: set[UUID] = set()
    pending = [case.id]
    while pending:
        case_id = pending.pop()
        if case_id in seen:
            continue
        seen.add(case_id)
        for event in engine.ledger.history(case_id):
            if isinstance(event, TIMELINE_EVENTS):
                entries.append(TimelineEntry(case_id=case_id, version=event.originator_version, type=event.type_name,
                                             occurred_at=event.occurred_at, actor=event.actor,
                                             data=event.model_dump(mode="json", exclude=ENVELOPE)))
        pending += engine.ledger.get(Case, case_id).merged_cases
    return sorted(entries, key=lambda entry: (entry.occurred_at, str(entry.case_id), entry.version))


add_record_reads(router, Case)
add_commands(router, Case, COMMANDS, creating=frozenset({"open_follow_up"}))
