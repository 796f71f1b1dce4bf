"""The audit trail: every event in global order, findable by record, by actor and by time."""

from __future__ import annotations

from domain.event import DomainEvent
from projections.store import Change, Projection, Row, Table, Upsert, ViewReader, iso, where

__all__ = ["AuditTrail", "audit_events"]

AUDIT_EVENTS = Table(
    "audit_events",
    {"position": "INTEGER", "record_id": "TEXT", "record_type": "TEXT", "version": "INTEGER", "type": "TEXT",
     "actor_id": "TEXT", "actor_role": "TEXT", "occurred_at": "TEXT", "correlation_id": "TEXT",
     "causation_id": "TEXT"},
    key=("position",),
    indexes=(("record_id", "version"), ("actor_id", "position"), ("occurred_at", "position")),
)


class AuditTrail(Projection):
    name = "audit"
    tables = (AUDIT_EVENTS,)

    def changes(self, event: DomainEvent, position: int, view: ViewReader) -> list[Change]:
        return [Upsert("audit_events", {"position": position}, {
            "record_id": str(event.originator_id), "record_type": event.aggregate_type,
            "version": event.originator_version, "type": event.type_name, "actor_id": event.actor.id,
            "actor_role": event.actor.role, "occurred_at": iso(event.occurred_at),
            "correlation_id": str(event.correlation_id),
            "causation_id": None if event.causation_id is None else str(event.causation_id),
        })]


def audit_events(
    view: ViewReader, after: int = 0, limit: int = 100, record_id: str | None = None, actor_id: str | None = None,
    since: str | None = None, until: str | None = None,
) -> list[Row]:
    """Events after a position, optionally of one record, by one actor, or within [since, until)."""
    clause, params = where({
        "after": ("position > :after", after), "record_id": ("record_id = :record_id", record_id),
        "actor_id": ("actor_id = :actor_id", actor_id), "since": ("occurred_at >= :since", since),
        "until": ("occurred_at < :until", until),
    })
    return view.select(f"SELECT * FROM audit_events{clause} ORDER BY position LIMIT :limit", {**params, "limit": limit})
