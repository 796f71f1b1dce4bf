"""The read models' store: view tables and each projection's position, changed together.

One store per backend, each extending the `eventsourcing` library's tracking recorder for it, whose
single-row tracking only ever moves a position forward: two runners can never both apply the same
events. Projections write portable SQL with `:name` parameters; each store speaks its driver's style.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.sql import SQL

from adapters.database import Database
from projections.store import Change, Delete, Projection, Row, Table, Upsert

__all__ = ["PostgresViewStore", "SQLiteViewStore", "ViewStore", "ViewTransaction", "open_view_store"]

FAILURES = ("CREATE TABLE IF NOT EXISTS projection_failures (name TEXT PRIMARY KEY, position BIGINT NOT NULL, "
            "record_id TEXT, error TEXT NOT NULL)")
TRACKING = "tracking"
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


class ViewTransaction:
    """Reads and changes inside one transaction: a projection's `ViewReader`, and what the runner applies.

    Changes are kept in memory and written once per row when the transaction ends (or before a
    query that might read them): a case's several events in one batch cost one write, not several.
    A pending change is `upsert` (set these columns), `delete`, or `replace` (delete, then insert).
    """

    def __init__(self, cursor: Any, store: ViewStore) -> None:
        self.cursor = cursor
        self.store = store
        self._rows: dict[tuple[str, tuple[Any, ...]], Row | None] = {}
        self._pending: dict[tuple[str, tuple[Any, ...]], tuple[str, Mapping[str, Any], dict[str, Any]]] = {}

    def get(self, table: str, key: Mapping[str, Any]) -> Row | None:
        ident = (table, tuple(key.values()))
        if ident not in self._rows:
            condition = " AND ".join(f"{name} = {self.store.mark}" for name in key)
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
        self.cursor.execute(self.store.dialect(sql), params)
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
                condition = " AND ".join(f"{name} = {self.store.mark}" for name in key)
                self.cursor.execute(f"DELETE FROM {table} WHERE {condition}", key_values)
            if kind in ("upsert", "replace"):
                self.cursor.execute(self.store.upsert_sql(Upsert(table, key, values)), (*key_values, *values.values()))
        self._pending.clear()

    def lock(self) -> None:
        """Become the only writer of the read models until this transaction ends: runners in other
        processes wait here, then see the positions this one reached."""
        self.store.lock(self.cursor)

    def positions(self, names: Iterable[str]) -> dict[str, int]:
        """Each projection's position as this transaction sees it."""
        found = {row["application_name"]: row["notification_id"]
                 for row in self.select(f"SELECT application_name, notification_id FROM {TRACKING}")}
        return {name: found.get(name) or 0 for name in names}

    def track(self, name: str, position: int) -> None:
        """Move a projection's position forward; refused (IntegrityError) if it is not forward."""
        self.flush()
        self.store._insert_tracking(self.cursor, Tracking(name, position))
        self.cursor.execute(self.store.dialect("DELETE FROM projection_failures WHERE name = :name AND "
                                               "position <= :position"), {"name": name, "position": position})

    def record_failure(self, name: str, position: int, record_id: str, error: str) -> None:
        self.cursor.execute(self.store.dialect(
            "INSERT INTO projection_failures VALUES (:name, :position, :record_id, :error) ON CONFLICT (name) "
            "DO UPDATE SET position = excluded.position, record_id = excluded.record_id, error = excluded.error"),
            {"name": name, "position": position, "record_id": record_id, "error": error})


