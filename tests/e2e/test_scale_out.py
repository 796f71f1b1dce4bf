"""Several processes on one PostgreSQL store: migrations started together, two API servers taking
conflicting and independent commands at once, and what both leave behind."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from eventsourcing.application import project_aggregate

from adapters.clock import SimulatedClock
from adapters.projection_runner import ProjectionRunner
from api.bootstrap import build_ledger, build_views
from api.settings import Settings
from domain.casework.case import Case
from domain.casework.case_events import NoteAdded
from domain.values import Role
from projections import ALL_PROJECTIONS
from tests.conftest import Backend
from tests.e2e.conftest import CASELEDGER, headers, staff, start_server, stop_server
from tests.factories import NOW
from tests.postgres_server import PostgresCluster

REP = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
CASES, ROUNDS = 6, 8


@pytest.fixture
def database(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """An empty PostgreSQL database, not migrated."""
    url = postgres_cluster.database()
    yield url
    postgres_cluster.drop(url)


def cli(url: str, data_dir: Path, *args: str) -> subprocess.Popen[str]:
    env = {**Backend("sqlite", None).env(data_dir), "CASELEDGER_DATABASE_URL": url}
    return subprocess.Popen([CASELEDGER, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_an_unmigrated_database_is_refused_with_what_to_do(database: str, tmp_path: Path) -> None:
    result = cli(database, tmp_path, "stats")
    _, stderr = result.communicate(timeout=60)
    assert result.returncode == 1 and stderr.count("\n") == 1
    assert "holds no caseledger schema: run `caseledger db migrate`" in stderr


def test_an_unsupported_database_url_is_one_line(tmp_path: Path) -> None:
    result = cli("mysql://db/caseledger", tmp_path, "stats")
    _, stderr = result.communicate(timeout=60)
    assert result.returncode == 1 and "unsupported database" in stderr and "Traceback" not in stderr


def test_migrations_started_together_all_succeed_and_leave_one_schema(database: str, tmp_path: Path) -> None:
    runs = [cli(database, tmp_path / str(n), "db", "migrate") for n in range(4)]
    outcomes = [(run.communicate(timeout=120)[1], run.returncode) for run in runs]
    assert all(code == 0 for _, code in outcomes), outcomes
    again = cli(database, tmp_path, "db", "status")
    stdout, _ = again.communicate(timeout=60)
    assert "schema version 2" in stdout and "0 events" in stdout


@pytest.mark.slow
def test_two_servers_on_one_store_report_every_conflict_and_lose_no_update(database: str, tmp_path: Path) -> None:
    migration = cli(database, tmp_path, "db", "migrate")
    migration.communicate(timeout=120)
    assert migration.returncode == 0
    env = {**Backend("sqlite", None).env(tmp_path / "a"), "CASELEDGER_DATABASE_URL": database}
    first, a = start_server(env, tmp_path / "a.log")
    second, b = start_server({**env, "CASELEDGER_DATA_DIR": str(tmp_path / "b")}, tmp_path / "b.log")
    try:
        staff(a)
        bases = (a, b)
        cases = [httpx.post(f"{bases[n % 2]}/cases", headers=REP, json={
            "region": "north", "channel": "phone", "customer_ref": f"c-{n}", "subject": "Outage",
            "description": "No line"}).json()["id"] for n in range(CASES)]
        acknowledged: dict[str, list[str]] = {case: [] for case in cases}
        refused: list[tuple[str, str, int]] = []
        lock = threading.Lock()

        def write(server: int) -> None:
            """Each round: a note on a case of its own (never conflicts) and a note, at the version both
            servers read, on the shared case (exactly one of the two may win)."""
            with httpx.Client(base_url=bases[server], headers=REP, timeout=30) as client:
                own, shared = cases[1 + server], cases[0]
                for n in range(ROUNDS):
                    text = f"server {server} round {n}"
                    outcome = client.post(f"/cases/{own}/add-note", json={"text": f"{text} own"})
                    with lock:
                        acknowledged[own].append(f"{text} own") if outcome.is_success else refused.append(
                            (own, text, outcome.status_code))
                    version = barrier_version(client, shared, n)
                    outcome = client.post(f"/cases/{shared}/add-note", json={"text": f"{text} shared"},
                                          headers={"If-Match": f'"{version}"'})
                    with lock:
                        if outcome.is_success:
                            acknowledged[shared].append(f"{text} shared")
                        else:
                            refused.append((shared, f"{text} shared", outcome.status_code))

        gate = threading.Barrier(2)
        versions: dict[int, int] = {}

        def barrier_version(client: httpx.Client, case: str, round_: int) -> int:
            """Both servers read the shared case's version, then both write at once."""
            gate.wait(timeout=30)
            version = int(client.get(f"/cases/{case}").headers["ETag"].strip('"'))
            gate.wait(timeout=30)
            versions.setdefault(round_, version)
            return versions[round_]

        writers = [threading.Thread(target=write, args=(server,)) for server in (0, 1)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(timeout=300)

        # the independent writes all succeeded; of each conflicting pair exactly one won, the other heard 412
        assert all(len(acknowledged[cases[1 + server]]) == ROUNDS for server in (0, 1))
        assert len(acknowledged[cases[0]]) == ROUNDS
        assert [status for *_, status in refused] == [412] * ROUNDS
        assert all(case == cases[0] for case, *_ in refused)

        ledger = build_ledger(Settings(data_dir=tmp_path, database_url=database), clock=SimulatedClock(NOW))
        try:
            log = list(ledger.read_log())
            assert [entry.position for entry in log] == list(range(1, len(log) + 1)), "the log has gaps"
            for case in cases:
                events = [entry.event for entry in log if str(entry.event.originator_id) == case]
                notes = [event.text for event in events if isinstance(event, NoteAdded)]
                assert sorted(notes) == sorted(acknowledged[case]), "an acknowledged note is missing or extra"
                replayed = project_aggregate(None, events)  # a sequential replay of the log, record by record
                assert replayed == ledger.get(Case, UUID(case))
                assert _body(a, case) == _body(b, case)  # both servers serve the same state
            assert_read_models_equal_a_rebuild(ledger, database, tmp_path, a)
        finally:
            ledger.close()
    finally:
        stop_server(first)
        stop_server(second)


def _body(base: str, case: str) -> dict[str, Any]:
    response = httpx.get(f"{base}/cases/{case}", headers=REP)
    return {"etag": response.headers["ETag"], **response.json()}


def assert_read_models_equal_a_rebuild(ledger: Any, database: str, tmp_path: Path, base: str) -> None:
    """The shared read models, kept by both servers' runners taking turns, equal ones rebuilt alone."""
    head = ledger.head()
    httpx.get(f"{base}/cases", headers=REP, params={"min_position": head}).raise_for_status()
    shared = build_views(Settings(data_dir=tmp_path, database_url=database))
    rebuilt = ProjectionRunner(ledger, build_views(Backend("sqlite", None).settings(tmp_path / "rebuilt")),
                               ALL_PROJECTIONS)
    rebuilt.rebuild()
    try:
        for projection in ALL_PROJECTIONS:
            assert shared.dump(projection) == rebuilt.store.dump(projection), projection.name
    finally:
        shared.close()
        rebuilt.store.close()

