"""Regions and their staff, for workload per representative and the coordinator of each region."""

from __future__ import annotations

from domain.event import DomainEvent
from domain.staff.region import CoordinatorAppointed, RegionEstablished, RepresentativeJoined, RepresentativeLeft
from projections.store import Change, Delete, Projection, Table, Upsert, ViewReader

__all__ = ["Staff"]

REGIONS = Table("regions", {"code": "TEXT", "id": "TEXT", "name": "TEXT", "coordinator_id": "TEXT"}, key=("code",),
                indexes=(("id",),))
STAFF = Table("staff", {"region": "TEXT", "staff_id": "TEXT", "name": "TEXT", "role": "TEXT"},
              key=("region", "staff_id"))


class Staff(Projection):
    name = "staff"
    tables = (REGIONS, STAFF)

    def changes(self, event: DomainEvent, position: int, view: ViewReader) -> list[Change]:
        match event:
            case RegionEstablished():
                return [Upsert("regions", {"code": event.code},
                               {"id": str(event.originator_id), "name": event.name, "coordinator_id": None})]
            case CoordinatorAppointed() | RepresentativeJoined() | RepresentativeLeft():
                region = _region_code(view, event)
                staff_key = {"region": region, "staff_id": event.staff_id}
                if isinstance(event, RepresentativeLeft):
                    return [Delete("staff", staff_key)]
                if isinstance(event, RepresentativeJoined):
                    return [Upsert("staff", staff_key, {"name": event.name, "role": "representative"})]
                changes: list[Change] = []
                current = view.get("regions", {"code": region})
                if current and current["coordinator_id"]:
                    changes.append(Delete("staff", {"region": region, "staff_id": current["coordinator_id"]}))
                return [*changes, Upsert("regions", {"code": region}, {"coordinator_id": event.staff_id}),
                        Upsert("staff", staff_key, {"name": event.name, "role": "coordinator"})]
        return []


def _region_code(view: ViewReader, event: DomainEvent) -> str:
    rows = view.select("SELECT code FROM regions WHERE id = :id", {"id": str(event.originator_id)})
    if not rows:
        raise LookupError(f"region {event.originator_id} has no row: its RegionEstablished was never projected")
    return str(rows[0]["code"])
