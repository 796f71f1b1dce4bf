"""Tamper evidence: every stored event is linked to the one before it by a SHA-256 hash chain.

link(n) = sha256(link(n-1) | position | record id | version | type | state), written in the same
transaction as the event. Recomputing the chain from the first event exposes any edit, deletion,
insertion or reordering of stored rows; an anchor (a position and its link, kept outside the
store) exposes a truncated tail or a wholesale rewrite after that point.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Cursor as PgCursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

__all__ = [
    "GENESIS",
    "Anchor",
    "ChainLink",
    "ChainedPostgresApplicationRecorder",
    "ChainedRecorder",
    "ChainedSQLiteApplicationRecorder",
    "LoggedRow",
    "Verdict",
    "link",
    "verify_chain",
]

GENESIS = bytes(32)


def _field(data: bytes) -> bytes:
    return len(data).to_bytes(8, "big") + data


def link(previous: bytes, position: int, record_id: str, version: int, topic: str, state: bytes) -> bytes:
    """The link of one event: each field length-prefixed, so no two different rows hash alike."""
    digest = hashlib.sha256(previous)
    digest.update(position.to_bytes(8, "big"))
    digest.update(_field(record_id.encode()))
    digest.update(version.to_bytes(8, "big"))
    digest.update(_field(topic.encode()))
    digest.update(_field(state))
    return digest.digest()


@dataclass(frozen=True)
class LoggedRow:
    """A stored event as the table holds it (record id as hex text)."""

    position: int
    record_id: str
    version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class ChainLink:
    position: int
    record_id: str
    version: int
    hash: bytes


@dataclass(frozen=True)
class Anchor:
    """A position and its link, recorded outside the store after a successful verification."""

    position: int
    hash: bytes


@dataclass(frozen=True)
class Verdict:
    verified: int
    head: Anchor
    problem: str | None = None
    record_id: str | None = None
    version: int | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


class ChainedRecorder(ABC):
    """What the auditor reads from either backend: positions, stored rows and links, in position order."""

    events_table_name: str
    position_column: str
    mark: str
    """The driver's parameter placeholder."""

    @abstractmethod
    def _rows(self, statement: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        """Run a read-only statement on this store; its rows as tuples."""

    def position_of(self, record_id: UUID, version: int) -> int | None:
        """The log position of one event of a record, if it was recorded."""
        rows = self._rows(f"SELECT {self.position_column} FROM {self.events_table_name} "
                          f"WHERE originator_id = {self.mark} AND originator_version = {self.mark}",
                          (self._stored_id(record_id), version))
        return int(rows[0][0]) if rows else None

    def logged_rows(self, page: int = 5000) -> Iterator[LoggedRow]:
        """Every stored event in position order, as stored (nothing decoded or trusted)."""
        yield from self._paged(
            f"SELECT {self.position_column}, originator_id, originator_version, topic, state "
            f"FROM {self.events_table_name} WHERE {self.position_column} > {self.mark} "
            f"ORDER BY {self.position_column} LIMIT {self.mark}",
            page,
            _as_logged_row,
        )

    def chain_links(self, page: int = 5000) -> Iterator[ChainLink]:
        yield from self._paged(
            f"SELECT position, record_id, version, hash FROM event_chain WHERE position > {self.mark} "
            f"ORDER BY position LIMIT {self.mark}",
            page,
            lambda r: ChainLink(r[0], r[1], r[2], bytes(r[3])),
        )

    def snapshot_keys(self, table: str) -> list[tuple[UUID, int]]:
        """(record id, version) of every snapshot in `table`, or none if the store keeps none."""
        try:
            rows = self._rows(f"SELECT originator_id, originator_version FROM {table} "
                              "ORDER BY originator_id, originator_version", ())
        except PersistenceError:
            return []
        return [(row[0] if isinstance(row[0], UUID) else UUID(row[0]), row[1]) for row in rows]

    def _stored_id(self, record_id: UUID) -> Any:
        return record_id

    def _paged(self, statement: str, page: int, make: Any) -> Iterator[Any]:
        after = 0
        while True:
            rows = [make(row) for row in self._rows(statement, (after, page))]
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].position


