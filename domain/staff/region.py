"""A region and its staff: who may be assigned a case, and which coordinator takes escalations."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID, uuid5

from pydantic import Field

from domain.aggregate import Aggregate
from domain.errors import (
    CoordinatorNotRemovable,
    StaffAlreadyInRegion,
    StaffNotInRegion,
    TrainingAlreadyRequired,
    TrainingNotRequired,
)
from domain.event import DomainEvent
from domain.policy.standard import Standard
from domain.staff.calendar import ALWAYS, BusinessCalendar
from domain.staff.time_policy import DEFAULT_TIME_POLICY, TimePolicy
from domain.values import Code, Context, Frozen, Role, ShortText

__all__ = [
    "CoordinatorAppointed",
    "Region",
    "RegionEstablished",
    "RegionEvent",
    "RepresentativeJoined",
    "RepresentativeLeft",
    "ReopenWindowSet",
    "DEFAULT_REOPEN_WINDOW_DAYS",
    "StaffChange",
    "StaffMember",
    "Readiness",
    "TrainingRequired",
    "TrainingRequirementDropped",
    "StandardAdopted",
    "RegionCalendarSet",
    "RegionTimePolicySet",
]

DEFAULT_REOPEN_WINDOW_DAYS = 30
"""A region's reopen window until its administrator sets another."""

REGION_ID_NAMESPACE = UUID("0d6c3f0e-2a57-4b0b-8d55-3f2f1e4c9a20")


class StaffChange(StrEnum):
    """Why a case changed hands without anyone choosing its new holder: a change of a region's staff."""

    COORDINATOR_REPLACED = "coordinator_replaced"
    REPRESENTATIVE_REMOVED = "representative_removed"
    REPRESENTATIVE_TRANSFERRED = "representative_transferred"


class RegionEvent(DomainEvent, abstract=True):
    aggregate_type = "region"


class RegionEstablished(RegionEvent):
    code: Code
    name: ShortText


class CoordinatorAppointed(RegionEvent):
    staff_id: Code
    name: ShortText


class RepresentativeJoined(RegionEvent):
    staff_id: Code
    name: ShortText
    transferred_from: Code | None = None
    """The region they came from, when they joined by a transfer."""


class RepresentativeLeft(RegionEvent):
    staff_id: Code
    transferred_to: Code | None = None
    """The region they went to, when they left by a transfer."""


class ReopenWindowSet(RegionEvent):
    """How long after closure a case of the region may be reopened; later, a follow-up case is opened."""

    days: Annotated[int, Field(ge=0, le=3650)]


class TrainingRequired(RegionEvent):
    """An administrator requires a training programme of the region's representatives (issue 15): until every
    current representative has completed it, the region takes no cases."""

    programme_id: UUID


class TrainingRequirementDropped(RegionEvent):
    programme_id: UUID


class Readiness(Frozen):
    """Whether a region may take cases: a coordinator appointed and, for each programme the region requires,
    every current representative has completed it (a region that requires none needs a coordinator only)."""

    region: Code
    coordinator_appointed: bool
    untrained: dict[str, tuple[UUID, ...]] = Field(default_factory=dict)
    """Each current representative with a required programme not completed -> those programmes."""

    @property
    def ready(self) -> bool:
        return self.coordinator_appointed and not self.untrained

    def missing(self, titles: Mapping[UUID, str] | None = None) -> list[str]:
        """What is missing, in words: 'no coordinator appointed', 'rep-x has not completed programme T (id)'."""
        names = titles or {}
        gaps = [] if self.coordinator_appointed else ["no coordinator appointed"]
        for staff_id, programmes in sorted(self.untrained.items()):
            named = ", ".join(f"{names[p]} ({p})" if p in names else str(p) for p in programmes)
            gaps.append(f"{staff_id} has not completed {'programme' if len(programmes) == 1 else 'programmes'} "
                        f"{named}")
        return gaps


class StandardAdopted(RegionEvent):
    """A coordinators' meeting adopted a standard for this region (recorded with the meeting's decision, in the
    same transaction): it governs the region's cases opened on or after its effective date."""

    standard: Standard


class RegionCalendarSet(RegionEvent):
    """An administrator set the region's business-hours calendar (issue 16): the SLA clocks of its cases count its
    working time from the next command that starts, restarts or resumes them (due times already set stay)."""

    calendar: BusinessCalendar


class RegionTimePolicySet(RegionEvent):
    """An administrator set what the engine does by itself when a case's time runs out in the region (issue 16):
    escalate on a breached SLA, warn when it is at risk, remind a silent customer and give up on them."""

    policy: TimePolicy


class StaffMember(Frozen):
    """A person working a region, as the case rules need to see them."""

    id: Code
    name: ShortText
    role: Role
    region: Code


