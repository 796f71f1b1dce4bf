"""Time acting by itself in a served engine: an action scheduled a moment ahead is flagged overdue by the
server's own process manager, as a command caused by the timer; GET /timers by role and region."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from domain.values import Role
from tests.e2e.conftest import headers

REP = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
COORDINATOR = headers(Role.COORDINATOR, "north", "coord-north")


def test_an_action_due_in_a_moment_is_flagged_overdue_by_the_server_itself(client: httpx.Client) -> None:
    case = client.post("/cases", headers=REP, json={"region": "north", "channel": "web", "customer_ref": "c-77",
                                                    "subject": "No dial tone", "description": "Line dead"}).json()
    client.post(f"/cases/{case['id']}/triage", headers=REP,
                json={"category": "service_outage", "priority": "normal"}).raise_for_status()
    due = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    client.post(f"/cases/{case['id']}/schedule-action", headers=REP, json={
        "action_id": "call-1", "kind": "call_back", "due_at": due, "details": "Call back"}).raise_for_status()
    deadline, fired = time.monotonic() + 30, list[dict[str, Any]]()
    while not fired and time.monotonic() < deadline:
        time.sleep(0.2)
        listing = client.get("/timers", params={"state": "fired", "region": "north"}, headers=COORDINATOR).json()
        fired = [t for t in listing["timers"]
                 if t["record_id"] == case["id"] and t["purpose"] == "action.call-1.overdue"]
    assert fired, "the server's process manager did not fire the overdue action"
    events = client.get("/audit/events", params={"record_id": case["id"], "min_position": fired[0]["ended_position"]},
                        headers=headers(Role.AUDITOR)).json()
    overdue = [e for e in events if e["type"] == "ActionOverdue"]
    assert len(overdue) == 1 and overdue[0]["causation_id"] == fired[0]["id"]
    assert (overdue[0]["actor_id"], overdue[0]["actor_role"]) == ("timers", "system")


def test_timers_are_read_by_region_and_role(client: httpx.Client) -> None:
    assert client.get("/timers", params={"region": "south"}, headers=COORDINATOR).status_code == 403
    assert client.get("/timers", headers=REP).status_code == 403
    unknown = client.get("/timers", params={"region": "nowhere"}, headers=headers(Role.ADMIN))
    assert unknown.status_code == 404 and "nowhere" in unknown.json()["detail"]
    own = client.get("/timers", params={"state": "due"}, headers=COORDINATOR).json()
    assert own["region"] == "north" and all(t["region"] == "north" for t in own["timers"])
    assert set(own["counts"]) == {"due", "fired", "cancelled", "dropped"}
