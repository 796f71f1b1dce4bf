"""Maps domain events to stored rows and back: pydantic for shape, orjson for bytes.

Stored rows carry the event's stable type name (not a Python path), so code can move freely;
events of an older `class_version` are upcast as they are read, never rewritten.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent, Transcoder

from domain.event import DomainEvent, event_types
from domain.snapshot import Snapshot
from domain.values import STORED_FACTS

__all__ = ["EventMapper", "OrjsonTranscoder"]

_COLUMNS = {"originator_id", "originator_version"}  # stored as columns, not in the JSON


class OrjsonTranscoder(Transcoder):
    """JSON bytes via orjson, which already knows UUIDs, datetimes, dates and enums."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


class EventMapper(Mapper[UUID]):
    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        event: DomainEvent | Snapshot = domain_event
        state = event.model_dump(exclude=_COLUMNS)
        if event.class_version > 1:
            state["class_version"] = event.class_version
        data = self.transcoder.encode(state)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return StoredEvent(
            originator_id=event.originator_id,
            originator_version=event.originator_version,
            topic=event.type_name,
            state=data,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        event_type = Snapshot if stored_event.topic == Snapshot.type_name else event_types().get(stored_event.topic)
        if event_type is None:
            raise MapperDeserialisationError(
                f"unknown event type {stored_event.topic!r} at {stored_event.originator_id} "
                f"version {stored_event.originator_version}"
            )
        try:
            data = stored_event.state
            if self.cipher:
                data = self.cipher.decrypt(data)
            if self.compressor:
                data = self.compressor.decompress(data)
            state: dict[str, Any] = self.transcoder.decode(data)
            stored_version = state.pop("class_version", 1)
            for version in range(stored_version, event_type.class_version):
                getattr(event_type, f"upcast_v{version}_v{version + 1}")(state)
            state["originator_id"] = stored_event.originator_id
            state["originator_version"] = stored_event.originator_version
            return event_type.model_validate(state, context=STORED_FACTS)
        except Exception as error:
            raise MapperDeserialisationError(
                f"cannot read {stored_event.topic} at {stored_event.originator_id} "
                f"version {stored_event.originator_version}: {error}"
            ) from error
