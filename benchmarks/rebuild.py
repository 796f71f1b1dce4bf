"""R1: rebuilding every read model from the log, against reading the raw log without decoding.

    python -m benchmarks.rebuild [--events 1000000]

Both are measured in the same run on the same store; the rebuild also reports its peak memory
(the resident set of the process that did it).
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from pathlib import Path

from adapters.clock import SimulatedClock
from api.bootstrap import build_ledger, build_runner
from api.settings import Settings
from benchmarks.history import START, write_history
from benchmarks.report import Row, run_benchmark

__all__ = ["measure_rebuild", "rebuild_rows"]


def _raw_read(settings: Settings) -> tuple[int, float]:
    ledger = build_ledger(settings, clock=SimulatedClock(START))
    began, count, after = time.perf_counter(), 0, 0
    while notifications := ledger.recorder.select_notifications(after + 1, 5000):
        count += len(notifications)
        after = notifications[-1].id
    return count, time.perf_counter() - began


def _rebuild(settings: Settings, result: dict[str, float]) -> None:
    ledger = build_ledger(settings, clock=SimulatedClock(START))
    runner = build_runner(settings, ledger)
    began = time.perf_counter()
    result["events"] = runner.rebuild()
    result["seconds"] = time.perf_counter() - began
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_rebuild(events: int, directory: Path) -> list[Row]:
    settings = Settings(data_dir=directory)
    print(f"writing a history of {events:,} events ...", flush=True)
    write_history(settings, events)
    return rebuild_rows(settings)


def rebuild_rows(settings: Settings) -> list[Row]:
    """R1 on the history already in `settings`' store; the rebuild runs in a fresh process, so its
    peak memory is its own."""
    count, raw_seconds = _raw_read(settings)
    with multiprocessing.Manager() as manager:
        result = manager.dict()
        process = multiprocessing.get_context("spawn").Process(target=_rebuild, args=(settings, result))
        process.start()
        process.join()
        rebuilt = dict(result)
    rate, raw_rate = rebuilt["events"] / rebuilt["seconds"], count / raw_seconds
    return [
        Row("R1", f"rebuild all read models, events/s ({count:,} events)", rate, raw_rate, rate / raw_rate,
            ">= 0.5x raw log read", rate / raw_rate >= 0.5),
        Row("R1-mem", "rebuild peak memory, MB (baseline: the 300 MB budget)", rebuilt["peak_mb"], 300.0,
            rebuilt["peak_mb"] / 300, "< 300 MB", rebuilt["peak_mb"] < 300),
    ]


if __name__ == "__main__":
    run_benchmark(__doc__, measure_rebuild, 1_000_000)
