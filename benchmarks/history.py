"""A large, realistic history written fast: aggregates run their real commands in memory, and the
events go to the store in big transactions (hash chain included), bypassing only the per-command
round trip. Used to measure what depends on history size, not on command throughput."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from uuid import UUID

from adapters.clock import SimulatedClock
from api.bootstrap import build_ledger
from api.settings import Settings
from domain.case import Case
from domain.case_events import ActionKind, Category, Channel, Direction, PolicyArea, ResolutionCode
from domain.event import DomainEvent
from domain.region import Region
from domain.sla import Priority
from domain.values import Actor, Context, Role

__all__ = ["write_history"]

REGIONS = ("north", "south", "east", "west", "central")
START = datetime(2025, 1, 6, 8, tzinfo=UTC)


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
    staff = {code: Region.id_for(code) for code in REGIONS}
    written = 0
    # spread the cases so each region opens about 40 a day, whatever the size of the history
    per_day = 40 * len(REGIONS)
    while written + len(pending) < events:
        opened = clock.advance(timedelta(days=1 / per_day))
        pending += _case_story(rng, opened, staff)
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


def _case_story(rng: random.Random, opened: datetime, staff: dict[str, UUID]) -> list[DomainEvent]:
    from domain.region import StaffMember

    region = rng.choice(REGIONS)
    rep_id = f"rep-{region}-{rng.randint(1, 8)}"
    rep = Actor(id=rep_id, role=Role.REPRESENTATIVE)
    member = StaffMember(id=rep_id, name="Mari Tamm", role=Role.REPRESENTATIVE, region=region)
    t = opened
    case = Case.open(_ctx(rep, t), UUID(int=rng.getrandbits(128), version=4), region=region, channel=Channel.PHONE,
                     customer_ref=f"cust-{rng.randint(1, 10**6)}", subject="Charged twice",
                     description="The bill shows the same charge twice.")
    category = rng.choice(list(Category))
    steps = [
        lambda: case.triage(_ctx(rep, t), category, rng.choice(list(Priority))),
        lambda: case.assign(_ctx(rep, t), member),
        lambda: case.log_contact(_ctx(rep, t), Direction.OUTBOUND, Channel.PHONE, "Called back"),
        lambda: case.schedule_action(_ctx(rep, t), "a1", ActionKind.ACCOUNT_CHANGE, t + timedelta(days=1), "Refund"),
        lambda: case.complete_action(_ctx(rep, t), "a1", "Refunded"),
        lambda: case.resolve(_ctx(rep, t), ResolutionCode.REFUND_ISSUED, "Refunded the double charge"),
        lambda: case.close(_ctx(rep, t), rng.randint(1, 5)),
    ]
    for step in steps[: rng.choice([1, 3, 5, 7, 7, 7])]:
        t += timedelta(minutes=rng.randint(5, 600))
        step()
    if rng.random() < 0.1:
        case.flag_policy_issue(_ctx(rep, t), rng.choice(list(PolicyArea)), "Causes repeat calls")
    del staff
    return case.collect_events()
