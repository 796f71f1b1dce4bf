"""Requests a client may repeat: a creation retried with its Idempotency-Key, a read revalidated with
If-None-Match."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from domain.values import Role
from tests.e2e.conftest import headers

REP = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
FOREIGN = headers(Role.REPRESENTATIVE, "south", "rep-south-1")
CASE = {"region": "north", "channel": "email", "customer_ref": "c-77", "subject": "Outage",
        "description": "No line since Monday"}


def create(client: httpx.Client, path: str, body: dict[str, Any]) -> str:
    response = client.post(path, json=body, headers=REP)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture(scope="module")
def records(server: str) -> dict[str, str]:
    """A north case with a note (version 2), a provider and a contract."""
    with httpx.Client(base_url=server) as http:
        case = create(http, "/cases", CASE)
        http.post(f"/cases/{case}/add-note", json={"text": "Called"}, headers=REP).raise_for_status()
        provider = create(http, "/providers", {"name": "Hill Lab", "kind": "lab", "region": "north"})
        contract = create(http, "/contracts", {"provider_id": provider, "title": "Agreement", "terms": {
            "rates": [{"service_code": "x", "description": "X", "amount_cents": 1}], "payment_terms_days": 30,
            "effective_on": "2030-01-01", "expires_on": "2031-01-01"}})
    return {"cases": case, "providers": provider, "contracts": contract}


class TestAnIdempotencyKeyNamesOneBody:
    def test_a_key_reused_with_another_body_is_422_naming_the_key(self, client: httpx.Client) -> None:
        key = {**REP, "Idempotency-Key": "open-9c1e"}
        first = client.post("/cases", json=CASE, headers=key)
        other = client.post("/cases", json={**CASE, "subject": "Another outage"}, headers=key)
        assert first.status_code == 201
        assert other.status_code == 422 and other.headers["content-type"] == "application/problem+json"
        assert "open-9c1e" in other.json()["detail"] and other.json()["field"] == "Idempotency-Key"
        assert client.get(f"/cases/{first.json()['id']}", headers=REP).json()["subject"] == "Outage"

    def test_the_same_body_in_another_key_order_replays_the_first_result(self, client: httpx.Client) -> None:
        key = {**REP, "Idempotency-Key": "open-4d2b"}
        first = client.post("/cases", json=CASE, headers=key)
        again = client.post("/cases", json=dict(reversed(CASE.items())), headers=key)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"

    def test_a_key_reused_for_a_provider_with_another_body_is_refused_too(self, client: httpx.Client) -> None:
        key = {**REP, "Idempotency-Key": "lab-1"}
        assert client.post("/providers", json={"name": "Lab", "kind": "lab", "region": "north"},
                           headers=key).status_code == 201
        assert client.post("/providers", json={"name": "Lab", "kind": "clinic", "region": "north"},
                           headers=key).status_code == 422


@pytest.mark.parametrize("kind", ["cases", "providers", "contracts"])
class TestConditionalReads:
    def test_a_read_carries_the_version_as_its_etag(self, client: httpx.Client, records: dict[str, str],
                                                    kind: str) -> None:
        for path in (f"/{kind}/{records[kind]}", f"/{kind}/{records[kind]}/history"):
            response = client.get(path, headers=REP)
            version = len(client.get(f"/{kind}/{records[kind]}/history", headers=REP).json())
            assert response.status_code == 200 and response.headers["ETag"] == f'"{version}"'

    @pytest.mark.parametrize("suffix", ["", "/history"])
    def test_a_matching_if_none_match_is_304_without_a_body(self, client: httpx.Client, records: dict[str, str],
                                                            kind: str, suffix: str) -> None:
        path = f"/{kind}/{records[kind]}{suffix}"
        tag = client.get(path, headers=REP).headers["ETag"]
        for condition in (tag, f"W/{tag}", f'"0", {tag}', "*"):
            response = client.get(path, headers={**REP, "If-None-Match": condition})
            assert (response.status_code, response.content) == (304, b""), condition
            assert response.headers["ETag"] == tag

    @pytest.mark.parametrize("condition", ['"999"', "W/\"0\"", "999", '"1, 2"', ""])
    def test_another_tag_gets_the_record(self, client: httpx.Client, records: dict[str, str], kind: str,
                                         condition: str) -> None:
        response = client.get(f"/{kind}/{records[kind]}", headers={**REP, "If-None-Match": condition})
        assert response.status_code == 200 and response.json()["id"] == records[kind]

    def test_another_regions_record_is_403_whatever_the_condition(self, client: httpx.Client,
                                                                  records: dict[str, str], kind: str) -> None:
        response = client.get(f"/{kind}/{records[kind]}", headers={**FOREIGN, "If-None-Match": "*"})
        assert response.status_code == 403


def test_a_change_gives_the_record_a_new_etag(client: httpx.Client, records: dict[str, str]) -> None:
    path = f"/cases/{records['cases']}"
    tag = client.get(path, headers=REP).headers["ETag"]
    client.post(f"{path}/add-note", json={"text": "Again"}, headers=REP).raise_for_status()
    response = client.get(path, headers={**REP, "If-None-Match": tag})
    assert response.status_code == 200 and response.headers["ETag"] != tag
    old = client.get(path, params={"version": 1}, headers={**REP, "If-None-Match": '"1"'})
    assert old.status_code == 304


def test_the_openapi_document_names_the_304(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/cases/{record_id}", "/providers/{record_id}/history"):
        assert "304" in paths[path]["get"]["responses"]
        assert any(p["name"] == "if-none-match" for p in paths[path]["get"]["parameters"])
