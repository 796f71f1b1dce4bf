"""Read models as they were at a past moment: every version of a row kept, and a reader that sees one moment.

"As of T" means: what the read models would hold if they had been built from only the events dated at or
before T (`occurred_at <= T`, T included). Times never decrease within a record (the ledger dates a command
no earlier than its record's last event), and every row of a historied table is written by the events of one
record, so a row's versions are dated in log order and "the last version dated at or before T" is exactly
the row that rebuild would give.

`Historied` wraps a projection: for every row its changes touch it adds one row to `<table>_history` per
event, holding the key, the event's log `position`, `valid_from` (the event's `occurred_at`), the whole row
after the event, and `removed` for a deleted row. It is written in the same transaction as the row itself,
so the history is exactly as complete as the read model. `AsOfReader` runs a read model's own queries with
each historied table shadowed by a common table expression of its versions valid at T, so the queries of
the dashboard, the queue and the common problems are the same live and as of a moment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from domain.event import DomainEvent
from projections.store import Change, Delete, Projection, Row, Table, Upsert, ViewReader, iso

__all__ = ["HISTORY_COLUMNS", "AsOfReader", "Historied", "history_of"]

HISTORY_COLUMNS = {"position": "INTEGER", "valid_from": "TEXT", "removed": "INTEGER"}
"""What a history row adds to the row: the event's log position and time, and whether the row was deleted."""
AS_OF = "history_as_of"
"""The parameter name the shadowing expressions use (not one a read model's own query would pick)."""


def history_of(table: Table) -> Table:
    """The history table of `table`: its columns and the history's, keyed by its key and the log position.
    It has the table's indexes (a query's conditions are pushed into the shadowing expression) and one on
    `valid_from`."""
    if clash := set(HISTORY_COLUMNS) & set(table.columns):
        raise ValueError(f"table {table.name} has columns {sorted(clash)} that its history needs for itself")
    return Table(f"{table.name}_history", {**table.columns, **HISTORY_COLUMNS}, key=(*table.key, "position"),
                 indexes=(*table.indexes, ("valid_from",)))


class Historied(Projection):
    """A projection whose tables also keep every version of their rows, for reads as of a past moment."""

    def __init__(self, inner: Projection) -> None:
        self.inner, self.name = inner, inner.name
        self.historied: dict[str, Table] = {table.name: table for table in inner.tables}
        self.tables = (*inner.tables, *(history_of(table) for table in inner.tables))

    def changes(self, event: DomainEvent, position: int, view: ViewReader) -> list[Change]:
        changes = self.inner.changes(event, position, view)
        return [*changes, *self.versions(changes, event, position, view)]

    def stale(self, view: ViewReader) -> bool:
        """Rows without any history: read models built before their history was kept (an upgrade)."""
        return any(view.select(f"SELECT 1 AS found FROM {name} LIMIT 1")
                   and not view.select(f"SELECT 1 AS found FROM {name}_history LIMIT 1") for name in self.historied)

    def versions(self, changes: Sequence[Change], event: DomainEvent, position: int,
                 view: ViewReader) -> list[Change]:
        """One history row per row the changes touch: the row after all of them (several changes to one row
        in one event make one version), read from the view as it was before the event."""
        after: dict[tuple[str, tuple[Any, ...]], Row | None] = {}
        for change in changes:
            table = self.historied.get(change.table)
            if table is None:
                continue
            ident = (table.name, tuple(change.key[name] for name in table.key))
            if ident not in after:
                after[ident] = view.get(table.name, dict(zip(table.key, ident[1], strict=True)))
            if isinstance(change, Delete):
                after[ident] = None
            else:
                after[ident] = {**(after[ident] or _blank(table)), **change.values}
        moment = iso(event.occurred_at)
        history: list[Change] = []
        for (name, key_values), row in after.items():
            table = self.historied[name]
            values = {column: (row or {}).get(column) for column in table.columns if column not in table.key}
            history.append(Upsert(f"{name}_history", {**dict(zip(table.key, key_values, strict=True)),
                                                      "position": position},
                                  {**values, "valid_from": moment, "removed": int(row is None)}))
        return history


def _blank(table: Table) -> Row:
    return dict.fromkeys(table.columns)


class AsOfReader:
    """A `ViewReader` that answers as of `moment`: each historied table a query names is replaced, for that
    query, by its rows' last versions dated at or before the moment that are not deletions.

    Its cost grows with the versions of the rows the query's own conditions select (they are pushed into
    the shadowing expression and its indexes), never with the log: no event is read or decoded."""

    def __init__(self, view: ViewReader, moment: datetime, tables: Iterable[Table]) -> None:
        self.view, self.moment = view, iso(moment)
        self.tables = {table.name: table for table in tables}
        self._names = {name: re.compile(rf"\b{re.escape(name)}\b") for name in self.tables}

    def get(self, table: str, key: Mapping[str, Any]) -> Row | None:
        condition = " AND ".join(f"{name} = :key_{name}" for name in key)
        rows = self.select(f"SELECT * FROM {table} WHERE {condition}", {f"key_{k}": v for k, v in key.items()})
        return rows[0] if rows else None

    def select(self, sql: str, params: Mapping[str, Any] | Sequence[Any] = ()) -> list[Row]:
        if not isinstance(params, Mapping):
            if params:
                raise TypeError("a query as of a moment takes named parameters")
            params = {}
        shadows = [self._shadow(self.tables[name]) for name, pattern in self._names.items() if pattern.search(sql)]
        if not shadows:
            return self.view.select(sql, params)
        head, rest = re.match(r"\s*(WITH\s+)?(.*)", sql, re.IGNORECASE | re.DOTALL).groups()  # type: ignore[union-attr]
        joined = ", ".join(shadows) + (", " if head else " ")
        return self.view.select(f"WITH {joined}{rest}", {**params, AS_OF: self.moment})

    @staticmethod
    def _shadow(table: Table) -> str:
        same_row = " AND ".join(f"n.{name} = h.{name}" for name in table.key)
        return (f"{table.name} AS NOT MATERIALIZED (SELECT {', '.join(f'h.{c}' for c in table.columns)} "
                f"FROM {table.name}_history h WHERE h.valid_from <= :{AS_OF} AND h.removed = 0 AND NOT EXISTS "
                f"(SELECT 1 FROM {table.name}_history n WHERE {same_row} AND n.position > h.position "
                f"AND n.valid_from <= :{AS_OF}))")
