"""A customer's or member's problem, from first contact to closure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Self
from uuid import UUID

from pydantic import Field

from domain.aggregate import Aggregate
from domain.casework.caller import Caller
from domain.casework.case_events import (
    MONEY_CATEGORIES,
    ActionCancelled,
    ActionCompleted,
    ActionKind,
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
    Category,
    Channel,
    ContactEnded,
    ContactEndReason,
    ContactLogged,
    CustomerContactUpdated,
    CustomerReminderDue,
    Direction,
    DisputeDecided,
    DisputeOutcome,
    DisputeRecorded,
    DuplicateMerged,
    EscalationHandedOver,
    FlaggedCallerRecognised,
    HarassingCallerFlagged,
    LinkKind,
    NoteAdded,
    PolicyArea,
    PolicyIssueFlagged,
    ResolutionCode,
    Settlement,
    SlaAtRisk,
    SlaBreached,
    SurveyAnswered,
    SurveyChannel,
    TimeoutOutcome,
    WaitingTimedOut,
)
from domain.casework.sla import SLA_POLICY, Priority, SlaStandard, SlaTarget, sla_target
from domain.casework.sla_clock import (
    ClockName,
    ClockStatus,
    SlaClock,
    pause,
    projected_due,
    resume,
    retarget,
    start,
    stop,
)
from domain.errors import (
    ActionNotScheduled,
    ActionsStillScheduled,
    AlreadyAssigned,
    AlreadyEscalated,
    AlreadyLinked,
    AssigneeInOtherRegion,
    CaseNotAssigned,
    CaseNotTriaged,
    CasesInDifferentRegions,
    DisputeAlreadyDecided,
    DisputeAlreadyRecorded,
    DisputeCategoryLocked,
    DisputeNeedsCounterparty,
    DisputeNotForCategory,
    DisputeUndecided,
    DomainError,
    DuplicateAction,
    EscalatedCaseNeedsCoordinator,
    InvalidOutcome,
    InvalidValue,
    LinkWouldCycle,
    MergeRefused,
    NoDispute,
    NotAHarassingContact,
    NotAHarassmentCase,
    NotARepresentative,
    NotEscalated,
    NotEscalationHolder,
    NotRegionCoordinator,
    PolicyAreaAlreadyFlagged,
    RegionHasNoCoordinator,
    ReopenWindowPassed,
    SecondParent,
    SurveyAnsweredByCaseWorker,
    TimerNotWanted,
    UnknownAction,
)
from domain.money import require_currency
from domain.staff.calendar import ALWAYS, BusinessCalendar
from domain.staff.region import DEFAULT_REOPEN_WINDOW_DAYS, StaffChange, StaffMember
from domain.staff.time_policy import DEFAULT_TIME_POLICY, GiveUpAction, TimePolicy
from domain.values import Actor, Context, CustomerContact, Frozen, Role

__all__ = [
    "INVERSE_LINK", "Action", "ActionStatus", "Case", "CaseLink", "CaseStatus", "CallerFlagNote", "Dispute",
    "PolicyFlag", "SurveyAnswer",
]

CLOSERS_OF_ESCALATIONS = (Role.COORDINATOR, Role.ADMIN, Role.SYSTEM)
"""Who resolves or closes an escalated case: a coordinator (the command service lets only the region's
current one act on its cases), an administrator, or the engine itself."""

INVERSE_LINK = {
    LinkKind.PARENT: LinkKind.CHILD, LinkKind.CHILD: LinkKind.PARENT, LinkKind.RELATED: LinkKind.RELATED,
    LinkKind.FOLLOW_UP: LinkKind.FOLLOWS_UP, LinkKind.FOLLOWS_UP: LinkKind.FOLLOW_UP,
    LinkKind.HARASSMENT_CASE: LinkKind.REPEAT_CONTACT, LinkKind.REPEAT_CONTACT: LinkKind.HARASSMENT_CASE,
}
"""A link as the other case records it."""


class CaseStatus(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    ESCALATED = "escalated"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN = (CaseStatus.NEW, CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED,
        CaseStatus.WAITING_ON_CUSTOMER)
WORKING = (CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED, CaseStatus.WAITING_ON_CUSTOMER)


class ActionStatus(StrEnum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Action(Frozen):
    """Something promised to the customer: a repair visit, an account change, a referral, a call-back."""

    id: str
    kind: ActionKind
    due_at: datetime
    details: str
    status: ActionStatus = ActionStatus.SCHEDULED
    overdue: bool = False
    """Its due time passed while it was still scheduled (flagged by a timer, issue 16)."""


class PolicyFlag(Frozen):
    """Front-line experience raised for the coordinators' common-problems review."""

    area: PolicyArea
    note: str
    flagged_at: datetime
    flagged_by: Actor


class SurveyAnswer(Frozen):
    """One answer of the customer to the satisfaction survey."""

    score: int
    channel: SurveyChannel
    comment: str | None
    answered_at: datetime
    recorded_by: Actor


class Dispute(Frozen):
    """The money a billing or payment case disputes, and its outcome once decided."""

    amount_minor: int
    currency: str
    reference: str
    provider_id: UUID | None
    contract_id: UUID | None
    recorded_at: datetime
    outcome: DisputeOutcome | None = None
    granted_minor: int | None = None
    settlement: Settlement | None = None
    decided_at: datetime | None = None


class CaseLink(Frozen):
    """Another case, and what it is to this one."""

    case_id: UUID
    kind: LinkKind
    linked_at: datetime


class CallerFlagNote(Frozen):
    """The case's caller is flagged for harassing calls: shown to whoever works the case."""

    reason: str
    flagged_by: Actor
    flagged_at: datetime
    harassment_case_id: UUID | None


