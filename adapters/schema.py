"""The schema's version, and the lock that lets several processes migrate at once safely.

On PostgreSQL nothing creates tables implicitly: `caseledger db migrate` does, holding a session
advisory lock so that processes started together run it one after the other (the later ones find
everything in place). Every other process checks the version on start and refuses to run against
a database that is not migrated, or migrated by a newer release.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from adapters.database import Database

__all__ = ["SCHEMA_VERSION", "SchemaNotReady", "check_schema", "migration_lock", "record_version", "stored_version"]

SCHEMA_VERSION = 2
"""Raise with every change to the stored tables, adding the step that upgrades from the one before. 2: the
timers and their lease, the read models' history tables, the one-time sign-in codes (every step creates what is
missing, so migrating from 1 is `caseledger db migrate`)."""
_LOCK_KEY = 0x6361_7365_6D69_6772  # "casemigr"


class SchemaNotReady(Exception):
    """The database has no caseledger schema, an older one, or one from a newer release."""


def _connect(database: Database) -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(host=database.host, port=database.port, user=database.user,
                               password=database.password, dbname=database.name, connect_timeout=10,
                               autocommit=True)
    except psycopg.OperationalError as error:
        raise SchemaNotReady(f"cannot connect to {database.display}: {str(error).strip()}") from None


@contextmanager
def migration_lock(database: Database) -> Iterator[None]:
    """Held while migrating; a second migrator waits, then finds nothing left to do."""
    with _connect(database) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))


def record_version(database: Database) -> None:
    with _connect(database) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS caseledger_schema (version INTEGER NOT NULL)")
        connection.execute("DELETE FROM caseledger_schema")
        connection.execute("INSERT INTO caseledger_schema VALUES (%s)", (SCHEMA_VERSION,))


def stored_version(database: Database) -> int | None:
    with _connect(database) as connection:
        if connection.execute("SELECT to_regclass('caseledger_schema')").fetchone() == (None,):
            return None
        row = connection.execute("SELECT max(version) FROM caseledger_schema").fetchone()
        return None if row is None or row[0] is None else int(str(row[0]))


def check_schema(database: Database) -> None:
    """Refuse, with what to do, unless the database holds this release's schema."""
    if database.backend != "postgresql":
        return
    version = stored_version(database)
    if version is None:
        raise SchemaNotReady(f"{database.display} holds no caseledger schema: run `caseledger db migrate`")
    if version < SCHEMA_VERSION:
        raise SchemaNotReady(f"{database.display} holds schema version {version}, this release needs "
                             f"{SCHEMA_VERSION}: run `caseledger db migrate`")
    if version > SCHEMA_VERSION:
        raise SchemaNotReady(f"{database.display} was migrated by a newer caseledger (schema version {version}, "
                             f"this release knows {SCHEMA_VERSION}): upgrade this process")
