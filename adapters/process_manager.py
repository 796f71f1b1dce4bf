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
from domain.errors import ClockBehindRecord, ConcurrentUpdate, DomainError, RecordNotFound, VersionMismatch
from domain.ledger import LedgerBase

__all__ = ["LEASE_SECONDS", "ProcessManager", "Round"]

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
        result = Round()
        if not self.recorder.take_lease(self.owner, self.wall_clock(), self.lease_seconds):
            return result
        result.leased = True
        while True:
            due = self.recorder.due_timers(self.ledger.clock(), self.batch)
            before = result.fired + result.dropped
            for timer in due:
                try:
                    self.ledger.fire_timer(timer)
                    result.fired += 1
                except RETRY:
                    result.retried += 1
                except (DomainError, RecordNotFound) as refused:
                    # the record no longer wants it, or a rule refuses it now: keep it, with why, never fired
                    self.recorder.drop_timer(timer.id, str(refused))
                    result.dropped += 1
                except Exception as error:
                    log.exception("timer %s (%s of %s %s) failed", timer.id, timer.purpose, timer.kind, timer.record_id)
                    result.failed.append(f"{timer.id}: {type(error).__name__}: {error}")
            if len(due) < self.batch or result.fired + result.dropped == before:
                return result
            self.recorder.take_lease(self.owner, self.wall_clock(), self.lease_seconds)

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
