"""The composition root: the only place that wires adapters into the application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID, uuid4

from adapters.clock import system_clock
from adapters.event_store import sqlite_env
from adapters.kafka_relay import KafkaRelay, RelayConfig
from adapters.projection_runner import ProjectionRunner
from adapters.view_store import SQLiteViewStore
from api.settings import Settings
from domain.application import CaseLedger
from projections import ALL_PROJECTIONS

__all__ = ["build_ledger", "build_relay", "build_runner"]


def build_ledger(
    settings: Settings, clock: Callable[[], datetime] = system_clock, new_id: Callable[[], UUID] = uuid4
) -> CaseLedger:
    """The command service on the configured store."""
    return CaseLedger(sqlite_env(settings.event_store_path), clock=clock, new_id=new_id)


def build_runner(settings: Settings, ledger: CaseLedger) -> ProjectionRunner:
    """Every read model, fed from the ledger's log into the views store."""
    return ProjectionRunner(ledger, SQLiteViewStore(settings.views_path), ALL_PROJECTIONS)


def build_relay(settings: Settings, ledger: CaseLedger) -> KafkaRelay:
    """The Kafka relay, for the configured bootstrap servers."""
    if not settings.kafka_bootstrap:
        raise ValueError("no Kafka configured: set CASELEDGER_KAFKA_BOOTSTRAP (host:port)")
    return KafkaRelay(ledger, RelayConfig(settings.kafka_bootstrap, settings.kafka_topic_prefix,
                                          settings.kafka_partitions, settings.kafka_transactions))
