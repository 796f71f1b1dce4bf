"""Live updates for an open dashboard: the region's escalations and SLA warnings, streamed from the log.

`GET /live/{region}` is a Server-Sent Events stream. Each message is one event of the log that changes what a
coordinator watches (an escalation made, withdrawn or handed over, a clock at risk or breached) in that region,
with `id:` its log position, so a browser that reconnects (it sends `Last-Event-ID`) resumes after the last
one it saw. A message is sent once the read models show its event, so the page it makes refresh shows it too.

Who may listen is who may read the region's dashboard (`GET /regions/{code}/dashboard`'s own guards): a north
coordinator is refused the south stream, and no south event is ever written to a north stream. The stream
wakes on the ledger's listeners (this server's commits, a timer's included) and polls the log every
`POLL_SECONDS` besides (another server's writes to a shared PostgreSQL store); it reads at most `SCAN`
positions a step, in a worker thread, so the event loop never blocks; a comment every `HEARTBEAT_SECONDS`
keeps proxies from closing it and carries the position reached; the stream ends after `STREAM_SECONDS`
(the browser reconnects where it was), when the session expires or its person leaves the region's staff,
and when the server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.deps import AppDep, Engine, require_region, require_role, require_staff
from api.problems import Problem
from api.routes.records import READERS
from api.web.render import PageRoute
from api.web.session import Session, SignedIn
from domain.errors import DomainError, RecordNotFound
from domain.event import DomainEvent

__all__ = ["HEARTBEAT_SECONDS", "RELEVANT", "LiveHub", "live_source", "message", "router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)

RELEVANT = frozenset({"CaseEscalated", "CaseDeEscalated", "EscalationHandedOver", "SlaAtRisk", "SlaBreached"})
"""The events that change a dashboard's escalations waiting and SLA figures."""
HEARTBEAT_SECONDS = 15.0
POLL_SECONDS = 2.0
SCAN = 500
STREAM_SECONDS = 300.0
BACKLOG = 10_000
"""A browser resuming further behind than this skips to the last `BACKLOG` positions and is told to refresh."""
RETRY_MILLISECONDS = 2000
REGIONS_KEPT = 10_000


class LiveHub:
    """One listener on the ledger for every open stream: a commit (in whatever thread) wakes each stream's loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def __call__(self, _position: int) -> None:
        with self._lock:
            waiting = list(self._waiting)
        for loop, event in waiting:
            with contextlib.suppress(RuntimeError):  # that loop has closed: its stream is gone
                loop.call_soon_threadsafe(event.set)

    def subscribe(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiting.add(entry)
        return entry

    def unsubscribe(self, entry: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._lock:
            self._waiting.discard(entry)


def hub_of(request: Request, engine: Engine) -> LiveHub:
    """The app's hub, listening on its ledger (made with the first stream)."""
    hub: LiveHub | None = getattr(request.app.state, "live_hub", None)
    if hub is None or hub not in engine.ledger.listeners:
        hub = request.app.state.live_hub = LiveHub()
        engine.ledger.listeners.append(hub)
    return hub


def read_position(engine: Engine) -> int:
    """How far every read model has come: a page rendered now shows the log up to here."""
    positions = engine.runner.store.positions(p.name for p in engine.runner.projections)
    return min(positions.values(), default=0)


def live_source(engine: Engine, region: str) -> str:
    """The stream's address for a dashboard about to be rendered: from what its read models already show."""
    return f"/live/{region}?after={read_position(engine)}"


def message(position: int, event: DomainEvent) -> str:
    """One SSE message: `id:` the log position, `data:` what the page says about it."""
    data = {"position": position, "type": event.type_name, "case_id": str(event.originator_id),
            "occurred_at": event.occurred_at.isoformat()}
    return f"id: {position}\ndata: {json.dumps(data)}\n\n"


class Scanner:
    """Reads the log for one stream: the relevant events of one region, a bounded stretch at a time."""

    def __init__(self, engine: Engine, region: str) -> None:
        self.engine, self.region = engine, region
        self.regions: dict[str, str] = {}

    def region_of(self, case_id: UUID) -> str | None:
        """A case's region, from its first event (a case never changes region)."""
        key = str(case_id)
        if key not in self.regions:
            if len(self.regions) >= REGIONS_KEPT:
                self.regions.clear()
            opened = next(iter(self.engine.ledger.events.get(case_id, lte=1)), None)
            region = getattr(opened, "region", None)
            if region is None:
                return None
            self.regions[key] = region
        return self.regions[key]

    def scan(self, after: int, until: int) -> list[tuple[int, DomainEvent]]:
        """The region's relevant events at positions in (after, until]."""
        ledger = self.engine.ledger
        found = []
        for notification in ledger.recorder.select_notifications(after + 1, SCAN, stop=until, topics=list(RELEVANT)):
            if self.region_of(UUID(str(notification.originator_id))) == self.region:
                found.append((notification.id, ledger.decode(notification)))
        return found


