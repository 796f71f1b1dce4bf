"""CSRF protection for every form: a POST must echo a secret the attacker's page cannot read.

Signed in, the secret is the session's own (inside the signed session cookie, so it cannot be planted).
Before signing in there is no session: the sign-in form uses a double-submit cookie (HttpOnly,
SameSite=Strict) whose value the form carries too. Both are compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

__all__ = ["PRE_SESSION_COOKIE", "CsrfRefused", "check", "pre_session_secret", "remember"]

PRE_SESSION_COOKIE = "caseledger_csrf"


class CsrfRefused(Exception):
    """A form came without the secret its page carried: sent from another site, or from a stale page."""

    def __init__(self) -> None:
        super().__init__("this form was not sent from this site's own page (or the page is stale): reload the page "
                         "and send it again; the browser must accept cookies from this site")


def pre_session_secret(request: Request) -> str:
    """The sign-in form's secret: the browser's double-submit cookie, or a new one (see `remember`)."""
    secret = request.cookies.get(PRE_SESSION_COOKIE)
    return secret if secret and len(secret) <= 64 else secrets.token_urlsafe(24)


def remember(request: Request, response: Response, secret: str) -> None:
    """Set the double-submit cookie on `response` unless the browser already holds this secret."""
    if request.cookies.get(PRE_SESSION_COOKIE) != secret:
        response.set_cookie(PRE_SESSION_COOKIE, secret, path="/", secure=request.url.scheme == "https",
                            httponly=True, samesite="strict")


def check(expected: str | None, given: str | None) -> None:
    """Refuse unless the form's secret equals the expected one."""
    if not expected or not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise CsrfRefused
