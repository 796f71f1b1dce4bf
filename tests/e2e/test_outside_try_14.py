"""What an outside tester found over HTTP in issue 14's rules, each answered as the server now does: the
credential caps every contract in force, a follow-up is created (201, Location) and an id in use is refused,
refusals point the right way, a manager records the network's side only, the contract list shows expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx

from domain.values import Role
from tests.e2e.conftest import headers
from tests.e2e.test_negotiation import EVIDENCE, proposed_contract, terms, today

REP = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
COORDINATOR = headers(Role.COORDINATOR, "north", "coord-north")
MANAGER = headers(Role.MANAGER, subject="mgr-1")
AUDITOR = headers(Role.AUDITOR, subject="auditor-1")
ADMIN = headers(Role.ADMIN)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def problem(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.json()["type"] == f"urn:caseledger:problem:{code}", response.text
    return str(response.json()["detail"])


def active_contract(client: httpx.Client, name: str) -> str:
    """A contract in force for a clinic credentialed for 1000 days (its terms run 730)."""
    cid = proposed_contract(client, name)
    ok(client.post(f"/contracts/{cid}/agree", json={"party": "provider", "evidence": EVIDENCE}, headers=REP))
    ok(client.post(f"/contracts/{cid}/sign", json={"party": "provider", "evidence": EVIDENCE}, headers=REP))
    ok(client.post(f"/contracts/{cid}/sign", json={"party": "network"}, headers=COORDINATOR))
    ok(client.post(f"/contracts/{cid}/activate", json={}, headers=REP))
    return cid


def test_an_amendment_past_the_credential_is_refused_naming_its_expiry(client: httpx.Client) -> None:
    cid = active_contract(client, "Credential Clinic")
    expiry = (today() + timedelta(days=1000)).isoformat()
    past = {**terms(30), "expires_on": (today() + timedelta(days=1001)).isoformat()}
    ok(client.post(f"/contracts/{cid}/amend", json={"terms": past}, headers=COORDINATOR))
    detail = problem(client.post(f"/contracts/{cid}/accept-amendment", json={"party": "provider",
                                                                             "evidence": EVIDENCE}, headers=REP),
                     409, "contract-past-credential")
    assert f"expires on {expiry}" in detail
    state = ok(client.get(f"/contracts/{cid}", headers=REP))
    assert state["terms_version"] == 1 and state["expires_in_days"] == 730


def test_a_manager_records_the_networks_side_only(client: httpx.Client) -> None:
    cid = active_contract(client, "Manager Clinic")
    problem(client.post(f"/contracts/{cid}/propose-amendment", json={"party": "provider", "terms": terms(21)},
                        headers=MANAGER), 403, "manager-acts-for-network")
    ok(client.post(f"/contracts/{cid}/propose-amendment", json={"party": "network", "terms": terms(21)},
                   headers=MANAGER))


def test_the_contract_list_says_in_how_many_days_each_contract_expires(client: httpx.Client) -> None:
    clinic = ok(client.post("/providers", json={"name": "Listed Clinic", "kind": "clinic", "region": "north"},
                            headers=REP), 201)["id"]
    drafted = ok(client.post("/contracts", json={"provider_id": clinic, "title": "Service agreement",
                                                 "terms": terms(45)}, headers=REP), 201)
    rows = ok(client.get("/contracts", params={"provider_id": clinic, "min_position": drafted["position"]},
                         headers=REP))["items"]
    assert [(row["id"], row["expires_in_days"]) for row in rows] == [(drafted["id"], 730)]


def test_a_follow_up_answers_201_with_its_location_and_an_id_in_use_is_refused_without_retry(
        client: httpx.Client) -> None:
    case = ok(client.post("/cases", json={"region": "north", "channel": "phone", "customer_ref": "cust-fu",
                                          "subject": "Charged twice", "description": "Twice"}, headers=REP), 201)["id"]
    ok(client.post(f"/cases/{case}/triage", json={"category": "billing", "priority": "normal"}, headers=REP))
    ok(client.post(f"/cases/{case}/assign", json={"representative_id": "rep-north-1"}, headers=REP))
    ok(client.post(f"/cases/{case}/resolve", json={"resolution_code": "fixed", "summary": "Fixed"}, headers=REP))
    chosen = str(uuid4())
    body = {"channel": "email", "subject": "Again", "description": "The charge is back", "follow_up_id": chosen}
    created = client.post(f"/cases/{case}/open-follow-up", json=body, headers=REP)
    assert (created.status_code, created.headers["Location"], created.json()["id"]) == (
        201, f"/cases/{chosen}", chosen)
    assert ok(client.get(created.headers["Location"], headers=REP))["customer_ref"] == "cust-fu"
    again = client.post(f"/cases/{case}/open-follow-up", json=body, headers=REP)
    detail = problem(again, 409, "record-id-taken")
    assert f"a record with id {chosen} already exists" in detail and "retry" not in again.json()


def test_refusals_point_the_right_way(client: httpx.Client) -> None:
    provider = ok(client.post("/providers", json={"name": "Refused Lab", "kind": "lab", "region": "north"},
                              headers=REP), 201)["id"]
    detail = problem(client.post(f"/providers/{provider}/terminate", json={"reason": "Left"}, headers=AUDITOR),
                     403, "forbidden")
    assert detail.endswith("it takes: coordinator, manager, admin")
    detail = problem(client.post("/regions/south/coordinator", json={"staff_id": "coord-north", "name": "Ana"},
                                 headers=ADMIN), 409, "staff-in-another-region")
    assert "appoint a successor in north first" in detail and "transfer them" not in detail
    ok(client.post("/regions/north/representatives", json={"staff_id": "rep-north-9", "name": "Ott Kask"},
                   headers=ADMIN))
    ok(client.post("/regions/north/representatives/rep-north-9/remove", headers=ADMIN))
    leaver = headers(Role.REPRESENTATIVE, "north", "rep-north-9")
    detail = problem(client.get(f"/providers/{provider}", headers=leaver), 403, "not-on-staff")
    assert "may not read its records" in detail and "change" not in detail
