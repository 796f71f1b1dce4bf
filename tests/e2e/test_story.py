"""The story of the source texts, over HTTP, from recruitment to the auditor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from domain.values import Role
from tests.e2e.conftest import headers

REP = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
PROVIDER_SIDE = headers(Role.REPRESENTATIVE, "north", "rep-north-2")
COORDINATOR = headers(Role.COORDINATOR, "north", "coord-north")
AUDITOR = headers(Role.AUDITOR)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def today() -> date:
    """The server's today: UTC, whatever the zone this test runs in."""
    return datetime.now(UTC).date()


def terms(days: int, amount: int = 4500) -> dict[str, Any]:
    start = today()
    return {"rates": [{"service_code": "visit", "description": "Standard visit", "amount_cents": amount}],
            "payment_terms_days": days, "effective_on": start.isoformat(),
            "expires_on": (start + timedelta(days=730)).isoformat()}


def test_a_clinic_is_recruited_its_contract_signed_and_a_dispute_under_it_resolved(client: httpx.Client) -> None:
    # a representative meets a clinic director, takes its application and credentials it
    clinic = ok(client.post("/providers", json={"name": "Riverside Clinic", "kind": "clinic", "region": "north"},
                            headers=REP), 201)
    assert client.get(f"/providers/{clinic['id']}", headers=REP).headers["ETag"] == '"1"'
    for command, body in (("log-meeting", {"representative_id": "rep-north-1", "summary": "Met the director"}),
                          ("receive-application", {}), ("start-credentialing", {}),
                          ("credential", {"expires_on": (today() + timedelta(days=1000)).isoformat()}),
                          ("activate", {})):
        ok(client.post(f"/providers/{clinic['id']}/{command}", json=body, headers=REP))

    # the network proposes a contract; the clinic counters with shorter payment terms; both agree and sign
    contract = ok(client.post("/contracts", json={"provider_id": clinic["id"], "title": "Service agreement",
                                                  "terms": terms(45)}, headers=REP), 201)
    cid = contract["id"]
    ok(client.post(f"/contracts/{cid}/propose", json={"note": "Our standard rates"}, headers=REP))
    ok(client.post(f"/contracts/{cid}/counter-offer", json={"party": "provider", "terms": terms(21)},
                   headers=PROVIDER_SIDE))
    ok(client.post(f"/contracts/{cid}/agree", json={"party": "network"}, headers=REP))
    signatory = {"signatory": "Dr. Mari Tamm", "title": "Medical director", "reference": "letter 2026/17",
                 "document_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
    ok(client.post(f"/contracts/{cid}/sign", json={"party": "provider", "evidence": signatory}, headers=REP))
    ok(client.post(f"/contracts/{cid}/sign", json={"party": "network"}, headers=REP))
    signed = ok(client.post(f"/contracts/{cid}/activate", json={}, headers=REP))
    state = ok(client.get(f"/contracts/{cid}", headers=REP))
    assert (state["status"], state["negotiation_rounds"], state["terms"]["payment_terms_days"]) == ("active", 1, 21)
    assert signed["version"] == state["version"]

    # a customer's billing dispute under that contract is opened, triaged and assigned
    case = ok(client.post("/cases", json={
        "region": "north", "channel": "phone", "customer_ref": "cust-4711", "subject": "Billed twice for a visit",
        "description": "The clinic visit appears twice on the statement", "provider_id": clinic["id"],
        "contract_id": cid, "contact": {"name": "Eva Kask", "phone": "+372 5555 1234"}}, headers=REP), 201)
    case_url = f"/cases/{case['id']}"
    ok(client.post(f"{case_url}/triage", json={"category": "billing", "priority": "high"}, headers=REP))
    assigned = ok(client.post(f"{case_url}/assign", json={"representative_id": "rep-north-1"}, headers=REP,
                              ))
    ok(client.post(f"{case_url}/log-contact", json={"direction": "outbound", "channel": "phone",
                                                     "summary": "Called the customer back"}, headers=REP))
    # the customer is upset: the case is escalated to the region's coordinator
    escalated = ok(client.post(f"{case_url}/escalate", json={"reason": "Customer asks for a supervisor"},
                               headers={**REP, "If-Match": f'"{assigned["version"] + 1}"'}))
    assert ok(client.get(case_url, headers=COORDINATOR))["escalated_to"] == "coord-north"
    # the coordinator schedules an account change, then hands it back; it is resolved and closed
    ok(client.post(f"{case_url}/schedule-action", json={
        "action_id": "credit-1", "kind": "account_change", "due_at": "2030-01-01T09:00:00Z",
        "details": "Credit the duplicate charge"}, headers=COORDINATOR))
    refused = client.post(f"{case_url}/resolve", json={"resolution_code": "refund_issued", "summary": "Refunded"},
                          headers=COORDINATOR)
    assert refused.status_code == 409 and refused.json()["type"].endswith("actions-still-scheduled")
    ok(client.post(f"{case_url}/complete-action", json={"action_id": "credit-1", "outcome": "Credited"},
                   headers=COORDINATOR))
    ok(client.post(f"{case_url}/de-escalate", json={"note": "Calmed down; back to the rep"}, headers=COORDINATOR))
    ok(client.post(f"{case_url}/resolve", json={"resolution_code": "account_changed", "summary": "Credited"},
                   headers=REP))
    ok(client.post(f"{case_url}/close", json={}, headers=REP))
    ok(client.post(f"{case_url}/record-survey-answer", json={"score": 4, "channel": "sms"}, headers=COORDINATOR))
    flagged = ok(client.post(f"{case_url}/flag-policy-issue", json={
        "policy_area": "billing", "note": "Clinic visits are billed twice when rescheduled"}, headers=REP))

    # the coordinator's dashboard and common problems show it (reading their own write)
    board = ok(client.get("/regions/north/dashboard", params={"min_position": flagged["position"]},
                          headers=COORDINATOR))
    (billing,) = [a for a in board["common_problems"]["policy_areas"] if a["policy_area"] == "billing"]
    assert billing["this_week"] >= 1 and billing["categories"]["billing"] >= 1
    assert board["satisfaction"]["responses"] >= 1
    queue = ok(client.get("/cases", params={"contract_id": cid, "min_position": flagged["position"]},
                          headers=COORDINATOR))
    assert [c["status"] for c in queue["items"]] == ["closed"]

    # an auditor reads the history, the case as it was before the escalation, and verifies the chain
    history = ok(client.get(f"{case_url}/history", headers=AUDITOR))
    assert [e["type"] for e in history][:6] == ["CaseOpened", "CaseTriaged", "CaseAssigned", "ContactLogged",
                                                 "CaseEscalated", "ActionScheduled"]
    assert history[4]["actor"] == {"id": "rep-north-1", "role": "representative"}
    before = ok(client.get(case_url, params={"version": escalated["version"] - 1}, headers=AUDITOR))
    assert (before["status"], before["escalated_to"]) == ("in_progress", None)
    at_time = ok(client.get(case_url, params={"as_of": history[3]["occurred_at"]}, headers=AUDITOR))
    assert at_time["version"] >= 4 and at_time["status"] == "in_progress"
    verification = ok(client.get("/audit/verify", headers=AUDITOR))
    assert verification["intact"] and verification["verified"] >= flagged["position"]
