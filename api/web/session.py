"""A signed-in browser: a session cookie carrying the token's principal, its expiry and a CSRF secret.

The cookie is a JWT signed with the server's token secret, with its own audience, so a session cookie is no
bearer token and a bearer token is no session. It is HttpOnly, SameSite=Strict, Secure when the page came
over https, and never outlives the token (or the one-time code's grant) it was made from. The principal is
checked against the region's staff on every page, as the API checks a token.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated

import jwt
from fastapi import Depends, Request, Response
from pydantic import BaseModel, ConfigDict, ValidationError

from api.auth import Principal
from api.deps import Engine, get_engine, require_staff

__all__ = ["COOKIE", "NotSignedIn", "Session", "SignedIn", "clear_session", "read_session", "start_session"]

COOKIE = "caseledger_session"
AUDIENCE = "caseledger-web"


class NotSignedIn(Exception):
    """No session, or one that expired or was not signed by this server: the page sends the browser to sign in."""


class Session(BaseModel):
    """Who is signed in, until when, and the secret their forms must echo (CSRF)."""

    model_config = ConfigDict(frozen=True)

    principal: Principal
    expires: datetime
    csrf: str


def start_session(response: Response, request: Request, secret: str, principal: Principal,
                  expires: datetime) -> Session:
    """Set the session cookie on `response`; a fresh CSRF secret comes with every sign-in."""
    session = Session(principal=principal, expires=expires, csrf=secrets.token_urlsafe(24))
    claims = {"sub": principal.subject, "role": principal.role.value, "region": principal.region,
              "csrf": session.csrf, "aud": AUDIENCE, "exp": expires, "iat": datetime.now(UTC)}
    response.set_cookie(COOKIE, jwt.encode(claims, secret, algorithm="HS256"), expires=expires, path="/",
                        secure=request.url.scheme == "https", httponly=True, samesite="strict")
    return session


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", secure=request.url.scheme == "https", httponly=True, samesite="strict")


def read_session(request: Request, secret: str) -> Session | None:
    """The request's session, or None when there is none or it is not valid (expired, forged, a token)."""
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    try:
        claims = jwt.decode(cookie, secret, algorithms=["HS256"], audience=AUDIENCE,
                            options={"require": ["sub", "role", "exp", "csrf", "aud"]})
        principal = Principal(subject=claims["sub"], role=claims["role"], region=claims.get("region"))
        return Session(principal=principal, expires=datetime.fromtimestamp(claims["exp"], UTC), csrf=claims["csrf"])
    except (jwt.InvalidTokenError, ValidationError, KeyError, TypeError):
        return None


def signed_in(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Session:
    """The page's session; a regional principal must still be on their region's staff (NotOnStaff: 403 page)."""
    session = read_session(request, engine.secret)
    if session is None:
        raise NotSignedIn
    if session.principal.regional:
        require_staff(engine.ledger, session.principal, reading=True)
    return session


SignedIn = Annotated[Session, Depends(signed_in)]
