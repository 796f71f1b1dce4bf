"""The case queue and the case page in a real browser: forms that change the case and the queue, refusals and
conflicts in words, another region's case refused, the version slider against the API's `?version=`, no
coordinator's form for a representative, and axe-core on both pages.

Each test opens cases of its own through the API, so it depends on no demo case and changes none.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from api.web.render import figure
from domain.values import Role
from tests.browser.conftest import AXE, WIDTHS, DemoServer, Offline, open_context, sign_in
from tests.e2e.conftest import headers

COORDINATOR = {"role": "coordinator", "region": "north", "subject": "coord-north"}
SERIOUS = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
}"""
SHOWN_FIELDS = ("status", "priority", "category", "assignee", "escalated_to")
DUE = ("first_response_due", "resolution_due")
_numbers = count(1)


class Api:
    """The API as one person calls it, for the tests' own cases."""

    def __init__(self, demo: DemoServer, role: Role, region: str, subject: str) -> None:
        self.http = httpx.Client(base_url=demo.base, headers=headers(role, region, subject), timeout=30)

    def open_case(self, region: str = "north") -> str:
        number = next(_numbers)
        answer = self.http.post("/cases", json={
            "region": region, "channel": "phone", "customer_ref": f"web-test-{number}",
            "subject": f"Web test case {number}: meter reading disputed", "description": "Opened by a browser test."})
        answer.raise_for_status()
        case_id: str = answer.json()["id"]
        return case_id

    def run(self, case_id: str, command: str, **body: Any) -> dict[str, Any]:
        answer = self.http.post(f"/cases/{case_id}/{command}", json=body)
        answer.raise_for_status()
        accepted: dict[str, Any] = answer.json()
        return accepted

    def case(self, case_id: str, **query: Any) -> dict[str, Any]:
        answer = self.http.get(f"/cases/{case_id}", params=query)
        answer.raise_for_status()
        state: dict[str, Any] = answer.json()
        return state

    def representatives(self, region: str = "north") -> list[str]:
        (found,) = [r for r in self.http.get("/regions").json() if r["code"] == region]
        return [s["staff_id"] for s in found["staff"] if s["role"] == "representative"]


@pytest.fixture(scope="module")
def signed_in_coordinator(browser: Browser, demo: DemoServer) -> dict[str, Any]:
    """The north coordinator's browser session (its cookies), signed in once for the module's pages."""
    context = open_context(browser, Offline())
    sign_in(context.new_page(), demo, **COORDINATOR)
    state: dict[str, Any] = context.storage_state()  # type: ignore[assignment]
    context.close()
    return state


@pytest.fixture
def page(browser: Browser, offline: Offline, signed_in_coordinator: dict[str, Any]) -> Iterator[Page]:
    """A page of a browser where the north coordinator is signed in."""
    context = open_context(browser, offline, storage_state=signed_in_coordinator)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def coordinator(demo: DemoServer) -> Iterator[Api]:
    api = Api(demo, Role.COORDINATOR, "north", "coord-north")
    yield api
    api.http.close()


def triaged_and_assigned(api: Api) -> tuple[str, str]:
    """A new north case, triaged and assigned to a representative: (its id, the representative)."""
    case_id = api.open_case()
    api.run(case_id, "triage", category="billing", priority="high")
    representative = api.representatives()[0]
    api.run(case_id, "assign", representative_id=representative)
    return case_id, representative


def shown_state(page: Page) -> dict[str, str]:
    fields: dict[str, str] = page.eval_on_selector_all(
        "#case-state [data-field]", "nodes => Object.fromEntries(nodes.map(n => [n.dataset.field, "
        "(n.querySelector('time') ? n.querySelector('time').getAttribute('datetime') : n.textContent.trim())]))")
    return fields


def expected_state(api_state: dict[str, Any]) -> dict[str, str]:
    return {name: figure(api_state[name]) for name in SHOWN_FIELDS}


