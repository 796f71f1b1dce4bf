"""Refusals answered before a page's route runs, as pages: a browser gets the error page, the API JSON.

The pages' own refusals are pages already (`render.PageRoute`). Some come from elsewhere: the app's
middleware (a NUL in the query, a body over the size limit) and the router (a path that does not exist, a
method a path does not answer) answer with the API's problem documents. `ErrorPages`, the app's outermost
middleware, turns such a problem into the error page, with the problem's words and status, when a browser
asked (`Accept` names `text/html`) on a path that is not the API's. The API's paths keep their JSON problems
whatever the client accepts: a program reading them gets what docs/api.md promises.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import MEDIA_TYPE
from api.web.render import error_page

__all__ = ["ErrorPages", "api_segments", "is_page_request"]

DOCUMENTS = frozenset({"docs", "redoc", "openapi.json"})
"""The API's own documentation paths (FastAPI's), never pages."""


def api_segments(app: Any) -> frozenset[str]:
    """The first path segments of the API's routes (`cases`, `regions`…): those of its OpenAPI document,
    where no page is (the pages are left out of it), and of the document itself."""
    paths: dict[str, Any] = app.openapi()["paths"]
    return frozenset(path.lstrip("/").split("/", 1)[0] for path in paths) | DOCUMENTS


def is_page_request(scope: Scope, segments: frozenset[str]) -> bool:
    """A browser's request for a page: it accepts HTML, and its path is no API path (a page's, or none)."""
    if scope["type"] != "http" or scope["method"] == "HEAD":
        return False
    accept = b",".join(value for name, value in scope["headers"] if name == b"accept").decode("latin-1")
    first = str(scope["path"]).lstrip("/").split("/", 1)[0]
    return "text/html" in accept.lower() and first not in segments


class ErrorPages:
    """Outermost middleware: a problem document answered to a browser's page request becomes the error page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.segments: frozenset[str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.segments is None:
            self.segments = api_segments(scope["app"])
        if not is_page_request(scope, self.segments):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = bytearray()

        async def answer(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if headers.get(b"content-type", b"").split(b";")[0].strip() != MEDIA_TYPE.encode():
                    await send(message)
                    return
                start = message  # a problem: held until its body is read
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                await _as_page(scope, start, bytes(body), receive, send)

        await self.app(scope, receive, answer)


async def _as_page(scope: Scope, start: Message, body: bytes, receive: Receive, send: Send) -> None:
    """Send the error page for a problem document: its status and its `detail`, word for word (the router's
    bare "Not Found" for a path with no page said as such)."""
    status = int(start["status"])
    try:
        problem: Any = json.loads(body)
        detail = str(problem["detail"]) if isinstance(problem, dict) and "detail" in problem else ""
    except ValueError:
        detail = ""
    if status == 404 and detail == "Not Found":
        detail = f"there is no page at {str(scope['path'])[:200]}: check the address, or start from your home page"
    await error_page(Request(scope), status, detail or f"the request was refused ({status})")(scope, receive, send)
