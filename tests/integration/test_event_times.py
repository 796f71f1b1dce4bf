"""Event times within a record never go backwards, so a record as of a time is the right one.

A command's time is taken when it runs against its loaded record, not when its context was made: a
context held while others changed the record cannot date its event before theirs.
"""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.clock import SimulatedClock
from domain.application import CaseLedger
from domain.casework.case_events import Channel
from domain.errors import ClockBehindRecord, ConcurrentUpdate, RecordNotFound
from domain.ledger import CLOCK_SKEW
from domain.network.contract import Party
from domain.network.provider import ProviderKind
from domain.values import Context
from tests.factories import NOW, REP, ctx, terms

MICROSECOND = timedelta(microseconds=1)


def open_case(ledger: CaseLedger) -> UUID:
    return ledger.open_case(ledger.context(REP), region="north", channel=Channel.PHONE, customer_ref="cust-7",
                            subject="Charged twice", description="Same charge twice").id


def times(ledger: CaseLedger, record_id: UUID) -> list[tuple[int, datetime]]:
    return [(event.originator_version, event.occurred_at) for event in ledger.history(record_id)]


class TestAHeldContext:
    def test_a_context_held_while_others_write_dates_its_event_after_theirs(
        self, ledger: CaseLedger, clock: SimulatedClock
    ) -> None:
        case_id = open_case(ledger)
        held = ledger.context(REP)
        # others write versions 2-4 while the context is held, a second apart
        for n in range(3):
            clock.advance(timedelta(seconds=1))
            ledger.add_note(ledger.context(REP), case_id, f"note {n}")
        clock.advance(timedelta(seconds=1))
        ledger.add_note(held, case_id, "written with the held context")
        history = ledger.history(case_id)
        assert [e.occurred_at for e in history] == sorted(e.occurred_at for e in history)
        assert history[-1].occurred_at == clock.now
        # as of version 4's time, the record is at version 4, not 5
        assert ledger.version_at(case_id, history[3].occurred_at) == 4
        assert ledger.version_at(case_id, history[4].occurred_at) == 5

    def test_a_clock_a_little_behind_the_records_last_event_dates_the_event_at_that_event(
        self, ledger: CaseLedger, clock: SimulatedClock
    ) -> None:
        case_id = open_case(ledger)
        clock.advance(timedelta(hours=1))
        ledger.add_note(ledger.context(REP), case_id, "from a server whose clock is right")
        # another server's clock is a little behind (skew between servers)
        clock.advance(-CLOCK_SKEW)
        ledger.add_note(ledger.context(REP), case_id, "from a server whose clock is behind")
        (_, first), (_, second), (_, third) = times(ledger, case_id)
        assert first < second == third

    def test_a_clock_far_behind_the_records_last_event_is_refused_rather_than_dated_falsely(
        self, ledger: CaseLedger, clock: SimulatedClock
    ) -> None:
        case_id = open_case(ledger)
        clock.advance(timedelta(hours=1))
        ledger.add_note(ledger.context(REP), case_id, "from a server whose clock is right")
        clock.advance(timedelta(hours=-1))
        with pytest.raises(ClockBehindRecord, match="set the server's clock right"):
            ledger.add_note(ledger.context(REP), case_id, "from a server whose clock is an hour behind")
        assert len(times(ledger, case_id)) == 2

    def test_a_command_on_one_record_that_reads_another_is_dated_when_it_runs(
        self, ledger: CaseLedger, clock: SimulatedClock
    ) -> None:
        held = ledger.context(REP)
        provider_id = ledger.prospect_provider(ledger.context(REP), name="Riverside Clinic", kind=ProviderKind.CLINIC,
                                               region="north").id
        for step in (ledger.receive_application, ledger.start_credentialing):
            step(ledger.context(REP), provider_id)
        ledger.credential_provider(ledger.context(REP), provider_id, clock.now.date() + timedelta(days=365))
        ledger.activate_provider(ledger.context(REP), provider_id)
        contract_id = ledger.draft_contract(ledger.context(REP), provider_id=provider_id, title="Primary care",
                                            terms=terms(clock.now.date())).id
        clock.advance(timedelta(minutes=5))
        ledger.propose_contract(ledger.context(REP), contract_id)
        clock.advance(timedelta(minutes=5))
        # the held context is used for a creation and an update reading two records: both dated now
        case_id = ledger.open_case(held, region="north", channel=Channel.PHONE, customer_ref="cust-7",
                                   subject="Charged twice", description="Same charge twice",
                                   provider_id=provider_id, contract_id=contract_id).id
        assert ledger.history(case_id)[0].occurred_at == clock.now
        clock.advance(timedelta(minutes=5))
        ledger.counter_offer(held, contract_id, Party.PROVIDER, terms(clock.now.date(), days=45))
        assert ledger.history(contract_id)[-1].occurred_at == clock.now

    def test_writers_racing_with_held_contexts_keep_the_records_times_in_order(
        self, ledger: CaseLedger, clock: SimulatedClock
    ) -> None:
        """Concurrent commands (saved together by SQLite's group commit) are each dated when they run."""
        case_id = open_case(ledger)
        # twenty contexts made a second apart, then handed out in a scrambled order to four writers
        held = []
        for _ in range(20):
            clock.advance(timedelta(seconds=1))
            held.append(ledger.context(REP))
        random.Random(7).shuffle(held)
        start = threading.Barrier(4, timeout=30)

        def writer(n: int) -> None:
            start.wait()
            for context in held[n::4]:
                clock.advance(timedelta(milliseconds=1))
                while True:
                    try:
                        ledger.add_note(context, case_id, f"note from writer {n}")
                        break
                    except ConcurrentUpdate:
                        continue  # another writer saved this version first: reload and try again

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(writer, range(4)))
        history = times(ledger, case_id)
        assert [version for version, _ in history] == list(range(1, 22))
        assert [moment for _, moment in history] == sorted(moment for _, moment in history)

    def test_a_context_made_with_a_fixed_time_keeps_it(self) -> None:
        context: Context = ctx(REP, NOW)
        assert context.now == NOW


