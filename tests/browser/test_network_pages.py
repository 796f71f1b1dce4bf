"""The provider network's pages in a real browser: the pipeline board and the contract register show what the
API answers, with the API's region rules."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect

from api.web.network import CARDS
from domain.values import Role
from tests.browser.conftest import DemoServer
from tests.browser.people import MANAGER, NORTH, Opener, open_as, states
from tests.e2e.conftest import headers

__all__ = ["api", "open_as", "states"]  # the fixtures, imported for pytest to find


def api(demo: DemoServer, path: str, role: Role, region: str | None = None, subject: str | None = None,
        params: dict[str, Any] | None = None, **query: Any) -> Any:
    """`GET path` as `role` (of `region`): the API's JSON; `params` for a query that has a `region` of its own."""
    response = httpx.get(f"{demo.base}{path}", params={**(params or {}), **query},
                         headers=headers(role, region, subject), timeout=30)
    response.raise_for_status()
    return response.json()


def texts(page: Page, selector: str, attribute: str) -> dict[str, str]:
    found: dict[str, str] = page.eval_on_selector_all(
        selector, f"nodes => Object.fromEntries(nodes.map(n => [n.getAttribute('{attribute}'), n.textContent.trim()]))")
    return found


def test_the_pipeline_board_has_the_apis_counts_and_providers_per_status(open_as: Opener,
                                                                       demo: DemoServer) -> None:
    page = open_as(NORTH)
    page.goto(f"{demo.base}/network/contracts")
    page.get_by_role("link", name="Providers").click()
    page.wait_for_url("**/network/providers")
    counts = api(demo, "/providers/pipeline", Role.COORDINATOR, "north", "coord-north")
    assert texts(page, "[data-count]", "data-count") == {status: str(n) for status, n in counts.items()}
    for status, count in counts.items():
        shown = page.locator(f'[data-column="{status}"] [data-provider]')
        listed = api(demo, "/providers", Role.COORDINATOR, "north", "coord-north", status=status, limit=CARDS)
        assert shown.count() == min(count, CARDS)
        assert {row.get_attribute("data-provider") for row in shown.all()} == {p["id"] for p in listed["items"]}
        assert all(p["region"] == "north" for p in listed["items"])


def test_a_manager_chooses_a_region_of_the_board(open_as: Opener, demo: DemoServer) -> None:
    page = open_as(MANAGER)
    page.goto(f"{demo.base}/network/providers")
    everywhere = api(demo, "/providers/pipeline", Role.MANAGER, subject="manager-1")
    assert texts(page, "[data-count]", "data-count") == {status: str(n) for status, n in everywhere.items()}
    page.get_by_label("Region").select_option("south")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/network/providers?region=south")
    south = api(demo, "/providers/pipeline", Role.MANAGER, subject="manager-1", params={"region": "south"})
    assert texts(page, "[data-count]", "data-count") == {status: str(n) for status, n in south.items()}


def test_the_contract_register_lists_what_the_api_does(open_as: Opener, demo: DemoServer) -> None:
    page = open_as(MANAGER)
    page.goto(f"{demo.base}/network/contracts")
    page.get_by_label("Expiring within (days)").fill("3650")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**expiring_within_days=3650**")
    register = api(demo, "/contracts/register", Role.MANAGER, subject="manager-1", expiring_within_days=3650)
    for section, rows in register.items():
        heading = page.locator(f"[data-count={section}]")
        expect(heading).to_have_text(str(len(rows)))
    expiring = page.locator("section:has(#expiring-heading) [data-contract]")
    assert [row.get_attribute("data-contract") for row in expiring.all()] == [
        row["id"] for row in sorted(register["expiring"], key=lambda row: (row["expires_in_days"], row["id"]))]
    assert [int(cell) for cell in expiring.locator("[data-figure=expires_in_days]").all_text_contents()] == sorted(
        row["expires_in_days"] for row in register["expiring"])
    negotiating = page.locator("section:has(#negotiating-heading) [data-contract]")
    assert {row.get_attribute("data-contract") for row in negotiating.all()} == {
        row["id"] for row in register["negotiating"]}


def test_a_coordinator_sees_their_own_regions_register_only(open_as: Opener, demo: DemoServer) -> None:
    page = open_as(NORTH)
    page.goto(f"{demo.base}/network/contracts?expiring_within_days=3650")
    register = api(demo, "/contracts/register", Role.COORDINATOR, "north", "coord-north", expiring_within_days=3650)
    assert {row.get_attribute("data-contract") for row in page.locator("[data-contract]").all()} == {
        row["id"] for rows in register.values() for row in rows}
    refused = page.goto(f"{demo.base}/network/contracts?region=south")
    assert refused is not None and refused.status == 403
    expect(page.locator("[data-status='403']")).to_contain_text("outside")
