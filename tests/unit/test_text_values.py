"""Text values: one rule on every backend and every way in, and the same rule in the OpenAPI document."""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from pydantic import TypeAdapter

from adapters.event_mapper import EventMapper, OrjsonTranscoder
from domain.casework.case import Case
from domain.casework.case_events import Channel
from domain.errors import InvalidValue
from domain.values import Code, CustomerContact, ShortTextIn, TextIn
from tests.factories import ctx


def open_case(**fields: Any) -> Case:
    values: dict[str, Any] = {"region": "north", "channel": Channel.WEB, "customer_ref": "c-1",
                              "subject": "No line", "description": "Since Monday", **fields}
    return Case.open(ctx(), uuid4(), **values)


class TestNoTextHoldsANulCharacter:
    """PostgreSQL cannot store NUL; SQLite could, so the domain refuses it for both."""

    @pytest.mark.parametrize("field", ["subject", "description", "customer_ref", "region"])
    def test_a_nul_in_a_text_is_refused_naming_the_field(self, field: str) -> None:
        with pytest.raises(InvalidValue, match="NUL character") as refused:
            open_case(**{field: "ab\x00c"})
        assert refused.value.field == field

    def test_a_nul_inside_a_nested_value_is_named_by_its_path(self) -> None:
        with pytest.raises(InvalidValue) as refused:
            open_case(contact={"name": "Mari\x00", "email": "mari@example.org"})
        assert refused.value.field == "contact.name"

    def test_a_contact_built_in_python_refuses_it_too(self) -> None:
        with pytest.raises(ValueError, match="NUL character"):
            CustomerContact(email="ma\x00ri@example.org")


class TestTheSchemaSaysWhatTheDomainAccepts:
    @pytest.mark.parametrize("kind", [ShortTextIn, TextIn, Code], ids=["ShortTextIn", "TextIn", "Code"])
    def test_a_value_that_fits_the_published_pattern_is_accepted_and_a_blank_one_fits_none(self, kind: Any) -> None:
        adapter: TypeAdapter[str] = TypeAdapter(kind)
        pattern = adapter.json_schema()["pattern"]
        for value in ("x", "  x ", "a-1", " ", "", "\t\n\u3000", "a\x00", "\x00", "A b", "é\U0001f600"):
            if re.search(pattern, value):
                adapter.validate_python(value)
            elif not value.strip() or "\x00" in value:
                with pytest.raises(ValueError):
                    adapter.validate_python(value)


class TestStoredFactsAreReadAsTheyWere:
    def test_an_event_stored_with_a_nul_before_the_rule_still_reads(self) -> None:
        """SQLite stores kept NULs before the rule existed: the rule guards new events, not the history."""
        mapper = EventMapper(transcoder=OrjsonTranscoder())
        stored = mapper.to_stored_event(open_case().collect_events()[0])
        old = StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                          stored.state.replace(b"Since Monday", b"Since\\u0000Monday"))
        event = mapper.to_domain_event(old)
        assert event.description == "Since\x00Monday"
