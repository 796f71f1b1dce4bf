"""What the pages refuse, read over plain HTTP as a browser would send it (no browser needed to see a status and
its words): a form that does not carry the version it showed, a form from another site, the case page's banner
and back link from its address, the live stream's checks (the dashboard's), and the errors made before a page's
route runs, which a browser gets as pages while the API's paths keep their JSON problems."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from domain.values import Role
from tests.browser.conftest import DemoServer
from tests.browser.people import ADMIN, NORTH, Person, cookies, states
from tests.e2e.conftest import headers

__all__ = ["states"]  # the fixture, imported for pytest to find

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
NO_VERSION = "the form did not say which version of the case it changes: reload the case"


@pytest.fixture(scope="module")
def api(demo: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=demo.base, headers=headers(Role.COORDINATOR, "north", "coord-north"),
                      timeout=30) as client:
        yield client


def signed_in(demo: DemoServer, state: dict[str, Any]) -> httpx.Client:
    return httpx.Client(base_url=demo.base, timeout=30, cookies=cookies(state), headers=HTML)


@pytest.fixture
def north(demo: DemoServer, states: Callable[[Person], dict[str, Any]]) -> Iterator[httpx.Client]:
    """The north coordinator's browser session, as an HTTP client sending what a browser's page request sends."""
    with signed_in(demo, states(NORTH)) as client:
        yield client


@pytest.fixture
def admin(demo: DemoServer, states: Callable[[Person], dict[str, Any]]) -> Iterator[httpx.Client]:
    with signed_in(demo, states(ADMIN)) as client:
        yield client


def new_case(api: httpx.Client) -> dict[str, Any]:
    opened = api.post("/cases", json={"region": "north", "channel": "phone", "customer_ref": "page-refusals",
                                      "subject": "Refusals test case", "description": "Opened by a test."})
    opened.raise_for_status()
    accepted: dict[str, Any] = opened.json()
    return accepted


def form_secret(client: httpx.Client, case_id: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/case/{case_id}").text)
    assert found, "the case page carries no form secret"
    return found.group(1)


def error_words(answer: httpx.Response) -> str:
    """The error page's refusal, as the person reads it."""
    assert answer.headers["content-type"].startswith("text/html"), answer.text[:200]
    found = re.search(r'<p class="error" data-status="(\d+)">([^<]*)</p>', answer.text)
    assert found, answer.text[:500]
    assert int(found.group(1)) == answer.status_code
    return found.group(2).replace("&#39;", "'").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


@pytest.mark.parametrize("sent", [{}, {"version": ""}, {"version": "  "}], ids=["missing", "empty", "blank"])
def test_a_form_without_the_version_it_showed_is_refused_and_records_nothing(
        north: httpx.Client, api: httpx.Client, sent: dict[str, str]) -> None:
    case = new_case(api)
    answer = north.post(f"/case/{case['id']}/add-note",
                        data={"csrf": form_secret(north, case["id"]), "text": "A note without a version", **sent})
    assert answer.status_code == 428
    assert NO_VERSION in answer.text and 'role="alert"' in answer.text
    assert "A note without a version" in answer.text  # what was typed is kept
    assert api.get(f"/cases/{case['id']}").json()["version"] == case["version"]


@pytest.mark.parametrize("sent", [{"Origin": "http://evil.example"}, {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
                                  {"Sec-Fetch-Site": "cross-site"}], ids=["origin", "null-origin", "fetch-site"])
def test_a_form_from_another_site_is_refused_though_it_carries_the_secret(
        north: httpx.Client, api: httpx.Client, demo: DemoServer, sent: dict[str, str]) -> None:
    case = new_case(api)
    answer = north.post(f"/case/{case['id']}/add-note", headers=sent, data={
        "csrf": form_secret(north, case["id"]), "version": str(case["version"]), "text": "From elsewhere"})
    assert answer.status_code == 403
    assert "sent from another site's page" in error_words(answer)
    assert api.get(f"/cases/{case['id']}").json()["version"] == case["version"]
    same_site = north.post(f"/case/{case['id']}/add-note",
                           headers={"Origin": demo.base, "Sec-Fetch-Site": "same-origin"},
                           data={"csrf": form_secret(north, case["id"]), "version": str(case["version"]),
                                 "text": "From this site"})
    assert same_site.status_code == 303


def test_signing_in_from_another_site_is_refused(demo: DemoServer) -> None:
    with httpx.Client(base_url=demo.base, timeout=30, headers=HTML) as browser:
        secret = re.search(r'name="csrf" value="([^"]+)"', browser.get("/").text)
        assert secret
        answer = browser.post("/sign-in", headers={"Origin": "http://evil.example"},
                              data={"csrf": secret.group(1), "token": "whatever"})
    assert answer.status_code == 403 and "sent from another site's page" in error_words(answer)


def test_the_case_page_believes_its_address_only_for_what_it_knows(north: httpx.Client, api: httpx.Client) -> None:
    case = new_case(api)
    made_up = north.get(f"/case/{case['id']}", params={"done": "anything", "position": 99_999_999})
    assert made_up.status_code == 200
    assert 'class="notice"' not in made_up.text
    assert 'href="/queue">Back to the case queue' in made_up.text  # no position past the log's head
    done = north.get(f"/case/{case['id']}", params={"done": "add-note", "position": case["position"]})
    assert "Add a note: done." in done.text
    assert f'href="/queue?min_position={case["position"]}">' in done.text


def test_the_live_stream_checks_what_the_dashboard_checks(admin: httpx.Client, api: httpx.Client) -> None:
    unknown = admin.get("/live/nowhere")
    assert unknown.status_code == 404 and admin.get("/dashboard/nowhere").status_code == 404
    assert "nowhere" in error_words(unknown)
    head = new_case(api)["position"]
    beyond = admin.get("/live/north", params={"after": head + 1_000_000})
    assert beyond.status_code == 422 and "beyond the log's head" in error_words(beyond)
    assert admin.get("/live/north", params={"after": "x"}).status_code == 422
    for after in ("", str(head)):  # empty is absent, as on the other pages
        with admin.stream("GET", "/live/north", params={"after": after}) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")


@pytest.mark.parametrize(("path", "status", "words"), [
    ("/queue?region=%00", 422, "a query parameter contains a NUL character"),
    ("/dashboard/north?as_of=%00", 422, "a query parameter contains a NUL character"),
    ("/auditor?record_id=%00", 422, "a query parameter contains a NUL character"),
    ("/nonexistent", 404, "there is no page at /nonexistent"),
])
def test_errors_before_a_pages_route_are_pages_for_a_browser(
        north: httpx.Client, path: str, status: int, words: str) -> None:
    answer = north.get(path)
    assert answer.status_code == status
    assert words in error_words(answer)


def test_a_sign_in_too_large_is_a_page_for_a_browser(demo: DemoServer) -> None:
    with httpx.Client(base_url=demo.base, timeout=30, headers=HTML) as browser:
        answer = browser.post("/sign-in", data={"csrf": "x", "token": "t" * 100_000})
    assert answer.status_code == 413 and "request bodies are limited to" in error_words(answer)


@pytest.mark.parametrize("path", ["/cases?region=%00", "/cases/not-a-path/at-all", "/regions/north/nothing"])
def test_the_apis_paths_keep_their_json_problems_even_for_a_browser(north: httpx.Client, path: str) -> None:
    answer = north.get(path)
    assert answer.status_code >= 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == answer.status_code
