"""A customer's or member's problem, from first contact to closure."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Self
from uuid import UUID

from pydantic import Field

from domain.aggregate import Aggregate
from domain.case_events import (
    ActionCancelled,
    ActionCompleted,
    ActionKind,
    ActionScheduled,
    CaseAssigned,
    CaseAwaitingCustomer,
    CaseClosed,
    CaseDeEscalated,
    CaseEscalated,
    CaseEvent,
    CaseOpened,
    CaseReopened,
    CaseResolved,
    CaseResumed,
    CaseReturnedToQueue,
    CaseTriaged,
    Category,
    Channel,
    ContactLogged,
    CustomerContactUpdated,
    Direction,
    EscalationHandedOver,
    NoteAdded,
    PolicyArea,
    PolicyIssueFlagged,
    ResolutionCode,
)
from domain.errors import (
    ActionNotScheduled,
    ActionsStillScheduled,
    AlreadyAssigned,
    AlreadyEscalated,
    AssigneeInOtherRegion,
    CaseNotAssigned,
    CaseNotTriaged,
    DuplicateAction,
    NotARepresentative,
    NotEscalated,
    NotEscalationHolder,
    NotRegionCoordinator,
    PolicyAreaAlreadyFlagged,
    UnknownAction,
)
from domain.region import StaffChange, StaffMember
from domain.sla import SLA_POLICY, Priority
from domain.values import Actor, Context, CustomerContact, Frozen, Role

__all__ = ["Action", "ActionStatus", "Case", "CaseStatus", "PolicyFlag"]


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


class PolicyFlag(Frozen):
    """Front-line experience raised for the coordinators' common-problems review."""

    area: PolicyArea
    note: str
    flagged_at: datetime
    flagged_by: Actor


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
    satisfaction: int | None = None
    policy_flags: list[PolicyFlag] = Field(default_factory=list)
    reopened: int = 0

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

    def triage(self, ctx: Context, category: Category, priority: Priority) -> None:
        self._require("triage", OPEN)
        first_response_due, resolution_due = SLA_POLICY[Priority(priority)].due(
            self.created_at, timedelta(seconds=self.paused_seconds)
        )
        self._record(CaseTriaged, ctx, category=category, priority=priority,
                     first_response_due=first_response_due, resolution_due=resolution_due)

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

    def log_contact(self, ctx: Context, direction: Direction, channel: Channel, summary: str) -> None:
        self._require("log a contact on", (*OPEN, CaseStatus.RESOLVED))
        self._record(ContactLogged, ctx, direction=direction, channel=channel, summary=summary)

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

    def wait_on_customer(self, ctx: Context, reason: str) -> None:
        if self.status is CaseStatus.TRIAGED:
            raise CaseNotAssigned(self.id, "wait on the customer for")
        self._require("wait on the customer for", (CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED))
        self._record(CaseAwaitingCustomer, ctx, reason=reason)

    def resume(self, ctx: Context) -> None:
        self._require("resume", (CaseStatus.WAITING_ON_CUSTOMER,))
        assert self.waiting_since is not None
        paused = max(ctx.now - self.waiting_since, timedelta(0))
        self._record(
            CaseResumed, ctx, paused_seconds=int(paused.total_seconds()),
            first_response_due=self.first_response_due and self.first_response_due + paused,
            resolution_due=self.resolution_due and self.resolution_due + paused,
        )

    def resolve(self, ctx: Context, resolution_code: ResolutionCode, summary: str) -> None:
        if self.status is CaseStatus.NEW:
            raise CaseNotTriaged(self.id, "resolve")
        if self.status is CaseStatus.TRIAGED:
            raise CaseNotAssigned(self.id, "resolve")
        self._require("resolve", (CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED, CaseStatus.WAITING_ON_CUSTOMER))
        if self.scheduled_actions:
            raise ActionsStillScheduled(self.id, self.scheduled_actions)
        self._record(CaseResolved, ctx, resolution_code=resolution_code, summary=summary)

    def close(self, ctx: Context, satisfaction: int | None = None) -> None:
        self._require("close", (CaseStatus.RESOLVED,))
        self._record(CaseClosed, ctx, satisfaction=satisfaction)

    def reopen(self, ctx: Context, reason: str) -> None:
        self._require("reopen", (CaseStatus.RESOLVED, CaseStatus.CLOSED))
        target = SLA_POLICY[self.priority] if self.priority else None
        self._record(CaseReopened, ctx, reason=reason,
                     resolution_due=target and ctx.now + target.resolution)

    def flag_policy_issue(self, ctx: Context, policy_area: PolicyArea, note: str) -> None:
        if any(flag.area == policy_area for flag in self.policy_flags):
            raise PolicyAreaAlreadyFlagged(self.id, policy_area)
        self._record(PolicyIssueFlagged, ctx, policy_area=policy_area, note=note)

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
        match event:
            case CaseTriaged():
                self.category, self.priority = event.category, event.priority
                self.first_response_due, self.resolution_due = event.first_response_due, event.resolution_due
                if self.status is CaseStatus.NEW:
                    self.status = CaseStatus.TRIAGED
            case CaseAssigned():
                self.assignee = event.representative_id
                if self.status is CaseStatus.TRIAGED:
                    self.status = CaseStatus.IN_PROGRESS
                elif self.status is CaseStatus.WAITING_ON_CUSTOMER and self.resume_status is CaseStatus.TRIAGED:
                    self.resume_status = CaseStatus.IN_PROGRESS
            case ContactLogged():
                self.contacts_logged += 1
                if event.direction is Direction.OUTBOUND and self.first_responded_at is None:
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
            case CaseResumed():
                self.paused_seconds += event.paused_seconds
                self.first_response_due, self.resolution_due = event.first_response_due, event.resolution_due
                self.status, self.resume_status = self.resume_status or CaseStatus.IN_PROGRESS, None
                self.waiting_since = None
            case CaseResolved():
                self._end_pause(event.occurred_at)
                self.status, self.resolution_code = CaseStatus.RESOLVED, event.resolution_code
                self.escalated_to = None
                self.resolved_at = event.occurred_at
            case CaseClosed():
                self.status, self.closed_at = CaseStatus.CLOSED, event.occurred_at
                self.satisfaction = event.satisfaction
            case CaseReopened():
                self.status = CaseStatus.IN_PROGRESS if self.assignee else CaseStatus.TRIAGED
                self.resolution_due = event.resolution_due
                self.resolution_code = self.resolved_at = None
                self.closed_at = self.satisfaction = None
                self.reopened += 1
            case PolicyIssueFlagged():
                self.policy_flags = [*self.policy_flags, PolicyFlag(
                    area=event.policy_area, note=event.note, flagged_at=event.occurred_at, flagged_by=event.actor)]

    def _end_pause(self, at: datetime) -> None:
        if self.waiting_since is not None:
            self.paused_seconds += int(max(at - self.waiting_since, timedelta(0)).total_seconds())
            self.waiting_since, self.resume_status = None, None
