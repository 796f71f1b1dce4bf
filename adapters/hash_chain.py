"""Tamper evidence: every stored event is linked to the one before it by a SHA-256 hash chain.

link(n) = sha256(link(n-1) | position | record id | version | type | state), written in the same
transaction as the event. Recomputing the chain from the first event exposes any edit, deletion,
insertion or reordering of stored rows; an anchor (a position and its link, kept outside the
store) exposes a truncated tail or a wholesale rewrite after that point.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

__all__ = [
    "GENESIS",
    "Anchor",
    "ChainLink",
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


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """The library's SQLite application recorder, plus a chain link per event in the same transaction."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS event_chain (position INTEGER PRIMARY KEY, record_id TEXT NOT NULL, "
            "version INTEGER NOT NULL, hash BLOB NOT NULL)",
        ]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        positions = super()._insert_events(c, stored_events, **kwargs)
        assert positions is not None
        c.execute("SELECT hash FROM event_chain ORDER BY position DESC LIMIT 1")
        row = c.fetchone()
        previous = row[0] if row else GENESIS
        links = []
        for event, position in zip(stored_events, positions, strict=True):
            record_id = _hex(event.originator_id)
            previous = link(previous, position, record_id, event.originator_version, event.topic, event.state)
            links.append((position, record_id, event.originator_version, previous))
        c.executemany("INSERT INTO event_chain VALUES (?, ?, ?, ?)", links)
        return positions

    def position_of(self, record_id: UUID, version: int) -> int | None:
        """The log position of one event of a record, if it was recorded."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT rowid FROM {self.events_table_name} WHERE originator_id = ? AND originator_version = ?",
                      (record_id.hex, version))
            row = c.fetchone()
        return None if row is None else int(row[0])

    def logged_rows(self, page: int = 5000) -> Iterator[LoggedRow]:
        """Every stored event in position order, as stored (nothing decoded or trusted)."""
        yield from self._paged(
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.events_table_name} "
            "WHERE rowid > ? ORDER BY rowid LIMIT ?",
            page,
            _as_logged_row,
        )

    def chain_links(self, page: int = 5000) -> Iterator[ChainLink]:
        yield from self._paged(
            "SELECT position, record_id, version, hash FROM event_chain WHERE position > ? ORDER BY position LIMIT ?",
            page,
            lambda r: ChainLink(r[0], r[1], r[2], r[3]),
        )

    def _paged(self, statement: str, page: int, make: Any) -> Iterator[Any]:
        after = 0
        while True:
            with self.datastore.transaction(commit=False) as c:
                c.execute(statement, (after, page))
                rows = [make(row) for row in c.fetchall()]
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].position


def _as_logged_row(row: Any) -> LoggedRow:
    """A row as stored, coerced without judging it: an edit that changed a column's type is still
    hashed (and caught), never a crash of the verifier."""
    state = row[4].encode() if isinstance(row[4], str) else bytes(row[4] or b"")
    version = row[2] if isinstance(row[2], int) else -1
    return LoggedRow(row[0], str(row[1]), version, str(row[3]), state)


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
