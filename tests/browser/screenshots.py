"""`make screenshots`: PNGs of the main pages, from a demo store, into docs/screenshots/ (the README shows one).

Seeds `caseledger demo --cases 60` into a temporary directory (or uses `--data-dir`, a store of your own),
serves it on a free loopback port, and photographs the pages with the browser tests' own setup: Debian's
chromium driven by Playwright, every request kept on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from tests.browser.conftest import DemoServer, Offline, open_context, seed_demo
from tests.components import chromium, missing
from tests.e2e.conftest import SECRET, start_server, stop_server

DOCS = Path(__file__).parents[2] / "docs" / "screenshots"


def photograph(demo: DemoServer, into: Path) -> list[Path]:
    """The sign-in page, the north coordinator's dashboard at a desktop's and a phone's width, then the case pages."""
    into.mkdir(parents=True, exist_ok=True)
    shots = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        offline = Offline()
        for name, width in (("sign-in", 1280), ("dashboard", 1280), ("dashboard-phone", 390)):
            context = open_context(browser, offline, width=width)
            page = context.new_page()
            if name == "sign-in":
                page.goto(demo.base)
            else:
                page.goto(demo.link())
                page.wait_for_url("**/dashboard/north")
                page.wait_for_function("() => Object.keys(Chart.instances).length > 0")
            shots.append(into / f"{name}.png")
            page.screenshot(path=shots[-1], full_page=True)
            context.close()
        shots += photograph_cases(browser, offline, demo, into)
        shots += photograph_network_and_loop(browser, offline, demo, into)
        browser.close()
    if offline.outside:
        raise SystemExit(f"the pages sent requests off this machine: {offline.outside}")
    return shots


def photograph_cases(browser: Browser, offline: Offline, demo: DemoServer, into: Path) -> list[Path]:
    """The north coordinator's case queue, and the page of its first escalated case (the top of its timeline)."""
    context = open_context(browser, offline, width=1280)
    page = context.new_page()
    page.goto(demo.link())
    page.wait_for_url("**/dashboard/north")
    page.goto(f"{demo.base}/queue")
    shots = [into / "queue.png", into / "case.png"]
    page.screenshot(path=shots[0], full_page=True)
    page.goto(f"{demo.base}/queue?status=escalated")
    page.locator("tr[data-case] a").first.click()
    page.wait_for_url("**/case/**")
    page.screenshot(path=shots[1], full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 2000})
    context.close()
    return shots


def photograph_network_and_loop(browser: Browser, offline: Offline, demo: DemoServer, into: Path) -> list[Path]:
    """The pipeline board, the contract register (a manager's, two years ahead), the common problems, the measured
    proposal, and an auditor's trail of a closed case."""
    shots = []
    for person, pages in ((("coordinator", "north", "coord-north"), (
            ("pipeline", "/network/providers"), ("common-problems", "/loop/problems"), ("proposal", None))),
            (("manager", None, "manager-1"), (("contracts", "/network/contracts?expiring_within_days=730"),)),
            (("auditor", None, "auditor"), (("audit", None),))):
        context = open_context(browser, offline, width=1280)
        page = context.new_page()
        role, region, subject = person
        page.goto(demo.link(role=role, region=region, subject=subject))
        page.wait_for_url("**/dashboard**")
        for name, path in pages:
            if name == "proposal":
                page.goto(f"{demo.base}/loop/proposals")
                page.locator("[data-proposal] a").first.click()
                page.wait_for_url("**/loop/proposals/**")
            elif name == "audit":
                page.goto(f"{demo.base}/queue?status=closed")
                case = page.locator("tr[data-case]").first.get_attribute("data-case")
                page.goto(f"{demo.base}/auditor?record_id={case}")
            else:
                page.goto(f"{demo.base}{path}")
            if page.locator("canvas[data-chart]").count():
                page.wait_for_function("() => Object.keys(Chart.instances).length > 0")
            shots.append(into / f"{name}.png")
            page.screenshot(path=shots[-1], full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 1600})
        context.close()
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="photograph this store (copied first) instead of a new demo")
    parser.add_argument("--into", type=Path, default=DOCS)
    args = parser.parse_args()
    if reason := missing("browser"):
        sys.exit(reason)
    with tempfile.TemporaryDirectory() as temporary:
        data_dir = Path(temporary) / "store"
        env = {**os.environ, "CASELEDGER_DATA_DIR": str(data_dir), "CASELEDGER_TOKEN_SECRET": SECRET}
        env.pop("CASELEDGER_DATABASE_URL", None)
        if args.data_dir:
            shutil.copytree(args.data_dir, data_dir)
        else:
            data_dir.mkdir()
            seed_demo(data_dir, env)
        process, base = start_server(env, Path(temporary) / "server.log")
        try:
            for shot in photograph(DemoServer(base, env), args.into):
                print(shot)
        finally:
            stop_server(process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
