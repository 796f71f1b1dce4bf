"""`caseledger db`: create or upgrade the schema, and say what a database holds."""

from __future__ import annotations

import typer

from adapters.schema import SCHEMA_VERSION, stored_version
from api.bootstrap import migrate as migrate_schema
from api.console import open_store, out
from api.settings import get_settings

__all__ = ["db_app"]

db_app = typer.Typer(no_args_is_help=True, help="The database's schema.")


@db_app.command()
def migrate() -> None:
    """Create or upgrade every table of the event store and the read models (idempotent; safe to run
    from several processes at once). Required before anything else runs on PostgreSQL."""
    settings = get_settings()
    migrate_schema(settings)
    out.print(f"{settings.database.display}: schema version {SCHEMA_VERSION}")


@db_app.command()
def status() -> None:
    """The backend, its schema version and how many events it holds."""
    database = get_settings().database
    version = stored_version(database) if database.backend == "postgresql" else SCHEMA_VERSION
    shown = version or "none (run `caseledger db migrate`)"
    out.print(f"{database.display}: {database.backend}, schema version {shown}")
    if version:
        out.print(f"{open_store(get_settings()).head()} events")
