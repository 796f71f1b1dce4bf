"""Coaching: a coordinator's review of one logged contact of a representative of their region.

A review belongs to the region of the case it reviews (the staff rule applies: only that region's current
coordinator, or an administrator, records it). It names the contact exactly, by its case id and the case's
version that recorded it (`ContactLogged`), rates it from 1 to 5 overall and optionally per adopted standard
(a free reference: a standard's id or text), says what went well and what to improve, and may set a
follow-up date; the follow-up is recorded later, once.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import Field

from domain.aggregate import Aggregate
from domain.errors import CoachingNeedsCoordinator, InvalidValue
from domain.event import DomainEvent
from domain.values import Actor, Code, Context, Frozen, InCalendar, Role, ShortText, Text

__all__ = [
    "COACHES",
    "CoachingEvent",
    "CoachingFollowedUp",
    "CoachingReview",
    "CoachingStatus",
    "InteractionReviewed",
    "Rating",
    "StandardRating",
]

Rating = Annotated[int, Field(strict=True, ge=1, le=5)]
"""A rating from 1 (far below the standard) to 5 (an example to others)."""

COACHES = (Role.COORDINATOR, Role.ADMIN, Role.SYSTEM)
"""Who records coaching: the region's coordinator (the staff rule makes it the current one), an administrator,
or the engine's own processes (a demo, a migration)."""


class StandardRating(Frozen):
    """A rating against one adopted standard, named by its id or its text (a free reference)."""

    standard: ShortText
    rating: Rating
    note: Text | None = None


class CoachingStatus(StrEnum):
    REVIEWED = "reviewed"
    FOLLOWED_UP = "followed_up"


class CoachingEvent(DomainEvent, abstract=True):
    aggregate_type = "coaching"


class InteractionReviewed(CoachingEvent):
    """A coordinator reviewed a representative's logged contact (the case's version that recorded it)."""

    region: Code
    representative_id: Code
    case_id: UUID
    contact_version: Annotated[int, Field(strict=True, ge=1)]
    rating: Rating
    standards: tuple[StandardRating, ...] = ()
    went_well: Text
    to_improve: Text
    follow_up_on: Annotated[date, InCalendar] | None = None


class CoachingFollowedUp(CoachingEvent):
    """The coordinator met the representative again about the review."""

    note: Text


class CoachingReview(Aggregate):
    aggregate_type = "coaching"
    creation_event = InteractionReviewed

    region: str
    representative_id: str
    reviewer: Actor
    case_id: UUID
    contact_version: int
    rating: int
    standards: tuple[StandardRating, ...] = ()
    went_well: str
    to_improve: str
    follow_up_on: date | None = None
    status: CoachingStatus = CoachingStatus.REVIEWED
    followed_up_at: datetime | None = None
    follow_up_note: str | None = None

    @classmethod
    def review(
        cls, ctx: Context, review_id: UUID, *, region: str, representative_id: str, case_id: UUID,
        contact_version: int, rating: int, went_well: str, to_improve: str,
        standards: tuple[StandardRating, ...] = (), follow_up_on: date | None = None,
    ) -> Self:
        """Only a coordinator (or an administrator) reviews: a representative does not coach a colleague."""
        if ctx.actor.role not in COACHES:
            raise CoachingNeedsCoordinator(ctx.actor.id, ctx.actor.role, region)
        if follow_up_on is not None and follow_up_on < ctx.now.date():
            raise InvalidValue("follow_up_on", f"{follow_up_on} is before the review ({ctx.now.date()}, UTC): a "
                               "follow-up comes on or after it")
        return cls._create(
            ctx, review_id, region=region, representative_id=representative_id, case_id=case_id,
            contact_version=contact_version, rating=rating, standards=tuple(standards), went_well=went_well,
            to_improve=to_improve, follow_up_on=follow_up_on,
        )

    def follow_up(self, ctx: Context, note: str) -> None:
        """Recorded once, by a coordinator or an administrator."""
        if ctx.actor.role not in COACHES:
            raise CoachingNeedsCoordinator(ctx.actor.id, ctx.actor.role, self.region)
        if self.status is not CoachingStatus.REVIEWED:
            raise self._refuse("follow up", self.status, (CoachingStatus.REVIEWED,))
        self._record(CoachingFollowedUp, ctx, note=note)

    @classmethod
    def created_by(cls, event: InteractionReviewed) -> Self:
        return cls(
            id=event.originator_id, version=1, created_at=event.occurred_at, modified_at=event.occurred_at,
            region=event.region, representative_id=event.representative_id, reviewer=event.actor,
            case_id=event.case_id, contact_version=event.contact_version, rating=event.rating,
            standards=event.standards, went_well=event.went_well, to_improve=event.to_improve,
            follow_up_on=event.follow_up_on,
        )

    def when(self, event: CoachingEvent) -> None:
        match event:
            case CoachingFollowedUp(note=note):
                self.status = CoachingStatus.FOLLOWED_UP
                self.followed_up_at = event.occurred_at
                self.follow_up_note = note
