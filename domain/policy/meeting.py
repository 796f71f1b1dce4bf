"""A coordinators' meeting: the coordinators of all regions meet (with senior management, if they come) to share
what they see, set standards and define business processes.

    scheduled --hold--> held --record minutes--> minuted --close--> closed
        \\--cancel--> cancelled

Agenda items are added while it is scheduled (a common problem - policy area and regions - or written text);
attendance is recorded when it is held; decisions are recorded once it is held and until it is closed. A meeting
belongs to no region: it is network-level, commanded by a current coordinator of any region, a manager or an
administrator (the staff rule: domain/policy/meeting_commands.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Self, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from domain.aggregate import Aggregate
from domain.casework.case_events import Category, PolicyArea
from domain.casework.sla import SLA_POLICY, Priority, sla_target
from domain.errors import (
    AgendaItemEmpty,
    DecidingRegionAbsent,
    DecisionScopeEmpty,
    DuplicateAgendaItem,
    DuplicateDecision,
    EffectiveDateInPast,
    FirstResponseAfterResolution,
    InvalidValue,
    MeetingNeedsCoordinatorOrManager,
    NoCoordinatorPresent,
    ProcessHasNoTargets,
)
from domain.event import DomainEvent
from domain.policy.standard import DecisionKind, Standard, TargetHours
from domain.values import Code, Context, Frozen, InCalendar, Role, ShortText, Text

__all__ = [
    "CONVENERS",
    "AgendaItem",
    "Attendee",
    "Decision",
    "Meeting",
    "MeetingAgendaItemAdded",
    "MeetingCancelled",
    "MeetingClosed",
    "MeetingDecisionRecorded",
    "MeetingEvent",
    "MeetingHeld",
    "MeetingMinuted",
    "MeetingScheduled",
    "MeetingStatus",
]

T = TypeVar("T")

CONVENERS = (Role.COORDINATOR, Role.MANAGER, Role.ADMIN, Role.SYSTEM)
"""Who may command a meeting (a coordinator only while on some region's staff as its coordinator)."""


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    MINUTED = "minuted"
    CLOSED = "closed"
    CANCELLED = "cancelled"


DECIDING = (MeetingStatus.HELD, MeetingStatus.MINUTED)
"""A decision is recorded once the meeting is held, until it is closed."""


class AgendaItem(Frozen):
    """A point to discuss: a common problem (its policy area, and the regions where it emerged) or written text."""

    item_id: Code
    text: Text | None = None
    policy_area: PolicyArea | None = None
    regions: list[Code] = Field(default_factory=list)


class Attendee(Frozen):
    """Someone present: a coordinator (with the region they coordinate) or a manager (no region)."""

    staff_id: Code
    role: Role
    region: Code | None = None


class Decision(Frozen):
    """A standard or a business process adopted, with its scope and the day it takes effect."""

    decision_id: Code
    kind: DecisionKind
    text: Text
    regions: list[Code]
    categories: list[Category] = Field(default_factory=list)
    """The case categories it covers; none: every category."""
    effective_on: Annotated[date, InCalendar]
    first_response_hours: TargetHours | None = None
    resolution_hours: TargetHours | None = None
    proposal_id: UUID | None = None
    """The policy proposal it decides or implements, if any (a reference only)."""

    def standard(self, meeting_id: UUID) -> Standard | None:
        """The standard each region in scope holds; a business process changes no region's policy."""
        if self.kind is not DecisionKind.STANDARD:
            return None
        return Standard(meeting_id=meeting_id, decision_id=self.decision_id, text=self.text,
                        categories=[str(c) for c in self.categories], effective_on=self.effective_on,
                        first_response_hours=self.first_response_hours, resolution_hours=self.resolution_hours)


class MeetingEvent(DomainEvent, abstract=True):
    aggregate_type = "meeting"


class MeetingScheduled(MeetingEvent):
    title: ShortText
    scheduled_for: Annotated[AwareDatetime, InCalendar]


class MeetingAgendaItemAdded(MeetingEvent):
    item: AgendaItem


class MeetingHeld(MeetingEvent):
    """The meeting took place; who was present."""

    attendees: list[Attendee]


class MeetingMinuted(MeetingEvent):
    minutes: Text


class MeetingDecisionRecorded(MeetingEvent):
    decision: Decision


class MeetingClosed(MeetingEvent):
    """Nothing more is recorded on the meeting."""


class MeetingCancelled(MeetingEvent):
    reason: ShortText


class Meeting(Aggregate):
    aggregate_type = "meeting"
    creation_event = MeetingScheduled

    title: str
    scheduled_for: datetime
    status: MeetingStatus = MeetingStatus.SCHEDULED
    agenda: list[AgendaItem] = Field(default_factory=list)
    attendees: list[Attendee] = Field(default_factory=list)
    held_at: datetime | None = None
    minutes: str | None = None
    decisions: list[Decision] = Field(default_factory=list)
    closed_at: datetime | None = None
    cancel_reason: str | None = None

    # -- commands -------------------------------------------------------------------------------

    @classmethod
    def schedule(cls, ctx: Context, meeting_id: UUID, title: str, scheduled_for: datetime) -> Self:
        _require_convener(ctx, "schedule")
        if scheduled_for.astimezone(UTC).date() < ctx.now.date():
            raise InvalidValue("scheduled_for", f"{scheduled_for.isoformat()} is before today ({ctx.now.date()}, "
                               "UTC): a meeting is scheduled for today or later")
        return cls._create(ctx, meeting_id, title=title, scheduled_for=scheduled_for)

    def add_agenda_item(self, ctx: Context, item: AgendaItem) -> None:
        """Refused once the meeting is held: its agenda is what it met about."""
        self._require(ctx, "add an agenda item to", (MeetingStatus.SCHEDULED,))
        if any(existing.item_id == item.item_id for existing in self.agenda):
            raise DuplicateAgendaItem(self.id, item.item_id)
        if item.text is None and item.policy_area is None:
            raise AgendaItemEmpty(self.id, item.item_id, "give its text or the policy area of a common problem")
        if item.regions and item.policy_area is None:
            raise AgendaItemEmpty(self.id, item.item_id, "regions name where a common problem emerged: give its "
                                  "policy area too")
        self._record(MeetingAgendaItemAdded, ctx, item=item.model_copy(update={"regions": _unique(item.regions)}))

    def hold(self, ctx: Context, attendees: list[Attendee]) -> None:
        """The meeting took place with these people (the command service checks who they are)."""
        self._require(ctx, "hold", (MeetingStatus.SCHEDULED,))
        present = list({attendee.staff_id: attendee for attendee in attendees}.values())
        if not any(attendee.role is Role.COORDINATOR for attendee in present):
            raise NoCoordinatorPresent(self.id)
        self._record(MeetingHeld, ctx, attendees=present)

    def record_minutes(self, ctx: Context, minutes: str) -> None:
        self._require(ctx, "record minutes of", (MeetingStatus.HELD,))
        self._record(MeetingMinuted, ctx, minutes=minutes)

    def record_decision(self, ctx: Context, decision: Decision, coordinators: Mapping[str, str | None] | None = None,
                        standards: Mapping[str, Sequence[Standard]] | None = None) -> None:
        """A standard or business process adopted; its effective date is not before today (UTC), so no case
        already triaged under the old policy is governed by it without re-triage. Recorded by a coordinator, it
        covers only regions whose current coordinator (`coordinators`: region -> its coordinator now; by default
        as the attendance recorded them) attended;
        a manager or an administrator records it for any region. With the region's `standards` (or the default
        SLA policy) the first response it sets is never due after the resolution, for any priority."""
        self._require(ctx, "record a decision of", DECIDING)
        if any(existing.decision_id == decision.decision_id for existing in self.decisions):
            raise DuplicateDecision(self.id, decision.decision_id)
        if not decision.regions:
            raise DecisionScopeEmpty(self.id, decision.decision_id)
        targets = decision.first_response_hours, decision.resolution_hours
        if decision.kind is DecisionKind.BUSINESS_PROCESS and targets != (None, None):
            raise ProcessHasNoTargets(self.id, decision.decision_id)
        if None not in targets and targets[0] > targets[1]:  # type: ignore[operator]
            raise InvalidValue("first_response_hours", f"{targets[0]} hours is longer than the resolution target "
                               f"({targets[1]} hours): a first response comes before the resolution")
        if decision.effective_on < ctx.now.date():
            raise EffectiveDateInPast(self.id, decision.decision_id, decision.effective_on, ctx.now.date())
        if ctx.actor.role is Role.COORDINATOR:
            present = [attendee for attendee in self.attendees if attendee.role is Role.COORDINATOR]
            if coordinators is None:  # as recorded when it was held
                coordinators = {attendee.region: attendee.staff_id for attendee in present if attendee.region}
            attended = {attendee.staff_id for attendee in present}
            absent = [code for code in _unique(decision.regions) if coordinators.get(code) not in attended]
            if absent:
                raise DecidingRegionAbsent(self.id, decision.decision_id, absent)
        adopted = decision.standard(self.id)
        if adopted is not None and targets != (None, None):
            for code in _unique(decision.regions):
                _check_targets_in_order(decision, code, [*(standards or {}).get(code, ()), adopted])
        scoped = decision.model_copy(update={"regions": _unique(decision.regions),
                                             "categories": _unique(decision.categories)})
        self._record(MeetingDecisionRecorded, ctx, decision=scoped)

    def close(self, ctx: Context) -> None:
        self._require(ctx, "close", (MeetingStatus.MINUTED,))
        self._record(MeetingClosed, ctx)

    def cancel(self, ctx: Context, reason: str) -> None:
        self._require(ctx, "cancel", (MeetingStatus.SCHEDULED,))
        self._record(MeetingCancelled, ctx, reason=reason)

    def decision(self, decision_id: str) -> Decision:
        return next(d for d in self.decisions if d.decision_id == decision_id)

    def _require(self, ctx: Context, command: str, allowed: tuple[MeetingStatus, ...]) -> None:
        _require_convener(ctx, command)
        if self.status not in allowed:
            raise self._refuse(command, self.status, allowed)

    # -- state ----------------------------------------------------------------------------------

    @classmethod
    def created_by(cls, event: MeetingScheduled) -> Self:
        return cls(id=event.originator_id, version=1, created_at=event.occurred_at, modified_at=event.occurred_at,
                   title=event.title, scheduled_for=event.scheduled_for)

    def when(self, event: MeetingEvent) -> None:
        match event:
            case MeetingAgendaItemAdded(item=item):
                self.agenda = [*self.agenda, item]
            case MeetingHeld(attendees=attendees):
                self.status, self.attendees, self.held_at = MeetingStatus.HELD, list(attendees), event.occurred_at
            case MeetingMinuted(minutes=minutes):
                self.status, self.minutes = MeetingStatus.MINUTED, minutes
            case MeetingDecisionRecorded(decision=decision):
                self.decisions = [*self.decisions, decision]
            case MeetingClosed():
                self.status, self.closed_at = MeetingStatus.CLOSED, event.occurred_at
            case MeetingCancelled(reason=reason):
                self.status, self.cancel_reason = MeetingStatus.CANCELLED, reason


def _require_convener(ctx: Context, command: str) -> None:
    if ctx.actor.role not in CONVENERS:
        raise MeetingNeedsCoordinatorOrManager(ctx.actor.id, ctx.actor.role, f"{command} a meeting")


def _check_targets_in_order(decision: Decision, region: str, standards: list[Standard]) -> None:
    """Per priority and covered category, the targets a case opened on the effective day would get."""
    opened = datetime.combine(decision.effective_on, time.min, UTC)
    categories = [str(c) for c in decision.categories] or [str(c) for c in Category]
    for priority in sorted(Priority, key=lambda p: SLA_POLICY[p].resolution):  # the tightest first
        for category in categories:
            target = sla_target(priority, category, opened, standards)
            if target.first_response > target.resolution:
                raise FirstResponseAfterResolution(decision.decision_id, region, str(priority),
                                                   _hours(target.first_response), _hours(target.resolution))


def _hours(span: timedelta) -> str:
    return f"{int(span.total_seconds() // 3600)} hours"


def _unique(values: list[T]) -> list[T]:
    return list(dict.fromkeys(values))
