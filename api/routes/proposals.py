"""Policy proposals: draft, revise, submit, decide, implement, review the effect; the list; one proposal now or
then with its evidence and its measured before/after effect; and the setting of which policy areas the
coordinators decide (an administrator's, auditable through its history).

Proposals are network-level: every reader role reads every proposal, but a representative or coordinator sees
only their own region's evidence case ids (the other regions' are counted in `evidence.hidden_cases`; the
counts per region stay). Who may run each command is the command service's rule (domain/policy/proposal.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from api.deps import AppDep, CurrentPrincipal, Engine, Principal, require_role, role_guard
from api.problems import Problem
from api.routes.commands import COMMAND_RESPONSES, CommandAccepted, add_commands, run_command
from api.routes.records import (
    READ_RESPONSES,
    READERS,
    HistoryEvent,
    add_creation,
    add_record_reads,
    history_events,
    read_record,
)
from domain.casework.case_events import PolicyArea
from domain.errors import RecordNotFound
from domain.policy.authority import AUTHORITY_ID, PolicyAuthority
from domain.policy.proposal import (
    DEFAULT_EFFECT_WEEKS,
    MAX_EFFECT_WEEKS,
    DecidedBy,
    EffectConclusion,
    EvidenceCase,
    EvidenceCount,
    Proposal,
    ProposalStatus,
    approvals_needed,
)
from domain.values import Actor, Moment, Role, TextIn
from projections.common_problems import policy_effect
from projections.proposals import proposal_page

__all__ = ["EvidencePublic", "PolicyAuthorityPublic", "ProposalPublic", "router"]

DECIDING_ROLES = (Role.COORDINATOR, Role.MANAGER, Role.ADMIN)
"""Who commands a proposal over HTTP (the command service decides which step each may take)."""

router = APIRouter(prefix="/proposals", tags=["proposals"])

COMMANDS = {
    "revise": "revise_proposal", "submit": "submit_proposal", "approve": "approve_proposal",
    "reject": "reject_proposal", "return": "return_proposal", "implement": "implement_proposal",
    "review-effect": "review_proposal_effect",
}


class PolicyAuthorityPublic(BaseModel):
    """The policy areas whose proposals the coordinators decide (version 0: never set, so none)."""

    version: int
    coordinator_areas: list[PolicyArea]
    modified_at: datetime | None


class AuthorityChange(BaseModel):
    policy_area: PolicyArea
    reason: TextIn


@router.get("/authority", response_model=PolicyAuthorityPublic, summary="Which policy areas the coordinators decide",
            responses=READ_RESPONSES)
def authority(engine: AppDep, principal: CurrentPrincipal,
              as_of: Annotated[Moment | None, Query(description="The setting at this time.")] = None,
              ) -> PolicyAuthorityPublic:
    """The setting now, or as it was at `as_of` (who decided a proposal then)."""
    require_role(principal, *READERS)
    ledger = engine.ledger
    try:
        version = None if as_of is None else ledger.version_at(AUTHORITY_ID, as_of)
        setting = ledger.get(PolicyAuthority, AUTHORITY_ID, version=version)
    except RecordNotFound:  # never set, or not yet at that time
        return PolicyAuthorityPublic(version=0, coordinator_areas=[], modified_at=None)
    return PolicyAuthorityPublic(version=setting.version, coordinator_areas=setting.coordinator_areas,
                                 modified_at=setting.modified_at)


@router.get("/authority/history", response_model=list[HistoryEvent], summary="Every change of the setting",
            responses=READ_RESPONSES)
def authority_history(engine: AppDep, principal: CurrentPrincipal) -> list[HistoryEvent]:
    """Who gave or took which policy area from the coordinators, when, and why."""
    require_role(principal, *READERS)
    try:
        events = engine.ledger.history(AUTHORITY_ID)
    except RecordNotFound:
        return []
    return history_events(events)


AdminDep = Annotated[Principal, Depends(role_guard(Role.ADMIN))]


@router.post("/authority/grant", response_model=CommandAccepted, summary="Let the coordinators decide a policy area",
             responses=COMMAND_RESPONSES)
def grant(body: AuthorityChange, engine: AppDep, principal: AdminDep, response: Response) -> CommandAccepted:
    """From now on the coordinators of the covered regions approve proposals in this area (a manager still may)."""
    ledger = engine.ledger
    return run_command(lambda: ledger.grant_coordinator_authority(ledger.context(principal.actor), body.policy_area,
                                                                  body.reason), response)


@router.post("/authority/withdraw", response_model=CommandAccepted, summary="Give a policy area back to managers",
             responses=COMMAND_RESPONSES)
def withdraw(body: AuthorityChange, engine: AppDep, principal: AdminDep, response: Response) -> CommandAccepted:
    """From now on proposals in this area are a manager's to decide."""
    ledger = engine.ledger
    return run_command(lambda: ledger.withdraw_coordinator_authority(ledger.context(principal.actor),
                                                                     body.policy_area, body.reason), response)


class ProposalListPage(BaseModel):
    """One page of proposals, newest drafts first; pass `next_cursor` as `cursor` for the next."""

    items: list[dict[str, Any]]
    next_cursor: str | None


