"""Signing in and out: the sign-in page, a bearer token pasted into its form, a one-time link, sign-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from adapters.sign_in_codes import SignInCodes
from api.auth import InvalidToken, Principal, read_token
from api.deps import AppDep, Engine, require_staff
from api.web import csrf
from api.web.render import HEADERS, PageRoute, page
from api.web.session import clear_session, read_session, start_session
from domain.errors import NotOnStaff
from domain.values import Role

__all__ = ["home_of", "router", "sign_in_codes"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PEOPLE = (Role.REPRESENTATIVE, Role.COORDINATOR, Role.MANAGER, Role.AUDITOR, Role.ADMIN)
"""Who signs in to the pages: every role but the integrator's, whose tokens are for programs."""
SPENT_LINK = ("this sign-in link was already used, has expired, or was never issued: ask for a new one "
              "(`caseledger token link`), or sign in with a token")


def home_of(principal: Principal) -> str:
    """A representative's or coordinator's home is their region's dashboard; the others pick a region."""
    return f"/dashboard/{principal.region}" if principal.regional else "/dashboard"


def sign_in_codes(request: Request, engine: Engine) -> SignInCodes:
    """The store of one-time codes, on the engine's read-model store (made once per app)."""
    codes: SignInCodes | None = getattr(request.app.state, "sign_in_codes", None)
    if codes is None or codes.store is not engine.runner.store:
        codes = request.app.state.sign_in_codes = SignInCodes(engine.runner.store)
    return codes


def _sign_in_page(request: Request, status: int = 200, error: str | None = None) -> Response:
    secret = csrf.pre_session_secret(request)
    answer = page(request, "sign_in.html", status, csrf=secret, error=error)
    csrf.remember(request, answer, secret)
    return answer


def _check_person(engine: Engine, principal: Principal) -> None:
    """Only people sign in, and a regional one only while on their region's staff."""
    if principal.role not in PEOPLE:
        raise InvalidToken(f"an {principal.role} token is for programs calling the API; the pages take a token of a "
                           f"{', '.join(PEOPLE[:-1])} or {PEOPLE[-1]}")
    if principal.regional:
        require_staff(engine.ledger, principal, reading=True)


@router.get("/")
def home(request: Request, engine: AppDep) -> Response:
    """Signed in: to the person's home page; otherwise the sign-in page."""
    session = read_session(request, engine.secret)
    if session is not None:
        return RedirectResponse(home_of(session.principal), status_code=303)
    return _sign_in_page(request)


@router.post("/sign-in")
def sign_in_with_token(request: Request, engine: AppDep, token: Annotated[str, Form(max_length=4096)] = "",
                       csrf_secret: Annotated[str, Form(alias="csrf", max_length=64)] = "") -> Response:
    """A bearer token from the form becomes a session lasting no longer than the token."""
    csrf.check_post(request, request.cookies.get(csrf.PRE_SESSION_COOKIE), csrf_secret)
    try:
        principal = read_token(engine.secret, token.strip())
        _check_person(engine, principal)
    except (InvalidToken, NotOnStaff) as error:
        return _sign_in_page(request, 401 if isinstance(error, InvalidToken) else 403, str(error))
    expires = datetime.fromtimestamp(jwt.decode(token.strip(), engine.secret, algorithms=["HS256"])["exp"], UTC)
    response = RedirectResponse(home_of(principal), status_code=303)
    start_session(response, request, engine.secret, principal, expires)
    return response


@router.get("/sign-in/{code}")
async def sign_in_with_link(code: str, request: Request, engine: AppDep) -> Response:
    """A one-time code (from `caseledger token link`) becomes a session; the code is spent. The answer is a
    page that moves on to the person's home by itself (a same-site step, so the new SameSite=Strict cookie
    goes with it even when the link was opened from another site)."""
    grant = await run_in_threadpool(sign_in_codes(request, engine).redeem, code[:64], datetime.now(UTC))
    if grant is None:
        return _sign_in_page(request, 410, SPENT_LINK)
    try:
        principal = Principal(subject=grant.subject, role=grant.role, region=grant.region)
        await run_in_threadpool(_check_person, engine, principal)
    except ValidationError:
        return _sign_in_page(request, 410, SPENT_LINK)
    except (InvalidToken, NotOnStaff) as error:
        return _sign_in_page(request, 403, str(error))
    expires = datetime.now(UTC) + timedelta(hours=engine.settings.token_ttl_hours)
    response = page(request, "signed_in.html", home=home_of(principal), principal=principal)
    start_session(response, request, engine.secret, principal, expires)
    return response


@router.post("/sign-out")
def sign_out(request: Request, engine: AppDep,
             csrf_secret: Annotated[str, Form(alias="csrf", max_length=64)] = "") -> Response:
    """The session cookie is cleared; back to the sign-in page."""
    session = read_session(request, engine.secret)
    if session is not None:
        csrf.check_post(request, session.csrf, csrf_secret)
    response = RedirectResponse("/", status_code=303)
    response.headers.update(HEADERS)
    clear_session(response, request)
    return response
