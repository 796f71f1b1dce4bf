"""Coordinators' meetings over HTTP: scheduled, agenda, held, a decision adopting a standard that reaches the
regions' triage, minutes, closed; every reader role reads meetings, only coordinators, managers and administrators
command them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from domain.values import Role
from tests.e2e.conftest import headers

NORTH_COORDINATOR = headers(Role.COORDINATOR, "north", "coord-north")
SOUTH_COORDINATOR = headers(Role.COORDINATOR, "south", "coord-south")
NORTH_REP = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
SOUTH_REP = headers(Role.REPRESENTATIVE, "south", "rep-south-1")
MANAGER = headers(Role.MANAGER, subject="mgr-1")
AUDITOR = headers(Role.AUDITOR, subject="aud-1")


def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def triaged_case(client: httpx.Client, region: str, category: str) -> tuple[timedelta, timedelta]:
    """A case opened and triaged now: its first response and resolution targets, measured from its opening."""
    rep = NORTH_REP if region == "north" else SOUTH_REP
    case = ok(client.post("/cases", json={"region": region, "channel": "web", "customer_ref": "c-9",
                                          "subject": "Return refused", "description": "Shop refused"}, headers=rep))
    ok(client.post(f"/cases/{case['id']}/triage", json={"category": category, "priority": "low"}, headers=rep))
    body = ok(client.get(f"/cases/{case['id']}", headers=rep))
    opened = datetime.fromisoformat(body["created_at"])
    first_response = datetime.fromisoformat(body["first_response_due"]) - opened
    return first_response, datetime.fromisoformat(body["resolution_due"]) - opened


def test_a_meeting_decision_reaches_the_triage_of_the_regions_in_scope(client: httpx.Client) -> None:
    today = datetime.now(UTC).date()
    # a coordinator schedules the meeting; a representative may not
    refused = client.post("/meetings", json={"title": "Q2", "scheduled_for": "2026-06-01T09:00:00Z"}, headers=NORTH_REP)
    assert refused.status_code == 403, refused.text
    meeting = ok(client.post("/meetings", json={"title": "Coordinators' meeting, Q2",
                                                "scheduled_for": datetime.now(UTC).isoformat()},
                             headers=NORTH_COORDINATOR))["id"]
    # the coordinator of another region adds a common problem to the agenda; the meeting is held
    ok(client.post(f"/meetings/{meeting}/add-agenda-item",
                   json={"item_id": "returns", "policy_area": "returns", "regions": ["north", "south"]},
                   headers=SOUTH_COORDINATOR))
    ok(client.post(f"/meetings/{meeting}/hold", json={"coordinators": ["coord-north", "coord-south"],
                                                      "managers": ["mgr-1"]}, headers=NORTH_COORDINATOR))
    before_decision = datetime.now(UTC)
    # a manager records two standards for north: complaints from today, billing from tomorrow
    decided = ok(client.post(f"/meetings/{meeting}/record-decision", json={
        "decision_id": "complaints-2h", "kind": "standard", "text": "Complaints answered within 2 hours",
        "regions": ["north"], "categories": ["complaint"], "effective_on": today.isoformat(),
        "first_response_hours": 2, "resolution_hours": 10}, headers=MANAGER))
    ok(client.post(f"/meetings/{meeting}/record-decision", json={
        "decision_id": "billing-1h", "kind": "standard", "text": "Billing answered within an hour",
        "regions": ["north"], "categories": ["billing"], "effective_on": (today + timedelta(days=1)).isoformat(),
        "first_response_hours": 1}, headers=MANAGER))
    past = client.post(f"/meetings/{meeting}/record-decision", json={
        "decision_id": "late", "kind": "business_process", "text": "Log the reason of a return",
        "regions": ["north"], "effective_on": (today - timedelta(days=1)).isoformat()}, headers=MANAGER)
    assert past.status_code == 409 and past.json()["type"].endswith(":effective-date-in-past")

    # north's complaints get the standard; north's billing (not yet effective) and south keep the default
    assert triaged_case(client, "north", "complaint") == (timedelta(hours=2), timedelta(hours=10))
    assert triaged_case(client, "north", "billing") == (timedelta(days=1), timedelta(days=7))
    assert triaged_case(client, "south", "complaint") == (timedelta(days=1), timedelta(days=7))

    # the region read shows the standards (only the caller's own region to a coordinator)
    regions = ok(client.get("/regions", params={"min_position": decided["position"]}, headers=NORTH_COORDINATOR))
    (north,) = regions
    assert [(s["decision_id"], s["in_force"]) for s in north["standards"]] == [
        ("complaints-2h", True), ("billing-1h", False)]

    # minutes, close; a closed meeting is not cancelled
    ok(client.post(f"/meetings/{meeting}/record-minutes", json={"minutes": "Two standards adopted."},
                   headers=SOUTH_COORDINATOR))
    closed = ok(client.post(f"/meetings/{meeting}/close", json={}, headers=NORTH_COORDINATOR))
    cancel = client.post(f"/meetings/{meeting}/cancel", json={"reason": "Late"}, headers=NORTH_COORDINATOR)
    assert cancel.status_code == 409 and cancel.json()["type"].endswith(":transition-refused")

    # every reader role reads meetings: the list (from the read model), the record now and as it was, its history
    for reader in (SOUTH_REP, AUDITOR, MANAGER):
        listed = ok(client.get("/meetings", params={"min_position": closed["position"]}, headers=reader))["items"]
        assert [(m["id"], m["status"], m["decisions"]) for m in listed if m["id"] == meeting] == [
            (meeting, "closed", 2)]
    record = ok(client.get(f"/meetings/{meeting}", headers=SOUTH_REP))
    assert record["status"] == "closed" and [a["staff_id"] for a in record["attendees"]] == [
        "coord-north", "coord-south", "mgr-1"]
    then = ok(client.get(f"/meetings/{meeting}", params={"as_of": before_decision.isoformat()}, headers=AUDITOR))
    assert then["status"] == "held" and then["decisions"] == []
    history = client.get(f"/meetings/{meeting}/history", headers=AUDITOR).json()
    assert [e["type"] for e in history] == ["MeetingScheduled", "MeetingAgendaItemAdded", "MeetingHeld",
                                            "MeetingDecisionRecorded", "MeetingDecisionRecorded", "MeetingMinuted",
                                            "MeetingClosed"]


def test_only_coordinators_managers_and_administrators_command_meetings(client: httpx.Client) -> None:
    past = client.post("/meetings", json={"title": "Ad hoc", "scheduled_for": "1900-01-01T09:00:00Z"}, headers=MANAGER)
    assert past.status_code == 422 and past.json()["field"] == "scheduled_for", past.text  # not in the past
    later = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    meeting = ok(client.post("/meetings", json={"title": "Ad hoc", "scheduled_for": later}, headers=MANAGER))["id"]
    for outsider in (NORTH_REP, AUDITOR):
        refused = client.post(f"/meetings/{meeting}/cancel", json={"reason": "No"}, headers=outsider)
        assert refused.status_code == 403, refused.text
    # a representative listed as a coordinator is refused, naming them
    hold = client.post(f"/meetings/{meeting}/hold", json={"coordinators": ["rep-north-1"]}, headers=MANAGER)
    assert hold.status_code == 409 and "rep-north-1" in hold.json()["detail"]
    assert ok(client.post(f"/meetings/{meeting}/cancel", json={"reason": "Nothing to discuss"},
                          headers=SOUTH_COORDINATOR))["version"] == 2
    assert client.get("/meetings", params={"status": "cancelled"}, headers=NORTH_REP).status_code == 200