def test_a_command_sent_from_a_form_changes_the_case_page_and_the_queue(
        page: Page, demo: DemoServer, coordinator: Api) -> None:
    case_id = coordinator.open_case()
    representative = coordinator.representatives()[-1]
    page.goto(f"{demo.base}/case/{case_id}")
    expect(page.locator('[data-field="status"]')).to_have_text("new")
    # triage from its form: the page comes back (post/redirect/get) with the new state and the event
    page.locator('[data-form="triage"] summary').click()
    page.get_by_label("Category").select_option("billing")
    page.get_by_label("Priority").select_option("urgent")
    page.get_by_role("button", name="Triage").click()
    page.wait_for_url(f"**/case/{case_id}?done=triage*")
    expect(page.locator('[data-field="status"]')).to_have_text("triaged")
    expect(page.locator('[data-field="priority"]')).to_have_text("urgent")
    expect(page.locator('[data-event="2"]')).to_contain_text("Case triaged")
    expect(page.locator('[data-event="2"] > .changes')).to_contain_text("status: new → triaged")
    # then assign it, and the queue shows it in progress with that representative
    page.locator('[data-form="assign"] summary').click()
    page.get_by_label("Representative").select_option(representative)
    page.get_by_role("button", name="Assign").click()
    page.wait_for_url(f"**/case/{case_id}?done=assign*")
    expect(page.locator('[data-field="assignee"]')).to_have_text(representative)
    assert coordinator.case(case_id)["status"] == "in_progress"
    page.get_by_role("link", name="Back to the case queue").click()
    page.get_by_label("Assignee (staff id)").fill(representative)
    page.get_by_label("Status").select_option("in_progress")
    page.get_by_role("button", name="Show").click()
    row = page.locator(f'tr[data-case="{case_id}"]')
    while not row.count() and page.get_by_role("link", name="Next page").count():
        page.get_by_role("link", name="Next page").click()
    expect(row.locator('[data-column="assignee"]')).to_have_text(representative)
    expect(row.locator('[data-column="status"]')).to_have_text("in progress")
    expect(row.locator('[data-column="priority"]')).to_have_text("urgent")


def test_a_refused_command_shows_its_reason_in_words_keeping_the_input(
        page: Page, demo: DemoServer, coordinator: Api) -> None:
    case_id, representative = triaged_and_assigned(coordinator)
    page.goto(f"{demo.base}/case/{case_id}")
    page.locator('[data-form="assign"] summary').click()
    page.get_by_label("Representative").select_option(representative)
    with page.expect_response(f"**/case/{case_id}/assign") as sent:
        page.get_by_role("button", name="Assign").click()
    assert sent.value.status == 409
    expect(page.get_by_role("alert").get_by_role("heading")).to_have_text("Refused (409)")
    expect(page.get_by_role("alert")).to_contain_text(f"is already assigned to {representative}")
    expect(page.get_by_label("Representative")).to_have_value(representative)


def test_a_blank_reason_is_refused_in_the_apis_own_words(page: Page, demo: DemoServer, coordinator: Api) -> None:
    case_id, _ = triaged_and_assigned(coordinator)
    api_answer = coordinator.http.post(f"/cases/{case_id}/escalate", json={"reason": "   "})
    assert api_answer.status_code == 422
    page.goto(f"{demo.base}/case/{case_id}")
    page.locator('[data-form="escalate"] summary').click()
    page.locator("#escalate-reason").fill("   ")
    page.get_by_role("button", name="Escalate to the coordinator").click()
    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading")).to_have_text("Refused (422)")
    expect(alert.locator("[data-refusal]")).to_have_text(api_answer.json()["detail"])
    assert coordinator.case(case_id)["status"] == "in_progress"


def test_a_stale_form_shows_the_conflict_in_words_and_sends_once_checked(
        page: Page, demo: DemoServer, coordinator: Api) -> None:
    case_id, _ = triaged_and_assigned(coordinator)
    page.goto(f"{demo.base}/case/{case_id}")
    page.locator('[data-form="add-note"] summary').click()
    page.get_by_label("Text").fill("Called the customer back about the meter.")
    coordinator.run(case_id, "add-note", text="Someone else's note, meanwhile.")  # the case moves on
    with page.expect_response(f"**/case/{case_id}/add-note") as sent:
        page.get_by_role("button", name="Add a note").click()
    assert sent.value.status == 412
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("is at version 4, not 3")
    expect(alert).to_contain_text("changed after your page showed it")
    expect(page.get_by_label("Text")).to_have_value("Called the customer back about the meter.")
    expect(page.locator('[data-event="4"]')).to_contain_text("Someone else's note")
    page.get_by_role("button", name="Add a note").click()  # seen the change: sent again, it is taken
    page.wait_for_url(f"**/case/{case_id}?done=add-note*")
    expect(page.locator('[data-event="5"]')).to_contain_text("Called the customer back about the meter.")


def test_a_foreign_regions_case_page_is_refused_naming_nothing_of_it(page: Page, demo: DemoServer) -> None:
    south = Api(demo, Role.COORDINATOR, "south", "coord-south")
    case_id = south.open_case("south")
    subject = south.case(case_id)["subject"]
    answer = page.goto(f"{demo.base}/case/{case_id}")
    assert answer is not None and answer.status == 403
    expect(page.locator("[data-status]")).to_have_text("coord-north works in region north: this is outside it")
    assert subject not in page.content() and "south" not in page.locator("main").inner_text()


