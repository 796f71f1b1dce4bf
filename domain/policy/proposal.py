"""A policy proposal: from a common problem the coordinators see, with its evidence, to a decision, a change in
force, and a review of its measured effect.

    drafted --submit--> submitted --approve--> approved --implement--> implemented --review--> effect_reviewed
       ^  revise            |   \\--reject--> rejected
       |                    \\--return (comments)--> returned --revise, then submit--> submitted

Who acts (the rules the command service and the HTTP API hold to; docs/api.md "Proposals"):

- A proposal is **network-level**: it belongs to no region. It is drafted, revised and submitted by a current
  coordinator of some region (the drafter's region is recorded); it covers one or more regions (`regions`,
  where the problem is and the change would apply).
- **A manager** (senior management) decides any submitted proposal: approves, rejects, or returns it with
  comments. Senior management keeps the authority it gives the coordinators.
- **The coordinators** decide it themselves where an administrator has given them the authority for its policy
  area (`PolicyAuthority`): the current coordinator of each covered region approves for that region, and the
  proposal is approved once the coordinators of a strict majority of the regions it covers have approved (2 of
  2, 2 of 3, 3 of 4, 1 of 1). Any of them may instead return it with comments, which clears the approvals
  given. Rejection stays with a manager.
- A returned proposal is revised (answering the comments) before it is submitted again; approvals start over.
- The change is implemented (effective date, what changed) by a coordinator or a manager, no earlier than the
  day of its approval; its effect is reviewed once the weeks it is measured over have passed after that date.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import Field

from domain.aggregate import Aggregate
from domain.casework.case_events import PolicyArea
from domain.errors import (
    ApproverRegionNotCovered,
    CoordinatorsLackAuthority,
    EffectiveBeforeApproval,
    EffectNotYetMeasurable,
    InvalidValue,
    ProposalDecisionNeedsAuthority,
    ProposalNeedsCoordinator,
    ProposalNotRevised,
    ProposalRevisionUnchanged,
    ProposalWithoutEvidence,
    RegionAlreadyApproved,
)
from domain.event import DomainEvent
from domain.policy import authority  # noqa: F401 - the setting's events come first on the proposal topic, always
from domain.staff.region import StaffMember
from domain.values import Actor, Code, Context, Frozen, InCalendar, Role, ShortText, Text

__all__ = [
    "DEFAULT_EFFECT_WEEKS",
    "MAX_EFFECT_WEEKS",
    "MAX_EVIDENCE_CASES",
    "MAX_REGIONS",
    "DecidedBy",
    "EffectConclusion",
    "EffectWeeks",
    "Evidence",
    "EvidenceCase",
    "EvidenceCount",
    "Proposal",
    "ProposalApprovalGiven",
    "ProposalApproved",
    "ProposalDrafted",
    "ProposalEffectReviewed",
    "ProposalEvent",
    "ProposalImplemented",
    "ProposalRejected",
    "ProposalReturned",
    "ProposalRevised",
    "ProposalStatus",
    "ProposalSubmitted",
    "approvals_needed",
]

DEFAULT_EFFECT_WEEKS = 4
"""The weeks before and after the effective date an effect is measured over, unless told otherwise."""
MAX_EFFECT_WEEKS = 52
EffectWeeks = Annotated[int, Field(strict=True, ge=1, le=MAX_EFFECT_WEEKS)]
MAX_EVIDENCE_CASES = 200
MAX_REGIONS = 100


class ProposalStatus(StrEnum):
    DRAFTED = "drafted"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    IMPLEMENTED = "implemented"
    EFFECT_REVIEWED = "effect_reviewed"


class DecidedBy(StrEnum):
    """Who approved a proposal: a manager, or the coordinators under their authority for its policy area."""

    MANAGER = "manager"
    COORDINATORS = "coordinators"


class EffectConclusion(StrEnum):
    """What the reviewer concludes from the measured effect."""

    IMPROVED = "improved"
    NO_CHANGE = "no_change"
    WORSENED = "worsened"
    INCONCLUSIVE = "inconclusive"


class EvidenceCase(Frozen):
    """A case behind the problem, with its region (so a reader of another region sees that it exists, not its id)."""

    case_id: UUID
    region: Code


class EvidenceCount(Frozen):
    """A count the common-problems view showed for one region: cases in the policy area over its period."""

    region: Code
    count: Annotated[int, Field(strict=True, ge=0, le=10**9)]
    baseline: Annotated[float, Field(ge=0, le=10**9)] | None = None
    """The count expected from the region's baseline rate over the same period, where the view showed one."""
    weeks: Annotated[int, Field(strict=True, ge=1, le=520)] | None = None
    """The weeks the count covers, where the view said."""


