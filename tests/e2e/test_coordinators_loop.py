"""The coordinators' loop over uvicorn, on each backend: return-policy flags rise in north and south, the
coordinators see the problem emerging (each with the cases of their own region only), a meeting puts it on the
agenda and adopts a standard that changes a new case's SLA, a proposal is drafted from the problem with its
evidence, approved by a manager, implemented, and its effect measured; an auditor reads it all.

The past weeks are seeded before the server starts, by a ledger on a simulated clock (the server's clock is
real); everything after the flags is driven over HTTP. A coordinator's every response body is kept and checked
at the end for the other region's case ids and subjects."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.clock import SimulatedClock
from api.bootstrap import build_ledger
from domain.casework.case_events import Category, Channel, PolicyArea
from domain.casework.sla import Priority
from domain.values import Actor, Role
from tests.conftest import BACKENDS, Backend, staff_regions
from tests.e2e.conftest import headers, start_server, stop_server

REGIONS = ("north", "south")
SUBJECTS = {"north": "Toaster return refused at the Harbour shop", "south": "Kettle return refused at the Mill shop"}
SPIKE = 5
"""Return-policy cases flagged per region in the last week."""
MANAGER = headers(Role.MANAGER, subject="mgr-1")
AUDITOR = headers(Role.AUDITOR, subject="aud-1")


@dataclass
class Seeded:
    base: str
    head: int
    cases: dict[str, list[str]] = field(default_factory=dict)
    """Each region's case ids (every one seeded)."""
    spike: dict[str, list[str]] = field(default_factory=dict)
    """Each region's return-policy cases of the last week."""


def _seed(backend: Backend, data_dir: Path) -> tuple[int, dict[str, list[str]], dict[str, list[str]]]:
    """Ten weeks of cases: a return-policy flag every third week in each region, billing cases around them, then
    `SPIKE` flagged return-policy cases per region in the last week (all before today, UTC)."""
    now = datetime.now(UTC)
    clock = SimulatedClock(now - timedelta(weeks=10))
    ledger = build_ledger(backend.settings(data_dir), clock=clock)
    staff_regions(ledger)
    cases: dict[str, list[str]] = {region: [] for region in REGIONS}
    spike: dict[str, list[str]] = {region: [] for region in REGIONS}

    def case(region: str, at: datetime, category: Category, n: int) -> str:
        rep = ledger.context(Actor(id=f"rep-{region}-1", role=Role.REPRESENTATIVE))
        clock.now = at
        subject = f"{SUBJECTS[region]} ({n})" if category is Category.RETURN_POLICY else f"{region} bill ({n})"
        case_id = ledger.open_case(rep, region=region, channel=Channel.PHONE, customer_ref=f"cust-{region}-{n}",
                                   subject=subject, description=f"{subject}. Told the representative.").id
        clock.now = at + timedelta(minutes=20)
        ledger.triage_case(rep, case_id, category, Priority.NORMAL)
        if category is Category.RETURN_POLICY:
            clock.now = at + timedelta(hours=1)
            ledger.flag_policy_issue(rep, case_id, PolicyArea.RETURNS, "Customers call back after a refused return")
        cases[region].append(str(case_id))
        return str(case_id)

    for region in REGIONS:
        for week in (9, 6, 3):
            case(region, now - timedelta(weeks=week, hours=len(region)), Category.RETURN_POLICY, week)
        for day in range(5, 70, 9):
            case(region, now - timedelta(days=day, hours=3), Category.BILLING, 100 + day)
        for n in range(SPIKE):  # days 6 to 2 before today: in the last two ISO weeks, before today's midnight
            spike[region].append(case(region, now - timedelta(days=6 - n, hours=len(region)),
                                      Category.RETURN_POLICY, 200 + n))
    head = ledger.head()
    ledger.close()
    return head, cases, spike


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    cluster = request.getfixturevalue("postgres_cluster") if request.param == "postgresql" else None
    backend = Backend(request.param, cluster)
    data_dir = tmp_path_factory.mktemp("loop")
    head, cases, spike = _seed(backend, data_dir)
    process, base = start_server(backend.env(data_dir), tmp_path_factory.mktemp("logs") / "server.log")
    yield Seeded(base, head, cases, spike)
    stop_server(process)
    backend.close()


class Coordinator:
    """A region's coordinator over HTTP, keeping every response body they were given."""

    def __init__(self, client: httpx.Client, region: str) -> None:
        self.client, self.region = client, region
        self.bodies: list[str] = []
        self.headers = headers(Role.COORDINATOR, region, f"coord-{region}")

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, headers=self.headers, **kwargs)
        self.bodies.append(response.text)
        assert response.status_code in (200, 201), response.text
        return response.json()


