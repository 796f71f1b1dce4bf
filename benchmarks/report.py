"""Benchmark rows: each figure next to its baseline, measured in the same run, and their ratio."""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["Row", "machine", "percentiles", "print_table", "run_benchmark", "table", "write_json"]


@dataclass(frozen=True)
class Row:
    id: str
    what: str
    value: float
    baseline: float
    ratio: float
    target: str
    met: bool


def machine() -> str:
    """What the figures were measured on: CPU, cores, memory, Python and SQLite."""
    import os
    import sqlite3

    cpu = next((line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")),
               platform.machine())
    memory = next((int(line.split()[1]) / 1024**2 for line in _lines("/proc/meminfo") if line.startswith("MemTotal")),
                  0.0)
    return (f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p99) of the samples."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[98]


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ["| id | what | caseledger | baseline | ratio | target | met |",
             "| --- | --- | ---: | ---: | ---: | --- | --- |"]
    for r in rows:
        lines.append(f"| {r.id} | {r.what} | {r.value:,.1f} | {r.baseline:,.1f} | {r.ratio:.2f}x | {r.target} | "
                     f"{'yes' if r.met else 'no'} |")
    return "\n".join(lines)


def print_table(rows: list[Row]) -> None:
    print(table(rows))


def write_json(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")


def run_benchmark(description: str | None, measure: Callable[[int, Path], list[Row]], events: int) -> None:
    """The command line every benchmark shares: `--events N`, `--json FILE`; prints the machine and table."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--events", type=int, default=events)
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="caseledger-bench-") as directory:
        rows = measure(args.events, Path(directory))
    print(f"machine: {machine()}")
    print_table(rows)
    if args.json:
        write_json(rows, args.json)
