"""The composition root: the only place that wires adapters into the application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID, uuid4

from adapters.clock import system_clock
from adapters.event_store import sqlite_env
from api.settings import Settings
from domain.application import CaseLedger

__all__ = ["build_ledger"]


def build_ledger(
    settings: Settings, clock: Callable[[], datetime] = system_clock, new_id: Callable[[], UUID] = uuid4
) -> CaseLedger:
    """The command service on the configured store."""
    return CaseLedger(sqlite_env(settings.event_store_path), clock=clock, new_id=new_id)
