"""The case rules of issue 14 over HTTP: every new command is a POST with problem details, If-Match, roles and
regions; the queue, the case read, the timeline and the dashboard show what they record."""

from __future__ import annotations

from typing import Any

import httpx

from domain.values import Role
from tests.e2e.conftest import headers

REP = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
REP_2 = headers(Role.REPRESENTATIVE, "north", "rep-north-2")
COORDINATOR = headers(Role.COORDINATOR, "north", "coord-north")
FOREIGN = headers(Role.REPRESENTATIVE, "south", "rep-south-1")


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def open_case(client: httpx.Client, customer: str, category: str = "billing", **extra: Any) -> str:
    case = ok(client.post("/cases", json={"region": "north", "channel": "phone", "customer_ref": customer,
                                          "subject": "Charged twice", "description": "Twice", **extra},
                          headers=REP), 201)["id"]
    ok(client.post(f"/cases/{case}/triage", json={"category": category, "priority": "normal"}, headers=REP))
    ok(client.post(f"/cases/{case}/assign", json={"representative_id": "rep-north-1"}, headers=REP))
    return str(case)


def problem(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == f"urn:caseledger:problem:{code}", body
    return str(body["detail"])


def test_a_dispute_is_recorded_decided_and_counted_per_currency(client: httpx.Client) -> None:
    provider = ok(client.post("/providers", json={"name": "Dale Lab", "kind": "lab", "region": "north"},
                              headers=REP), 201)["id"]
    case = open_case(client, "cust-e2e-1", provider_id=provider)
    recorded = ok(client.post(f"/cases/{case}/record-dispute", json={
        "amount_minor": 12000, "currency": "EUR", "reference": "INV-77"}, headers=REP))
    problem(client.post(f"/cases/{case}/record-dispute", json={
        "amount_minor": 12.5, "currency": "EUR", "reference": "INV-77"}, headers=REP), 422, "invalid-request")
    problem(client.post(f"/cases/{case}/decide-dispute", json={
        "outcome": "upheld", "amount_minor": 12001, "settlement": "refunded", "note": "All"}, headers=REP),
        409, "invalid-outcome")
    stale = {**REP, "If-Match": f'"{recorded["version"] - 1}"'}
    problem(client.post(f"/cases/{case}/decide-dispute", json={"outcome": "rejected", "note": "No"}, headers=stale),
            412, "version-mismatch")
    decided = ok(client.post(f"/cases/{case}/decide-dispute", json={
        "outcome": "partly_upheld", "amount_minor": 3000, "settlement": "refunded", "note": "One visit"},
        headers={**REP, "If-Match": f'"{recorded["version"]}"'}))
    board = ok(client.get("/regions/north/dashboard", params={"min_position": decided["position"]},
                          headers=COORDINATOR))
    assert board["disputes"]["EUR"]["refunded_minor"] >= 3000
    assert ok(client.get(f"/cases/{case}", headers=REP))["dispute"]["granted_minor"] == 3000


def test_a_closed_case_gets_the_customers_answer_not_the_closers_score(client: httpx.Client) -> None:
    case = open_case(client, "cust-e2e-2")
    ok(client.post(f"/cases/{case}/resolve", json={"resolution_code": "fixed", "summary": "Fixed"}, headers=REP))
    problem(client.post(f"/cases/{case}/close", json={"satisfaction": 5}, headers=REP), 422, "invalid-request")
    ok(client.post(f"/cases/{case}/close", json={}, headers=REP))
    problem(client.post(f"/cases/{case}/record-survey-answer", json={"score": 5, "channel": "phone"}, headers=REP),
            409, "survey-answered-by-case-worker")
    ok(client.post(f"/cases/{case}/record-survey-answer", json={"score": 2, "channel": "web", "comment": "Slow"},
                   headers=COORDINATOR))
    assert [a["score"] for a in ok(client.get(f"/cases/{case}", headers=REP))["survey_answers"]] == [2]


def test_a_duplicate_is_merged_and_its_contacts_read_from_the_survivor(client: httpx.Client) -> None:
    survivor, duplicate, child = (open_case(client, "cust-e2e-3") for _ in range(3))
    foreign = ok(client.post("/cases", json={"region": "south", "channel": "web", "customer_ref": "c-9",
                                             "subject": "Outage", "description": "No line"}, headers=FOREIGN), 201)
    ok(client.post(f"/cases/{duplicate}/log-contact", json={"direction": "inbound", "channel": "phone",
                                                            "summary": "Called about the same charge"}, headers=REP))
    problem(client.post(f"/cases/{duplicate}/merge", json={"into_case_id": foreign["id"]}, headers=REP), 409,
            "cases-in-different-regions")
    problem(client.post(f"/cases/{duplicate}/merge", json={"into_case_id": duplicate}, headers=REP), 409,
            "merge-refused")
    ok(client.post(f"/cases/{duplicate}/merge", json={"into_case_id": survivor, "note": "Same"}, headers=REP))
    linked = ok(client.post(f"/cases/{child}/link", json={"other_case_id": survivor, "kind": "parent"}, headers=REP))
    problem(client.post(f"/cases/{child}/link", json={"other_case_id": survivor, "kind": "follow_up"},
                        headers=REP), 422, "invalid-request")
    timeline = ok(client.get(f"/cases/{survivor}/timeline", headers=REP))
    assert {(entry["case_id"], entry["type"]) for entry in timeline} >= {(duplicate, "ContactLogged")}
    queue = ok(client.get("/cases", params={"linked_to": survivor, "min_position": linked["position"]},
                          headers=COORDINATOR))
    assert [row["id"] for row in queue["items"]] == [child] and queue["items"][0]["parent_id"] == survivor
    merged = ok(client.get("/cases", params={"merged_into": survivor}, headers=COORDINATOR))["items"]
    assert [(row["id"], row["status"]) for row in merged] == [(duplicate, "closed")]
    assert client.get(f"/cases/{survivor}/timeline", headers=FOREIGN).status_code == 403


def test_a_flagged_caller_is_shown_on_their_next_case(client: httpx.Client) -> None:
    harassment = open_case(client, "cust-e2e-4", "harassing_calls")
    ok(client.post(f"/cases/{harassment}/flag-caller", json={"reason": "Threats at night",
                                                             "caller_ref": "caller-e2e"}, headers=REP))
    assert ok(client.get(f"/cases/{harassment}", headers=REP))["escalated_to"] == "coord-north"
    again = ok(client.post("/cases", json={"region": "north", "channel": "phone", "customer_ref": "caller-e2e",
                                           "subject": "Calls again", "description": "Abusive"}, headers=REP_2), 201)
    read = ok(client.get(f"/cases/{again['id']}", headers=REP_2))
    assert read["caller_flag"]["reason"] == "Threats at night" and read["links"][0]["case_id"] == harassment
    ok(client.post(f"/cases/{again['id']}/end-contact", json={"reason": "threats"}, headers=REP_2))
    problem(client.post(f"/cases/{harassment}/flag-caller", json={"reason": "Again", "caller_ref": "caller-e2e"},
                        headers=REP), 409, "caller-already-flagged")
