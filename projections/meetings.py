"""Coordinators' meetings as a list (status, time, agenda, attendance and decision counts), and the standards each
region holds, from the meetings' decisions (a standard is recorded on the regions in scope in the same transaction
as the decision, so its rows come from the decision's event)."""

from __future__ import annotations

from typing import Any

import orjson

from domain.event import DomainEvent
from domain.policy.meeting import (
    MeetingAgendaItemAdded,
    MeetingCancelled,
    MeetingClosed,
    MeetingDecisionRecorded,
    MeetingEvent,
    MeetingHeld,
    MeetingMinuted,
    MeetingScheduled,
)
from domain.policy.standard import DecisionKind
from projections.store import Change, Projection, Row, Table, Upsert, ViewReader, iso, iso_date, where

__all__ = ["Meetings", "meeting_list", "region_standards"]

MEETINGS = Table(
    "meetings",
    {"id": "TEXT", "title": "TEXT", "scheduled_for": "TEXT", "status": "TEXT", "agenda_items": "INTEGER",
     "attendees": "INTEGER", "decisions": "INTEGER", "held_at": "TEXT", "minuted_at": "TEXT", "closed_at": "TEXT",
     "scheduled_by": "TEXT", "version": "INTEGER", "updated_at": "TEXT"},
    key=("id",),
    indexes=(("scheduled_for", "id"), ("status", "scheduled_for")),
)
REGION_STANDARDS = Table(
    "region_standards",
    {"region": "TEXT", "meeting_id": "TEXT", "decision_id": "TEXT", "text": "TEXT", "categories": "TEXT",
     "effective_on": "TEXT", "first_response_hours": "INTEGER", "resolution_hours": "INTEGER", "adopted_at": "TEXT",
     "position": "INTEGER"},
    key=("region", "meeting_id", "decision_id"),
    indexes=(("region", "effective_on"),),
)


class Meetings(Projection):
    name = "meetings"
    tables = (MEETINGS, REGION_STANDARDS)

    def changes(self, event: DomainEvent, position: int, view: ViewReader) -> list[Change]:
        if not isinstance(event, MeetingEvent):
            return []
        key = {"id": str(event.originator_id)}
        stamp = {"version": event.originator_version, "updated_at": iso(event.occurred_at)}
        if isinstance(event, MeetingScheduled):
            return [Upsert("meetings", key, {
                **stamp, "title": event.title, "scheduled_for": iso(event.scheduled_for), "status": "scheduled",
                "agenda_items": 0, "attendees": 0, "decisions": 0, "scheduled_by": event.actor.id})]
        row = view.get("meetings", key)
        if row is None:
            raise LookupError(f"meeting {event.originator_id} has no row: its MeetingScheduled was never projected")
        changes: list[Change] = [Upsert("meetings", key, {**stamp, **_meeting_values(event, row)})]
        if isinstance(event, MeetingDecisionRecorded) and event.decision.kind is DecisionKind.STANDARD:
            decision = event.decision
            changes += [Upsert("region_standards", {"region": region, "meeting_id": key["id"],
                                                    "decision_id": decision.decision_id}, {
                "text": decision.text, "categories": orjson.dumps(decision.categories).decode(),
                "effective_on": iso_date(decision.effective_on), "first_response_hours": decision.first_response_hours,
                "resolution_hours": decision.resolution_hours, "adopted_at": iso(event.occurred_at),
                "position": position}) for region in decision.regions]
        return changes


def _meeting_values(event: MeetingEvent, row: Row) -> dict[str, Any]:
    match event:
        case MeetingAgendaItemAdded():
            return {"agenda_items": row["agenda_items"] + 1}
        case MeetingHeld():
            return {"status": "held", "attendees": len(event.attendees), "held_at": iso(event.occurred_at)}
        case MeetingMinuted():
            return {"status": "minuted", "minuted_at": iso(event.occurred_at)}
        case MeetingDecisionRecorded():
            return {"decisions": row["decisions"] + 1}
        case MeetingClosed():
            return {"status": "closed", "closed_at": iso(event.occurred_at)}
        case MeetingCancelled():
            return {"status": "cancelled"}
    return {}


def meeting_list(view: ViewReader, status: str | None = None, limit: int = 50) -> list[Row]:
    """Meetings, the latest scheduled first, optionally of one status."""
    clause, params = where({"status": ("status = :status", status)})
    return view.select(f"SELECT * FROM meetings{clause} ORDER BY scheduled_for DESC, id LIMIT :limit",
                       {**params, "limit": limit})


def region_standards(view: ViewReader, regions: list[str] | None = None) -> dict[str, list[Row]]:
    """The standards each region holds, by region, in the order adopted (`effective_on` says from when)."""
    rows = view.select("SELECT * FROM region_standards ORDER BY region, position, decision_id")
    held: dict[str, list[Row]] = {}
    for row in rows:
        if regions is None or row["region"] in regions:
            held.setdefault(row["region"], []).append(
                {**{k: v for k, v in row.items() if k not in ("region", "position")},
                 "categories": orjson.loads(row["categories"])})
    return held
