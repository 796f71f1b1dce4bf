"""Commands on regions and their staff, and the rule that only a region's current staff change its records.

The rule lives here, in the command service, rather than in the HTTP API: every way in (the API, the
CLI, the demo, a future consumer) runs commands through this service, so none can forget it. It is
checked when a command's events are about to be saved, against the region as the event store has it
now (a cached aggregate brought up to date by one indexed read), not against a read model that may lag.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from pydantic import Field

from domain.aggregate import Aggregate
from domain.errors import NotOnStaff, RecordNotFound, RegionAlreadyEstablished
from domain.ledger import CommandResult, LedgerBase, replay
from domain.region import Region
from domain.values import Actor, Code, Context, Role, ShortTextIn

__all__ = ["UNBOUND", "RegionCommands"]

UNBOUND = (Role.ADMIN, Role.SYSTEM)
"""Roles that act in every region: administrators, and the engine's own processes."""


class RegionCommands(LedgerBase):
    def region(self, code: str) -> Region:
        """The region with this code, with its staff."""
        try:
            return self.get(Region, Region.id_for(code))
        except RecordNotFound:
            raise RecordNotFound("region", code) from None

    def establish_region(self, ctx: Context, code: Code, name: ShortTextIn) -> CommandResult:
        if Region.id_for(code) in self.repository:
            raise RegionAlreadyEstablished(code)
        return self._commit(Region.establish(ctx, code, name))

    def appoint_coordinator(self, ctx: Context, region: str, staff_id: Code, name: ShortTextIn) -> CommandResult:
        return self._update(Region, self.region(region).id, None, lambda r: r.appoint_coordinator(ctx, staff_id, name))

    def add_representative(self, ctx: Context, region: str, staff_id: Code, name: ShortTextIn) -> CommandResult:
        return self._update(Region, self.region(region).id, None, lambda r: r.add_representative(ctx, staff_id, name))

    def remove_representative(self, ctx: Context, region: str, staff_id: str) -> CommandResult:
        return self._update(Region, self.region(region).id, None, lambda r: r.remove_representative(ctx, staff_id))

    def set_reopen_window(self, ctx: Context, region: str, days: Annotated[int, Field(ge=0, le=3650)]) -> CommandResult:
        """How many days after closure the region's cases may be reopened (default 30)."""
        return self._update(Region, self.region(region).id, None, lambda r: r.set_reopen_window(ctx, days))

    def require_staff(self, actor: Actor, region: str) -> None:
        """Refuse an actor who is not, now, on the region's staff in the role they act in (administrators
        and the system act everywhere)."""
        if actor.role in UNBOUND:
            return
        staff = self._current_region(region)
        if staff is None or not _holds(staff, actor):
            raise NotOnStaff(actor.id, actor.role, region)

    def _commit(self, aggregate: Aggregate) -> CommandResult:
        for actor in {event.actor for event in aggregate.pending_events}:
            if isinstance(aggregate, Region):
                if actor.role not in UNBOUND:  # a region's staff is kept by administrators
                    raise NotOnStaff(actor.id, actor.role, aggregate.code)
            else:
                self.require_staff(actor, getattr(aggregate, "region"))  # noqa: B009 - every other record has one
        return super()._commit(aggregate)

    def _current_region(self, code: str) -> Region | None:
        """The region as stored now, read without the copy a command's own `get` makes (it is not changed)."""
        region_id: UUID = Region.id_for(code)
        try:
            region = self.repository.get(region_id, projector_func=replay, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return None
        return region if isinstance(region, Region) else None


def _holds(region: Region, actor: Actor) -> bool:
    if actor.role is Role.COORDINATOR:
        return region.coordinator is not None and region.coordinator.id == actor.id
    return actor.role is Role.REPRESENTATIVE and actor.id in region.representatives
