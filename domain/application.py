"""The command service: every command of the domain, on one `eventsourcing` Application."""

from __future__ import annotations

from domain.case_commands import CaseCommands
from domain.network_commands import NetworkCommands

__all__ = ["CaseLedger"]


class CaseLedger(CaseCommands, NetworkCommands):
    """Runs commands against the event store: each command's events are saved in one transaction,
    durable before the method returns."""
