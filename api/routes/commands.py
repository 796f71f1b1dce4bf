"""Command routes derived from the command service: one POST per domain command, its request body
built from the command method's own parameters, so the API cannot drift from the domain.

This module does not postpone annotations: the endpoints it builds annotate their parameters with
models and guards made at run time, which FastAPI must see as objects."""

import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any, get_type_hints
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, create_model

from api.deps import AppDep, CurrentPrincipal, Principal, require_region, require_role
from domain.aggregate import Aggregate
from domain.application import CaseLedger
from domain.errors import InvalidValue
from domain.ledger import CommandResult
from domain.values import Role

__all__ = ["CommandAccepted", "add_commands", "request_model", "run_command"]

WRITERS = (Role.REPRESENTATIVE, Role.COORDINATOR, Role.ADMIN)


class CommandAccepted(BaseModel):
    """The record, its new version, and the log position read models must reach to show it."""

    id: UUID
    version: int
    position: int


def request_model(method: Callable[..., Any], name: str, skip: frozenset[str] = frozenset()) -> type[BaseModel]:
    """A request body with the command method's parameters (after the context and the record id)."""
    hints = get_type_hints(method)
    fields: dict[str, Any] = {}
    for parameter in inspect.signature(method).parameters.values():
        if parameter.name in {"self", "ctx", "expected_version", *skip}:
            continue
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[parameter.name] = (hints[parameter.name], default)
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


def expected_version(if_match: str | None) -> int | None:
    """`If-Match: "7"` (or 7, or W/"7"): the version the caller last saw."""
    if if_match is None:
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise InvalidValue("If-Match", f"{if_match!r} is not a version (use the ETag of the record)")
    return int(tag)


def run_command(command: Callable[[], CommandResult], response: Response) -> CommandAccepted:
    result = command()
    response.headers["ETag"] = f'"{result.version}"'
    return CommandAccepted(id=result.id, version=result.version, position=result.position)


def add_commands(router: APIRouter, kind: type[Aggregate], commands: Mapping[str, str]) -> None:
    """Register `POST /{records}/{id}/{command}` for each `{path: service method name}`."""
    for path, method_name in commands.items():
        method = getattr(CaseLedger, method_name)
        model = request_model(method, kind.__name__ + "".join(part.title() for part in path.split("-")),
                              skip=frozenset({f"{kind.aggregate_type}_id"}))
        router.add_api_route(f"/{{record_id}}/{path}", _endpoint(kind, method_name, model), methods=["POST"],
                             response_model=CommandAccepted, name=f"{kind.aggregate_type}:{path}",
                             summary=(inspect.getdoc(method) or path.replace("-", " ").capitalize()).split("\n")[0],
                             responses=COMMAND_RESPONSES)


COMMAND_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/problem+json": {}}}
    for code, text in ((401, "No valid token"), (403, "Not this role or region"), (404, "No such record"),
                       (409, "Refused by the record's rules"), (412, "The record moved on (If-Match)"),
                       (422, "A value breaks its rule"))
}


def record_guard(kind: type[Aggregate]) -> Callable[..., Principal]:
    """A dependency: only writers of the record's own region may command it, checked before the body is read."""

    def guard(record_id: UUID, engine: AppDep, principal: CurrentPrincipal) -> Principal:
        require_role(principal, *WRITERS)
        require_region(principal, getattr(engine.ledger.get(kind, record_id), "region"))  # noqa: B009
        return principal

    return guard


def _endpoint(kind: type[Aggregate], method_name: str, model: type[BaseModel]) -> Callable[..., CommandAccepted]:
    guard = record_guard(kind)

    def endpoint(
        record_id: UUID, body: model, engine: AppDep,  # type: ignore[valid-type]
        principal: Annotated[Principal, Depends(guard)], response: Response,
        if_match: Annotated[str | None, Header()] = None,
    ) -> CommandAccepted:
        ledger = engine.ledger
        run = getattr(ledger, method_name)
        version = expected_version(if_match)
        ctx = ledger.context(principal.actor)
        return run_command(lambda: run(ctx, record_id, **dict(body), expected_version=version),
                           response)

    return endpoint
