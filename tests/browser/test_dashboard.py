"""The region dashboard in a real browser: the API's numbers, charts drawn offline, the date control."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from api.web.render import figure
from domain.values import Role
from tests.browser.conftest import DemoServer, Offline, sign_in
from tests.e2e.conftest import headers


def api_dashboard(demo: DemoServer, region: str, **query: str) -> dict[str, Any]:
    response = httpx.get(f"{demo.base}/regions/{region}/dashboard", params=query,
                         headers=headers(Role.COORDINATOR, region, f"coord-{region}"), timeout=30)
    response.raise_for_status()
    figures: dict[str, Any] = response.json()
    return figures


def expected_text(figures: dict[str, Any], path: str) -> str:
    """What the page shows for a `data-figure` path of the API's JSON."""
    head, _, rest = path.partition(".")
    if head == "workload":
        return figure(next(row["open_cases"] for row in figures["workload"] if row["representative"] == rest))
    if head == "escalations_waiting":
        return figure(len(figures["escalations_waiting"]))
    if head == "common_problems":
        return ""  # from GET /common-problems: checked in its own test
    value: Any = figures
    for part in path.split("."):
        value = value[part]
    return figure(value)


def shown(page: Page) -> dict[str, str]:
    figures: dict[str, str] = page.eval_on_selector_all(
        "[data-figure]", "nodes => Object.fromEntries(nodes.map(n => [n.dataset.figure, n.textContent.trim()]))")
    return figures


def same_figures(page: Page, api: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {path: (text, expected_text(api, path)) for path, text in shown(page).items()
            if not path.startswith("common_problems") and path != "as_of" and text != expected_text(api, path)}


def test_the_dashboards_numbers_are_the_apis_for_the_same_region(page: Page, demo: DemoServer) -> None:
    sign_in(page, demo)
    for _ in range(3):  # a timer firing between the two reads changes both: read again
        before = api_dashboard(demo, "north")
        page.goto(f"{demo.base}/dashboard/north")
        if api_dashboard(demo, "north") == {**before, "as_of": api_dashboard(demo, "north")["as_of"]}:
            break
    mismatches = same_figures(page, before)
    assert not mismatches, f"page vs API: {mismatches}"
    assert len(shown(page)) > 10
    escalations = {row.get_attribute("data-escalation") for row in page.locator("[data-escalation]").all()}
    assert escalations == {case["id"] for case in before["escalations_waiting"]}


def test_the_common_problems_sparklines_are_the_apis_weekly_flags(page: Page, demo: DemoServer) -> None:
    sign_in(page, demo)
    problems = httpx.get(f"{demo.base}/common-problems", headers=headers(Role.COORDINATOR, "north", "coord-north"),
                         timeout=30).json()["problems"]
    recent = {p["policy_area"]: str(p["recent"]["flags"]) for p in problems if p["region"] == "north"}
    assert {path.split(".")[1]: text for path, text in shown(page).items()
            if path.startswith("common_problems")} == recent


def test_the_date_control_shows_the_dashboard_as_of_a_past_moment(page: Page, demo: DemoServer) -> None:
    sign_in(page, demo)
    moment = (datetime.now(UTC) - timedelta(days=14)).replace(second=0, microsecond=0)
    page.get_by_label("Show as of (UTC)").fill(moment.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Show").click()  # htmx swaps the dashboard in place and keeps the address
    expect(page.locator("[data-figure=as_of]")).to_have_text(moment.isoformat(timespec="microseconds"))
    assert "as_of=" in page.url
    api = api_dashboard(demo, "north", now=moment.isoformat())
    assert not same_figures(page, api)


def test_the_charts_are_drawn_from_this_server_alone(page: Page, demo: DemoServer, offline: Offline) -> None:
    sign_in(page, demo)
    expect(page.locator("canvas[data-chart]").first).to_be_visible()
    page.wait_for_function("() => typeof Chart !== 'undefined' && Object.keys(Chart.instances).length > 0")
    drawn = page.evaluate("() => Object.keys(Chart.instances).length")
    assert drawn == page.locator("canvas[data-chart]").count()
    assert any(url.endswith("/static/vendor/chart.umd.min.js") for url in offline.inside)
    assert not offline.outside


def test_every_control_is_reached_by_keyboard(page: Page, demo: DemoServer) -> None:
    sign_in(page, demo)
    reached = set()
    for _ in range(24):  # the header's page links come first
        page.keyboard.press("Tab")
        reached.add(page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()"))
    assert {"Skip to the content", "Sign out", "as-of", "Show", "Now"} <= reached
