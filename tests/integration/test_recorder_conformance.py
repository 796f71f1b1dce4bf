"""The `eventsourcing` library's own recorder test cases, run against our subclasses of its recorders:
the hash-chained application recorders (after each case, the chain it left, concurrent writers
included, must verify) and the read models' stores, which are its tracking recorders."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing.tests.persistence import (
    ApplicationRecorderTestCase,
    NonInterleavingNotificationIDsBaseCase,
    TrackingRecorderTestCase,
)

from adapters.database import Database
from adapters.group_commit import GroupCommitSQLiteRecorder
from adapters.hash_chain import ChainedPostgresApplicationRecorder, verify_chain
from adapters.view_store import PostgresViewStore, SQLiteViewStore
from tests.components import requires
from tests.postgres_server import shared_cluster

needs_postgres = requires("postgresql")


class _VerifiesChains:
    recorders: list[Any]

    def setUp(self) -> None:
        self.recorders = []

    def tearDown(self) -> None:
        for recorder in self.recorders:
            verdict = verify_chain(recorder.logged_rows(), recorder.chain_links())
            assert verdict.intact, f"the library's case left a broken chain: {verdict.problem}"
            recorder.datastore.close()


class _OnSQLite:
    recorders: list[Any]

    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        self.directory = tempfile.TemporaryDirectory()

    def tearDown(self) -> None:
        super().tearDown()  # type: ignore[misc]
        self.directory.cleanup()

    def create_recorder(self) -> GroupCommitSQLiteRecorder:
        recorder = GroupCommitSQLiteRecorder(SQLiteDatastore(str(Path(self.directory.name) / "e.sqlite")))
        recorder.create_table()
        self.recorders.append(recorder)
        return recorder


class TestGroupCommitSQLiteRecorder(_OnSQLite, _VerifiesChains,
                                    ApplicationRecorderTestCase[GroupCommitSQLiteRecorder]):
    """The embedded store's recorder (hash chain + group commit); SQLite's rowids leave no gap either."""

    EXPECT_CONTIGUOUS_NOTIFICATION_IDS = True


class TestGroupCommitSQLiteNonInterleaving(_OnSQLite, _VerifiesChains, NonInterleavingNotificationIDsBaseCase):
    """Two writers racing through one group commit: each one's events stay consecutive."""


def _postgres_datastore(database: Database) -> PostgresDatastore:
    return PostgresDatastore(database.name, database.host, database.port, database.user, database.password,
                             pool_size=4, max_overflow=8)


class _OnPostgres:
    recorders: list[Any]

    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        self.url = shared_cluster().database()
        self.database = Database.parse(self.url)

    def tearDown(self) -> None:
        super().tearDown()  # type: ignore[misc]
        shared_cluster().drop(self.url)

    def create_recorder(self) -> Any:
        recorder = ChainedPostgresApplicationRecorder(_postgres_datastore(self.database))
        recorder.create_table()
        self.recorders.append(recorder)
        return recorder


@needs_postgres
class TestChainedPostgresApplicationRecorder(_OnPostgres, _VerifiesChains,
                                             ApplicationRecorderTestCase[ChainedPostgresApplicationRecorder]):
    """Its positions come from the table, not a sequence, so they stay contiguous even after a
    refused insert: the library's stricter expectation holds."""

    EXPECT_CONTIGUOUS_NOTIFICATION_IDS = True


@needs_postgres
class TestChainedPostgresNonInterleaving(_OnPostgres, _VerifiesChains, NonInterleavingNotificationIDsBaseCase):
    """Two writers racing: each one's events get consecutive positions, never interleaved."""


class TestSQLiteViewStoreTracking(TrackingRecorderTestCase):
    def create_recorder(self) -> SQLiteViewStore:
        self.directory = tempfile.TemporaryDirectory()
        self.addCleanup(self.directory.cleanup)
        return SQLiteViewStore(Path(self.directory.name) / "views.sqlite")


@needs_postgres
class TestPostgresViewStoreTracking(TrackingRecorderTestCase):
    def create_recorder(self) -> PostgresViewStore:
        url = shared_cluster().database()
        store = PostgresViewStore(Database.parse(url), create_tables=True)
        self.addCleanup(shared_cluster().drop, url)
        self.addCleanup(store.close)
        return store

