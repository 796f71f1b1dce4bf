"""Snapshots: a record's whole state at a version, so long histories load without replaying from the start.

A snapshot is derived data, never history: it is rebuilt from events whenever in doubt, and
`audit verify` checks each one against the events it summarises.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict

from domain.aggregate import Aggregate, aggregate_class

__all__ = ["Snapshot"]


class Snapshot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type_name: ClassVar[str] = "Snapshot"
    class_version: ClassVar[int] = 1

    originator_id: UUID
    originator_version: int
    occurred_at: AwareDatetime
    aggregate_type: str
    state: dict[str, Any]

    @classmethod
    def take(cls, aggregate: Aggregate) -> Self:
        return cls(
            originator_id=aggregate.id,
            originator_version=aggregate.version,
            occurred_at=aggregate.modified_at,
            aggregate_type=aggregate.aggregate_type,
            state=aggregate.model_dump(mode="json"),
        )

    def mutate(self, aggregate: Aggregate | None) -> Aggregate:
        """The `eventsourcing` projector protocol: a snapshot starts a record afresh."""
        return aggregate_class(self.aggregate_type).model_validate(self.state)
