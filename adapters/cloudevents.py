"""The Kafka envelope: CloudEvents' Kafka protocol binding in binary mode.

The message value is the event's JSON; the headers carry the CloudEvents attributes, the global
log position and the record's version. The key is the record id, so each record's events stay in
order on one partition. `ce_id` is derived from record id and version: a consumer deduplicates by it.
"""

from __future__ import annotations

from typing import Any

import orjson

from domain.event import DomainEvent, event_types
from domain.values import STORED_FACTS

__all__ = ["SOURCE", "dataschema", "decode_message", "encode_message", "event_type_name", "topic_for"]

SOURCE = "urn:caseledger"
SPEC_VERSION = b"1.0"


def event_type_name(event_type: type[DomainEvent]) -> str:
    """The CloudEvents `type`: reverse-DNS style, versioned (`caseledger.case.CaseOpened.v1`)."""
    return f"caseledger.{event_type.aggregate_type}.{event_type.type_name}.v{event_type.class_version}"


def dataschema(event_type: type[DomainEvent]) -> str:
    """Where the event's JSON Schema is served (relative to the API's base URL) and published in docs/."""
    return f"/schemas/events/{event_type.type_name}.v{event_type.class_version}.json"


def topic_for(prefix: str, aggregate_type: str) -> str:
    return f"{prefix}{aggregate_type}"


def encode_message(position: int, event: DomainEvent) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) of one event."""
    value = orjson.dumps(event.model_dump(mode="json"))
    headers = [
        ("ce_specversion", SPEC_VERSION),
        ("ce_id", str(event.event_id).encode()),
        ("ce_source", f"{SOURCE}:{event.aggregate_type}".encode()),
        ("ce_type", event_type_name(type(event)).encode()),
        ("ce_time", event.occurred_at.isoformat().encode()),
        ("ce_subject", str(event.originator_id).encode()),
        ("ce_dataschema", dataschema(type(event)).encode()),
        ("ce_position", str(position).encode()),
        ("ce_aggregateversion", str(event.originator_version).encode()),
        ("content-type", b"application/json"),
    ]
    return str(event.originator_id).encode(), value, headers


def decode_message(headers: list[tuple[str, bytes]], value: bytes) -> tuple[int, DomainEvent]:
    """The log position and the domain event of a message this engine published."""
    attributes = {name: data.decode() for name, data in headers}
    type_name = attributes["ce_type"].split(".")[2]
    event_type = event_types()[type_name]
    state: dict[str, Any] = orjson.loads(value)
    return int(attributes["ce_position"]), event_type.model_validate(state, context=STORED_FACTS)