def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_from_flags_in_two_regions_to_the_measured_effect(seeded: Seeded) -> None:
    today = datetime.now(UTC).date()
    with httpx.Client(base_url=seeded.base, timeout=30) as client:
        north, south = Coordinator(client, "north"), Coordinator(client, "south")
        caught_up = {"min_position": seeded.head}

        # each coordinator sees returns emerging in both regions, with the cases behind it in their own only
        for me, other in ((north, south), (south, north)):
            view = me.call("GET", "/common-problems/returns", params=caught_up)
            problems = {p["region"]: p for p in view["problems"]}
            assert problems["north"]["emerging"] and problems["south"]["emerging"], view
            assert problems[me.region]["observed"] == SPIKE and problems[other.region]["evidence"] is None
            assert {c["case_id"] for c in problems[me.region]["evidence"]} == set(seeded.spike[me.region])
        everything = ok(client.get("/common-problems", params=caught_up, headers=AUDITOR))
        emerging = {(p["policy_area"], p["region"]) for p in everything["problems"] if p["emerging"]}
        assert emerging == {("returns", "north"), ("returns", "south")}

        # the coordinators' meeting puts it on the agenda and adopts a 4-hour first response from today
        meeting = north.call("POST", "/meetings", json={"title": "Coordinators' meeting",
                                                        "scheduled_for": datetime.now(UTC).isoformat()})["id"]
        south.call("POST", f"/meetings/{meeting}/add-agenda-item",
                   json={"item_id": "returns", "policy_area": "returns", "regions": list(REGIONS)})
        north.call("POST", f"/meetings/{meeting}/hold",
                   json={"coordinators": ["coord-north", "coord-south"], "managers": ["mgr-1"]})
        north.call("POST", f"/meetings/{meeting}/record-minutes",
                   json={"minutes": "Return-policy flags rose in north and south; coord-north drafts a proposal"})
        north.call("POST", f"/meetings/{meeting}/record-decision", json={
            "decision_id": "returns-4h", "kind": "standard", "text": "First response within 4 hours for returns",
            "regions": list(REGIONS), "categories": ["return_policy"], "effective_on": today.isoformat(),
            "first_response_hours": 4})
        north.call("POST", f"/meetings/{meeting}/close", json={})
        assert ok(client.get(f"/meetings/{meeting}", headers=AUDITOR))["status"] == "closed"

        # a return-policy case opened now gets the standard's first response target
        rep = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
        new_case = ok(client.post("/cases", headers=rep, json={
            "region": "north", "channel": "phone", "customer_ref": "cust-new", "subject": SUBJECTS["north"],
            "description": "Refused again"}))["id"]
        ok(client.post(f"/cases/{new_case}/triage", json={"category": "return_policy", "priority": "normal"},
                       headers=rep))
        read = north.call("GET", f"/cases/{new_case}")
        due = datetime.fromisoformat(read["first_response_due"]) - datetime.fromisoformat(read["created_at"])
        assert due == timedelta(hours=4)
        seeded.cases["north"].append(new_case)

        # coord-north drafts the proposal from what the view showed them: north's cases, both regions' counts
        view = north.call("GET", "/common-problems/returns", params=caught_up)
        counts = [{"region": p["region"], "count": p["observed"], "baseline": p["expected"], "weeks": view["weeks"]}
                  for p in view["problems"]]
        evidence = [c["case_id"] for p in view["problems"] if p["region"] == "north" for c in p["evidence"]]
        proposal = north.call("POST", "/proposals", json={
            "policy_area": "returns", "regions": list(REGIONS), "title": "Accept returns without a receipt",
            "summary": "Refused returns bring customers back in both regions",
            "change": "Accept returns within 30 days without a receipt", "case_ids": evidence, "counts": counts})["id"]
        shown = south.call("GET", f"/proposals/{proposal}")["evidence"]
        assert shown["cases"] == [] and shown["hidden_cases"] == SPIKE and len(shown["counts"]) == 2
        south.call("POST", f"/proposals/{proposal}/submit", json={"note": "Agreed at the meeting"})
        ok(client.post(f"/proposals/{proposal}/approve", json={"note": "Go ahead"}, headers=MANAGER))
        assert client.post(f"/proposals/{proposal}/reject", json={"reason": "No"}, headers=AUDITOR).status_code == 403
        done = north.call("POST", f"/proposals/{proposal}/implement",
                          json={"effective_on": today.isoformat(), "what_changed": "Receipts no longer required"})

        # the effect: the weeks before hold the spike; the weeks after have only begun
        read = ok(client.get(f"/proposals/{proposal}", headers=MANAGER))
        assert (read["status"], read["decided_by"], read["effective_on"]) == ("implemented", "manager",
                                                                              today.isoformat())
        effect = {row["region"]: row for row in read["effect"]["regions"]}
        for region in REGIONS:
            assert effect[region]["before"]["cases"] == SPIKE + 1  # the last four weeks: the spike and week -3
            assert effect[region]["verdict"] == "not enough time yet"
        assert (effect["north"]["after"]["cases"], effect["south"]["after"]["cases"]) == (1, 0)  # today's case
        early = client.post(f"/proposals/{proposal}/review-effect", headers=MANAGER,
                            json={"conclusion": "improved", "note": "Too early"})
        assert early.status_code == 409, early.text
        # a week that has not happened is not measured (as zero cases): a `now` after the server's clock is refused
        later = (datetime.combine(today, datetime.min.time(), UTC) + timedelta(weeks=1)).isoformat()
        future = client.get(f"/proposals/{proposal}/effect", params={"weeks": 1, "now": later}, headers=north.headers)
        assert future.status_code == 422 and future.json()["field"] == "now", future.text

        # the auditor reads the whole story: every evidence case, the meeting's decision, the proposal's history
        audited = ok(client.get(f"/proposals/{proposal}", params={"min_position": done["position"]},
                                headers=AUDITOR))
        assert {c["case_id"] for c in audited["evidence"]["cases"]} == set(seeded.spike["north"])
        types = [e["type"] for e in ok(client.get(f"/proposals/{proposal}/history", headers=AUDITOR))]
        assert types == ["ProposalDrafted", "ProposalSubmitted", "ProposalApproved", "ProposalImplemented"]
        for me in (north, south):
            me.call("GET", "/meetings", params={"min_position": done["position"]})
            me.call("GET", "/proposals", params={"min_position": done["position"]})
            me.call("GET", f"/proposals/{proposal}/history")

    # never, on the way, did a coordinator get the other region's case ids or subjects
    for reader, foreign in ((north, "south"), (south, "north")):
        seen = "\n".join(reader.bodies)
        assert SUBJECTS[foreign] not in seen
        assert not [case_id for case_id in seeded.cases[foreign] if case_id in seen]
