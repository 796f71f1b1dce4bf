"""A large, realistic history written fast: aggregates run their real commands in memory, and the
events go to the store in big transactions (hash chain included), bypassing only the per-command
round trip. Used to measure what depends on history size, not on command throughput.

It models a network in a steady state: each region opens 8 cases a day; a case stops partway
through its story, as some do, but is resolved and closed once it is two weeks old. So the open
cases and the last month's activity are about the same for a history of a month or of years, and
reads that look at them can be compared across history sizes."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from adapters.clock import SimulatedClock
from api.bootstrap import build_ledger
from api.settings import Settings
from domain.casework.case import Case
from domain.casework.case_events import ActionKind, Category, Channel, Direction, PolicyArea, ResolutionCode
from domain.casework.sla import Priority
from domain.event import DomainEvent
from domain.staff.region import Region, StaffMember
from domain.values import Actor, Context, Role

__all__ = ["write_history"]

REGIONS = ("north", "south", "east", "west", "central")
START = datetime(2025, 1, 6, 8, tzinfo=UTC)
CASES_PER_REGION_DAY = 8
OPEN_AT_MOST = timedelta(days=14)

Step = Callable[[Context], None]


def write_history(settings: Settings, events: int, seed: int = 7, batch: int = 5000) -> int:
    """Write about `events` events (whole case stories, so a few more); returns how many were written."""
    rng = random.Random(seed)
    clock = SimulatedClock(START)
    ledger = build_ledger(settings, clock=clock)
    admin = Actor(id="admin", role=Role.ADMIN)
    pending: list[DomainEvent] = []
    for code in REGIONS:
        region = Region.establish(_ctx(admin, clock()), code, code.title())
        region.appoint_coordinator(_ctx(admin, clock()), f"coord-{code}", "Ana Novak")
        for n in range(1, 9):
            region.add_representative(_ctx(admin, clock()), f"rep-{code}-{n}", "Mari Tamm")
        pending += region.collect_events()
    written = 0
    still_open: deque[tuple[datetime, Case, Actor, list[Step]]] = deque()
    while written + len(pending) < events:
        opened = clock.advance(timedelta(days=1 / (CASES_PER_REGION_DAY * len(REGIONS))))
        while still_open and still_open[0][0] < opened - OPEN_AT_MOST:
            _, case, rep, rest = still_open.popleft()
            for step in rest:
                step(_ctx(rep, opened))
            pending += case.collect_events()
        case, rep, rest = _case_story(rng, opened)
        pending += case.collect_events()
        if rest:
            still_open.append((opened, case, rep, rest))
        if len(pending) >= batch:
            ledger.events.put(pending)
            written += len(pending)
            pending = []
    if pending:
        ledger.events.put(pending)
        written += len(pending)
    ledger.close()
    return written


def _ctx(actor: Actor, now: datetime) -> Context:
    return Context(actor=actor, now=now, correlation_id=UUID(int=random.getrandbits(128), version=4))


def _case_story(rng: random.Random, opened: datetime) -> tuple[Case, Actor, list[Step]]:
    """A case opened and taken partway (or all the way) through its story; the steps left."""
    region = rng.choice(REGIONS)
    rep_id = f"rep-{region}-{rng.randint(1, 8)}"
    rep = Actor(id=rep_id, role=Role.REPRESENTATIVE)
    member = StaffMember(id=rep_id, name="Mari Tamm", role=Role.REPRESENTATIVE, region=region)
    t = opened
    case = Case.open(_ctx(rep, t), UUID(int=rng.getrandbits(128), version=4), region=region, channel=Channel.PHONE,
                     customer_ref=f"cust-{rng.randint(1, 10**6)}", subject="Charged twice",
                     description="The bill shows the same charge twice.")
    category = rng.choice(list(Category))
    priority, _satisfaction = rng.choice(list(Priority)), rng.randint(1, 5)  # drawn still: the same histories
    steps: list[Step] = [
        lambda ctx: case.triage(ctx, category, priority),
        lambda ctx: case.assign(ctx, member),
        lambda ctx: case.log_contact(ctx, Direction.OUTBOUND, Channel.PHONE, "Called back"),
        lambda ctx: case.schedule_action(ctx, "a1", ActionKind.ACCOUNT_CHANGE, ctx.now + timedelta(days=1),
                                         "Refund"),
        lambda ctx: case.complete_action(ctx, "a1", "Refunded"),
        lambda ctx: case.resolve(ctx, ResolutionCode.REFUND_ISSUED, "Refunded the double charge"),
        lambda ctx: case.close(ctx),
    ]
    done = rng.choice([1, 3, 5, 7, 7, 7])
    for step in steps[:done]:
        t += timedelta(minutes=rng.randint(5, 600))
        step(_ctx(rep, t))
    if rng.random() < 0.1:
        case.flag_policy_issue(_ctx(rep, t), rng.choice(list(PolicyArea)), "Causes repeat calls")
    return case, rep, steps[done:]
