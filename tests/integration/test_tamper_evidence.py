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

from adapters.audit import (
    AnchorNotRecorded,
    AnchorsUnreadable,
    ChainBroken,
    append_anchor,
    export_log,
    read_anchors,
    verify_export,
    verify_store,
)
from adapters.clock import SimulatedClock
from adapters.hash_chain import GENESIS, Anchor, Verdict, link
from api.bootstrap import build_ledger
from api.demo import plan_demo
from api.settings import Settings
from domain.casework.case import Case
from domain.casework.case_events import Channel
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


def longest_record(store: Store) -> tuple[int, str, int]:
    """(position, record id, version) of the newest event of the record with the longest history."""
    ((record_id, version),) = sql(store, "SELECT originator_id, MAX(originator_version) FROM stored_events "
                                         "GROUP BY originator_id ORDER BY 2 DESC LIMIT 1")
    ((position,),) = sql(store, "SELECT rowid FROM stored_events WHERE originator_id = ? AND originator_version = ?",
                         (record_id, version))
    return int(position), UUID(str(record_id)).hex, int(version)


def forge_next_version(store: Store, position: int | None) -> tuple[str, int]:
    """A copy of a record's newest event stored as its next version at `position`, straight into the table."""
    newest, record_id, version = longest_record(store)
    sql(store, "INSERT INTO stored_events (originator_id, originator_version, topic, state, rowid) "
               "SELECT originator_id, originator_version + 1, topic, state, ? FROM stored_events WHERE rowid = ?",
        (position, newest))
    return record_id, version + 1


def rewrite_chain_after_editing(store: Store, position: int) -> None:
    """Edit one event and recompute every link from the first: the chain alone no longer shows it."""
    sql(store, "UPDATE stored_events SET state = CAST(state || ' ' AS BLOB) WHERE rowid = ?", (position,))
    previous = GENESIS
    for at, record_id, version, topic, state in sql(
        store, "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
    ):
        previous = link(previous, at, UUID(str(record_id)).hex, version, topic, bytes(state))
        sql(store, "UPDATE event_chain SET hash = ? WHERE position = ?", (previous, at))


