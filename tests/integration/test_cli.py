"""The `caseledger` command as a user runs it: a real process on a real store, on each backend."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.clock import SimulatedClock
from api.bootstrap import build_ledger
from projections.census import Census
from tests.conftest import Backend
from tests.factories import ADMIN, NOW

CASELEDGER = str(Path(sys.executable).parent / "caseledger")
START = "2026-01-05T08:00:00+00:00"
READ_MODELS = ("cases", "staff", "directory", "audit")


_on: list[Backend] = []


@pytest.fixture(autouse=True)
def on_backend(backend: Backend) -> Iterator[None]:
    """Every test here runs once per backend; `run` and `query` use this test's."""
    _on.append(backend)
    yield
    _on.clear()


def run(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = _on[0].env(data_dir, COLUMNS="200")
    result = subprocess.run([CASELEDGER, *args], env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def stats(data_dir: Path) -> dict[str, object]:
    return json.loads(run(data_dir, "stats", "--json").stdout)


def sized(cases: int) -> str:
    """A demo's size: a third on PostgreSQL, where each command costs network round trips, so the
    suite stays fast; what these tests check does not depend on the size."""
    return str(cases if _on[0].name == "sqlite" else cases // 3)


def query(data_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    """Raw SQL on the event store (written against `stored_events`)."""
    return _on[0].query(data_dir, sql.replace("stored_events", _on[0].events_table))


class TestDemo:
    def test_demo_seeds_a_network_with_every_status_and_stats_counts_it(self, tmp_path: Path) -> None:
        run(tmp_path, "demo", "--cases", "400", "--seed", "3", "--start", START)
        counts = stats(tmp_path)
        cases = counts["cases"]
        assert isinstance(cases, dict) and cases["total"] == 400
        assert set(cases["by_status"]) == {"new", "triaged", "in_progress", "escalated", "waiting_on_customer",
                                           "resolved", "closed"}
        assert set(cases["by_region"]) == {"north", "south", "east", "west", "central"}
        assert {"active", "negotiating"} <= set(counts["contracts"]["by_status"])  # type: ignore[index]
        assert {"prospect", "active", "credentialing"} <= set(counts["providers"]["by_status"])  # type: ignore[index]

    def test_the_demo_covers_the_stories_of_the_source_texts(self, tmp_path: Path) -> None:
        run(tmp_path, "demo", "--cases", "300", "--seed", "3", "--start", START)
        topics = {row[0] for row in query(tmp_path, "SELECT DISTINCT topic FROM stored_events")}
        states = [row[0] for row in query(tmp_path, "SELECT state FROM stored_events WHERE topic='CaseOpened'")]
        assert {"CaseEscalated", "ActionScheduled", "PolicyIssueFlagged", "ContractCounterOffered",
                "ContractSigned", "ProviderMeetingLogged", "RetentionRiskFlagged", "CaseReopened"} <= topics
        assert any(json.loads(state)["contract_id"] for state in states), "no billing dispute names a contract"
        kinds = {json.loads(row[0])["kind"] for row in query(
            tmp_path, "SELECT state FROM stored_events WHERE topic='ActionScheduled'")}
        assert "repair_visit" in kinds

    @pytest.mark.slow
    def test_the_same_seed_gives_the_same_network(self, tmp_path: Path) -> None:
        first, second = tmp_path / "one", tmp_path / "two"
        cases = sized(1000)
        run(first, "demo", "--cases", cases, "--seed", "1")
        run(second, "demo", "--cases", cases, "--seed", "1")
        assert stats(first) == stats(second)

    def test_demo_refuses_a_store_that_holds_events(self, tmp_path: Path) -> None:
        run(tmp_path, "demo", "--cases", "5", "--start", START)
        result = run(tmp_path, "demo", "--cases", "5", check=False)
        assert result.returncode == 1
        assert result.stderr.strip().endswith("demo data goes into an empty store")
        assert run(tmp_path, "demo", "--if-empty").stdout.startswith("the store at")


    def test_a_demo_records_nothing_after_now(self, tmp_path: Path) -> None:
        """Its story (and the timers it fires) is over by now, so the first command after it is not refused
        for a record dated in the future."""
        run(tmp_path, "demo", "--cases", sized(60))
        ledger = build_ledger(_on[0].settings(tmp_path), clock=SimulatedClock(NOW))
        try:
            last = max(entry.event.occurred_at for entry in ledger.read_log())
        finally:
            ledger.close()
        assert last <= datetime.now(UTC)

    def test_a_demo_that_would_end_after_now_is_refused_in_one_line(self, tmp_path: Path) -> None:
        start = (datetime.now(UTC) - timedelta(days=1)).isoformat()
        result = run(tmp_path, "demo", "--cases", "60", "--start", start, check=False)
        assert result.returncode == 1 and result.stderr.count("\n") == 1
        assert "after now: give an earlier --start" in result.stderr


class TestReading:
    def test_history_lists_a_records_events_with_actor_and_time(self, tmp_path: Path) -> None:
        run(tmp_path, "demo", "--cases", "30", "--start", START)
        case_id = str(query(tmp_path, "SELECT originator_id FROM stored_events WHERE topic='CaseEscalated'")[0][0])
        rows = json.loads(run(tmp_path, "history", case_id, "--json").stdout)
        assert rows[0]["type"] == "CaseOpened" and [r["version"] for r in rows] == list(range(1, len(rows) + 1))
        assert {"CaseEscalated"} <= {r["type"] for r in rows}
        assert all(r["actor"]["id"] and r["occurred_at"] for r in rows)
        table = run(tmp_path, "history", case_id).stdout
        assert "CaseEscalated" in table and "(representative)" in table

    def test_stats_of_an_empty_store_are_zero(self, tmp_path: Path) -> None:
        build_ledger(_on[0].settings(tmp_path), clock=SimulatedClock(NOW)).close()
        assert stats(tmp_path)["events"] == 0


class TestErrors:
    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["stats"], "no event store at"),
            (["history", "not-a-uuid"], "is not a record id"),
            (["demo", "--cases", "-1"], "Invalid value for '--cases'"),
        ],
    )
    def test_a_mistake_is_one_line_and_a_non_zero_exit(self, tmp_path: Path, args: list[str], message: str) -> None:
        env = {**os.environ, "CASELEDGER_DATA_DIR": str(tmp_path / "nowhere")}  # no store at all
        result = subprocess.run([CASELEDGER, *args], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode != 0
        assert message in result.stderr
        assert "Traceback" not in result.stderr

    def test_an_unknown_record_is_one_line(self, tmp_path: Path) -> None:
        run(tmp_path, "demo", "--cases", "1", "--start", START)
        result = run(tmp_path, "history", "00000000-0000-4000-8000-000000000000", check=False)
        assert (result.returncode, result.stderr.strip().count("\n")) == (1, 0)
        assert "no record with id" in result.stderr


@pytest.mark.slow
def test_killing_demo_midway_leaves_a_store_that_loads_cleanly(tmp_path: Path) -> None:
    for attempt in range(3):
        target = tmp_path / f"run{attempt}"
        process = subprocess.Popen([CASELEDGER, "demo", "--cases", "3000", "--start", START], env=_on[0].env(target),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _events(target) < 300 * (attempt + 1):
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert _events(target) > 0

        # every record loads, its versions run 1..n without a gap, and stats works on what is there
        ledger = build_ledger(_on[0].settings(target), clock=SimulatedClock(NOW))
        census = Census().apply_all(logged.event for logged in ledger.read_log())
        ledger.close()
        for _record, count, top in query(
            target, "SELECT originator_id, COUNT(*), MAX(originator_version) FROM stored_events GROUP BY originator_id"
        ):
            assert count == top
        assert census.events == _events(target)
        assert stats(target)["events"] == census.events


def _events(data_dir: Path) -> int:
    try:
        return int(query(data_dir, "SELECT COUNT(*) FROM stored_events")[0][0])
    except sqlite3.OperationalError:  # the file exists before its tables do
        return 0


class TestReadModels:
    NOW = "2026-04-01T12:00:00+00:00"

    def dashboards(self, data_dir: Path) -> dict[str, object]:
        return {region: json.loads(run(data_dir, "dashboard", region, "--json", "--now", self.NOW).stdout)
                for region in ("north", "south", "east", "west", "central")}

    def test_a_rebuild_gives_the_dashboards_the_live_read_models_gave(self, tmp_path: Path) -> None:
        run(tmp_path, "demo", "--cases", sized(300), "--seed", "2", "--start", START)
        live = self.dashboards(tmp_path)
        assert run(tmp_path, "projections", "rebuild").stdout.startswith("rebuilt all read models from")
        assert self.dashboards(tmp_path) == live
        north = live["north"]
        assert isinstance(north, dict) and north["open_cases"]["total"] > 0 and north["workload"]

    def status(self, data_dir: Path) -> dict[str, list[str]]:
        """`projections status` as {read model: [position, head, lag, failure...]}, from its table."""
        table = run(data_dir, "projections", "status").stdout
        rows = [line.split() for line in table.splitlines()]
        assert ["read", "model", "position", "head", "lag", "failure"] in rows, table
        return {row[0]: row[1:] for row in rows if row and row[0] in READ_MODELS}

    def test_status_shows_every_read_model_at_the_head_then_behind_it(self, tmp_path: Path) -> None:
        run(tmp_path, "demo", "--cases", "10", "--start", START)
        head = int(str(stats(tmp_path)["events"]))
        assert self.status(tmp_path) == {name: [str(head), str(head), "0"] for name in READ_MODELS}

        # one more event, written by a program that runs no read models: each is one behind
        ledger = build_ledger(_on[0].settings(tmp_path), clock=SimulatedClock(NOW))
        ledger.establish_region(ledger.context(ADMIN), "atlantis", "Atlantis")
        ledger.close()
        assert self.status(tmp_path) == {name: [str(head), str(head + 1), "1"] for name in READ_MODELS}

    def test_rebuilding_an_unknown_read_model_is_one_line(self, tmp_path: Path) -> None:
        run(tmp_path, "demo", "--cases", "1", "--start", START)
        result = run(tmp_path, "projections", "rebuild", "nope", check=False)
        assert result.returncode == 1 and "no read model named 'nope'; there are: cases" in result.stderr

    def test_an_unknown_region_names_the_regions_there_are(self, tmp_path: Path) -> None:
        run(tmp_path, "demo", "--cases", "1", "--start", START)
        result = run(tmp_path, "dashboard", "atlantis", check=False)
        assert result.returncode == 1 and "there are: central, east, north, south, west" in result.stderr


def first_escalation_alone_at_its_instant(data_dir: Path) -> tuple[str, dict[str, Any]]:
    """A person's escalation, the only event at its instant (a breach escalates at the instant it is recorded)."""
    ledger = build_ledger(_on[0].settings(data_dir), clock=SimulatedClock(NOW))
    try:
        for (record,) in query(data_dir, "SELECT originator_id FROM stored_events WHERE topic='CaseEscalated'"):
            history = ledger.history(record if isinstance(record, UUID) else UUID(record))
            for before, event in pairwise(history):
                if event.type_name == "CaseEscalated" and event.actor.id != "timers" and (
                        before.occurred_at < event.occurred_at):
                    return str(event.originator_id), {"version": event.originator_version,
                                                      "occurred_at": event.occurred_at.isoformat()}
    finally:
        ledger.close()
    raise AssertionError("the demo escalated no case by hand")


def test_history_as_of_prints_the_state_at_that_moment(tmp_path: Path) -> None:
    run(tmp_path, "demo", "--cases", "30", "--start", START)
    case_id, escalated = first_escalation_alone_at_its_instant(tmp_path)
    just_before = (datetime.fromisoformat(escalated["occurred_at"]) - timedelta(seconds=1)).isoformat()
    before = json.loads(run(tmp_path, "history", case_id, "--as-of", just_before).stdout)
    after = json.loads(run(tmp_path, "history", case_id, "--as-of", escalated["occurred_at"]).stdout)
    assert (before["version"], after["version"]) == (escalated["version"] - 1, escalated["version"])
    assert (before["status"], after["status"]) == ("in_progress", "escalated")
    assert json.loads(run(tmp_path, "history", case_id, "--version", "1").stdout)["status"] == "new"
    both = run(tmp_path, "history", case_id, "--version", "1", "--as-of", just_before, check=False)
    assert both.returncode == 1 and both.stderr == "caseledger: give --as-of or --version, not both\n"
    naive = run(tmp_path, "history", case_id, "--as-of", "2026-09-01T12:00:00", check=False)
    assert naive.returncode == 1 and "has no offset" in naive.stderr


def test_audit_export_writes_a_file_that_verifies_on_its_own(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run(data, "demo", "--cases", "10", "--start", START)
    assert "exported" in run(data, "audit", "export", "--out", str(tmp_path / "log.jsonl")).stdout
    result = run(tmp_path / "elsewhere", "audit", "verify", "--file", str(tmp_path / "log.jsonl"))
    assert result.stdout.startswith("intact:")
