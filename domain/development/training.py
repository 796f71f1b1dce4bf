"""Training for new regions: programmes, the sessions that teach them, and each person's completions.

- A **programme** (`TrainingProgramme`) is network-level: no region owns it. A coordinator, a manager or an
  administrator creates it, with its modules; an administrator may declare trainers for it (people who teach
  it without having completed it in a session: the first trainer of a programme has nobody to learn from).
- A **session** (`TrainingSession`) belongs to the region being trained (its `region`): the region's
  coordinator or an administrator schedules it for representatives of that region, with a trainer from
  any region (checked by the command service: a representative on a region's staff who has completed the
  programme, or a declared trainer), records that it was held, and then each attendee's completion.
- A person's **training record** (`TrainingRecord`, found by their staff id) lists the programmes they
  completed. It is saved in the same transaction as the session's completion, so whether someone is trained
  is read exactly from the event store when a case is opened, never from a read model that may lag.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID, uuid5

from pydantic import Field

from domain.aggregate import Aggregate
from domain.errors import (
    AlreadyCompleted,
    AlreadyTrainer,
    InvalidValue,
    NotAnAttendee,
    ProgrammeNeedsAuthority,
    SessionNeedsCoordinator,
    TrainerNeedsAdministrator,
)
from domain.event import DomainEvent
from domain.values import Code, Context, InCalendar, Role, ShortText, Text

__all__ = [
    "PROGRAMME_AUTHORS",
    "SESSION_KEEPERS",
    "AttendeeAdded",
    "ProgrammeCompleted",
    "ProgrammeCreated",
    "SessionCancelled",
    "SessionHeld",
    "SessionScheduled",
    "SessionStatus",
    "TrainerDeclared",
    "TrainingCompleted",
    "TrainingEvent",
    "TrainingProgramme",
    "TrainingRecord",
    "TrainingRecordOpened",
    "TrainingSession",
]

TRAINING_RECORD_NAMESPACE = UUID("c2a4e7f1-5b39-4d8a-8e61-9f0d3b7a2c54")

PROGRAMME_AUTHORS = (Role.COORDINATOR, Role.MANAGER, Role.ADMIN, Role.SYSTEM)
"""Who creates a programme: it is network-level, so any coordinator, a manager or an administrator."""

SESSION_KEEPERS = (Role.COORDINATOR, Role.ADMIN, Role.SYSTEM)
"""Who schedules, holds, cancels a session and records completions: the trained region's coordinator (the
staff rule makes it that region's current one) or an administrator."""

Modules = Annotated[tuple[ShortText, ...], Field(min_length=1, max_length=50)]
Attendees = Annotated[tuple[Code, ...], Field(min_length=1, max_length=200)]


class TrainingEvent(DomainEvent, abstract=True):
    aggregate_type = "training"


class ProgrammeCreated(TrainingEvent):
    """A training programme, with its modules, for every region of the network."""

    title: ShortText
    description: Text
    modules: Modules


class TrainerDeclared(TrainingEvent):
    """An administrator declared someone a trainer of the programme (without a completion of their own)."""

    staff_id: Code
    name: ShortText


class SessionScheduled(TrainingEvent):
    """A session of a programme for representatives of a region, given by a trainer."""

    region: Code
    programme_id: UUID
    trainer_id: Code
    scheduled_on: Annotated[date, InCalendar]
    attendees: Attendees


class AttendeeAdded(TrainingEvent):
    staff_id: Code


class SessionHeld(TrainingEvent):
    held_on: Annotated[date, InCalendar]


class SessionCancelled(TrainingEvent):
    reason: ShortText


class TrainingCompleted(TrainingEvent):
    """An attendee completed the session's programme."""

    staff_id: Code


class TrainingRecordOpened(TrainingEvent):
    """A person's training record is opened (at their first completion)."""

    staff_id: Code


class ProgrammeCompleted(TrainingEvent):
    """The person completed the programme, in this session of this region."""

    programme_id: UUID
    session_id: UUID
    region: Code


