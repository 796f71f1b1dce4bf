"""`caseledger audit`: prove the history was not altered, and export it for outside verification."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from adapters.audit import (
    AnchorNotRecorded,
    AnchorsUnreadable,
    ChainBroken,
    append_anchor,
    export_log,
    read_anchors,
    verify_export,
    verify_store,
)
from adapters.hash_chain import UNREADABLE_VERSION, Anchor, Verdict
from api.console import CliError, open_store, out
from api.settings import Settings, get_settings

__all__ = ["audit_app"]

audit_app = typer.Typer(no_args_is_help=True, help="Tamper evidence: verify and export the hash-chained log.")

EXPECT_HELP = "POSITION:HASH anchored outside the system (a head printed by `audit verify`); repeatable."


def _expected(values: list[str]) -> list[Anchor]:
    anchors = []
    for value in values:
        position, _, digest = value.partition(":")
        try:  # ASCII digits only: int() also reads other scripts' digits, which no head is printed in
            anchor = Anchor(int(position) if position.isascii() and position.isdigit() else 0, bytes.fromhex(digest))
        except ValueError:
            anchor = Anchor(0, b"")
        if anchor.position < 1 or len(anchor.hash) != 32:
            raise CliError(f"--expect {value!r} is not POSITION:HASH (a head printed by `audit verify`)")
        anchors.append(anchor)
    return anchors


def _anchors(settings: Settings, expect: list[str] | None) -> list[Anchor]:
    """The anchors kept in the anchors file and those given on the command line: all must hold."""
    try:
        return read_anchors(settings.anchors_path) + _expected(expect or [])
    except AnchorsUnreadable as error:
        raise CliError(f"{error} (fix or move the file; CASELEDGER_AUDIT_ANCHORS says where it is)") from None


@audit_app.command()
def verify(
    file: Annotated[Path | None, typer.Option(help="Verify an export file instead of the store.")] = None,
    expect: Annotated[list[str] | None, typer.Option(help=EXPECT_HELP)] = None,
    anchor: Annotated[bool, typer.Option(help="Record the verified head in the anchors file.")] = True,
) -> None:
    """Recompute the hash chain from the first event; exits 1 naming the first bad record and version.

    Only a whole, intact store's head is recorded as an anchor (never an export's, never an empty store's)."""
    settings = get_settings()
    anchors = _anchors(settings, expect)
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
        proven = f"the first {verdict.verified} events verify" if verdict.verified else "no event can be trusted"
        raise CliError(f"NOT intact: {_where(verdict)}: {verdict.problem}; {proven}")
    out.print(f"intact: {verdict.verified} events verified; head {verdict.head.position}:{verdict.head.hash.hex()}",
              soft_wrap=True)
    if anchor and file is None and verdict.verified:
        try:
            append_anchor(settings.anchors_path, verdict.head)
        except AnchorNotRecorded as error:
            raise CliError(f"{error}; set CASELEDGER_AUDIT_ANCHORS to a writable file or pass --no-anchor") from None


def _where(verdict: Verdict) -> str:
    position = f"position {verdict.position}" if verdict.position is not None else "the tail"
    if verdict.record_id is None:
        return position
    record = f"record {verdict.record_id}" if verdict.record_id else "a row with no record id"
    version = ("a version that is not a whole number" if verdict.version == UNREADABLE_VERSION
               else f"version {verdict.version}")
    return f"{record} {version}"


@audit_app.command()
def export(
    out_file: Annotated[Path, typer.Option("--out", help="The JSON Lines file to write.")],
    expect: Annotated[list[str] | None, typer.Option(help=EXPECT_HELP)] = None,
) -> None:
    """Write the whole log with its hash chain as JSON Lines, verifiable without the database.

    Refused, writing nothing, whenever `audit verify` would refuse the store (same anchors, same checks)."""
    settings = get_settings()
    anchors = _anchors(settings, expect)
    try:
        count = export_log(open_store(settings), out_file, anchors)
    except ChainBroken as error:
        raise CliError(str(error)) from None
    out.print(f"exported {count} events to {out_file}", soft_wrap=True)
