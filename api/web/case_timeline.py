"""A case's timeline: every event of its history, with its actor and time, and what it changed (old -> new).

The events are the API's history read (`GET /cases/{id}/history`, the same `history_events` over the event
store). What changed is found by replaying them one by one, as the store replays a record, and comparing the
record's state before and after each: the page shows the values the API's `GET /cases/{id}?version=N` would.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from api.routes.records import HistoryEvent, history_events
from domain.event import DomainEvent
from domain.ledger import replay

__all__ = ["Change", "Entry", "timeline"]

UNCHANGING = frozenset({"version", "modified_at"})
"""Fields every event changes: the version and time are shown as the entry's own."""
LONGEST = 120
CLOCKS = "sla_clocks."


@dataclass(frozen=True)
class Change:
    """One value of the case an event changed: its dotted path, as it was and as it became."""

    path: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Entry:
    """One event of the timeline."""

    event: HistoryEvent
    title: str
    details: list[tuple[str, str]]
    changes: list[Change]
    clock_changes: list[Change]
    """The SLA clocks' values an event changed: many, so the page folds them away."""


def timeline(events: list[DomainEvent]) -> list[Entry]:
    """The case's events (oldest first) with what each changed (the opening event with its details only)."""
    entries = []
    state: Any = None
    before: dict[str, str] = {}
    for event, shown in zip(events, history_events(events), strict=True):
        state = replay(state, [event])
        after = dict(_flatten(state.model_dump(mode="json", exclude=UNCHANGING)))
        changes = [Change(path, before.get(path), after.get(path)) for path in sorted(before.keys() | after.keys())
                   if before.get(path) != after.get(path)] if before else []  # an opening: its details say it all
        details = [(name, _text(value)) for name, value in shown.data.items()
                   if name != "sla_clocks" and value not in (None, "", [], {})]
        entries.append(Entry(shown, _title(shown.type), details,
                             [c for c in changes if not c.path.startswith(CLOCKS)],
                             [c for c in changes if c.path.startswith(CLOCKS)]))
        before = after
    return entries


def _title(type_name: str) -> str:
    """`CaseDeEscalated` -> "Case de escalated": the event's name in words."""
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in type_name).strip()
    return words[:1].upper() + words[1:]


def _flatten(value: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    """A record's JSON as dotted paths and short texts: nested objects by their keys, empty values left out."""
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            yield from _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        for index, inner in enumerate(value):
            yield from _flatten(inner, f"{prefix}.{index}")
    elif value not in (None, [], {}):
        yield prefix, _text(value)


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text if len(text) <= LONGEST else text[:LONGEST - 1] + "…"
