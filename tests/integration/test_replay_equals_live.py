"""Read models built live, with runners restarted and crashing at random points, equal read models
rebuilt from scratch; and the case queue agrees with the Case aggregate on every case."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from uuid import UUID

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from adapters.clock import SimulatedClock
from adapters.projection_runner import ProjectionRunner
from api.bootstrap import build_ledger, build_views
from api.demo import plan_demo
from domain.casework.case import Case
from domain.event import DomainEvent
from projections import ALL_PROJECTIONS
from projections.store import Change, Projection, ViewReader
from tests.conftest import Backend
from tests.factories import NOW


class Crash(BaseException):
    """A process dying mid-transaction: not an error a projection could report."""


class CrashingAt(Projection):
    """Wraps a real projection and dies when it reaches one log position."""

    def __init__(self, inner: Projection, position: int) -> None:
        self.inner, self.position = inner, position
        self.name, self.tables = inner.name, inner.tables

    def changes(self, event: DomainEvent, position: int, view: ViewReader) -> list[Change]:
        if position == self.position:
            raise Crash(position)
        return self.inner.changes(event, position, view)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    cases=st.integers(1, 25),
    restarts=st.lists(st.tuples(st.integers(1, 400), st.integers(1, 50), st.booleans()), max_size=6),
)
def test_live_read_models_with_restarts_and_crashes_equal_a_rebuild(
    backend: Backend, seed: int, cases: int, restarts: list[tuple[int, int, bool]]
) -> None:
    # each example has stores of its own: the backend hands out a fresh one per directory
    directory = Path(tempfile.mkdtemp(prefix="caseledger-replay-"))
    try:
        clock = SimulatedClock(NOW)
        ledger = build_ledger(backend.settings(directory), clock=clock)
        plan = plan_demo(ledger, clock, cases=cases, seed=seed)
        ledger.new_id = plan.new_id
        stops = {step: (batch, crash) for step, batch, crash in restarts}
        for step, _ in enumerate(plan.run(), start=1):
            if step in stops:
                # a runner process starts, works a while with its own batch size, and may die mid-batch
                batch, crash = stops[step]
                store = build_views(backend.settings(directory))
                projections = list(ALL_PROJECTIONS)
                if crash:
                    projections[step % len(projections)] = CrashingAt(projections[step % len(projections)],
                                                                      max(ledger.head() - batch // 2, 1))
                try:
                    ProjectionRunner(ledger, store, projections, batch=batch).catch_up()
                except Crash:
                    event("a runner died mid-batch")
                store.close()
        live = ProjectionRunner(ledger, build_views(backend.settings(directory)), ALL_PROJECTIONS, batch=7)
        live.catch_up()
        rebuilt = ProjectionRunner(ledger, build_views(backend.settings(directory / "rebuilt")), ALL_PROJECTIONS)
        rebuilt.rebuild()
        for projection in ALL_PROJECTIONS:
            assert live.store.dump(projection) == rebuilt.store.dump(projection), projection.name
        assert {s.name: s.position for s in live.status()} == {p.name: ledger.head() for p in ALL_PROJECTIONS}

        # the queue's status, assignee and escalation are the aggregate's, case by case
        for row in live.store.dump(ALL_PROJECTIONS[0])["cases"]:
            case = ledger.get(Case, UUID(row["id"]))
            assert (row["status"], row["assignee"], row["escalated_to"], row["version"]) == (
                case.status, case.assignee, case.escalated_to, case.version)
        live.store.close()
        rebuilt.store.close()
        ledger.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
