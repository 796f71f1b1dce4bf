"""Policy proposals over HTTP on a real server: drafted by a coordinator with the evidence of two regions, read
by the other region's coordinator without the first region's case ids, decided by a manager, implemented, its
before/after effect on the read; the coordinators' authority is an administrator's, auditable setting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx

from domain.values import Role
from tests.e2e.conftest import headers

COORD_NORTH = headers(Role.COORDINATOR, "north", "coord-north")
COORD_SOUTH = headers(Role.COORDINATOR, "south", "coord-south")
MANAGER = headers(Role.MANAGER, subject="mgr-1")
AUDITOR = headers(Role.AUDITOR, subject="auditor-1")
ADMIN = headers(Role.ADMIN)


def flagged_case(client: httpx.Client, region: str) -> str:
    rep = headers(Role.REPRESENTATIVE, region, f"rep-{region}-1")
    case: str = client.post("/cases", json={"region": region, "channel": "web", "customer_ref": "c-1",
                                            "subject": "Return refused", "description": "Returned on day 31"},
                            headers=rep).json()["id"]
    client.post(f"/cases/{case}/triage", json={"category": "return_policy", "priority": "normal"},
                headers=rep).raise_for_status()
    client.post(f"/cases/{case}/flag-policy-issue", json={"policy_area": "returns", "note": "30 days is too short"},
                headers=rep).raise_for_status()
    return case


def drafted(client: httpx.Client, north: str, south: str) -> str:
    created = client.post("/proposals", headers=COORD_NORTH, json={
        "policy_area": "returns", "regions": ["north", "south"], "title": "A 60-day return window",
        "summary": "Returns after 30 days cause repeat calls in both regions",
        "change": "Extend the return window to 60 days", "case_ids": [north],
        "counts": [{"region": "north", "count": 5, "baseline": 1.5, "weeks": 2}, {"region": "south", "count": 4}]})
    assert created.status_code == 201, created.text
    proposal: str = created.json()["id"]
    # a coordinator cites their own region's cases: the south coordinator adds theirs (north's are kept)
    client.post(f"/proposals/{proposal}/revise", headers=COORD_SOUTH, json={"case_ids": [south]}).raise_for_status()
    return proposal


def test_another_regions_case_is_answered_as_an_unknown_one(client: httpx.Client) -> None:
    """No oracle: a coordinator citing another region's case id gets the 404 of an id that does not exist."""
    south = flagged_case(client, "south")
    body = {"policy_area": "returns", "regions": ["north"], "title": "T", "summary": "S", "change": "C"}
    foreign = client.post("/proposals", headers=COORD_NORTH, json={**body, "case_ids": [south]})
    unknown = client.post("/proposals", headers=COORD_NORTH, json={**body, "case_ids": [str(uuid4())]})
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json()["type"] == unknown.json()["type"] and foreign.json()["detail"] == f"no case with id {south}"


