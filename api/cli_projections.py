"""`caseledger projections`: the read models' positions, and rebuilding them from the log."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from adapters.kafka_projections import KafkaProjectionWorker
from api.bootstrap import build_views
from api.console import CliError, open_runner, out, progress_bar, stop_on_signals
from api.settings import get_settings
from projections import ALL_PROJECTIONS, projection_named

__all__ = ["projections_app"]

projections_app = typer.Typer(no_args_is_help=True, help="Read models: status, rebuild, run.")


@projections_app.command()
def status() -> None:
    """Each read model's position against the head of the log, and any failure that stopped it."""
    rows = open_runner(get_settings()).status()
    table = Table("read model", "position", "head", "lag", "failure", box=box.SIMPLE_HEAD)
    for row in rows:
        table.add_row(row.name, str(row.position), str(row.head), str(row.lag), row.failure or "")
    out.print(table)


@projections_app.command()
def rebuild(
    name: Annotated[str | None, typer.Argument(help="One read model (default: all).")] = None,
) -> None:
    """Drop read models and build them again from the whole log."""
    runner = open_runner(get_settings())
    try:
        chosen = [projection_named(name)] if name else None
    except KeyError as error:
        raise CliError(error.args[0]) from None
    with progress_bar("rebuilding", runner.ledger.head()) as update:
        count = runner.rebuild(chosen, progress=update)
    out.print(f"rebuilt {name or 'all read models'} from {count} events")


class Source(StrEnum):
    LOG = "log"
    KAFKA = "kafka"


@projections_app.command()
def run(
    source: Annotated[Source, typer.Option(help="Feed from the event log, or from the Kafka topics.")] = Source.LOG,
    group: Annotated[str, typer.Option(help="Kafka consumer group (with --source kafka).")] = "caseledger-projections",
) -> None:
    """Keep the read models current until stopped (SIGINT/SIGTERM)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    stop, wake = stop_on_signals()
    if source is Source.LOG:
        open_runner(settings).follow(stop, wake)
        return
    if not settings.kafka_bootstrap:
        raise CliError("--source kafka needs CASELEDGER_KAFKA_BOOTSTRAP (host:port)")
    worker = KafkaProjectionWorker(build_views(settings), ALL_PROJECTIONS, settings.kafka_bootstrap,
                                   settings.kafka_topic_prefix, group)
    try:
        worker.run(stop)
    finally:
        worker.close()
