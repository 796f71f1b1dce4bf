"""Staff development read models: coaching histories, training programmes and sessions, who completed what,
and what each region requires, from which `/regions` shows whether a region is ready to take cases."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson

from domain.development.coaching import CoachingFollowedUp, InteractionReviewed
from domain.development.training import (
    AttendeeAdded,
    ProgrammeCreated,
    SessionCancelled,
    SessionHeld,
    SessionScheduled,
    TrainerDeclared,
    TrainingCompleted,
)
from domain.event import DomainEvent
from domain.staff.region import Readiness, RegionEstablished, TrainingRequired, TrainingRequirementDropped
from projections.store import Change, Delete, Projection, Row, Table, Upsert, ViewReader, iso, iso_date, where

__all__ = ["Development", "coaching_history", "programme_list", "programme_titles", "readiness_fields",
           "region_readiness", "session_list"]

COACHING = Table(
    "coaching",
    {"id": "TEXT", "region": "TEXT", "representative_id": "TEXT", "reviewer_id": "TEXT", "case_id": "TEXT",
     "contact_version": "INTEGER", "rating": "INTEGER", "standards": "TEXT", "went_well": "TEXT",
     "to_improve": "TEXT", "follow_up_on": "TEXT", "status": "TEXT", "reviewed_at": "TEXT", "followed_up_at": "TEXT",
     "follow_up_note": "TEXT", "version": "INTEGER"},
    key=("id",),
    indexes=(("representative_id", "reviewed_at"), ("region", "reviewed_at")),
)
PROGRAMMES = Table(
    "training_programmes",
    {"id": "TEXT", "title": "TEXT", "description": "TEXT", "modules": "TEXT", "trainers": "TEXT",
     "created_at": "TEXT", "created_by": "TEXT", "version": "INTEGER"},
    key=("id",),
)
SESSIONS = Table(
    "training_sessions",
    {"id": "TEXT", "region": "TEXT", "programme_id": "TEXT", "trainer_id": "TEXT", "scheduled_on": "TEXT",
     "attendees": "TEXT", "completed": "TEXT", "status": "TEXT", "held_on": "TEXT", "version": "INTEGER"},
    key=("id",),
    indexes=(("region", "scheduled_on"), ("programme_id",)),
)
COMPLETIONS = Table(
    "training_completions",
    {"staff_id": "TEXT", "programme_id": "TEXT", "session_id": "TEXT", "region": "TEXT", "completed_at": "TEXT"},
    key=("staff_id", "programme_id"),
)
REQUIREMENTS = Table(
    "training_requirements",
    {"region": "TEXT", "programme_id": "TEXT", "required_at": "TEXT"},
    key=("region", "programme_id"),
)
REGION_IDS = Table("training_region_ids", {"id": "TEXT", "code": "TEXT"}, key=("id",))
"""Region codes by record id, kept by this read model itself so it never depends on another one's progress."""


class Development(Projection):
    name = "development"
    tables = (COACHING, PROGRAMMES, SESSIONS, COMPLETIONS, REQUIREMENTS, REGION_IDS)

    def changes(self, event: DomainEvent, position: int, view: ViewReader) -> list[Change]:
        key = {"id": str(event.originator_id)}
        stamp = {"version": event.originator_version}
        match event:
            case InteractionReviewed() | CoachingFollowedUp():
                return _coaching(event, key, stamp)
            case ProgrammeCreated() | TrainerDeclared():
                return _programme(event, key, stamp, view)
            case RegionEstablished():
                return [Upsert("training_region_ids", key, {"code": event.code})]
            case TrainingRequired() | TrainingRequirementDropped():
                region = _row(view, "training_region_ids", key)["code"]
                required = {"region": region, "programme_id": str(event.programme_id)}
                if isinstance(event, TrainingRequirementDropped):
                    return [Delete("training_requirements", required)]
                return [Upsert("training_requirements", required, {"required_at": iso(event.occurred_at)})]
        return _session(event, key, stamp, view)


def _coaching(event: DomainEvent, key: dict[str, Any], stamp: dict[str, Any]) -> list[Change]:
    match event:
        case InteractionReviewed():
            return [Upsert("coaching", key, {
                **stamp, "region": event.region, "representative_id": event.representative_id,
                "reviewer_id": event.actor.id, "case_id": str(event.case_id),
                "contact_version": event.contact_version, "rating": event.rating,
                "standards": _json([s.model_dump(mode="json") for s in event.standards]),
                "went_well": event.went_well, "to_improve": event.to_improve,
                "follow_up_on": iso_date(event.follow_up_on), "status": "reviewed",
                "reviewed_at": iso(event.occurred_at)})]
        case CoachingFollowedUp():
            return [Upsert("coaching", key, {**stamp, "status": "followed_up", "follow_up_note": event.note,
                                             "followed_up_at": iso(event.occurred_at)})]
    return []


def _programme(event: DomainEvent, key: dict[str, Any], stamp: dict[str, Any], view: ViewReader) -> list[Change]:
    match event:
        case ProgrammeCreated():
            return [Upsert("training_programmes", key, {
                **stamp, "title": event.title, "description": event.description, "modules": _json(event.modules),
                "trainers": _json([]), "created_at": iso(event.occurred_at), "created_by": event.actor.id})]
        case TrainerDeclared():
            row = _row(view, "training_programmes", key)
            trainers = [*orjson.loads(row["trainers"]), event.staff_id]
            return [Upsert("training_programmes", key, {**stamp, "trainers": _json(trainers)})]
    return []


