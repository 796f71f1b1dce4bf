"""A caller's standing in one region: flagged for harassing calls (who flagged, why, on which case) or not.

Found by region and customer reference alone (the id is derived from them), so whether a caller is flagged
is read exactly from the event store when a case is opened, never guessed from a read model that may lag.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self
from uuid import UUID, uuid5

from domain.aggregate import Aggregate
from domain.errors import CallerAlreadyFlagged, CallerNotFlagged
from domain.event import DomainEvent
from domain.values import Actor, Code, Context, Text

__all__ = ["Caller", "CallerEvent", "CallerFlagCleared", "CallerFlagged", "CallerRegistered"]

CALLER_ID_NAMESPACE = UUID("3f5e1c2a-8b47-4d6e-9a10-7c2b5e8d4f61")


class CallerEvent(DomainEvent, abstract=True):
    aggregate_type = "caller"


class CallerRegistered(CallerEvent):
    region: Code
    customer_ref: Code


class CallerFlagged(CallerEvent):
    """The caller is flagged for harassing calls, on the harassment case that records it."""

    reason: Text
    harassment_case_id: UUID


class CallerFlagCleared(CallerEvent):
    reason: Text


class Caller(Aggregate):
    aggregate_type = "caller"
    creation_event = CallerRegistered

    region: str
    customer_ref: str
    flagged: bool = False
    reason: str | None = None
    flagged_by: Actor | None = None
    flagged_at: datetime | None = None
    harassment_case_id: UUID | None = None

    @staticmethod
    def id_for(region: str, customer_ref: str) -> UUID:
        """One record per caller and region: the id is derived from both."""
        return uuid5(CALLER_ID_NAMESPACE, f"{region}\n{customer_ref}")

    @classmethod
    def register(cls, ctx: Context, region: str, customer_ref: str) -> Self:
        return cls._create(ctx, cls.id_for(region, customer_ref), region=region, customer_ref=customer_ref)

    def flag(self, ctx: Context, reason: str, harassment_case_id: UUID) -> None:
        if self.flagged:
            assert self.flagged_by is not None
            raise CallerAlreadyFlagged(self.customer_ref, self.region, self.flagged_by.id, self.harassment_case_id)
        self._record(CallerFlagged, ctx, reason=reason, harassment_case_id=harassment_case_id)

    def clear_flag(self, ctx: Context, reason: str) -> None:
        if not self.flagged:
            raise CallerNotFlagged(self.customer_ref, self.region)
        self._record(CallerFlagCleared, ctx, reason=reason)

    @classmethod
    def created_by(cls, event: CallerRegistered) -> Self:
        return cls(id=event.originator_id, version=1, created_at=event.occurred_at, modified_at=event.occurred_at,
                   region=event.region, customer_ref=event.customer_ref)

    def when(self, event: CallerEvent) -> None:
        match event:
            case CallerFlagged():
                self.flagged, self.reason, self.harassment_case_id = True, event.reason, event.harassment_case_id
                self.flagged_by, self.flagged_at = event.actor, event.occurred_at
            case CallerFlagCleared():
                self.flagged, self.reason, self.harassment_case_id = False, None, None
                self.flagged_by = self.flagged_at = None
