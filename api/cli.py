"""The `caseledger` command line: seed a demo network, read counts, histories and dashboards."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from typing import Annotated, Any
from uuid import UUID

import typer
from eventsourcing.domain import EventSourcingError
from rich import box
from rich.columns import Columns
from rich.table import Table

from adapters.clock import SimulatedClock, system_clock
from adapters.database import InvalidDatabaseUrl
from adapters.projection_runner import ProjectionFailed
from adapters.schema import SchemaNotReady
from api.cli_audit import audit_app
from api.cli_db import db_app
from api.cli_projections import projections_app
from api.cli_relay import relay_app
from api.cli_serve import run_server, token_app
from api.cli_timers import timers_app
from api.console import CliError, open_runner, open_store, out, progress_bar, store_exists
from api.demo import demo_start, plan_demo
from api.settings import get_settings
from domain.aggregate import aggregate_class
from domain.errors import DomainError
from projections.census import COUNTED_KINDS, Census
from projections.dashboard import region_dashboard

__all__ = ["app", "main"]

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="caseledger: an event-sourced case management engine.")
app.add_typer(projections_app, name="projections")
app.add_typer(audit_app, name="audit")
app.add_typer(token_app, name="token")
app.add_typer(relay_app, name="relay")
app.add_typer(db_app, name="db")
app.add_typer(timers_app, name="timers")


def _print_version(asked: bool) -> None:
    """The one version there is: pyproject.toml's, as installed."""
    if asked:
        out.print(f"caseledger {version('caseledger')}")
        raise typer.Exit()


@app.callback()
def options(
    _version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                           help="Print the version and exit.")] = False,
) -> None:
    """caseledger: an event-sourced case management engine."""


