"""Durable timers, kept in the event store's database and written in the events' own transaction.

The recorder calls `TimerTable.record` inside every insert: each saved record's wished-for timers
(domain/timer.py) are compared with the timers stored for it; new or moved ones are set, unwanted
ones cancelled; a timer's command marks that timer fired in the same statement list. The mark is one
UPDATE whose new state breaks the table's CHECK unless the timer was still due, so a second firing
(another process, a retry after a crash) fails the whole transaction: its events are never stored.

The lease lets one process manager per store do the polling; it is an efficiency, not the guarantee.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.timer import DueTimer, TimerState, timer_id

__all__ = ["TIMER_TABLES", "TimerRow", "TimerTable", "Wishes", "iso", "last_positions", "timer_row"]

Wishes = Mapping[UUID, tuple[str, str | None, Mapping[str, datetime]]]
"""Per saved record: its kind, its region and the timers it wants (purpose -> due time)."""

STATES = "', '".join((TimerState.DUE, TimerState.FIRED, TimerState.CANCELLED, TimerState.DROPPED))
TIMER_TABLES = (
    "CREATE TABLE IF NOT EXISTS timers (id TEXT PRIMARY KEY, record_id TEXT NOT NULL, kind TEXT NOT NULL, "
    "region TEXT, purpose TEXT NOT NULL, due_at TEXT NOT NULL, "
    f"state TEXT NOT NULL CHECK (state IN ('{STATES}')), set_position BIGINT NOT NULL, "
    "ended_position BIGINT, fired_at TEXT, outcome TEXT)",
    "CREATE INDEX IF NOT EXISTS timers_by_state ON timers (state, due_at)",
    "CREATE INDEX IF NOT EXISTS timers_by_record ON timers (record_id, state)",
    "CREATE TABLE IF NOT EXISTS timer_lease (name TEXT PRIMARY KEY, owner TEXT NOT NULL, "
    "expires_at DOUBLE PRECISION NOT NULL)",
)


def iso(moment: datetime) -> str:
    """Fixed-width UTC text, so text order is time order on both backends."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class TimerRow:
    """A stored timer as the operator reads it."""

    id: UUID
    record_id: UUID
    kind: str
    region: str | None
    purpose: str
    due_at: datetime
    state: str
    set_position: int
    ended_position: int | None
    fired_at: datetime | None
    outcome: str | None

    def late(self, now: datetime) -> bool:
        """Due and past its time: the process manager has not fired it yet."""
        return self.state == TimerState.DUE and self.due_at <= now

    def due(self) -> DueTimer:
        return DueTimer(self.id, self.record_id, self.kind, self.purpose, self.due_at, self.region)


COLUMNS = "id, record_id, kind, region, purpose, due_at, state, set_position, ended_position, fired_at, outcome"


def timer_row(row: Sequence[Any]) -> TimerRow:
    return TimerRow(UUID(row[0]), UUID(row[1]), row[2], row[3], row[4], datetime.fromisoformat(row[5]), row[6],
                    int(row[7]), None if row[8] is None else int(row[8]),
                    None if row[9] is None else datetime.fromisoformat(row[9]), row[10])


def last_positions(record_ids: Sequence[UUID | str], positions: Sequence[int]) -> dict[UUID, int]:
    """Each saved record's last position in this insert (the one that sets its timers)."""
    last: dict[UUID, int] = {}
    for record_id, position in zip(record_ids, positions, strict=True):
        key = record_id if isinstance(record_id, UUID) else UUID(record_id)
        last[key] = max(position, last.get(key, position))
    return last


