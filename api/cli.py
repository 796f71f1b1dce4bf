"""The `caseledger` command line: seed a demo network, read counts and histories."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

import typer
from eventsourcing.domain import EventSourcingError
from rich import box
from rich.columns import Columns
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from adapters.clock import SimulatedClock
from api.bootstrap import build_ledger
from api.demo import demo_start, plan_demo
from api.settings import Settings, get_settings
from domain.application import CaseLedger
from domain.errors import DomainError
from projections.census import COUNTED_KINDS, Census

__all__ = ["app", "main"]

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="caseledger: an event-sourced case management engine.")
out = Console()


class CliError(Exception):
    """A problem the user can fix, reported as one line."""


def _open_store(settings: Settings, *, must_exist: bool = True, **kwargs: Any) -> CaseLedger:
    if must_exist and not settings.event_store_path.exists():
        raise CliError(f"no event store at {settings.event_store_path}: run `caseledger demo` first "
                       "or set CASELEDGER_DATA_DIR")
    return build_ledger(settings, **kwargs)


@app.command()
def demo(
    cases: Annotated[int, typer.Option(min=0, max=1_000_000, help="How many cases to open.")] = 200,
    seed: Annotated[int, typer.Option(help="Same seed, same network.")] = 1,
    start: Annotated[
        datetime | None, typer.Option(help="Simulated start time (UTC); default 90 days before today.")
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the store already holds events.")
    ] = False,
) -> None:
    """Seed a realistic network into an empty store, through the commands only."""
    settings = get_settings()
    if settings.event_store_path.exists() and _open_store(settings).head() > 0:
        if if_empty:
            out.print(f"the store at {settings.event_store_path} already holds events: not seeding")
            return
        raise CliError(f"the store at {settings.event_store_path} is not empty: demo data goes into an empty store")
    began = (start.replace(tzinfo=start.tzinfo or UTC) if start else demo_start(date.today()))
    clock = SimulatedClock(began)
    ledger = _open_store(settings, must_exist=False, clock=clock)
    plan = plan_demo(ledger, clock, cases=cases, seed=seed)
    plan.ledger.new_id = plan.new_id
    with Progress(TextColumn("seeding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("steps", total=len(plan))
        for _ in plan.run():
            progress.advance(task)
    out.print(f"seeded {cases} cases: {ledger.head()} events in {settings.event_store_path}")


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False) -> None:
    """Counts of events, and of cases, providers and contracts by status and region."""
    ledger = _open_store(get_settings())
    summary = Census().apply_all(logged.event for logged in ledger.read_log()).summary()
    if as_json:
        out.print_json(json.dumps(summary))
        return
    out.print(f"[bold]{summary['events']}[/bold] events")
    for kind in COUNTED_KINDS:
        counts = summary[kind + "s"]
        out.print(f"\n[bold]{kind}s: {counts['total']}[/bold]")
        out.print(Columns([_counts_table("status", counts["by_status"]), _counts_table("region", counts["by_region"])]))


def _counts_table(heading: str, counts: dict[str, int]) -> Table:
    table = Table(heading, "count", box=box.SIMPLE_HEAD)
    table.columns[1].justify = "right"
    for key, n in counts.items():
        table.add_row(key, str(n))
    return table


@app.command()
def history(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="A case, provider, contract or region id.")],
    as_json: Annotated[bool, typer.Option("--json", help="A JSON list of events.")] = False,
) -> None:
    """The events of one record, oldest first, with who did what and when."""
    try:
        uuid = UUID(record_id)
    except ValueError:
        raise CliError(f"{record_id!r} is not a record id (a UUID such as 3f2b...-...)") from None
    events = _open_store(get_settings()).history(uuid)
    rows: list[dict[str, Any]] = [
        {
            "version": e.originator_version,
            "type": e.type_name,
            "occurred_at": e.occurred_at.isoformat(),
            "actor": e.actor.model_dump(mode="json"),
            "data": e.model_dump(mode="json", exclude={"originator_id", "originator_version", "occurred_at",
                                                       "actor", "correlation_id", "causation_id"}),
        }
        for e in events
    ]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table(title=f"{events[0].aggregate_type} {uuid}", title_justify="left")
    for column in ("v", "when", "event", "by", "details"):
        table.add_column(column)
    for row in rows:
        details = ", ".join(f"{k}={v}" for k, v in row["data"].items() if v is not None)
        table.add_row(str(row["version"]), row["occurred_at"], row["type"],
                      f"{row['actor']['id']} ({row['actor']['role']})", details)
    out.print(table)


def main() -> None:
    """Run the CLI; a refusal or a problem the user can fix is one line on stderr and a non-zero exit."""
    try:
        app()
    except (CliError, DomainError, EventSourcingError, OSError) as error:
        print(f"caseledger: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("caseledger: interrupted", file=sys.stderr)
        sys.exit(130)


