"""What cases, providers and contracts share over HTTP: creation, current and past state, history.

This module does not postpone annotations: the endpoints it builds annotate their parameters with
models and guards made at run time, which FastAPI must see as objects."""

import hashlib
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar, cast
from uuid import UUID, uuid5

import orjson
from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel

from api.deps import AppDep, CurrentPrincipal, Principal, require_region, require_role, role_guard
from api.problems import Problem
from api.routes.commands import COMMAND_RESPONSES, WRITERS, CommandAccepted, request_model, run_command
from domain.aggregate import Aggregate
from domain.application import CaseLedger
from domain.errors import ConcurrentUpdate, RecordNotFound
from domain.event import DomainEvent
from domain.values import Actor, Moment, Role

__all__ = ["READERS", "HistoryEvent", "add_creation", "add_record_reads", "history_events", "not_modified", "record_at"]

A = TypeVar("A", bound=Aggregate)

READERS = (Role.REPRESENTATIVE, Role.COORDINATOR, Role.MANAGER, Role.AUDITOR, Role.ADMIN)
IDEMPOTENCY_NAMESPACE = UUID("8e7c2a52-61b4-4c8e-9a3e-5d0f3f1a2b77")
ENVELOPE = {"originator_id", "originator_version", "occurred_at", "actor", "correlation_id", "causation_id"}
ENTITY_TAG = re.compile(r'(?:W/)?("[^"]*")')
READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    **COMMAND_RESPONSES, 304: {"description": "Not modified: `If-None-Match` matches the `ETag`"},
}


class HistoryEvent(BaseModel):
    """One event of a record's history."""

    version: int
    type: str
    occurred_at: datetime
    actor: Actor
    correlation_id: UUID
    causation_id: UUID | None
    data: dict[str, Any]


def add_creation(router: APIRouter, kind: type[Aggregate], method_name: str,
                 region_of: Callable[[CaseLedger, Any], str | None], roles: tuple[Role, ...] = WRITERS) -> None:
    """`POST /{records}`: 201 with a Location; with an Idempotency-Key, a retry returns the first result.
    `region_of` answers None for a network-level record (it belongs to no region): the command service's rules
    alone say who may create it."""
    method = getattr(CaseLedger, method_name)
    id_name = f"{kind.aggregate_type}_id"
    model = request_model(method, f"{kind.__name__}Create", skip=frozenset({id_name}))

    def create(body: model, engine: AppDep, principal: Annotated[Principal, Depends(role_guard(*roles))],  # type: ignore[valid-type]
               response: Response, idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
               ) -> CommandAccepted:
        ledger = engine.ledger
        if (region := region_of(ledger, body)) is not None:
            require_region(principal, region)
        # a retry with the same key names the same new record, so the store itself refuses a second one;
        # the request's correlation id is derived from the key and the body, so a retry can tell whether
        # the first request had the same body without keeping it anywhere else
        key = f"{kind.aggregate_type}:{principal.subject}:{idempotency_key}"
        record_id = uuid5(IDEMPOTENCY_NAMESPACE, key) if idempotency_key else ledger.new_id()
        request_id = uuid5(IDEMPOTENCY_NAMESPACE, f"{key}:{_digest(body)}") if idempotency_key else None
        response.status_code = 201
        response.headers["Location"] = f"{router.prefix}/{record_id}"
        if idempotency_key and (first := _first_result(ledger, record_id, request_id, idempotency_key, response)):
            return first
        ctx = ledger.context(principal.actor, correlation_id=request_id)
        run = getattr(ledger, method_name)
        try:
            return run_command(lambda: run(ctx, **dict(body), **{id_name: record_id}), response)
        except ConcurrentUpdate:
            # the same key, retried while the first request was still being saved
            if idempotency_key and (first := _first_result(ledger, record_id, request_id, idempotency_key,
                                                           response)):
                return first
            raise

    router.add_api_route("", create, methods=["POST"], status_code=201, response_model=CommandAccepted,
                         name=f"{kind.aggregate_type}:create", summary=f"Create a {kind.aggregate_type}",
                         responses=COMMAND_RESPONSES)


def _digest(body: BaseModel) -> str:
    """The body as canonical JSON (keys sorted, defaults filled in), hashed: equal bodies, equal digests."""
    return hashlib.sha256(orjson.dumps(body.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)).hexdigest()


def _first_result(ledger: CaseLedger, record_id: UUID, request_id: UUID | None, key: str, response: Response
                  ) -> CommandAccepted | None:
    """The answer a creation gave, if a record with this id was created; a key reused with another body is
    refused (422, as the IETF Idempotency-Key draft asks) rather than answered with the first result."""
    position = ledger.recorder.position_of(record_id, 1)  # type: ignore[attr-defined]
    if position is None:
        return None
    (created,) = ledger.events.get(record_id, lte=1)
    if cast(DomainEvent, created).correlation_id != request_id:
        raise Problem(422, "idempotency-key-reused", f"Idempotency-Key {key!r} was first used with another body; "
                      "send that body again to get its result, or use a new key", field="Idempotency-Key")
    response.headers["Idempotent-Replayed"] = "true"
    return CommandAccepted(id=record_id, version=1, position=position)


