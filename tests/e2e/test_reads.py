"""Reads an API client relies on: bounded times, lists that page with a cursor, read-your-writes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from domain.values import Role
from tests.e2e.conftest import headers

REP = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
COORDINATOR = headers(Role.COORDINATOR, "north", "coord-north")
SOUTH_REP = headers(Role.REPRESENTATIVE, "south", "rep-south-1")
AUDITOR = headers(Role.AUDITOR)
ADMIN = headers(Role.ADMIN)
# times at the edges of the calendar, where date arithmetic (or a change of offset to UTC) overflows
EDGE_TIMES = ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00",
              "9999-12-31T23:59:59-01:00")


def assert_problem_naming(response: httpx.Response, parameter: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"].split(".")[-1] == parameter


def open_case(client: httpx.Client) -> dict[str, Any]:
    response = client.post("/cases", json={"region": "north", "channel": "email", "customer_ref": "c-77",
                                           "subject": "Outage", "description": "No line"}, headers=REP)
    assert response.status_code == 201
    return response.json()


def prospect(client: httpx.Client, name: str, region: str = "north") -> dict[str, Any]:
    who = REP if region == "north" else SOUTH_REP
    response = client.post("/providers", json={"name": name, "kind": "clinic", "region": region}, headers=who)
    assert response.status_code == 201
    return response.json()


def draft(client: httpx.Client, provider_id: str, region: str = "north") -> dict[str, Any]:
    terms = {"rates": [{"service_code": "visit", "description": "Visit", "amount_cents": 4500}],
             "payment_terms_days": 30, "effective_on": "2030-01-01", "expires_on": "2032-01-01"}
    response = client.post("/contracts", json={"provider_id": provider_id, "title": "Primary care", "terms": terms},
                           headers=REP if region == "north" else SOUTH_REP)
    assert response.status_code == 201
    return response.json()


def every_page(client: httpx.Client, path: str, who: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Follow `next_cursor` to the end; every page is a page object."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})}, headers=who)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_cursor"}
        items += page["items"]
        if (cursor := page["next_cursor"]) is None:
            return items


class TestTimesAtTheEdgeOfTheCalendar:
    def test_a_dashboard_time_the_server_cannot_compute_with_is_422_naming_now(self, client: httpx.Client) -> None:
        for now in EDGE_TIMES:
            response = client.get("/regions/north/dashboard", params={"now": now, "at_risk_hours": 2160},
                                  headers=COORDINATOR)
            assert_problem_naming(response, "now")

    def test_a_dashboard_at_the_widest_window_within_the_bounds_answers(self, client: httpx.Client) -> None:
        for now in ("8999-12-31T23:59:59-23:59", "1900-01-01T00:00:00+23:59"):
            response = client.get("/regions/north/dashboard", params={"now": now, "at_risk_hours": 2160},
                                  headers=COORDINATOR)
            assert response.status_code == 200, response.text

    def test_an_audit_feed_bound_at_the_edge_of_the_calendar_is_422_naming_it(self, client: httpx.Client) -> None:
        for name in ("since", "until"):
            for moment in EDGE_TIMES:
                assert_problem_naming(client.get("/audit/events", params={name: moment}, headers=AUDITOR), name)

    def test_a_record_as_of_the_edge_of_the_calendar_is_422_naming_as_of(self, client: httpx.Client) -> None:
        case = open_case(client)
        for moment in EDGE_TIMES:
            assert_problem_naming(client.get(f"/cases/{case['id']}", params={"as_of": moment}, headers=REP), "as_of")

    def test_the_document_states_the_bounds_the_server_keeps(self, client: httpx.Client) -> None:
        paths = client.get("/openapi.json").json()["paths"]

        def parameter(path: str, name: str) -> dict[str, Any]:
            (found,) = [p for p in paths[path]["get"]["parameters"] if p["name"] == name]
            schema: dict[str, Any] = found["schema"]
            return schema.get("anyOf", [schema])[0]

        for path, name in (("/regions/{region}/dashboard", "now"), ("/audit/events", "since"),
                           ("/audit/events", "until"), ("/cases/{record_id}", "as_of")):
            time = parameter(path, name)
            assert time["format"] == "date-time" and time["pattern"].startswith("^"), (path, name)
        assert parameter("/regions/{region}/dashboard", "at_risk_hours")["maximum"] == 2160
        assert parameter("/contracts/register", "expiring_within_days")["maximum"] == 3650


class TestListsPageWithACursor:
    @pytest.mark.parametrize("path", ["/providers", "/contracts"])
    def test_a_list_pages_through_every_item_once_in_a_stable_order(self, client: httpx.Client, path: str) -> None:
        written = [prospect(client, f"Clinic {n}") for n in range(5)]
        if path == "/contracts":
            written = [draft(client, provider["id"]) for provider in written]
        seen = written[-1]["position"]  # read-your-writes: every page reflects at least these
        whole = every_page(client, path, ADMIN, limit=200, min_position=seen)
        paged = every_page(client, path, ADMIN, limit=2, min_position=seen)
        assert [item["id"] for item in paged] == [item["id"] for item in whole]
        assert len({item["id"] for item in paged}) == len(paged) >= 5

    @pytest.mark.parametrize("path", ["/providers", "/contracts"])
    def test_a_page_keeps_the_filters_and_the_callers_region(self, client: httpx.Client, path: str) -> None:
        north_provider, south = prospect(client, "Fjord Clinic"), prospect(client, "Harbour Clinic", "south")
        if path == "/contracts":
            draft(client, north_provider["id"])
            south = draft(client, south["id"], "south")
        status = "prospect" if path == "/providers" else "drafted"
        north = every_page(client, path, COORDINATOR, limit=1, status=status, min_position=south["position"])
        assert north and {item["region"] for item in north} == {"north"}
        assert {item["status"] for item in north} == {status}
        assert client.get(path, params={"region": "south"}, headers=COORDINATOR).status_code == 403

    @pytest.mark.parametrize("path", ["/providers", "/contracts"])
    def test_a_cursor_the_list_did_not_give_out_is_422_naming_cursor(self, client: httpx.Client, path: str) -> None:
        response = client.get(path, params={"cursor": "not-a-cursor"}, headers=ADMIN)
        assert_problem_naming(response, "cursor")
        cases = client.get("/cases", params={"limit": 1}, headers=ADMIN).json()
        if cases["next_cursor"]:  # a cursor of another list is not one of this list's
            assert_problem_naming(client.get(path, params={"cursor": cases["next_cursor"]}, headers=ADMIN), "cursor")


READ_MODEL_ROUTES = [("/providers", REP), ("/providers/pipeline", REP), ("/contracts", REP),
                     ("/contracts/register", REP), ("/regions", REP), ("/regions/north/dashboard", COORDINATOR),
                     ("/cases", REP), ("/audit/events", AUDITOR)]


class TestEveryReadModelReadWaitsForAPosition:
    @pytest.mark.parametrize(("path", "who"), READ_MODEL_ROUTES, ids=[path for path, _ in READ_MODEL_ROUTES])
    def test_a_position_beyond_the_log_is_422_naming_min_position(self, client: httpx.Client, path: str,
                                                                   who: dict[str, str]) -> None:
        assert_problem_naming(client.get(path, params={"min_position": 2**40}, headers=who), "min_position")

    def test_each_read_shows_the_write_whose_position_it_passes(self, client: httpx.Client) -> None:
        provider = prospect(client, "Aster Clinic")
        pipeline = client.get("/providers/pipeline", params={"min_position": provider["position"]}, headers=REP)
        assert pipeline.json()["prospect"] >= 1
        added = client.post("/regions/north/representatives", json={"staff_id": "rep-north-9", "name": "Ivo Kask"},
                            headers=ADMIN).json()
        regions = client.get("/regions", params={"min_position": added["position"]}, headers=REP).json()
        assert "rep-north-9" in {member["staff_id"] for member in regions[0]["staff"]}
        feed = client.get("/audit/events", params={"min_position": added["position"], "after": added["position"] - 1},
                          headers=AUDITOR).json()
        assert [event["position"] for event in feed] == [added["position"]]
        contract = draft(client, provider["id"])
        proposed = client.post(f"/contracts/{contract['id']}/propose", json={}, headers=REP).json()
        register = client.get("/contracts/register", params={"min_position": proposed["position"]}, headers=REP)
        assert contract["id"] in {row["id"] for row in register.json()["negotiating"]}
