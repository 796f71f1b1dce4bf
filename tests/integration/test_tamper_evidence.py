"""Every way of changing stored history behind the engine's back is caught, and named."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest

from adapters.audit import ChainBroken, append_anchor, export_log, read_anchors, verify_export, verify_store
from adapters.clock import SimulatedClock
from adapters.hash_chain import GENESIS, Anchor, Verdict, link
from api.bootstrap import build_ledger
from api.demo import plan_demo
from api.settings import Settings
from domain.case import Case
from domain.case_events import Channel
from tests.conftest import BACKENDS, Backend
from tests.factories import NOW, REP
from tests.postgres_server import shared_cluster

CASELEDGER = str(Path(sys.executable).parent / "caseledger")


@dataclass(frozen=True)
class Store:
    """A store on either backend, and raw SQL on it written for SQLite, translated for PostgreSQL."""

    directory: Path
    url: str | None = None

    def settings(self) -> Settings:
        return Settings(data_dir=self.directory, database_url=self.url)

    def sql(self, statement: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        if self.url is None:
            with closing(sqlite3.connect(self.directory / "events.sqlite")) as db, db:
                return db.execute(statement, params).fetchall()
        with psycopg.connect(self.url) as pg:
            cursor = pg.execute(_postgres(statement), params)
            return cursor.fetchall() if cursor.description else []


def _postgres(statement: str) -> str:
    for sqlite, postgres in (("rowid", "notification_id"), ("stored_events", "caseledger_events"),
                             ("stored_snapshots", "caseledger_snapshots"),
                             ("CAST(state || ' ' AS BLOB)", "state || '\\x20'::bytea"), ("?", "%s")):
        statement = statement.replace(sqlite, postgres)
    return re.sub(r"replace\(state, ('[^']*'), ('[^']*')\)",
                  r"convert_to(replace(convert_from(state, 'UTF8'), \1, \2), 'UTF8')", statement)


@pytest.fixture(scope="module", params=BACKENDS)
def pristine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A small demo network, built once per backend; each test tampers with its own copy."""
    directory = tmp_path_factory.mktemp("pristine")
    cluster = request.getfixturevalue("postgres_cluster") if request.param == "postgresql" else None
    backend = Backend(request.param, cluster)
    pristine = Store(directory, backend.url(directory))
    clock = SimulatedClock(NOW)
    ledger = build_ledger(pristine.settings(), clock=clock)
    plan = plan_demo(ledger, clock, cases=12, seed=5)
    ledger.new_id = plan.new_id
    for _ in plan.run():
        pass
    case = ledger.open_case(ledger.context(REP), region="north", channel=Channel.PHONE, customer_ref="c-9",
                            subject="Long history", description="Many notes")
    for n in range(60):  # long enough for a snapshot
        ledger.add_note(ledger.context(REP), case.id, f"note {n}")
    ledger.close()
    yield pristine
    backend.close()


