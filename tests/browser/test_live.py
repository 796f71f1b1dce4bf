"""Live updates in a real browser: an escalation made through the API appears on an open dashboard without a
reload; the stream carries the region's events only, each with its log position, and resumes after one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from domain.values import Role
from tests.browser.conftest import DemoServer
from tests.browser.people import NORTH, Opener, Person, cookies, open_as, states
from tests.e2e.conftest import headers

__all__ = ["open_as", "states"]  # the fixtures, imported for pytest to find

ARRIVES_WITHIN_MS = 20_000


def representative(region: str) -> dict[str, str]:
    return headers(Role.REPRESENTATIVE, region, f"rep-{region}-1")


def escalated_case(demo: DemoServer, region: str, subject: str) -> dict[str, Any]:
    """A new case of `region`, triaged and escalated by its representative through the API: what each command
    answered (`opened`, `escalated`: id, version, position)."""
    with httpx.Client(base_url=demo.base, headers=representative(region), timeout=30) as api:
        opened = api.post("/cases", json={"region": region, "channel": "phone", "customer_ref": "live-updates",
                                          "subject": subject, "description": "Asks for a supervisor"})
        opened.raise_for_status()
        case = opened.json()["id"]
        api.post(f"/cases/{case}/triage", json={"category": "billing", "priority": "high"}).raise_for_status()
        escalated = api.post(f"/cases/{case}/escalate", json={"reason": "Asks for a supervisor"})
        escalated.raise_for_status()
    return {"opened": opened.json(), "escalated": escalated.json()}


@pytest.fixture
def north_client(demo: DemoServer, states: Callable[[Person], dict[str, Any]]) -> Iterator[httpx.Client]:
    """An HTTP client holding the north coordinator's session cookie (from a one-time link)."""
    with httpx.Client(base_url=demo.base, timeout=30, cookies=cookies(states(NORTH))) as client:
        yield client


def messages_until(response: httpx.Response, case_id: str) -> list[dict[str, str]]:
    """The stream's messages (id and data) up to and including the first about `case_id` (the read times out,
    and the test fails, if it never comes)."""
    found: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in response.iter_lines():
        if not line:
            if "data" in current:
                found.append(current)
                if case_id in current["data"]:
                    return found
            current = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            current[field] = value.strip()
    return found


def test_an_escalation_made_through_the_api_appears_on_an_open_dashboard(open_as: Opener, demo: DemoServer) -> None:
    page = open_as(NORTH)
    page.goto(f"{demo.base}/dashboard/north")
    expect(page.locator("#live-status")).to_contain_text("Live", timeout=ARRIVES_WITHIN_MS)  # the stream is open
    page.evaluate("() => { window.notReloaded = true; }")  # gone if the page were loaded again
    case = escalated_case(demo, "north", "Live escalation")["escalated"]["id"]
    expect(page.locator(f'[data-escalation="{case}"]')).to_be_visible(timeout=ARRIVES_WITHIN_MS)
    expect(page.locator("#live-status")).to_contain_text("escalated")
    assert page.evaluate("() => window.notReloaded === true")
    assert page.url == f"{demo.base}/dashboard/north"


SOURCES = """(() => {  // every EventSource the page opens, kept where the test can see whether it is closed
  const Opened = window.EventSource;
  window.sources = [];
  window.EventSource = class extends Opened {
    constructor(...args) { super(...args); window.sources.push(this); }
  };
})();"""


def test_a_dashboard_shown_as_of_a_past_moment_closes_its_stream_and_says_nothing(
        open_as: Opener, demo: DemoServer) -> None:
    page = open_as(NORTH)
    page.add_init_script(SOURCES)
    page.goto(f"{demo.base}/dashboard/north")
    expect(page.locator("#live-status")).to_contain_text("Live", timeout=ARRIVES_WITHIN_MS)
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Show as of (UTC)").fill(past)
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#dashboard:not([data-live])")).to_be_attached()
    expect(page.locator("#live-status")).to_have_text("")
    assert page.evaluate("() => window.sources.every(source => source.readyState === EventSource.CLOSED)")
    witness = open_as(NORTH)  # a dashboard showing now, to know when the escalation has been streamed
    witness.goto(f"{demo.base}/dashboard/north")
    expect(witness.locator("#live-status")).to_contain_text("Live", timeout=ARRIVES_WITHIN_MS)
    escalated_case(demo, "north", "Escalated while the past is shown")
    expect(witness.locator("#live-status")).to_contain_text("escalated", timeout=ARRIVES_WITHIN_MS)
    expect(page.locator("#live-status")).to_have_text("")


def test_a_foreign_regions_events_never_arrive(north_client: httpx.Client, demo: DemoServer) -> None:
    south = escalated_case(demo, "south", "South escalation")
    north = escalated_case(demo, "north", "North escalation after it")
    with north_client.stream(
            "GET", "/live/north", params={"after": south["opened"]["position"] - 1}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        received = messages_until(response, north["escalated"]["id"])
    assert received, "the north escalation never arrived"
    assert all(south["opened"]["id"] not in message["data"] for message in received)
    assert received[-1]["id"] == str(north["escalated"]["position"])


def test_the_stream_resumes_after_the_last_event_id(north_client: httpx.Client, demo: DemoServer) -> None:
    first = escalated_case(demo, "north", "Seen before the reconnection")
    second = escalated_case(demo, "north", "Sent after the reconnection")
    with north_client.stream(
            "GET", "/live/north", headers={"Last-Event-ID": str(first["escalated"]["position"])}) as response:
        received = messages_until(response, second["escalated"]["id"])
    assert [message for message in received if first["escalated"]["id"] in message["data"]] == []
    assert received[-1]["id"] == str(second["escalated"]["position"])
    assert all(int(message["id"]) > first["escalated"]["position"] for message in received)


def test_another_regions_stream_is_refused(north_client: httpx.Client) -> None:
    refused = north_client.get("/live/south")
    assert refused.status_code == 403
    assert "south" not in refused.text.split("<main", 1)[-1]
