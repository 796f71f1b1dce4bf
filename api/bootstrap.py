"""The composition root: the only place that wires adapters into the application."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from uuid import UUID, uuid4

from adapters.clock import system_clock
from adapters.event_store import store_env
from adapters.kafka_projections import OFFSETS
from adapters.kafka_relay import KafkaRelay, RelayConfig
from adapters.projection_runner import ProjectionRunner
from adapters.record_index import ReadModelIndex
from adapters.schema import check_schema, migration_lock, record_version
from adapters.sign_in_codes import SIGN_IN_CODES
from adapters.view_store import PostgresViewStore, ViewStore, open_view_store
from api.settings import Settings
from domain.application import CaseLedger
from projections import ALL_PROJECTIONS

__all__ = ["build_ledger", "build_relay", "build_runner", "build_views", "migrate"]


def build_ledger(
    settings: Settings, clock: Callable[[], datetime] = system_clock, new_id: Callable[[], UUID] = uuid4
) -> CaseLedger:
    """The command service on the configured store (refused if a PostgreSQL store is not migrated)."""
    database = settings.database
    check_schema(database)
    ledger = CaseLedger(store_env(database, create_tables=database.backend == "sqlite"), clock=clock, new_id=new_id)
    ledger.index = ReadModelIndex(lambda: build_runner(settings, ledger))
    return ledger


def build_views(settings: Settings) -> ViewStore:
    return open_view_store(settings.database)


def build_runner(settings: Settings, ledger: CaseLedger) -> ProjectionRunner:
    """Every read model, fed from the ledger's log into the views store."""
    return ProjectionRunner(ledger, build_views(settings), ALL_PROJECTIONS)


def build_relay(settings: Settings, ledger: CaseLedger) -> KafkaRelay:
    """The Kafka relay, for the configured bootstrap servers."""
    if not settings.kafka_bootstrap:
        raise ValueError("no Kafka configured: set CASELEDGER_KAFKA_BOOTSTRAP (host:port)")
    return KafkaRelay(ledger, RelayConfig(settings.kafka_bootstrap, settings.kafka_topic_prefix,
                                          settings.kafka_partitions, settings.kafka_transactions))


def migrate(settings: Settings) -> None:
    """Create or upgrade every table of the event store and the read models. Idempotent; on PostgreSQL
    concurrent runs take turns."""
    database = settings.database
    postgres = database.backend == "postgresql"
    with migration_lock(database) if postgres else nullcontext():
        CaseLedger(store_env(database, create_tables=True), clock=system_clock).close()
        views = PostgresViewStore(database, create_tables=True) if postgres else open_view_store(database)
        try:
            views.create_views(ALL_PROJECTIONS)
            views.create_tables([OFFSETS, SIGN_IN_CODES])  # SIGN_IN_CODES: the web pages' one-time links
        finally:
            views.close()
        if postgres:
            record_version(database)
