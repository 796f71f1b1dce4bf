"""The web pages: server-rendered Jinja2 templates with htmx, on the same application code as the API.

`session` signs a browser in (a cookie carrying the principal), `csrf` guards every form, `render` turns a
template or a refusal into a page, and one module per page group holds its routes (`sign_in`, `dashboard`).
`error_pages.ErrorPages`, added by the app as its outermost middleware, answers a browser the refusals made
before a page's route runs (an unknown path, a NUL in the query, a body too large) as pages too.
Static files (stylesheet, page scripts and the vendored htmx and Chart.js) are served from `static/`. The
routes are kept out of the OpenAPI document: they are pages, not part of the API's contract.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web import audit, cases, dashboard, live, loop, network, sign_in
from api.web.error_pages import ErrorPages

__all__ = ["STATIC", "ErrorPages", "mount"]

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI) -> None:
    """Add the pages and their static files to the app."""
    app.include_router(sign_in.router)
    app.include_router(dashboard.router)
    app.include_router(cases.router)  # issue 17: the case queue and the case page
    app.include_router(live.router)  # issue 17: live updates (Server-Sent Events)
    app.include_router(network.router)  # issue 17: the pipeline board and the contract register
    app.include_router(loop.router)  # issue 17: the coordinators' loop
    app.include_router(audit.router)  # issue 17: the auditor's page
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
