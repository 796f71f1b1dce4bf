"""Coaching reviews: who records them, what they hold, and the follow-up done once."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.development.coaching import CoachingReview, CoachingStatus, StandardRating
from domain.errors import CoachingNeedsCoordinator, InvalidValue, TransitionRefused
from domain.values import Actor, Role
from tests.factories import ADMIN, COORDINATOR, REP, ctx, later


def reviewed(actor: Actor = COORDINATOR, **fields: object) -> CoachingReview:
    values: dict[str, object] = {
        "region": "north", "representative_id": "rep-north-1", "case_id": uuid4(), "contact_version": 3,
        "rating": 4, "went_well": "Listened and summarised the problem", "to_improve": "Offer the refund sooner",
        "standards": (StandardRating(standard="first response within 4 hours", rating=5),),
        "follow_up_on": date(2026, 3, 16), **fields,
    }
    return CoachingReview.review(ctx(actor), uuid4(), **values)  # type: ignore[arg-type]


class TestReviewing:
    def test_a_coordinator_reviews_a_contact_with_ratings_per_standard(self) -> None:
        review = reviewed()
        assert (review.rating, review.status, review.reviewer) == (4, CoachingStatus.REVIEWED, COORDINATOR)
        assert review.standards[0].standard == "first response within 4 hours"
        assert review.pending_events[0].type_name == "InteractionReviewed"

    def test_an_administrator_may_review_too(self) -> None:
        assert reviewed(ADMIN).reviewer == ADMIN

    @pytest.mark.parametrize("role", [Role.REPRESENTATIVE, Role.MANAGER, Role.AUDITOR])
    def test_anyone_but_a_coordinator_or_administrator_is_refused(self, role: Role) -> None:
        with pytest.raises(CoachingNeedsCoordinator, match="only its coordinator or an administrator"):
            reviewed(Actor(id="someone", role=role))

    @pytest.mark.parametrize("rating", [0, 6])
    def test_a_rating_outside_one_to_five_is_refused(self, rating: int) -> None:
        with pytest.raises(InvalidValue, match="rating"):
            reviewed(rating=rating)

    def test_a_standard_rating_outside_one_to_five_is_refused(self) -> None:
        with pytest.raises(ValueError, match="rating"):
            StandardRating(standard="greeting", rating=9)

    def test_the_follow_up_date_is_optional(self) -> None:
        assert reviewed(follow_up_on=None).follow_up_on is None

    def test_a_follow_up_date_before_the_review_is_refused(self) -> None:
        with pytest.raises(InvalidValue, match="is before the review") as refused:
            reviewed(follow_up_on=date(2026, 3, 1))  # the review is on 2026-03-02
        assert refused.value.field == "follow_up_on"
        assert reviewed(follow_up_on=date(2026, 3, 2)).follow_up_on == date(2026, 3, 2)

    def test_a_follow_up_date_outside_the_calendar_is_refused(self) -> None:
        with pytest.raises(InvalidValue, match="follow_up_on"):
            reviewed(follow_up_on=date(9999, 1, 1))


class TestFollowingUp:
    def test_the_follow_up_is_recorded_once(self) -> None:
        review = reviewed()
        review.follow_up(later(48, COORDINATOR), "Refunds now offered on the first call")
        assert review.status is CoachingStatus.FOLLOWED_UP and review.follow_up_note
        with pytest.raises(TransitionRefused):
            review.follow_up(later(50, COORDINATOR), "Again")

    def test_a_representative_does_not_record_the_follow_up(self) -> None:
        with pytest.raises(CoachingNeedsCoordinator):
            reviewed().follow_up(later(1, REP), "Done it myself")
