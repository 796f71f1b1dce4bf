"""`caseledger serve`, `caseledger token issue` and `caseledger token link`: the HTTP API and web pages, their
bearer tokens, and one-time sign-in links for the pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError

from adapters.schema import check_schema
from adapters.sign_in_codes import Grant, SignInCodes
from adapters.view_store import open_view_store
from api.app import create_app
from api.auth import ISSUABLE, Principal, issue_token, token_secret
from api.console import CliError, out
from api.settings import Settings, get_settings
from domain.values import Role

__all__ = ["run_server", "sign_in_link", "token_app"]

token_app = typer.Typer(no_args_is_help=True, help="API tokens.")


def _token(settings: Settings, role: Role, region: str | None, subject: str, hours: float | None = None) -> str:
    try:
        principal = Principal(subject=subject, role=role, region=region)
        return issue_token(token_secret(settings), principal, timedelta(hours=hours or settings.token_ttl_hours))
    except (ValidationError, ValueError) as error:
        message = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
        raise CliError(message) from None


@token_app.command("issue")
def issue(
    role: Annotated[Role, typer.Option(help=f"One of: {', '.join(ISSUABLE)}.")],
    region: Annotated[str | None, typer.Option(help="The region of a representative or coordinator.")] = None,
    subject: Annotated[str | None, typer.Option(help="Who: recorded as the actor of their commands.")] = None,
    hours: Annotated[float | None, typer.Option(min=0.01, help="Validity; default CASELEDGER_TOKEN_TTL_HOURS.")] = None,
) -> None:
    """Print a signed bearer token for a role (and region)."""
    out.print(_token(get_settings(), role, region, subject or role.value, hours), soft_wrap=True)


def sign_in_link(settings: Settings, principal: Principal, base: str, minutes: float) -> str:
    """A one-time sign-in link: a random code whose hash is stored with the principal; never a token."""
    if principal.role is Role.INTEGRATOR:
        raise CliError("an integrator's token is for programs calling the API; the web pages are for people")
    _token(settings, principal.role, principal.region, principal.subject)  # the same checks as a token's
    check_schema(settings.database)
    store = open_view_store(settings.database)
    try:
        code = SignInCodes(store).issue(Grant(principal.subject, principal.role.value, principal.region),
                                        datetime.now(UTC), timedelta(minutes=minutes))
    finally:
        store.close()
    return f"{base.rstrip('/')}/sign-in/{code}"


@token_app.command("link")
def link(
    role: Annotated[Role, typer.Option(help=f"One of: {', '.join(r for r in ISSUABLE if r is not Role.INTEGRATOR)}.")],
    region: Annotated[str | None, typer.Option(help="The region of a representative or coordinator.")] = None,
    subject: Annotated[str | None, typer.Option(help="Who: recorded as the actor of their commands.")] = None,
    minutes: Annotated[float, typer.Option(min=0.1, max=24 * 60, help="How long the link can be used.")] = 15,
    host: Annotated[str, typer.Option(help="The server's host, as the browser reaches it.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The server's port.")] = 8000,
) -> None:
    """Print a one-time sign-in link for the web pages (http://HOST:PORT/sign-in/CODE): it works once, for
    MINUTES, and carries a random code, never a token (links end up in logs and histories)."""
    try:
        principal = Principal(subject=subject or role.value, role=role, region=region)
    except ValidationError as error:
        raise CliError(error.errors()[0]["msg"]) from None
    out.print(sign_in_link(get_settings(), principal, f"http://{host}:{port}", minutes), soft_wrap=True)


def run_server(settings: Settings, host: str, port: int, admin_token: bool) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    check_schema(settings.database)
    out.print(f"caseledger serving http://{host}:{port} (web pages at /, OpenAPI at /docs) on "
              f"{settings.database.display}")
    if admin_token:
        out.print(f"administrator token: {_token(settings, Role.ADMIN, None, 'admin')}", soft_wrap=True)
    # open live streams (GET /live/{region}) end by themselves at most this long after the server is told to stop
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", timeout_graceful_shutdown=3)
