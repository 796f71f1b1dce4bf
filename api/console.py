"""What every CLI command shares: the console, one-line errors, opening the store, progress bars."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from adapters.projection_runner import ProjectionRunner
from api.bootstrap import build_ledger, build_runner
from api.settings import Settings
from domain.application import CaseLedger

__all__ = ["CliError", "open_runner", "open_store", "out", "progress_bar", "stop_on_signals", "store_exists"]

out = Console()


class CliError(Exception):
    """A problem the user can fix, reported as one line."""


def store_exists(settings: Settings) -> bool:
    """An embedded store exists once its file does; a PostgreSQL one once migrated (checked on opening)."""
    database = settings.database
    return database.path is None or database.path.exists()


def open_store(settings: Settings, *, must_exist: bool = True, **kwargs: Any) -> CaseLedger:
    if must_exist and not store_exists(settings):
        raise CliError(f"no event store at {settings.database.display}: run `caseledger demo` first "
                       "or set CASELEDGER_DATA_DIR or CASELEDGER_DATABASE_URL")
    return build_ledger(settings, **kwargs)


def open_runner(settings: Settings, ledger: CaseLedger | None = None) -> ProjectionRunner:
    return build_runner(settings, ledger or open_store(settings))


def stop_on_signals() -> tuple[threading.Event, threading.Event]:
    """(stop, wake) events that SIGINT and SIGTERM both set, for long-running commands to end cleanly."""
    stop, wake = threading.Event(), threading.Event()

    def halt(*_: object) -> None:
        stop.set()
        wake.set()

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, halt)
    return stop, wake


@contextmanager
def progress_bar(label: str, total: int | None = None) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (gone when done); yields `update(done, total)`."""
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total)

        def update(done: int, new_total: int) -> None:
            progress.update(task, completed=done, total=new_total)

        yield update
