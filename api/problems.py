"""Errors as RFC 9457 problem details, with a stable `type` per refusal."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import Scope

from api.auth import InvalidToken
from domain.errors import (
    ClockBehindRecord,
    ConcurrentUpdate,
    DomainError,
    InvalidValue,
    NotOnStaff,
    RecordNotFound,
    VersionMismatch,
)
from projections.cases import InvalidCursor

__all__ = ["BodyTooLarge", "Forbidden", "Problem", "ProblemDetails", "install_problem_handlers", "problem_response",
           "problem_responses"]

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          409: "Conflict", 412: "Precondition failed", 413: "Request body too large", 415: "Unsupported media type",
          422: "Unprocessable content", 428: "Precondition required", 500: "Internal error",
          503: "Service unavailable"}
CODE_TITLES = {"read-models-behind": "Read models are behind", "clock-behind-record": "Server clock behind the record"}
"""Titles of problem types that share a status with others of another kind."""
WHEN = {401: "No valid token", 403: "Not this role or region", 404: "No such record", 405: "Not a method of this path",
        409: "Refused by the record's rules", 412: "The record moved on (If-Match)",
        413: "The body is over the size limit", 422: "A value breaks its rule (`field` names it)",
        503: "Read models still behind `min_position`, or this server's clock behind the record's last event"}
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
PARSE_ERROR = "There was an error parsing the body"
"""What FastAPI says, as a 400, of a body it could not read as JSON (not UTF-8, say)."""


class FieldError(BaseModel):
    field: str
    message: str


class ProblemDetails(BaseModel):
    """An RFC 9457 problem: `type` is stable per refusal, `instance` is the request's path."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str
    field: str | None = None
    errors: list[FieldError] | None = None


PROBLEM_SCHEMA = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
FIELD_ERROR_SCHEMA = PROBLEM_SCHEMA.pop("$defs")["FieldError"]
PROBLEM_SCHEMA["properties"]["errors"]["anyOf"][0]["items"] = FIELD_ERROR_SCHEMA


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these problem statuses, each with the problem's schema."""
    return {status: {"description": WHEN[status],
                     "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}}} for status in statuses}


class Problem(Exception):
    """An HTTP refusal raised by the API layer itself (not the domain)."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra


class Forbidden(Problem):
    def __init__(self, detail: str) -> None:
        super().__init__(403, "forbidden", detail)


class BodyTooLarge(HTTPException):
    """A body grew past the limit while it was read: an HTTPException, so FastAPI's body reading lets it
    through (it turns any other error there into a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request bodies are limited to {limit} bytes")


def problem_response(status: int, code: str, detail: str, request: Request | Scope, *,
                     headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """The problem as a response; `request` (or a middleware's ASGI scope) gives its `instance`."""
    path = request.url.path if isinstance(request, Request) else str(request["path"])
    title = CODE_TITLES.get(code, TITLES.get(status, "Error"))
    body = {"type": f"urn:caseledger:problem:{code}", "title": title, "status": status, "detail": detail, **extra,
            "instance": path}
    headers = {**(headers or {}), **({"WWW-Authenticate": "Bearer"} if status == 401 else {})}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers or None)


def _field_error(error: Any) -> dict[str, str]:
    """One validation error as `{field, message}`; a body that is not JSON is named `body`, not by offset."""
    if error["type"] == "json_invalid":
        reason = f"not JSON ({error.get('ctx', {}).get('error', 'invalid')} at character {error['loc'][-1]})"
        return {"field": "body", "message": reason}
    return {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}


def _allowed(app: FastAPI, scope: Scope) -> list[str]:
    """The methods some route of this path answers (RFC 9110: a 405 says which are allowed)."""
    allowed = [method for method in METHODS
               if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in app.router.routes)]
    return sorted({*allowed, "HEAD"} if "GET" in allowed else set(allowed), key=METHODS.index)


def _domain_status(error: DomainError) -> int:
    if isinstance(error, InvalidValue):
        return 422
    if isinstance(error, RecordNotFound):
        return 404
    if isinstance(error, VersionMismatch):
        return 412
    if isinstance(error, NotOnStaff):
        return 403
    if isinstance(error, ClockBehindRecord):
        return 503
    return 409


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain(request: Request, error: DomainError) -> JSONResponse:
        extra: dict[str, Any] = {"field": error.field} if isinstance(error, InvalidValue) else {}
        if isinstance(error, ConcurrentUpdate):
            extra["retry"] = True
        return problem_response(_domain_status(error), error.code, error.message, request, **extra)

    @app.exception_handler(Problem)
    async def api_problem(request: Request, error: Problem) -> JSONResponse:
        return problem_response(error.status, error.code, error.detail, request, **error.extra)

    @app.exception_handler(InvalidToken)
    async def unauthorized(request: Request, error: InvalidToken) -> JSONResponse:
        return problem_response(401, "invalid-token", str(error), request)

    @app.exception_handler(InvalidCursor)
    async def bad_cursor(request: Request, error: InvalidCursor) -> JSONResponse:
        return problem_response(422, "invalid-cursor", str(error), request, field="cursor")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [_field_error(e) for e in error.errors()]
        first = errors[0] if errors else {"field": "request", "message": "invalid"}
        return problem_response(422, "invalid-request", f"{first['field']}: {first['message']}", request,
                                field=first["field"], errors=errors)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, error: BodyTooLarge) -> JSONResponse:
        return problem_response(413, "body-too-large", str(error.detail), request)

    @app.exception_handler(HTTPException)
    async def http(request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 400 and error.detail == PARSE_ERROR:
            reason = f"not JSON ({error.__cause__})" if error.__cause__ is not None else "not JSON"
            return problem_response(422, "invalid-request", f"body: {reason}", request, field="body",
                                    errors=[{"field": "body", "message": reason}])
        headers = dict(error.headers or {})
        detail = str(error.detail)
        if error.status_code == 405:
            allowed = _allowed(app, request.scope)
            headers["Allow"] = ", ".join(allowed)
            detail = f"{request.method} is not a method of {request.url.path}; it answers {', '.join(allowed)}"
        return problem_response(error.status_code, "http-" + str(error.status_code), detail, request,
                                headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(500, "internal-error", "an unexpected error occurred; it has been logged", request)