@router.get("", response_model=ProposalListPage, summary="Policy proposals")
def list_proposals(
    engine: AppDep, principal: CurrentPrincipal, status: ProposalStatus | None = None,
    policy_area: PolicyArea | None = None, region: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: Annotated[str | None, Query(max_length=500)] = None,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> ProposalListPage:
    """Every proposal (they are network-level), filtered by status, policy area and a region it covers; the
    evidence is counted, not listed."""
    require_role(principal, *READERS)
    engine.read_after(min_position)
    with engine.runner.store.reader() as view:
        page = proposal_page(view, status, policy_area, region, limit, cursor)
    return ProposalListPage(items=page.items, next_cursor=page.next_cursor)


class EvidencePublic(BaseModel):
    """The cases behind the problem (of the caller's own region, for a representative or coordinator: the others
    are counted in `hidden_cases`) and the counts per region."""

    cases: list[EvidenceCase]
    counts: list[EvidenceCount]
    hidden_cases: int = 0


class ProposalPublic(BaseModel):
    """A proposal as the API shows it: the record, the approvals its coordinators need, and its measured `effect`
    once implemented (cases in the area per covered region, the weeks before against the weeks from the effective
    date: `review_weeks` once reviewed, else 4; see `GET /proposals/{id}/effect` for other periods)."""

    id: UUID
    version: int
    created_at: datetime
    modified_at: datetime
    policy_area: PolicyArea
    regions: list[str]
    title: str
    summary: str
    change: str
    evidence: EvidencePublic
    drafted_by: str
    drafted_in: str
    status: ProposalStatus
    submitted_at: datetime | None
    approvals: dict[str, str]
    approvals_needed: int
    decided_by: DecidedBy | None
    decided_at: datetime | None
    decider: Actor | None
    decision_note: str | None
    comments: list[str]
    effective_on: date | None
    what_changed: str | None
    review_weeks: int | None
    conclusion: EffectConclusion | None
    review_note: str | None
    effect: dict[str, Any] | None


def measured_effect(engine: Engine, proposal: Proposal, weeks: int, now: datetime | None = None
                    ) -> dict[str, Any] | None:
    """The before/after effect of an implemented proposal (None before it is implemented)."""
    if proposal.effective_on is None:
        return None
    with engine.runner.store.reader() as view:
        return policy_effect(view, proposal.policy_area, proposal.regions, proposal.effective_on, weeks,
                             now or engine.ledger.clock())


def present_proposal(engine: Engine, proposal: Proposal) -> ProposalPublic:
    fields = proposal.model_dump(exclude={"evidence", "revised_since_return"})
    return ProposalPublic(**fields, evidence=EvidencePublic(cases=proposal.evidence.cases,
                                                            counts=proposal.evidence.counts),
                          approvals_needed=approvals_needed(proposal.regions),
                          effect=measured_effect(engine, proposal, proposal.review_weeks or DEFAULT_EFFECT_WEEKS))


def hide_other_regions(principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """A representative or coordinator sees the evidence cases of their own region only (the counts stay)."""
    evidence = data.get("evidence")
    if not principal.regional or not isinstance(evidence, dict):
        return data
    cases = [case for case in evidence.get("cases", []) if case.get("region") == principal.region]
    hidden = len(evidence.get("cases", [])) - len(cases) + evidence.get("hidden_cases", 0)
    return {**data, "evidence": {**evidence, "cases": cases, "hidden_cases": hidden}}


# network-level: drafted by a region's current coordinator (the command service's rule)
add_creation(router, Proposal, "draft_proposal", lambda ledger, body: None, (Role.COORDINATOR,))


@router.get("/{record_id}/effect", summary="A proposal's measured effect", responses=READ_RESPONSES)
def effect(
    record_id: UUID, engine: AppDep, principal: CurrentPrincipal,
    weeks: Annotated[int, Query(ge=1, le=MAX_EFFECT_WEEKS)] = 4,
    now: Annotated[Moment | None, Query(description="Measure as of this time; default now.")] = None,
) -> dict[str, Any]:
    """Cases in the proposal's policy area per covered region, `weeks` weeks before the effective date against
    `weeks` weeks from it, with the two-sided conditional binomial test's verdict per region."""
    proposal = read_record(engine, principal, Proposal, record_id, None, None)
    assert isinstance(proposal, Proposal)
    clock = engine.ledger.clock()
    if now is not None and now > clock:
        raise Problem(422, "invalid-value", f"now: {now.astimezone(UTC).isoformat()} is later than the server's "
                      f"clock ({clock.astimezone(UTC).isoformat()}): weeks that have not happened are not measured",
                      field="now")
    measured = measured_effect(engine, proposal, weeks, None if now is None else now.astimezone(UTC))
    if measured is None:
        raise Problem(409, "proposal-not-implemented", f"proposal {record_id} is {proposal.status}: its effect is "
                      "measured from its effective date, once implemented")
    return measured


add_record_reads(router, Proposal, ProposalPublic, present_proposal, hide_other_regions)
add_commands(router, Proposal, COMMANDS, roles=DECIDING_ROLES)
