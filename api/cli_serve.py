"""`caseledger serve` and `caseledger token issue`: the HTTP API and its bearer tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError

from adapters.schema import check_schema
from api.app import create_app
from api.auth import ISSUABLE, Principal, issue_token, token_secret
from api.console import CliError, out
from api.settings import Settings, get_settings
from domain.values import Role

__all__ = ["run_server", "token_app"]

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


def run_server(settings: Settings, host: str, port: int, admin_token: bool) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    check_schema(settings.database)
    out.print(f"caseledger serving http://{host}:{port} (OpenAPI at /docs) on {settings.database.display}")
    if admin_token:
        out.print(f"administrator token: {_token(settings, Role.ADMIN, None, 'admin')}", soft_wrap=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
