"""Coaching and training over the command service, on both backends: the rules that reach across records (the
contact a review names, the trainer's completions, a region's readiness when a case is opened)."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.application import CaseLedger
from domain.casework.case_events import Channel, Direction
from domain.development.coaching import CoachingStatus
from domain.development.training import TrainingRecord
from domain.errors import (
    CoachingNeedsCoordinator,
    ContactNotReviewable,
    NotOnStaff,
    ProgrammeNeedsAuthority,
    RegionNotReady,
    StaffNotInRegion,
    TrainerNotExperienced,
)
from domain.values import Actor, Role
from tests.factories import ADMIN, COORDINATOR, REP, TODAY

MANAGER = Actor(id="mgr-1", role=Role.MANAGER)
SOUTH_COORDINATOR = Actor(id="coord-south", role=Role.COORDINATOR)
EAST_COORDINATOR = Actor(id="coord-east", role=Role.COORDINATOR)
DAY = TODAY  # a session is held on or after its day and not after today


def contact(ledger: CaseLedger, actor: Actor = REP, region: str = "north") -> tuple[UUID, int]:
    """A case with one logged contact: (case id, the version that logged it)."""
    case = ledger.open_case(ledger.context(actor), region=region, channel=Channel.PHONE, customer_ref="cust-1",
                            subject="Charged twice", description="Same charge twice")
    logged = ledger.log_contact(ledger.context(actor), case.id, Direction.OUTBOUND, Channel.PHONE, "Explained the bill")
    return case.id, logged.version


def review(ledger: CaseLedger, case_id: UUID, version: int, actor: Actor = COORDINATOR) -> UUID:
    return ledger.review_interaction(ledger.context(actor), case_id=case_id, contact_version=version, rating=3,
                                     went_well="Calm", to_improve="Offer the refund", follow_up_on=DAY).id


def programme(ledger: CaseLedger, actor: Actor = ADMIN) -> UUID:
    return ledger.create_training_programme(ledger.context(actor), title="Onboarding", description="Basics",
                                            modules=["Billing", "Outages"]).id


def new_region(ledger: CaseLedger, coordinator: bool = True) -> None:
    ledger.establish_region(ledger.context(ADMIN), "east", "East")
    if coordinator:
        ledger.appoint_coordinator(ledger.context(ADMIN), "east", "coord-east", "Ed Kask")
    for n in (1, 2):
        ledger.add_representative(ledger.context(ADMIN), "east", f"rep-east-{n}", "Eva Saar")


def train(ledger: CaseLedger, programme_id: UUID, region: str, trainer: str, *attendees: str,
          actor: Actor = ADMIN) -> UUID:
    session = ledger.schedule_training_session(ledger.context(actor), region=region, programme_id=programme_id,
                                               trainer_id=trainer, scheduled_on=DAY, attendees=list(attendees)).id
    ledger.hold_training_session(ledger.context(actor), session, DAY)
    for staff_id in attendees:
        ledger.record_training_completion(ledger.context(actor), session, staff_id)
    return session


class TestCoaching:
    def test_a_coordinator_reviews_a_representatives_contact_and_follows_it_up(self, ledger: CaseLedger) -> None:
        case_id, version = contact(ledger)
        review_id = review(ledger, case_id, version)
        coached = ledger.coaching_review(review_id)
        assert (coached.region, coached.representative_id, coached.contact_version) == ("north", "rep-north-1", version)
        ledger.follow_up_coaching(ledger.context(COORDINATOR), review_id, "Refund offered at once now")
        assert ledger.coaching_review(review_id).status is CoachingStatus.FOLLOWED_UP

    def test_a_version_that_is_not_a_logged_contact_is_refused(self, ledger: CaseLedger) -> None:
        case_id, _ = contact(ledger)
        with pytest.raises(ContactNotReviewable, match="not a logged contact"):
            review(ledger, case_id, 1)

    def test_another_regions_case_is_refused_in_the_words_a_missing_one_is(self, ledger: CaseLedger) -> None:
        case_id, version = contact(ledger)
        with pytest.raises(ContactNotReviewable, match="no such case in your region") as foreign:
            review(ledger, case_id, version, SOUTH_COORDINATOR)
        with pytest.raises(ContactNotReviewable) as missing:
            review(ledger, UUID(int=7), version, SOUTH_COORDINATOR)
        assert str(foreign.value).replace(str(case_id), "X") == str(missing.value).replace(str(UUID(int=7)), "X")

    def test_a_contact_logged_by_the_coordinator_is_not_a_representatives(self, ledger: CaseLedger) -> None:
        case_id, version = contact(ledger, COORDINATOR)
        with pytest.raises(ContactNotReviewable, match="not a current representative"):
            review(ledger, case_id, version)

    def test_a_representative_does_not_review_a_colleague(self, ledger: CaseLedger) -> None:
        case_id, version = contact(ledger)
        with pytest.raises(CoachingNeedsCoordinator):
            review(ledger, case_id, version, Actor(id="rep-north-2", role=Role.REPRESENTATIVE))

    def test_a_replaced_coordinator_no_longer_coaches(self, ledger: CaseLedger) -> None:
        case_id, version = contact(ledger)
        ledger.appoint_coordinator(ledger.context(ADMIN), "north", "coord-north-2", "Ivo")
        with pytest.raises(ContactNotReviewable):
            review(ledger, case_id, version)


class TestProgrammes:
    @pytest.mark.parametrize("actor", [ADMIN, MANAGER, COORDINATOR])
    def test_a_programme_is_created_by_an_administrator_manager_or_coordinator(self, ledger: CaseLedger,
                                                                             actor: Actor) -> None:
        assert ledger.training_programme(programme(ledger, actor)).title == "Onboarding"

    def test_a_coordinator_on_no_staff_is_refused(self, ledger: CaseLedger) -> None:
        with pytest.raises(NotOnStaff):
            programme(ledger, Actor(id="coord-nowhere", role=Role.COORDINATOR))

    def test_a_representative_is_refused(self, ledger: CaseLedger) -> None:
        with pytest.raises(ProgrammeNeedsAuthority):
            programme(ledger, REP)


class TestSessions:
    def test_a_trainer_who_never_completed_the_programme_is_refused(self, ledger: CaseLedger) -> None:
        new_region(ledger)
        with pytest.raises(TrainerNotExperienced, match="not completed"):
            train(ledger, programme(ledger), "east", "rep-north-1", "rep-east-1")

    def test_a_declared_trainer_trains_and_the_trained_become_trainers(self, ledger: CaseLedger) -> None:
        new_region(ledger)
        taught = programme(ledger)
        ledger.declare_trainer(ledger.context(ADMIN), taught, "rep-north-1", "Mari Tamm")
        train(ledger, taught, "east", "rep-north-1", "rep-east-1", actor=EAST_COORDINATOR)
        record = ledger.get(TrainingRecord, TrainingRecord.id_for("rep-east-1"))
        assert record.has_completed(taught)
        # rep-east-1 completed it and is on a region's staff: experienced enough to train others
        train(ledger, taught, "north", "rep-east-1", "rep-north-2")

    def test_a_trained_representative_who_left_every_staff_does_not_train(self, ledger: CaseLedger) -> None:
        new_region(ledger)
        taught = programme(ledger)
        ledger.declare_trainer(ledger.context(ADMIN), taught, "rep-north-1", "Mari Tamm")
        train(ledger, taught, "east", "rep-north-1", "rep-east-1")
        ledger.remove_representative(ledger.context(ADMIN), "east", "rep-east-1")
        with pytest.raises(TrainerNotExperienced, match="no region's representative"):
            train(ledger, taught, "north", "rep-east-1", "rep-north-2")

    def test_attendees_are_representatives_of_the_trained_region(self, ledger: CaseLedger) -> None:
        new_region(ledger)
        taught = programme(ledger)
        ledger.declare_trainer(ledger.context(ADMIN), taught, "rep-north-1", "Mari Tamm")
        with pytest.raises(StaffNotInRegion):
            train(ledger, taught, "east", "rep-north-1", "rep-south-1")

    def test_another_regions_coordinator_does_not_keep_the_session(self, ledger: CaseLedger) -> None:
        new_region(ledger)
        taught = programme(ledger)
        ledger.declare_trainer(ledger.context(ADMIN), taught, "rep-north-1", "Mari Tamm")
        with pytest.raises(NotOnStaff):
            train(ledger, taught, "east", "rep-north-1", "rep-east-1", actor=COORDINATOR)


class TestReadiness:
    def test_the_staffed_regions_take_cases_as_before(self, ledger: CaseLedger) -> None:
        assert ledger.readiness("north").ready
        contact(ledger)

    def test_a_region_without_a_coordinator_takes_no_cases(self, ledger: CaseLedger) -> None:
        new_region(ledger, coordinator=False)
        with pytest.raises(RegionNotReady, match="region east is not ready to take cases: no coordinator appointed"):
            contact(ledger, ADMIN, "east")

    def test_a_region_that_requires_training_takes_cases_once_every_representative_completed_it(
            self, ledger: CaseLedger) -> None:
        new_region(ledger)
        taught = programme(ledger)
        ledger.require_training(ledger.context(ADMIN), "east", taught)
        ledger.declare_trainer(ledger.context(ADMIN), taught, "rep-north-1", "Mari Tamm")
        train(ledger, taught, "east", "rep-north-1", "rep-east-1")
        with pytest.raises(RegionNotReady, match=f"rep-east-2 has not completed programme Onboarding \\({taught}\\)"):
            contact(ledger, EAST_COORDINATOR, "east")
        train(ledger, taught, "east", "rep-north-1", "rep-east-2")
        assert ledger.readiness("east").ready
        contact(ledger, EAST_COORDINATOR, "east")

    def test_a_new_representative_must_be_trained_too(self, ledger: CaseLedger) -> None:
        new_region(ledger)
        taught = programme(ledger)
        ledger.require_training(ledger.context(ADMIN), "east", taught)
        ledger.declare_trainer(ledger.context(ADMIN), taught, "rep-north-1", "Mari Tamm")
        train(ledger, taught, "east", "rep-north-1", "rep-east-1", "rep-east-2")
        ledger.add_representative(ledger.context(ADMIN), "east", "rep-east-3", "Uku")
        assert ledger.readiness("east").untrained == {"rep-east-3": (taught,)}

    def test_only_an_administrator_requires_training(self, ledger: CaseLedger) -> None:
        new_region(ledger)
        with pytest.raises(NotOnStaff):
            ledger.require_training(ledger.context(EAST_COORDINATOR), "east", programme(ledger))
