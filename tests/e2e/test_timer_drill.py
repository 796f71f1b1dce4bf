"""The timer drill: servers killed with SIGKILL, again and again, while timers are due; every due timer
fires exactly once (counted from the events), on SQLite with one server and on PostgreSQL with two."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from uuid import UUID

import pytest

from adapters.clock import SimulatedClock
from adapters.hash_chain import ChainedRecorder
from api.bootstrap import build_ledger
from domain.application import CaseLedger
from domain.errors import ConcurrentUpdate
from domain.network.contract import Party
from domain.network.provider import ProviderKind
from domain.timer import TimerState
from tests.conftest import Backend, staff_regions
from tests.e2e.conftest import CASELEDGER, SECRET, start_server
from tests.factories import EVIDENCE, REP, terms
from tests.ports import free_port

ROUNDS, PAIRS = 8, 50
"""Rounds of the drill, and providers seeded per round, each with a contract: four timers due at once per pair
(the two alerts of a credential that expires in a month -- the first to fire gives the 90-day alert, which makes
the other moot --, the renewal reminder and the expiry of a contract whose terms ran out years ago)."""
DRILL_ENV = {"CASELEDGER_TIMER_INTERVAL_SECONDS": "0.05", "CASELEDGER_TIMER_LEASE_SECONDS": "1"}


def seed_overdue_pairs(ledger: CaseLedger, first: int, count: int) -> None:
    """Providers credentialed until a month from today, each with a contract whose terms (entered late) ran out
    three years ago: written by a process of its own (an importer, say) while the servers fire their timers."""
    ctx = ledger.context(REP)
    today = datetime.now(UTC).date()
    expiry, effective = today + timedelta(days=30), today - timedelta(days=4 * 365)
    for n in range(first, first + count):
        provider = ledger.prospect_provider(ctx, name=f"Clinic {n}", kind=ProviderKind.CLINIC, region="north").id
        ledger.receive_application(ctx, provider)
        ledger.start_credentialing(ctx, provider)
        ledger.credential_provider(ctx, provider, expiry)
        retried(partial(ledger.activate_provider, ctx, provider))  # the servers may be alerting it right now
        contract = ledger.draft_contract(ctx, provider_id=provider, title="Agreement",
                                         terms=terms(effective, years=1)).id
        ledger.propose_contract(ctx, contract)
        ledger.agree_contract(ctx, contract, Party.PROVIDER, EVIDENCE)
        ledger.sign_contract(ctx, contract, Party.PROVIDER, EVIDENCE)
        ledger.sign_contract(ctx, contract, Party.NETWORK)
        ledger.activate_contract(ctx, contract)


def retried(command: Callable[[], object]) -> None:
    for _ in range(20):
        try:
            command()
            return
        except ConcurrentUpdate:
            continue
    raise AssertionError("a command lost every race with the timers")


def drill(backend: Backend, tmp_path: Path, servers: int) -> None:
    """Each round: with the servers down, an importer writes records whose timers are all due at once; the
    servers start together and fire them; one is killed (SIGKILL) at a random moment, then the rest."""
    data = tmp_path / "data"
    seeder = build_ledger(backend.settings(data))
    staff_regions(seeder)
    env = backend.env(data, **DRILL_ENV)
    rng, while_due, running = random.Random(16), 0, []
    try:
        for round_ in range(ROUNDS + 1):
            seed_overdue_pairs(seeder, round_ * PAIRS, PAIRS if round_ < ROUNDS else 0)
            if round_ == ROUNDS:  # the last start: let them finish
                running = start_servers(env, tmp_path, servers, round_)
                deadline = time.monotonic() + 120
                while due_left(backend, data) and time.monotonic() < deadline:
                    time.sleep(0.2)
                break
            fired = fired_count(backend, data)
            running = launch_servers(env, tmp_path, servers, round_)
            deadline = time.monotonic() + 60
            while fired_count(backend, data) == fired and time.monotonic() < deadline:
                time.sleep(0.01)  # the servers are up and firing: kill one a moment later
            time.sleep(rng.uniform(0.0, 0.1))
            kill(running.pop(rng.randrange(servers)))
            while_due += due_left(backend, data) > 0
            time.sleep(rng.uniform(0.0, 0.4))  # the other server, if any, takes the lease over and goes on
            for process in running:
                kill(process)
    finally:
        seeder.close()
        for process in running:
            kill(process)
    assert while_due >= ROUNDS // 2, f"only {while_due} of {ROUNDS} kills came while timers were due"
    check_each_fired_once(backend, data, ROUNDS * PAIRS)


def start_servers(env: dict[str, str], tmp_path: Path, count: int, round_: int) -> list[subprocess.Popen[bytes]]:
    """`count` servers started at once (each fires timers from the moment it is up)."""
    with ThreadPoolExecutor(count) as pool:
        started = pool.map(lambda n: start_server(env, tmp_path / f"server-{n}-{round_}.log")[0], range(count))
        return list(started)


def launch_servers(env: dict[str, str], tmp_path: Path, count: int, round_: int) -> list[subprocess.Popen[bytes]]:
    """`count` servers started at once, not waited for: they fire timers from their first moment."""
    launched = []
    for n in range(count):
        with (tmp_path / f"launched-{n}-{round_}.log").open("w") as log:
            launched.append(subprocess.Popen([CASELEDGER, "serve", "--port", str(free_port()), "--no-admin-token"],
                                             env={"CASELEDGER_TOKEN_SECRET": SECRET, **env},
                                             stdout=subprocess.DEVNULL, stderr=log))
    return launched


def fired_count(backend: Backend, data: Path) -> int:
    ((count,),) = backend.query(data, "SELECT COUNT(*) FROM timers WHERE state = 'fired'")
    return int(count)


def kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)


def due_left(backend: Backend, data: Path) -> int:
    """Timers due by now and not fired (a lapse a month away is not due)."""
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    ((count,),) = backend.query(data, "SELECT COUNT(*) FROM timers WHERE state = 'due' AND due_at <= ?", (now,))
    return int(count)


def check_each_fired_once(backend: Backend, data: Path, pairs: int) -> None:
    ledger = build_ledger(backend.settings(data), clock=SimulatedClock(datetime.now(UTC)))
    try:
        recorder = ledger.recorder
        assert isinstance(recorder, ChainedRecorder)
        everything = recorder.timers(ledger.clock(), limit=10_000)
        rows = [row for row in everything if row.purpose != "credential.lapse"]
        assert Counter(row.state for row in rows) == {TimerState.FIRED: 3 * pairs, TimerState.CANCELLED: pairs}, (
            "a timer was missed or dropped")
        assert Counter(row.state for row in everything if row not in rows) == {TimerState.DUE: pairs}
        causes = Counter(event.causation_id for entry in ledger.read_log() for event in [entry.event]
                         if event.actor.id == "timers")
        for row in rows:
            if row.state == TimerState.CANCELLED:
                assert row.purpose == "credential.alert_90"
                continue
            own = [event for event in ledger.history(row.record_id) if event.causation_id == row.id]
            assert len(own) == 1, f"timer {row.purpose} of {row.kind} {row.record_id} caused {len(own)} events"
            assert row.ended_position is not None
        # every event the timers caused belongs to one of them: nothing fired twice under another id
        fired_ids: set[UUID | None] = {row.id for row in rows if row.state == TimerState.FIRED}
        assert set(causes) <= fired_ids
        per_kind = Counter(event.type_name for entry in ledger.read_log() for event in [entry.event]
                           if event.actor.id == "timers")
        assert per_kind == {"CredentialExpiryAlerted": pairs, "ContractRenewalDue": pairs,
                            "ContractExpired": pairs}
    finally:
        ledger.close()


@pytest.mark.slow
def test_sqlite_one_server_killed_again_and_again_fires_every_timer_once(tmp_path: Path) -> None:
    drill(Backend("sqlite", None), tmp_path, servers=1)


@pytest.mark.slow
def test_postgresql_two_servers_killed_in_turn_fire_every_timer_once(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    backend = Backend("postgresql", request.getfixturevalue("postgres_cluster"))
    try:
        drill(backend, tmp_path, servers=2)
    finally:
        backend.close()