LIVE_EVERY = 250
"""Demo steps between two catch-ups of the read models, so they are built live, not in one go."""


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command()
def demo(
    cases: Annotated[int, typer.Option(min=0, max=1_000_000, help="How many cases to open.")] = 200,
    seed: Annotated[int, typer.Option(help="Same seed, same network.")] = 1,
    start: Annotated[
        datetime | None, typer.Option(help="Simulated start time (UTC); default 90 days before today (earlier if the "
                                      "network's story would not be over by now). Same seed and start, same network.")
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the store already holds events.")
    ] = False,
) -> None:
    """Seed a realistic network into an empty store, through the commands only."""
    settings = get_settings()
    where = settings.database.display
    if store_exists(settings) and open_store(settings).head() > 0:
        if if_empty:
            out.print(f"the store at {where} already holds events: not seeding")
            return
        raise CliError(f"the store at {where} is not empty: demo data goes into an empty store")
    now = datetime.now(UTC)
    clock = SimulatedClock(_utc(start) if start else demo_start(now.date()))
    ledger = open_store(settings, must_exist=False, clock=clock)
    runner = open_runner(settings, ledger)
    plan = plan_demo(ledger, clock, cases=cases, seed=seed)
    overrun = (plan.ends_at() or now) - now
    if overrun > timedelta(0):  # the network's story must be over by now: no event dated in the future
        if start is not None:
            raise CliError(f"a demo of {cases} cases starting at {_utc(start).isoformat()} would record events until "
                           f"{(plan.ends_at() or now).isoformat()}, after now: give an earlier --start")
        clock.now -= timedelta(days=overrun.days + 1)  # whole days earlier: the same network, over by now
        plan = plan_demo(ledger, clock, cases=cases, seed=seed)
    ledger.new_id = plan.new_id
    with progress_bar("seeding", len(plan)) as update:
        for done, _ in enumerate(plan.run(), start=1):
            if done % LIVE_EVERY == 0:
                runner.catch_up()
                update(done, len(plan) + done)
    runner.catch_up()
    out.print(f"seeded {cases} cases: {ledger.head()} events in {where}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    admin_token: Annotated[bool, typer.Option(help="Print an administrator token at start.")] = True,
) -> None:
    """Serve the HTTP API (and keep the read models current) until interrupted."""
    run_server(get_settings(), host, port, admin_token)


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False) -> None:
    """Counts of events, and of cases, providers and contracts by status and region."""
    ledger = open_store(get_settings())
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
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
    as_of: Annotated[datetime | None, typer.Option(help="Print the record's state at this time instead.")] = None,
    version: Annotated[int | None, typer.Option(min=1, help="Print the record's state at this version.")] = None,
) -> None:
    """The events of one record, oldest first, with who did what and when; or its state at a past moment."""
    try:
        uuid = UUID(record_id)
    except ValueError:
        raise CliError(f"{record_id!r} is not a record id (a UUID such as 3f2b...-...)") from None
    ledger = open_store(get_settings())
    events = ledger.history(uuid)
    if as_of is not None and version is not None:
        raise CliError("give --as-of or --version, not both")
    if as_of is not None and as_of.tzinfo is None:
        raise CliError(f"--as-of {as_of.isoformat()} has no offset: give one, e.g. {as_of.isoformat()}Z")
    if as_of is not None or version is not None:
        at = version if version is not None else ledger.version_at(uuid, as_of)  # type: ignore[arg-type]
        if at > events[-1].originator_version:
            raise CliError(f"record {uuid} has {events[-1].originator_version} versions, not {at}")
        state = ledger.get(aggregate_class(events[0].aggregate_type), uuid, version=at)
        out.print_json(state.model_dump_json())
        return
    rows: list[dict[str, Any]] = [
        {
            "version": e.originator_version,
            "type": e.type_name,
            "occurred_at": e.occurred_at.isoformat(),
            "actor": e.actor.model_dump(mode="json"),
            "correlation_id": str(e.correlation_id),
            "causation_id": e.causation_id and str(e.causation_id),
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


@app.command()
def dashboard(
    region: Annotated[str, typer.Argument(help="The region's code, e.g. north.")],
    now: Annotated[datetime | None, typer.Option(help="Compute as of this time (UTC); default now.")] = None,
    at_risk_hours: Annotated[float, typer.Option(min=0, help="SLA 'at risk' window, in hours.")] = 24,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """The coordinator's dashboard for one region, from the read models (brought up to date first)."""
    settings = get_settings()
    runner = open_runner(settings)
    runner.catch_up()
    with runner.store.reader() as view:
        if not view.get("regions", {"code": region}):
            raise CliError(f"no region {region!r}; there are: "
                           + ", ".join(r["code"] for r in view.select("SELECT code FROM regions ORDER BY code")))
        figures = region_dashboard(view, region, _utc(now) if now else system_clock(),
                                   timedelta(hours=at_risk_hours))
    if as_json:
        out.print_json(json.dumps(figures))
        return
    _print_dashboard(figures)


def _print_dashboard(figures: dict[str, Any]) -> None:
    open_cases, sla = figures["open_cases"], figures["sla"]
    out.print(f"[bold]{figures['region']}[/bold] as of {figures['as_of']}")
    out.print(f"open cases: {open_cases['total']}   SLA breached: {sla['breached']}   "
              f"at risk (next {sla['at_risk_within_hours']:g} h): {sla['at_risk']}   "
              f"escalations waiting: {len(figures['escalations_waiting'])}")
    out.print(Columns([_counts_table(k.removeprefix("by_"), open_cases[k])
                       for k in ("by_status", "by_priority", "by_category")]))
    workload = Table("representative", "name", "open cases", box=box.SIMPLE_HEAD, title="workload")
    for row in figures["workload"]:
        workload.add_row(row["representative"], row["name"], str(row["open_cases"]))
    out.print(workload)
    satisfaction = figures["satisfaction"]
    out.print(f"last {figures['period_days']} days: median first response "
              f"{figures['median_minutes_to_first_response']} min, median resolution "
              f"{figures['median_minutes_to_resolution']} min, satisfaction {satisfaction['average']} "
              f"({satisfaction['responses']} responses)")
    problems = Table("policy area", "this week", "last week", "categories", box=box.SIMPLE_HEAD,
                     title="common problems")
    for area in figures["common_problems"]["policy_areas"]:
        problems.add_row(area["policy_area"], str(area["this_week"]), str(area["last_week"]),
                         ", ".join(f"{k} {v}" for k, v in area["categories"].items()))
    out.print(problems)


def main() -> None:
    """Run the CLI; a refusal or a problem the user can fix is one line on stderr and a non-zero exit."""
    try:
        app()
    except (CliError, DomainError, ProjectionFailed, EventSourcingError, OSError, SchemaNotReady,
            InvalidDatabaseUrl) as error:
        print(f"caseledger: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("caseledger: interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":  # `python -m api.cli`, as the console script does
    main()
