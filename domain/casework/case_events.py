"""What can happen to a case, as recorded facts, and the vocabularies they use."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, Field

from domain.casework.sla import Priority
from domain.casework.sla_clock import ClockName, SlaClock
from domain.event import DomainEvent
from domain.money import CurrencyCode, MinorUnits
from domain.staff.region import StaffChange
from domain.staff.time_policy import GiveUpAction
from domain.values import Actor, Code, CustomerContact, ShortText, Text

__all__ = [
    "AREA_OF_CATEGORY",
    "ActionCancelled",
    "ActionCompleted",
    "ActionOverdue",
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
    "ContactEndReason",
    "ContactEnded",
    "ContactLogged",
    "CustomerContactUpdated",
    "CustomerReminderDue",
    "Direction",
    "DisputeDecided",
    "DisputeOutcome",
    "DisputeRecorded",
    "DuplicateMerged",
    "EscalationHandedOver",
    "CaseLinked",
    "CaseMerged",
    "FlaggedCallerRecognised",
    "HarassingCallerFlagged",
    "LinkKind",
    "MONEY_CATEGORIES",
    "NoteAdded",
    "PolicyArea",
    "PolicyIssueFlagged",
    "ResolutionCode",
    "Settlement",
    "SlaAtRisk",
    "SlaBreached",
    "SurveyAnswered",
    "SurveyChannel",
    "TimeoutOutcome",
    "WaitingTimedOut",
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
    NO_CUSTOMER_RESPONSE = "no_customer_response"
    """Resolved by the engine: the customer did not answer within the region's give-up time (issue 16)."""


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


AREA_OF_CATEGORY: dict[Category, PolicyArea] = {
    Category.RETURN_POLICY: PolicyArea.RETURNS,
    Category.BILLING: PolicyArea.BILLING,
    Category.PAYMENT: PolicyArea.PAYMENTS,
    Category.SERVICE_OUTAGE: PolicyArea.OUTAGES,
    Category.HARASSING_CALLS: PolicyArea.HARASSMENT,
    Category.ACCOUNT_SETUP: PolicyArea.ONBOARDING,
    Category.CONTRACT_DISPUTE: PolicyArea.CONTRACTS,
    Category.PROVIDER_ENROLMENT: PolicyArea.CREDENTIALING,
    Category.COMPLAINT: PolicyArea.SERVICE_QUALITY,
    Category.SERVICE_CHANGE: PolicyArea.OTHER,
    Category.OTHER: PolicyArea.OTHER,
}
"""The policy area a case of each category belongs to: how cases opened count toward the common problems."""


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
    """The SLA clocks start (or take the new targets): due times in business time on the region's calendar."""

    category: Category
    priority: Priority
    first_response_due: AwareDatetime
    resolution_due: AwareDatetime
    sla_clocks: list[SlaClock] | None = None
    """The case's SLA clocks after this event (issue 16; none in events stored before): casework/sla_clock.py."""


class CaseAssigned(CaseEvent):
    representative_id: Code
    previous_assignee: Code | None = None


class ContactLogged(CaseEvent):
    """An outbound contact is customer-facing: it stops the first-response clock and restarts the next-update one."""

    direction: Direction
    channel: Channel
    summary: Text
    sla_clocks: list[SlaClock] | None = None
    """The case's SLA clocks after this event (issue 16; none in events stored before): casework/sla_clock.py."""


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
    """The SLA clocks pause; the customer is reminded at `remind_at` and given up on at `give_up_at` (the region's
    time policy when the case started waiting)."""

    reason: ShortText
    sla_clocks: list[SlaClock] | None = None
    """The case's SLA clocks after this event (issue 16; none in events stored before): casework/sla_clock.py."""
    remind_at: AwareDatetime | None = None
    give_up_at: AwareDatetime | None = None


class CaseResumed(CaseEvent):
    """The SLA clock restarts; the due times moved later by the time spent waiting."""

    paused_seconds: Annotated[int, Field(ge=0)]
    first_response_due: AwareDatetime | None
    resolution_due: AwareDatetime | None
    sla_clocks: list[SlaClock] | None = None
    """The case's SLA clocks after this event (issue 16; none in events stored before): casework/sla_clock.py."""


class CaseResolved(CaseEvent):
    resolution_code: ResolutionCode
    summary: Text


class CaseClosed(CaseEvent):
    """`satisfaction` is only in events stored before issue 14, when whoever closed the case typed a score:
    it is a staff rating, not the customer's answer. It is kept on the case as `staff_rating` and counted
    nowhere; the customer's answers are `SurveyAnswered` events. New closures never carry it."""

    satisfaction: Annotated[int, Field(ge=1, le=5)] | None = None


class CaseReopened(CaseEvent):
    """The resolution clock starts again."""

    reason: Text
    resolution_due: AwareDatetime | None
    sla_clocks: list[SlaClock] | None = None
    """The case's SLA clocks after this event (issue 16; none in events stored before): casework/sla_clock.py."""


