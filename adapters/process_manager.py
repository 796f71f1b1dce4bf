"""The process manager: fires due timers, one store's worth at a time, under a lease.

Each round it takes (or keeps) the store's lease, reads the timers due by the ledger's clock and runs
each one's command (`LedgerBase.fire_timer`). Exactly once comes from the store, not from here: the
command's events and the timer's "fired" mark commit together or not at all (adapters/timer_store.py),
so a crash before the commit leaves the timer due, and a second process firing it too is refused.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import uuid4

from adapters.hash_chain import ChainedRecorder
from domain.aggregate import Aggregate
from domain.errors import ClockBehindRecord, ConcurrentUpdate, DomainError, RecordNotFound, VersionMismatch
from domain.ledger import LedgerBase
from domain.timer import DueTimer

__all__ = ["LEASE_SECONDS", "ProcessManager", "Round", "sync_timers"]

log = logging.getLogger(__name__)

LEASE_SECONDS = 15.0
"""How long a process manager's lease lasts unrenewed: after a crash, another takes over within this."""

RETRY = (ConcurrentUpdate, VersionMismatch, ClockBehindRecord)
"""Refusals that say "not now": the timer stays due and is tried again next round."""


@dataclass
class Round:
    """What one round did."""

    leased: bool = False
    fired: int = 0
    dropped: int = 0
    retried: int = 0
    failed: list[str] = field(default_factory=list)


class ProcessManager:
    def __init__(self, ledger: LedgerBase, *, owner: str | None = None, lease_seconds: float = LEASE_SECONDS,
                 batch: int = 100, wall_clock: Callable[[], float] = time.time) -> None:
        recorder = ledger.recorder
        assert isinstance(recorder, ChainedRecorder), "timers live in the engine's own recorder"
        self.ledger, self.recorder = ledger, recorder
        self.owner = owner or f"process-manager-{uuid4().hex[:12]}"
        self.lease_seconds, self.batch, self.wall_clock = lease_seconds, batch, wall_clock

    def run_once(self) -> Round:
        """Fire every timer due now (in batches), if this process holds the lease."""
        if not self.recorder.take_lease(self.owner, self.wall_clock(), self.lease_seconds):
            return Round()
        return self.fire_due(renew=True)

    def fire_due(self, renew: bool = False) -> Round:
        """Fire every timer due by the ledger's clock, oldest first; `renew`: keep the lease between batches.
        Without the lease only for a process that owns the store alone (the demo's seeding)."""
        result = Round(leased=True)
        while True:
            due = self.recorder.due_timers(self.ledger.clock(), self.batch)
            before = result.fired + result.dropped
            for timer in due:
                self._fire(timer, result)
            if len(due) < self.batch or result.fired + result.dropped == before:
                return result
            if renew:
                self.recorder.take_lease(self.owner, self.wall_clock(), self.lease_seconds)

    def _fire(self, timer: DueTimer, result: Round) -> None:
        try:
            self.ledger.fire_timer(timer)
            result.fired += 1
        except RETRY:
            result.retried += 1
        except (DomainError, RecordNotFound) as refused:
            # the record no longer wants it, or a rule refuses it now: kept, with why, never fired
            self.recorder.drop_timer(timer.id, str(refused))
            result.dropped += 1
        except Exception as error:  # one bad timer must not stop the others
            log.exception("timer %s (%s of %s %s) failed", timer.id, timer.purpose, timer.kind, timer.record_id)
            result.failed.append(f"{timer.id}: {type(error).__name__}: {error}")

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Rounds until `stop` is set; a failing round is logged and the next one tries again."""
        try:
            while not stop.is_set():
                try:
                    self.run_once()
                except Exception:
                    log.exception("process manager round failed")
                stop.wait(interval)
        finally:
            try:
                self.recorder.release_lease(self.owner)
            except Exception:
                log.debug("could not release the timer lease", exc_info=True)


def sync_timers(ledger: LedgerBase, batch: int = 500) -> int:
    """Set the timers every record wants now, for records saved before timers existed (an upgrade), in
    batches; records already in line are left as they are. Returns the number of records looked at."""
    recorder = ledger.recorder
    assert isinstance(recorder, ChainedRecorder)
    looked = 0
    ids = recorder.record_ids()
    for start in range(0, len(ids), batch):
        wishes, positions = {}, {}
        for record_id in ids[start:start + batch]:
            record: object = ledger.repository.get(record_id)
            if isinstance(record, Aggregate) and type(record).timers is not Aggregate.timers:
                position = recorder.position_of(record_id, record.version)
                if position is not None:
                    wishes[record_id] = (record.aggregate_type, getattr(record, "region", None), record.timers())
                    positions[record_id] = position
            looked += 1
        if wishes:
            recorder.sync_timers(wishes, positions)
    return looked
