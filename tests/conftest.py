"""Fixtures shared by the suites: stores on both backends (a real SQLite file, a real PostgreSQL
server), a ledger with a simulated clock, and a real Kafka-protocol broker. Under CI a missing
component stops the run before the first test (tests/components.py)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest

from adapters.clock import SimulatedClock
from api.bootstrap import build_ledger, migrate
from api.settings import Settings
from domain.application import CaseLedger
from tests.components import require, unmet_under_ci
from tests.factories import ADMIN, NOW
from tests.postgres_server import PostgresCluster, shared_cluster

BACKENDS = ("sqlite", "postgresql")
SLOW_TIMEOUT = 900
"""Seconds a `slow` drill may take (kill rounds, outages) before pytest-timeout fails it as hung."""


def pytest_configure(config: pytest.Config) -> None:
    """Under CI, a missing component fails the run at once, in one line, instead of skipping tests."""
    if line := unmet_under_ci():
        pytest.exit(line, returncode=pytest.ExitCode.USAGE_ERROR)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A `slow` drill gets SLOW_TIMEOUT unless it names its own timeout."""
    for item in items:
        if item.get_closest_marker("slow") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(SLOW_TIMEOUT))


@pytest.fixture(scope="session")
def postgres_cluster() -> PostgresCluster:
    """One throw-away PostgreSQL server for the whole run; each store is a database of its own."""
    require("postgresql")
    return shared_cluster()


class Backend:
    """Stores for one test on one backend: `settings(directory)` names the same store for the same
    directory, a fresh migrated database on PostgreSQL; `env` is the same for a subprocess."""

    def __init__(self, name: str, cluster: PostgresCluster | None) -> None:
        self.name, self.cluster = name, cluster
        self._urls: dict[Path, str] = {}

    def settings(self, data_dir: Path, **overrides: object) -> Settings:
        return Settings(data_dir=data_dir, database_url=self.url(data_dir), **overrides)  # type: ignore[arg-type]

    def url(self, data_dir: Path) -> str | None:
        if self.cluster is None:
            return None
        if data_dir not in self._urls:
            self._urls[data_dir] = self.cluster.database()
            migrate(Settings(data_dir=data_dir, database_url=self._urls[data_dir]))
        return self._urls[data_dir]

    def env(self, data_dir: Path, **extra: str) -> dict[str, str]:
        env = {**os.environ, "CASELEDGER_DATA_DIR": str(data_dir), **extra}
        if url := self.url(data_dir):
            env["CASELEDGER_DATABASE_URL"] = url
        return env

    @property
    def events_table(self) -> str:
        return "stored_events" if self.cluster is None else "caseledger_events"

    def query(self, data_dir: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Raw SQL (`?` parameters) on the store, from outside the engine, committed: as another
        program (or an intruder) would see and change it."""
        database = self.settings(data_dir).database
        if database.path is not None:
            with closing(sqlite3.connect(database.path)) as connection, connection:
                return connection.execute(sql, params).fetchall()
        with psycopg.connect(database.url) as pg:
            cursor = pg.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    def close(self) -> None:
        if self.cluster is not None:
            for url in self._urls.values():
                self.cluster.drop(url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    cluster = request.getfixturevalue("postgres_cluster") if request.param == "postgresql" else None
    store = Backend(request.param, cluster)
    yield store
    store.close()


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(NOW)


@pytest.fixture
def settings(tmp_path: Path, backend: Backend) -> Settings:
    return backend.settings(tmp_path / "data")


@pytest.fixture
def ledger(settings: Settings, clock: SimulatedClock) -> Iterator[CaseLedger]:
    """A command service on a fresh store of each backend, with regions north and south staffed."""
    app = build_ledger(settings, clock=clock)
    staff_regions(app)
    yield app
    app.close()


def staff_regions(app: CaseLedger) -> None:
    for code in ("north", "south"):
        app.establish_region(app.context(ADMIN), code, code.title())
        app.appoint_coordinator(app.context(ADMIN), code, f"coord-{code}", "Ana Novak")
        for n in (1, 2):
            app.add_representative(app.context(ADMIN), code, f"rep-{code}-{n}", "Mari Tamm")


@pytest.fixture
def kafka(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(bootstrap servers, a topic prefix of this test's own) on a real Kafka-protocol broker."""
    from tests.kafka_broker import EXTERNAL, TansuBroker

    require("kafka")
    prefix = f"t{tmp_path.name.replace('_', '').lower()[-20:]}."
    if EXTERNAL:
        yield EXTERNAL, prefix
        return
    broker = TansuBroker(tmp_path / "broker.log")
    broker.start()
    yield broker.bootstrap, prefix
    broker.stop()