class ViewStore(ABC):
    """What both backends' stores share: tables from projections' declarations, upserts, reads."""

    mark: str
    """The driver's positional placeholder."""
    creates_tables: bool
    """Whether opening the store creates missing tables (embedded), or only `caseledger db migrate` does."""
    types: ClassVar[Mapping[str, str]] = {}
    """Portable column types this backend spells differently."""

    def _setup(self) -> None:
        self._upserts: dict[tuple[str, tuple[str, ...], tuple[str, ...]], str] = {}
        self._columns: dict[str, tuple[str, ...]] = {}

    def dialect(self, sql: str) -> str:
        """`sql` with `:name` parameters in the driver's style."""
        return sql

    @abstractmethod
    def lock(self, cursor: Any) -> None:
        """Take the read models' write lock for the transaction of `cursor`."""

    if TYPE_CHECKING:  # provided by each backend's tracking recorder
        def _insert_tracking(self, cursor: Any, tracking: Tracking) -> None: ...

        def max_tracking_id(self, application_name: str) -> int | None: ...

    @abstractmethod
    def transaction(self) -> AbstractContextManager[ViewTransaction]:
        """A write transaction. Read models can always be rebuilt from the log, so their commits need
        not wait for the disk: a crash may lose the last batches, never consistency, as each batch's
        position commits with its rows."""

    @abstractmethod
    def reader(self) -> AbstractContextManager[ViewTransaction]:
        """A consistent read-only snapshot of the views, for queries."""

    @abstractmethod
    def close(self) -> None: ...

    def prepare(self, tables: Iterable[Table]) -> None:
        """Learn the tables a runner or worker will write, creating them if this store creates its own."""
        tables = list(tables)
        for table in tables:
            self._columns[table.name] = tuple(table.columns)
        if self.creates_tables:
            self.create_tables(tables)

    def create_views(self, projections: Iterable[Projection]) -> None:
        """Create every table and index the projections need (idempotent)."""
        self.create_tables(table for projection in projections for table in projection.tables)

    def create_tables(self, tables: Iterable[Table]) -> None:
        with self.transaction() as view:
            view.lock()
            for table in tables:
                self._columns[table.name] = tuple(table.columns)
                for statement in _ddl(table, self.types):
                    view.cursor.execute(statement)

    def drop_views(self, projection: Projection) -> None:
        """Forget a read model entirely: its tables, its position and its failure."""
        with self.transaction() as view:
            view.lock()
            self._drop(view, projection)

    def restart_stale(self, projections: Iterable[Projection]) -> list[str]:
        """Empty the read models that say they are stale (see `Projection.stale`), in one locked transaction,
        so that runners build them again from position 0; returns their names."""
        with self.transaction() as view:
            view.lock()
            stale = [projection for projection in projections if projection.stale(view)]
            for projection in stale:
                self._drop(view, projection)
                for table in projection.tables:
                    for statement in _ddl(table, self.types):
                        view.cursor.execute(statement)
        return [projection.name for projection in stale]

    def _drop(self, view: ViewTransaction, projection: Projection) -> None:
        for table in projection.tables:
            view.cursor.execute(f"DROP TABLE IF EXISTS {table.name}")
        for statement in (f"DELETE FROM {TRACKING} WHERE application_name = :name",
                          "DELETE FROM projection_failures WHERE name = :name"):
            view.cursor.execute(self.dialect(statement), {"name": projection.name})

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
            sql = (f"INSERT INTO {change.table} ({', '.join(columns)}) "
                   f"VALUES ({', '.join([self.mark] * len(columns))}) "
                   f"ON CONFLICT ({', '.join(change.key)}) DO " + (f"UPDATE SET {update}" if update else "NOTHING"))
            self._upserts[signature] = sql
        return sql


class SQLiteViewStore(ViewStore, SQLiteTrackingRecorder):
    mark, creates_tables = "?", True

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(SQLiteDatastore(db_name=str(path), lock_timeout=30, single_row_tracking=True))
        self._setup()
        self.create_table()

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), FAILURES]

    def lock(self, cursor: Any) -> None:
        # Any write statement takes SQLite's single write lock, waiting for another writer's commit.
        cursor.execute("DELETE FROM projection_failures WHERE name IS NULL")

    @contextmanager
    def transaction(self) -> Iterator[ViewTransaction]:
        with self.datastore.get_connection(commit=True) as connection:
            connection.cursor().execute("PRAGMA synchronous=NORMAL")
            with connection.transaction(commit=True) as c:
                view = ViewTransaction(c, self)
                yield view
                view.flush()

    @contextmanager
    def reader(self) -> Iterator[ViewTransaction]:
        with self.datastore.transaction(commit=False) as c:
            yield ViewTransaction(c, self)

    def close(self) -> None:
        self.datastore.close()


class PostgresViewStore(ViewStore, PostgresTrackingRecorder):
    """Read models in PostgreSQL. Runners in several processes take turns by a transaction-scoped
    advisory lock, so a batch is applied by exactly one of them and the others find it done."""

    mark, creates_tables = "%s", False
    types: ClassVar[Mapping[str, str]] = {"INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION"}
    LOCK_KEY = 0x6361_7365_6C65_6467  # "caseledg"

    def __init__(self, database: Database, *, create_tables: bool = False) -> None:
        super().__init__(PostgresDatastore(database.name, database.host, database.port, database.user,
                                           database.password, pool_size=2, max_overflow=4, lock_timeout=30,
                                           single_row_tracking=True), tracking_table_name=TRACKING)
        self._setup()
        self.sql_create_statements.append(SQL(FAILURES).format())
        if create_tables:
            self.create_table()

    def dialect(self, sql: str) -> str:
        return _NAMED.sub(r"%(\1)s", sql)

    def lock(self, cursor: Any) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (self.LOCK_KEY,))

    @contextmanager
    def transaction(self) -> Iterator[ViewTransaction]:
        with self.datastore.transaction(commit=True) as c:
            c.execute("SET LOCAL synchronous_commit = off")
            view = ViewTransaction(c, self)
            yield view
            view.flush()

    @contextmanager
    def reader(self) -> Iterator[ViewTransaction]:
        with self.datastore.get_connection() as connection, connection.transaction(force_rollback=True):
            c = connection.cursor()
            c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield ViewTransaction(c, self)

    def close(self) -> None:
        self.datastore.close()


def open_view_store(database: Database) -> ViewStore:
    """The read models' store for the configured database."""
    if database.backend == "sqlite":
        return SQLiteViewStore(database.views_path)
    return PostgresViewStore(database)


def _ddl(table: Table, types: Mapping[str, str]) -> list[str]:
    columns = ", ".join(f"{name} {types.get(kind, kind)}" for name, kind in table.columns.items())
    statements = [f"CREATE TABLE IF NOT EXISTS {table.name} ({columns}, PRIMARY KEY ({', '.join(table.key)}))"]
    for index in table.indexes:
        statements.append(f"CREATE INDEX IF NOT EXISTS {table.name}_{'_'.join(index)} ON {table.name} "
                          f"({', '.join(index)})")
    return statements


