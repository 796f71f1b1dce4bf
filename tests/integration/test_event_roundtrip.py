"""Every event type survives the store: written by the mapper, read back equal, closed to extras. Each
test runs for every registered event type, with text holding any character a person could send but NUL."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import orjson
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis.errors import NoSuchExample
from pydantic import ValidationError

from adapters.event_mapper import EventMapper, OrjsonTranscoder
from domain.application import CaseLedger
from domain.errors import DomainError
from domain.event import DomainEvent, event_types
from tests.strategies import for_model, text

EVENT_TYPES = list(event_types().values())


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.type_name)
def test_every_event_type_round_trips_through_the_sqlite_store(
    event_type: type[DomainEvent], ledger: CaseLedger
) -> None:
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(for_model(event_type))
    def round_trip(event: DomainEvent) -> None:
        event = event.model_copy(update={"originator_id": uuid4()})
        ledger.events.put([event])
        (stored,) = ledger.events.get(event.originator_id)
        assert stored == event
        assert type(stored) is event_type

    round_trip()


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.type_name)
def test_the_stored_state_is_json_named_by_the_stable_type_name(event_type: type[DomainEvent]) -> None:
    @settings(max_examples=25, deadline=None)
    @given(for_model(event_type))
    def check(event: DomainEvent) -> None:
        stored = EventMapper(transcoder=OrjsonTranscoder()).to_stored_event(event)
        assert stored.topic == event_type.__name__
        state = orjson.loads(stored.state)
        assert "originator_id" not in state and state["actor"] == event.actor.model_dump(mode="json")

    check()


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.type_name)
def test_an_event_with_an_unknown_field_is_refused(event_type: type[DomainEvent]) -> None:
    @settings(max_examples=5, deadline=None)
    @given(for_model(event_type))
    def check(event: DomainEvent) -> None:
        with pytest.raises(ValueError, match="extra"):
            type(event).model_validate({**event.model_dump(), "surprise": 1})

    check()


def with_nul_in_each_text(value: Any) -> Iterator[Any]:
    """Copies of a JSON document, each with NUL put into one of its strings."""
    if isinstance(value, str):
        yield value[:1] + "\x00" + value[1:]
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from ({**value, key: changed} for changed in with_nul_in_each_text(item))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from ([*value[:index], changed, *value[index + 1:]] for changed in with_nul_in_each_text(item))


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.type_name)
def test_no_event_holds_a_nul_character_anywhere(event_type: type[DomainEvent]) -> None:
    """PostgreSQL cannot store NUL, so no backend does: every string of every event type refuses it."""
    @settings(max_examples=10, deadline=None)
    @given(for_model(event_type))
    def check(event: DomainEvent) -> None:
        for document in with_nul_in_each_text(event.model_dump(mode="json")):
            with pytest.raises((ValidationError, DomainError)):
                event_type.model_validate(document)

    check()


class TestTheTextStrategyReachesTheEdges:
    """What the round trips above draw: without these characters they would prove much less."""

    @pytest.mark.parametrize(("what", "found"), [
        ("a control character", lambda s: any(unicodedata.category(c) == "Cc" for c in s)),
        ("a character outside the basic plane", lambda s: any(ord(c) > 0xFFFF for c in s)),
        ("a format character (zero-width, byte-order mark)", lambda s: any(unicodedata.category(c) == "Cf" for c in s)),
    ])
    def test_text_holds(self, what: str, found: Callable[[str], bool]) -> None:
        assert found(find(text(), found, settings=settings(database=None))), what

    def test_text_never_holds_nul(self) -> None:
        with pytest.raises(NoSuchExample):
            find(text(), lambda s: "\x00" in s, settings=settings(database=None, max_examples=500))
