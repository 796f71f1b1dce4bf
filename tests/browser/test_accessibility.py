"""axe-core (vendored, injected into the page) finds no serious or critical violation, on a desktop's width and
a phone's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import AXE, WIDTHS, DemoServer, Offline, open_context

SERIOUS = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
}"""


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def sized_page(request: pytest.FixtureRequest, browser: Browser, offline: Offline) -> Iterator[Page]:
    # the test injects axe as a script of its own: this context alone lets it past the page's CSP
    context = open_context(browser, offline, width=WIDTHS[request.param], bypass_csp=True)
    yield context.new_page()
    context.close()


def violations(page: Page) -> list[str]:
    page.add_script_tag(path=AXE)
    found: list[str] = page.evaluate(SERIOUS)
    return found


def test_the_sign_in_page(sized_page: Page, demo: DemoServer) -> None:
    sized_page.goto(demo.base)
    assert violations(sized_page) == []


def test_the_sign_in_page_showing_a_refusal(sized_page: Page, demo: DemoServer) -> None:
    sized_page.goto(demo.base)
    sized_page.get_by_label("Token").fill("not.a.token")
    sized_page.get_by_role("button", name="Sign in").click()
    assert violations(sized_page) == []


def test_the_dashboard(sized_page: Page, demo: DemoServer) -> None:
    sized_page.goto(demo.link())
    sized_page.wait_for_url("**/dashboard/north")
    sized_page.wait_for_function("() => Object.keys(Chart.instances).length > 0")
    assert violations(sized_page) == []
