"""The base of the command service: load, check the version, call, save once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Recording, StoredEvent
from eventsourcing.utils import Environment

from domain.aggregate import Aggregate
from domain.errors import ClockBehindRecord, ConcurrentUpdate, RecordNotFound, TimerNotWanted, VersionMismatch
from domain.event import DomainEvent
from domain.index import NoIndex, RecordIndex
from domain.timer import DueTimer
from domain.values import Actor, Context, Role

__all__ = ["TIMERS", "CommandResult", "LedgerBase", "LoggedEvent", "replay"]

A = TypeVar("A", bound=Aggregate)

CLOCK_SKEW = timedelta(seconds=5)
"""How far the clocks of two servers writing one store may disagree: an event is dated at its record's
last event's time when this server's clock is behind it by no more, and refused when by more."""

TIMERS = Actor(id="timers", role=Role.SYSTEM)
"""Who acts when a timer fires: the process manager, named as such on every event it causes."""

CACHED_RECORDS = 10_000
"""Records kept in memory between commands. A cached record is brought up to date with the events
stored after it (one indexed read, usually empty) and copied before a command changes it, so other
processes' writes are seen and a refused command leaves the cache untouched."""


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's projector without its per-event runtime protocol check, which on Python 3.11
    cost about a quarter of every command (our events all mutate)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


@dataclass(frozen=True)
class CommandResult:
    """What a client needs after a command: the record, its new version, and the log position
    that read models must reach before they show the change."""

    id: UUID
    version: int
    position: int


@dataclass(frozen=True)
class LoggedEvent:
    """An event with its place in the global, gapless log."""

    position: int
    event: DomainEvent


