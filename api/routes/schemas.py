"""The event schemas and the AsyncAPI document, for integrators building consumers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from adapters.cloudevents import dataschema
from api.deps import CurrentPrincipal
from api.event_schemas import asyncapi, event_schema
from api.routes.commands import COMMAND_RESPONSES
from domain.errors import RecordNotFound
from domain.event import event_types

__all__ = ["router"]

router = APIRouter(prefix="/schemas", tags=["schemas"], responses=COMMAND_RESPONSES)


@router.get("/events", summary="Every event type's JSON Schema")
def all_event_schemas(principal: CurrentPrincipal) -> dict[str, Any]:
    """By file name (`CaseOpened.v1.json`), as `ce_dataschema` names them."""
    return {dataschema(t).rsplit("/", 1)[-1]: event_schema(t) for t in event_types().values()}


@router.get("/events/{name}", summary="One event type's JSON Schema")
def one_event_schema(name: str, principal: CurrentPrincipal) -> dict[str, Any]:
    for event_type in event_types().values():
        if dataschema(event_type).endswith(f"/{name}"):
            return event_schema(event_type)
    raise RecordNotFound("event schema", name)


@router.get("/asyncapi", summary="The AsyncAPI 3 document of the topics")
def asyncapi_document(principal: CurrentPrincipal) -> dict[str, Any]:
    return asyncapi()
