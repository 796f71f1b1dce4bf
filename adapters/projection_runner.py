"""Feeds the read models from the event store's notification log, exactly once.

SQLite has no push subscription, so the runner pulls: it reads the log after the lowest position
any projection has reached, decodes each event once, lets every projection map it to changes and
applies them, with each projection's new position, in one transaction per batch. A crash anywhere
rolls back the batch; the next run starts from the recorded positions, so nothing is skipped and
nothing counted twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from adapters.view_store import ViewStore, ViewTransaction
from domain.event import DomainEvent
from domain.ledger import LedgerBase
from projections.store import Projection

__all__ = ["ProjectionFailed", "ProjectionRunner", "ProjectionStatus"]

log = logging.getLogger(__name__)
REBUILD_BATCH = 10_000
"""Events per transaction when rebuilding: big batches let a record's events share one row write."""
Progress = Callable[[int, int], None]


class ProjectionFailed(Exception):
    """A read model could not take an event; it stopped just before it and will retry from there."""

    def __init__(self, name: str, position: int, record_id: str, cause: BaseException) -> None:
        super().__init__(f"read model {name!r} stopped at position {position} (record {record_id}): "
                         f"{type(cause).__name__}: {cause}")
        self.name, self.position, self.record_id = name, position, record_id


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    head: int
    failure: str | None = None

    @property
    def lag(self) -> int:
        return self.head - self.position


@dataclass(frozen=True)
class _Failure:
    name: str
    position: int
    record_id: str
    cause: BaseException


class ProjectionRunner:
    def __init__(self, ledger: LedgerBase, store: ViewStore, projections: Sequence[Projection],
                 batch: int = 1000) -> None:
        self.ledger, self.store, self.projections, self.batch = ledger, store, tuple(projections), batch
        store.prepare(table for projection in self.projections for table in projection.tables)
        self._checked = False

    def status(self) -> list[ProjectionStatus]:
        head = self.ledger.head()
        positions = self.store.positions(p.name for p in self.projections)
        failures = self.store.failures()
        return [ProjectionStatus(p.name, positions[p.name], head,
                                 failures[p.name]["error"] if p.name in failures else None)
                for p in self.projections]

    def catch_up(self, until: int | None = None, progress: Progress | None = None) -> int:
        """Apply every event up to `until` (default: the head); returns the number of events read. The first
        time, a read model built by an older release that lacks what this one keeps starts again from 0."""
        if not self._checked:
            for name in self.store.restart_stale(self.projections):
                log.warning("read model %r was built before this release kept its history: building it again "
                            "from the start of the log", name)
            self._checked = True
        positions = self.store.positions(p.name for p in self.projections)
        start = min(positions.values(), default=0)
        head = self.ledger.head() if until is None else until
        done, total = 0, max(head - start, 0)
        while start < head:
            notifications = self.ledger.recorder.select_notifications(start + 1, self.batch, stop=head)
            if not notifications:
                break
            events = [(n.id, self.ledger.decode(n)) for n in notifications]
            failure = self._apply_batch(events, positions)
            start = notifications[-1].id
            done += len(notifications)
            if progress:
                progress(done, total)
            if failure:
                raise ProjectionFailed(failure.name, failure.position, failure.record_id, failure.cause)
        return done

    def follow(self, stop: threading.Event, wake: threading.Event, interval: float = 0.5) -> None:
        """Keep the read models current until `stop` is set: woken after each save in this process,
        and polling every `interval` for other writers. Failures are logged and retried with backoff."""
        pause = interval
        while not stop.is_set():
            try:
                self.catch_up()
                pause = interval
            except Exception:
                log.exception("read models could not catch up; retrying in %.1f s", pause)
                pause = min(pause * 2, 30.0)
            wake.wait(pause)
            wake.clear()

    def wait_for(self, position: int, timeout: float) -> bool:
        """Wait until every read model has reached `position`; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        names = [p.name for p in self.projections]
        while min(self.store.positions(names).values(), default=position) < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def rebuild(self, projections: Sequence[Projection] | None = None, progress: Progress | None = None) -> int:
        """Drop the named read models and build them again from the whole log."""
        for projection in projections or self.projections:
            self.store.drop_views(projection)
        self.store.create_views(self.projections)
        batch, self.batch = self.batch, REBUILD_BATCH
        try:
            return self.catch_up(progress=progress)
        finally:
            self.batch = batch

    def _apply_batch(self, events: list[tuple[int, DomainEvent]], positions: dict[str, int]) -> _Failure | None:
        """One transaction for the batch, holding the read models' lock: a runner in another process
        that applied some of these events meanwhile has moved the positions, and they are skipped.
        If a projection fails on an event, the batch is applied again with that projection stopping
        just before the event, and the failure is recorded."""
        stops: dict[str, _Failure] = {}
        while True:
            try:
                with self.store.transaction() as view:
                    view.lock()
                    positions.update(view.positions(positions))
                    reached = {p.name: self._project(p, events, positions[p.name], stops.get(p.name), view)
                               for p in self.projections}
                    for failure in stops.values():
                        view.record_failure(failure.name, failure.position, failure.record_id, repr(failure.cause))
            except _Stop as stop:
                log.error("read model %r failed at position %d: %s", stop.failure.name, stop.failure.position,
                          stop.failure.cause)
                stops[stop.failure.name] = stop.failure
                continue
            positions.update(reached)
            return next(iter(stops.values()), None)

    @staticmethod
    def _project(projection: Projection, events: list[tuple[int, DomainEvent]], position: int,
                 stop: _Failure | None, view: ViewTransaction) -> int:
        reached = position
        for at, event in events:
            if at <= position:
                continue
            if stop is not None and at >= stop.position:
                break
            try:
                view.apply(projection.changes(event, at, view))
            except Exception as error:
                raise _Stop(_Failure(projection.name, at, str(event.originator_id), error)) from error
            reached = at
        if reached > position:
            view.track(projection.name, reached)
        return reached


class _Stop(Exception):
    def __init__(self, failure: _Failure) -> None:
        super().__init__(failure.name)
        self.failure = failure
