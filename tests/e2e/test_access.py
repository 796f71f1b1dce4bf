"""Every route against every role and a foreign region: who may do what, and lists never leak."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from domain.values import Role
from tests.e2e.conftest import headers

PRINCIPALS = {
    "representative": headers(Role.REPRESENTATIVE, "north", "rep-north-1"),
    "coordinator": headers(Role.COORDINATOR, "north", "coord-north"),
    "foreign": headers(Role.REPRESENTATIVE, "south", "rep-south-1"),
    "auditor": headers(Role.AUDITOR),
    "integrator": headers(Role.INTEGRATOR),
    "admin": headers(Role.ADMIN),
    "anonymous": {},
}
WRITERS = {"representative", "coordinator", "admin"}
READERS = {"representative", "coordinator", "auditor", "admin"}


def allowed(method: str, path: str) -> set[str]:
    """Who may use a route (on a record of region north), as docs/api.md states it."""
    if path == "/health":
        return set(PRINCIPALS)
    if path.startswith("/schemas"):
        return set(PRINCIPALS) - {"anonymous"}
    if path.startswith("/audit/events"):
        return {"auditor", "integrator", "admin"}
    if path.startswith("/audit/verify"):
        return {"auditor", "admin"}
    if path.startswith("/regions") and method == "POST":
        return {"admin"}
    if method == "POST":
        return WRITERS
    if path in ("/cases", "/providers", "/providers/pipeline", "/contracts", "/contracts/register", "/regions"):
        return READERS | {"foreign"}  # a foreign representative sees their own region's list
    return READERS


@pytest.fixture(scope="module")
def records(server: str) -> dict[str, str]:
    """One north case, provider and contract to aim every route at."""
    rep = PRINCIPALS["representative"]
    with httpx.Client(base_url=server) as http:
        provider = http.post("/providers", json={"name": "Hill Lab", "kind": "lab", "region": "north"},
                             headers=rep).json()["id"]
        today = date.today()
        contract = http.post("/contracts", json={"provider_id": provider, "title": "Agreement", "terms": {
            "rates": [{"service_code": "test", "description": "Blood test", "amount_cents": 900}],
            "payment_terms_days": 30, "effective_on": today.isoformat(),
            "expires_on": (today + timedelta(days=365)).isoformat()}}, headers=rep).json()["id"]
        case = http.post("/cases", json={"region": "north", "channel": "web", "customer_ref": "c-1",
                                         "subject": "Outage", "description": "No line"}, headers=rep).json()["id"]
        http.post("/cases", json={"region": "south", "channel": "web", "customer_ref": "c-2", "subject": "Outage",
                                  "description": "No line"}, headers=PRINCIPALS["foreign"]).raise_for_status()
    return {"cases": case, "providers": provider, "contracts": contract}


def routes() -> Iterator[tuple[str, str]]:
    """Every operation the OpenAPI document publishes."""
    for path, operations in create_app(Settings()).openapi()["paths"].items():
        for method in operations:
            yield method.upper(), path


ROUTES = sorted(set(routes()))


def concrete(path: str, records: dict[str, str]) -> str:
    resource = path.split("/")[1]
    path = path.replace("{record_id}", records.get(resource, "0" * 32))
    path = path.replace("{name}", "CaseOpened.v1.json")
    return re.sub(r"\{region\}", "north", path).replace("{staff_id}", "rep-north-2")


def body(method: str, path: str, records: dict[str, str]) -> dict[str, Any] | None:
    """A body that passes validation where the region check comes after it (creation), else empty."""
    if method != "POST":
        return None
    if path == "/contracts":
        return {"provider_id": records["providers"], "title": "A", "terms": {
            "rates": [{"service_code": "x", "description": "X", "amount_cents": 1}], "payment_terms_days": 30,
            "effective_on": "2030-01-01", "expires_on": "2031-01-01"}}
    if path == "/cases":
        return {"region": "north", "channel": "web", "customer_ref": "c-3", "subject": "Outage", "description": "x"}
    if path == "/providers":
        return {"name": "Lab", "kind": "lab", "region": "north"}
    if path == "/regions":
        return {"code": "west", "name": "West"}
    return {}


def test_every_route_is_in_the_matrix() -> None:
    assert len(ROUTES) > 50
    assert ("POST", "/cases/{record_id}/escalate") in ROUTES and ("GET", "/regions/{region}/dashboard") in ROUTES


@pytest.mark.parametrize("who", list(PRINCIPALS))
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_who_may_use_each_route(client: httpx.Client, records: dict[str, str], method: str, path: str,
                                who: str) -> None:
    response = client.request(method, concrete(path, records), json=body(method, path, records),
                              headers=PRINCIPALS[who])
    assert response.status_code < 500, response.text
    if who == "anonymous" and path != "/health":
        assert response.status_code == 401
    elif who in allowed(method, path):
        assert response.status_code not in (401, 403), response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["/cases", "/providers", "/contracts"])
def test_lists_never_leak_another_region(client: httpx.Client, records: dict[str, str], path: str) -> None:
    seen = client.get(path, params={"min_position": 1}, headers=PRINCIPALS["foreign"]).json()
    items = seen["items"] if isinstance(seen, dict) else seen
    assert all(item["region"] == "south" for item in items)
    assert client.get(path, params={"region": "north"}, headers=PRINCIPALS["foreign"]).status_code == 403


def test_the_region_list_shows_a_representative_only_their_region(client: httpx.Client,
                                                                  records: dict[str, str]) -> None:
    regions = client.get("/regions", headers=PRINCIPALS["foreign"]).json()
    assert [r["code"] for r in regions] == ["south"]