def audit(store: Store, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`caseledger audit ARGS` in a subprocess, as an operator runs it."""
    environment = {**os.environ, "CASELEDGER_DATA_DIR": str(store.directory),
                   "CASELEDGER_DATABASE_URL": store.url or "", **env}
    return subprocess.run([CASELEDGER, "audit", *args], env=environment, capture_output=True, text=True,
                          timeout=120)


def printed_head(result: subprocess.CompletedProcess[str]) -> str:
    match = re.search(r"head (\d+:[0-9a-f]{64})", result.stdout)
    assert match, result.stdout + result.stderr
    return match.group(1)


def refused_in_one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    return result.stderr


class TestRowsOutsideTheChain:
    """Whatever its rowid or position, a row the engine can read is verified."""

    @pytest.mark.parametrize("where", ["zero", "negative", "far above the head"])
    def test_a_row_outside_the_chain_is_named_as_an_insertion(self, store: Store, where: str) -> None:
        anchor = printed_head(audit(store, "verify", "--no-anchor"))
        (head,) = sql(store, "SELECT MAX(rowid) FROM stored_events")[0]
        position = {"zero": 0, "negative": -7, "far above the head": head + 10_000}[where]
        record_id, version = forge_next_version(store, position)
        # the engine reads the forged row as the record's next version
        ledger = build_ledger(store.settings(), clock=SimulatedClock(NOW))
        assert ledger.get(Case, UUID(record_id)).version == version
        ledger.close()
        stderr = refused_in_one_line(audit(store, "verify", "--expect", anchor))
        assert f"record {record_id} version {version}" in stderr
        assert f"event at position {position} has no chain link (inserted outside the engine)" in stderr

    def test_a_row_without_a_position_is_named_as_an_insertion(self, store: Store) -> None:
        if store.url is not None:  # PostgreSQL refuses it unless someone drops the constraint first
            sql(store, "ALTER TABLE stored_events ALTER COLUMN rowid DROP NOT NULL")
        record_id, version = forge_next_version(store, None)
        stderr = refused_in_one_line(audit(store, "verify"))
        assert f"record {record_id} version {version}" in stderr and "inserted outside the engine" in stderr

    def test_a_row_sharing_a_position_is_named_as_an_insertion(self, store: Store) -> None:
        if store.url is None:
            pytest.skip("a SQLite rowid is unique by construction")
        sql(store, "DROP INDEX caseledger_events_notification_id_idx")
        record_id, version = forge_next_version(store, 5)
        stderr = refused_in_one_line(audit(store, "verify"))
        assert f"record {record_id} version {version}" in stderr and "inserted outside the engine" in stderr
        assert not read_anchors(store.settings().anchors_path)


class TestExportRefusesWhatVerifyRefuses:
    def test_a_truncated_tail_below_a_kept_anchor_is_not_exported(self, store: Store, tmp_path: Path) -> None:
        assert audit(store, "verify").returncode == 0
        (head,) = sql(store, "SELECT MAX(rowid) FROM stored_events")[0]
        sql(store, "DELETE FROM stored_events WHERE rowid > ?", (head - 3,))
        sql(store, "DELETE FROM event_chain WHERE position > ?", (head - 3,))
        out = tmp_path / "log.jsonl"
        assert "tail truncated" in refused_in_one_line(audit(store, "export", "--out", str(out)))
        assert not out.exists()

    def test_a_rewritten_chain_is_not_exported_against_an_anchor_given_on_the_command_line(
        self, store: Store, tmp_path: Path
    ) -> None:
        anchor = printed_head(audit(store, "verify", "--no-anchor"))
        rewrite_chain_after_editing(store, 10)
        out = tmp_path / "log.jsonl"
        stderr = refused_in_one_line(audit(store, "export", "--out", str(out), "--expect", anchor))
        assert "differs from its anchor" in stderr and not out.exists()

    def test_a_tampered_snapshot_is_not_exported(self, store: Store, tmp_path: Path) -> None:
        sql(store, "UPDATE stored_snapshots SET state = replace(state, '\"status\":\"new\"', '\"status\":\"closed\"')")
        out = tmp_path / "log.jsonl"
        assert "snapshot" in refused_in_one_line(audit(store, "export", "--out", str(out)))
        assert not out.exists()

    def test_an_intact_store_exports_what_verify_verified(self, store: Store, tmp_path: Path) -> None:
        anchor = printed_head(audit(store, "verify"))
        out = tmp_path / "log.jsonl"
        assert audit(store, "export", "--out", str(out), "--expect", anchor).returncode == 0
        result = audit(store, "verify", "--file", str(out), "--expect", anchor)
        assert result.returncode == 0 and printed_head(result) == anchor

    def test_an_export_that_cannot_be_written_is_one_line(self, store: Store, tmp_path: Path) -> None:
        out = tmp_path / "missing" / "log.jsonl"
        assert f"cannot write {out}" in refused_in_one_line(audit(store, "export", "--out", str(out)))


class TestRewrittenChain:
    """An anchor that no longer matches proves nothing before it; only an earlier matching anchor does."""

    def test_nothing_up_to_a_mismatched_anchor_is_claimed_verified(self, store: Store) -> None:
        anchor = printed_head(audit(store, "verify", "--no-anchor"))
        rewrite_chain_after_editing(store, 10)
        stderr = refused_in_one_line(audit(store, "verify", "--expect", anchor))
        position = anchor.split(":")[0]
        assert f"the chain at position {position} differs from its anchor" in stderr
        assert "no event can be trusted" in stderr and "events verify" not in stderr
        verdict = verify_store(build_ledger(store.settings(), clock=SimulatedClock(NOW)),
                               [Anchor(int(position), bytes.fromhex(anchor.split(":")[1]))])
        assert (verdict.verified, verdict.head.position, verdict.record_id) == (0, 0, None)

    def test_an_earlier_matching_anchor_bounds_what_is_verified(self, store: Store) -> None:
        early = verify_chain_head(store, 5)
        anchor = printed_head(audit(store, "verify", "--no-anchor"))
        rewrite_chain_after_editing(store, 10)
        stderr = refused_in_one_line(audit(store, "verify", "--expect", early, "--expect", anchor))
        assert "the first 5 events verify" in stderr


def verify_chain_head(store: Store, position: int) -> str:
    ((digest,),) = sql(store, "SELECT hash FROM event_chain WHERE position = ?", (position,))
    return f"{position}:{bytes(digest).hex()}"


class TestAnchorsFile:
    def test_verify_on_postgresql_needs_no_data_directory(self, store: Store, tmp_path: Path) -> None:
        if store.url is None:
            pytest.skip("the embedded store lives in the data directory")
        missing = tmp_path / "no" / "such" / "dir"
        result = audit(store, "verify", CASELEDGER_DATA_DIR=str(missing))
        assert result.returncode == 0 and "intact" in result.stdout, result.stderr
        anchors = read_anchors(Settings(data_dir=missing, database_url=store.url).anchors_path)
        assert [f"{a.position}:{a.hash.hex()}" for a in anchors] == [printed_head(result)]

    def test_anchors_are_kept_where_the_setting_says(self, store: Store, tmp_path: Path) -> None:
        kept = tmp_path / "elsewhere" / "anchors.jsonl"
        first = audit(store, "verify", CASELEDGER_AUDIT_ANCHORS=str(kept))
        assert first.returncode == 0 and not store.settings().anchors_path.exists()
        assert [f"{a.position}:{a.hash.hex()}" for a in read_anchors(kept)] == [printed_head(first)]
        rewrite_chain_after_editing(store, 10)
        assert "differs from its anchor" in refused_in_one_line(
            audit(store, "verify", CASELEDGER_AUDIT_ANCHORS=str(kept)))

    def test_a_failed_verification_records_no_anchor(self, store: Store) -> None:
        sql(store, "UPDATE stored_events SET topic = 'CaseClosed' WHERE rowid = 41")
        refused_in_one_line(audit(store, "verify"))
        assert not read_anchors(store.settings().anchors_path)

    def test_a_corrupt_anchors_file_is_one_line(self, store: Store, tmp_path: Path) -> None:
        kept = tmp_path / "anchors.jsonl"
        kept.write_text('{"position": 3, "hash": "zz"}\n')
        for command in (["verify"], ["export", "--out", str(tmp_path / "log.jsonl")]):
            stderr = refused_in_one_line(audit(store, *command, CASELEDGER_AUDIT_ANCHORS=str(kept)))
            assert f"{kept}:1" in stderr

    def test_an_anchors_path_that_cannot_be_used_is_one_line(self, store: Store, tmp_path: Path) -> None:
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        stderr = refused_in_one_line(audit(store, "verify", CASELEDGER_AUDIT_ANCHORS=str(blocker / "anchors.jsonl")))
        assert "anchors file" in stderr and "CASELEDGER_AUDIT_ANCHORS" in stderr


class TestWhatAVerdictNames:
    """Found by an outside try: rows forged in odd shapes were caught but named wrongly."""

    def test_a_row_and_a_link_forged_before_the_first_position_are_an_insertion(self, store: Store) -> None:
        record_id, version = forge_next_version(store, 0)
        sql(store, "INSERT INTO event_chain VALUES (0, ?, ?, ?)", (record_id, version, b"\x00" * 32))
        stderr = refused_in_one_line(audit(store, "verify"))
        assert "event at position 0 has no chain link (inserted outside the engine)" in stderr, stderr
        assert "..-1" not in stderr

    def test_a_version_that_is_not_a_whole_number_is_said_so(self, store: Store) -> None:
        if store.url is not None:
            pytest.skip("PostgreSQL's integer column refuses 10.5")
        sql(store, "UPDATE stored_events SET originator_version = 10.5 WHERE rowid = 7")
        stderr = refused_in_one_line(audit(store, "verify"))
        assert "a version that is not a whole number" in stderr and "version -1" not in stderr

    def test_a_row_with_nothing_in_it_names_no_record(self, store: Store) -> None:
        if store.url is not None:
            pytest.skip("PostgreSQL's NOT NULL columns refuse an empty row")
        sql(store, "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
                   "VALUES (-3, NULL, NULL, NULL, NULL)")
        stderr = refused_in_one_line(audit(store, "verify"))
        assert "a row with no record id" in stderr and "record None" not in stderr


class TestAnchorsAreReadStrictly:
    @pytest.mark.parametrize("position", ["true", "1.5", '"3"'])
    def test_an_anchor_whose_position_is_not_a_whole_number_is_refused(self, tmp_path: Path, position: str
                                                                        ) -> None:
        path = tmp_path / "anchors.jsonl"
        path.write_text(f'{{"position": {position}, "hash": "{"ab" * 32}"}}\n')
        with pytest.raises(AnchorsUnreadable, match=":1 is not an anchor"):
            read_anchors(path)

    def test_an_expected_head_in_other_digits_is_refused(self, store: Store) -> None:
        stderr = refused_in_one_line(audit(store, "verify", "--expect", f"\u0661\u0666:{'ab' * 32}"))
        assert "is not POSITION:HASH" in stderr

    def test_an_empty_anchors_setting_means_the_default(self, store: Store) -> None:
        result = audit(store, "verify", CASELEDGER_AUDIT_ANCHORS="")
        assert result.returncode == 0, result.stderr
        assert read_anchors(store.settings().anchors_path)


def test_an_anchor_that_cannot_be_written_names_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(AnchorNotRecorded, match=r"its head was not recorded in .*a-file/anchors\.jsonl"):
        append_anchor(blocker / "anchors.jsonl", Anchor(3, b"\x01" * 32))


def test_anchors_are_written_into_a_directory_that_does_not_exist_yet(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "anchors.jsonl"
    append_anchor(path, Anchor(3, b"\x01" * 32))
    assert read_anchors(path) == [Anchor(3, b"\x01" * 32)]