class Evidence(Frozen):
    """What a proposal rests on: the cases behind the problem and the counts per region."""

    cases: Annotated[list[EvidenceCase], Field(max_length=MAX_EVIDENCE_CASES)] = Field(default_factory=list)
    counts: Annotated[list[EvidenceCount], Field(max_length=MAX_REGIONS)] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.cases and not self.counts


class ProposalEvent(DomainEvent, abstract=True):
    aggregate_type = "proposal"


class ProposalDrafted(ProposalEvent):
    policy_area: PolicyArea
    regions: list[Code]
    title: ShortText
    summary: Text
    change: Text
    """The change proposed."""
    evidence: Evidence
    drafted_in: Code
    """The region the drafting coordinator coordinates."""


class ProposalRevised(ProposalEvent):
    """The whole content after the revision (what did not change is repeated)."""

    regions: list[Code]
    title: ShortText
    summary: Text
    change: Text
    evidence: Evidence
    note: Text | None = None


class ProposalSubmitted(ProposalEvent):
    note: Text | None = None


class ProposalApprovalGiven(ProposalEvent):
    """A covered region's coordinator approved, under the coordinators' authority for the policy area."""

    region: Code
    approvals_needed: int
    """How many covered regions must approve in all (a strict majority of them)."""


class ProposalApproved(ProposalEvent):
    decided_by: DecidedBy
    note: Text | None = None


class ProposalRejected(ProposalEvent):
    reason: Text


class ProposalReturned(ProposalEvent):
    comments: Text


class ProposalImplemented(ProposalEvent):
    effective_on: Annotated[date, InCalendar]
    what_changed: Text


class ProposalEffectReviewed(ProposalEvent):
    weeks: int
    conclusion: EffectConclusion
    note: Text


def approvals_needed(regions: list[str]) -> int:
    """A strict majority of the covered regions."""
    return len(regions) // 2 + 1