class Case(Aggregate):
    aggregate_type = "case"
    creation_event = CaseOpened

    region: str
    channel: Channel
    customer_ref: str
    subject: str
    description: str
    contact: CustomerContact | None = None
    provider_id: UUID | None = None
    contract_id: UUID | None = None
    status: CaseStatus = CaseStatus.NEW
    category: Category | None = None
    priority: Priority | None = None
    first_response_due: datetime | None = None
    resolution_due: datetime | None = None
    first_responded_at: datetime | None = None
    assignee: str | None = None
    escalated_to: str | None = None
    waiting_since: datetime | None = None
    resume_status: CaseStatus | None = None
    paused_seconds: int = 0
    actions: dict[str, Action] = Field(default_factory=dict)
    contacts_logged: int = 0
    notes_added: int = 0
    resolution_code: ResolutionCode | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    staff_rating: int | None = None
    """A score typed by whoever closed the case, from events stored before issue 14: not the customer's."""
    survey_answers: list[SurveyAnswer] = Field(default_factory=list)
    policy_flags: list[PolicyFlag] = Field(default_factory=list)
    reopened: int = 0
    resolved_under_escalation: str | None = None
    """The coordinator who held the escalation when the case was resolved: the case is closed by a coordinator."""
    dispute: Dispute | None = None
    merged_into: UUID | None = None
    merged_cases: list[UUID] = Field(default_factory=list)
    links: list[CaseLink] = Field(default_factory=list)
    caller_flag: CallerFlagNote | None = None
    flagged_callers: list[str] = Field(default_factory=list)
    contacts_ended: int = 0
    worked_by: list[str] = Field(default_factory=list)
    """The representatives who worked the case: assigned it at some point, or logged or ended a contact on it."""
    sla_clocks: dict[ClockName, SlaClock] = Field(default_factory=dict)
    """The SLA clocks (issue 16) as the latest event that changed them recorded them (domain/casework/sla_clock.py);
    none for a case triaged before them."""
    last_update_at: datetime | None = None
    """The latest customer-facing contact: an outbound contact logged."""
    remind_at: datetime | None = None
    """While waiting on the customer: when they are reminded, and when the region gives up on them."""
    give_up_at: datetime | None = None
    customer_reminded: bool = False
    waiting_timed_out: bool = False

    # -- commands -------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        ctx: Context,
        case_id: UUID,
        *,
        region: str,
        channel: Channel,
        customer_ref: str,
        subject: str,
        description: str,
        contact: CustomerContact | None = None,
        provider_id: UUID | None = None,
        contract_id: UUID | None = None,
    ) -> Self:
        return cls._create(
            ctx, case_id, region=region, channel=channel, customer_ref=customer_ref, subject=subject,
            description=description, contact=contact, provider_id=provider_id, contract_id=contract_id,
        )

    def triage(self, ctx: Context, category: Category, priority: Priority, standards: Sequence[SlaStandard] = (),
               calendar: BusinessCalendar = ALWAYS, policy: TimePolicy = DEFAULT_TIME_POLICY) -> None:
        """Targets from the region's `standards` in force when the case opened (domain/casework/sla.py), else the
        default policy for its priority; the SLA clocks count them from the opening in business time on the
        region's `calendar` (triaged again: the running clocks take the new targets)."""
        self._require("triage", OPEN)
        if self.dispute is not None and category not in MONEY_CATEGORIES:
            raise DisputeCategoryLocked(self.id, category)
        clocks = self._triaged_clocks(sla_target(priority, category, self.created_at, standards), calendar,
                                      policy.at_risk_percent)
        self._record(CaseTriaged, ctx, category=category, priority=priority,
                     first_response_due=projected_due(clocks[ClockName.FIRST_RESPONSE], calendar),
                     resolution_due=projected_due(clocks[ClockName.RESOLUTION], calendar),
                     sla_clocks=list(clocks.values()))

    def _triaged_clocks(self, target: SlaTarget, calendar: BusinessCalendar, percent: int
                        ) -> dict[ClockName, SlaClock]:
        """The clocks with `target`: those running keep their start; a case triaged for the first time starts its
        first-response and resolution clocks at its opening, its next-update clock at its latest outbound contact."""
        targets = {ClockName.FIRST_RESPONSE: target.first_response, ClockName.NEXT_UPDATE: target.next_update,
                   ClockName.RESOLUTION: target.resolution}
        clocks: dict[ClockName, SlaClock] = {}
        for name, duration in targets.items():
            if (current := self.sla_clocks.get(name)) is not None:
                clocks[name] = retarget(current, duration, self.waiting_since, calendar, percent)
                continue
            since = self.last_update_at if name is ClockName.NEXT_UPDATE else self.created_at
            if since is None:
                continue
            clock = start(name, duration, since, calendar, percent, paused_seconds=self.paused_seconds
                          if name is not ClockName.NEXT_UPDATE else 0)
            if name is ClockName.FIRST_RESPONSE and self.first_responded_at is not None:
                clock = stop(clock, self.first_responded_at)
            elif self.waiting_since is not None:
                clock = pause(clock, self.waiting_since, calendar)
            clocks[name] = clock
        return clocks

    def assign(self, ctx: Context, representative: StaffMember) -> None:
        if self.status is CaseStatus.NEW:
            raise CaseNotTriaged(self.id, "assign")
        self._require("assign", WORKING)
        if representative.role is not Role.REPRESENTATIVE:
            raise NotARepresentative(representative.id, representative.region)
        if representative.region != self.region:
            raise AssigneeInOtherRegion(self.id, representative.id, representative.region, self.region)
        if representative.id == self.assignee:
            raise AlreadyAssigned(self.id, representative.id)
        self._record(CaseAssigned, ctx, representative_id=representative.id, previous_assignee=self.assignee)

    def log_contact(self, ctx: Context, direction: Direction, channel: Channel, summary: str,
                    calendar: BusinessCalendar = ALWAYS, policy: TimePolicy = DEFAULT_TIME_POLICY) -> None:
        """An outbound contact on an open case is customer-facing: it stops the first-response clock and restarts
        the next-update clock (paused while the case waits on the customer)."""
        self._require("log a contact on", (*OPEN, CaseStatus.RESOLVED))
        clocks = None
        if direction == Direction.OUTBOUND and self.is_open and self.priority is not None and self.sla_clocks:
            now = self._now(ctx)
            changed = {name: stop(clock, now) if name is ClockName.FIRST_RESPONSE else clock
                       for name, clock in self.sla_clocks.items()}
            update = start(ClockName.NEXT_UPDATE, SLA_POLICY[self.priority].next_update, now, calendar,
                           policy.at_risk_percent)
            waiting = self.status is CaseStatus.WAITING_ON_CUSTOMER
            changed[ClockName.NEXT_UPDATE] = pause(update, now, calendar) if waiting else update
            clocks = list(changed.values())
        self._record(ContactLogged, ctx, direction=direction, channel=channel, summary=summary, sla_clocks=clocks)

    def add_note(self, ctx: Context, text: str) -> None:
        self._require("add a note to", (*OPEN, CaseStatus.RESOLVED))
        self._record(NoteAdded, ctx, text=text)

    def update_contact(self, ctx: Context, contact: CustomerContact) -> None:
        self._record(CustomerContactUpdated, ctx, contact=contact)

    def schedule_action(
        self, ctx: Context, action_id: str, kind: ActionKind, due_at: datetime, details: str
    ) -> None:
        self._require("schedule an action on", WORKING)
        if action_id in self.actions:
            raise DuplicateAction(self.id, action_id)
        self._record(ActionScheduled, ctx, action_id=action_id, kind=kind, due_at=due_at, details=details)

    def complete_action(self, ctx: Context, action_id: str, outcome: str) -> None:
        self._require("complete an action of", WORKING)
        self._scheduled_action(action_id)
        self._record(ActionCompleted, ctx, action_id=action_id, outcome=outcome)

    def cancel_action(self, ctx: Context, action_id: str, reason: str) -> None:
        self._require("cancel an action of", WORKING)
        self._scheduled_action(action_id)
        self._record(ActionCancelled, ctx, action_id=action_id, reason=reason)

    def escalate(self, ctx: Context, coordinator: StaffMember, reason: str) -> None:
        if self.status is CaseStatus.ESCALATED and self.escalated_to:
            raise AlreadyEscalated(self.id, self.escalated_to)
        self._require("escalate", (CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS))
        if coordinator.role is not Role.COORDINATOR or coordinator.region != self.region:
            raise NotRegionCoordinator(coordinator.id, self.region)
        self._record(CaseEscalated, ctx, coordinator_id=coordinator.id, reason=reason)

    def de_escalate(self, ctx: Context, note: str) -> None:
        if self.status is not CaseStatus.ESCALATED or self.escalated_to is None:
            raise NotEscalated(self.id)
        if ctx.actor.role is not Role.ADMIN and ctx.actor.id != self.escalated_to:
            raise NotEscalationHolder(self.id, ctx.actor.id, self.escalated_to)
        self._record(CaseDeEscalated, ctx, note=note)

    def hand_over_escalation(self, ctx: Context, coordinator: StaffMember, cause: StaffChange) -> None:
        """The escalation moves to the region's new coordinator (the command service calls this when the
        holder is replaced); the case stays escalated (or waiting on the customer, escalated)."""
        if self.escalated_to is None:
            raise NotEscalated(self.id)
        if coordinator.role is not Role.COORDINATOR or coordinator.region != self.region:
            raise NotRegionCoordinator(coordinator.id, self.region)
        if coordinator.id == self.escalated_to:
            raise AlreadyEscalated(self.id, coordinator.id)
        self._record(EscalationHandedOver, ctx, from_coordinator_id=self.escalated_to,
                     to_coordinator_id=coordinator.id, cause=cause)

    def return_to_queue(self, ctx: Context, cause: StaffChange) -> None:
        """The assignee left the region's staff: the open case goes back to the queue, unassigned."""
        if self.assignee is None:
            raise CaseNotAssigned(self.id, "return to the queue")
        self._require("return to the queue", OPEN)
        self._record(CaseReturnedToQueue, ctx, representative_id=self.assignee, cause=cause)

    def wait_on_customer(self, ctx: Context, reason: str, calendar: BusinessCalendar = ALWAYS,
                         policy: TimePolicy = DEFAULT_TIME_POLICY) -> None:
        """The SLA clocks pause with the business time they have left; the region's `policy` says when the customer
        is reminded and when the engine gives up on them (calendar days)."""
        if self.status is CaseStatus.TRIAGED:
            raise CaseNotAssigned(self.id, "wait on the customer for")
        self._require("wait on the customer for", (CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED))
        now = self._now(ctx)
        self._record(CaseAwaitingCustomer, ctx, reason=reason,
                     sla_clocks=[pause(clock, now, calendar) for clock in self.sla_clocks.values()] or None,
                     remind_at=now + timedelta(days=policy.reminder_after_days),
                     give_up_at=now + timedelta(days=policy.give_up_after_days))

    def resume(self, ctx: Context, calendar: BusinessCalendar = ALWAYS, policy: TimePolicy = DEFAULT_TIME_POLICY
               ) -> None:
        """The paused SLA clocks run again, due later by the business time spent waiting on the `calendar`."""
        self._require("resume", (CaseStatus.WAITING_ON_CUSTOMER,))
        assert self.waiting_since is not None
        paused = max(ctx.now - self.waiting_since, timedelta(0))
        first_response_due = self.first_response_due and self.first_response_due + paused
        resolution_due = self.resolution_due and self.resolution_due + paused
        clocks = {name: resume(clock, self.waiting_since, self._now(ctx), calendar, policy.at_risk_percent)
                  for name, clock in self.sla_clocks.items()}
        if ClockName.FIRST_RESPONSE in clocks:
            first_response_due = projected_due(clocks[ClockName.FIRST_RESPONSE], calendar)
        if ClockName.RESOLUTION in clocks:
            resolution_due = projected_due(clocks[ClockName.RESOLUTION], calendar)
        self._record(CaseResumed, ctx, paused_seconds=int(paused.total_seconds()),
                     first_response_due=first_response_due, resolution_due=resolution_due,
                     sla_clocks=list(clocks.values()) or None)

    def resolve(self, ctx: Context, resolution_code: ResolutionCode, summary: str) -> None:
        """Resolution stops every SLA clock."""
        self._require_resolvable(ctx)
        self._record(CaseResolved, ctx, resolution_code=resolution_code, summary=summary)

    def _require_resolvable(self, ctx: Context) -> None:
        if self.status is CaseStatus.NEW:
            raise CaseNotTriaged(self.id, "resolve")
        if self.status is CaseStatus.TRIAGED:
            raise CaseNotAssigned(self.id, "resolve")
        self._require("resolve", (CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED, CaseStatus.WAITING_ON_CUSTOMER))
        if self.scheduled_actions:
            raise ActionsStillScheduled(self.id, self.scheduled_actions)
        self._require_coordinator(ctx, "resolve", self.escalated_to)
        if self.dispute is not None and self.dispute.outcome is None:
            raise DisputeUndecided(self.id)

    def close(self, ctx: Context) -> None:
        """Close a resolved case; the customer's satisfaction comes later, as their survey answer."""
        self._require("close", (CaseStatus.RESOLVED,))
        self._require_coordinator(ctx, "close", self.resolved_under_escalation)
        self._record(CaseClosed, ctx)

    def record_survey_answer(self, ctx: Context, score: int, channel: SurveyChannel, comment: str | None = None
                             ) -> None:
        """The customer's answer to the survey sent at closure; every answer is kept, reopening erases none."""
        self._require("record a survey answer for", (CaseStatus.CLOSED,))
        if ctx.actor.id == self.assignee or ctx.actor.id in self.worked_by:
            raise SurveyAnsweredByCaseWorker(self.id, ctx.actor.id)
        self._record(SurveyAnswered, ctx, score=score, channel=channel, comment=comment)

    def reopen(self, ctx: Context, reason: str, window_days: int = DEFAULT_REOPEN_WINDOW_DAYS,
               standards: Sequence[SlaStandard] = (), calendar: BusinessCalendar = ALWAYS,
               policy: TimePolicy = DEFAULT_TIME_POLICY) -> None:
        """Reopen within the region's window after the case ended (closed, or resolved and never closed); the
        resolution clock starts again from now."""
        self._require("reopen", (CaseStatus.RESOLVED, CaseStatus.CLOSED))
        if self.merged_into is not None:
            raise MergeRefused(f"case {self.id} was merged into case {self.merged_into}: work on that case instead")
        ended = self.closed_at or self.resolved_at
        if ended is not None and ctx.now > ended + timedelta(days=window_days):
            raise ReopenWindowPassed(self.id, ended, window_days)
        target = sla_target(self.priority, self.category or "", self.created_at, standards) if self.priority else None
        if target is None:
            self._record(CaseReopened, ctx, reason=reason, resolution_due=None)
            return
        resolution = start(ClockName.RESOLUTION, target.resolution, self._now(ctx), calendar, policy.at_risk_percent)
        clocks = {**self.sla_clocks, ClockName.RESOLUTION: resolution}
        self._record(CaseReopened, ctx, reason=reason, resolution_due=resolution.due_at,
                     sla_clocks=list(clocks.values()))

    def flag_policy_issue(self, ctx: Context, policy_area: PolicyArea, note: str) -> None:
        """Allowed in every status, closed too: front-line evidence for the coordinators' common problems is
        often seen only once a case is done (see docs/api.md)."""
        if any(flag.area == policy_area for flag in self.policy_flags):
            raise PolicyAreaAlreadyFlagged(self.id, policy_area)
        self._record(PolicyIssueFlagged, ctx, policy_area=policy_area, note=note)

    # -- follow-ups, links and merges --------------------------------------------------------------

    @classmethod
    def open_follow_up(cls, ctx: Context, case_id: UUID, of: Case, *, channel: Channel, subject: str,
                       description: str) -> Self:
        """A new case for the same customer, region and references, linked both ways to the case it follows up
        (the way on once that case's reopen window has passed)."""
        of._require("open a follow-up of", (CaseStatus.RESOLVED, CaseStatus.CLOSED))
        follow_up = cls.open(ctx, case_id, region=of.region, channel=channel, customer_ref=of.customer_ref,
                             subject=subject, description=description, contact=of.contact,
                             provider_id=of.provider_id, contract_id=of.contract_id)
        follow_up._record(CaseLinked, ctx, other_case_id=of.id, kind=LinkKind.FOLLOWS_UP)
        of._record(CaseLinked, ctx, other_case_id=case_id, kind=LinkKind.FOLLOW_UP)
        return follow_up

    def link(self, ctx: Context, other: Case, kind: LinkKind, parent_chain: Sequence[UUID] = ()) -> None:
        """Link two cases of one region: `kind` is what `other` is to this case; both record the link. Parents
        and children form a tree: a case has one parent, and `parent_chain` (the would-be parent's parent, its
        parent, and so on, as the command service reads them from the event store) must not hold the child."""
        if other.id == self.id:
            raise InvalidValue("other_case_id", "a case is not linked to itself")
        self._same_region(other)
        for case in (self, other):
            if case.merged_into is not None:
                raise MergeRefused(f"case {case.id} was merged into case {case.merged_into}: link that case instead")
        if (existing := self.link_to(other.id)) is not None:
            raise AlreadyLinked(self.id, other.id, existing.kind)
        if kind in (LinkKind.PARENT, LinkKind.CHILD):
            parent, child = (other, self) if kind is LinkKind.PARENT else (self, other)
            if (current := child.parent_id) is not None:
                raise SecondParent(child.id, current)
            if child.id in parent_chain:
                raise LinkWouldCycle(child.id, parent.id)
        self._record(CaseLinked, ctx, other_case_id=other.id, kind=kind)
        other._record(CaseLinked, ctx, other_case_id=self.id, kind=INVERSE_LINK[kind])

    def merge_into(self, ctx: Context, survivor: Case, note: str | None = None) -> None:
        """Merge this duplicate into `survivor`: this case is closed with a pointer to it, and its contacts and
        notes are read from the survivor."""
        if survivor.id == self.id:
            raise MergeRefused(f"case {self.id} cannot be merged into itself: name the case that survives")
        if self.merged_into is not None:
            raise MergeRefused(f"case {self.id} was already merged into case {self.merged_into}")
        self._same_region(survivor)
        if survivor.status is CaseStatus.CLOSED:
            raise MergeRefused(f"case {survivor.id} is closed: merge into an open case (or reopen it first)")
        if self.dispute is not None and self.dispute.outcome is None:
            raise DisputeUndecided(self.id, "merge")
        if self.scheduled_actions:
            raise MergeRefused(f"case {self.id} still has scheduled actions ({', '.join(self.scheduled_actions)}): "
                               "complete or cancel them, or schedule them on the surviving case")
        self._require_coordinator(ctx, "merge", self.escalated_to)
        self._record(CaseMerged, ctx, into_case_id=survivor.id, note=note)
        survivor._record(DuplicateMerged, ctx, duplicate_id=self.id)

    def link_to(self, other_id: UUID) -> CaseLink | None:
        return next((link for link in self.links if link.case_id == other_id), None)

    @property
    def parent_id(self) -> UUID | None:
        """The case's parent, if it has one (the first recorded: cases linked before the one-parent rule may
        have more)."""
        return next((link.case_id for link in self.links if link.kind is LinkKind.PARENT), None)

    # -- disputes --------------------------------------------------------------------------------

    def record_dispute(self, ctx: Context, amount_minor: int, currency: str, reference: str,
                       provider_id: UUID | None = None, contract_id: UUID | None = None) -> None:
        """The amount a billing or payment case disputes (minor units of an ISO 4217 currency), the invoice or
        claim reference, and the provider or contract it concerns (the case's own when not given)."""
        self._require("record a dispute on", OPEN)
        if self.category not in MONEY_CATEGORIES:
            raise DisputeNotForCategory(self.id, self.category)
        if self.dispute is not None:
            raise DisputeAlreadyRecorded(self.id)
        try:
            require_currency(currency)
        except ValueError as error:
            raise InvalidValue("currency", str(error)) from None
        if provider_id is None and contract_id is None:
            provider_id, contract_id = self.provider_id, self.contract_id
        if provider_id is None and contract_id is None:
            raise DisputeNeedsCounterparty(self.id)
        self._record(DisputeRecorded, ctx, amount_minor=amount_minor, currency=currency, reference=reference,
                     provider_id=provider_id, contract_id=contract_id)

    def decide_dispute(self, ctx: Context, outcome: DisputeOutcome, note: str, amount_minor: int | None = None,
                       settlement: Settlement | None = None) -> None:
        """Upheld grants up to the disputed amount (all of it when none is given), partly upheld less than it,
        each credited or refunded; rejected grants nothing."""
        self._require("decide the dispute of", OPEN)
        if self.dispute is None:
            raise NoDispute(self.id)
        if self.dispute.outcome is not None:
            raise DisputeAlreadyDecided(self.id, self.dispute.outcome)
        amount_minor = self._granted(DisputeOutcome(outcome), amount_minor, settlement)
        self._record(DisputeDecided, ctx, outcome=outcome, amount_minor=amount_minor, settlement=settlement,
                     note=note)

    def _granted(self, outcome: DisputeOutcome, amount: int | None, settlement: Settlement | None) -> int | None:
        assert self.dispute is not None
        disputed, currency = self.dispute.amount_minor, self.dispute.currency
        if outcome is DisputeOutcome.REJECTED:
            if amount is not None or settlement is not None:
                raise InvalidOutcome("a rejected dispute grants nothing: give no amount_minor and no settlement")
            return None
        if outcome is DisputeOutcome.UPHELD and amount is None:
            amount = disputed
        if amount is None:
            raise InvalidOutcome(f"a partly upheld dispute grants an amount: give amount_minor (under {disputed} "
                                 f"{currency})")
        if amount > disputed:
            raise InvalidOutcome(f"{amount} {currency} is over the disputed {disputed} {currency}: a dispute grants "
                                 "at most the amount disputed")
        if outcome is DisputeOutcome.PARTLY_UPHELD and amount == disputed:
            raise InvalidOutcome(f"granting all {disputed} {currency} upholds the dispute: decide it as upheld")
        if settlement is None:
            raise InvalidOutcome("say how the granted amount reaches the customer: settlement credited or refunded")
        return amount

    # -- harassing calls ---------------------------------------------------------------------------

    def flag_caller(self, ctx: Context, caller: Caller, reason: str, coordinator: StaffMember | None) -> None:
        """Flag the caller on this harassment case, and inform the region's coordinator by escalating it."""
        if self.category is not Category.HARASSING_CALLS:
            raise NotAHarassmentCase(self.id, self.category)
        self._require("flag a caller on", (CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED))
        escalate = self.status is not CaseStatus.ESCALATED
        if escalate and coordinator is None:
            raise RegionHasNoCoordinator(self.region)
        caller.flag(ctx, reason, self.id)
        self._record(HarassingCallerFlagged, ctx, caller_ref=caller.customer_ref, reason=reason)
        if escalate:
            assert coordinator is not None
            self.escalate(ctx, coordinator, f"Caller {caller.customer_ref} flagged for harassing calls")

    def recognise_flagged_caller(self, ctx: Context, caller: Caller, harassment_case: Case | None) -> None:
        """This new case is a further contact from a flagged caller: show the flag here and, while the harassment
        case is open, link the two."""
        assert caller.flagged and caller.flagged_by is not None and caller.flagged_at is not None
        assert caller.reason is not None
        linked = harassment_case if harassment_case is not None and harassment_case.is_open else None
        self._record(FlaggedCallerRecognised, ctx, reason=caller.reason, flagged_by=caller.flagged_by,
                     flagged_at=caller.flagged_at, harassment_case_id=linked and linked.id)
        if linked is not None:
            linked._record(CaseLinked, ctx, other_case_id=self.id, kind=LinkKind.REPEAT_CONTACT)

    def end_contact(self, ctx: Context, reason: ContactEndReason, note: str | None = None) -> None:
        """A representative ends a harassing contact (on a harassment case or a flagged caller's), saying why."""
        self._require("end a contact on", OPEN)
        if self.category is not Category.HARASSING_CALLS and self.caller_flag is None:
            raise NotAHarassingContact(self.id)
        self._record(ContactEnded, ctx, reason=reason, note=note)

    # -- time acting by itself (issue 16) ---------------------------------------------------------

    def timers(self) -> dict[str, datetime]:
        """From state only, while the case is open: a warning and a breach per running SLA clock not yet warned or
        breached, an overdue flag per scheduled action not yet flagged, and while it waits on the customer their
        reminder and the give-up time (each once)."""
        if not self.is_open:
            return {}
        wanted: dict[str, datetime] = {}
        for name, clock in self.sla_clocks.items():
            if clock.status is ClockStatus.RUNNING and not clock.breached:
                if not clock.warned and clock.at_risk_at is not None and clock.at_risk_at < clock.due_at:
                    wanted[f"sla.{name}.at_risk"] = clock.at_risk_at
                wanted[f"sla.{name}.breach"] = clock.due_at
        for action in self.actions.values():
            if action.status is ActionStatus.SCHEDULED and not action.overdue:
                wanted[f"action.{action.id}.overdue"] = action.due_at
        if self.status is CaseStatus.WAITING_ON_CUSTOMER:
            if self.remind_at is not None and not self.customer_reminded and not self.waiting_timed_out:
                wanted["waiting.reminder"] = self.remind_at
            if self.give_up_at is not None and not self.waiting_timed_out:
                wanted["waiting.timeout"] = self.give_up_at
        return wanted

    def fire_timer(self, ctx: Context, purpose: str, coordinator: StaffMember | None,
                   calendar: BusinessCalendar = ALWAYS, policy: TimePolicy = DEFAULT_TIME_POLICY) -> None:
        """Do what a timer the case wants stands for, so it is wanted no more: warn of a clock at risk; record a
        breach (and escalate to the region's `coordinator` when the `policy` says so and the case is not
        escalated); flag an action overdue; remind the customer; give up waiting on them as the `policy` says."""
        if purpose not in self.timers():
            raise TimerNotWanted(self.aggregate_type, self.id, purpose)
        kind, _, rest = purpose.partition(".")
        if kind == "sla":
            name, _, moment = rest.rpartition(".")
            clock = self.sla_clocks[ClockName(name)]
            if moment == "at_risk":
                self._record(SlaAtRisk, ctx, clock=clock.name, due_at=clock.due_at, assignee=self.assignee)
            else:
                self._breach(ctx, clock, coordinator, policy)
        elif kind == "action":
            action = self.actions[rest.removesuffix(".overdue")]
            self._record(ActionOverdue, ctx, action_id=action.id, due_at=action.due_at)
        elif purpose == "waiting.reminder":
            self._record(CustomerReminderDue, ctx, waiting_since=self.waiting_since, give_up_at=self.give_up_at)
        else:
            self._give_up_waiting(ctx, coordinator, calendar, policy)

    def _breach(self, ctx: Context, clock: SlaClock, coordinator: StaffMember | None, policy: TimePolicy) -> None:
        self._record(SlaBreached, ctx, clock=clock.name, due_at=clock.due_at)
        escalable = self.status in (CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS) and self.escalated_to is None
        if policy.escalate_on_breach and escalable and coordinator is not None:
            self.escalate(ctx, coordinator, f"SLA breached: the {clock.name.replace('_', ' ')} was due "
                                            f"{clock.due_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC")

    def _give_up_waiting(self, ctx: Context, coordinator: StaffMember | None, calendar: BusinessCalendar,
                         policy: TimePolicy) -> None:
        """Record the timeout with what came of the region's action; where a rule refuses the action (an action
        still scheduled, a dispute undecided, no coordinator), the refusal is recorded and the case keeps waiting."""
        action, outcome, reason = policy.give_up_action, TimeoutOutcome.RECORDED, None
        if action is GiveUpAction.RESOLVE:
            try:
                self._require_resolvable(ctx)
                outcome = TimeoutOutcome.RESOLVED
            except DomainError as refusal:
                outcome, reason = TimeoutOutcome.REFUSED, refusal.message
        elif action is GiveUpAction.ESCALATE:
            if self.escalated_to is not None:
                reason = f"the case is already escalated to {self.escalated_to}"
            elif coordinator is None:
                outcome, reason = TimeoutOutcome.REFUSED, RegionHasNoCoordinator(self.region).message
            else:
                outcome = TimeoutOutcome.ESCALATED
        self._record(WaitingTimedOut, ctx, action=action, outcome=outcome, reason=reason)
        silent = f"The customer did not answer for {policy.give_up_after_days} days"
        if outcome is TimeoutOutcome.RESOLVED:
            self.resolve(ctx, ResolutionCode.NO_CUSTOMER_RESPONSE, silent)
        elif outcome is TimeoutOutcome.ESCALATED:
            assert coordinator is not None
            self.resume(ctx, calendar, policy)
            self.escalate(ctx, coordinator, silent)

    def _now(self, ctx: Context) -> datetime:
        """The command's time as its event will carry it (never before the case's last event)."""
        return max(ctx.now, self.modified_at)

    # -- queries --------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def scheduled_actions(self) -> list[str]:
        return [a.id for a in self.actions.values() if a.status is ActionStatus.SCHEDULED]

    def _require(self, command: str, allowed: tuple[CaseStatus, ...]) -> None:
        if self.status not in allowed:
            raise self._refuse(command, self.status, allowed)

    def _require_coordinator(self, ctx: Context, command: str, holder: str | None) -> None:
        """Separation of duties: an escalated case is finished by a coordinator or an administrator."""
        if holder is not None and ctx.actor.role not in CLOSERS_OF_ESCALATIONS:
            raise EscalatedCaseNeedsCoordinator(self.id, ctx.actor.id, command, holder)

    def _same_region(self, other: Case) -> None:
        if other.region != self.region:
            raise CasesInDifferentRegions(self.id, other.id, self.region)

    def _scheduled_action(self, action_id: str) -> Action:
        action = self.actions.get(action_id)
        if action is None:
            raise UnknownAction(self.id, action_id)
        if action.status is not ActionStatus.SCHEDULED:
            raise ActionNotScheduled(self.id, action_id, action.status)
        return action

    # -- state changes ----------------------------------------------------------------------------

    @classmethod
    def created_by(cls, event: CaseOpened) -> Self:
        return cls(
            id=event.originator_id, version=1, created_at=event.occurred_at, modified_at=event.occurred_at,
            region=event.region, channel=event.channel, customer_ref=event.customer_ref,
            subject=event.subject, description=event.description, contact=event.contact,
            provider_id=event.provider_id, contract_id=event.contract_id,
        )

    def when(self, event: CaseEvent) -> None:  # noqa: C901 - one arm per event type is the point
        if (clocks := getattr(event, "sla_clocks", None)) is not None:
            self.sla_clocks = {clock.name: clock for clock in clocks}
        match event:
            case CaseTriaged():
                self.category, self.priority = event.category, event.priority
                self.first_response_due, self.resolution_due = event.first_response_due, event.resolution_due
                if self.status is CaseStatus.NEW:
                    self.status = CaseStatus.TRIAGED
            case CaseAssigned():
                self.assignee = event.representative_id
                self._worked(event.representative_id)
                if self.status is CaseStatus.TRIAGED:
                    self.status = CaseStatus.IN_PROGRESS
                elif self.status is CaseStatus.WAITING_ON_CUSTOMER and self.resume_status is CaseStatus.TRIAGED:
                    self.resume_status = CaseStatus.IN_PROGRESS
            case ContactLogged():
                self.contacts_logged += 1
                if event.actor.role is Role.REPRESENTATIVE:
                    self._worked(event.actor.id)
                if event.direction is Direction.OUTBOUND:
                    self.last_update_at = event.occurred_at
                    if self.first_responded_at is None:
                        self.first_responded_at = event.occurred_at
            case NoteAdded():
                self.notes_added += 1
            case CustomerContactUpdated():
                self.contact = event.contact
            case ActionScheduled():
                self.actions = {**self.actions, event.action_id: Action(
                    id=event.action_id, kind=event.kind, due_at=event.due_at, details=event.details)}
            case ActionCompleted() | ActionCancelled():
                status = ActionStatus.COMPLETED if isinstance(event, ActionCompleted) else ActionStatus.CANCELLED
                action = self.actions[event.action_id].model_copy(update={"status": status})
                self.actions = {**self.actions, event.action_id: action}
            case CaseEscalated():
                self.escalated_to, self.status = event.coordinator_id, CaseStatus.ESCALATED
            case CaseDeEscalated():
                self.escalated_to = None
                self.status = CaseStatus.IN_PROGRESS if self.assignee else CaseStatus.TRIAGED
            case EscalationHandedOver():
                self.escalated_to = event.to_coordinator_id
            case CaseReturnedToQueue():
                self.assignee = None
                if self.status is CaseStatus.IN_PROGRESS:
                    self.status = CaseStatus.TRIAGED
                elif self.resume_status is CaseStatus.IN_PROGRESS:
                    self.resume_status = CaseStatus.TRIAGED
            case CaseAwaitingCustomer():
                self.resume_status, self.status = self.status, CaseStatus.WAITING_ON_CUSTOMER
                self.waiting_since = event.occurred_at
                self.remind_at, self.give_up_at = event.remind_at, event.give_up_at
                self.customer_reminded = self.waiting_timed_out = False
            case CaseResumed():
                self.paused_seconds += event.paused_seconds
                self.first_response_due, self.resolution_due = event.first_response_due, event.resolution_due
                self.status, self.resume_status = self.resume_status or CaseStatus.IN_PROGRESS, None
                self.waiting_since = self.remind_at = self.give_up_at = None
            case CaseResolved():
                self._end_pause(event.occurred_at)
                self._stop_clocks(event.occurred_at)
                self.status, self.resolution_code = CaseStatus.RESOLVED, event.resolution_code
                self.resolved_under_escalation, self.escalated_to = self.escalated_to, None
                self.resolved_at = event.occurred_at
            case CaseClosed():
                self.status, self.closed_at = CaseStatus.CLOSED, event.occurred_at
                if event.satisfaction is not None:
                    self.staff_rating = event.satisfaction
            case CaseReopened():
                self.status = CaseStatus.IN_PROGRESS if self.assignee else CaseStatus.TRIAGED
                self.resolution_due = event.resolution_due
                self.resolution_code = self.resolved_at = self.resolved_under_escalation = None
                self.closed_at = None
                self.reopened += 1
            case PolicyIssueFlagged():
                self.policy_flags = [*self.policy_flags, PolicyFlag(
                    area=event.policy_area, note=event.note, flagged_at=event.occurred_at, flagged_by=event.actor)]
            case _:
                self._when_issue_14(event)

    def _when_issue_14(self, event: CaseEvent) -> None:
        """Surveys, disputes, links, merges and harassing calls."""
        match event:
            case SurveyAnswered():
                self.survey_answers = [*self.survey_answers, SurveyAnswer(
                    score=event.score, channel=event.channel, comment=event.comment, answered_at=event.occurred_at,
                    recorded_by=event.actor)]
            case DisputeRecorded():
                self.dispute = Dispute(amount_minor=event.amount_minor, currency=event.currency,
                                       reference=event.reference, provider_id=event.provider_id,
                                       contract_id=event.contract_id, recorded_at=event.occurred_at)
            case DisputeDecided():
                assert self.dispute is not None
                self.dispute = self.dispute.model_copy(update={
                    "outcome": event.outcome, "granted_minor": event.amount_minor, "settlement": event.settlement,
                    "decided_at": event.occurred_at})
            case CaseLinked():
                self.links = [*self.links, CaseLink(case_id=event.other_case_id, kind=event.kind,
                                                    linked_at=event.occurred_at)]
            case CaseMerged():
                self._end_pause(event.occurred_at)
                self._stop_clocks(event.occurred_at)
                self.merged_into, self.status, self.closed_at = event.into_case_id, CaseStatus.CLOSED, event.occurred_at
                self.resolution_code = ResolutionCode.DUPLICATE
                self.escalated_to = None
            case DuplicateMerged():
                self.merged_cases = [*self.merged_cases, event.duplicate_id]
            case HarassingCallerFlagged():
                self.flagged_callers = [*self.flagged_callers, event.caller_ref]
            case FlaggedCallerRecognised():
                self.caller_flag = CallerFlagNote(reason=event.reason, flagged_by=event.flagged_by,
                                                  flagged_at=event.flagged_at,
                                                  harassment_case_id=event.harassment_case_id)
                if event.harassment_case_id is not None:
                    self.links = [*self.links, CaseLink(case_id=event.harassment_case_id,
                                                        kind=LinkKind.HARASSMENT_CASE, linked_at=event.occurred_at)]
            case ContactEnded():
                self.contacts_ended += 1
                if event.actor.role is Role.REPRESENTATIVE:
                    self._worked(event.actor.id)
            case _:
                self._when_issue_16(event)

    def _when_issue_16(self, event: CaseEvent) -> None:
        """What timers record: a clock warned or breached, an action overdue, a reminder, a timeout."""
        match event:
            case SlaAtRisk() | SlaBreached():
                flag = "warned" if isinstance(event, SlaAtRisk) else "breached"
                clock = self.sla_clocks[event.clock].model_copy(update={flag: True})
                self.sla_clocks = {**self.sla_clocks, event.clock: clock}
            case ActionOverdue():
                action = self.actions[event.action_id].model_copy(update={"overdue": True})
                self.actions = {**self.actions, event.action_id: action}
            case CustomerReminderDue():
                self.customer_reminded = True
            case WaitingTimedOut():
                self.waiting_timed_out = True

    def _stop_clocks(self, at: datetime) -> None:
        self.sla_clocks = {name: stop(clock, at) for name, clock in self.sla_clocks.items()}

    def _worked(self, representative_id: str) -> None:
        if representative_id not in self.worked_by:
            self.worked_by = [*self.worked_by, representative_id]

    def _end_pause(self, at: datetime) -> None:
        if self.waiting_since is not None:
            self.paused_seconds += int(max(at - self.waiting_since, timedelta(0)).total_seconds())
            self.waiting_since, self.resume_status = None, None
            self.remind_at = self.give_up_at = None