class PolicyIssueFlagged(CaseEvent):
    policy_area: PolicyArea
    note: Text


class SurveyChannel(StrEnum):
    """How the customer's survey answer came back."""

    EMAIL = "email"
    SMS = "sms"
    WEB = "web"
    PHONE = "phone"


class SurveyAnswered(CaseEvent):
    """The customer's answer to the satisfaction survey sent at closure: every answer is kept."""

    score: Annotated[int, Field(ge=1, le=5)]
    channel: SurveyChannel
    comment: Text | None = None


MONEY_CATEGORIES = frozenset({Category.BILLING, Category.PAYMENT})
"""The categories whose cases carry a disputed amount."""


class DisputeRecorded(CaseEvent):
    """What a billing or payment case disputes: an amount in minor units of a currency, under a reference."""

    amount_minor: MinorUnits
    currency: CurrencyCode
    reference: ShortText
    provider_id: UUID | None = None
    contract_id: UUID | None = None


class DisputeOutcome(StrEnum):
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    REJECTED = "rejected"


class Settlement(StrEnum):
    """How a granted amount reaches the customer."""

    CREDITED = "credited"
    REFUNDED = "refunded"


class DisputeDecided(CaseEvent):
    """The outcome of the dispute; an upheld or partly upheld one grants an amount, credited or refunded."""

    outcome: DisputeOutcome
    amount_minor: MinorUnits | None = None
    settlement: Settlement | None = None
    note: Text


class LinkKind(StrEnum):
    """What the other case is to this one."""

    PARENT = "parent"
    CHILD = "child"
    RELATED = "related"
    FOLLOW_UP = "follow_up"
    """The other case follows this one up (opened after its reopen window)."""
    FOLLOWS_UP = "follows_up"
    """This case follows the other one up."""
    HARASSMENT_CASE = "harassment_case"
    """The other case is the open harassment case about this case's (flagged) caller."""
    REPEAT_CONTACT = "repeat_contact"
    """The other case is a further contact from the caller this harassment case flagged."""


class CaseLinked(CaseEvent):
    other_case_id: UUID
    kind: LinkKind


class CaseMerged(CaseEvent):
    """This case was a duplicate: it is closed, and its contacts and notes are read from the surviving case."""

    into_case_id: UUID
    note: Text | None = None


class DuplicateMerged(CaseEvent):
    """A duplicate case was merged into this one."""

    duplicate_id: UUID


class HarassingCallerFlagged(CaseEvent):
    """On a harassment case: the caller's reference was flagged (the flag itself is on the caller's record)."""

    caller_ref: Code
    reason: Text


class FlaggedCallerRecognised(CaseEvent):
    """This case was opened for a flagged caller: the flag, shown to whoever works the case."""

    reason: Text
    flagged_by: Actor
    flagged_at: AwareDatetime
    harassment_case_id: UUID | None = None


class ContactEndReason(StrEnum):
    ABUSIVE_LANGUAGE = "abusive_language"
    THREATS = "threats"
    REPEATED_CALLS = "repeated_calls"
    SILENT_CALL = "silent_call"
    OTHER = "other"


class ContactEnded(CaseEvent):
    """A representative ended a harassing contact, and why."""

    reason: ContactEndReason
    note: Text | None = None


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


# -- issue 16: what time does by itself (each recorded by a timer's command, its causation id the timer's) --------


class SlaAtRisk(CaseEvent):
    """The region's at-risk share of a clock's business time has elapsed: a warning for the assignee."""

    clock: ClockName
    due_at: AwareDatetime
    assignee: Code | None = None


class SlaBreached(CaseEvent):
    """A clock passed its due time; the region's coordinator takes the case when its policy says so (a
    `CaseEscalated` in the same transaction)."""

    clock: ClockName
    due_at: AwareDatetime


class ActionOverdue(CaseEvent):
    """A scheduled action passed its due time still scheduled: flagged on the case and in the queue."""

    action_id: Code
    due_at: AwareDatetime


class CustomerReminderDue(CaseEvent):
    """The customer has not answered for the region's reminder time: an integrator sends them the reminder."""

    waiting_since: AwareDatetime
    give_up_at: AwareDatetime | None = None


class TimeoutOutcome(StrEnum):
    """What the engine did when it gave up waiting on the customer."""

    RESOLVED = "resolved"
    ESCALATED = "escalated"
    RECORDED = "recorded"
    """The region's policy is to do nothing more, or the case was already escalated."""
    REFUSED = "refused"
    """A rule of the case refused the region's action (`reason` says which): only the timeout is recorded."""


class WaitingTimedOut(CaseEvent):
    """The customer did not answer within the region's give-up time; `action` is the region's policy then."""

    action: GiveUpAction
    outcome: TimeoutOutcome
    reason: Text | None = None
