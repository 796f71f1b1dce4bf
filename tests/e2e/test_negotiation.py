"""Two-party negotiation over HTTP: the provider accepts the network's counter-offer with evidence and the
contract is signed and activated; the network cannot accept its own offer."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from domain.values import Role
from tests.e2e.conftest import headers

REP = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
COORDINATOR = headers(Role.COORDINATOR, "north", "coord-north")
SIGNED_DOCUMENT = b"Service agreement, terms version 1, signed by the clinic"
EVIDENCE = {"signatory": "Dr. Mari Tamm", "title": "Medical director", "reference": "letter 2026/17",
            "document_sha256": hashlib.sha256(SIGNED_DOCUMENT).hexdigest()}


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def today() -> date:
    """The server's today: UTC, whatever the zone this test runs in."""
    return datetime.now(UTC).date()


def terms(days: int, amount: int = 4500) -> dict[str, Any]:
    return {"rates": [{"service_code": "visit", "description": "Standard visit", "amount_cents": amount}],
            "payment_terms_days": days, "effective_on": today().isoformat(),
            "expires_on": (today() + timedelta(days=730)).isoformat()}


def proposed_contract(client: httpx.Client, name: str) -> str:
    """An active clinic and a contract the network proposed to it (the first offer)."""
    clinic = ok(client.post("/providers", json={"name": name, "kind": "clinic", "region": "north"}, headers=REP), 201)
    for command, body in (("receive-application", {}), ("start-credentialing", {}),
                          ("credential", {"expires_on": (today() + timedelta(days=1000)).isoformat()}),
                          ("activate", {})):
        ok(client.post(f"/providers/{clinic['id']}/{command}", json=body, headers=REP))
    contract = ok(client.post("/contracts", json={"provider_id": clinic["id"], "title": "Service agreement",
                                                  "terms": terms(45)}, headers=REP), 201)
    ok(client.post(f"/contracts/{contract['id']}/propose", json={"note": "Our standard rates"}, headers=REP))
    return str(contract["id"])


def test_the_provider_accepts_the_networks_counter_offer_and_the_contract_comes_into_force(
        client: httpx.Client) -> None:
    cid = proposed_contract(client, "Riverside Clinic")
    # the clinic asks for 21 days; the network counters with 30; the clinic's director accepts in writing
    ok(client.post(f"/contracts/{cid}/counter-offer", json={"party": "provider", "terms": terms(21)}, headers=REP))
    ok(client.post(f"/contracts/{cid}/counter-offer", json={"party": "network", "terms": terms(30)}, headers=REP))
    ok(client.post(f"/contracts/{cid}/agree", json={"party": "provider", "evidence": EVIDENCE}, headers=REP))
    # both sign: the provider with its evidence, the network by the coordinator
    ok(client.post(f"/contracts/{cid}/sign", json={"party": "provider", "evidence": EVIDENCE}, headers=REP))
    version = ok(client.get(f"/contracts/{cid}", headers=REP))["version"]
    ok(client.post(f"/contracts/{cid}/sign", json={"party": "network"},
                   headers={**COORDINATOR, "If-Match": f'"{version}"'}))
    ok(client.post(f"/contracts/{cid}/activate", json={}, headers=REP))

    state = ok(client.get(f"/contracts/{cid}", headers=REP))
    assert (state["status"], state["terms"]["payment_terms_days"]) == ("active", 30)
    assert [(r["round"], r["party"], r["terms"]["payment_terms_days"]) for r in state["rounds"]] == [
        (0, "network", 45), (1, "provider", 21), (2, "network", 30)]
    assert state["provider_acceptance"] == EVIDENCE and state["provider_signature"] == EVIDENCE
    assert state["network_signatory"] == "coord-north"
    assert state["expires_in_days"] == 730


def test_the_network_cannot_accept_its_own_offer(client: httpx.Client) -> None:
    cid = proposed_contract(client, "Hillside Lab")
    refused = client.post(f"/contracts/{cid}/agree", json={"party": "network"}, headers=REP)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"] == "urn:caseledger:problem:own-offer-not-acceptable"
    assert "only the other party can accept it" in problem["detail"]
    # nor counter its own offer, nor accept for the provider without evidence
    twice = client.post(f"/contracts/{cid}/counter-offer", json={"party": "network", "terms": terms(30)}, headers=REP)
    assert (twice.status_code, twice.json()["type"]) == (409, "urn:caseledger:problem:not-your-turn")
    bare = client.post(f"/contracts/{cid}/agree", json={"party": "provider"}, headers=REP)
    assert (bare.status_code, bare.json()["type"]) == (409, "urn:caseledger:problem:provider-evidence-missing")
    assert ok(client.get(f"/contracts/{cid}", headers=REP))["status"] == "proposed"
