"""W1, W2: durable case commands per second, directly and over HTTP, each against its baseline.

    python -m benchmarks.writes [--events 4000]   (commands per measurement)

W1: case commands through the command service on SQLite (WAL, `synchronous=FULL`: every
acknowledged command is fsync'd), from 1 and from 32 concurrent callers, against a plain
`eventsourcing` Application with a one-field aggregate doing the same number of commands one after
another on the same disk. W2: the same commands POSTed to `caseledger serve`, against a bare
FastAPI route that does nothing, served by the same uvicorn settings to the same client.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import httpx
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from adapters.clock import SimulatedClock
from api.bootstrap import build_ledger, migrate
from api.settings import Settings
from benchmarks.history import START
from benchmarks.report import Row, run_benchmark
from domain.casework.case_events import Channel
from domain.values import Actor, Role
from tests.conftest import staff_regions
from tests.e2e.conftest import headers, staff, start_server, stop_server, wait_until_up
from tests.ports import free_port

__all__ = ["command_rate", "measure_writes"]

REP = Actor(id="rep-north-1", role=Role.REPRESENTATIVE)
CALLERS = 32
HTTP_CLIENTS = 8
NOTES_PER_CASE = 20


class Counter(Aggregate):
    """The baseline's aggregate: the least a command can do."""

    @event("Created")
    def __init__(self, name: str) -> None:
        self.name, self.notes = name, 0

    @event("Noted")
    def note(self, text: str) -> None:
        self.notes += 1


class PlainApplication(Application[UUID]):
    def create(self, name: str) -> UUID:
        counter = Counter(name)
        self.save(counter)
        return counter.id

    def note(self, counter_id: UUID, text: str) -> None:
        counter: Counter = self.repository.get(counter_id)
        counter.note(text)
        self.save(counter)


def _baseline(directory: Path, commands: int) -> float:
    """The plain library, defaults (WAL, fsync on), one command after another."""
    directory.mkdir(parents=True, exist_ok=True)
    app = PlainApplication(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                "SQLITE_DBNAME": str(directory / "plain.sqlite")})
    began = time.perf_counter()
    counter_id = None
    for n in range(commands):
        if n % NOTES_PER_CASE == 0:
            counter_id = app.create(f"counter {n}")
        else:
            assert counter_id is not None
            app.note(counter_id, f"note {n}")
    rate = commands / (time.perf_counter() - began)
    app.close()
    return rate


def _concurrent(callers: int, commands: int, work: Callable[[int, int], None]) -> float:
    """Commands per second when `callers` threads each run `work(caller, their share)`."""
    threads = [threading.Thread(target=work, args=(k, commands // callers)) for k in range(callers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return callers * (commands // callers) / (time.perf_counter() - began)


def command_rate(settings: Settings, callers: int, commands: int) -> float:
    """Commands per second on a migrated store: each caller opens a case, then adds notes to it,
    opening another every 20 commands."""
    ledger = build_ledger(settings, clock=SimulatedClock(START))
    staff_regions(ledger)

    def work(caller: int, count: int) -> None:
        case_id = None
        for n in range(count):
            if n % NOTES_PER_CASE == 0:
                case_id = ledger.open_case(ledger.context(REP), region="north", channel=Channel.PHONE,
                                           customer_ref=f"c-{caller}-{n}", subject="Outage",
                                           description="No line").id
            else:
                assert case_id is not None
                ledger.add_note(ledger.context(REP), case_id, f"note {n}")

    rate = _concurrent(callers, commands, work)
    ledger.close()
    return rate


def _migrated(directory: Path) -> Settings:
    settings = Settings(data_dir=directory)
    migrate(settings)
    return settings


def _http_rate(base: str, requests: int, post: Callable[[httpx.Client, int, int], httpx.Response]) -> float:
    def work(client_no: int, count: int) -> None:
        with httpx.Client(base_url=base, timeout=60, headers=headers(Role.ADMIN)) as http:
            for n in range(count):
                post(http, client_no, n).raise_for_status()

    return _concurrent(HTTP_CLIENTS, requests, work)


def _caseledger_poster() -> Callable[[httpx.Client, int, int], httpx.Response]:
    """Each client opens a case, then adds notes to it, opening another every 20 requests."""
    cases: dict[int, str] = {}

    def post(http: httpx.Client, client_no: int, n: int) -> httpx.Response:
        if n % NOTES_PER_CASE == 0:
            response = http.post("/cases", json={"region": "north", "channel": "phone",
                                                 "customer_ref": f"c{client_no}", "subject": "Outage",
                                                 "description": "No line"})
            if response.status_code == 201:
                cases[client_no] = response.json()["id"]
            return response
        return http.post(f"/cases/{cases[client_no]}/add-note", json={"text": f"note {n}"})

    return post


def _bare_server(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "benchmarks.bare_app", str(port)], stderr=sink,
                                   stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": _root()})
    base = f"http://127.0.0.1:{port}"
    wait_until_up(process, base, log)
    return process, base


def _root() -> str:
    return str(Path(__file__).resolve().parents[1])


def measure_writes(commands: int, directory: Path) -> list[Row]:
    print(f"W1: {commands:,} commands each: the plain library, then caseledger with 1 and {CALLERS} callers ...",
          flush=True)
    baseline = _baseline(directory, commands)
    one = command_rate(_migrated(directory / "one"), 1, commands)
    many = command_rate(_migrated(directory / "many"), CALLERS, commands)
    print(f"W2: {commands:,} POSTs from {HTTP_CLIENTS} clients: caseledger serve, then a bare FastAPI route ...",
          flush=True)
    process, base = start_server({"CASELEDGER_DATA_DIR": str(directory / "served")}, directory / "serve.log")
    try:
        staff(base)
        served = _http_rate(base, commands, _caseledger_poster())
    finally:
        stop_server(process)
    process, base = _bare_server(directory / "bare.log")
    try:
        bare = _http_rate(base, commands, lambda http, _client, _n: http.post("/noop", json={"text": "note"}))
    finally:
        stop_server(process)
    return [
        Row("W1-1", "durable case commands/s, 1 caller (baseline: plain eventsourcing app, sequential)", one,
            baseline, one / baseline, "recorded", True),
        Row(f"W1-{CALLERS}", f"durable case commands/s, {CALLERS} concurrent callers, group commit "
            "(baseline: plain eventsourcing app, sequential)", many, baseline, many / baseline, ">= 5x",
            many / baseline >= 5),
        Row("W2", f"HTTP case commands/s, {HTTP_CLIENTS} clients (baseline: bare FastAPI route, same server)",
            served, bare, served / bare, ">= 0.6x", served / bare >= 0.6),
    ]


if __name__ == "__main__":
    run_benchmark(__doc__, measure_writes, 4_000)
