"""Counts of records by kind, status and region, folded from the event log.

Each record is rebuilt with the domain's own event handling, so the counts cannot drift from
what loading a record would show.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol, cast
from uuid import UUID

from domain.aggregate import Aggregate
from domain.event import DomainEvent

__all__ = ["COUNTED_KINDS", "Census"]

COUNTED_KINDS = ("case", "provider", "contract")


class _Counted(Protocol):
    status: str
    region: str


class Census:
    def __init__(self) -> None:
        self.events = 0
        self._records: dict[UUID, Aggregate] = {}

    def apply(self, event: DomainEvent) -> None:
        self.events += 1
        self._records[event.originator_id] = event.mutate(self._records.get(event.originator_id))

    def apply_all(self, events: Iterable[DomainEvent]) -> Census:
        for event in events:
            self.apply(event)
        return self

    def summary(self) -> dict[str, Any]:
        """`events` in total and, per kind, `total`, `by_status` and `by_region` (sorted keys)."""
        summary: dict[str, Any] = {"events": self.events}
        for kind in COUNTED_KINDS:
            records = [cast(_Counted, r) for r in self._records.values() if r.aggregate_type == kind]
            summary[kind + "s"] = {
                "total": len(records),
                "by_status": _sorted(Counter(str(r.status) for r in records)),
                "by_region": _sorted(Counter(str(r.region) for r in records)),
            }
        return summary


def _sorted(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items()))
