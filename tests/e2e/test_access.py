"""Every route against every role and a foreign region: who may do what, and lists never leak."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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
    if path.startswith(("/coaching", "/training")):
        return development_access(method, path)
    if path.startswith(("/meetings", "/proposals")):
        return policy_access(method, path)
    if path.startswith("/timers"):
        return {"coordinator", "auditor", "admin"}
    if path.startswith("/regions") and method in ("POST", "PUT"):  # PUT: a region's calendar and time policy
        return {"admin"}
    if method == "POST":
        return WRITERS
    if path in ("/cases", "/providers", "/providers/pipeline", "/contracts", "/contracts/register", "/regions",
                "/common-problems", "/common-problems/{policy_area}"):
        return READERS | {"foreign"}  # a foreign representative sees their own region's list
    return READERS


def policy_access(method: str, path: str) -> set[str]:
    """Meetings and proposals are network-level (docs/api.md): every reader role reads them; coordinators,
    managers and administrators run meetings and proposals (a proposal is drafted by a coordinator); which
    policy areas the coordinators decide is an administrator's setting."""
    if method != "POST":
        return READERS | {"foreign"}
    if path.startswith("/proposals/authority"):
        return {"admin"}
    if path == "/proposals":
        return {"coordinator"}
    return {"coordinator", "admin"}


def development_access(method: str, path: str) -> set[str]:
    """Coaching and training (docs/api.md), with no such review, programme or session (`{record_id}` is zeros):
    coaching is the coached representative's, their coordinator's and administrators' only (anyone else gets the
    same 403 whatever exists); programmes are network-level; a missing session is a 404 before its region."""
    if path.startswith("/coaching"):
        if method == "POST":
            return {"coordinator", "admin"}
        return {"representative", "coordinator", "foreign", "admin"} if path == "/coaching" else {"admin"}
    if method == "POST":
        admin_only = path.startswith("/training/requirements") or path.endswith("/declare-trainer")
        return {"admin"} if admin_only else {"coordinator", "admin"}
    return READERS | {"foreign"}


@pytest.fixture(scope="module")
def records(server: str) -> dict[str, str]:
    """One north case, provider and contract to aim every route at."""
    rep = PRINCIPALS["representative"]
    with httpx.Client(base_url=server) as http:
        provider = http.post("/providers", json={"name": "Hill Lab", "kind": "lab", "region": "north"},
                             headers=rep).json()["id"]
        today = datetime.now(UTC).date()  # the server's today
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
    path = path.replace("{policy_area}", "returns")
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


@pytest.fixture(scope="module")
def foreign(server: str) -> dict[str, str]:
    """A south provider, its contract and a case, made by south's own staff."""
    rep = PRINCIPALS["foreign"]
    with httpx.Client(base_url=server) as http:
        provider = http.post("/providers", json={"name": "Dale Lab", "kind": "lab", "region": "south"},
                             headers=rep).json()["id"]
        contract = http.post("/contracts", json={"provider_id": provider, "title": "South deal", "terms": {
            "rates": [{"service_code": "x", "description": "X", "amount_cents": 1}], "payment_terms_days": 30,
            "effective_on": "2030-01-01", "expires_on": "2031-01-01"}}, headers=rep).json()["id"]
        case = http.post("/cases", json={"region": "south", "channel": "web", "customer_ref": "c-9", "subject": "Bill",
                                         "description": "Twice"}, headers=rep).json()["id"]
        for _ in range(5):  # south's case moves on: version 6
            http.post(f"/cases/{case}/add-note", json={"text": "Called"}, headers=rep).raise_for_status()
    return {"cases": case, "providers": provider, "contracts": contract}