class TimerTable:
    """The timers' SQL in one driver's parameter style (`?` for SQLite, `%s` for psycopg)."""

    def __init__(self, mark: str) -> None:
        self.mark = mark
        m = mark
        self.fire_sql = (f"UPDATE timers SET state = CASE state WHEN '{TimerState.DUE}' THEN '{TimerState.FIRED}' "
                         f"ELSE 'fired again' END, ended_position = {m}, fired_at = {m} WHERE id = {m}")
        self.select_sql = f"SELECT id, purpose, due_at FROM timers WHERE record_id = {m} AND state = '{TimerState.DUE}'"
        self.cancel_sql = (f"UPDATE timers SET state = '{TimerState.CANCELLED}', ended_position = {m} "
                           f"WHERE id = {m} AND state = '{TimerState.DUE}'")
        self.insert_sql = (f"INSERT INTO timers (id, record_id, kind, region, purpose, due_at, state, set_position) "
                           f"VALUES ({m}, {m}, {m}, {m}, {m}, {m}, '{TimerState.DUE}', {m})")

    def record(self, execute: Callable[[str, Sequence[Any]], list[Sequence[Any]]],
               positions: Mapping[UUID, int], wishes: Wishes | None, fired: tuple[UUID, datetime] | None) -> None:
        """Inside the events' transaction: mark the fired timer (fails unless it was still due), then bring
        each saved record's stored timers in line with its wish. `positions`: each record's last new position."""
        if fired is not None:
            timer, at = fired
            execute(self.fire_sql, (max(positions.values()), iso(at), str(timer)))
        for record_id, (kind, region, wanted) in (wishes or {}).items():
            position = positions[record_id]
            wanted_at = {purpose: iso(due) for purpose, due in wanted.items()}
            for stored_id, purpose, due_at in execute(self.select_sql, (record_id.hex,)):
                if wanted_at.get(purpose) == due_at:
                    del wanted_at[purpose]  # unchanged: keeps its id, and its place in the queue
                else:
                    execute(self.cancel_sql, (position, stored_id))
            for purpose, due_at in sorted(wanted_at.items()):
                execute(self.insert_sql, (str(timer_id(record_id, purpose, position)), record_id.hex, kind, region,
                                          purpose, due_at, position))

    # -- reads and the process manager's writes, each its own statement ------------------------------

    def due_sql(self) -> str:
        return (f"SELECT {COLUMNS} FROM timers WHERE state = '{TimerState.DUE}' AND due_at <= {self.mark} "
                f"ORDER BY due_at, id LIMIT {self.mark}")

    def list_sql(self, state: str | None, region: str | None, late: bool, newest: bool = False
                 ) -> tuple[str, list[str]]:
        """The operator's listing, oldest due first (`newest`: last ended first); `late`: due timers whose
        time has passed."""
        m, conditions, names = self.mark, [], []
        if late:
            conditions.append(f"state = '{TimerState.DUE}' AND due_at <= {m}")
            names.append("now")
        elif state is not None:
            conditions.append(f"state = {m}")
            names.append("state")
        if region is not None:
            conditions.append(f"region = {m}")
            names.append("region")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        order = "ended_position DESC, id" if newest else "due_at, id"
        return f"SELECT {COLUMNS} FROM timers{where} ORDER BY {order} LIMIT {m}", names

    def counts_sql(self, region: str | None) -> str:
        where = "" if region is None else f" WHERE region = {self.mark}"
        late = f"state = '{TimerState.DUE}' AND due_at <= {self.mark}"
        return (f"SELECT state, COUNT(*), SUM(CASE WHEN {late} THEN 1 ELSE 0 END), MIN(due_at) FROM timers{where} "
                "GROUP BY state")

    def drop_sql(self) -> str:
        return (f"UPDATE timers SET state = '{TimerState.DROPPED}', outcome = {self.mark} "
                f"WHERE id = {self.mark} AND state = '{TimerState.DUE}'")

    def lease_sql(self) -> str:
        """Take or keep the lease: granted when free, expired, or already ours."""
        m = self.mark
        return (f"INSERT INTO timer_lease (name, owner, expires_at) VALUES ({m}, {m}, {m}) ON CONFLICT (name) DO "
                f"UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at "
                f"WHERE timer_lease.owner = excluded.owner OR timer_lease.expires_at < {m}")

    def holder_sql(self) -> str:
        return f"SELECT owner, expires_at FROM timer_lease WHERE name = {self.mark}"
