"""Command routes derived from the command service: one POST per domain command, its request body
built from the command method's own parameters, so the API cannot drift from the domain.

This module does not postpone annotations: the endpoints it builds annotate their parameters with
models and guards made at run time, which FastAPI must see as objects."""

import inspect
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, get_type_hints
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, create_model

from api.deps import AppDep, CurrentPrincipal, Principal, require_region, require_role
from api.problems import Forbidden, problem_responses
from domain.aggregate import Aggregate
from domain.application import CaseLedger
from domain.errors import InvalidValue
from domain.ledger import CommandResult
from domain.network.network_commands import AUTHORITY_COMMANDS
from domain.network.provider import AUTHORITY
from domain.staff.staffing import NETWORK_LEVEL_COMMANDS
from domain.values import Role

__all__ = ["CommandAccepted", "add_commands", "request_model", "run_command"]

WRITERS = (Role.REPRESENTATIVE, Role.COORDINATOR, Role.MANAGER, Role.ADMIN)
"""Roles that run commands; a manager only the network-level ones (`domain.staff.staffing.NETWORK_LEVEL_COMMANDS`)."""
VERSION_TAG = re.compile(r"[0-9]{1,10}", re.ASCII)
MANAGER_MAY = ("terminate providers and amend or terminate contracts (in every region), and decide, implement and "
               "review policy proposals")
IF_MATCH_PATTERN = r'^(W/)?"?[0-9]{1,10}"?$'


def _if_match_schema(schema: dict[str, Any]) -> None:
    """The header as the OpenAPI document shows it: a version tag, or absent (never a JSON null)."""
    schema.clear()
    schema.update(type="string", pattern=IF_MATCH_PATTERN, description="The ETag of the record: its version.")


IF_MATCH = Header(json_schema_extra=_if_match_schema)


class CommandAccepted(BaseModel):
    """The record, its new version, and the log position read models must reach to show it."""

    id: UUID
    version: int
    position: int


def request_model(method: Callable[..., Any], name: str, skip: frozenset[str] = frozenset()) -> type[BaseModel]:
    """A request body with the command method's parameters (after the context and the record id)."""
    hints = get_type_hints(method, include_extras=True)  # keep each type's constraints for the schema
    fields: dict[str, Any] = {}
    for parameter in inspect.signature(method).parameters.values():
        if parameter.name in {"self", "ctx", "expected_version", *skip}:
            continue
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[parameter.name] = (hints[parameter.name], default)
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


def expected_version(if_match: str | None) -> int | None:
    """`If-Match: "7"` (or 7, or W/"7"): the version the caller last saw. Only ASCII digits, and no more than
    a version can have (`str.isdigit` also accepts "²", which `int` refuses)."""
    if if_match is None:
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if VERSION_TAG.fullmatch(tag) is None:
        shown = if_match if len(if_match) <= 40 else if_match[:40] + "..."
        raise InvalidValue("If-Match", f"{shown!r} is not a version (use the ETag of the record)")
    return int(tag)


def run_command(command: Callable[[], CommandResult], response: Response) -> CommandAccepted:
    result = command()
    response.headers["ETag"] = f'"{result.version}"'
    return CommandAccepted(id=result.id, version=result.version, position=result.position)


def add_commands(router: APIRouter, kind: type[Aggregate], commands: Mapping[str, str],
                 creating: frozenset[str] = frozenset(), roles: tuple[Role, ...] = WRITERS) -> None:
    """Register `POST /{records}/{id}/{command}` for each `{path: service method name}`. A command in `creating`
    creates a record of the same kind and answers with its id: 201 with the new record's `Location`."""
    for path, method_name in commands.items():
        method = getattr(CaseLedger, method_name)
        model = request_model(method, kind.__name__ + "".join(part.title() for part in path.split("-")),
                              skip=frozenset({f"{kind.aggregate_type}_id"}))
        location = router.prefix if method_name in creating else None
        router.add_api_route(f"/{{record_id}}/{path}", _endpoint(kind, method_name, model, location, roles),
                             methods=["POST"], status_code=201 if location is not None else 200,
                             response_model=CommandAccepted, name=f"{kind.aggregate_type}:{path}",
                             summary=(inspect.getdoc(method) or path.replace("-", " ").capitalize()).split("\n")[0],
                             responses=COMMAND_RESPONSES)


COMMAND_RESPONSES = problem_responses(401, 403, 404, 409, 412, 422)
"""The problems a record's command or read can answer (the app adds 413 and 503 where they apply)."""


def record_guard(kind: type[Aggregate], method_name: str | None = None,
                 roles: tuple[Role, ...] = WRITERS) -> Callable[..., Principal]:
    """A dependency: only `roles` of the record's own region may command it (a manager, in any region, only
    with a network-level command), checked before the body is read."""

    def guard(record_id: UUID, engine: AppDep, principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:  # name the roles that may run this very command
            require_role(principal, *(AUTHORITY if method_name in AUTHORITY_COMMANDS else roles))
        if principal.role is Role.MANAGER and method_name not in NETWORK_LEVEL_COMMANDS:
            raise Forbidden(f"a manager may only {MANAGER_MAY}; {(method_name or 'this').replace('_', ' ')} is for "
                            "the record region's staff or an administrator")
        # a record with no region is network-level (a policy proposal): the command service's rules say who may
        if (region := getattr(engine.ledger.get(kind, record_id), "region", None)) is not None:
            require_region(principal, region)
        return principal

    return guard


def _endpoint(kind: type[Aggregate], method_name: str, model: type[BaseModel], location: str | None = None,
              roles: tuple[Role, ...] = WRITERS) -> Callable[..., CommandAccepted]:
    guard = record_guard(kind, method_name, roles)

    def endpoint(
        record_id: UUID, body: model, engine: AppDep,  # type: ignore[valid-type]
        principal: Annotated[Principal, Depends(guard)], response: Response,
        if_match: Annotated[str | None, IF_MATCH] = None,
    ) -> CommandAccepted:
        ledger = engine.ledger
        run = getattr(ledger, method_name)
        version = expected_version(if_match)
        ctx = ledger.context(principal.actor)
        accepted = run_command(lambda: run(ctx, record_id, **dict(body), expected_version=version), response)
        if location is not None:
            response.status_code = 201
            response.headers["Location"] = f"{location}/{accepted.id}"
        return accepted

    return endpoint
