"""Read models fed from the Kafka topics by a consumer group equal read models fed from the log."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

from eventsourcing.persistence import PersistenceError

from adapters.kafka_projections import KafkaProjectionWorker
from adapters.kafka_relay import KafkaRelay, RelayConfig
from adapters.projection_runner import ProjectionRunner
from api.bootstrap import build_views
from projections import ALL_PROJECTIONS
from tests.conftest import Backend
from tests.integration.test_kafka_relay import CASELEDGER, seeded


def drain(worker: KafkaProjectionWorker, limit: int | None = None, timeout: float = 60) -> int:
    """Poll until the worker has applied everything (or `limit` messages); returns how many it applied."""
    applied, deadline = 0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        applied += worker.poll(timeout_ms=500)
        if (limit is not None and applied >= limit) or (limit is None and worker.caught_up()):
            return applied
    raise TimeoutError(f"the worker applied {applied} messages and did not catch up")


def test_kafka_fed_read_models_equal_log_fed_ones_across_restarts(
    tmp_path: Path, backend: Backend, kafka: tuple[str, str]
) -> None:
    bootstrap, prefix = kafka
    ledger = seeded(backend, tmp_path / "data", cases=25)
    KafkaRelay(ledger, RelayConfig(bootstrap, prefix)).publish_available()

    log_fed = ProjectionRunner(ledger, build_views(backend.settings(tmp_path / "log-fed")), ALL_PROJECTIONS)
    log_fed.catch_up()

    # a worker applies part of the stream and stops; another picks up exactly where it left off
    store = build_views(backend.settings(tmp_path / "kafka-fed"))
    first = KafkaProjectionWorker(store, ALL_PROJECTIONS, bootstrap, prefix, group=f"{prefix}views")
    partial = drain(first, limit=50)
    first.close()
    second = KafkaProjectionWorker(store, ALL_PROJECTIONS, bootstrap, prefix, group=f"{prefix}views")
    rest = drain(second)
    second.close()

    assert partial >= 50 and partial + rest == ledger.head()  # each message applied exactly once
    for projection in ALL_PROJECTIONS:
        assert store.dump(projection) == log_fed.store.dump(projection), projection.name


def test_the_projections_run_command_feeds_the_views_from_kafka(
    tmp_path: Path, backend: Backend, kafka: tuple[str, str]
) -> None:
    bootstrap, prefix = kafka
    data = tmp_path / "data"
    ledger = seeded(backend, data, cases=5)
    KafkaRelay(ledger, RelayConfig(bootstrap, prefix)).publish_available()
    env = {**backend.env(data), "CASELEDGER_KAFKA_BOOTSTRAP": bootstrap,
           "CASELEDGER_KAFKA_TOPIC_PREFIX": prefix}
    worker = subprocess.Popen([CASELEDGER, "projections", "run", "--source", "kafka", "--group", f"{prefix}cli"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    views = build_views(backend.settings(data))
    try:
        deadline, seen = time.monotonic() + 60, 0
        while time.monotonic() < deadline and seen < ledger.head():
            time.sleep(0.3)
            try:
                with views.reader() as view:
                    seen = view.select("SELECT COUNT(*) AS n FROM audit_events")[0]["n"]
            except (PersistenceError, sqlite3.OperationalError):  # the worker has not created its tables yet
                continue
        assert seen == ledger.head()
    finally:
        views.close()
        worker.terminate()
        assert worker.wait(timeout=30) == 0
