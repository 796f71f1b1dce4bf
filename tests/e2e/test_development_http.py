"""Coaching and training over HTTP: who sees a representative's coaching, and a new region trained and made
ready (its refusal naming what is missing, then `/regions` showing it ready)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx

from domain.values import Role
from tests.e2e.conftest import headers

ADMIN = headers(Role.ADMIN)
REP = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
OTHER_REP = headers(Role.REPRESENTATIVE, "north", "rep-north-2")
COORDINATOR = headers(Role.COORDINATOR, "north", "coord-north")
SOUTH_COORDINATOR = headers(Role.COORDINATOR, "south", "coord-south")
AUDITOR = headers(Role.AUDITOR)
MANAGER = headers(Role.MANAGER, subject="mgr-1")


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 300, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_representatives_coaching_is_theirs_and_their_coordinators_only(client: httpx.Client) -> None:
    # rep-north-1 logs a contact on a case of north; the coordinator reviews it
    case = ok(client.post("/cases", json={"region": "north", "channel": "phone", "customer_ref": "c-coach",
                                          "subject": "Bill", "description": "Twice"}, headers=REP))["id"]
    logged = ok(client.post(f"/cases/{case}/log-contact", json={"direction": "outbound", "channel": "phone",
                                                                 "summary": "Explained the bill"}, headers=REP))
    body = {"case_id": case, "contact_version": logged["version"], "rating": 4, "went_well": "Calm",
            "to_improve": "Offer the refund sooner", "follow_up_on": "2030-01-15",
            "standards": [{"standard": "first response within 4 hours", "rating": 5}]}
    assert client.post("/coaching", json=body, headers=REP).status_code == 403
    assert client.post("/coaching", json=body, headers=SOUTH_COORDINATOR).status_code == 409
    created = client.post("/coaching", json=body, headers=COORDINATOR)
    assert created.status_code == 201 and created.headers["Location"] == f"/coaching/{created.json()['id']}"
    review = created.json()

    # the representative and their coordinator read it, now and as it was
    mine = client.get("/coaching", params={"min_position": review["position"]}, headers=REP).json()
    assert [row["id"] for row in mine] == [review["id"]] and mine[0]["standards"][0]["rating"] == 5
    assert client.get("/coaching", params={"representative_id": "rep-north-1"}, headers=COORDINATOR).json() == mine
    ok(client.post(f"/coaching/{review['id']}/follow-up", json={"note": "Better now"}, headers=COORDINATOR))
    assert ok(client.get(f"/coaching/{review['id']}", headers=REP))["status"] == "followed_up"
    assert ok(client.get(f"/coaching/{review['id']}", params={"version": 1}, headers=COORDINATOR))["status"] == (
        "reviewed")
    assert len(client.get(f"/coaching/{review['id']}/history", headers=ADMIN).json()) == 2

    # everyone else gets one 403, whatever exists
    refusals = [
        client.get(f"/coaching/{review['id']}", headers=OTHER_REP),
        client.get(f"/coaching/{review['id']}", headers=SOUTH_COORDINATOR),
        client.get(f"/coaching/{'0' * 32}", headers=OTHER_REP),
        client.get("/coaching", params={"representative_id": "rep-north-1"}, headers=OTHER_REP),
        client.get("/coaching", params={"representative_id": "rep-north-1"}, headers=SOUTH_COORDINATOR),
        client.get("/coaching", params={"representative_id": "nobody"}, headers=SOUTH_COORDINATOR),
        client.get(f"/coaching/{review['id']}/history", headers=SOUTH_COORDINATOR),
        client.get("/coaching", headers=AUDITOR), client.get("/coaching", headers=MANAGER),
    ]
    assert {r.status_code for r in refusals} == {403}
    assert len({r.json()["detail"] for r in refusals[:6]}) == 1
    assert client.get("/coaching", headers=OTHER_REP).json() == []


def test_a_new_region_is_trained_and_made_ready(client: httpx.Client) -> None:
    # a manager creates the programme; an administrator opens region east and requires it there
    programme = ok(client.post("/training/programmes", json={"title": "Onboarding", "description": "Basics",
                                                             "modules": ["Billing", "Outages"]}, headers=MANAGER))["id"]
    ok(client.post("/regions", json={"code": "east", "name": "East"}, headers=ADMIN))
    for n in (1, 2):
        ok(client.post("/regions/east/representatives", json={"staff_id": f"rep-east-{n}", "name": "Eva"},
                       headers=ADMIN))
    ok(client.post("/training/requirements", json={"region": "east", "programme_id": programme}, headers=ADMIN))
    case = {"region": "east", "channel": "web", "customer_ref": "c-east", "subject": "Outage", "description": "x"}
    refused = client.post("/cases", json=case, headers=ADMIN)
    assert refused.status_code == 409 and refused.json()["type"].endswith("region-not-ready")
    assert "no coordinator appointed" in refused.json()["detail"]
    assert f"rep-east-1 has not completed programme Onboarding ({programme})" in refused.json()["detail"]

    # the coordinator is appointed; a declared trainer from north trains both representatives
    appointed = ok(client.post("/regions/east/coordinator", json={"staff_id": "coord-east", "name": "Ed"},
                               headers=ADMIN))
    regions = client.get("/regions", params={"min_position": appointed["position"]}, headers=ADMIN).json()
    east = next(r for r in regions if r["code"] == "east")
    assert east["ready"] is False and len(east["missing"]) == 2
    assert all(r["ready"] for r in regions if r["code"] in ("north", "south"))
    east_coordinator = headers(Role.COORDINATOR, "east", "coord-east")
    today = datetime.now(UTC).date().isoformat()  # a session is held on or after its day, not after today
    ok(client.post(f"/training/programmes/{programme}/declare-trainer", json={"staff_id": "rep-north-1",
                                                                           "name": "Mari"}, headers=ADMIN))
    session = ok(client.post("/training/sessions", json={
        "region": "east", "programme_id": programme, "trainer_id": "rep-north-1", "scheduled_on": today,
        "attendees": ["rep-east-1", "rep-east-2"]}, headers=east_coordinator))["id"]
    assert client.post(f"/training/sessions/{session}/hold", json={"held_on": today},
                       headers=COORDINATOR).status_code == 403
    ok(client.post(f"/training/sessions/{session}/hold", json={"held_on": today}, headers=east_coordinator))
    for n in (1, 2):
        done = ok(client.post(f"/training/sessions/{session}/record-completion", json={"staff_id": f"rep-east-{n}"},
                              headers=east_coordinator))

    # ready: /regions says so, and the region takes cases
    regions = client.get("/regions", params={"min_position": done["position"]}, headers=east_coordinator).json()
    assert [(r["code"], r["ready"], r["missing"]) for r in regions] == [("east", True, [])]
    assert client.post("/cases", json=case, headers=east_coordinator).status_code == 201
    sessions = client.get("/training/sessions", headers=east_coordinator).json()
    assert sessions[0]["completed"] == ["rep-east-1", "rep-east-2"] and sessions[0]["status"] == "held"
    assert client.get("/training/sessions", params={"region": "east"}, headers=REP).status_code == 403
    assert ok(client.get(f"/training/programmes/{programme}", headers=REP))["trainers"] == {"rep-north-1": "Mari"}


def test_refusals_read_as_english(client: httpx.Client) -> None:
    """An outside tester's finding: "a auditor may not do this"; the administrator's 404 named "that id"."""
    missing = uuid4()
    unknown = client.get(f"/coaching/{missing}", headers=ADMIN)
    assert unknown.status_code == 404 and unknown.json()["detail"] == f"no coaching with id {missing}"
    refused = client.post("/meetings", headers=AUDITOR, json={})
    assert refused.status_code == 403 and refused.json()["detail"].startswith("an auditor may not do this")
