"""`caseledger audit`: prove the history was not altered, and export it for outside verification."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from adapters.audit import ChainBroken, append_anchor, export_log, read_anchors, verify_export, verify_store
from adapters.hash_chain import Anchor, Verdict
from api.console import CliError, open_store, out
from api.settings import get_settings

__all__ = ["audit_app"]

audit_app = typer.Typer(no_args_is_help=True, help="Tamper evidence: verify and export the hash-chained log.")


def _expected(values: list[str]) -> list[Anchor]:
    anchors = []
    for value in values:
        position, _, digest = value.partition(":")
        try:
            anchors.append(Anchor(int(position), bytes.fromhex(digest)))
        except ValueError:
            raise CliError(f"--expect {value!r} is not POSITION:HASH (a hash printed by `audit verify`)") from None
    return anchors


@audit_app.command()
def verify(
    file: Annotated[Path | None, typer.Option(help="Verify an export file instead of the store.")] = None,
    expect: Annotated[list[str] | None, typer.Option(help="POSITION:HASH anchored outside the system.")] = None,
    anchor: Annotated[bool, typer.Option(help="Record the verified head in the data directory.")] = True,
) -> None:
    """Recompute the hash chain from the first event; exits 1 naming the first bad record and version."""
    settings = get_settings()
    anchors = read_anchors(settings.anchors_path) + _expected(expect or [])
    if file is not None:
        if not file.exists():
            raise CliError(f"no export file at {file}")
        try:
            verdict = verify_export(file, anchors)
        except ValueError as error:
            raise CliError(str(error)) from None
    else:
        verdict = verify_store(open_store(settings), anchors)
    if not verdict.intact:
        raise CliError(f"NOT intact: {_where(verdict)}: {verdict.problem}; "
                       f"the first {verdict.verified} events verify")
    if anchor and file is None:
        append_anchor(settings.anchors_path, verdict.head)
    out.print(f"intact: {verdict.verified} events verified; head {verdict.head.position}:{verdict.head.hash.hex()}")


def _where(verdict: Verdict) -> str:
    return f"record {verdict.record_id} version {verdict.version}" if verdict.record_id else "the tail"


@audit_app.command()
def export(out_file: Annotated[Path, typer.Option("--out", help="The JSON Lines file to write.")]) -> None:
    """Write the whole log with its hash chain as JSON Lines, verifiable without the database."""
    try:
        count = export_log(open_store(get_settings()), out_file)
    except ChainBroken as error:
        raise CliError(str(error)) from None
    out.print(f"exported {count} events to {out_file}")
