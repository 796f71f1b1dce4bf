"""Tamper evidence: every stored event is linked to the one before it by a SHA-256 hash chain.

link(n) = sha256(link(n-1) | position | record id | version | type | state), written in the same
transaction as the event. Recomputing the chain from the first event exposes any edit, deletion,
insertion or reordering of stored rows; an anchor (a position and its link, kept outside the
store) exposes a truncated tail or a wholesale rewrite after that point.

Every row the engine can read is verified, whatever its position: rows at or below 0, far above
the head, sharing a position or without one are read too, and named as insertions.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from itertools import groupby
from typing import Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Cursor as PgCursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from adapters.timer_store import TIMER_TABLES, TimerRow, TimerTable, Wishes, iso, last_positions, timer_row
from domain.timer import DueTimer, TimerState

__all__ = [
    "GENESIS",
    "UNREADABLE_VERSION",
    "Anchor",
    "ChainLink",
    "ChainedPostgresApplicationRecorder",
    "ChainedRecorder",
    "ChainedSQLiteApplicationRecorder",
    "LoggedRow",
    "StrayRow",
    "Verdict",
    "insertion",
    "link",
    "verify_chain",
]

GENESIS = bytes(32)
LOWEST_POSITION, HIGHEST_POSITION = -(2**63), 2**63 - 1
"""The range of a 64-bit position (SQLite's rowid, PostgreSQL's BIGINT): a scan covers all of it."""


def _field(data: bytes) -> bytes:
    return len(data).to_bytes(8, "big") + data


def link(previous: bytes, position: int, record_id: str, version: int, topic: str, state: bytes) -> bytes:
    """The link of one event: each field length-prefixed, so no two different rows hash alike."""
    digest = hashlib.sha256(previous)
    digest.update(position.to_bytes(8, "big", signed=True))
    digest.update(_field(record_id.encode()))
    digest.update(version.to_bytes(8, "big", signed=True))
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
class StrayRow:
    """A stored event that a scan in position order cannot place: it has no position, or shares one."""

    position: int | None
    record_id: str
    version: int


@dataclass(frozen=True)
class Verdict:
    """`verified` events are proven (and `head` is the last of them); `problem` says where proof stops.

    The record, version and position name where the problem was found; an anchor that no longer
    matches names only its position, since the rewrite can be anywhere before it."""

    verified: int
    head: Anchor
    problem: str | None = None
    record_id: str | None = None
    version: int | None = None
    position: int | None = None

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

    @abstractmethod
    def _write(self, statement: str, params: Sequence[Any]) -> None:
        """Run one statement in a transaction of its own, committed."""

    # -- timers (adapters/timer_store.py) ---------------------------------------------------------

    @cached_property
    def timer_table(self) -> TimerTable:
        return TimerTable(self.mark)

    def due_timers(self, now: datetime, limit: int = 100) -> list[DueTimer]:
        """Timers due at `now` and not yet fired, oldest first."""
        return [timer_row(row).due() for row in self._rows(self.timer_table.due_sql(), (iso(now), limit))]

    def timers(self, now: datetime, state: str | None = None, region: str | None = None, late: bool = False,
               limit: int = 100, newest: bool = False) -> list[TimerRow]:
        statement, names = self.timer_table.list_sql(state, region, late, newest)
        values = {"now": iso(now), "state": state, "region": region}
        return [timer_row(row) for row in self._rows(statement, (*(values[name] for name in names), limit))]

    def timer_counts(self, now: datetime, region: str | None = None) -> dict[str, tuple[int, int, datetime | None]]:
        """Per state: how many, how many of them are late, and the earliest due time."""
        params = (iso(now),) if region is None else (iso(now), region)
        return {row[0]: (int(row[1]), int(row[2] or 0), None if row[3] is None else datetime.fromisoformat(row[3]))
                for row in self._rows(self.timer_table.counts_sql(region), params)}

    def next_due(self) -> datetime | None:
        """When the earliest timer not yet fired is due."""
        rows = self._rows(f"SELECT MIN(due_at) FROM timers WHERE state = '{TimerState.DUE}'", ())
        return datetime.fromisoformat(rows[0][0]) if rows and rows[0][0] else None

    @abstractmethod
    def sync_timers(self, wishes: Wishes, positions: Mapping[UUID, int]) -> None:
        """Bring stored timers in line with records' wishes outside any command (records saved before timers
        existed); `positions`: each record's last position."""

    def drop_timer(self, timer: UUID, outcome: str) -> None:
        """A timer whose command was refused: kept, with the refusal, and never fired."""
        self._write(self.timer_table.drop_sql(), (outcome, str(timer)))

    def take_lease(self, owner: str, now: float, seconds: float, name: str = "timers") -> bool:
        """Hold the process manager's lease for `seconds` more if it is free, expired or ours."""
        self._write(self.timer_table.lease_sql(), (name, owner, now + seconds, now))
        rows = self._rows(self.timer_table.holder_sql(), (name,))
        return bool(rows) and rows[0][0] == owner

    def release_lease(self, owner: str, name: str = "timers") -> None:
        self._write(f"DELETE FROM timer_lease WHERE name = {self.mark} AND owner = {self.mark}", (name, owner))

    def position_of(self, record_id: UUID, version: int) -> int | None:
        """The log position of one event of a record, if it was recorded."""
        rows = self._rows(f"SELECT {self.position_column} FROM {self.events_table_name} "
                          f"WHERE originator_id = {self.mark} AND originator_version = {self.mark}",
                          (self._stored_id(record_id), version))
        return int(rows[0][0]) if rows else None

    def record_ids(self) -> list[UUID]:
        """Every record the store holds events of."""
        rows = self._rows(f"SELECT DISTINCT originator_id FROM {self.events_table_name}", ())
        return [row[0] if isinstance(row[0], UUID) else UUID(row[0]) for row in rows]

    def logged_rows(self, page: int = 5000) -> Iterator[LoggedRow]:
        """Every positioned stored event in position order, from the lowest possible position (a row at
        or below 0 is one the engine reads by record id too), as stored: nothing decoded or trusted."""
        yield from self._paged(
            f"SELECT {self.position_column}, originator_id, originator_version, topic, state "
            f"FROM {self.events_table_name} WHERE {self.position_column} >= {self.mark} "
            f"ORDER BY {self.position_column} LIMIT {self.mark}",
            page,
            _as_logged_row,
        )

    def chain_links(self, page: int = 5000) -> Iterator[ChainLink]:
        yield from self._paged(
            f"SELECT position, record_id, version, hash FROM event_chain WHERE position >= {self.mark} "
            f"ORDER BY position LIMIT {self.mark}",
            page,
            lambda r: ChainLink(r[0], r[1], r[2], bytes(r[3])),
        )

    def stray_row(self, head: int) -> StrayRow | None:
        """A row that a scan verifying positions 1..`head` did not cover, if any: one without a position
        (the column's constraint dropped), or sharing a position with the row its link was written for."""
        table, column, mark = self.events_table_name, self.position_column, self.mark
        ((count,),) = self._rows(f"SELECT COUNT(*) FROM {table} WHERE {column} IS NULL OR {column} <= {mark}",
                                 (head,))
        if count == head:
            return None
        rows = self._rows(
            f"SELECT e.{column}, e.originator_id, e.originator_version, c.record_id, c.version FROM {table} e "
            f"LEFT JOIN event_chain c ON c.position = e.{column} WHERE e.{column} IS NULL OR e.{column} IN "
            f"(SELECT {column} FROM {table} GROUP BY {column} HAVING COUNT(*) > 1) ORDER BY e.{column}", ())
        strays = [StrayRow(position, _text_id(record_id), version)
                  for position, record_id, version, linked_id, linked_version in rows
                  if (_text_id(record_id), version) != (linked_id, linked_version)]
        if strays:
            return strays[0]
        return StrayRow(rows[0][0], _text_id(rows[0][1]), rows[0][2]) if rows else None

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
        start = LOWEST_POSITION
        while True:
            rows = [make(row) for row in self._rows(statement, (start, page))]
            yield from rows
            if len(rows) < page or rows[-1].position == HIGHEST_POSITION:
                return
            start = rows[-1].position + 1


