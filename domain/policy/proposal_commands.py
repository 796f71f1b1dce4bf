"""Commands on policy proposals and on the setting of which policy areas the coordinators decide.

Proposals are network-level records (they belong to no region), so the staff rule of domain/staff/staffing.py
is applied to them this way: a coordinator acts on a proposal only while they are the current coordinator of
some region (their membership record, checked against the region as stored now); a manager records only the
network-level decisions listed in `NETWORK_LEVEL_EVENTS` (approve, reject, return, implement, review); the
setting (`PolicyAuthority`) is changed by administrators only. The evidence a draft cites is resolved here:
each case id is loaded from the event store and recorded with its region.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from pydantic import Field

from domain.aggregate import Aggregate
from domain.casework.case import Case
from domain.casework.case_events import PolicyArea
from domain.errors import AuthorityNeedsAdmin, NotACurrentCoordinator, ProposalNeedsCoordinator, RecordNotFound
from domain.ledger import CommandResult
from domain.policy.authority import AUTHORITY_ID, PolicyAuthority
from domain.policy.proposal import (
    DEFAULT_EFFECT_WEEKS,
    MAX_EVIDENCE_CASES,
    MAX_REGIONS,
    EffectConclusion,
    EffectWeeks,
    Evidence,
    EvidenceCase,
    EvidenceCount,
    Proposal,
)
from domain.staff.region import StaffMember
from domain.staff.staffing import UNBOUND, RegionCommands
from domain.values import Actor, Code, Context, Day, Role, ShortTextIn, TextIn

__all__ = ["CaseIds", "Counts", "ProposalCommands", "Regions"]

Regions = Annotated[list[Code], Field(min_length=1, max_length=MAX_REGIONS)]
"""The regions a proposal covers (where the problem is and the change would apply)."""
CaseIds = Annotated[list[UUID], Field(max_length=MAX_EVIDENCE_CASES)]
"""The cases behind the problem, as the common-problems view listed them."""
Counts = Annotated[list[EvidenceCount], Field(max_length=MAX_REGIONS)]
"""The counts per region the common-problems view showed."""


class ProposalCommands(RegionCommands):
    def policy_authority(self) -> PolicyAuthority | None:
        """The setting of which policy areas the coordinators decide (None until an administrator first sets it)."""
        try:
            return self.get(PolicyAuthority, AUTHORITY_ID)
        except RecordNotFound:
            return None

    def grant_coordinator_authority(self, ctx: Context, policy_area: PolicyArea, reason: TextIn) -> CommandResult:
        """From now on the coordinators decide proposals in this policy area (an administrator's setting)."""
        authority = self.policy_authority()
        if authority is None:
            authority = PolicyAuthority.establish(ctx)
            authority.grant(ctx, policy_area, reason)
            return self._commit(authority)
        return self._update(PolicyAuthority, AUTHORITY_ID, None, lambda a: a.grant(ctx, policy_area, reason))

    def withdraw_coordinator_authority(self, ctx: Context, policy_area: PolicyArea, reason: TextIn) -> CommandResult:
        """From now on a manager decides proposals in this policy area again (an administrator's setting)."""
        if self.policy_authority() is None:  # never set: refused by role, or as nothing held
            PolicyAuthority.establish(ctx).withdraw(ctx, policy_area, reason)
        return self._update(PolicyAuthority, AUTHORITY_ID, None, lambda a: a.withdraw(ctx, policy_area, reason))

    def draft_proposal(
        self, ctx: Context, *, policy_area: PolicyArea, regions: Regions, title: ShortTextIn, summary: TextIn,
        change: TextIn, case_ids: CaseIds | None = None, counts: Counts | None = None,
        proposal_id: UUID | None = None,
    ) -> CommandResult:
        """Draft a proposal from a common problem, with its evidence (a current coordinator of some region)."""
        author = self._acting_coordinator(ctx.actor, "draft")
        for code in [*regions, *(count.region for count in counts or [])]:
            self.region(code)
        evidence = Evidence(cases=self._evidence_cases(ctx, case_ids or []), counts=counts or [])
        proposal = Proposal.draft(ctx, proposal_id or self.new_id(), author=author, policy_area=policy_area,
                                  regions=regions, title=title, summary=summary, change=change, evidence=evidence)
        return self._commit(proposal)

    def revise_proposal(
        self, ctx: Context, proposal_id: UUID, regions: Regions | None = None, title: ShortTextIn | None = None,
        summary: TextIn | None = None, change: TextIn | None = None, case_ids: CaseIds | None = None,
        counts: Counts | None = None, note: TextIn | None = None, expected_version: int | None = None,
    ) -> CommandResult:
        """Change a draft, or answer a return's comments: what is given replaces what was there (a coordinator's
        `case_ids` replace their own region's evidence cases and keep the other regions')."""
        author = self._acting_coordinator(ctx.actor, "revise")
        for code in [*(regions or []), *(count.region for count in counts or [])]:
            self.region(code)
        cases = None if case_ids is None else self._evidence_cases(ctx, case_ids)

        def revise(proposal: Proposal) -> None:
            evidence = None
            if cases is not None or counts is not None:
                kept = [] if author is None else [c for c in proposal.evidence.cases if c.region != author.region]
                evidence = Evidence(cases=proposal.evidence.cases if cases is None else [*kept, *cases],
                                    counts=proposal.evidence.counts if counts is None else counts)
            proposal.revise(ctx, author, regions=regions, title=title, summary=summary, change=change,
                            evidence=evidence, note=note)

        return self._update(Proposal, proposal_id, expected_version, revise)

    def submit_proposal(
        self, ctx: Context, proposal_id: UUID, note: TextIn | None = None, expected_version: int | None = None
    ) -> CommandResult:
        """Send it to be decided: by a manager, or by the coordinators where they hold the area's authority."""
        author = self._acting_coordinator(ctx.actor, "submit")
        return self._update(Proposal, proposal_id, expected_version, lambda p: p.submit(ctx, author, note))

    def approve_proposal(
        self, ctx: Context, proposal_id: UUID, note: TextIn | None = None, expected_version: int | None = None
    ) -> CommandResult:
        """Approve: a manager at once, or a covered region's coordinator for their region.

        A coordinator approves where the coordinators hold the authority for the policy area; the proposal is
        approved once the coordinators of a strict majority of the covered regions have."""
        return self._decide(ctx, proposal_id, expected_version,
                            lambda p, who, theirs: p.approve(ctx, who, theirs, note))

    def reject_proposal(
        self, ctx: Context, proposal_id: UUID, reason: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        """A manager rejects the proposal, saying why."""
        return self._update(Proposal, proposal_id, expected_version, lambda p: p.reject(ctx, reason))

    def return_proposal(
        self, ctx: Context, proposal_id: UUID, comments: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        """Return it with comments, to be revised and submitted again; approvals given so far are cleared.

        By a manager, or by a covered region's coordinator where the coordinators decide the area."""
        return self._decide(ctx, proposal_id, expected_version,
                            lambda p, who, theirs: p.return_with_comments(ctx, who, theirs, comments))

    def implement_proposal(
        self, ctx: Context, proposal_id: UUID, effective_on: Day, what_changed: TextIn,
        expected_version: int | None = None,
    ) -> CommandResult:
        """The approved change is in force from `effective_on` (no earlier than its approval): say what changed."""
        author = self._acting_coordinator(ctx.actor, "implement")
        return self._update(Proposal, proposal_id, expected_version,
                            lambda p: p.implement(ctx, author, effective_on, what_changed))

    def review_proposal_effect(
        self, ctx: Context, proposal_id: UUID, conclusion: EffectConclusion, note: TextIn,
        weeks: EffectWeeks = DEFAULT_EFFECT_WEEKS, expected_version: int | None = None,
    ) -> CommandResult:
        """What the effect measured over `weeks` before and after the effective date shows (once they passed)."""
        author = self._acting_coordinator(ctx.actor, "review the effect of")
        return self._update(Proposal, proposal_id, expected_version,
                            lambda p: p.review_effect(ctx, author, weeks, conclusion, note))

    def _decide(
        self, ctx: Context, proposal_id: UUID, expected_version: int | None,
        decision: Callable[[Proposal, StaffMember | None, bool], None],
    ) -> CommandResult:
        coordinator = self._acting_coordinator(ctx.actor, "decide")
        authority = self.policy_authority()

        def decide(proposal: Proposal) -> None:
            decision(proposal, coordinator,
                     authority is not None and authority.coordinators_decide(proposal.policy_area))

        return self._update(Proposal, proposal_id, expected_version, decide)

    def _acting_coordinator(self, actor: Actor, command: str) -> StaffMember | None:
        """The actor as a current coordinator of some region (None for another role; a coordinator who is not
        now one is refused). Their membership record names their region; someone placed before the one-person
        rule is found by the staff read model, each region it names checked in the event store."""
        if actor.role is not Role.COORDINATOR:
            return None
        membership = self.membership(actor.id)
        if membership is not None:
            codes = [membership.region] if membership.region and membership.role is Role.COORDINATOR else []
        else:
            codes = self.index.regions_staffed_by(actor.id)
        for code in codes:
            region = self._current_region(code)
            if region is not None and region.coordinator is not None and region.coordinator.id == actor.id:
                return region.coordinator
        raise NotACurrentCoordinator(actor.id)

    def _evidence_cases(self, ctx: Context, case_ids: list[UUID]) -> list[EvidenceCase]:
        """Each cited case, once, with its region as the event store has it. A coordinator cites their own region's
        cases (other regions come as counts): another region's case is answered exactly as an unknown id, so the
        answer never tells whether it exists."""
        cited = []
        for case_id in dict.fromkeys(case_ids):
            try:
                case = self.get(Case, case_id)
            except RecordNotFound:
                raise RecordNotFound(Case.aggregate_type, case_id) from None
            if ctx.actor.role is Role.COORDINATOR and case.region != self._coordinated_region_of(ctx.actor):
                raise RecordNotFound(Case.aggregate_type, case_id)
            cited.append(EvidenceCase(case_id=case_id, region=case.region))
        return cited

    def _coordinated_region_of(self, actor: Actor) -> str | None:
        try:
            coordinator = self._acting_coordinator(actor, "cite evidence")
        except NotACurrentCoordinator:
            return None
        return None if coordinator is None else coordinator.region

    def _check_staff(self, aggregate: Aggregate) -> None:
        """Proposals and the setting belong to no region: a coordinator acts while they coordinate some region,
        a manager's events are checked on saving (network-level decisions only), the setting is administrators'."""
        actors = {event.actor for event in aggregate.pending_events}
        if isinstance(aggregate, PolicyAuthority):
            for actor in actors:
                if actor.role not in UNBOUND:
                    raise AuthorityNeedsAdmin(actor.id, actor.role)
        elif isinstance(aggregate, Proposal):
            for actor in actors:
                if actor.role is Role.COORDINATOR:
                    self._acting_coordinator(actor, "change")
                elif actor.role not in (Role.MANAGER, *UNBOUND):
                    raise ProposalNeedsCoordinator(actor.id, actor.role, "change")
        else:
            super()._check_staff(aggregate)
