"""Generated documentation cannot go stale."""

from __future__ import annotations

from pathlib import Path

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