class ChainedSQLiteApplicationRecorder(ChainedRecorder, SQLiteApplicationRecorder):
    """The library's SQLite application recorder, plus a chain link per event in the same transaction."""

    position_column, mark = "rowid", "?"

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), CHAIN_TABLE.format(blob="BLOB"), *TIMER_TABLES]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        positions = super()._insert_events(c, stored_events, **kwargs)
        assert positions is not None
        c.execute(LAST_LINK)
        row = c.fetchone()
        c.executemany("INSERT INTO event_chain VALUES (?, ?, ?, ?)",
                      _links(row[0] if row else GENESIS, stored_events, positions))
        if stored_events and (kwargs.get("timers") or kwargs.get("fired_timer")):
            self.timer_table.record(_sqlite_execute(c), _record_positions(stored_events, positions),
                                    kwargs.get("timers"), kwargs.get("fired_timer"))
        return positions

    def _rows(self, statement: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return list(c.fetchall())

    def _write(self, statement: str, params: Sequence[Any]) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(statement, params)

    def sync_timers(self, wishes: Wishes, positions: Mapping[UUID, int]) -> None:
        with self.datastore.transaction(commit=True) as c:
            self.timer_table.record(_sqlite_execute(c), positions, wishes, None)

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
        self.sql_create_statements.extend(SQL(statement).format() for statement in TIMER_TABLES)
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
        if kwargs.get("timers") or kwargs.get("fired_timer"):
            self.timer_table.record(_pg_execute(curs), _record_positions(stored_events, positions),
                                    kwargs.get("timers"), kwargs.get("fired_timer"))
        events = [self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
                  for e in stored_events]
        curs.execute(self._insert_numbered, (last["position"], events))

    def _rows(self, statement: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        with self.datastore.get_connection() as connection, connection.cursor() as c:
            c.execute(statement, params)
            return [tuple(row.values()) for row in c.fetchall()]

    def _write(self, statement: str, params: Sequence[Any]) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(statement, params)

    def sync_timers(self, wishes: Wishes, positions: Mapping[UUID, int]) -> None:
        with self.datastore.transaction(commit=True) as curs:
            self.timer_table.record(_pg_execute(curs), positions, wishes, None)


def _record_positions(events: Sequence[StoredEvent], positions: Sequence[int]) -> dict[UUID, int]:
    return last_positions([event.originator_id for event in events], positions)


def _sqlite_execute(c: SQLiteCursor) -> Callable[[str, Sequence[Any]], list[Sequence[Any]]]:
    def execute(statement: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        c.execute(statement, params)
        return list(c.fetchall())

    return execute


def _pg_execute(curs: PgCursor[DictRow]) -> Callable[[str, Sequence[Any]], list[Sequence[Any]]]:
    def execute(statement: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        curs.execute(statement, params)
        return [tuple(row.values()) for row in curs.fetchall()] if statement.startswith("SELECT") else []

    return execute


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
    version = row[2] if isinstance(row[2], int) and not isinstance(row[2], bool) else UNREADABLE_VERSION
    return LoggedRow(row[0], _text_id(row[1]), version, str(row[3]), state)


UNREADABLE_VERSION = -1
"""The version a verdict names for a row whose version column holds no whole number (an edit changed
its type): the row is still hashed, and caught, under this value."""


def _text_id(stored: Any) -> str:
    """A stored record id as the chain spells it: hex for a UUID column, the text as stored otherwise
    (empty for a row with none, which no engine-written row is)."""
    if stored is None:
        return ""
    return stored.hex if isinstance(stored, UUID) else str(stored)


def _hex(record_id: UUID | str) -> str:
    return record_id.hex if isinstance(record_id, UUID) else record_id


def verify_chain(rows: Iterable[LoggedRow], links: Iterable[ChainLink], anchors: Iterable[Anchor] = (),
                 on_verified: Callable[[LoggedRow, ChainLink], None] | None = None) -> Verdict:
    """Recompute the chain from the first event and compare it with the stored links and the anchors.

    Stops at the first problem and names the record and version where the history stops being
    trustworthy. An anchor that no longer matches, or lies beyond the end of the log, proves the
    history up to it was rewritten somewhere: then only what an earlier matching anchor covers is
    verified. `on_verified` sees each row as it is proven, in order."""
    expected = {anchor.position: anchor.hash for anchor in anchors}
    proven = Anchor(0, GENESIS)
    previous, verified = GENESIS, 0
    row_groups = (list(group) for _, group in groupby(rows, key=lambda row: row.position))
    link_iter = iter(links)
    group, chain = next(row_groups, None), next(link_iter, None)
    while group is not None or chain is not None:
        position = verified + 1
        row = group[0] if group else None
        if row is None or (chain is not None and chain.position < row.position):
            assert chain is not None
            return Verdict(verified, Anchor(verified, previous), f"event at position {chain.position} is missing",
                           chain.record_id, chain.version, chain.position)
        if chain is None or chain.position > row.position:
            return insertion(Anchor(verified, previous), row)
        assert group is not None
        if len(group) > 1:  # the link was written for one row at most: the others were put beside it
            return insertion(Anchor(verified, previous), next(
                (other for other in group if (other.record_id, other.version) != (chain.record_id, chain.version)),
                group[1]))
        if row.position < position:  # a row (and a link) put before where the log continues
            return insertion(Anchor(verified, previous), row)
        if row.position != position:
            return Verdict(verified, Anchor(verified, previous), f"positions {position}..{row.position - 1} are "
                           "missing", row.record_id, row.version, row.position)
        computed = link(previous, row.position, row.record_id, row.version, row.topic, row.state)
        if computed != chain.hash or (chain.record_id, chain.version) != (row.record_id, row.version):
            return Verdict(verified, Anchor(verified, previous),
                           f"event at position {row.position} does not match its chain link (altered or moved)",
                           row.record_id, row.version, row.position)
        if position in expected:
            if expected.pop(position) != computed:
                return Verdict(proven.position, proven, f"the chain at position {position} differs from its anchor "
                               f"(history rewritten at or before position {position})", position=position)
            proven = Anchor(position, computed)
        if on_verified is not None:
            on_verified(row, chain)
        previous, verified = computed, position
        group, chain = next(row_groups, None), next(link_iter, None)
    if expected:
        lost = min(expected)
        return Verdict(proven.position, proven, f"the log ends at position {verified} but was anchored at "
                       f"position {lost} (tail truncated, or history rewritten before it)", position=lost)
    return Verdict(verified, Anchor(verified, previous))


def insertion(head: Anchor, row: LoggedRow | StrayRow) -> Verdict:
    """The verdict on a row that no chain link was written for, found after `head` was verified."""
    where = "with no position" if row.position is None else f"at position {row.position}"
    return Verdict(head.position, head, f"event {where} has no chain link (inserted outside the engine)",
                   row.record_id, row.version, row.position)
