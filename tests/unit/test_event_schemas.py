"""Published event schemas: generated from the models, closed, and never silently broken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.event_schemas import (
    IncompatibleChange,
    asyncapi,
    event_schema,
    incompatibilities,
    published_schemas,
    write_docs,
)
from domain.event import DomainEvent, event_types

DOCS = Path(__file__).parents[2] / "docs"


@pytest.mark.parametrize("event_type", list(event_types().values()), ids=lambda t: t.type_name)
def test_each_event_type_has_a_current_closed_published_schema(event_type: type[DomainEvent]) -> None:
    published = published_schemas()[(event_type.type_name, event_type.class_version)]
    assert published == event_schema(event_type), "docs/schemas is stale: run `make docs`"
    assert published["additionalProperties"] is False
    assert incompatibilities(published, event_schema(event_type)) == []


def test_every_older_published_version_has_an_upcaster_to_the_current_one() -> None:
    for (name, version), _ in published_schemas().items():
        current = event_types()[name]
        for step in range(version, current.class_version):
            assert hasattr(current, f"upcast_v{step}_v{step + 1}"), f"{name} v{step} has no upcaster"


def test_the_asyncapi_document_is_current() -> None:
    assert json.loads((DOCS / "asyncapi.json").read_text()) == asyncapi()


def test_the_asyncapi_document_names_every_event_and_topic() -> None:
    document = asyncapi()
    assert document["asyncapi"].startswith("3.")
    assert {c["address"] for c in document["channels"].values()} == {
        "caseledger.case", "caseledger.provider", "caseledger.contract", "caseledger.region"}
    assert set(document["components"]["messages"]) == set(event_types())


class TestCompatibility:
    def test_a_new_optional_field_is_compatible(self) -> None:
        old = {"properties": {"a": {"type": "string"}}, "required": ["a"]}
        new = {"properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "required": ["a"]}
        assert incompatibilities(old, new) == []

    def test_removing_changing_or_requiring_a_field_breaks_the_published_schema(self) -> None:
        old = {"properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a"]}
        new = {"properties": {"a": {"type": "integer"}, "c": {"type": "string"}}, "required": ["a", "c"]}
        assert incompatibilities(old, new) == [
            "newly required: c", "property changed: a", "property removed: b"]

    def test_regenerating_the_docs_refuses_to_overwrite_a_broken_published_schema(self, tmp_path: Path) -> None:
        write_docs(tmp_path)
        path = tmp_path / "schemas" / "events" / "CaseClosed.v1.json"
        published = json.loads(path.read_text())
        published["properties"]["reason"] = {"type": "string"}  # as if v1 had a field the model has dropped
        path.write_text(json.dumps(published))
        with pytest.raises(IncompatibleChange, match=r"CaseClosed v1 is published.*add an upcast_v1_v2"):
            write_docs(tmp_path)
