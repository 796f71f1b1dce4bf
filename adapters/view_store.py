"""The read models' SQLite store: view tables and each projection's position, changed together.

It extends the `eventsourcing` library's SQLite tracking recorder, whose single-row tracking only
ever moves a position forward: two runners can never both apply the same events.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore, SQLiteTrackingRecorder

from projections.store import Change, Projection, Row, Table, Upsert

__all__ = ["SQLiteViewStore", "ViewTransaction"]

FAILURES = ("CREATE TABLE IF NOT EXISTS projection_failures (name TEXT PRIMARY KEY, position INTEGER NOT NULL, "
            "record_id TEXT, error TEXT NOT NULL)")


class ViewTransaction:
    """Reads and changes inside one transaction: a projection's `ViewReader`, and what the runner applies."""

    def __init__(self, cursor: SQLiteCursor, store: SQLiteViewStore) -> None:
        self.cursor = cursor
        self.store = store

    def get(self, table: str, key: Mapping[str, Any]) -> Row | None:
        condition = " AND ".join(f"{name} = ?" for name in key)
        self.cursor.execute(f"SELECT * FROM {table} WHERE {condition}", tuple(key.values()))
        row = self.cursor.fetchone()
        return None if row is None else dict(row)

    def select(self, sql: str, params: Mapping[str, Any] | Sequence[Any] = ()) -> list[Row]:
        self.cursor.execute(sql, params)
        return [dict(row) for row in self.cursor.fetchall()]

    def apply(self, changes: Iterable[Change]) -> None:
        for change in changes:
            if isinstance(change, Upsert):
                self.cursor.execute(self.store.upsert_sql(change), (*change.key.values(), *change.values.values()))
            else:
                condition = " AND ".join(f"{name} = ?" for name in change.key)
                self.cursor.execute(f"DELETE FROM {change.table} WHERE {condition}", tuple(change.key.values()))

    def track(self, name: str, position: int) -> None:
        """Move a projection's position forward; refused (IntegrityError) if it is not forward."""
        self.store._insert_tracking(self.cursor, Tracking(name, position))
        self.cursor.execute("DELETE FROM projection_failures WHERE name = ? AND position <= ?", (name, position))

    def record_failure(self, name: str, position: int, record_id: str, error: str) -> None:
        self.cursor.execute("INSERT INTO projection_failures VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                            "position = excluded.position, record_id = excluded.record_id, error = excluded.error",
                            (name, position, record_id, error))


class SQLiteViewStore(SQLiteTrackingRecorder):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(SQLiteDatastore(db_name=str(path), lock_timeout=30, single_row_tracking=True))
        self.create_table()
        self._upserts: dict[tuple[str, tuple[str, ...], tuple[str, ...]], str] = {}

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), FAILURES]

    def create_views(self, projections: Iterable[Projection]) -> None:
        """Create every table and index the projections need (idempotent)."""
        with self.datastore.transaction(commit=True) as c:
            for projection in projections:
                for table in projection.tables:
                    for statement in _ddl(table):
                        c.execute(statement)

    def drop_views(self, projection: Projection) -> None:
        """Forget a read model entirely: its tables, its position and its failure."""
        with self.datastore.transaction(commit=True) as c:
            for table in projection.tables:
                c.execute(f"DROP TABLE IF EXISTS {table.name}")
            c.execute("DELETE FROM tracking WHERE application_name = ?", (projection.name,))
            c.execute("DELETE FROM projection_failures WHERE name = ?", (projection.name,))

    @contextmanager
    def transaction(self) -> Iterator[ViewTransaction]:
        with self.datastore.transaction(commit=True) as c:
            yield ViewTransaction(c, self)

    @contextmanager
    def reader(self) -> Iterator[ViewTransaction]:
        """A consistent read-only snapshot of the views, for queries."""
        with self.datastore.transaction(commit=False) as c:
            yield ViewTransaction(c, self)

    def positions(self, names: Iterable[str]) -> dict[str, int]:
        return {name: self.max_tracking_id(name) or 0 for name in names}

    def failures(self) -> dict[str, Row]:
        with self.reader() as view:
            return {row["name"]: row for row in view.select("SELECT * FROM projection_failures")}

    def dump(self, projection: Projection) -> dict[str, list[Row]]:
        """Every row of a projection's tables, in key order: for comparing two builds."""
        with self.reader() as view:
            return {table.name: view.select(f"SELECT * FROM {table.name} ORDER BY {', '.join(table.key)}")
                    for table in projection.tables}

    def upsert_sql(self, change: Upsert) -> str:
        signature = (change.table, tuple(change.key), tuple(change.values))
        if (sql := self._upserts.get(signature)) is None:
            columns = [*change.key, *change.values]
            update = ", ".join(f"{name} = excluded.{name}" for name in change.values)
            sql = (f"INSERT INTO {change.table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
                   f"ON CONFLICT ({', '.join(change.key)}) DO " + (f"UPDATE SET {update}" if update else "NOTHING"))
            self._upserts[signature] = sql
        return sql

    def close(self) -> None:
        self.datastore.close()


def _ddl(table: Table) -> list[str]:
    columns = ", ".join(f"{name} {kind}" for name, kind in table.columns.items())
    statements = [f"CREATE TABLE IF NOT EXISTS {table.name} ({columns}, PRIMARY KEY ({', '.join(table.key)}))"]
    for index in table.indexes:
        statements.append(f"CREATE INDEX IF NOT EXISTS {table.name}_{'_'.join(index)} ON {table.name} "
                          f"({', '.join(index)})")
    return statements


