"""Fixtures shared by the suites: a ledger on a real SQLite file with a simulated clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.clock import SimulatedClock
from api.bootstrap import build_ledger
from api.settings import Settings
from domain.application import CaseLedger
from tests.factories import ADMIN, NOW


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(NOW)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def ledger(settings: Settings, clock: SimulatedClock) -> Iterator[CaseLedger]:
    """A command service on a fresh SQLite store, with regions north and south staffed."""
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

    prefix = f"t{tmp_path.name.replace('_', '').lower()[-20:]}."
    if EXTERNAL:
        yield EXTERNAL, prefix
        return
    broker = TansuBroker(tmp_path / "broker.log")
    broker.start()
    yield broker.bootstrap, prefix
    broker.stop()
