"""Errors as RFC 9457 problem details, with a stable `type` per refusal."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from api.auth import InvalidToken
from domain.errors import (
    ConcurrentUpdate,
    DomainError,
    InvalidValue,
    NotOnStaff,
    RecordNotFound,
    VersionMismatch,
)
from projections.cases import InvalidCursor

__all__ = ["Forbidden", "Problem", "install_problem_handlers", "problem_response"]

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          409: "Conflict", 412: "Precondition failed", 413: "Request body too large", 415: "Unsupported media type",
          422: "Unprocessable content", 428: "Precondition required", 500: "Internal error",
          503: "Read models are behind"}


class Problem(Exception):
    """An HTTP refusal raised by the API layer itself (not the domain)."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra


class Forbidden(Problem):
    def __init__(self, detail: str) -> None:
        super().__init__(403, "forbidden", detail)


def problem_response(status: int, code: str, detail: str, request: Request | None = None, **extra: Any
                     ) -> JSONResponse:
    body = {"type": f"urn:caseledger:problem:{code}", "title": TITLES.get(status, "Error"), "status": status,
            "detail": detail, **extra}
    if request is not None:
        body["instance"] = request.url.path
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _domain_status(error: DomainError) -> int:
    if isinstance(error, InvalidValue):
        return 422
    if isinstance(error, RecordNotFound):
        return 404
    if isinstance(error, VersionMismatch):
        return 412
    if isinstance(error, NotOnStaff):
        return 403
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
        errors = [{"field": ".".join(str(part) for part in e["loc"]), "message": e["msg"]} for e in error.errors()]
        first = errors[0] if errors else {"field": "request", "message": "invalid"}
        return problem_response(422, "invalid-request", f"{first['field']}: {first['message']}", request,
                                field=first["field"], errors=errors)

    @app.exception_handler(HTTPException)
    async def http(request: Request, error: HTTPException) -> JSONResponse:
        return problem_response(error.status_code, "http-" + str(error.status_code), str(error.detail), request)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(500, "internal-error", "an unexpected error occurred; it has been logged", request)
