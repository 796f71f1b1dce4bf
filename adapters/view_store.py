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

from projections.store import Change, Delete, Projection, Row, Table, Upsert

__all__ = ["SQLiteViewStore", "ViewTransaction"]

FAILURES = ("CREATE TABLE IF NOT EXISTS projection_failures (name TEXT PRIMARY KEY, position INTEGER NOT NULL, "
            "record_id TEXT, error TEXT NOT NULL)")


class ViewTransaction:
    """Reads and changes inside one transaction: a projection's `ViewReader`, and what the runner applies.

    Changes are kept in memory and written once per row when the transaction ends (or before a
    query that might read them): a case's several events in one batch cost one write, not several.
    A pending change is `upsert` (set these columns), `delete`, or `replace` (delete, then insert).
    """

    def __init__(self, cursor: SQLiteCursor, store: SQLiteViewStore) -> None:
        self.cursor = cursor
        self.store = store
        self._rows: dict[tuple[str, tuple[Any, ...]], Row | None] = {}
        self._pending: dict[tuple[str, tuple[Any, ...]], tuple[str, Mapping[str, Any], dict[str, Any]]] = {}

    def get(self, table: str, key: Mapping[str, Any]) -> Row | None:
        ident = (table, tuple(key.values()))
        if ident not in self._rows:
            condition = " AND ".join(f"{name} = ?" for name in key)
            self.cursor.execute(f"SELECT * FROM {table} WHERE {condition}", ident[1])
            found = self.cursor.fetchone()
            row = None if found is None else dict(found)
            if ident in self._pending:
                kind, _, values = self._pending[ident]
                base = row if kind == "upsert" and row else self.store.blank_row(table, key)
                row = None if kind == "delete" else {**base, **values}
            self._rows[ident] = row
        row = self._rows[ident]
        return None if row is None else dict(row)

    def select(self, sql: str, params: Mapping[str, Any] | Sequence[Any] = ()) -> list[Row]:
        self.flush()
        self.cursor.execute(sql, params)
        return [dict(row) for row in self.cursor.fetchall()]

    def apply(self, changes: Iterable[Change]) -> None:
        for change in changes:
            ident = (change.table, tuple(change.key.values()))
            kind, _, values = self._pending.get(ident, ("none", change.key, {}))
            if isinstance(change, Delete):
                self._pending[ident] = ("delete", change.key, {})
                self._rows[ident] = None
                continue
            merged = {**values, **change.values}
            self._pending[ident] = ("upsert" if kind in ("none", "upsert") else "replace", change.key, merged)
            if ident in self._rows:
                current = self._rows[ident] or self.store.blank_row(change.table, change.key)
                self._rows[ident] = {**current, **change.values}

    def flush(self) -> None:
        """Write the changes kept in memory, one statement per row."""
        for (table, key_values), (kind, key, values) in self._pending.items():
            if kind in ("delete", "replace"):
                condition = " AND ".join(f"{name} = ?" for name in key)
                self.cursor.execute(f"DELETE FROM {table} WHERE {condition}", key_values)
            if kind in ("upsert", "replace"):
                self.cursor.execute(self.store.upsert_sql(Upsert(table, key, values)), (*key_values, *values.values()))
        self._pending.clear()

    def track(self, name: str, position: int) -> None:
        """Move a projection's position forward; refused (IntegrityError) if it is not forward."""
        self.flush()
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
        self._columns: dict[str, tuple[str, ...]] = {}

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), FAILURES]

    def create_views(self, projections: Iterable[Projection]) -> None:
        """Create every table and index the projections need (idempotent)."""
        self.create_tables(table for projection in projections for table in projection.tables)

    def create_tables(self, tables: Iterable[Table]) -> None:
        with self.datastore.transaction(commit=True) as c:
            for table in tables:
                self._columns[table.name] = tuple(table.columns)
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
        """A write transaction. Read models can always be rebuilt from the log, so their commits need
        not wait for the disk (`synchronous=NORMAL`): a power cut may lose the last batches, never
        consistency, as each batch's position commits with its rows."""
        with self.datastore.get_connection(commit=True) as connection:
            connection.cursor().execute("PRAGMA synchronous=NORMAL")
            with connection.transaction(commit=True) as c:
                view = ViewTransaction(c, self)
                yield view
                view.flush()

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

    def blank_row(self, table: str, key: Mapping[str, Any]) -> Row:
        """A row not yet written: every column empty but the key."""
        return {**dict.fromkeys(self._columns[table]), **key}

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


