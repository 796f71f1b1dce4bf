"""The dashboard, the queue and the common problems over HTTP as of a past moment (issue 16, part 4): before
the first event they are empty, and between two commands they show the first one's state."""

from __future__ import annotations

from typing import Any

import httpx

from domain.values import Role
from tests.e2e.conftest import headers

REP = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
COORDINATOR = headers(Role.COORDINATOR, "north", "coord-north")
BEFORE_ANY_EVENT = "2001-01-01T00:00:00Z"


def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


class TestBeforeTheFirstEvent:
    def test_the_dashboard_is_empty_by_either_name_of_the_moment(self, client: httpx.Client) -> None:
        for name in ("as_of", "now"):
            dashboard = ok(client.get("/regions/north/dashboard", params={name: BEFORE_ANY_EVENT},
                                      headers=COORDINATOR))
            assert dashboard["open_cases"] == {"total": 0, "by_status": {}, "by_priority": {}, "by_category": {}}
            assert (dashboard["escalations_waiting"], dashboard["workload"]) == ([], [])
            assert dashboard["sla"]["breached"] == dashboard["sla"]["at_risk"] == 0

    def test_the_queue_and_the_common_problems_are_empty(self, client: httpx.Client) -> None:
        assert ok(client.get("/cases", params={"as_of": BEFORE_ANY_EVENT}, headers=COORDINATOR))["items"] == []
        problems = ok(client.get("/common-problems", params={"as_of": BEFORE_ANY_EVENT}, headers=COORDINATOR))
        assert problems["problems"] == []

    def test_an_unknown_region_is_still_404(self, client: httpx.Client) -> None:
        response = client.get("/regions/atlantis/dashboard", params={"as_of": BEFORE_ANY_EVENT}, headers=headers(
            Role.ADMIN))
        assert response.status_code == 404, response.text


class TestBetweenTwoCommands:
    def test_a_case_escalated_later_reads_new_as_of_its_opening(self, client: httpx.Client) -> None:
        opened = ok(client.post("/cases", json={"region": "north", "channel": "email", "customer_ref": "c-1",
                                                "subject": "Outage", "description": "No line"}, headers=REP))
        case = opened["id"]
        ok(client.post(f"/cases/{case}/triage", json={"category": "service_outage", "priority": "high"},
                       headers=REP))
        escalated = ok(client.post(f"/cases/{case}/escalate", json={"reason": "Asks for a supervisor"},
                                   headers=REP))
        row = next(item for item in ok(client.get("/cases", params={"min_position": escalated["position"]},
                                                  headers=REP))["items"] if item["id"] == case)
        opened_at = row["opened_at"]

        then = ok(client.get("/regions/north/dashboard", params={"as_of": opened_at}, headers=COORDINATOR))
        live = ok(client.get("/regions/north/dashboard", headers=COORDINATOR))
        assert then["open_cases"]["by_status"] == {"new": 1} and then["escalations_waiting"] == []
        assert [item["id"] for item in live["escalations_waiting"]] == [case]

        queue_then = ok(client.get("/cases", params={"as_of": opened_at}, headers=REP))["items"]
        assert [(item["id"], item["status"], item["category"]) for item in queue_then] == [(case, "new", None)]

    def test_two_different_moments_are_refused_naming_as_of(self, client: httpx.Client) -> None:
        response = client.get("/regions/north/dashboard", params={"as_of": BEFORE_ANY_EVENT,
                                                                  "now": "2002-01-01T00:00:00Z"},
                              headers=COORDINATOR)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "as_of"