class LedgerBase(Application[UUID]):
    """An `eventsourcing` Application configured only by the environment it is given.

    The process environment is not read here: the composition root decides the store, mapper and
    transcoder, and passes the clock and the id source, so the domain stays free of I/O.
    """

    name = "caseledger"

    def __init__(
        self,
        env: Mapping[str, str],
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID] = uuid4,
    ) -> None:
        self.clock = clock
        self.new_id = new_id
        self.listeners: list[Callable[[int], None]] = []
        self.index: RecordIndex = NoIndex()
        """Where rules that reach across records find them (the composition root sets the real one)."""
        # one per application; a ContextVar, so each thread (and each request) stamps its own command
        self._stamp: ContextVar[datetime | None] = ContextVar(f"{self.name}-command-time", default=None)
        self._firing: ContextVar[UUID | None] = ContextVar(f"{self.name}-firing-timer", default=None)
        super().__init__(dict(env))

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        settings = dict(env or {})
        settings.setdefault("AGGREGATE_CACHE_MAXSIZE", str(CACHED_RECORDS))
        if type(self).snapshotting_intervals:
            settings.setdefault("IS_SNAPSHOTTING_ENABLED", "y")
        return Environment(name, settings)

    def close(self) -> None:
        self.index.close()
        super().close()

    def context(self, actor: Actor, correlation_id: UUID | None = None, causation_id: UUID | None = None) -> Context:
        """A command's context. It carries no time of its own: it asks `command_time` when the command
        runs, so holding it (a slow client, a queued request) cannot date an event in the past."""
        return Context.timed_by(self.command_time, actor, correlation_id or uuid4(), causation_id)

    def command_time(self) -> datetime:
        """The running command's time: fixed when it loads its record, and never before that record's
        last event (so times within a record never decrease, whatever another server's clock says);
        for a command creating a record, the clock's time now."""
        stamp = self._stamp.get()
        return self.clock() if stamp is None else stamp

    def get(self, kind: type[A], record_id: UUID, version: int | None = None) -> A:
        """The record as it is now, or as it was at `version`."""
        try:
            aggregate: Aggregate = self.repository.get(record_id, version=version, projector_func=replay)
        except AggregateNotFoundError:
            raise RecordNotFound(kind.aggregate_type, record_id) from None
        if not isinstance(aggregate, kind):
            raise RecordNotFound(kind.aggregate_type, record_id)
        return aggregate

    def version_at(self, record_id: UUID, moment: datetime) -> int:
        """The record's version at `moment`: a binary search over its events' times (one event read
        per probe), so it stays fast for long histories."""
        last = next(iter(self.events.get(record_id, desc=True, limit=1)), None)
        if last is None:
            raise RecordNotFound("record", record_id)
        low, high = 0, last.originator_version
        while low < high:
            middle = (low + high + 1) // 2
            (event,) = self.events.get(record_id, gt=middle - 1, lte=middle)
            if cast(DomainEvent, event).occurred_at <= moment:
                low = middle
            else:
                high = middle - 1
        if low == 0:
            raise RecordNotFound("record", f"{record_id} as of {moment.isoformat()} (it did not exist yet)")
        return low

    def history(self, record_id: UUID) -> list[DomainEvent]:
        """Every event of one record, oldest first."""
        events = [cast(DomainEvent, event) for event in self.events.get(record_id)]
        if not events:
            raise RecordNotFound("record", record_id)
        return events

    def decode(self, stored: StoredEvent) -> DomainEvent:
        """A stored row (or notification) as the domain event it records."""
        return cast(DomainEvent, self.mapper.to_domain_event(stored))

    def read_log(self, after: int = 0, page: int = 1000) -> Iterator[LoggedEvent]:
        """Every event in global order, from position `after` (exclusive)."""
        while True:
            notifications = self.recorder.select_notifications(after + 1, page)
            for notification in notifications:
                yield LoggedEvent(notification.id, self.decode(notification))
            if len(notifications) < page:
                return
            after = notifications[-1].id

    def head(self) -> int:
        """The position of the newest event (0 for an empty store)."""
        return self.recorder.max_notification_id() or 0

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Every save passes each changed record's wished-for timers to the store, which sets and cancels
        them in the events' transaction; a timer's command also marks that timer fired there (once)."""
        wishes = {obj.id: (obj.aggregate_type, getattr(obj, "region", None), obj.timers())
                  for obj in objs if isinstance(obj, Aggregate) and obj.pending_events
                  and type(obj).timers is not Aggregate.timers}
        if wishes:
            kwargs["timers"] = wishes
        firing = self._firing.get()
        if firing is not None:
            kwargs["fired_timer"] = (firing, self.clock())
        return super().save(*objs, **kwargs)

    def fire_timer(self, timer: DueTimer) -> CommandResult:
        """Run the command a due timer stands for (`fire_<kind>_timer`), caused by the timer; refused with
        `TimerNotWanted` when its record no longer wants it now."""
        handler: Callable[[Context, UUID, str], CommandResult] | None = getattr(self, f"fire_{timer.kind}_timer", None)
        if handler is None:
            raise TimerNotWanted(timer.kind, timer.record_id, timer.purpose)
        token = self._firing.set(timer.id)
        try:
            return handler(self.context(TIMERS, causation_id=timer.id), timer.record_id, timer.purpose)
        finally:
            self._firing.reset(token)

    def require_due(self, aggregate: Aggregate, purpose: str) -> datetime:
        """The due time of a timer `aggregate` wants now, or `TimerNotWanted`: a handler's first check."""
        due = aggregate.timers().get(purpose)
        if due is None or due > self.command_time():
            raise TimerNotWanted(aggregate.aggregate_type, aggregate.id, purpose)
        return due

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        """Tell listeners (a read-model runner, a relay) the log's new head, after the commit."""
        if recordings:
            for listener in self.listeners:
                listener(recordings[-1].notification.id)

    def _update(
        self, kind: type[A], record_id: UUID, expected_version: int | None, command: Callable[[A], None]
    ) -> CommandResult:
        aggregate = self.get(kind, record_id)
        if expected_version is not None and expected_version != aggregate.version:
            raise VersionMismatch(kind.aggregate_type, record_id, expected_version, aggregate.version)
        stamp = self._stamp.set(self._time_after(aggregate))
        try:
            command(aggregate)
        finally:
            self._stamp.reset(stamp)
        try:
            return self._commit(aggregate)
        except ConcurrentUpdate:
            if expected_version is None:
                raise
            # a conditional command that lost the race saw a version that is no longer current
            raise VersionMismatch(kind.aggregate_type, record_id, expected_version,
                                  self.get(kind, record_id).version) from None

    def _time_after(self, aggregate: Aggregate) -> datetime:
        """The time of a command on `aggregate`: the clock's, or its last event's where clocks of two
        servers disagree by a little; a clock further behind is refused rather than dated falsely."""
        now = self.clock()
        if aggregate.modified_at - now > CLOCK_SKEW:
            raise ClockBehindRecord(aggregate.aggregate_type, aggregate.id, now, aggregate.modified_at)
        return max(now, aggregate.modified_at)

    def _commit(self, aggregate: Aggregate) -> CommandResult:
        try:
            recordings = self.save(aggregate)
        except IntegrityError:
            raise ConcurrentUpdate(aggregate.aggregate_type, aggregate.id) from None
        return CommandResult(aggregate.id, aggregate.version, recordings[-1].notification.id)
