"""`caseledger timers`: what is due, fired and late, and the process manager that fires them."""

from __future__ import annotations

import json
import logging
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from adapters.hash_chain import ChainedRecorder
from adapters.process_manager import ProcessManager, sync_timers
from adapters.timer_store import TimerRow
from api.console import CliError, open_store, out, stop_on_signals
from api.settings import get_settings
from domain.application import CaseLedger
from domain.timer import TimerState

__all__ = ["timers_app"]

timers_app = typer.Typer(no_args_is_help=True, help="Timers: what is due, fired and late; the process manager.")


def _recorder(ledger: CaseLedger) -> ChainedRecorder:
    recorder = ledger.recorder
    if not isinstance(recorder, ChainedRecorder):  # pragma: no cover - every store the engine opens is chained
        raise CliError("this store keeps no timers")
    return recorder


def _row(timer: TimerRow) -> dict[str, object]:
    return {"id": str(timer.id), "record": f"{timer.kind} {timer.record_id}", "region": timer.region,
            "purpose": timer.purpose, "due_at": timer.due_at.isoformat(), "state": timer.state,
            "fired_at": timer.fired_at and timer.fired_at.isoformat(), "outcome": timer.outcome}


@timers_app.command()
def status(
    region: Annotated[str | None, typer.Option(help="Only this region's timers.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Rows per list.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Counts per state, the late timers (due, not yet fired) and the next ones due."""
    ledger = open_store(get_settings())
    try:
        recorder, now = _recorder(ledger), ledger.clock()
        counts = recorder.timer_counts(now, region)
        late = recorder.timers(now, region=region, late=True, limit=limit)
        upcoming = [row for row in recorder.timers(now, state=TimerState.DUE, region=region, limit=limit + len(late))
                    if not row.late(now)][:limit]
        fired = recorder.timers(now, state=TimerState.FIRED, region=region, limit=limit, newest=True)
    finally:
        ledger.close()
    summary = {state: {"count": counts.get(state, (0, 0, None))[0]} for state in
               (TimerState.DUE, TimerState.FIRED, TimerState.CANCELLED, TimerState.DROPPED)}
    summary[TimerState.DUE]["late"] = counts.get(TimerState.DUE, (0, 0, None))[1]
    if as_json:
        out.print_json(json.dumps({"as_of": now.isoformat(), "counts": summary, "late": [_row(t) for t in late],
                                   "next": [_row(t) for t in upcoming], "fired": [_row(t) for t in fired]}))
        return
    out.print(f"timers as of {now.isoformat(timespec='seconds')}: "
              f"{summary[TimerState.DUE]['count']} due ({summary[TimerState.DUE]['late']} late), "
              f"{summary[TimerState.FIRED]['count']} fired, {summary[TimerState.CANCELLED]['count']} cancelled, "
              f"{summary[TimerState.DROPPED]['count']} dropped")
    for title, rows in (("late", late), ("next due", upcoming), ("last fired", fired)):
        if rows:
            table = Table(title=title, box=box.SIMPLE)
            for column in ("due at", "purpose", "record", "region", "state"):
                table.add_column(column, overflow="fold")
            for timer in rows:
                table.add_row(timer.due_at.isoformat(timespec="seconds"), timer.purpose,
                              f"{timer.kind} {timer.record_id}", timer.region or "", timer.state)
            out.print(table)


@timers_app.command()
def run(
    once: Annotated[bool, typer.Option("--once", help="Fire what is due now, then exit.")] = False,
) -> None:
    """The process manager: fire due timers until stopped (it waits while another process holds the lease)."""
    settings = get_settings()
    ledger = open_store(settings)
    manager = ProcessManager(ledger, lease_seconds=settings.timer_lease_seconds)
    try:
        if once:
            result = manager.run_once()
            manager.recorder.release_lease(manager.owner)
            if not result.leased:
                raise CliError("another process manager holds the lease: try again when it stops")
            out.print(f"fired {result.fired}, dropped {result.dropped}, to retry {result.retried + len(result.failed)}")
            return
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        stop, _ = stop_on_signals()
        out.print(f"process manager {manager.owner} firing due timers every {settings.timer_interval_seconds:g} s "
                  f"on {settings.database.display} (it waits while another holds the lease); Ctrl-C to stop")
        manager.run(stop, settings.timer_interval_seconds)
    finally:
        ledger.close()


@timers_app.command()
def sync() -> None:
    """Set the timers every record wants now: once, after upgrading a store written before timers existed."""
    ledger = open_store(get_settings())
    try:
        looked = sync_timers(ledger)
    finally:
        ledger.close()
    out.print(f"looked at {looked} records; their timers are set")
