"""The HTTP API: FastAPI, one router per resource, served by uvicorn (`caseledger serve`)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from importlib.metadata import version

from fastapi import APIRouter, FastAPI, Response
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.clock import system_clock
from adapters.process_manager import ProcessManager
from api.auth import token_secret
from api.bootstrap import build_ledger, build_relay, build_runner
from api.deps import Engine
from api.problems import BodyTooLarge, install_problem_handlers, problem_response, problem_responses
from api.routes import audit, cases, coaching, contracts, health, providers, regions, schemas, training
from api.routes import common_problems as common_problems_routes
from api.routes import meetings as meetings_routes
from api.routes import proposals as proposals_routes
from api.routes import timers as timers_routes
from api.settings import Settings
from api.web import ErrorPages
from api.web import mount as mount_web_pages

__all__ = ["create_app"]

DESCRIPTION = """An event-sourced case management engine. Commands are POSTs that return the record's
new `version` and the log `position` of its event; pass `min_position` to a read to see your own
write; `If-Match: VERSION` makes a command conditional. Errors are RFC 9457 problem details."""


def create_app(settings: Settings, clock: Callable[[], datetime] = system_clock) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ledger = build_ledger(settings, clock=clock)
        engine = Engine(settings, ledger, build_runner(settings, ledger), token_secret(settings))
        ledger.listeners.append(lambda _: engine.wake.set())
        follower = threading.Thread(target=engine.runner.follow, args=(engine.stop, engine.wake),
                                    name="read-models", daemon=True)
        follower.start()
        threads = [follower]
        if settings.timers:
            manager = ProcessManager(ledger, lease_seconds=settings.timer_lease_seconds)
            threads.append(threading.Thread(target=manager.run, args=(engine.stop, settings.timer_interval_seconds),
                                            name="timers", daemon=True))
            threads[-1].start()
        if settings.kafka_bootstrap:
            relay, relay_wake = build_relay(settings, ledger), threading.Event()
            ledger.listeners.append(lambda _: relay_wake.set())
            threads.append(threading.Thread(target=relay.run, args=(engine.stop, relay_wake), name="relay",
                                            daemon=True))
            threads[-1].start()
        app.state.engine = engine
        yield
        engine.stop.set()
        engine.wake.set()
        for thread in threads:
            thread.join(timeout=10)
        engine.runner.store.close()
        ledger.close()

    app = FastAPI(title="caseledger", version=version("caseledger"), description=DESCRIPTION, lifespan=lifespan)
    install_problem_handlers(app)
    routers: tuple[APIRouter, ...] = (health.router, cases.router, providers.router, contracts.router, regions.router,
                                      audit.router, schemas.router, common_problems_routes.router)
    routers += (coaching.router, *training.ROUTERS)  # issue 15: coaching, training for new regions
    routers += (proposals_routes.router,)  # issue 15: policy proposals
    routers += (meetings_routes.router,)  # issue 15: coordinators' meetings
    routers += (timers_routes.router,)  # issue 16: timers
    for router in routers:
        if router is not health.router:
            document_problems(router)
        app.include_router(router)
    mount_web_pages(app)  # issue 17: the web pages (kept out of the OpenAPI document)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(NoNulInQuery)
    app.add_middleware(HeadAsGet)
    app.add_middleware(ErrorPages)  # issue 17: outermost, so a browser gets the middleware's refusals as pages
    return app


def document_problems(router: APIRouter) -> None:
    """Every problem a router's routes can answer is in the OpenAPI document, with the problem's schema: 401,
    403 and 422 (each route needs a token), 413 where there is a body, 503 where `min_position` waits."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        statuses = [401, 403, 422]
        if route.body_field is not None:
            statuses.append(413)
        if any(param.name == "min_position" for param in route.dependant.query_params):
            statuses.append(503)
        route.responses = {**problem_responses(*statuses), **route.responses}


class HeadAsGet:
    """RFC 9110 9.3.2: HEAD is answered wherever GET is, with GET's status and headers and no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class NoNulInQuery:
    """Refuse a query string with a NUL character (422): no stored text can hold one, and PostgreSQL
    refuses it as a parameter, which would otherwise surface as a 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and b"%00" in scope.get("query_string", b""):
            response: Response = problem_response(422, "invalid-request",
                                                  "a query parameter contains a NUL character (%00)", scope,
                                                  field="query")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuse bodies over the limit with 413 before they are read into memory (declared or streamed)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge(self.limit)  # answered by its handler in the app, as a 413 problem
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:  # read where no handler runs
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response: Response = problem_response(413, "body-too-large", f"request bodies are limited to {self.limit} "
                                              "bytes", scope)
        await response(scope, receive, send)


