"""The record index the command service asks across records, answered by the read models after they
are brought up to the head of the log (so a record written just before is not missed)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from uuid import UUID

from adapters.projection_runner import ProjectionRunner

__all__ = ["ReadModelIndex"]

OPEN = ("new", "triaged", "in_progress", "escalated", "waiting_on_customer")


class ReadModelIndex:
    """A `domain.index.RecordIndex` over the case queue and the contract register; the runner is made
    on first use, so a process that never asks pays nothing."""

    def __init__(self, make_runner: Callable[[], ProjectionRunner]) -> None:
        self._make_runner = make_runner
        self._runner: ProjectionRunner | None = None
        self._lock = threading.Lock()

    def open_cases_assigned(self, region: str, staff_id: str) -> list[UUID]:
        statuses = ", ".join(f"'{status}'" for status in OPEN)
        return self._ids(f"SELECT id FROM cases WHERE region = :region AND assignee = :staff AND status IN ({statuses})"
                         " ORDER BY id", {"region": region, "staff": staff_id})

    def cases_escalated_to(self, region: str, staff_id: str) -> list[UUID]:
        # an escalated case waiting on the customer is still the coordinator's: it keeps `escalated_to`
        return self._ids("SELECT id FROM cases WHERE region = :region AND escalated_to = :staff "
                         "AND status IN ('escalated', 'waiting_on_customer') ORDER BY id",
                         {"region": region, "staff": staff_id})

    def regions_staffed_by(self, staff_id: str) -> list[str]:
        runner = self._current()
        with runner.store.reader() as view:
            rows = view.select("SELECT region FROM staff WHERE staff_id = :staff ORDER BY region", {"staff": staff_id})
        return [str(row["region"]) for row in rows]

    def contracts_of(self, provider_id: UUID) -> list[UUID]:
        return self._ids("SELECT id FROM contracts WHERE provider_id = :provider ORDER BY id",
                         {"provider": str(provider_id)})

    def close(self) -> None:
        if self._runner is not None:
            self._runner.store.close()

    def _ids(self, sql: str, params: dict[str, Any]) -> list[UUID]:
        runner = self._current()
        with runner.store.reader() as view:
            return [UUID(str(row["id"])) for row in view.select(sql, params)]

    def _current(self) -> ProjectionRunner:
        with self._lock:
            if self._runner is None:
                self._runner = self._make_runner()
            self._runner.catch_up()
            return self._runner