class TrainingProgramme(Aggregate):
    aggregate_type = "training-programme"
    creation_event = ProgrammeCreated

    title: str
    description: str
    modules: tuple[str, ...]
    trainers: dict[str, str] = Field(default_factory=dict)
    """Declared trainers: staff id -> name."""

    @classmethod
    def create(cls, ctx: Context, programme_id: UUID, title: str, description: str, modules: tuple[str, ...]
               ) -> Self:
        if ctx.actor.role not in PROGRAMME_AUTHORS:
            raise ProgrammeNeedsAuthority(ctx.actor.id, ctx.actor.role)
        if len(set(modules)) != len(modules):
            raise InvalidValue("modules", "each module is listed once")
        return cls._create(ctx, programme_id, title=title, description=description, modules=tuple(modules))

    def declare_trainer(self, ctx: Context, staff_id: str, name: str) -> None:
        if ctx.actor.role not in (Role.ADMIN, Role.SYSTEM):
            raise TrainerNeedsAdministrator(ctx.actor.id, ctx.actor.role)
        if staff_id in self.trainers:
            raise AlreadyTrainer(staff_id, self.title)
        self._record(TrainerDeclared, ctx, staff_id=staff_id, name=name)

    @classmethod
    def created_by(cls, event: ProgrammeCreated) -> Self:
        return cls(id=event.originator_id, version=1, created_at=event.occurred_at, modified_at=event.occurred_at,
                   title=event.title, description=event.description, modules=event.modules)

    def when(self, event: TrainingEvent) -> None:
        match event:
            case TrainerDeclared(staff_id=staff_id, name=name):
                self.trainers = {**self.trainers, staff_id: name}


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class TrainingSession(Aggregate):
    aggregate_type = "training-session"
    creation_event = SessionScheduled

    region: str
    programme_id: UUID
    trainer_id: str
    scheduled_on: date
    attendees: tuple[str, ...]
    status: SessionStatus = SessionStatus.SCHEDULED
    held_on: date | None = None
    cancel_reason: str | None = None
    completed: tuple[str, ...] = ()

    @classmethod
    def schedule(cls, ctx: Context, session_id: UUID, *, region: str, programme_id: UUID, trainer_id: str,
                 scheduled_on: date, attendees: tuple[str, ...]) -> Self:
        """The command service checks that the attendees are the region's representatives and the trainer is
        experienced; the session checks the rest."""
        _keeper(ctx, region)
        if len(set(attendees)) != len(attendees):
            raise InvalidValue("attendees", "each attendee is listed once")
        if trainer_id in attendees:
            raise InvalidValue("attendees", f"the trainer {trainer_id} does not attend their own session")
        if scheduled_on < ctx.now.date():
            raise InvalidValue("scheduled_on", f"{scheduled_on} is before today ({ctx.now.date()}, UTC): a session is "
                               "scheduled for today or later")
        return cls._create(ctx, session_id, region=region, programme_id=programme_id, trainer_id=trainer_id,
                           scheduled_on=scheduled_on, attendees=tuple(attendees))

    def add_attendee(self, ctx: Context, staff_id: str) -> None:
        _keeper(ctx, self.region)
        if self.status is not SessionStatus.SCHEDULED:
            raise self._refuse("add an attendee to", self.status, (SessionStatus.SCHEDULED,))
        if staff_id in self.attendees or staff_id == self.trainer_id:
            raise InvalidValue("staff_id", f"{staff_id} is already in session {self.id}")
        self._record(AttendeeAdded, ctx, staff_id=staff_id)

    def hold(self, ctx: Context, held_on: date) -> None:
        _keeper(ctx, self.region)
        if self.status is not SessionStatus.SCHEDULED:
            raise self._refuse("hold", self.status, (SessionStatus.SCHEDULED,))
        if not self.scheduled_on <= held_on <= ctx.now.date():
            raise InvalidValue("held_on", f"{held_on} is not between the session's scheduled day ({self.scheduled_on}) "
                               f"and today ({ctx.now.date()}, UTC): a session is held on or after its day, not later "
                               "than today")
        self._record(SessionHeld, ctx, held_on=held_on)

    def cancel(self, ctx: Context, reason: str) -> None:
        _keeper(ctx, self.region)
        if self.status is not SessionStatus.SCHEDULED:
            raise self._refuse("cancel", self.status, (SessionStatus.SCHEDULED,))
        self._record(SessionCancelled, ctx, reason=reason)

    def record_completion(self, ctx: Context, staff_id: str) -> None:
        """An attendee of a held session completed it, once."""
        _keeper(ctx, self.region)
        if self.status is not SessionStatus.HELD:
            raise self._refuse("record a completion of", self.status, (SessionStatus.HELD,))
        if staff_id not in self.attendees:
            raise NotAnAttendee(self.id, staff_id)
        if staff_id in self.completed:
            raise AlreadyCompleted(staff_id, self.id)
        self._record(TrainingCompleted, ctx, staff_id=staff_id)

    @classmethod
    def created_by(cls, event: SessionScheduled) -> Self:
        return cls(id=event.originator_id, version=1, created_at=event.occurred_at, modified_at=event.occurred_at,
                   region=event.region, programme_id=event.programme_id, trainer_id=event.trainer_id,
                   scheduled_on=event.scheduled_on, attendees=event.attendees)

    def when(self, event: TrainingEvent) -> None:
        match event:
            case AttendeeAdded(staff_id=staff_id):
                self.attendees = (*self.attendees, staff_id)
            case SessionHeld(held_on=held_on):
                self.status, self.held_on = SessionStatus.HELD, held_on
            case SessionCancelled(reason=reason):
                self.status, self.cancel_reason = SessionStatus.CANCELLED, reason
            case TrainingCompleted(staff_id=staff_id):
                self.completed = (*self.completed, staff_id)


class TrainingRecord(Aggregate):
    aggregate_type = "training-record"
    creation_event = TrainingRecordOpened

    staff_id: str
    completed: dict[UUID, UUID] = Field(default_factory=dict)
    """Programme id -> the session in which it was completed (the first)."""

    @staticmethod
    def id_for(staff_id: str) -> UUID:
        """A person's training record is found by their staff id."""
        return uuid5(TRAINING_RECORD_NAMESPACE, staff_id)

    @classmethod
    def open(cls, ctx: Context, staff_id: str) -> Self:
        return cls._create(ctx, cls.id_for(staff_id), staff_id=staff_id)

    def complete(self, ctx: Context, session: TrainingSession) -> None:
        """Nothing to record when the programme is already completed (in another session)."""
        if session.programme_id not in self.completed:
            self._record(ProgrammeCompleted, ctx, programme_id=session.programme_id, session_id=session.id,
                         region=session.region)

    def has_completed(self, programme_id: UUID) -> bool:
        return programme_id in self.completed

    @classmethod
    def created_by(cls, event: TrainingRecordOpened) -> Self:
        return cls(id=event.originator_id, version=1, created_at=event.occurred_at, modified_at=event.occurred_at,
                   staff_id=event.staff_id)

    def when(self, event: TrainingEvent) -> None:
        match event:
            case ProgrammeCompleted(programme_id=programme_id, session_id=session_id):
                self.completed = {**self.completed, programme_id: session_id}


def _keeper(ctx: Context, region: str) -> None:
    if ctx.actor.role not in SESSION_KEEPERS:
        raise SessionNeedsCoordinator(ctx.actor.id, ctx.actor.role, region)
