"""The small store interface every read model is written against, and the time format it stores.

A projection is a pure mapping: given an event, its log position and read access to the view,
it returns the changes to make. The store (SQLite now, PostgreSQL later) applies them, in the
same transaction as the projection's new position.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from domain.event import DomainEvent

__all__ = ["Change", "Delete", "Projection", "Row", "Table", "Upsert", "ViewReader", "iso", "iso_date", "where"]

Row = dict[str, Any]


@dataclass(frozen=True)
class Table:
    """A read-model table in portable terms: column types are TEXT, INTEGER or REAL."""

    name: str
    columns: Mapping[str, str]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Upsert:
    """Insert the row, or update just `values` on the row with this key."""

    table: str
    key: Mapping[str, Any]
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Delete:
    table: str
    key: Mapping[str, Any]


Change = Upsert | Delete


class ViewReader(Protocol):
    """Read access to the views, inside the transaction that will apply the changes."""

    def get(self, table: str, key: Mapping[str, Any]) -> Row | None: ...

    def select(self, sql: str, params: Mapping[str, Any] | Sequence[Any] = ()) -> list[Row]: ...


class Projection(ABC):
    """A read model: its tables and its mapping from events to changes."""

    name: str
    tables: tuple[Table, ...]

    @abstractmethod
    def changes(self, event: DomainEvent, position: int, view: ViewReader) -> list[Change]:
        """The changes this event makes; an event the projection ignores returns none."""

    def stale(self, view: ViewReader) -> bool:
        """Whether the rows built so far lack something a newer release keeps (a history begun after its
        rows were built): the runner then builds this read model again from the start of the log."""
        return False


def where(conditions: Mapping[str, tuple[str, Any]]) -> tuple[str, dict[str, Any]]:
    """A WHERE clause from `{param: (condition, value)}`, keeping only the conditions whose value is
    given, so every query the planner sees can use its index."""
    used = {name: (condition, value) for name, (condition, value) in conditions.items() if value is not None}
    sql = " AND ".join(condition for condition, _ in used.values())
    return (f" WHERE {sql}" if sql else ""), {name: value for name, (_, value) in used.items()}


def iso(moment: datetime | None) -> str | None:
    """Times are stored as UTC ISO-8601 text of fixed width, so text order is time order."""
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="microseconds")


def iso_date(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
