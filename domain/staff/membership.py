"""One person, one region: the record of where a staff member works, kept beside the regions.

A region knows only its own staff, so it cannot see that the person it takes on already works in another
region. Each person has one membership record, found by their staff id (its id is derived from it), saved
in the same transaction as every change of a region's staff: two regions taking on the same person at
once both write the same record, and the event store lets only one of them through.

Its events are published with the region's (`aggregate_type` "region", keyed by the membership's id):
they are facts about the regions' staff.
"""

from __future__ import annotations

from typing import Self
from uuid import UUID, uuid5

from domain.aggregate import Aggregate
from domain.errors import StaffInAnotherRegion
from domain.event import DomainEvent
from domain.staff.region import StaffChange
from domain.values import Code, Context, Role

__all__ = ["Membership", "MembershipEvent", "StaffPlaced", "StaffRegistered", "StaffReleased"]

MEMBERSHIP_ID_NAMESPACE = UUID("7f3b8d2e-4c61-4a0f-9b5e-2d8c1a6e4f93")


class MembershipEvent(DomainEvent, abstract=True):
    aggregate_type = "region"


class StaffRegistered(MembershipEvent):
    """A person's membership record is opened (on their first placement in a region)."""

    staff_id: Code


class StaffPlaced(MembershipEvent):
    """The person now works in this region, in this role."""

    region: Code
    role: Role


class StaffReleased(MembershipEvent):
    """The person no longer works in this region (removed, replaced or transferred)."""

    region: Code
    cause: StaffChange


class Membership(Aggregate):
    aggregate_type = "staff-membership"
    creation_event = StaffRegistered

    staff_id: str
    region: str | None = None
    role: Role | None = None

    @staticmethod
    def id_for(staff_id: str) -> UUID:
        """A person's membership record is found by their staff id."""
        return uuid5(MEMBERSHIP_ID_NAMESPACE, staff_id)

    @classmethod
    def register(cls, ctx: Context, staff_id: str) -> Self:
        return cls._create(ctx, cls.id_for(staff_id), staff_id=staff_id)

    def place(self, ctx: Context, region: str, role: Role) -> None:
        """Refused while the person works in another region: release or transfer them there first."""
        if self.region is not None and self.region != region:
            raise StaffInAnotherRegion(self.staff_id, self.region, region, self.role)
        self._record(StaffPlaced, ctx, region=region, role=role)

    def release(self, ctx: Context, region: str, cause: StaffChange) -> None:
        """Nothing to record when the record already says they are not in `region`."""
        if self.region == region:
            self._record(StaffReleased, ctx, region=region, cause=cause)

    @classmethod
    def created_by(cls, event: StaffRegistered) -> Self:
        return cls(id=event.originator_id, version=1, created_at=event.occurred_at, modified_at=event.occurred_at,
                   staff_id=event.staff_id)

    def when(self, event: MembershipEvent) -> None:
        match event:
            case StaffPlaced():
                self.region, self.role = event.region, event.role
            case StaffReleased():
                self.region = self.role = None