class ChainedSQLiteApplicationRecorder(ChainedRecorder, SQLiteApplicationRecorder):
    """The library's SQLite application recorder, plus a chain link per event in the same transaction."""

    position_column, mark = "rowid", "?"

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), CHAIN_TABLE.format(blob="BLOB")]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        positions = super()._insert_events(c, stored_events, **kwargs)
        assert positions is not None
        c.execute(LAST_LINK)
        row = c.fetchone()
        c.executemany("INSERT INTO event_chain VALUES (?, ?, ?, ?)",
                      _links(row[0] if row else GENESIS, stored_events, positions))
        return positions

    def _rows(self, statement: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return list(c.fetchall())

    def _stored_id(self, record_id: UUID) -> Any:
        return record_id.hex


class ChainedPostgresApplicationRecorder(ChainedRecorder, PostgresApplicationRecorder):
    """The library's PostgreSQL application recorder, plus a chain link per event, and gapless positions.

    The library numbers events from a sequence, which a refused (conflicting) insert still advances,
    leaving a gap. Here each position is the last one plus one, taken under the table lock the library
    already holds to keep insert order equal to commit order; a refused insert so leaves no trace."""

    position_column, mark = "notification_id", "%s"

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.sql_create_statements.append(SQL(CHAIN_TABLE.format(blob="BYTEA")).format())
        table = Identifier(datastore.schema, events_table_name)
        self._insert_numbered = SQL(
            "INSERT INTO {table} (originator_id, originator_version, topic, state, notification_id) "
            "SELECT e.originator_id, e.originator_version, e.topic, e.state, %s + e.n "
            "FROM unnest(%s::{kind}[]) WITH ORDINALITY AS e(originator_id, originator_version, topic, state, n) "
            "RETURNING notification_id"
        ).format(table=table, kind=Identifier(datastore.schema, self.stored_event_type_name))
        self._last = SQL("SELECT COALESCE(MAX(notification_id), 0) AS position, "
                         "(SELECT hash FROM event_chain ORDER BY position DESC LIMIT 1) AS hash FROM {table}"
                         ).format(table=table)

    def _insert_stored_events(self, curs: PgCursor[DictRow], stored_events: Sequence[StoredEvent],
                              **kwargs: Any) -> None:
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(self._last)
        last = _one(curs)
        positions = list(range(last["position"] + 1, last["position"] + 1 + len(stored_events)))
        curs.executemany("INSERT INTO event_chain VALUES (%s, %s, %s, %s)",
                         _links(bytes(last["hash"]) if last["hash"] else GENESIS, stored_events, positions))
        events = [self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
                  for e in stored_events]
        curs.execute(self._insert_numbered, (last["position"], events))

    def _rows(self, statement: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        with self.datastore.get_connection() as connection, connection.cursor() as c:
            c.execute(statement, params)
            return [tuple(row.values()) for row in c.fetchall()]


CHAIN_TABLE = ("CREATE TABLE IF NOT EXISTS event_chain (position BIGINT PRIMARY KEY, record_id TEXT NOT NULL, "
               "version BIGINT NOT NULL, hash {blob} NOT NULL)")
LAST_LINK = "SELECT hash FROM event_chain ORDER BY position DESC LIMIT 1"


def _links(previous: bytes, events: Sequence[StoredEvent], positions: Sequence[int]) -> list[tuple[Any, ...]]:
    links = []
    for event, position in zip(events, positions, strict=True):
        record_id = _hex(event.originator_id)
        previous = link(previous, position, record_id, event.originator_version, event.topic, event.state)
        links.append((position, record_id, event.originator_version, previous))
    return links


def _one(curs: PgCursor[DictRow]) -> DictRow:
    row = curs.fetchone()
    assert row is not None
    return row


def _as_logged_row(row: Any) -> LoggedRow:
    """A row as stored, coerced without judging it: an edit that changed a column's type is still
    hashed (and caught), never a crash of the verifier."""
    state = row[4].encode() if isinstance(row[4], str) else bytes(row[4] or b"")
    version = row[2] if isinstance(row[2], int) else -1
    return LoggedRow(row[0], _hex(row[1]) if isinstance(row[1], UUID) else str(row[1]), version, str(row[3]), state)


def _hex(record_id: UUID | str) -> str:
    return record_id.hex if isinstance(record_id, UUID) else record_id


def verify_chain(rows: Iterable[LoggedRow], links: Iterable[ChainLink], anchors: Iterable[Anchor] = ()) -> Verdict:
    """Recompute the chain from the first event and compare it with the stored links and the anchors.

    Stops at the first problem and names the record and version where the history stops being
    trustworthy."""
    expected = {anchor.position: anchor.hash for anchor in anchors}
    previous, verified = GENESIS, 0
    row_iter, link_iter = iter(rows), iter(links)
    row, chain = next(row_iter, None), next(link_iter, None)
    while row is not None or chain is not None:
        position = verified + 1
        if row is None or (chain is not None and chain.position < row.position):
            assert chain is not None
            return Verdict(verified, Anchor(verified, previous), f"event at position {chain.position} is missing",
                           chain.record_id, chain.version)
        if chain is None or chain.position > row.position:
            return Verdict(verified, Anchor(verified, previous),
                           f"event at position {row.position} has no chain link (inserted outside the engine)",
                           row.record_id, row.version)
        if row.position != position:
            return Verdict(verified, Anchor(verified, previous),
                           f"positions {position}..{row.position - 1} are missing", row.record_id, row.version)
        computed = link(previous, row.position, row.record_id, row.version, row.topic, row.state)
        if computed != chain.hash or (chain.record_id, chain.version) != (row.record_id, row.version):
            return Verdict(verified, Anchor(verified, previous),
                           f"event at position {row.position} does not match its chain link (altered or moved)",
                           row.record_id, row.version)
        if position in expected and expected.pop(position) != computed:
            return Verdict(verified, Anchor(verified, previous),
                           f"the chain at position {position} differs from its anchor (history rewritten)",
                           row.record_id, row.version)
        previous, verified = computed, position
        row, chain = next(row_iter, None), next(link_iter, None)
    if expected:
        lost = min(expected)
        return Verdict(verified, Anchor(verified, previous),
                       f"the log ends at position {verified} but was anchored at position {lost} (tail truncated)")
    return Verdict(verified, Anchor(verified, previous))
