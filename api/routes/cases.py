"""Cases: open, every case command, the queue, one case now or then, its history."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import AppDep, CurrentPrincipal, require_region, require_role
from api.routes.commands import add_commands
from api.routes.records import READERS, add_creation, add_record_reads
from domain.case import Case, CaseStatus
from domain.case_events import Category
from domain.sla import Priority
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
}


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
    contract_id: str | None = None, sort: Literal["sla", "age"] = "sla",
    limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: Annotated[str | None, Query(max_length=500)] = None,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> CasePage:
    """Filter by region, status, assignee, category, priority, provider or contract; sorted by SLA due time
    or age; a representative or coordinator sees only their region."""
    require_role(principal, *READERS)
    if principal.regional:
        require_region(principal, region or str(principal.region))
        region = principal.region
    engine.read_after(min_position)
    filters = {"region": region, "status": status, "assignee": assignee, "category": category,
               "priority": priority, "provider_id": provider_id, "contract_id": contract_id}
    with engine.runner.store.reader() as view:
        page = case_page(view, filters, sort=sort, limit=limit, cursor=cursor)
    return CasePage(items=page.items, next_cursor=page.next_cursor)


add_record_reads(router, Case)
add_commands(router, Case, COMMANDS)
