"""Signed-in people for the browser tests of the live, network, loop and audit pages: each signs in once per run
(a one-time link costs a CLI process) and every test opens a fresh browser context with that session's cookie."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.conftest import DemoServer, Offline, open_context, sign_in

__all__ = ["ADMIN", "AUDITOR", "MANAGER", "NORTH", "REPRESENTATIVE", "Opener", "Person", "cookies", "open_as", "states"]

Opener = Callable[..., Page]
"""What `open_as` gives a test: `open_as(person, width=1280, **context_options)` -> a signed-in page."""
Person = tuple[str, str | None, str]
"""(role, region, subject), as `caseledger token link` takes them."""
NORTH: Person = ("coordinator", "north", "coord-north")
REPRESENTATIVE: Person = ("representative", "north", "rep-north-1")
MANAGER: Person = ("manager", None, "manager-1")
AUDITOR: Person = ("auditor", None, "auditor")
ADMIN: Person = ("admin", None, "admin")


@pytest.fixture(scope="session")
def states(browser: Browser, demo: DemoServer) -> Callable[[Person], dict[str, Any]]:
    """A person's signed-in browser state (their session cookie), made once per run."""
    made: dict[Person, dict[str, Any]] = {}

    def state(person: Person) -> dict[str, Any]:
        if person not in made:
            context = browser.new_context()
            role, region, subject = person
            sign_in(context.new_page(), demo, role=role, region=region, subject=subject)
            made[person] = dict(context.storage_state())
            context.close()
        return made[person]

    return state


@pytest.fixture
def open_as(browser: Browser, offline: Offline, states: Callable[[Person], dict[str, Any]]
            ) -> Iterator[Opener]:
    """`open_as(person, width=1280, **options)`: a new page in a fresh context, signed in as `person`."""
    contexts: list[BrowserContext] = []

    def opened(person: Person, width: int = 1280, **options: Any) -> Page:
        contexts.append(open_context(browser, offline, width=width, storage_state=states(person), **options))
        return contexts[-1].new_page()

    yield opened
    for context in contexts:
        context.close()


def cookies(state: dict[str, Any]) -> dict[str, str]:
    """A signed-in state's cookies, for an HTTP client."""
    return {cookie["name"]: cookie["value"] for cookie in state["cookies"]}
