"""The base of the aggregates: commands record events; events, and only events, change state."""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime
from typing import Any, ClassVar, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from domain.errors import InvalidValue, TransitionRefused
from domain.event import DomainEvent, register_creation
from domain.values import Context

__all__ = ["Aggregate", "aggregate_class"]

_KINDS: dict[str, type[Aggregate]] = {}


class Aggregate(BaseModel):
    """State rebuilt from events. Subclasses declare their creation event and implement `when`.

    Command methods check their rules and raise a domain error, or call `_record`, which builds the
    event (validating its fields), applies it and queues it for saving. The same `when` runs live
    and on replay, so a reloaded aggregate always equals the live one.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    aggregate_type: ClassVar[str]
    creation_event: ClassVar[type[DomainEvent]]

    id: UUID
    version: int
    created_at: datetime
    modified_at: datetime

    _pending: list[DomainEvent] = PrivateAttr(default_factory=list)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register_creation(cls.creation_event, cls)
        _KINDS[cls.aggregate_type] = cls

    @classmethod
    @abstractmethod
    def created_by(cls, event: Any) -> Self:
        """Build the initial state from the creation event."""

    @abstractmethod
    def when(self, event: Any) -> None:
        """Change state by one event (no checks: events are facts)."""

    def apply(self, event: DomainEvent) -> None:
        if event.originator_version != self.version + 1:
            raise ValueError(
                f"{self.aggregate_type} {self.id}: event version {event.originator_version} "
                f"does not follow version {self.version}"
            )
        self.when(event)
        self.version = event.originator_version
        self.modified_at = event.occurred_at

    @classmethod
    def _create(cls, ctx: Context, aggregate_id: UUID, **fields: Any) -> Self:
        event = _build(cls.creation_event, ctx, aggregate_id, 1, fields)
        aggregate = cls.created_by(event)
        aggregate._pending.append(event)
        return aggregate

    def _record(self, event_type: type[DomainEvent], ctx: Context, **fields: Any) -> None:
        """Record an event, dated no earlier than the record's last one (a context with a fixed time
        in the past cannot make the record's history go backwards)."""
        event = _build(event_type, ctx, self.id, self.version + 1, fields, not_before=self.modified_at)
        self.apply(event)
        self._pending.append(event)

    def _refuse(self, command: str, status: str, allowed: tuple[str, ...]) -> TransitionRefused:
        return TransitionRefused(self.aggregate_type, self.id, command, status, allowed)

    def collect_events(self) -> list[DomainEvent]:
        """Hand the pending events to the application for saving (the `eventsourcing` protocol)."""
        events, self._pending = self._pending, []
        return events

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        return tuple(self._pending)

    def timers(self) -> dict[str, datetime]:
        """The timers this record wants set now, purpose -> due time (domain/timer.py); none by default.
        A timer that fired is no longer wanted because its command changed the state it was read from."""
        return {}


def _build(
    event_type: type[DomainEvent], ctx: Context, aggregate_id: UUID, version: int, fields: dict[str, Any],
    not_before: datetime | None = None,
) -> DomainEvent:
    now = ctx.now
    try:
        return event_type(
            originator_id=aggregate_id,
            originator_version=version,
            occurred_at=now if not_before is None else max(now, not_before),
            actor=ctx.actor,
            correlation_id=ctx.correlation_id,
            causation_id=ctx.causation_id,
            **fields,
        )
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or event_type.__name__
        raise InvalidValue(field, first["msg"]) from None


def aggregate_class(aggregate_type: str) -> type[Aggregate]:
    """The aggregate class for a kind of record (`case`, `provider`, `contract`, `region`)."""
    return _KINDS[aggregate_type]
