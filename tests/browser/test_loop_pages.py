"""The coordinators' loop and the auditor's page in a real browser: what the API answers, as the signed-in
person may see it; axe-core finds no serious or critical violation on any of the new pages."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from domain.values import Role
from tests.browser.conftest import WIDTHS, DemoServer
from tests.browser.people import ADMIN, AUDITOR, NORTH, REPRESENTATIVE, Opener, open_as, states
from tests.browser.test_accessibility import violations
from tests.browser.test_network_pages import api

__all__ = ["open_as", "states"]  # the fixtures, imported for pytest to find
CHARTS_DRAWN = "() => typeof Chart !== 'undefined' && Object.keys(Chart.instances).length > 0"


def north(demo: DemoServer, path: str, **query: Any) -> Any:
    return api(demo, path, Role.COORDINATOR, "north", "coord-north", **query)


def test_common_problems_are_the_apis_emerging_first_with_a_sparkline_each(open_as: Opener, demo: DemoServer) -> None:
    page = open_as(NORTH)
    page.goto(f"{demo.base}/loop/meetings")
    page.get_by_role("link", name="Problems").click()
    page.wait_for_function(CHARTS_DRAWN)
    problems = north(demo, "/common-problems")["problems"]
    flagged = [f"{p['policy_area']}.{p['region']}" for p in problems if any(w["flags"] for w in p["weeks"])]
    rows = page.locator("section:has(#flagged-heading) [data-problem]")
    assert [row.get_attribute("data-problem") for row in rows.all()] == flagged  # the API's order: emerging first
    assert page.locator("[data-problem]").count() == len(problems)
    assert page.locator("[data-problem] canvas[data-chart]").count() == len(problems)
    recent = {f"{p['policy_area']}.{p['region']}": str(p["recent"]["flags"]) for p in problems}
    shown = page.eval_on_selector_all("[data-figure^='recent.']", "nodes => nodes.map(n => [n.dataset.figure.slice(7), "
                                      "n.textContent.trim()])")
    assert dict(shown) == recent


def test_a_meeting_shows_its_agenda_attendance_minutes_and_decisions(open_as: Opener, demo: DemoServer) -> None:
    page = open_as(NORTH)
    page.goto(f"{demo.base}/loop/meetings")
    meetings = north(demo, "/meetings")["items"]
    assert [row.get_attribute("data-meeting") for row in page.locator("[data-meeting]").all()] == [
        m["id"] for m in meetings]
    page.get_by_role("link", name=meetings[0]["title"]).first.click()
    meeting = north(demo, f"/meetings/{meetings[0]['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(meeting["title"])
    assert page.locator("[data-list=agenda] li").all_text_contents()[0].startswith(meeting["agenda"][0]["text"])
    assert page.locator("[data-list=attendees] li").count() == len(meeting["attendees"])
    assert page.locator("[data-list=decisions] li").count() == len(meeting["decisions"])
    expect(page.locator("#minutes-heading + p")).to_have_text(meeting["minutes"])


def test_a_proposal_links_its_evidence_and_draws_its_effect(open_as: Opener, demo: DemoServer) -> None:
    page = open_as(NORTH)
    page.goto(f"{demo.base}/loop/proposals")
    proposals = north(demo, "/proposals")["items"]
    assert [row.get_attribute("data-proposal") for row in page.locator("[data-proposal]").all()] == [
        p["id"] for p in proposals]
    measured = next(p for p in proposals if p["conclusion"])
    page.get_by_role("link", name=measured["title"]).click()
    proposal = north(demo, f"/proposals/{measured['id']}")
    assert {link.get_attribute("data-evidence") for link in page.locator("[data-evidence]").all()} == {
        case["case_id"] for case in proposal["evidence"]["cases"]}
    assert all(case["region"] == "north" for case in proposal["evidence"]["cases"])
    expect(page.locator("[data-figure=status]")).to_have_text(proposal["status"].replace("_", " "))
    page.wait_for_function(CHARTS_DRAWN)
    assert page.evaluate("() => Chart.getChart(document.querySelector('canvas[data-chart=effect]')).data.labels") == [
        row["region"] for row in proposal["effect"]["regions"]]


def test_coaching_is_the_reviews_the_person_may_see(open_as: Opener, demo: DemoServer) -> None:
    page = open_as(NORTH)
    page.goto(f"{demo.base}/loop/coaching")
    reviews = north(demo, "/coaching")
    assert reviews, "the demo has coaching in north"
    assert [card.get_attribute("data-review") for card in page.locator("[data-review]").all()] == [
        review["id"] for review in reviews]
    page = open_as(AUDITOR)
    refused = page.goto(f"{demo.base}/loop/coaching")
    assert refused is not None and refused.status == 403


def test_the_auditor_reads_a_records_trail_and_the_logs_verification(open_as: Opener, demo: DemoServer) -> None:
    page = open_as(AUDITOR)
    page.goto(f"{demo.base}/loop/meetings")
    page.get_by_role("link", name="Audit").click()
    case = north(demo, "/cases", status="closed", limit=1)["items"][0]["id"]  # no timer changes its trail
    page.get_by_label("Record id").fill(case)
    page.get_by_role("button", name="Show its trail").click()
    trail = api(demo, "/audit/events", Role.AUDITOR, record_id=case, limit=1000)
    assert [int(row.get_attribute("data-position") or 0) for row in page.locator("[data-position]").all()] == [
        event["position"] for event in trail]
    first = page.locator("[data-position]").first
    expect(first).to_contain_text(trail[0]["type"])
    expect(first).to_contain_text(trail[0]["actor_id"])
    before = api(demo, "/audit/verify", Role.AUDITOR)
    page.get_by_role("link", name="Verify the log").click()
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "intact" if before["intact"] else "broken")
    assert int(page.locator("[data-figure=verified]").inner_text()) >= before["verified"]


def test_the_auditors_page_is_refused_to_a_representative(open_as: Opener, demo: DemoServer) -> None:
    page = open_as(REPRESENTATIVE)
    page.goto(f"{demo.base}/loop/meetings")
    expect(page.get_by_role("link", name="Audit")).to_have_count(0)
    for path in ("/auditor", "/auditor/verification", "/auditor?record_id=x"):
        refused = page.goto(f"{demo.base}{path}")
        assert refused is not None and refused.status == 403
        expect(page.locator("[data-status='403']")).to_contain_text("auditor")


NEW_PAGES = ("/network/providers", "/network/contracts?expiring_within_days=3650", "/loop/problems", "/loop/meetings",
             "/loop/proposals", "/loop/coaching", "/auditor", "/auditor/verification")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_new_pages_have_no_serious_accessibility_violations(open_as: Opener, demo: DemoServer,
                                                                width: str) -> None:
    # the test injects axe as a script of its own: this context alone lets it past the page's CSP
    sized_page = open_as(ADMIN, WIDTHS[width], bypass_csp=True)
    meeting = north(demo, "/meetings")["items"][0]["id"]
    proposal = next(p for p in north(demo, "/proposals")["items"] if p["conclusion"])["id"]
    case = north(demo, "/cases", limit=1)["items"][0]["id"]
    found = {}
    for path in (*NEW_PAGES, f"/loop/meetings/{meeting}", f"/loop/proposals/{proposal}", f"/auditor?record_id={case}"):
        answer = sized_page.goto(f"{demo.base}{path}")
        assert answer is not None and answer.ok, path
        if sized_page.locator("canvas[data-chart]").count():
            sized_page.wait_for_function(CHARTS_DRAWN)
        found[path] = violations(sized_page)
    assert {path: problems for path, problems in found.items() if problems} == {}