@pytest.fixture
def store(pristine: Store, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "data"
    shutil.copytree(pristine.directory, copy)
    if pristine.url is None:
        yield Store(copy)
        return
    cluster = shared_cluster()
    url = cluster.database(template=pristine.url)
    yield Store(copy, url)
    cluster.drop(url)


def verify(store: Store) -> Verdict:
    settings = store.settings()
    ledger = build_ledger(settings, clock=SimulatedClock(NOW))
    try:
        return verify_store(ledger, read_anchors(settings.anchors_path))
    finally:
        ledger.close()


def sql(store: Store, statement: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
    return store.sql(statement, params)


def row_at(store: Store, position: int) -> tuple[str, int]:
    ((record_id, version),) = sql(store, "SELECT originator_id, originator_version FROM stored_events "
                                         "WHERE rowid = ?", (position,))
    return UUID(str(record_id)).hex, int(version)


def test_an_untouched_store_verifies(store: Store) -> None:
    verdict = verify(store)
    assert verdict.intact and verdict.verified == sql(store, "SELECT COUNT(*) FROM stored_events")[0][0]


def test_an_altered_payload_is_named(store: Store) -> None:
    sql(store, "UPDATE stored_events SET state = CAST(state || ' ' AS BLOB) WHERE rowid = 40")
    verdict = verify(store)
    assert (verdict.record_id, verdict.version) == row_at(store, 40)
    assert "does not match its chain link" in str(verdict.problem) and verdict.verified == 39


def test_altered_metadata_is_named(store: Store) -> None:
    sql(store, "UPDATE stored_events SET topic = 'CaseClosed' WHERE rowid = 41")
    assert (verify(store).record_id, verify(store).version) == row_at(store, 41)


def test_a_deleted_event_is_named_from_its_chain_link(store: Store) -> None:
    expected = row_at(store, 30)
    sql(store, "DELETE FROM stored_events WHERE rowid = 30")
    verdict = verify(store)
    assert (verdict.record_id, verdict.version, verdict.verified) == (*expected, 29)
    assert "position 30 is missing" in str(verdict.problem)


def test_a_deleted_event_and_its_link_are_caught_at_the_next_event(store: Store) -> None:
    sql(store, "DELETE FROM stored_events WHERE rowid = 30")
    sql(store, "DELETE FROM event_chain WHERE position = 30")
    verdict = verify(store)
    assert (verdict.record_id, verdict.version) == row_at(store, 31)


def test_an_inserted_event_is_named(store: Store) -> None:
    (head,) = sql(store, "SELECT MAX(rowid) FROM stored_events")[0]
    sql(store, "INSERT INTO stored_events (originator_id, originator_version, topic, state, rowid) "
               "VALUES (?, 99, 'CaseClosed', ?, ?)", ("ab" * 16, b'{"satisfaction": 5}', head + 1))
    verdict = verify(store)
    assert (verdict.record_id, verdict.version) == ("ab" * 16, 99)
    assert f"position {head + 1} has no chain link" in str(verdict.problem)


def test_reordered_events_are_named(store: Store) -> None:
    first = row_at(store, 20)
    sql(store, "UPDATE stored_events SET rowid = -1 WHERE rowid = 20")
    sql(store, "UPDATE stored_events SET rowid = 20 WHERE rowid = 21")
    sql(store, "UPDATE stored_events SET rowid = 21 WHERE rowid = -1")
    verdict = verify(store)
    assert verdict.verified == 19 and (verdict.record_id, verdict.version) == row_at(store, 20) != first


def test_a_truncated_tail_is_caught_by_the_anchor_of_an_earlier_verification(store: Store) -> None:
    settings = store.settings()
    append_anchor(settings.anchors_path, verify(store).head)
    (head,) = sql(store, "SELECT MAX(rowid) FROM stored_events")[0]
    sql(store, "DELETE FROM stored_events WHERE rowid > ?", (head - 3,))
    sql(store, "DELETE FROM event_chain WHERE position > ?", (head - 3,))
    verdict = verify(store)
    assert not verdict.intact and "tail truncated" in str(verdict.problem)


def test_a_rewritten_chain_is_caught_by_an_anchor(store: Store) -> None:
    """Someone who edits an event and recomputes every later link passes the chain check, not the anchor."""
    settings = store.settings()
    append_anchor(settings.anchors_path, verify(store).head)
    sql(store, "UPDATE stored_events SET state = CAST(state || ' ' AS BLOB) WHERE rowid = 10")
    previous = GENESIS
    for position, record_id, version, topic, state in sql(
        store, "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
    ):
        previous = link(previous, position, UUID(str(record_id)).hex, version, topic, bytes(state))
        sql(store, "UPDATE event_chain SET hash = ? WHERE position = ?", (previous, position))
    verdict = verify(store)
    assert "differs from its anchor" in str(verdict.problem)


def test_a_tampered_snapshot_is_named(store: Store) -> None:
    ((record_id, version),) = sql(store, "SELECT originator_id, originator_version FROM stored_snapshots LIMIT 1")
    sql(store, "UPDATE stored_snapshots SET state = replace(state, '\"status\":\"new\"', '\"status\":\"closed\"')")
    verdict = verify(store)
    assert (verdict.record_id, verdict.version) == (UUID(str(record_id)).hex, version)
    assert "snapshot" in str(verdict.problem)


class TestExport:
    def test_an_export_verifies_without_the_database(self, store: Store, tmp_path: Path) -> None:
        ledger = build_ledger(store.settings(), clock=SimulatedClock(NOW))
        out = tmp_path / "log.jsonl"
        count = export_log(ledger, out)
        head = verify(store).head
        ledger.close()
        shutil.rmtree(store.directory)
        if store.url:
            shared_cluster().drop(store.url)
        verdict = verify_export(out, [head])
        assert verdict.intact and verdict.verified == count == head.position

    def test_an_edited_export_line_is_named(self, store: Store, tmp_path: Path) -> None:
        out = tmp_path / "log.jsonl"
        export_log(build_ledger(store.settings(), clock=SimulatedClock(NOW)), out)
        lines = out.read_text().splitlines()
        line = json.loads(lines[4])
        line["state"] = line["state"].replace("north", "south").replace("Tamm", "Mets") + " "
        lines[4] = json.dumps(line)
        out.write_text("\n".join(lines) + "\n")
        verdict = verify_export(out, [])
        assert (verdict.record_id, verdict.version) == (line["record_id"], line["version"])

    def test_a_broken_store_is_not_exported(self, store: Store, tmp_path: Path) -> None:
        sql(store, "DELETE FROM stored_events WHERE rowid = 3")
        with pytest.raises(ChainBroken, match="position 3 is missing"):
            export_log(build_ledger(store.settings(), clock=SimulatedClock(NOW)), tmp_path / "x.jsonl")


class TestCommand:
    def run(self, store: Store, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "CASELEDGER_DATA_DIR": str(store.directory), "CASELEDGER_DATABASE_URL": store.url or ""}
        return subprocess.run([CASELEDGER, "audit", *args], env=env, capture_output=True, text=True, timeout=120)

    def test_verify_prints_the_count_and_records_an_anchor(self, store: Store) -> None:
        result = self.run(store, "verify")
        count = sql(store, "SELECT COUNT(*) FROM stored_events")[0][0]
        assert result.returncode == 0 and f"intact: {count} events verified" in result.stdout
        assert read_anchors(store.settings().anchors_path)[-1].position == count

    def test_verify_exits_non_zero_naming_the_record_and_version(self, store: Store) -> None:
        record_id, version = row_at(store, 25)
        sql(store, "UPDATE stored_events SET state = replace(state, 'a', 'b') WHERE rowid = 25")
        result = self.run(store, "verify")
        assert result.returncode == 1
        assert f"record {record_id} version {version}" in result.stderr
        assert result.stderr.count("\n") == 1

    def test_an_anchor_given_on_the_command_line_is_checked(self, store: Store) -> None:
        result = self.run(store, "verify", "--no-anchor", "--expect", f"5:{'00' * 32}")
        assert result.returncode == 1 and "differs from its anchor" in result.stderr

    def test_a_malformed_anchor_is_one_line(self, store: Store) -> None:
        result = self.run(store, "verify", "--expect", "five")
        assert result.returncode == 1 and "is not POSITION:HASH" in result.stderr


def test_anchors_are_stored_as_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "anchors.jsonl"
    append_anchor(path, Anchor(3, b"\x01" * 32))
    assert read_anchors(path) == [Anchor(3, b"\x01" * 32)]


def test_the_snapshotted_case_still_loads(store: Store) -> None:
    ledger = build_ledger(store.settings(), clock=SimulatedClock(NOW))
    ((record_id,),) = sql(store, "SELECT originator_id FROM stored_snapshots LIMIT 1")
    assert ledger.get(Case, UUID(str(record_id))).notes_added == 60
