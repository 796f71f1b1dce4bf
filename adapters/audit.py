"""The auditor's tools over the store: verify the hash chain and snapshots, anchor heads, export.

An export is JSON Lines, one event a line with its exact stored bytes and chain link, so anyone
can verify it with nothing but this module (or forty lines in another language). An export is
refused whenever `verify` would refuse the store: the same chain, anchors and snapshot checks.

Errors: `ChainBroken` (the store does not verify), `AnchorsUnreadable` (the anchors file is not
anchors), `AnchorNotRecorded` (a verified head could not be written down).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from eventsourcing.application import project_aggregate

from adapters.hash_chain import Anchor, ChainedRecorder, ChainLink, LoggedRow, Verdict, insertion, verify_chain
from domain.ledger import LedgerBase
from domain.snapshot import Snapshot

__all__ = [
    "AnchorNotRecorded",
    "AnchorsUnreadable",
    "ChainBroken",
    "append_anchor",
    "export_log",
    "read_anchors",
    "read_export",
    "verify_export",
    "verify_store",
]


def _chain_recorder(ledger: LedgerBase) -> ChainedRecorder:
    recorder = ledger.recorder
    if not isinstance(recorder, ChainedRecorder):
        raise TypeError("this store keeps no hash chain: configure the chained recorder")
    return recorder


class AnchorsUnreadable(ValueError):
    """The anchors file cannot be read as anchors: checking against part of it would prove nothing."""


class AnchorNotRecorded(OSError):
    """The store verified, but its head could not be written to the anchors file."""


def read_anchors(path: Path) -> list[Anchor]:
    """The anchors kept in `path` (none if there is no such file yet)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise AnchorsUnreadable(f"cannot read the anchors file {path}: {error}") from None
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                entry = json.loads(line)
                position, digest = entry["position"], entry["hash"]
                if type(position) is not int or not isinstance(digest, str):  # not true, 1.5 or "1"
                    raise TypeError("position must be a whole number and hash a hex string")
                anchor = Anchor(position, bytes.fromhex(digest))
            except (ValueError, KeyError, TypeError) as error:
                raise AnchorsUnreadable(f"{path}:{number} is not an anchor (position and hash): {error}") from None
            if anchor.position < 1 or len(anchor.hash) != 32:
                raise AnchorsUnreadable(f"{path}:{number} is not an anchor: position below 1 or not a SHA-256 hash")
            anchors.append(anchor)
    return anchors


def append_anchor(path: Path, head: Anchor) -> None:
    """Record a verified head; later verifications must find the chain still passing through it."""
    entry = {"position": head.position, "hash": head.hash.hex(), "verified_at": datetime.now(UTC).isoformat()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as file:
            file.write(json.dumps(entry) + "\n")
    except OSError as error:
        raise AnchorNotRecorded(f"the store verified, but its head was not recorded in {path}: "
                                f"{error.strerror or error}") from None


def verify_store(ledger: LedgerBase, anchors: Iterable[Anchor],
                 on_verified: Callable[[LoggedRow, ChainLink], None] | None = None) -> Verdict:
    """The chain from the first event, the anchors, every row outside the position order, then every
    snapshot against the events it summarises. `on_verified` sees each event as it is proven."""
    recorder = _chain_recorder(ledger)
    verdict = verify_chain(recorder.logged_rows(), recorder.chain_links(), anchors, on_verified)
    if not verdict.intact:
        return verdict
    if stray := recorder.stray_row(verdict.verified):
        return insertion(verdict.head, stray)
    if ledger.snapshots is None:
        return verdict
    snapshot_table = getattr(ledger.snapshots.recorder, "events_table_name", "")
    for record_id, version in recorder.snapshot_keys(snapshot_table):
        rebuilt = project_aggregate(None, ledger.events.get(record_id, lte=version))
        snapshot = cast(Snapshot, next(iter(ledger.snapshots.get(record_id, gt=version - 1, lte=version))))
        if rebuilt is None or snapshot.mutate(None) != rebuilt:
            return Verdict(verdict.verified, verdict.head, "snapshot does not match the events it summarises",
                           record_id.hex, version)
    return verdict


class ChainBroken(Exception):
    """The store does not verify; an export would not be a trustworthy copy."""


def export_log(ledger: LedgerBase, out: Path, anchors: Sequence[Anchor] = (),
               progress: Callable[[int], None] | None = None) -> int:
    """Write every event with its chain link as JSON Lines; returns the number written.

    The events written are the ones verified, in the same pass, against the same anchors and
    snapshot checks as `audit verify`; `out` appears only if all of it verifies."""
    partial = out.with_name(f".{out.name}.partial")
    count = 0

    def write(row: LoggedRow, link: ChainLink) -> None:
        nonlocal count
        file.write(json.dumps(_line(row, link), ensure_ascii=False) + "\n")
        count += 1
        if progress and count % 1000 == 0:
            progress(count)

    try:
        file = partial.open("w")
    except OSError as error:
        raise OSError(error.errno, f"cannot write {out}: {error.strerror}") from None
    try:
        with file:
            verdict = verify_store(ledger, anchors, write)
        if not verdict.intact:
            where = (f"record {verdict.record_id} version {verdict.version}" if verdict.record_id
                     else f"position {verdict.position}")
            raise ChainBroken(f"not exported: {where}: {verdict.problem}")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(out)
    return count


def _line(row: LoggedRow, link: ChainLink) -> dict[str, Any]:
    line: dict[str, Any] = {"position": row.position, "record_id": row.record_id, "version": row.version,
                            "type": row.topic}
    try:
        line["state"] = row.state.decode()
    except UnicodeDecodeError:
        line["state_b64"] = base64.b64encode(row.state).decode()
    line["hash"] = link.hash.hex()
    line["link"] = {"position": link.position, "record_id": link.record_id, "version": link.version}
    return line


def read_export(path: Path) -> tuple[list[LoggedRow], list[ChainLink]]:
    rows, links = [], []
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        try:
            line = json.loads(text)
            state = line["state"].encode() if "state" in line else base64.b64decode(line["state_b64"])
            rows.append(LoggedRow(line["position"], line["record_id"], line["version"], line["type"], state))
            link = line["link"]
            links.append(ChainLink(link["position"], link["record_id"], link["version"], bytes.fromhex(line["hash"])))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number} is not an export line: {error}") from None
    return rows, links


def verify_export(path: Path, anchors: list[Anchor]) -> Verdict:
    rows, links = read_export(path)
    return verify_chain(rows, links, anchors)
