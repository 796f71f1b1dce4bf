"""Group commit on the embedded store: concurrent commands share one transaction, a refused one
fails alone, and an acknowledged command survives the process being killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.audit import verify_store
from adapters.clock import SimulatedClock
from adapters.group_commit import GroupCommitSQLiteRecorder
from api.bootstrap import build_ledger
from api.settings import Settings
from domain.application import CaseLedger
from domain.casework.case import Case
from domain.casework.case_events import Channel
from domain.errors import VersionMismatch
from domain.ledger import CommandResult
from tests.conftest import staff_regions
from tests.factories import REP


@pytest.fixture
def ledger(tmp_path: Path, clock: SimulatedClock) -> Iterator[CaseLedger]:
    app = build_ledger(Settings(data_dir=tmp_path), clock=clock)
    staff_regions(app)
    yield app
    app.close()


def open_case(ledger: CaseLedger, n: int = 0) -> UUID:
    return ledger.open_case(ledger.context(REP), region="north", channel=Channel.PHONE, customer_ref=f"c-{n}",
                            subject="No dial tone", description="Since Monday").id


def held_batch(ledger: CaseLedger, commands: list[Callable[[], CommandResult]]) -> tuple[list[Any], list[int]]:
    """Run `commands` from one thread each while the writer is held, so all of them queue, then
    let the writer go. Returns each command's result (or error) and the sizes of the batches."""
    recorder = ledger.recorder
    assert isinstance(recorder, GroupCommitSQLiteRecorder)
    batches: list[int] = []
    commit = recorder._commit

    def counted(batch: list[Any]) -> None:
        batches.append(len(batch))
        commit(batch)

    outcomes: list[Any] = [None] * len(commands)

    def run(i: int) -> None:
        try:
            outcomes[i] = commands[i]()
        except Exception as error:  # the outcome is what the test looks at
            outcomes[i] = error

    recorder._commit = counted  # type: ignore[method-assign]
    with recorder._queue.writer:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(commands))]
        for thread in threads:
            thread.start()
        while len(recorder._queue.waiting) < len(commands):
            threading.Event().wait(0.005)
    for thread in threads:
        thread.join()
    return outcomes, batches


def test_concurrent_commands_share_one_commit(ledger: CaseLedger) -> None:
    cases = [open_case(ledger, n) for n in range(8)]
    head = ledger.head()
    outcomes, batches = held_batch(ledger, [partial(ledger.add_note, ledger.context(REP), case_id, "Called back")
                                            for case_id in cases])
    assert batches == [8]
    assert sorted(result.position for result in outcomes) == list(range(head + 1, head + 9))
    for case_id, result in zip(cases, outcomes, strict=True):
        assert result.id == case_id and ledger.get(Case, case_id).version == result.version == 2
    assert verify_store(ledger, []).intact


def test_a_refused_command_fails_alone(ledger: CaseLedger) -> None:
    shared, other = open_case(ledger, 1), open_case(ledger, 2)
    head = ledger.head()
    outcomes, batches = held_batch(ledger, [
        lambda: ledger.add_note(ledger.context(REP), shared, "first", expected_version=1),
        lambda: ledger.add_note(ledger.context(REP), shared, "second", expected_version=1),
        lambda: ledger.add_note(ledger.context(REP), other, "independent"),
    ])
    assert batches == [3]
    refused = [outcome for outcome in outcomes[:2] if isinstance(outcome, VersionMismatch)]
    assert len(refused) == 1 and "is at version 2, not 1" in str(refused[0])
    accepted = [outcome for outcome in outcomes if isinstance(outcome, CommandResult)]
    assert sorted(result.position for result in accepted) == [head + 1, head + 2]
    assert ledger.get(Case, shared).notes_added == 1
    assert ledger.get(Case, other).version == 2
    assert ledger.head() == head + 2 and verify_store(ledger, []).intact


WRITER = """
import sys, threading
from api.bootstrap import build_ledger
from api.settings import Settings
from domain.casework.case_events import Channel
from tests.conftest import staff_regions
from tests.factories import REP

ledger = build_ledger(Settings(data_dir=sys.argv[1]))
staff_regions(ledger)
lock = threading.Lock()

def write(k):
    case_id = ledger.open_case(ledger.context(REP), region="north", channel=Channel.PHONE, customer_ref=f"c{k}",
                               subject="Outage", description="No line").id
    n = 0
    while True:
        n += 1
        result = ledger.add_note(ledger.context(REP), case_id, f"note {n}")
        with lock:
            print(result.id.hex, result.version, result.position, flush=True)

for k in range(16):
    threading.Thread(target=write, args=(k,), daemon=True).start()
threading.Event().wait()
"""


def test_every_acknowledged_command_survives_a_kill(tmp_path: Path) -> None:
    """16 writers through group commit, killed with SIGKILL mid-stream: every command the process
    acknowledged is stored at the position it was given, and the chain is intact."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    assert writer.stdout is not None
    acknowledged = []
    for line in writer.stdout:
        acknowledged.append(line.split())
        if len(acknowledged) == 400:
            break
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    acknowledged += [line.split() for line in writer.stdout.read().splitlines() if len(line.split()) == 3]
    writer.stdout.close()

    ledger = build_ledger(Settings(data_dir=tmp_path))
    try:
        for record_hex, version, position in acknowledged:
            assert ledger.recorder.position_of(UUID(record_hex), int(version)) == int(position)  # type: ignore[attr-defined]
        verdict = verify_store(ledger, [])
        assert verdict.intact and verdict.head.position == ledger.head() >= max(int(a[2]) for a in acknowledged)
    finally:
        ledger.close()
