"""The base of every domain event: what happened, to which record, by whom, when, and why."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID, uuid5

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from domain.errors import InvalidValue
from domain.values import NO_NUL, STORED_FACTS, Actor

if TYPE_CHECKING:
    from domain.aggregate import Aggregate

__all__ = ["EVENT_ID_NAMESPACE", "DomainEvent", "event_types"]

EVENT_ID_NAMESPACE = UUID("5b0b3c8e-6f0e-4f43-9d3a-0c6f3d9b8a11")
"""Namespace of the deterministic event id, so consumers can deduplicate by id."""

_REGISTRY: dict[str, type[DomainEvent]] = {}
_CREATES: dict[type[DomainEvent], type[Aggregate]] = {}


class DomainEvent(BaseModel):
    """A fact recorded by an aggregate. Frozen: history is never edited, only appended to.

    `type_name` is the stable name stored with the event and published to integrators; it never
    changes when the Python class moves. A changed shape raises `class_version` and adds an
    `upcast_vN_vM(state)` static method, so old stored events are upcast on read, never rewritten.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type_name: ClassVar[str]
    class_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str]

    originator_id: UUID
    originator_version: int = Field(ge=1)
    occurred_at: AwareDatetime
    actor: Actor
    correlation_id: UUID
    causation_id: UUID | None = None

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if abstract:
            return
        cls.type_name = cls.__name__
        if cls.type_name in _REGISTRY:
            raise TypeError(f"event type name {cls.type_name!r} is defined twice")
        _REGISTRY[cls.type_name] = cls

    @model_validator(mode="after")
    def _no_nul_anywhere(self, info: ValidationInfo) -> DomainEvent:
        """Every text of a new event, however it is typed, is free of NUL: PostgreSQL cannot store one, so
        the rule holds on every backend and for every way in (the text types refuse it first). Stored
        events are read as they are (`STORED_FACTS`)."""
        if info.context != STORED_FACTS and (path := _nul_path(dict(self))) is not None:
            raise InvalidValue(path, "contains a NUL character (U+0000), which no stored text can hold")
        return self

    @property
    def event_id(self) -> UUID:
        """Deterministic from aggregate id and version: the same event always has the same id."""
        return uuid5(EVENT_ID_NAMESPACE, f"{self.originator_id}:{self.originator_version}")

    @property
    def timestamp(self) -> datetime:
        return self.occurred_at

    def mutate(self, aggregate: Aggregate | None) -> Aggregate:
        """Evolve an aggregate by this event (the `eventsourcing` projector protocol)."""
        if aggregate is None:
            return _CREATES[type(self)].created_by(self)
        aggregate.apply(self)
        return aggregate


def _nul_path(value: object, path: str = "") -> str | None:
    """The dotted path of the first text (or key) holding a NUL character, if any."""
    if isinstance(value, str):
        return path if NO_NUL in value else None
    if isinstance(value, BaseModel):
        value = dict(value)
    if isinstance(value, dict):
        items: list[tuple[object, object]] = list(value.items())
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(enumerate(value))
    else:
        return None
    for key, item in items:
        here = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and NO_NUL in key:
            return here
        if (found := _nul_path(item, here)) is not None:
            return found
    return None


def register_creation(event_type: type[DomainEvent], aggregate_type: type[Aggregate]) -> None:
    _CREATES[event_type] = aggregate_type


def event_types() -> dict[str, type[DomainEvent]]:
    """Every concrete event type by its stable name, in the order they are defined (lifecycle order)."""
    return dict(_REGISTRY)
