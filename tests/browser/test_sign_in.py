"""Signing in and out in a real browser: a one-time link, a pasted token, and the refusals."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from api.auth import Principal, issue_token
from domain.values import Role
from tests.browser.conftest import DemoServer
from tests.e2e.conftest import SECRET


def test_a_one_time_link_signs_in_once_and_signing_out_ends_the_session(page: Page, demo: DemoServer) -> None:
    link = demo.link()
    # the link lands on the north coordinator's dashboard
    page.goto(link)
    page.wait_for_url(f"{demo.base}/dashboard/north")
    expect(page.get_by_role("heading", level=1)).to_contain_text("north")
    # signing out returns to the sign-in page, and the dashboard asks to sign in again
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{demo.base}/")
    expect(page.get_by_label("Token")).to_be_visible()
    page.goto(f"{demo.base}/dashboard/north")
    expect(page).to_have_url(f"{demo.base}/")
    # the link was spent
    response = page.goto(link)
    assert response is not None and response.status == 410
    expect(page.get_by_role("alert")).to_contain_text("already used")


def test_a_pasted_token_signs_in_and_a_forged_one_is_refused_in_words(page: Page, demo: DemoServer) -> None:
    page.goto(demo.base)
    page.get_by_label("Token").fill("not.a.token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not one this server issued")
    token = issue_token(SECRET, Principal(subject="admin", role=Role.ADMIN), timedelta(hours=1))
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo.base}/dashboard")
    page.get_by_role("link", name="North").click()
    page.wait_for_url(f"{demo.base}/dashboard/north")


def test_a_form_sent_without_its_pages_secret_is_refused(page: Page, demo: DemoServer) -> None:
    page.goto(demo.base)
    response = page.request.post(f"{demo.base}/sign-in", form={"token": "x", "csrf": "forged"})
    assert response.status == 403 and "not sent from this site" in response.text()


def test_a_north_coordinator_typing_a_south_address_gets_a_refusal_naming_nothing_of_it(
        page: Page, demo: DemoServer) -> None:
    page.goto(demo.link())
    page.wait_for_url("**/dashboard/north")
    response = page.goto(f"{demo.base}/dashboard/south")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Forbidden")
    assert "south" not in page.content().lower()
