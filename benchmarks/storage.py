"""S1/S2: the same engine on PostgreSQL against the embedded SQLite default, on the same machine.

    python -m benchmarks.storage [--events 200000] [--commands 2000]

S1 writes case commands one after another through the command service (each one acknowledged only
once durable: SQLite `synchronous=FULL`, PostgreSQL `fsync` and `synchronous_commit` on, a local
server on a free loopback port). S2 rebuilds every read model from the same synthetic history.
SQLite is the baseline: the ratio says what moving to a shared server costs a single process.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from adapters.clock import SimulatedClock
from api.bootstrap import build_ledger, build_runner, migrate
from api.settings import Settings
from benchmarks.history import START, write_history
from benchmarks.report import Row, machine, print_table, write_json
from benchmarks.writes import command_rate
from tests.postgres_server import PostgresCluster

__all__ = ["measure_storage"]

def _rebuild(settings: Settings, events: int) -> float:
    write_history(settings, events)
    ledger = build_ledger(settings, clock=SimulatedClock(START))
    runner = build_runner(settings, ledger)
    began = time.perf_counter()
    count = runner.rebuild()
    rate = count / (time.perf_counter() - began)
    runner.store.close()
    ledger.close()
    return rate


def measure_storage(events: int, commands: int, directory: Path) -> list[Row]:
    cluster = PostgresCluster(durable=True)
    cluster.start()
    try:
        figures: dict[str, dict[str, float]] = {}
        for backend in ("sqlite", "postgresql"):
            def settings(name: str, backend: str = backend) -> Settings:
                url = cluster.database() if backend == "postgresql" else None
                result = Settings(data_dir=directory / name, database_url=url)
                migrate(result)
                return result

            print(f"{backend}: {commands:,} commands, then a rebuild of {events:,} events ...", flush=True)
            figures[backend] = {"writes": command_rate(settings(f"{backend}-writes"), 1, commands),
                                "rebuild": _rebuild(settings(f"{backend}-rebuild"), events)}
    finally:
        cluster.stop()
    pg, lite = figures["postgresql"], figures["sqlite"]
    return [
        Row("S1", "durable case commands/s, one caller: PostgreSQL (baseline: SQLite)", pg["writes"],
            lite["writes"], pg["writes"] / lite["writes"], "recorded", True),
        Row("S2", f"rebuild all read models, events/s ({events:,} events): PostgreSQL (baseline: SQLite)",
            pg["rebuild"], lite["rebuild"], pg["rebuild"] / lite["rebuild"], "recorded", True),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--commands", type=int, default=2_000)
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="caseledger-bench-") as directory:
        rows = measure_storage(args.events, args.commands, Path(directory))
    print(f"machine: {machine()}")
    print_table(rows)
    if args.json:
        write_json(rows, args.json)


if __name__ == "__main__":
    main()
