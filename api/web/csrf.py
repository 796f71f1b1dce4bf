"""CSRF protection for every form: a POST must echo a secret the attacker's page cannot read, and must not say
it came from another site.

Signed in, the secret is the session's own (inside the signed session cookie, so it cannot be planted).
Before signing in there is no session: the sign-in form uses a double-submit cookie (HttpOnly,
SameSite=Strict) whose value the form carries too. Both are compared in constant time. Besides (defence in
depth, should a secret leak), a POST whose `Origin` is present and not this server's, or whose
`Sec-Fetch-Site` is `cross-site`, is refused: browsers set both and a page cannot forge them.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response

__all__ = ["PRE_SESSION_COOKIE", "CrossSiteRefused", "CsrfRefused", "check", "check_origin", "check_post",
           "pre_session_secret", "remember"]

PRE_SESSION_COOKIE = "caseledger_csrf"


class CsrfRefused(Exception):
    """A form came without the secret its page carried: sent from another site, or from a stale page."""

    def __init__(self) -> None:
        super().__init__("this form was not sent from this site's own page (or the page is stale): reload the page "
                         "and send it again; the browser must accept cookies from this site")


class CrossSiteRefused(CsrfRefused):
    """A form whose browser says it was sent from another site's page (`Origin`, `Sec-Fetch-Site`)."""

    def __init__(self, origin: str) -> None:
        Exception.__init__(self, f"this form was sent from another site's page ({origin[:80]}), not from this "
                                 "site's own: nothing was done. Open this site's page and send the form from there")


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


def check_origin(request: Request) -> None:
    """Refuse a request its browser says came from another site: an `Origin` that is not this server's (scheme
    aside, as a TLS-terminating proxy may hide it: its host and port, against `Host`), or `Sec-Fetch-Site:
    cross-site`. `Origin: null` says nothing (a browser sends it for our own forms, under our
    `Referrer-Policy: no-referrer`, and any page can choose it); without a telling header (an old browser, a
    script) the secret alone decides."""
    origin = request.headers.get("origin")
    if origin is not None and origin.strip() != "null":
        parts = urlsplit(origin.strip())
        host = request.headers.get("host", "")
        if parts.scheme not in ("http", "https") or not host or parts.netloc.lower() != host.lower():
            raise CrossSiteRefused(origin)
    if request.headers.get("sec-fetch-site", "").strip().lower() == "cross-site":
        raise CrossSiteRefused(origin or "Sec-Fetch-Site: cross-site")


def check_post(request: Request, expected: str | None, given: str | None) -> None:
    """A form's POST: from this site (`check_origin`) and carrying its secret (`check`)."""
    check_origin(request)
    check(expected, given)
