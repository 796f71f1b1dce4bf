"""A real `caseledger serve` on a demo store, and Debian's chromium driven by Playwright, offline.

Every page is opened in a context that lets requests reach 127.0.0.1 only: anything else (a CDN, a font
service) is aborted and recorded, and a test that caused one fails.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

from tests.components import chromium, require
from tests.e2e.conftest import CASELEDGER, SECRET, start_server, stop_server

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DEMO_CASES = "60"
WIDTHS = {"desktop": 1280, "phone": 390}


@dataclass
class DemoServer:
    """The served demo: its base URL and the environment its CLI commands need (same store, same secret)."""

    base: str
    env: dict[str, str]

    def link(self, role: str = "coordinator", region: str | None = "north", subject: str = "coord-north") -> str:
        """A one-time sign-in link from `caseledger token link`, as a person would be given one."""
        port = urlsplit(self.base).port
        args = [CASELEDGER, "token", "link", "--role", role, "--subject", subject, "--port", str(port)]
        args += ["--region", region] if region else []
        return subprocess.run(args, env=self.env, check=True, capture_output=True, text=True).stdout.strip()


def seed_demo(data_dir: Path, env: dict[str, str]) -> None:
    result = subprocess.run([CASELEDGER, "demo", "--cases", DEMO_CASES], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"`caseledger demo --cases {DEMO_CASES}` failed: {result.stdout[-500:]}{result.stderr[-500:]}")


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """`caseledger demo --cases 60` into a fresh data directory, then `caseledger serve` on it."""
    require("browser")
    data_dir = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "CASELEDGER_DATA_DIR": str(data_dir), "CASELEDGER_TOKEN_SECRET": SECRET}
    env.pop("CASELEDGER_DATABASE_URL", None)
    seed_demo(data_dir, env)
    process, base = start_server(env, tmp_path_factory.mktemp("logs") / "server.log")
    yield DemoServer(base, env)
    stop_server(process)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    require("browser")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
    yield launched
    launched.close()


@dataclass
class Offline:
    """Requests a page tried to send anywhere but this machine's loopback address."""

    outside: list[str] = field(default_factory=list)
    inside: list[str] = field(default_factory=list)

    def __call__(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("data", "blob") or urlsplit(url).hostname == "127.0.0.1":
            self.inside.append(url)
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


def open_context(browser: Browser, offline: Offline, width: int = 1280, **options: Any) -> BrowserContext:
    context = browser.new_context(viewport={"width": width, "height": 900}, **options)
    context.set_default_timeout(15_000)
    context.route("**/*", offline)
    return context


@pytest.fixture
def offline() -> Iterator[Offline]:
    watch = Offline()
    yield watch
    assert not watch.outside, f"the page sent requests off this machine: {watch.outside}"


@pytest.fixture
def page(browser: Browser, offline: Offline) -> Iterator[Page]:
    context = open_context(browser, offline)
    yield context.new_page()
    context.close()


def sign_in(page: Page, demo: DemoServer, **who: str | None) -> None:
    """Open a fresh one-time link and land on the person's home page."""
    page.goto(demo.link(**who))  # type: ignore[arg-type]
    page.wait_for_url("**/dashboard**")
