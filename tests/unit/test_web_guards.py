"""A page's POST must come from this site (its Origin, its Sec-Fetch-Site), and the pages' paths are never the
API's (so a browser's refusal there is a page, the API's a problem document)."""

from __future__ import annotations

import pytest
from fastapi import Request

from api.app import create_app
from api.settings import Settings
from api.web import audit, cases, csrf, dashboard, live, loop, network, sign_in
from api.web.error_pages import api_segments, is_page_request
from api.web.render import PageRoute

HOST = "127.0.0.1:8000"


def post(**sent: str) -> Request:
    headers = [(b"host", HOST.encode())] + [(name.replace("_", "-").encode(), value.encode())
                                             for name, value in sent.items()]
    return Request({"type": "http", "method": "POST", "path": "/sign-in", "scheme": "http", "query_string": b"",
                    "headers": headers, "server": ("127.0.0.1", 8000)})


@pytest.mark.parametrize("sent", [{}, {"origin": f"http://{HOST}"}, {"origin": f"https://{HOST}"},
                                  {"sec_fetch_site": "same-origin"}, {"sec_fetch_site": "none"},
                                  {"origin": f"http://{HOST}", "sec_fetch_site": "same-site"},
                                  {"origin": "null", "sec_fetch_site": "same-origin"}, {"origin": "null"}])
def test_a_post_from_this_site_or_saying_nothing_passes(sent: dict[str, str]) -> None:
    csrf.check_origin(post(**sent))


@pytest.mark.parametrize("sent", [{"origin": "http://evil.example"}, {"origin": "null", "sec_fetch_site": "cross-site"},
                                  {"origin": "http://127.0.0.1:8001"}, {"origin": f"ftp://{HOST}"},
                                  {"sec_fetch_site": "cross-site"},
                                  {"origin": f"http://{HOST}", "sec_fetch_site": "cross-site"}])
def test_a_post_its_browser_says_came_from_another_site_is_refused_in_words(sent: dict[str, str]) -> None:
    with pytest.raises(csrf.CrossSiteRefused, match="sent from another site's page"):
        csrf.check_origin(post(**sent))


def test_no_page_path_is_an_api_path() -> None:
    app = create_app(Settings())
    api = api_segments(app)
    pages = {route.path.lstrip("/").split("/", 1)[0] for module in (audit, cases, dashboard, live, loop, network,
                                                                    sign_in)
             for route in module.router.routes if isinstance(route, PageRoute)}
    assert {"cases", "regions", "audit", "openapi.json"} <= api
    assert {"queue", "case", "dashboard", "live", "auditor", "sign-in"} <= pages
    assert not api & pages


@pytest.mark.parametrize(("method", "path", "accept", "page"), [
    ("GET", "/nonexistent", "text/html,*/*", True), ("GET", "/queue", "text/html", True),
    ("POST", "/sign-in", "text/html", True), ("GET", "/nonexistent", "*/*", False),
    ("GET", "/cases", "text/html", False), ("GET", "/cases/x/y", "text/html", False),
    ("HEAD", "/queue", "text/html", False)])
def test_a_page_request_is_a_browsers_on_a_path_not_the_apis(method: str, path: str, accept: str,
                                                             page: bool) -> None:
    scope = {"type": "http", "method": method, "path": path, "headers": [(b"accept", accept.encode())]}
    assert is_page_request(scope, frozenset({"cases", "regions"})) is page