# Steps of an interleaving: ("hold", slot) makes a context and keeps it in a slot; ("use", slot, record) runs a
# command on a record with the context held in a slot; ("tick", seconds) moves the clock (backwards too, as a
# server whose clock is behind would).
STEP = st.one_of(
    st.tuples(st.just("hold"), st.integers(0, 2)),
    st.tuples(st.just("use"), st.integers(0, 2), st.integers(0, 1)),
    st.tuples(st.just("tick"), st.integers(-5, 30)),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=25))
def test_any_interleaving_of_held_contexts_keeps_each_records_times_in_order(
    ledger: CaseLedger, clock: SimulatedClock, steps: list[tuple[str, int] | tuple[str, int, int]]
) -> None:
    records = [open_case(ledger), open_case(ledger)]
    held = [ledger.context(REP) for _ in range(3)]
    for step in steps:
        match step:
            case ("hold", slot):
                held[slot] = ledger.context(REP)
            case ("use", slot, record):
                try:
                    ledger.add_note(held[slot], records[record], "a note")
                except ClockBehindRecord:  # refused only where the clock is further behind than skew explains
                    assert times(ledger, records[record])[-1][1] - clock() > CLOCK_SKEW
            case ("tick", seconds):
                clock.advance(timedelta(seconds=seconds))
    for record_id in records:
        history = times(ledger, record_id)
        moments = [moment for _, moment in history]
        assert moments == sorted(moments)
        for _, moment in history:
            for probe in (moment - MICROSECOND, moment, moment + MICROSECOND):
                expected = max((version for version, at in history if at <= probe), default=0)
                if expected == 0:
                    with pytest.raises(RecordNotFound):
                        ledger.version_at(record_id, probe)
                else:
                    assert ledger.version_at(record_id, probe) == expected
