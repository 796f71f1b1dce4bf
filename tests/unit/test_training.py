"""Training programmes, sessions, completions, and a region's readiness to take cases."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest

from domain.development.training import SessionStatus, TrainingProgramme, TrainingRecord, TrainingSession
from domain.errors import (
    AlreadyCompleted,
    AlreadyTrainer,
    InvalidValue,
    NotAnAttendee,
    ProgrammeNeedsAuthority,
    SessionNeedsCoordinator,
    TrainerNeedsAdministrator,
    TrainingAlreadyRequired,
    TrainingNotRequired,
    TransitionRefused,
)
from domain.staff.region import Region
from domain.values import Actor, Role
from tests.factories import ADMIN, COORDINATOR, REP, TODAY, ctx

MANAGER = Actor(id="mgr-1", role=Role.MANAGER)
DAY = TODAY  # a session is held on or after its day and not after today


def programme(actor: Actor = COORDINATOR) -> TrainingProgramme:
    return TrainingProgramme.create(ctx(actor), uuid4(), "Onboarding", "What every representative needs first",
                                    ("Billing disputes", "Outages"))


def session(attendees: tuple[str, ...] = ("rep-east-1", "rep-east-2")) -> TrainingSession:
    return TrainingSession.schedule(ctx(ADMIN), uuid4(), region="east", programme_id=uuid4(),
                                    trainer_id="rep-north-1", scheduled_on=DAY, attendees=attendees)


def east(*representatives: str, coordinator: bool = True) -> Region:
    region = Region.establish(ctx(ADMIN), "east", "East")
    if coordinator:
        region.appoint_coordinator(ctx(ADMIN), "coord-east", "Ed")
    for staff_id in representatives:
        region.add_representative(ctx(ADMIN), staff_id, "Eva")
    return region


class TestProgrammes:
    @pytest.mark.parametrize("actor", [COORDINATOR, MANAGER, ADMIN])
    def test_a_coordinator_manager_or_administrator_creates_a_programme(self, actor: Actor) -> None:
        assert programme(actor).modules == ("Billing disputes", "Outages")

    def test_a_representative_does_not_create_one(self) -> None:
        with pytest.raises(ProgrammeNeedsAuthority):
            programme(REP)

    def test_a_module_listed_twice_is_refused(self) -> None:
        with pytest.raises(InvalidValue, match="modules"):
            TrainingProgramme.create(ctx(ADMIN), uuid4(), "T", "D", ("A", "A"))

    def test_a_programme_without_modules_is_refused(self) -> None:
        with pytest.raises(InvalidValue, match="modules"):
            TrainingProgramme.create(ctx(ADMIN), uuid4(), "T", "D", ())

    def test_an_administrator_declares_a_trainer_once(self) -> None:
        taught = programme()
        taught.declare_trainer(ctx(ADMIN), "rep-north-1", "Mari")
        assert taught.trainers == {"rep-north-1": "Mari"}
        with pytest.raises(AlreadyTrainer):
            taught.declare_trainer(ctx(ADMIN), "rep-north-1", "Mari")

    def test_a_coordinator_does_not_declare_trainers(self) -> None:
        with pytest.raises(TrainerNeedsAdministrator):
            programme().declare_trainer(ctx(COORDINATOR), "rep-north-1", "Mari")


class TestSessions:
    def test_a_held_session_records_each_attendees_completion_once(self) -> None:
        given = session()
        given.hold(ctx(ADMIN), DAY)
        given.record_completion(ctx(ADMIN), "rep-east-1")
        assert (given.status, given.completed) == (SessionStatus.HELD, ("rep-east-1",))
        with pytest.raises(AlreadyCompleted):
            given.record_completion(ctx(ADMIN), "rep-east-1")

    def test_a_completion_before_the_session_is_held_is_refused(self) -> None:
        with pytest.raises(TransitionRefused):
            session().record_completion(ctx(ADMIN), "rep-east-1")

    def test_a_completion_of_someone_who_did_not_attend_is_refused(self) -> None:
        given = session()
        given.hold(ctx(ADMIN), DAY)
        with pytest.raises(NotAnAttendee):
            given.record_completion(ctx(ADMIN), "rep-east-9")

    def test_a_cancelled_session_is_not_held(self) -> None:
        given = session()
        given.cancel(ctx(ADMIN), "Trainer ill")
        with pytest.raises(TransitionRefused):
            given.hold(ctx(ADMIN), DAY)

    def test_an_attendee_is_added_before_the_session_is_held(self) -> None:
        given = session(("rep-east-1",))
        given.add_attendee(ctx(ADMIN), "rep-east-2")
        given.hold(ctx(ADMIN), DAY)
        with pytest.raises(TransitionRefused):
            given.add_attendee(ctx(ADMIN), "rep-east-3")
        assert given.attendees == ("rep-east-1", "rep-east-2")

    def test_the_trainer_does_not_attend_their_own_session(self) -> None:
        with pytest.raises(InvalidValue, match="attendees"):
            session(("rep-north-1",))

    def test_an_attendee_listed_twice_is_refused(self) -> None:
        with pytest.raises(InvalidValue, match="attendees"):
            session(("rep-east-1", "rep-east-1"))

    @pytest.mark.parametrize("actor", [REP, MANAGER])
    def test_only_a_coordinator_or_administrator_keeps_sessions(self, actor: Actor) -> None:
        with pytest.raises(SessionNeedsCoordinator):
            TrainingSession.schedule(ctx(actor), uuid4(), region="east", programme_id=uuid4(),
                                     trainer_id="rep-north-1", scheduled_on=DAY, attendees=("rep-east-1",))


class TestTrainingRecord:
    def test_a_programme_counts_once_whatever_the_sessions(self) -> None:
        first, second = session(), session()
        second.programme_id = first.programme_id
        record = TrainingRecord.open(ctx(ADMIN), "rep-east-1")
        record.complete(ctx(ADMIN), first)
        record.complete(ctx(ADMIN), second)
        assert record.completed == {first.programme_id: first.id} and record.version == 2

    def test_the_record_is_found_by_the_staff_id(self) -> None:
        assert TrainingRecord.open(ctx(ADMIN), "rep-east-1").id == TrainingRecord.id_for("rep-east-1")


class TestReadiness:
    def test_a_region_that_requires_no_training_is_ready_with_a_coordinator(self) -> None:
        assert east("rep-east-1").readiness({}).ready

    def test_a_region_without_a_coordinator_is_not_ready(self) -> None:
        readiness = east("rep-east-1", coordinator=False).readiness({})
        assert not readiness.ready and readiness.missing() == ["no coordinator appointed"]

    def test_every_current_representative_must_have_completed_the_required_programme(self) -> None:
        region, required = east("rep-east-1", "rep-east-2"), uuid4()
        region.require_training(ctx(ADMIN), required)
        readiness = region.readiness({"rep-east-1": {required}})
        assert readiness.untrained == {"rep-east-2": (required,)}
        assert readiness.missing({required: "Onboarding"}) == [
            f"rep-east-2 has not completed programme Onboarding ({required})"]
        assert region.readiness({"rep-east-1": {required}, "rep-east-2": {required, uuid4()}}).ready

    def test_a_representative_who_left_no_longer_counts(self) -> None:
        region, required = east("rep-east-1", "rep-east-2"), uuid4()
        region.require_training(ctx(ADMIN), required)
        region.remove_representative(ctx(ADMIN), "rep-east-2")
        assert region.readiness({"rep-east-1": {required}}).ready

    def test_a_programme_is_required_once_and_dropped_only_when_required(self) -> None:
        region, required = east(), uuid4()
        region.require_training(ctx(ADMIN), required)
        with pytest.raises(TrainingAlreadyRequired):
            region.require_training(ctx(ADMIN), required)
        region.drop_training_requirement(ctx(ADMIN), required)
        assert region.required_programmes == ()
        with pytest.raises(TrainingNotRequired):
            region.drop_training_requirement(ctx(ADMIN), required)

    def test_a_dropped_requirement_makes_the_region_ready_again(self) -> None:
        region, required = east("rep-east-1"), uuid4()
        region.require_training(ctx(ADMIN), required)
        assert not region.readiness({}).ready
        region.drop_training_requirement(ctx(ADMIN), required)
        assert region.readiness({}).ready


def test_a_training_record_survives_a_snapshot_with_its_programme_ids() -> None:
    record = TrainingRecord.open(ctx(ADMIN), "rep-east-1")
    record.complete(ctx(ADMIN), session())
    record.collect_events()  # a snapshot holds the state, not the events waiting to be saved
    again = TrainingRecord.model_validate(record.model_dump(mode="json"))
    assert again == record and all(isinstance(key, UUID) for key in again.completed)


class TestImpossibleDates:
    """Issue 15's outside try: a session is scheduled for today or later, held between its day and today."""

    def test_a_session_in_the_past_is_refused(self) -> None:
        with pytest.raises(InvalidValue, match="scheduled_on: 1900-01-01 is before today"):
            TrainingSession.schedule(ctx(COORDINATOR), uuid4(), region="north", programme_id=uuid4(),
                                     trainer_id="rep-north-1", scheduled_on=date(1900, 1, 1), attendees=("rep-x",))

    def test_a_session_is_held_between_its_day_and_today(self) -> None:
        later = TrainingSession.schedule(ctx(COORDINATOR), uuid4(), region="north", programme_id=uuid4(),
                                         trainer_id="rep-north-1", scheduled_on=TODAY + timedelta(days=7),
                                         attendees=("rep-x",))
        for day in (date(1900, 1, 1), TODAY, TODAY + timedelta(days=7)):
            with pytest.raises(InvalidValue, match="held_on"):
                later.hold(ctx(COORDINATOR), day)
        today = TrainingSession.schedule(ctx(COORDINATOR), uuid4(), region="north", programme_id=uuid4(),
                                         trainer_id="rep-north-1", scheduled_on=TODAY, attendees=("rep-x",))
        today.hold(ctx(COORDINATOR), TODAY)
        assert today.held_on == TODAY