def test_the_slider_shows_a_past_state_equal_to_the_apis_version(
        page: Page, demo: DemoServer, coordinator: Api) -> None:
    case_id, _ = triaged_and_assigned(coordinator)
    coordinator.run(case_id, "escalate", reason="The customer asks for the coordinator.")
    page.goto(f"{demo.base}/case/{case_id}")
    now = shown_state(page)
    assert {name: now[name] for name in SHOWN_FIELDS} == expected_state(coordinator.case(case_id))
    slider = page.get_by_label("Show the case as it was at version")
    slider.focus()
    for key, version in (("Home", 1), ("ArrowRight", 2), ("ArrowRight", 3), ("End", 4)):
        page.keyboard.press(key)
        expect(page.locator("#case-state")).to_have_attribute("data-version", str(version))
        api_state = coordinator.case(case_id, version=version)
        shown = shown_state(page)
        assert {name: shown[name] for name in SHOWN_FIELDS} == expected_state(api_state)
        assert [shown[due] for due in DUE] == [figure(api_state[due]) for due in DUE]


def test_a_representative_sees_no_coordinator_forms(page: Page, browser: Browser, offline: Offline,
                                                    demo: DemoServer, coordinator: Api) -> None:
    case_id, representative = triaged_and_assigned(coordinator)
    coordinator.run(case_id, "escalate", reason="A coordinator's decision is needed.")
    context = open_context(browser, offline)
    as_representative = context.new_page()
    sign_in(as_representative, demo, role="representative", region="north", subject=representative)
    as_representative.goto(f"{demo.base}/case/{case_id}")
    assert {"add-note", "log-contact"} <= forms_on(as_representative)
    assert not forms_on(as_representative) & {"de-escalate", "resolve", "close"}
    context.close()
    page.goto(f"{demo.base}/case/{case_id}")  # the coordinator holding the escalation has them
    assert {"de-escalate", "resolve"} <= forms_on(page)


def forms_on(page: Page) -> set[str | None]:
    return {node.get_attribute("data-form") for node in page.locator("[data-form]").all()}


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def sized_page(request: pytest.FixtureRequest, browser: Browser, offline: Offline,
               signed_in_coordinator: dict[str, Any]) -> Iterator[Page]:
    context = open_context(browser, offline, width=WIDTHS[request.param], bypass_csp=True,  # axe is injected
                           storage_state=signed_in_coordinator)
    yield context.new_page()
    context.close()


def test_the_queue_and_the_case_page_have_no_serious_accessibility_violation(
        sized_page: Page, demo: DemoServer, coordinator: Api) -> None:
    case_id, _ = triaged_and_assigned(coordinator)
    coordinator.run(case_id, "schedule-action", action_id="visit-1", kind="repair_visit",
                    due_at="2030-01-01T09:00:00+00:00", details="Replace the meter.")
    for path in ("/queue", f"/case/{case_id}"):
        sized_page.goto(f"{demo.base}{path}")
        sized_page.eval_on_selector_all("details", "nodes => nodes.forEach(node => { node.open = true; })")
        sized_page.add_script_tag(path=AXE)
        assert sized_page.evaluate(SERIOUS) == [], path


def within(page: Page, selector: str) -> list[str]:
    """The nodes matching `selector` that are not wholly inside the viewport's width (each by its text)."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    outside = []
    for node in page.locator(selector).all():
        box = node.bounding_box()
        if box is None or box["x"] < 0 or box["x"] + box["width"] > width:
            outside.append(f"{node.inner_text()!r} at {box}")
    return outside


def test_at_a_phones_width_the_queues_flags_and_a_cases_clocks_are_on_screen(
        browser: Browser, offline: Offline, demo: DemoServer, signed_in_coordinator: dict[str, Any]) -> None:
    context = open_context(browser, offline, width=WIDTHS["phone"], storage_state=signed_in_coordinator)
    page = context.new_page()
    page.goto(f"{demo.base}/queue")
    breached = page.locator("tr[data-case]:has(.tag.breached)").first
    expect(breached).to_be_visible()
    row = f'tr[data-case="{breached.get_attribute("data-case")}"]'
    assert within(page, f"{row} .tag") == []
    assert within(page, f'{row} [data-column="assignee"], {row} [data-column="due"], {row} a') == []
    breached.locator("a").click()
    page.wait_for_url("**/case/*")
    assert page.locator("tr[data-clock]").count() > 0
    assert within(page, "tr[data-clock] th, tr[data-clock] td") == []
    context.close()


def test_a_manager_chooses_the_queues_region_and_gets_no_forms(browser: Browser, offline: Offline,
                                                               demo: DemoServer) -> None:
    south = Api(demo, Role.COORDINATOR, "south", "coord-south")
    case_id = south.open_case("south")
    context = open_context(browser, offline)
    page = context.new_page()
    sign_in(page, demo, role="manager", region=None, subject="manager-1")
    page.goto(f"{demo.base}/queue")
    page.get_by_label("Region").select_option("south")
    page.get_by_label("Sort by").select_option("age")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/queue?*region=south*")
    regions = page.locator("tr[data-case] td:nth-child(6)").all_inner_texts()
    assert regions and set(regions) == {"south"}
    page.goto(f"{demo.base}/case/{case_id}")
    expect(page.locator("h1")).to_contain_text("Web test case")
    assert forms_on(page) == set()
    expect(page.get_by_text("Your role reads cases; it sends them no commands.")).to_be_visible()
    context.close()
