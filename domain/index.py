"""What the command service asks of the records it does not hold: which cases a person holds, which
contracts a provider has.

A rule that reaches across records (a representative who leaves hands back their cases, a suspended
provider suspends its contracts) needs to find those records. The event store is read by record id
only, so the answer comes from an index kept outside the domain (the read models, brought up to the
head of the log first). The index only proposes: the command service loads each record it names from
the event store and acts only where the record, as stored, still matches.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

__all__ = ["NoIndex", "RecordIndex"]


class RecordIndex(Protocol):
    def open_cases_assigned(self, region: str, staff_id: str) -> list[UUID]:
        """Open cases of `region` assigned to `staff_id`."""
        ...

    def cases_escalated_to(self, region: str, staff_id: str) -> list[UUID]:
        """Cases of `region` escalated and waiting for coordinator `staff_id`."""
        ...

    def contracts_of(self, provider_id: UUID) -> list[UUID]:
        """Every contract with this provider, whatever its status."""
        ...

    def regions_staffed_by(self, staff_id: str) -> list[str]:
        """Codes of the regions whose staff includes `staff_id` (as representative or coordinator)."""
        ...

    def close(self) -> None:
        """Release what the index holds open (with the command service)."""
        ...


class NoIndex:
    """For a command service without read models (pure tests of single-record rules): a rule that
    needs the index says so instead of acting on nothing."""

    def _missing(self) -> list[UUID]:
        raise RuntimeError("this command reaches across records and needs the record index: "
                           "build the ledger with `api.bootstrap.build_ledger`")

    def open_cases_assigned(self, region: str, staff_id: str) -> list[UUID]:
        return self._missing()

    def cases_escalated_to(self, region: str, staff_id: str) -> list[UUID]:
        return self._missing()

    def contracts_of(self, provider_id: UUID) -> list[UUID]:
        return self._missing()

    def regions_staffed_by(self, staff_id: str) -> list[str]:
        self._missing()
        return []

    def close(self) -> None:
        pass
