"""Published event schemas: generated from the models, closed, and never silently broken.

A published schema is fixed for its version: a change that documents valid under it would fail must
raise the event's `class_version` (a new schema beside the old) and bring an upcaster, so every stored
or published document of the old version still reads as the new one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast
from uuid import uuid4

import pytest
from pydantic import ValidationError, create_model

from api.event_schemas import (
    IncompatibleChange,
    asyncapi,
    event_schema,
    incompatibilities,
    published_schemas,
    write_docs,
)
from domain.casework.case_events import CaseClosed, Channel
from domain.event import DomainEvent, event_types
from tests.factories import ADMIN, NOW

DOCS = Path(__file__).parents[2] / "docs"


def changed(event_type: type[DomainEvent], version: int, **fields: Any) -> type[DomainEvent]:
    """`event_type` as a later release might define it: the same stable name, these fields added or
    retyped, this class version (abstract, so the registry of real event types is untouched)."""
    model = cast(type[DomainEvent], create_model(event_type.__name__, __base__=event_type,
                                                 __cls_kwargs__={"abstract": True}, **fields))
    model.type_name, model.class_version = event_type.type_name, version
    return model


def missing_upcasters(published: dict[tuple[str, int], Any], types: dict[str, type[DomainEvent]]) -> list[str]:
    """What keeps a published version from being read as its event type's current version."""
    problems = []
    for name, version in sorted(published):
        current = types.get(name)
        if current is None:
            problems.append(f"{name} v{version} is published but no event type has that name")
        elif version > current.class_version:
            problems.append(f"{name} v{version} is published but the model is v{current.class_version}")
        else:
            steps = range(version, current.class_version)
            problems += [f"{name} v{step} has no upcast_v{step}_v{step + 1}" for step in steps
                         if not hasattr(current, f"upcast_v{step}_v{step + 1}")]
    return problems


def closed_v1() -> dict[str, Any]:
    """A CaseClosed as version 1 stores and publishes it."""
    event = CaseClosed(originator_id=uuid4(), originator_version=9, occurred_at=NOW, actor=ADMIN,
                       correlation_id=uuid4(), satisfaction=4)
    return event.model_dump(mode="json")


@pytest.mark.parametrize("event_type", list(event_types().values()), ids=lambda t: t.type_name)
def test_each_event_type_has_a_current_closed_published_schema(event_type: type[DomainEvent]) -> None:
    published = published_schemas()[(event_type.type_name, event_type.class_version)]
    assert published == event_schema(event_type), "docs/schemas is stale: run `make docs`"
    assert published["additionalProperties"] is False


def test_every_published_version_reads_as_its_event_types_current_version() -> None:
    assert missing_upcasters(published_schemas(), event_types()) == []


def test_the_asyncapi_document_is_current() -> None:
    assert json.loads((DOCS / "asyncapi.json").read_text()) == asyncapi()


def test_the_asyncapi_document_names_every_event_and_topic() -> None:
    document = asyncapi()
    assert document["asyncapi"].startswith("3.")
    assert {c["address"] for c in document["channels"].values()} == {
        "caseledger.case", "caseledger.provider", "caseledger.contract", "caseledger.region", "caseledger.proposal",
        "caseledger.caller"} | {"caseledger.coaching", "caseledger.training"} | {"caseledger.meeting"}
    assert set(document["components"]["messages"]) == set(event_types())


class TestCompatibility:
    """The checker's verdict on real changes to a real event type, against what its model then does
    with a document that version 1 wrote."""

    published = published_schemas()[("CaseClosed", 1)]

    def test_a_new_optional_field_is_accepted_and_old_documents_still_read(self) -> None:
        new = changed(CaseClosed, 1, survey_id=(str | None, None))
        assert incompatibilities(self.published, event_schema(new)) == []
        assert new.model_validate(closed_v1()).survey_id is None  # type: ignore[attr-defined]

    def test_a_newly_required_field_is_refused_as_old_documents_lack_it(self) -> None:
        new = changed(CaseClosed, 1, channel=(Channel, ...))
        assert incompatibilities(self.published, event_schema(new)) == ["newly required: channel"]
        with pytest.raises(ValidationError, match="channel"):
            new.model_validate(closed_v1())

    def test_a_retyped_field_is_refused_as_old_documents_no_longer_fit(self) -> None:
        new = changed(CaseClosed, 1, satisfaction=(str | None, None))
        assert incompatibilities(self.published, event_schema(new)) == ["property changed: satisfaction"]
        with pytest.raises(ValidationError, match="satisfaction"):
            new.model_validate(closed_v1())

    def test_the_same_change_as_a_new_version_needs_an_upcaster_that_reads_old_documents(self) -> None:
        v2 = changed(CaseClosed, 2, channel=(Channel, ...))
        both = {("CaseClosed", 1): self.published, ("CaseClosed", 2): event_schema(v2)}
        assert missing_upcasters(both, {"CaseClosed": v2}) == ["CaseClosed v1 has no upcast_v1_v2"]

        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["channel"] = "phone"  # what v1 left unsaid: every case closed before v2 was by phone

        v2.upcast_v1_v2 = staticmethod(upcast_v1_v2)  # type: ignore[attr-defined]
        assert missing_upcasters(both, {"CaseClosed": v2}) == []
        state = closed_v1()
        v2.upcast_v1_v2(state)  # type: ignore[attr-defined]
        assert v2.model_validate(state).channel is Channel.PHONE  # type: ignore[attr-defined]

    def test_a_published_version_newer_than_the_model_or_of_a_vanished_type_is_named(self) -> None:
        published = {("CaseClosed", 2): self.published, ("CaseFiled", 1): self.published}
        assert missing_upcasters(published, {"CaseClosed": CaseClosed}) == [
            "CaseClosed v2 is published but the model is v1",
            "CaseFiled v1 is published but no event type has that name"]

    def test_a_new_optional_field_is_compatible(self) -> None:
        old = {"properties": {"a": {"type": "string"}}, "required": ["a"]}
        new = {"properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "required": ["a"]}
        assert incompatibilities(old, new) == []

    def test_removing_changing_or_requiring_a_field_breaks_the_published_schema(self) -> None:
        old = {"properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a"]}
        new = {"properties": {"a": {"type": "integer"}, "c": {"type": "string"}}, "required": ["a", "c"]}
        assert incompatibilities(old, new) == [
            "newly required: c", "property changed: a", "property removed: b"]

    def test_an_enumeration_with_a_new_value_still_accepts_every_old_document(self) -> None:
        old = {"$defs": {"Role": {"enum": ["admin", "coordinator"], "type": "string"}}, "properties": {}}
        wider = {"$defs": {"Role": {"enum": ["admin", "coordinator", "manager"], "type": "string"}}, "properties": {}}
        assert incompatibilities(old, wider) == []
        assert incompatibilities(wider, old) == ["definition changed: Role"]

    def test_regenerating_the_docs_refuses_to_overwrite_a_broken_published_schema(self, tmp_path: Path) -> None:
        write_docs(tmp_path)
        path = tmp_path / "schemas" / "events" / "CaseClosed.v1.json"
        published = json.loads(path.read_text())
        published["properties"]["reason"] = {"type": "string"}  # as if v1 had a field the model has dropped
        path.write_text(json.dumps(published))
        with pytest.raises(IncompatibleChange, match=r"CaseClosed v1 is published.*add an upcast_v1_v2"):
            write_docs(tmp_path)