class Region(Aggregate):
    aggregate_type = "region"
    creation_event = RegionEstablished

    code: str
    name: str
    coordinator: StaffMember | None = None
    representatives: dict[str, StaffMember] = Field(default_factory=dict)
    reopen_window_days: int = DEFAULT_REOPEN_WINDOW_DAYS
    standards: list[Standard] = Field(default_factory=list)
    """The standards adopted for the region, in the order adopted (domain/policy/standard.py)."""
    required_programmes: tuple[UUID, ...] = ()
    """The training programmes every current representative must have completed for the region to take cases."""
    calendar: BusinessCalendar = ALWAYS
    """When the region works: its cases' SLA clocks count this calendar's working time (24x7 UTC until set)."""
    time_policy: TimePolicy = DEFAULT_TIME_POLICY

    @staticmethod
    def id_for(code: str) -> UUID:
        """Regions are found by code: the id is derived from it, so a code is taken once."""
        return uuid5(REGION_ID_NAMESPACE, code)

    @classmethod
    def establish(cls, ctx: Context, code: str, name: str) -> Self:
        return cls._create(ctx, cls.id_for(code), code=code, name=name)

    def appoint_coordinator(self, ctx: Context, staff_id: str, name: str) -> None:
        if staff_id in self.representatives or (self.coordinator and self.coordinator.id == staff_id):
            raise StaffAlreadyInRegion(staff_id, self.code)
        self._record(CoordinatorAppointed, ctx, staff_id=staff_id, name=name)

    def add_representative(self, ctx: Context, staff_id: str, name: str, transferred_from: str | None = None) -> None:
        if staff_id in self.representatives or (self.coordinator and self.coordinator.id == staff_id):
            raise StaffAlreadyInRegion(staff_id, self.code)
        self._record(RepresentativeJoined, ctx, staff_id=staff_id, name=name, transferred_from=transferred_from)

    def remove_representative(self, ctx: Context, staff_id: str, transferred_to: str | None = None) -> None:
        if staff_id not in self.representatives:
            if self.coordinator is not None and self.coordinator.id == staff_id:
                raise CoordinatorNotRemovable(staff_id, self.code)
            raise StaffNotInRegion(staff_id, self.code)
        if transferred_to == self.code:
            raise StaffAlreadyInRegion(staff_id, self.code)
        self._record(RepresentativeLeft, ctx, staff_id=staff_id, transferred_to=transferred_to)

    def set_reopen_window(self, ctx: Context, days: int) -> None:
        self._record(ReopenWindowSet, ctx, days=days)

    def set_calendar(self, ctx: Context, calendar: BusinessCalendar) -> None:
        """Refused, naming the field, for an unknown time zone, an interval ending before it starts or overlapping
        another, or a week with no working hours (domain/staff/calendar.py)."""
        self._record(RegionCalendarSet, ctx, calendar=calendar.checked())

    def set_time_policy(self, ctx: Context, policy: TimePolicy) -> None:
        """Refused, naming the field, when the reminder would not come before giving up."""
        self._record(RegionTimePolicySet, ctx, policy=policy.checked())

    def require_training(self, ctx: Context, programme_id: UUID) -> None:
        """Opt-in, for a new region (an administrator's command, like every change of a region)."""
        if programme_id in self.required_programmes:
            raise TrainingAlreadyRequired(self.code, programme_id)
        self._record(TrainingRequired, ctx, programme_id=programme_id)

    def drop_training_requirement(self, ctx: Context, programme_id: UUID) -> None:
        if programme_id not in self.required_programmes:
            raise TrainingNotRequired(self.code, programme_id)
        self._record(TrainingRequirementDropped, ctx, programme_id=programme_id)

    def readiness(self, completed: Mapping[str, AbstractSet[UUID]]) -> Readiness:
        """Whether the region may take cases, given the programmes each current representative has completed
        (`completed` needs an entry only for representatives who completed something)."""
        untrained = {}
        for staff_id in sorted(self.representatives):
            done = completed.get(staff_id, frozenset())
            if missing := tuple(p for p in self.required_programmes if p not in done):
                untrained[staff_id] = missing
        return Readiness(region=self.code, coordinator_appointed=self.coordinator is not None, untrained=untrained)

    def adopt_standard(self, ctx: Context, standard: Standard) -> None:
        """Record a meeting's decision adopting a standard for this region (see domain/policy/meeting_commands.py)."""
        self._record(StandardAdopted, ctx, standard=standard)

    def staff_member(self, staff_id: str) -> StaffMember:
        """The representative or coordinator with this id, as case rules need them."""
        if self.coordinator is not None and self.coordinator.id == staff_id:
            return self.coordinator
        try:
            return self.representatives[staff_id]
        except KeyError:
            raise StaffNotInRegion(staff_id, self.code) from None

    @classmethod
    def created_by(cls, event: RegionEstablished) -> Self:
        return cls(
            id=event.originator_id,
            version=1,
            created_at=event.occurred_at,
            modified_at=event.occurred_at,
            code=event.code,
            name=event.name,
        )

    def when(self, event: RegionEvent) -> None:
        match event:
            case CoordinatorAppointed(staff_id=staff_id, name=name):
                self.coordinator = StaffMember(id=staff_id, name=name, role=Role.COORDINATOR, region=self.code)
            case RepresentativeJoined(staff_id=staff_id, name=name):
                self.representatives = {
                    **self.representatives,
                    staff_id: StaffMember(id=staff_id, name=name, role=Role.REPRESENTATIVE, region=self.code),
                }
            case RepresentativeLeft(staff_id=staff_id):
                self.representatives = {k: v for k, v in self.representatives.items() if k != staff_id}
            case ReopenWindowSet(days=days):
                self.reopen_window_days = days
            case StandardAdopted(standard=standard):
                self.standards = [*self.standards, standard]
            case TrainingRequired(programme_id=programme_id):
                self.required_programmes = (*self.required_programmes, programme_id)
            case TrainingRequirementDropped(programme_id=programme_id):
                self.required_programmes = tuple(p for p in self.required_programmes if p != programme_id)
            case RegionCalendarSet(calendar=calendar):
                self.calendar = calendar
            case RegionTimePolicySet(policy=policy):
                self.time_policy = policy