class Proposal(Aggregate):
    aggregate_type = "proposal"
    creation_event = ProposalDrafted

    policy_area: PolicyArea
    regions: list[str]
    title: str
    summary: str
    change: str
    evidence: Evidence
    drafted_by: str
    drafted_in: str
    status: ProposalStatus = ProposalStatus.DRAFTED
    submitted_at: datetime | None = None
    approvals: dict[str, str] = Field(default_factory=dict)
    """Covered region -> the coordinator who approved for it (under the coordinators' authority)."""
    decided_by: DecidedBy | None = None
    decided_at: datetime | None = None
    decider: Actor | None = None
    decision_note: str | None = None
    comments: list[str] = Field(default_factory=list)
    """Every return's comments, oldest first."""
    revised_since_return: bool = False
    effective_on: date | None = None
    what_changed: str | None = None
    review_weeks: int | None = None
    conclusion: EffectConclusion | None = None
    review_note: str | None = None

    @classmethod
    def draft(
        cls, ctx: Context, proposal_id: UUID, *, author: StaffMember | None, policy_area: PolicyArea,
        regions: list[str], title: str, summary: str, change: str, evidence: Evidence,
    ) -> Self:
        """`author` is the acting coordinator as their region's staff has them (None for anyone else)."""
        drafter = _coordinator(ctx, author, "draft")
        return cls._create(ctx, proposal_id, policy_area=policy_area, regions=_scope(regions), title=title,
                           summary=summary, change=change, evidence=evidence, drafted_in=drafter.region)

    def revise(
        self, ctx: Context, author: StaffMember | None, *, regions: list[str] | None = None, title: str | None = None,
        summary: str | None = None, change: str | None = None, evidence: Evidence | None = None,
        note: str | None = None,
    ) -> None:
        """Change what is given (a draft, or a returned proposal answering its comments)."""
        if self.status not in (ProposalStatus.DRAFTED, ProposalStatus.RETURNED):
            raise self._refuse("revise", self.status, (ProposalStatus.DRAFTED, ProposalStatus.RETURNED))
        _coordinator(ctx, author, "revise")
        content = {"regions": self.regions if regions is None else _scope(regions),
                   "title": title or self.title, "summary": summary or self.summary, "change": change or self.change,
                   "evidence": self.evidence if evidence is None else evidence}
        if all(content[name] == getattr(self, name) for name in content):
            raise ProposalRevisionUnchanged(self.id)
        self._record(ProposalRevised, ctx, **content, note=note)

    def submit(self, ctx: Context, author: StaffMember | None, note: str | None = None) -> None:
        if self.status not in (ProposalStatus.DRAFTED, ProposalStatus.RETURNED):
            raise self._refuse("submit", self.status, (ProposalStatus.DRAFTED, ProposalStatus.RETURNED))
        _coordinator(ctx, author, "submit")
        if self.status is ProposalStatus.RETURNED and not self.revised_since_return:
            raise ProposalNotRevised(self.id, self.comments[-1])
        if self.evidence.empty:
            raise ProposalWithoutEvidence(self.id)
        self._record(ProposalSubmitted, ctx, note=note)

    def approve(self, ctx: Context, approver: StaffMember | None, coordinators_decide: bool,
                note: str | None = None) -> None:
        """A manager approves at once; a covered region's coordinator gives their region's approval, and the
        approval of a strict majority of the covered regions approves the proposal."""
        self._require_submitted("approve")
        if ctx.actor.role is Role.MANAGER:
            self._record(ProposalApproved, ctx, decided_by=DecidedBy.MANAGER, note=note)
            return
        region = self._covered_coordinator(ctx, approver, coordinators_decide, "approve")
        needed = approvals_needed(self.regions)
        if region in self.approvals:
            waiting = [r for r in self.regions if r not in self.approvals]
            raise RegionAlreadyApproved(self.id, region, needed - len(self.approvals), waiting)
        self._record(ProposalApprovalGiven, ctx, region=region, approvals_needed=needed)
        if len(self.approvals) >= needed:
            self._record(ProposalApproved, ctx, decided_by=DecidedBy.COORDINATORS, note=note)

    def reject(self, ctx: Context, reason: str) -> None:
        self._require_submitted("reject")
        if ctx.actor.role is not Role.MANAGER:
            raise ProposalDecisionNeedsAuthority(ctx.actor.id, ctx.actor.role, "reject", self.id)
        self._record(ProposalRejected, ctx, reason=reason)

    def return_with_comments(self, ctx: Context, approver: StaffMember | None, coordinators_decide: bool,
                             comments: str) -> None:
        """Back to the coordinators for a revision (by a manager, or a covered region's coordinator where the
        coordinators decide the area); the approvals given so far are cleared."""
        self._require_submitted("return")
        if ctx.actor.role is not Role.MANAGER:
            self._covered_coordinator(ctx, approver, coordinators_decide, "return")
        self._record(ProposalReturned, ctx, comments=comments)

    def implement(self, ctx: Context, author: StaffMember | None, effective_on: date, what_changed: str) -> None:
        if self.status is not ProposalStatus.APPROVED:
            raise self._refuse("implement", self.status, (ProposalStatus.APPROVED,))
        self._require_coordinator_or_manager(ctx, author, "implement")
        assert self.decided_at is not None  # an approved proposal was decided
        if effective_on < self.decided_at.date():
            raise EffectiveBeforeApproval(self.id, effective_on, self.decided_at.date())
        self._record(ProposalImplemented, ctx, effective_on=effective_on, what_changed=what_changed)

    def review_effect(self, ctx: Context, author: StaffMember | None, weeks: int, conclusion: EffectConclusion,
                      note: str) -> None:
        """Once the `weeks` after the effective date have passed: what the measured effect shows."""
        if self.status is not ProposalStatus.IMPLEMENTED:
            raise self._refuse("review the effect of", self.status, (ProposalStatus.IMPLEMENTED,))
        self._require_coordinator_or_manager(ctx, author, "review the effect of")
        if not 1 <= weeks <= MAX_EFFECT_WEEKS:
            raise InvalidValue("weeks", f"must be from 1 to {MAX_EFFECT_WEEKS}")
        assert self.effective_on is not None  # an implemented proposal has its effective date
        until = self.effective_on + timedelta(weeks=weeks)
        if ctx.now.date() < until:
            raise EffectNotYetMeasurable(self.id, weeks, self.effective_on, until)
        self._record(ProposalEffectReviewed, ctx, weeks=weeks, conclusion=conclusion, note=note)

    def _require_submitted(self, command: str) -> None:
        if self.status is not ProposalStatus.SUBMITTED:
            raise self._refuse(command, self.status, (ProposalStatus.SUBMITTED,))

    def _covered_coordinator(self, ctx: Context, coordinator: StaffMember | None, coordinators_decide: bool,
                             command: str) -> str:
        """The region a coordinator decides for: theirs, if the proposal covers it and the area is theirs."""
        if ctx.actor.role is not Role.COORDINATOR or coordinator is None or coordinator.id != ctx.actor.id:
            raise ProposalDecisionNeedsAuthority(ctx.actor.id, ctx.actor.role, command, self.id)
        if not coordinators_decide:
            raise CoordinatorsLackAuthority(self.id, self.policy_area)
        if coordinator.region not in self.regions:
            raise ApproverRegionNotCovered(self.id, coordinator.id, coordinator.region, self.regions)
        return coordinator.region

    def _require_coordinator_or_manager(self, ctx: Context, author: StaffMember | None, command: str) -> None:
        if ctx.actor.role is not Role.MANAGER:
            try:
                _coordinator(ctx, author, command)
            except ProposalNeedsCoordinator:
                raise ProposalDecisionNeedsAuthority(ctx.actor.id, ctx.actor.role, command, self.id) from None

    @classmethod
    def created_by(cls, event: ProposalDrafted) -> Self:
        return cls(id=event.originator_id, version=1, created_at=event.occurred_at, modified_at=event.occurred_at,
                   policy_area=event.policy_area, regions=list(event.regions), title=event.title,
                   summary=event.summary, change=event.change, evidence=event.evidence, drafted_by=event.actor.id,
                   drafted_in=event.drafted_in)

    def when(self, event: ProposalEvent) -> None:
        match event:
            case ProposalRevised():
                self.regions, self.title, self.summary = list(event.regions), event.title, event.summary
                self.change, self.evidence = event.change, event.evidence
                self.revised_since_return = self.status is ProposalStatus.RETURNED
            case ProposalSubmitted():
                self.status, self.submitted_at = ProposalStatus.SUBMITTED, event.occurred_at
                self.approvals, self.revised_since_return = {}, False
            case ProposalApprovalGiven():
                self.approvals = {**self.approvals, event.region: event.actor.id}
            case ProposalApproved():
                self._decided(event, ProposalStatus.APPROVED, event.note)
                self.decided_by = event.decided_by
            case ProposalRejected():
                self._decided(event, ProposalStatus.REJECTED, event.reason)
                self.decided_by = DecidedBy.MANAGER
            case ProposalReturned():
                self.status, self.approvals = ProposalStatus.RETURNED, {}
                self.comments = [*self.comments, event.comments]
            case ProposalImplemented():
                self.status, self.effective_on = ProposalStatus.IMPLEMENTED, event.effective_on
                self.what_changed = event.what_changed
            case ProposalEffectReviewed():
                self.status, self.review_weeks = ProposalStatus.EFFECT_REVIEWED, event.weeks
                self.conclusion, self.review_note = event.conclusion, event.note

    def _decided(self, event: ProposalEvent, status: ProposalStatus, note: str | None) -> None:
        self.status, self.decided_at, self.decider, self.decision_note = status, event.occurred_at, event.actor, note


def _coordinator(ctx: Context, author: StaffMember | None, command: str) -> StaffMember:
    """The acting coordinator as their region's staff has them; anyone else is refused."""
    if ctx.actor.role is not Role.COORDINATOR or author is None or author.id != ctx.actor.id or (
            author.role is not Role.COORDINATOR):
        raise ProposalNeedsCoordinator(ctx.actor.id, ctx.actor.role, command)
    return author


def _scope(regions: list[str]) -> list[str]:
    """The covered regions, each once, in order; at least one."""
    scope = sorted(set(regions))
    if not scope:
        raise InvalidValue("regions", "name at least one region the proposal covers")
    if len(scope) > MAX_REGIONS:
        raise InvalidValue("regions", f"at most {MAX_REGIONS} regions")
    return scope
