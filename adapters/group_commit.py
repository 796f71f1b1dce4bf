"""Group commit: commands saved at the same moment share one transaction and one fsync.

Each command is still prepared by its own caller (load, check the rules, build its events). Saving
hands the events to a queue; whichever caller holds the writer's lock takes every waiting command
(up to `MAX_BATCH`), inserts each inside its own savepoint, and commits once. A command whose
insert is refused (another writer got to that version first) is rolled back to its savepoint and
fails alone; the others commit. Every caller returns only after the commit that holds its events,
so an acknowledged command is durable exactly as before. With one caller a batch is one command.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent

from adapters.hash_chain import ChainedSQLiteApplicationRecorder

__all__ = ["MAX_BATCH", "GroupCommitSQLiteRecorder"]

MAX_BATCH = 256
"""Commands per transaction at most, so one commit never holds the write lock for long."""


@dataclass(eq=False)
class _Save:
    events: Sequence[StoredEvent]
    options: dict[str, Any]
    positions: Sequence[int] = ()
    error: BaseException | None = None
    done: bool = False


@dataclass(eq=False)
class _Queue:
    waiting: deque[_Save] = field(default_factory=deque)
    writer: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> list[_Save]:
        batch: list[_Save] = []
        while self.waiting and len(batch) < MAX_BATCH:
            batch.append(self.waiting.popleft())
        return batch


class GroupCommitSQLiteRecorder(ChainedSQLiteApplicationRecorder):
    """The hash-chained SQLite recorder, committing the saves of concurrent callers together."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._queue = _Queue()

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        save = _Save(stored_events, kwargs)
        self._queue.waiting.append(save)
        while not save.done:
            with self._queue.writer:
                if not save.done:
                    self._commit(self._queue.take())
        if save.error is not None:
            raise save.error
        return save.positions

    def _commit(self, batch: list[_Save]) -> None:
        try:
            with self.datastore.transaction(commit=True) as c:
                for save in batch:
                    c.execute("SAVEPOINT command")
                    try:
                        save.positions = self._insert_events(c, save.events, **save.options)
                    except sqlite3.IntegrityError as refused:
                        c.execute("ROLLBACK TO command")
                        save.error = IntegrityError(refused)
                    c.execute("RELEASE command")
        except BaseException as failed:  # nothing of the batch was committed: every command fails with it
            for save in batch:
                save.error = save.error or failed
            if not isinstance(failed, Exception):
                raise
        finally:
            for save in batch:
                save.done = True
