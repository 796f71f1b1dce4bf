"""JSON Schemas of the events and the AsyncAPI document of the topics, generated from the event models.

`python -m api.event_schemas` writes them under docs/ (`make docs`); a test keeps them current and
refuses a change that breaks a published schema unless the event's version is raised and an
upcaster added.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import domain.application  # noqa: F401 - importing the service registers every event type
from adapters.cloudevents import SOURCE, dataschema, event_type_name, topic_for
from domain.event import DomainEvent, event_types

__all__ = ["IncompatibleChange", "asyncapi", "event_schema", "incompatibilities", "published_schemas", "write_docs"]

DOCS = Path(__file__).parents[1] / "docs"
KINDS: tuple[str, ...] = ("case", "provider", "contract", "region", "caller")
KINDS += ("coaching", "training")  # issue 15: staff development (domain/development/)
KINDS += ("meeting",)  # issue 15: coordinators' meetings
KINDS += ("proposal",)  # issue 15: policy proposals (domain/policy/proposal.py)


def event_schema(event_type: type[DomainEvent]) -> dict[str, Any]:
    """A closed JSON Schema (no properties beyond those listed) of one event type's JSON."""
    schema = event_type.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": dataschema(event_type),
            "title": event_type_name(event_type), **schema}


def asyncapi(prefix: str = "caseledger.") -> dict[str, Any]:
    """An AsyncAPI 3 document: a channel per record type, a message per event type."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for kind in KINDS:
        kind_events = [t for t in event_types().values() if t.aggregate_type == kind]
        channels[kind] = {
            "address": topic_for(prefix, kind),
            "description": f"Every {kind} event, keyed by the {kind} id (one record's events in order).",
            "messages": {t.type_name: {"$ref": f"#/components/messages/{t.type_name}"} for t in kind_events},
        }
        operations[f"receive-{kind}-events"] = {"action": "receive", "channel": {"$ref": f"#/channels/{kind}"}}
        for t in kind_events:
            messages[t.type_name] = {
                "name": event_type_name(t), "contentType": "application/json",
                "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
                "payload": {"$ref": dataschema(t).removeprefix("/")},
            }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "caseledger events", "version": "1",
                 "description": "Events of cases, providers, contracts, regions and callers, in the CloudEvents Kafka "
                                "binding (binary mode). See integration.md."},
        "defaultContentType": "application/json",
        "channels": channels, "operations": operations,
        "components": {"messages": messages, "schemas": {"CloudEventHeaders": _headers_schema()}},
    }


def _headers_schema() -> dict[str, Any]:
    text = {"type": "string"}
    names = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "ce_dataschema",
             "ce_position", "ce_aggregateversion", "content-type")
    return {"type": "object", "required": list(names), "properties": {name: text for name in names},
            "description": f"ce_source is {SOURCE}:<record type>; ce_id is the same for the same event."}


def incompatibilities(published: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Why documents valid under `published` might not be under `current` (empty: compatible)."""
    problems = []
    required_now = set(current.get("required", [])) - set(published.get("required", []))
    if required_now:
        problems.append(f"newly required: {', '.join(sorted(required_now))}")
    for name, schema in published.get("properties", {}).items():
        if name not in current.get("properties", {}):
            problems.append(f"property removed: {name}")
        elif not _widens(schema, current["properties"][name]):
            problems.append(f"property changed: {name}")
    if published.get("$defs") != current.get("$defs"):
        for name, schema in published.get("$defs", {}).items():
            if name not in current.get("$defs", {}) or not _widens(schema, current["$defs"][name]):
                problems.append(f"definition changed: {name}")
    return problems


def _widens(published: Any, current: Any) -> bool:
    """`current` is `published` or accepts more in the only way known to be safe here: an enumeration
    with new values (a new role, a new category). Every other difference counts as a change."""
    if isinstance(published, dict) and isinstance(current, dict):
        if published.keys() != current.keys():
            return False
        return all(set(published[key]) <= set(current[key]) if key == "enum" and isinstance(published[key], list)
                   else _widens(published[key], current[key]) for key in published)
    if isinstance(published, list) and isinstance(current, list):
        return len(published) == len(current) and all(map(_widens, published, current))
    return bool(published == current)


class IncompatibleChange(Exception):
    """A published event schema would no longer accept the events it described."""


def write_docs(docs: Path = DOCS) -> list[Path]:
    """Write every event schema (one file per type and version) and the AsyncAPI document."""
    written = []
    directory = docs / "schemas" / "events"
    directory.mkdir(parents=True, exist_ok=True)
    for event_type in event_types().values():
        path = directory / dataschema(event_type).rsplit("/", 1)[-1]
        schema = event_schema(event_type)
        if path.exists() and (problems := incompatibilities(json.loads(path.read_text()), schema)):
            raise IncompatibleChange(
                f"{event_type.type_name} v{event_type.class_version} is published and this change breaks it "
                f"({'; '.join(problems)}): raise its class_version and add an upcast_v{event_type.class_version}"
                f"_v{event_type.class_version + 1} static method")
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    path = docs / "asyncapi.json"
    path.write_text(json.dumps(asyncapi(), indent=2) + "\n")
    return [*written, path]


def published_schemas(docs: Path = DOCS) -> dict[tuple[str, int], dict[str, Any]]:
    """Every published event schema by (type name, version)."""
    found = {}
    for path in (docs / "schemas" / "events").glob("*.json"):
        name, version = path.name.removesuffix(".json").rsplit(".v", 1)
        found[(name, int(version))] = json.loads(path.read_text())
    return found


if __name__ == "__main__":
    for path in write_docs(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS):
        print(path)
