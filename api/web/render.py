"""Pages from templates, and refusals as pages: the API's rules raise the same errors here, answered in HTML.

`PageRoute` is the route class of every page router: a refusal (a problem, a domain error, a bad query)
becomes an error page with the refusal's own words and status; no session sends the browser to sign in.
Every page carries a strict Content-Security-Policy: scripts and styles only from this server.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from api.auth import InvalidToken
from api.problems import TITLES, Problem, _domain_status
from api.web.csrf import CsrfRefused
from api.web.session import NotSignedIn, Session
from domain.errors import DomainError

__all__ = ["NO_FIGURE", "PageRoute", "error_page", "figure", "page", "templates"]

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
NO_FIGURE = "—"
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def figure(value: object) -> str:
    """A number as the page shows it, exactly as the API's JSON has it; no value as a dash."""
    return NO_FIGURE if value is None else str(value)


templates.env.filters["figure"] = figure


def page(request: Request, template: str, status: int = 200, session: Session | None = None,
         **context: Any) -> Response:
    """A template rendered with the signed-in session (for the header) and the security headers."""
    response = templates.TemplateResponse(request, template, {"session": session, **context}, status_code=status)
    response.headers.update(HEADERS)
    return response


def error_page(request: Request, status: int, message: str) -> Response:
    return page(request, "error.html", status, code=status, title=TITLES.get(status, "Refused"), message=message)


def _refusal(error: Exception) -> tuple[int, str] | None:
    if isinstance(error, Problem):
        return error.status, error.detail
    if isinstance(error, DomainError):
        return _domain_status(error), error.message
    if isinstance(error, InvalidToken):
        return 401, str(error)
    if isinstance(error, CsrfRefused):
        return 403, str(error)
    if isinstance(error, RequestValidationError):
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid"}
        return 422, f"{'.'.join(str(part) for part in first['loc'][1:]) or 'the request'}: {first['msg']}"
    return None


class PageRoute(APIRoute):
    """A page: refusals answered as error pages, a missing session as a redirect to the sign-in page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except NotSignedIn:
                return RedirectResponse("/", status_code=303)
            except (Problem, DomainError, InvalidToken, CsrfRefused, RequestValidationError) as error:
                status, message = _refusal(error) or (500, "internal error")
                return error_page(request, status, message)

        return answer
