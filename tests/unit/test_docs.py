"""Generated documentation cannot go stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.catalog import render_catalog
from api.route_catalog import render_routes
from domain.event import event_types

DOCS = Path(__file__).parents[2] / "docs"


def test_the_event_catalog_matches_the_event_models() -> None:
    assert (DOCS / "events.md").read_text() == render_catalog(), "docs/events.md is stale: run `make docs`"


def test_the_catalog_names_every_event_type() -> None:
    catalog = render_catalog()
    assert all(f"### {name} (v" in catalog for name in event_types())


def test_the_route_table_matches_the_openapi_document() -> None:
    assert (DOCS / "api-routes.md").read_text() == render_routes(), "docs/api-routes.md is stale: run `make docs`"


def test_the_performance_table_is_the_latest_benchmark_run() -> None:
    """docs/performance.md shows the rows `make bench` wrote to benchmarks/results/latest.json, and
    each row keeps the shape integrators of the JSON rely on."""
    from benchmarks.report import Row, table
    from benchmarks.suite import BEGIN, END, LATEST

    rows = [Row(**row) for row in json.loads(LATEST.read_text())]
    assert {row.id for row in rows} >= {"W1-1", "W1-32", "W2", "R1", "R1-mem", "R2-dashboard-p99", "R2-queue-p99",
                                        "T1", "K1", "K1-p99"}
    for row in rows:
        assert row.ratio == pytest.approx(row.value / row.baseline, rel=1e-6)
    text = (DOCS / "performance.md").read_text()
    section = text[text.index(BEGIN):text.index(END)]
    assert table(rows) in section, "docs/performance.md is stale: run `make bench` (or `make bench-quick`)"
