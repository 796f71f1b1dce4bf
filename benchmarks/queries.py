"""R2, T1: read latency as history grows, and time travel on a long-lived case.

    python -m benchmarks.queries [--events 1000000]

R2 asks a region's dashboard and its case queue (first page, by SLA due time) many times, on read
models rebuilt from a small history (10,000 events) and from a large one, and compares the p99s:
flat reads mean the ratio stays near 1. T1 asks for a case with 1,000 events as it was at its
midpoint (the API's `?as_of=`), against loading the same case as it is now.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from adapters.clock import SimulatedClock
from api.bootstrap import build_ledger, build_runner
from api.settings import Settings
from benchmarks.history import START, write_history
from benchmarks.report import Row, percentiles, run_benchmark
from domain.casework.case import Case
from domain.casework.case_events import Channel
from domain.values import Actor, Role
from projections.cases import case_page
from projections.dashboard import region_dashboard
from tests.conftest import staff_regions

__all__ = ["SMALL_HISTORY", "measure_queries", "measure_time_travel", "read_latencies"]

SMALL_HISTORY = 10_000
CASE_EVENTS = 1_000


def _latencies(ask: Callable[[], object], times: int) -> tuple[float, float]:
    """(p50, p99) in milliseconds, after a few warm-up calls."""
    for _ in range(5):
        ask()
    samples = []
    for _ in range(times):
        began = time.perf_counter()
        ask()
        samples.append((time.perf_counter() - began) * 1000)
    return percentiles(samples)


def read_latencies(settings: Settings, times: int) -> dict[str, tuple[float, float]]:
    """Dashboard and queue (p50, p99) on the read models of `settings`, rebuilt here if empty."""
    ledger = build_ledger(settings, clock=SimulatedClock(START))
    runner = build_runner(settings, ledger)
    if min(status.position for status in runner.status()) < ledger.head():
        runner.rebuild()
    now = max(event.event.occurred_at for event in ledger.read_log(after=ledger.head() - 1))
    with runner.store.reader() as view:
        figures = {
            "dashboard": _latencies(lambda: region_dashboard(view, "north", now + timedelta(hours=1)), times),
            "queue": _latencies(lambda: case_page(view, {"region": "north"}, sort="sla", limit=50), times),
        }
    runner.store.close()
    ledger.close()
    return figures


def measure_time_travel(directory: Path, times: int) -> Row:
    settings = Settings(data_dir=directory)
    clock = SimulatedClock(START)
    ledger = build_ledger(settings, clock=clock)
    staff_regions(ledger)
    rep = Actor(id="rep-north-1", role=Role.REPRESENTATIVE)
    case_id = ledger.open_case(ledger.context(rep), region="north", channel=Channel.PHONE, customer_ref="c-1",
                               subject="Repeated outages", description="Every week").id
    for n in range(CASE_EVENTS - 1):
        clock.advance(timedelta(minutes=30))
        ledger.add_note(ledger.context(rep), case_id, f"note {n}")
    midpoint = ledger.history(case_id)[CASE_EVENTS // 2 - 1].occurred_at

    def as_of() -> Case:
        return ledger.get(Case, case_id, ledger.version_at(case_id, midpoint))

    assert as_of().version == CASE_EVENTS // 2
    past, _ = _latencies(as_of, times)
    now, _ = _latencies(lambda: ledger.get(Case, case_id), times)
    ledger.close()
    return Row("T1", f"a case with {CASE_EVENTS:,} events as of its midpoint, p50 ms "
               "(baseline: the same case now)", past, now, past / now, "< 2 ms", past < 2)


def latency_rows(small: dict[str, tuple[float, float]], large: dict[str, tuple[float, float]],
                 events: int) -> list[Row]:
    rows = []
    for name, what in (("dashboard", "region dashboard"), ("queue", "case queue, first page by SLA")):
        (p50, p99), (small_p50, small_p99) = large[name], small[name]
        rows += [
            Row(f"R2-{name}-p50", f"{what}, p50 ms at {events:,} events (baseline: at {SMALL_HISTORY:,})", p50,
                small_p50, p50 / small_p50, "recorded", True),
            Row(f"R2-{name}-p99", f"{what}, p99 ms at {events:,} events (baseline: at {SMALL_HISTORY:,})", p99,
                small_p99, p99 / small_p99, "<= 1.5x", p99 / small_p99 <= 1.5),
        ]
    return rows


def measure_queries(events: int, directory: Path, times: int = 200) -> list[Row]:
    figures = []
    for size in (SMALL_HISTORY, events):
        settings = Settings(data_dir=directory / f"history-{size}")
        print(f"R2: a history of {size:,} events, its read models, {times} reads of each ...", flush=True)
        write_history(settings, size)
        figures.append(read_latencies(settings, times))
    print(f"T1: a case with {CASE_EVENTS:,} events ...", flush=True)
    return [*latency_rows(figures[0], figures[1], events), measure_time_travel(directory / "t1", times)]


if __name__ == "__main__":
    run_benchmark(__doc__, measure_queries, 1_000_000)
