"""Commands of coaching and training, and a region's readiness to take cases.

Where each record belongs, for the staff rule (domain/staff/staffing.py):
- a coaching review belongs to the region of the case it reviews: its current coordinator (or an administrator)
  records and follows it up;
- a training session belongs to the region it trains: its current coordinator (or an administrator) keeps it;
- a training programme is network-level: any current coordinator, a manager (its events are in
  `NETWORK_LEVEL_EVENTS`) or an administrator creates it; an administrator declares its trainers;
- a person's training record changes only with a completion, in the session's transaction, so the session's
  check is its check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, cast
from uuid import UUID

from pydantic import Field

from domain.aggregate import Aggregate
from domain.casework.case import Case
from domain.casework.case_events import ContactLogged
from domain.development.coaching import CoachingReview, Rating, StandardRating
from domain.development.training import TrainingProgramme, TrainingRecord, TrainingSession
from domain.errors import (
    ContactNotReviewable,
    NotOnStaff,
    RecordNotFound,
    RegionNotReady,
    StaffNotInRegion,
    TrainerNotExperienced,
    VersionMismatch,
)
from domain.event import DomainEvent
from domain.ledger import CommandResult, LedgerBase
from domain.staff.region import Readiness, Region
from domain.staff.staffing import RegionCommands
from domain.values import Code, Context, Day, Role, ShortTextIn, TextIn

__all__ = ["DevelopmentCommands", "readiness_of", "require_ready"]

ContactVersion = Annotated[int, Field(strict=True, ge=1, le=2**31)]


class DevelopmentCommands(RegionCommands):
    # --- coaching ---------------------------------------------------------------------------------------------

    def review_interaction(
        self, ctx: Context, *, case_id: UUID, contact_version: ContactVersion, rating: Rating, went_well: TextIn,
        to_improve: TextIn, standards: Sequence[StandardRating] = (), follow_up_on: Day | None = None,
        review_id: UUID | None = None,
    ) -> CommandResult:
        """Review a representative's logged contact (the case's version that recorded `ContactLogged`) on a case of
        the coordinator's region: a 1-5 rating, optionally per adopted standard, what went well, what to improve,
        an optional follow-up date."""
        case = self._case_of_reviewer(ctx, case_id, contact_version)
        contact = next(iter(self.events.get(case_id, gt=contact_version - 1, lte=contact_version)), None)
        if not isinstance(contact, ContactLogged):
            raise ContactNotReviewable(case_id, contact_version, "that version of the case is not a logged contact")
        logger = cast(DomainEvent, contact).actor
        if logger.role is not Role.REPRESENTATIVE or logger.id not in self.region(case.region).representatives:
            raise ContactNotReviewable(case_id, contact_version, f"it was logged by {logger.id} ({logger.role}), not a "
                                       "current representative of the case's region")
        review = CoachingReview.review(
            ctx, review_id or self.new_id(), region=case.region, representative_id=logger.id, case_id=case_id,
            contact_version=contact_version, rating=rating, went_well=went_well, to_improve=to_improve,
            standards=tuple(standards), follow_up_on=follow_up_on,
        )
        return self._commit(review)

    def follow_up_coaching(
        self, ctx: Context, review_id: UUID, note: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        """Record that the coordinator followed the review up with the representative (once)."""
        return self._update(CoachingReview, review_id, expected_version, lambda r: r.follow_up(ctx, note))

    def coaching_review(self, review_id: UUID) -> CoachingReview:
        return self.get(CoachingReview, review_id)

    def _case_of_reviewer(self, ctx: Context, case_id: UUID, version: int) -> Case:
        """The case, if the reviewer may see it: a missing case and another region's are refused alike."""
        try:
            case = self.get(Case, case_id)
            self.require_staff(ctx.actor, case.region)
        except (RecordNotFound, NotOnStaff):
            raise ContactNotReviewable(case_id, version, "there is no such case in your region") from None
        return case

    # --- training ---------------------------------------------------------------------------------------------

    def create_training_programme(
        self, ctx: Context, *, title: ShortTextIn, description: TextIn,
        modules: Annotated[list[ShortTextIn], Field(min_length=1, max_length=50)], programme_id: UUID | None = None,
    ) -> CommandResult:
        """A network-level training programme with its modules (a coordinator, a manager or an administrator)."""
        return self._commit(TrainingProgramme.create(ctx, programme_id or self.new_id(), title, description,
                                                     tuple(modules)))

    def declare_trainer(
        self, ctx: Context, programme_id: UUID, staff_id: Code, name: ShortTextIn, expected_version: int | None = None
    ) -> CommandResult:
        """Declare someone a trainer of the programme without a completion of their own (an administrator)."""
        return self._update(TrainingProgramme, programme_id, expected_version,
                            lambda p: p.declare_trainer(ctx, staff_id, name))

    def training_programme(self, programme_id: UUID) -> TrainingProgramme:
        return self.get(TrainingProgramme, programme_id)

    def schedule_training_session(
        self, ctx: Context, *, region: Code, programme_id: UUID, trainer_id: Code, scheduled_on: Day,
        attendees: Annotated[list[Code], Field(min_length=1, max_length=200)], session_id: UUID | None = None,
    ) -> CommandResult:
        """A session of a programme for representatives of `region`, given by an experienced representative of any
        region (one who completed the programme) or a declared trainer."""
        trained = self.region(region)
        programme = self.training_programme(programme_id)
        for staff_id in attendees:
            if staff_id not in trained.representatives:
                raise StaffNotInRegion(staff_id, region)
        self._check_trainer(programme, trainer_id)
        return self._commit(TrainingSession.schedule(
            ctx, session_id or self.new_id(), region=region, programme_id=programme_id, trainer_id=trainer_id,
            scheduled_on=scheduled_on, attendees=tuple(attendees)))

    def add_session_attendee(
        self, ctx: Context, session_id: UUID, staff_id: Code, expected_version: int | None = None
    ) -> CommandResult:
        """Add a representative of the session's region before it is held."""
        def add(session: TrainingSession) -> None:
            if staff_id not in self.region(session.region).representatives:
                raise StaffNotInRegion(staff_id, session.region)
            session.add_attendee(ctx, staff_id)

        return self._update(TrainingSession, session_id, expected_version, add)

    def hold_training_session(
        self, ctx: Context, session_id: UUID, held_on: Day, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(TrainingSession, session_id, expected_version, lambda s: s.hold(ctx, held_on))

    def cancel_training_session(
        self, ctx: Context, session_id: UUID, reason: ShortTextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(TrainingSession, session_id, expected_version, lambda s: s.cancel(ctx, reason))

    def record_training_completion(
        self, ctx: Context, session_id: UUID, staff_id: Code, expected_version: int | None = None
    ) -> CommandResult:
        """An attendee completed the held session: recorded on the session and on their training record, in one
        transaction."""
        session = self.get(TrainingSession, session_id)
        if expected_version is not None and expected_version != session.version:
            raise VersionMismatch("training-session", session_id, expected_version, session.version)
        record = self._training_record(staff_id)
        with self._at_command_time(session, *([record] if record else [])):
            session.record_completion(ctx, staff_id)
            record = record or TrainingRecord.open(ctx, staff_id)
            record.complete(ctx, session)
        return self._commit_records(session, record)

    def training_session(self, session_id: UUID) -> TrainingSession:
        return self.get(TrainingSession, session_id)

    def _training_record(self, staff_id: str) -> TrainingRecord | None:
        try:
            return self.get(TrainingRecord, TrainingRecord.id_for(staff_id))
        except RecordNotFound:
            return None

    def _check_trainer(self, programme: TrainingProgramme, trainer_id: str) -> None:
        """A declared trainer; or a representative on a region's staff now who completed the programme."""
        if trainer_id in programme.trainers:
            return
        record = self._training_record(trainer_id)
        if record is None or not record.has_completed(programme.id):
            raise TrainerNotExperienced(trainer_id, programme.title, "they have not completed it")
        membership = self.membership(trainer_id)
        region = None if membership is None or membership.role is not Role.REPRESENTATIVE else membership.region
        if region is None or trainer_id not in self.region(region).representatives:
            raise TrainerNotExperienced(trainer_id, programme.title, "they are no region's representative now")

    # --- readiness --------------------------------------------------------------------------------------------

    def require_training(self, ctx: Context, region: str, programme_id: UUID) -> CommandResult:
        """Require a programme of the region's representatives (opt-in, for a new region; an administrator): the
        region takes no cases until each current representative has completed it."""
        self.training_programme(programme_id)
        return self._update(Region, self.region(region).id, None, lambda r: r.require_training(ctx, programme_id))

    def drop_training_requirement(self, ctx: Context, region: str, programme_id: UUID) -> CommandResult:
        return self._update(Region, self.region(region).id, None,
                            lambda r: r.drop_training_requirement(ctx, programme_id))

    def readiness(self, region: str) -> Readiness:
        """Whether the region may take cases now, as the event store has it."""
        return readiness_of(self, self.region(region))

    def _check_staff(self, aggregate: Aggregate) -> None:
        """Network-level records: a programme is created by a coordinator on some region's staff now (a manager and
        an administrator anywhere: the manager's events are checked by `save`); a training record changes only
        with its session, which is checked."""
        if isinstance(aggregate, TrainingRecord):
            return
        if isinstance(aggregate, TrainingProgramme):
            for actor in {event.actor for event in aggregate.pending_events}:
                if actor.role is Role.COORDINATOR:
                    membership = self.membership(actor.id)
                    where = None if membership is None or membership.role is not Role.COORDINATOR else membership.region
                    if where is None:
                        raise NotOnStaff(actor.id, actor.role, "any region")
                    self.require_staff(actor, where)
            return
        super()._check_staff(aggregate)


def readiness_of(ledger: LedgerBase, region: Region) -> Readiness:
    """The region's readiness, from the training records of its current representatives (read only when the region
    requires a programme: a region that never did needs a coordinator only)."""
    completed: dict[str, frozenset[UUID]] = {}
    if region.required_programmes:
        for staff_id in region.representatives:
            try:
                record = ledger.get(TrainingRecord, TrainingRecord.id_for(staff_id))
            except RecordNotFound:
                continue
            completed[staff_id] = frozenset(record.completed)
    return region.readiness(completed)


def require_ready(ledger: LedgerBase, region: Region) -> None:
    """Refuse a case for a region that is not ready, naming what is missing (programmes by title)."""
    readiness = readiness_of(ledger, region)
    if readiness.ready:
        return
    titles = {}
    for programme_id in region.required_programmes:
        try:
            titles[programme_id] = ledger.get(TrainingProgramme, programme_id).title
        except RecordNotFound:
            continue
    raise RegionNotReady(region.code, readiness.missing(titles))
