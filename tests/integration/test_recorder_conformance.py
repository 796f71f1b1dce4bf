"""The `eventsourcing` library's own recorder test cases, run against the hash-chained recorder;
after each, the chain it left (concurrent writers included) must verify."""

from __future__ import annotations

import tempfile
from pathlib import Path

from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing.tests.persistence import ApplicationRecorderTestCase

from adapters.hash_chain import ChainedSQLiteApplicationRecorder, verify_chain


class TestChainedSQLiteApplicationRecorder(ApplicationRecorderTestCase[ChainedSQLiteApplicationRecorder]):
    def setUp(self) -> None:
        self.directory = tempfile.TemporaryDirectory()
        self.recorders: list[ChainedSQLiteApplicationRecorder] = []

    def tearDown(self) -> None:
        for recorder in self.recorders:
            verdict = verify_chain(recorder.logged_rows(), recorder.chain_links())
            assert verdict.intact, f"the library's case left a broken chain: {verdict.problem}"
            recorder.datastore.close()
        self.directory.cleanup()

    def create_recorder(self) -> ChainedSQLiteApplicationRecorder:
        datastore = SQLiteDatastore(db_name=str(Path(self.directory.name) / "events.sqlite"))
        recorder = ChainedSQLiteApplicationRecorder(datastore)
        recorder.create_table()
        self.recorders.append(recorder)
        return recorder