def still_allowed(engine: Engine, session: Session) -> bool:
    """The session has not expired and its person is still on the region's staff."""
    if session.expires.timestamp() <= time.time():
        return False
    if session.principal.regional:
        try:
            require_staff(engine.ledger, session.principal, reading=True)
        except DomainError:
            return False
    return True


async def stream(engine: Engine, session: Session, region: str, after: int, hub: LiveHub) -> AsyncIterator[str]:
    """The stream's messages, from position `after` on, until it has run its time or must end."""
    scanner = Scanner(engine, region)
    entry = hub.subscribe()
    _, wake = entry
    ends = time.monotonic() + STREAM_SECONDS
    beat = time.monotonic() + HEARTBEAT_SECONDS
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n\n"
        cursor = after
        while not engine.stop.is_set() and time.monotonic() < ends:
            wake.clear()  # a commit from here on wakes the wait below
            head = await run_in_threadpool(engine.ledger.head)
            if head - cursor > BACKLOG:
                cursor = head - BACKLOG
                yield f"id: {cursor}\ndata: {json.dumps({'position': cursor, 'type': 'resync'})}\n\n"
            while cursor < head:
                until = min(head, cursor + SCAN)
                found = await run_in_threadpool(scanner.scan, cursor, until)
                if found:  # announced once the read models show it, so the page's refresh shows it too
                    await run_in_threadpool(engine.runner.wait_for, found[-1][0], engine.settings.read_wait_seconds)
                for position, event in found:
                    yield message(position, event)
                cursor = until
            if time.monotonic() >= beat:
                if not await run_in_threadpool(still_allowed, engine, session):
                    return
                beat = time.monotonic() + HEARTBEAT_SECONDS
                yield f": heartbeat\nid: {cursor}\n\n"
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=min(POLL_SECONDS, max(0.0, beat - time.monotonic())))
    finally:
        hub.unsubscribe(entry)


def asked_position(after: str) -> int | None:
    """`?after=`: a log position; empty is absent, as the other pages read an empty value."""
    after = after.strip()
    if not after:
        return None
    if not after.isascii() or not after.isdigit():
        raise Problem(422, "invalid-request", f"after: {after[:40]!r} is not a log position (a whole number from 0)",
                      field="after")
    return int(after)


def start_from(engine: Engine, region: str, last_event_id: str | None, after: int | None) -> int:
    """Where a stream starts: after the browser's last event (on a reconnect), else after `after` (the
    position its page was rendered at), else at the log's head. The region must exist and `after` be no
    further than the head, as the dashboard and `min_position` require; a browser's Last-Event-ID is only
    clamped (a stream it resumes was this server's)."""
    with engine.runner.store.reader() as view:
        if view.get("regions", {"code": region}) is None:
            raise RecordNotFound("region", region)
    head = engine.ledger.head()
    if after is not None and after > head:
        raise Problem(422, "invalid-request", f"after {after} is beyond the log's head ({head}): pass the position "
                      "the dashboard's page gave", field="after")
    if last_event_id is not None and last_event_id.strip().isdigit():
        return min(int(last_event_id.strip()), head)
    return head if after is None else after


@router.get("/live/{region}")
async def live(region: str, engine: AppDep, session: SignedIn, request: Request,
               after: Annotated[str, Query(max_length=20)] = "",
               last_event_id: Annotated[str | None, Header(max_length=32)] = None) -> Response:
    """The region's escalations and SLA warnings as they are appended (Server-Sent Events). Refused before
    streaming as the dashboard is: a role or region not the person's (403), a region that does not exist
    (404), a position past the log's head (422)."""
    require_role(session.principal, *READERS)
    require_region(session.principal, region)
    start = await run_in_threadpool(start_from, engine, region, last_event_id, asked_position(after))
    return StreamingResponse(stream(engine, session, region, start, hub_of(request, engine)),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no",
                                      "X-Content-Type-Options": "nosniff"})
