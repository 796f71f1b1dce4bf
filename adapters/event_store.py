"""Chooses and configures the event store: the environment the `eventsourcing` factory reads."""

from __future__ import annotations

from pathlib import Path

from eventsourcing.utils import get_topic

from adapters.event_mapper import EventMapper, OrjsonTranscoder
from adapters.hash_chain import ChainedSQLiteApplicationRecorder

__all__ = ["sqlite_env"]


def sqlite_env(path: Path) -> dict[str, str]:
    """A durable SQLite store: WAL journal, and SQLite's default `synchronous=FULL`, so a command's
    transaction is fsync'd before its save returns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": "30",
        "MAPPER_TOPIC": get_topic(EventMapper),
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
        "APPLICATION_RECORDER_TOPIC": get_topic(ChainedSQLiteApplicationRecorder),
    }
