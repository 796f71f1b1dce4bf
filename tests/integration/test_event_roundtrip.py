"""Every event type survives the store: written by the mapper, read back equal, closed to extras."""

from __future__ import annotations

from uuid import uuid4

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.event_mapper import EventMapper, OrjsonTranscoder
from domain.application import CaseLedger
from domain.event import DomainEvent, event_types
from tests.strategies import for_model

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
    @settings(max_examples=5, deadline=None)
    @given(for_model(event_type))
    def check(event: DomainEvent) -> None:
        stored = EventMapper(transcoder=OrjsonTranscoder()).to_stored_event(event)
        assert stored.topic == event_type.__name__
        state = orjson.loads(stored.state)
        assert "originator_id" not in state and state["actor"] == event.actor.model_dump(mode="json")

    check()


def test_an_event_with_an_unknown_field_is_refused() -> None:
    @settings(max_examples=5, deadline=None)
    @given(st.sampled_from(EVENT_TYPES).flatmap(for_model))
    def check(event: DomainEvent) -> None:
        with pytest.raises(ValueError, match="extra"):
            type(event).model_validate({**event.model_dump(), "surprise": 1})

    check()
