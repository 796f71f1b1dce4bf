"""Chooses and configures the event store: the environment the `eventsourcing` factory reads."""

from __future__ import annotations

from eventsourcing.utils import get_topic

from adapters.database import Database
from adapters.event_mapper import EventMapper, OrjsonTranscoder
from adapters.group_commit import GroupCommitSQLiteRecorder
from adapters.hash_chain import ChainedPostgresApplicationRecorder

__all__ = ["store_env"]

POOL_SIZE = 4
"""Connections each process keeps to PostgreSQL (plus as many again under load)."""


def store_env(database: Database, *, create_tables: bool = True) -> dict[str, str]:
    """The event store's settings. SQLite: WAL journal and SQLite's default `synchronous=FULL`, so a
    command's transaction is fsync'd before its save returns; the file creates its tables on first
    use; concurrent commands share a commit (`GroupCommitSQLiteRecorder`).
    PostgreSQL: its tables come only from `caseledger db migrate` (`create_tables`)."""
    common = {"MAPPER_TOPIC": get_topic(EventMapper), "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder)}
    if database.backend == "sqlite":
        assert database.path is not None
        database.path.parent.mkdir(parents=True, exist_ok=True)
        return {**common, "PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(database.path),
                "SQLITE_LOCK_TIMEOUT": "30",
                "APPLICATION_RECORDER_TOPIC": get_topic(GroupCommitSQLiteRecorder)}
    return {**common, "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": database.name, "POSTGRES_HOST": database.host, "POSTGRES_PORT": str(database.port),
            "POSTGRES_USER": database.user, "POSTGRES_PASSWORD": database.password,
            "POSTGRES_POOL_SIZE": str(POOL_SIZE), "POSTGRES_MAX_OVERFLOW": str(POOL_SIZE),
            "POSTGRES_CONNECT_TIMEOUT": "10", "POSTGRES_LOCK_TIMEOUT": "30",
            "CREATE_TABLE": "yes" if create_tables else "no",
            "APPLICATION_RECORDER_TOPIC": get_topic(ChainedPostgresApplicationRecorder)}