def _session(event: DomainEvent, key: dict[str, Any], stamp: dict[str, Any], view: ViewReader) -> list[Change]:
    match event:
        case SessionScheduled():
            return [Upsert("training_sessions", key, {
                **stamp, "region": event.region, "programme_id": str(event.programme_id),
                "trainer_id": event.trainer_id, "scheduled_on": iso_date(event.scheduled_on),
                "attendees": _json(event.attendees), "completed": _json([]), "status": "scheduled"})]
        case AttendeeAdded():
            row = _row(view, "training_sessions", key)
            attendees = [*orjson.loads(row["attendees"]), event.staff_id]
            return [Upsert("training_sessions", key, {**stamp, "attendees": _json(attendees)})]
        case SessionHeld():
            return [Upsert("training_sessions", key, {**stamp, "status": "held",
                                                      "held_on": iso_date(event.held_on)})]
        case SessionCancelled():
            return [Upsert("training_sessions", key, {**stamp, "status": "cancelled"})]
        case TrainingCompleted():
            row = _row(view, "training_sessions", key)
            completed = [*orjson.loads(row["completed"]), event.staff_id]
            changes: list[Change] = [Upsert("training_sessions", key, {**stamp, "completed": _json(completed)})]
            done = {"staff_id": event.staff_id, "programme_id": row["programme_id"]}
            if view.get("training_completions", done) is None:  # the first completion counts
                changes.append(Upsert("training_completions", done, {
                    "session_id": key["id"], "region": row["region"], "completed_at": iso(event.occurred_at)}))
            return changes
    return []


def coaching_history(view: ViewReader, representative_id: str | None = None, region: str | None = None,
                     limit: int = 200) -> list[Row]:
    """Coaching reviews, newest first, of one representative and/or one region."""
    clause, params = where({"rep": ("representative_id = :rep", representative_id),
                            "region": ("region = :region", region)})
    rows = view.select(f"SELECT * FROM coaching{clause} ORDER BY reviewed_at DESC, id LIMIT :limit",
                       {**params, "limit": limit})
    return [{**row, "standards": orjson.loads(row["standards"])} for row in rows]


def programme_list(view: ViewReader) -> list[Row]:
    rows = view.select("SELECT * FROM training_programmes ORDER BY title, id")
    return [{**row, "modules": orjson.loads(row["modules"]), "trainers": orjson.loads(row["trainers"])}
            for row in rows]


def session_list(view: ViewReader, region: str | None = None, programme_id: str | None = None) -> list[Row]:
    clause, params = where({"region": ("region = :region", region),
                            "programme": ("programme_id = :programme", programme_id)})
    rows = view.select(f"SELECT * FROM training_sessions{clause} ORDER BY scheduled_on, id", params)
    return [{**row, "attendees": orjson.loads(row["attendees"]), "completed": orjson.loads(row["completed"])}
            for row in rows]


def region_readiness(view: ViewReader, regions: list[Row], staff: list[Row]) -> dict[str, Readiness]:
    """Each region's readiness (the rule of `Region.readiness`) from the read models: its coordinator (`regions`
    rows of the staff read model), its representatives (`staff` rows), what it requires and who completed what."""
    required: dict[str, list[UUID]] = {}
    for row in view.select("SELECT region, programme_id FROM training_requirements ORDER BY required_at, programme_id"):
        required.setdefault(row["region"], []).append(UUID(row["programme_id"]))
    completed: dict[str, set[UUID]] = {}
    if required:
        for row in view.select("SELECT staff_id, programme_id FROM training_completions"):
            completed.setdefault(row["staff_id"], set()).add(UUID(row["programme_id"]))
    answer = {}
    for region in regions:
        code = region["code"]
        untrained = {}
        for member in staff:
            if member["region"] == code and member["role"] == "representative":
                missing = tuple(p for p in required.get(code, []) if p not in completed.get(member["staff_id"], ()))
                if missing:
                    untrained[member["staff_id"]] = missing
        answer[code] = Readiness(region=code, coordinator_appointed=region["coordinator_id"] is not None,
                                 untrained=untrained)
    return answer


def programme_titles(view: ViewReader) -> dict[UUID, str]:
    return {UUID(row["id"]): row["title"] for row in view.select("SELECT id, title FROM training_programmes")}


def _row(view: ViewReader, table: str, key: dict[str, Any]) -> Row:
    row = view.get(table, key)
    if row is None:
        raise LookupError(f"{table} has no row {key}: its first event was never projected")
    return row


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def readiness_fields(view: ViewReader, regions: list[Row], staff: list[Row]) -> dict[str, Row]:
    """`{"ready", "missing"}` per region code, for `/regions`: `missing` in the words a refused case uses."""
    titles = programme_titles(view)
    return {code: {"ready": readiness.ready, "missing": readiness.missing(titles)}
            for code, readiness in region_readiness(view, regions, staff).items()}
