"""What can happen to a case, as recorded facts, and the vocabularies they use."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, Field

from domain.event import DomainEvent
from domain.region import StaffChange
from domain.sla import Priority
from domain.values import Code, CustomerContact, ShortText, Text

__all__ = [
    "ActionCancelled",
    "ActionCompleted",
    "ActionKind",
    "ActionScheduled",
    "CaseAssigned",
    "CaseAwaitingCustomer",
    "CaseClosed",
    "CaseDeEscalated",
    "CaseEscalated",
    "CaseEvent",
    "CaseOpened",
    "CaseReopened",
    "CaseResolved",
    "CaseResumed",
    "CaseReturnedToQueue",
    "CaseTriaged",
    "Category",
    "Channel",
    "ContactLogged",
    "CustomerContactUpdated",
    "Direction",
    "EscalationHandedOver",
    "NoteAdded",
    "PolicyArea",
    "PolicyIssueFlagged",
    "ResolutionCode",
]


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    WALK_IN = "walk_in"


class Category(StrEnum):
    BILLING = "billing"
    PAYMENT = "payment"
    SERVICE_OUTAGE = "service_outage"
    HARASSING_CALLS = "harassing_calls"
    ACCOUNT_SETUP = "account_setup"
    SERVICE_CHANGE = "service_change"
    COMPLAINT = "complaint"
    RETURN_POLICY = "return_policy"
    PROVIDER_ENROLMENT = "provider_enrolment"
    CONTRACT_DISPUTE = "contract_dispute"
    OTHER = "other"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class ActionKind(StrEnum):
    REPAIR_VISIT = "repair_visit"
    ACCOUNT_CHANGE = "account_change"
    THIRD_PARTY_REFERRAL = "third_party_referral"
    CALL_BACK = "call_back"


class ResolutionCode(StrEnum):
    FIXED = "fixed"
    ACCOUNT_CHANGED = "account_changed"
    REFUND_ISSUED = "refund_issued"
    REFERRED_TO_THIRD_PARTY = "referred_to_third_party"
    INFORMATION_PROVIDED = "information_provided"
    NO_FAULT_FOUND = "no_fault_found"
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"


class PolicyArea(StrEnum):
    RETURNS = "returns"
    BILLING = "billing"
    PAYMENTS = "payments"
    OUTAGES = "outages"
    HARASSMENT = "harassment"
    ONBOARDING = "onboarding"
    CONTRACTS = "contracts"
    CREDENTIALING = "credentialing"
    SERVICE_QUALITY = "service_quality"
    OTHER = "other"


class CaseEvent(DomainEvent, abstract=True):
    aggregate_type = "case"


class CaseOpened(CaseEvent):
    region: Code
    channel: Channel
    customer_ref: Code
    subject: ShortText
    description: Text
    contact: CustomerContact | None = None
    provider_id: UUID | None = None
    contract_id: UUID | None = None


class CaseTriaged(CaseEvent):
    category: Category
    priority: Priority
    first_response_due: AwareDatetime
    resolution_due: AwareDatetime


class CaseAssigned(CaseEvent):
    representative_id: Code
    previous_assignee: Code | None = None


class ContactLogged(CaseEvent):
    direction: Direction
    channel: Channel
    summary: Text


class NoteAdded(CaseEvent):
    text: Text


class CustomerContactUpdated(CaseEvent):
    contact: CustomerContact


class ActionScheduled(CaseEvent):
    action_id: Code
    kind: ActionKind
    due_at: AwareDatetime
    details: Text


class ActionCompleted(CaseEvent):
    action_id: Code
    outcome: Text


class ActionCancelled(CaseEvent):
    action_id: Code
    reason: ShortText


class CaseEscalated(CaseEvent):
    coordinator_id: Code
    reason: Text


class CaseDeEscalated(CaseEvent):
    note: Text


class CaseAwaitingCustomer(CaseEvent):
    reason: ShortText


class CaseResumed(CaseEvent):
    """The SLA clock restarts; the due times moved later by the time spent waiting."""

    paused_seconds: Annotated[int, Field(ge=0)]
    first_response_due: AwareDatetime | None
    resolution_due: AwareDatetime | None


class CaseResolved(CaseEvent):
    resolution_code: ResolutionCode
    summary: Text


class CaseClosed(CaseEvent):
    satisfaction: Annotated[int, Field(ge=1, le=5)] | None = None


class CaseReopened(CaseEvent):
    reason: Text
    resolution_due: AwareDatetime | None


class PolicyIssueFlagged(CaseEvent):
    policy_area: PolicyArea
    note: Text


class EscalationHandedOver(CaseEvent):
    """The escalation moved to another coordinator without anyone choosing it: the region's coordinator was
    replaced. The case stays escalated; the new coordinator holds it."""

    from_coordinator_id: Code
    to_coordinator_id: Code
    cause: StaffChange


class CaseReturnedToQueue(CaseEvent):
    """The assignee left the region's staff (removed or transferred): the case is unassigned, back in the
    region's queue, and waits for someone to take it."""

    representative_id: Code
    cause: StaffChange
