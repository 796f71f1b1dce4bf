"""Coaching: a coordinator's reviews of their representatives' logged contacts, and each representative's history.

A review is visible to the representative it coaches, to the coordinator of its region, and to administrators;
anyone else (another representative, another region's coordinator, a manager) is refused with one 403 that is the
same whether the review, or the representative asked about, exists or not. Auditors read every event through the
audit trail (`/audit/events`), not here.

This module does not postpone annotations: the body model is made at run time, which FastAPI must see."""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from api.deps import AppDep, CurrentPrincipal, Principal, role_guard
from api.problems import Forbidden
from api.routes.commands import (
    COMMAND_RESPONSES,
    IF_MATCH,
    CommandAccepted,
    expected_version,
    request_model,
    run_command,
)
from api.routes.records import READ_RESPONSES, HistoryEvent, IfNoneMatch, history_events, not_modified, record_at
from domain.application import CaseLedger
from domain.development.coaching import CoachingReview, CoachingStatus, StandardRating
from domain.errors import RecordNotFound
from domain.values import Actor, Code, Moment, Role, TextIn
from projections.development import coaching_history

__all__ = ["router"]

router = APIRouter(prefix="/coaching", tags=["coaching"])
CoachDep = Annotated[Principal, Depends(role_guard(Role.COORDINATOR, Role.ADMIN))]
VIEWERS = (Role.REPRESENTATIVE, Role.COORDINATOR, Role.ADMIN)
NOT_YOURS = "coaching is visible to the representative coached, their region's coordinator and administrators only"


class CoachingPublic(BaseModel):
    """A coaching review: the contact it reviews, the ratings, what went well and what to improve, the follow-up."""

    id: UUID
    version: int
    region: str
    representative_id: str
    reviewer: Actor
    case_id: UUID
    contact_version: int
    rating: int
    standards: tuple[StandardRating, ...]
    went_well: str
    to_improve: str
    follow_up_on: date | None
    status: CoachingStatus
    reviewed_at: datetime
    followed_up_at: datetime | None
    follow_up_note: str | None


class FollowUpIn(BaseModel):
    note: TextIn


ReviewCreate = request_model(CaseLedger.review_interaction, "CoachingCreate", skip=frozenset({"review_id"}))


def visible(principal: Principal, review: CoachingReview | None, review_id: UUID) -> CoachingReview:
    """The review if the caller may see it; the same 403 otherwise, whatever exists (administrators get the 404)."""
    if principal.role is Role.ADMIN:
        if review is None:
            raise RecordNotFound("coaching", review_id)
        return review
    if review is None or principal.role not in VIEWERS:
        raise Forbidden(NOT_YOURS)
    if principal.role is Role.REPRESENTATIVE and review.representative_id == principal.subject:
        return review
    if principal.role is Role.COORDINATOR and review.region == principal.region:
        return review
    raise Forbidden(NOT_YOURS)


def _load(engine: Any, principal: Principal, review_id: UUID) -> CoachingReview:
    try:
        review: CoachingReview | None = engine.ledger.get(CoachingReview, review_id)
    except RecordNotFound:
        review = None
    return visible(principal, review, review_id)


def public(review: CoachingReview) -> CoachingPublic:
    return CoachingPublic(**review.model_dump(exclude={"created_at", "modified_at"}), reviewed_at=review.created_at)


@router.post("", status_code=201, response_model=CommandAccepted, summary="Review a representative's logged contact",
             responses=COMMAND_RESPONSES)
def review(body: ReviewCreate, engine: AppDep, principal: CoachDep, response: Response  # type: ignore[valid-type]
           ) -> CommandAccepted:
    """A coordinator reviews a contact a representative of their region logged (`case_id`, and the case's
    `contact_version` that recorded it): `rating` 1-5, optional `standards` (each a standard's id or text, with
    its own rating), `went_well`, `to_improve`, an optional `follow_up_on` date. A case of another region is
    refused in the words a missing one is."""
    ledger = engine.ledger
    review_id = ledger.new_id()
    response.headers["Location"] = f"/coaching/{review_id}"
    ctx = ledger.context(principal.actor)
    return run_command(lambda: ledger.review_interaction(ctx, **dict(body), review_id=review_id), response)


@router.post("/{record_id}/follow-up", response_model=CommandAccepted, summary="Record the review's follow-up",
             responses=COMMAND_RESPONSES)
def follow_up(record_id: UUID, body: FollowUpIn, engine: AppDep, principal: CoachDep, response: Response,
              if_match: Annotated[str | None, IF_MATCH] = None) -> CommandAccepted:
    """The coordinator met the representative again about the review (once)."""
    _load(engine, principal, record_id)
    ledger = engine.ledger
    version = expected_version(if_match)
    ctx = ledger.context(principal.actor)
    return run_command(lambda: ledger.follow_up_coaching(ctx, record_id, body.note, expected_version=version),
                       response)


@router.get("", summary="A representative's coaching history")
def history_of(
    engine: AppDep, principal: CurrentPrincipal, representative_id: Annotated[Code | None, Query()] = None,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> list[dict[str, Any]]:
    """Newest first. A representative sees their own (`representative_id` is theirs, or left out); a coordinator
    those of their region, or of one representative they coach now or coached; an administrator any."""
    if principal.role not in VIEWERS:
        raise Forbidden(NOT_YOURS)
    if principal.role is Role.REPRESENTATIVE:
        if representative_id not in (None, principal.subject):
            raise Forbidden(NOT_YOURS)
        representative_id = principal.subject
    engine.read_after(min_position)
    region = principal.region if principal.role is Role.COORDINATOR else None
    with engine.runner.store.reader() as view:
        rows = coaching_history(view, representative_id, region)
    # someone a coordinator coaches now may have no history yet; anyone else is refused alike, whatever exists
    if principal.role is Role.COORDINATOR and representative_id is not None and not rows and (
            representative_id not in engine.ledger.region(str(principal.region)).representatives):
        raise Forbidden(NOT_YOURS)
    return rows


@router.get("/{record_id}", response_model=CoachingPublic, summary="A coaching review, now or as it was",
            responses=READ_RESPONSES)
def get_review(
    record_id: UUID, engine: AppDep, principal: CurrentPrincipal, response: Response,
    as_of: Annotated[Moment | None, Query(description="State at this time.")] = None,
    version: Annotated[int | None, Query(ge=1, le=2**31, description="State at this version.")] = None,
    if_none_match: IfNoneMatch = None,
) -> Any:
    """Who may see it is decided on the review as it is now, before anything is asked of its past."""
    review = record_at(engine.ledger, _load(engine, principal, record_id), as_of, version)
    if (unchanged := not_modified(review.version, if_none_match, response)) is not None:
        return unchanged
    return public(review)


@router.get("/{record_id}/history", response_model=list[HistoryEvent], summary="Every event of a coaching review",
            responses=READ_RESPONSES)
def review_history(record_id: UUID, engine: AppDep, principal: CurrentPrincipal, response: Response,
                   if_none_match: IfNoneMatch = None) -> Any:
    current = _load(engine, principal, record_id)
    if (unchanged := not_modified(current.version, if_none_match, response)) is not None:
        return unchanged
    return history_events(engine.ledger.history(record_id))
