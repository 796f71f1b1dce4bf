"""`/common-problems` over HTTP: counts of every region for a coordinator, case details of their own region
only, everything for managers, auditors and administrators, and bad input as problem details."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from domain.values import Role
from tests.e2e.conftest import headers

COORDINATORS = {region: headers(Role.COORDINATOR, region, f"coord-{region}") for region in ("north", "south")}
REPRESENTATIVES = {region: headers(Role.REPRESENTATIVE, region, f"rep-{region}-1") for region in ("north", "south")}
NETWORK = {"manager": headers(Role.MANAGER, subject="mgr-1"), "auditor": headers(Role.AUDITOR),
           "admin": headers(Role.ADMIN)}


@pytest.fixture(scope="module")
def flagged(server: str) -> dict[str, Any]:
    """Four return-policy cases flagged in north and three in south, by each region's own staff."""
    ids: dict[str, set[str]] = {"north": set(), "south": set()}
    position = 0
    with httpx.Client(base_url=server, timeout=30) as http:
        for region, count in (("north", 4), ("south", 3)):
            rep = REPRESENTATIVES[region]
            for n in range(count):
                case = http.post("/cases", json={"region": region, "channel": "web", "customer_ref": f"c-{n}",
                                                 "subject": f"Return refused {region} {n}",
                                                 "description": "Outside the window"}, headers=rep).json()["id"]
                http.post(f"/cases/{case}/triage", json={"category": "return_policy", "priority": "normal"},
                          headers=rep).raise_for_status()
                answer = http.post(f"/cases/{case}/flag-policy-issue", json={"policy_area": "returns",
                                                                             "note": "Window too short"}, headers=rep)
                position = max(position, answer.json()["position"])
                ids[region].add(case)
    return {"ids": ids, "position": position}


def reads(client: httpx.Client, who: dict[str, str], position: int) -> list[httpx.Response]:
    """Every `/common-problems` read, with the default and other windows and times."""
    later = (datetime.now(UTC) + timedelta(days=9)).isoformat()
    asks: list[dict[str, Any]] = [{}, {"weeks": 1, "baseline_weeks": 1}, {"now": later}, {"weeks": 13, "alpha": 0.5}]
    answers = []
    for path in ("/common-problems", "/common-problems/returns", "/common-problems/billing"):
        for ask in asks:
            answers.append(client.get(path, params={**ask, "min_position": position}, headers=who))
    return answers


def problem(body: dict[str, Any], area: str, region: str) -> dict[str, Any]:
    (found,) = [p for p in body["problems"] if p["policy_area"] == area and p["region"] == region]
    return found


class TestVisibility:
    @pytest.mark.parametrize(("own", "other"), [("north", "south"), ("south", "north")])
    def test_a_coordinator_never_gets_another_regions_case_id_from_any_read(
            self, client: httpx.Client, flagged: dict[str, Any], own: str, other: str) -> None:
        answers = reads(client, COORDINATORS[own], flagged["position"])
        assert {answer.status_code for answer in answers} == {200}
        assert not any(case_id in answer.text for answer in answers for case_id in flagged["ids"][other])
        assert not any(f"Return refused {other}" in answer.text for answer in answers)
        body = answers[0].json()
        theirs, mine = problem(body, "returns", other), problem(body, "returns", own)
        assert theirs["observed"] == len(flagged["ids"][other]) and theirs["emerging"]
        assert (theirs["evidence_visible"], theirs["evidence"]) == (False, None)
        assert {e["case_id"] for e in mine["evidence"]} == flagged["ids"][own]

    def test_a_representative_sees_their_own_region_only(self, client: httpx.Client, flagged: dict[str, Any]) -> None:
        body = client.get("/common-problems/returns", params={"min_position": flagged["position"]},
                          headers=REPRESENTATIVES["north"]).json()
        assert [p["region"] for p in body["problems"]] == ["north"]
        assert {e["case_id"] for e in body["problems"][0]["evidence"]} == flagged["ids"]["north"]

    @pytest.mark.parametrize("who", list(NETWORK))
    def test_managers_auditors_and_administrators_see_every_regions_cases(
            self, client: httpx.Client, flagged: dict[str, Any], who: str) -> None:
        body = client.get("/common-problems", params={"min_position": flagged["position"]},
                          headers=NETWORK[who]).json()
        assert body["emerging"] >= 2
        for region in ("north", "south"):
            assert {e["case_id"] for e in problem(body, "returns", region)["evidence"]} == flagged["ids"][region]

    def test_an_integrator_is_refused(self, client: httpx.Client) -> None:
        answer = client.get("/common-problems", headers=headers(Role.INTEGRATOR))
        assert answer.status_code == 403 and answer.headers["content-type"] == "application/problem+json"


class TestBadInput:
    @pytest.mark.parametrize(("path", "params", "field"), [
        ("/common-problems", {"weeks": 0}, "weeks"),
        ("/common-problems", {"weeks": 14}, "weeks"),
        ("/common-problems", {"baseline_weeks": 53}, "baseline_weeks"),
        ("/common-problems", {"alpha": 0.9}, "alpha"),
        ("/common-problems", {"min_count": 0}, "min_count"),
        ("/common-problems", {"now": "2026-03-02T09:00:00"}, "now"),
        ("/common-problems", {"now": "1850-01-01T00:00:00Z"}, "now"),
        ("/common-problems", {"min_position": -1}, "min_position"),
        ("/common-problems/returnz", {}, "policy_area"),
    ])
    def test_is_a_problem_naming_the_field(self, client: httpx.Client, path: str, params: dict[str, Any],
                                           field: str) -> None:
        answer = client.get(path, params=params, headers=NETWORK["manager"])
        assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["field"].split(".")[-1] == field