class TestAnotherRegionsRecordRevealsNothing:
    @pytest.mark.parametrize("kind", ["cases", "providers", "contracts"])
    def test_a_foreign_record_answers_the_same_whatever_the_version_or_time(
            self, client: httpx.Client, foreign: dict[str, str], kind: str) -> None:
        coordinator = PRINCIPALS["coordinator"]
        url = f"/{kind}/{foreign[kind]}"
        asks: list[dict[str, str | int]] = [{}, {"version": 1}, {"version": 999}, {"as_of": "1990-01-01T00:00:00Z"},
                {"as_of": "2999-01-01T00:00:00Z"}]
        answers = [client.get(url, params=ask, headers=coordinator) for ask in asks]
        answers.append(client.get(f"{url}/history", headers=coordinator))
        assert {answer.status_code for answer in answers} == {403}
        assert len({answer.json()["detail"] for answer in answers}) == 1
        assert all("south" not in answer.text and "6" not in answer.json()["detail"] for answer in answers)

    def test_a_foreign_record_named_in_a_new_case_answers_as_a_missing_one_would(
            self, client: httpx.Client, foreign: dict[str, str]) -> None:
        coordinator, missing = PRINCIPALS["coordinator"], "0" * 32
        case = {"region": "north", "channel": "web", "customer_ref": "c-5", "subject": "Bill", "description": "x"}
        for field, kind in (("contract_id", "contracts"), ("provider_id", "providers")):
            named = client.post("/cases", json={**case, field: foreign[kind]}, headers=coordinator)
            unknown = client.post("/cases", json={**case, field: missing}, headers=coordinator)
            assert named.status_code == unknown.status_code and named.status_code in (404, 409)
            assert named.json()["detail"] == unknown.json()["detail"].replace(
                "00000000-0000-0000-0000-000000000000", foreign[kind])
            assert foreign["providers"] not in named.text.replace(foreign[kind], "") and "south" not in named.text

    def test_a_contract_drafted_for_a_foreign_provider_reveals_nothing_of_it(
            self, client: httpx.Client, foreign: dict[str, str]) -> None:
        answer = client.post("/contracts", json=body("POST", "/contracts", foreign), headers=PRINCIPALS["coordinator"])
        assert answer.status_code == 403 and "south" not in answer.text


class TestOnlyCurrentStaffWrite:
    def test_a_removed_representatives_next_request_is_refused(self, client: httpx.Client,
                                                               records: dict[str, str]) -> None:
        admin, leaver = PRINCIPALS["admin"], headers(Role.REPRESENTATIVE, "north", "rep-north-4")
        client.post("/regions/north/representatives", json={"staff_id": "rep-north-4", "name": "Ott Kask"},
                    headers=admin).raise_for_status()
        note = f"/cases/{records['cases']}/add-note"
        assert client.post(note, json={"text": "Still here"}, headers=leaver).status_code == 200
        client.post("/regions/north/representatives/rep-north-4/remove", headers=admin).raise_for_status()
        refused = [client.post(note, json={"text": "Gone"}, headers=leaver),
                   client.post("/cases", json=body("POST", "/cases", records), headers=leaver),
                   client.get(f"/cases/{records['cases']}", headers=leaver)]
        assert [answer.status_code for answer in refused] == [403, 403, 403]
        assert all("rep-north-4 is not on the current staff of region north" in answer.json()["detail"]
                   for answer in refused)

    @pytest.mark.parametrize("who", [(Role.REPRESENTATIVE, "stranger"), (Role.COORDINATOR, "rep-north-1"),
                                     (Role.REPRESENTATIVE, "coord-north"), (Role.COORDINATOR, "coord-south")])
    def test_a_token_for_someone_not_on_the_staff_in_that_role_writes_nothing(
            self, client: httpx.Client, records: dict[str, str], who: tuple[Role, str]) -> None:
        role, subject = who
        token = headers(role, "north", subject)
        answers = [client.post(f"/cases/{records['cases']}/add-note", json={"text": "x"}, headers=token),
                   client.post("/cases", json=body("POST", "/cases", records), headers=token)]
        assert [answer.status_code for answer in answers] == [403, 403]
        assert client.get(f"/cases/{records['cases']}", headers=PRINCIPALS["admin"]).json()["notes_added"] <= 1