def test_a_proposal_goes_from_evidence_to_a_measured_effect(client: httpx.Client) -> None:
    north, south = flagged_case(client, "north"), flagged_case(client, "south")
    proposal = drafted(client, north, south)

    # the other region's coordinator reads the proposal and its history without the north case's id
    for path in (f"/proposals/{proposal}", f"/proposals/{proposal}/history"):
        shown = client.get(path, headers=COORD_SOUTH)
        assert shown.status_code == 200 and north not in shown.text and south in shown.text
    evidence = client.get(f"/proposals/{proposal}", headers=COORD_SOUTH).json()["evidence"]
    assert evidence["hidden_cases"] == 1 and [c["count"] for c in evidence["counts"]] == [5, 4]
    for everything in (MANAGER, AUDITOR):
        assert {north, south} <= {c["case_id"] for c in client.get(f"/proposals/{proposal}",
                                                                   headers=everything).json()["evidence"]["cases"]}

    # submitted by a coordinator; the coordinators hold no authority for returns, so a manager decides
    client.post(f"/proposals/{proposal}/submit", json={}, headers=COORD_SOUTH).raise_for_status()
    refused = client.post(f"/proposals/{proposal}/approve", json={}, headers=COORD_NORTH)
    assert refused.status_code == 409 and refused.json()["type"].endswith(":coordinators-lack-authority")
    client.post(f"/proposals/{proposal}/approve", json={"note": "Go ahead"}, headers=MANAGER).raise_for_status()

    # implemented from tomorrow: today's cases are the weeks before
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    done = client.post(f"/proposals/{proposal}/implement", headers=COORD_SOUTH,
                       json={"effective_on": tomorrow, "what_changed": "The return window is 60 days"})
    assert done.status_code == 200, done.text
    read = client.get(f"/proposals/{proposal}", headers=MANAGER).json()
    assert read["status"] == "implemented" and read["decided_by"] == "manager"
    effect = {row["region"]: row for row in read["effect"]["regions"]}
    assert effect["north"]["before"]["cases"] >= 1 and effect["north"]["verdict"] == "not enough time yet"
    early = client.post(f"/proposals/{proposal}/review-effect", headers=MANAGER,
                        json={"conclusion": "improved", "note": "Fewer calls"})
    assert early.status_code == 409 and "review it on or after" in early.json()["detail"]
    assert client.get(f"/proposals/{proposal}/effect", params={"weeks": 2}, headers=COORD_NORTH).json()["weeks"] == 2
    future = client.get(f"/proposals/{proposal}/effect", headers=COORD_NORTH,
                        params={"weeks": 52, "now": "8999-12-31T00:00:00Z"})
    assert future.status_code == 422 and future.json()["field"] == "now" and "later than" in future.json()["detail"]

    listed = client.get("/proposals", params={"status": "implemented", "min_position": done.json()["position"]},
                        headers=COORD_NORTH).json()["items"]
    assert [row["id"] for row in listed] == [proposal]


def test_each_role_is_held_to_its_steps(client: httpx.Client) -> None:
    north, south = flagged_case(client, "north"), flagged_case(client, "south")
    created = client.post("/proposals", headers=MANAGER, json={
        "policy_area": "returns", "regions": ["north"], "title": "T", "summary": "S", "change": "C"})
    assert created.status_code == 403 and created.json()["type"].endswith(":forbidden")  # before the body is read
    proposal = drafted(client, north, south)
    as_manager = client.post(f"/proposals/{proposal}/submit", json={}, headers=MANAGER)
    assert as_manager.status_code == 403 and "a manager may only" in as_manager.json()["detail"]
    rep = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
    assert client.post(f"/proposals/{proposal}/submit", json={}, headers=rep).status_code == 403
    stranger = headers(Role.COORDINATOR, "north", "coord-elsewhere")
    assert client.get(f"/proposals/{proposal}", headers=stranger).status_code == 403  # on no region's staff


def test_the_coordinators_authority_is_an_administrators_auditable_setting(client: httpx.Client) -> None:
    body = {"policy_area": "billing", "reason": "The coordinators own billing policy"}
    assert client.post("/proposals/authority/grant", json=body, headers=COORD_NORTH).status_code == 403
    granted = client.post("/proposals/authority/grant", json=body, headers=ADMIN)
    assert granted.status_code == 200, granted.text
    assert "billing" in client.get("/proposals/authority", headers=COORD_SOUTH).json()["coordinator_areas"]
    before = client.get("/proposals/authority", params={"as_of": "2000-01-01T00:00:00Z"}, headers=AUDITOR).json()
    assert before == {"version": 0, "coordinator_areas": [], "modified_at": None}
    history = client.get("/proposals/authority/history", headers=AUDITOR).json()
    assert [(e["type"], e["actor"]["role"]) for e in history][-1] == ("CoordinatorAuthorityGranted", "admin")