def read_record(engine: AppDep, principal: Principal, kind: type[Aggregate], record_id: UUID,
                as_of: datetime | None, version: int | None) -> Aggregate:
    """The record now, or as it was. The region is checked on the record as it is now, before anything
    is asked of its past: another region's record answers the same 403 whatever version or time is asked.
    A record with no region (network-level: a policy proposal) is read by every reader role."""
    require_role(principal, *READERS)
    ledger = engine.ledger
    current = ledger.get(kind, record_id)
    if (region := getattr(current, "region", None)) is not None:
        require_region(principal, region)
    return record_at(ledger, current, as_of, version)


def record_at(ledger: CaseLedger, current: A, as_of: datetime | None, version: int | None) -> A:
    """`current` as it was at `as_of` or `version` (itself when neither is given); call it only once the
    caller may see the record as it is now."""
    if as_of is not None and version is not None:
        raise Problem(422, "invalid-request", "give as_of or version, not both", field="as_of")
    if as_of is not None:
        version = ledger.version_at(current.id, as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC))
    if version is None or version == current.version:
        return current
    record = ledger.get(type(current), current.id, version=version)
    if record.version != version:
        raise RecordNotFound(current.aggregate_type, f"{current.id} version {version} (it is at {record.version})")
    return record


def not_modified(version: int, if_none_match: str | None, response: Response) -> Response | None:
    """A 304 when `If-None-Match` names this version's tag; otherwise the tag goes on `response`."""
    tag = f'"{version}"'
    if matches(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    response.headers["ETag"] = tag
    return None


def history_events(events: Iterable[DomainEvent],
                   shown: Callable[[dict[str, Any]], dict[str, Any]] = lambda data: data) -> list[HistoryEvent]:
    """A record's events as the history routes answer them (`shown` takes out what the caller may not see)."""
    return [HistoryEvent(version=e.originator_version, type=e.type_name, occurred_at=e.occurred_at, actor=e.actor,
                         correlation_id=e.correlation_id, causation_id=e.causation_id,
                         data=shown(e.model_dump(mode="json", exclude=ENVELOPE))) for e in events]


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether `If-None-Match` names the representation's entity tag: `*`, or a list of tags compared
    weakly (RFC 9110 13.1.2: `W/"7"` matches `"7"`)."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = tag.removeprefix("W/")
    return opaque in ENTITY_TAG.findall(if_none_match)


IfNoneMatch = Annotated[str | None, Header(max_length=8000, description="An `ETag` seen before: 304 if unchanged.")]


def add_record_reads(router: APIRouter, kind: type[Aggregate], public: type[BaseModel] | None = None,
                     present: Callable[[Any, Any], BaseModel] | None = None,
                     redact: Callable[[Principal, dict[str, Any]], dict[str, Any]] | None = None) -> None:
    """`GET /{records}/{id}` (now, or as it was) and `GET /{records}/{id}/history`. With `public` and
    `present(engine, record)`, the record is answered as that public model (computed fields beside its own).
    With `redact(principal, data)`, what the caller may not see is taken out of the answer (as JSON) and out of
    each history event's data."""

    def get(record_id: UUID, engine: AppDep, principal: CurrentPrincipal, response: Response,
            as_of: Annotated[Moment | None, Query(description="State at this time.")] = None,
            version: Annotated[int | None, Query(ge=1, le=2**31, description="State at this version.")] = None,
            if_none_match: IfNoneMatch = None,
            ) -> Any:
        record = read_record(engine, principal, kind, record_id, as_of, version)
        if (unchanged := not_modified(record.version, if_none_match, response)) is not None:
            return unchanged
        answer = record if present is None else present(engine, record)
        return answer if redact is None else redact(principal, answer.model_dump(mode="json"))

    def history(record_id: UUID, engine: AppDep, principal: CurrentPrincipal, response: Response,
                if_none_match: IfNoneMatch = None) -> Any:
        """The tag is the record's version: a history changes only by growing."""
        current = read_record(engine, principal, kind, record_id, None, None)
        if (unchanged := not_modified(current.version, if_none_match, response)) is not None:
            return unchanged
        if redact is None:
            return history_events(engine.ledger.history(record_id))
        return history_events(engine.ledger.history(record_id), lambda data: redact(principal, data))

    router.add_api_route("/{record_id}", get, methods=["GET"], response_model=public or kind,
                         name=f"{kind.aggregate_type}:get", summary=f"A {kind.aggregate_type}, now or as it was",
                         responses=READ_RESPONSES)
    router.add_api_route("/{record_id}/history", history, methods=["GET"], response_model=list[HistoryEvent],
                         name=f"{kind.aggregate_type}:history", summary=f"Every event of a {kind.aggregate_type}",
                         responses=READ_RESPONSES)
