"""The auditor's tools over the store: verify the hash chain and snapshots, anchor heads, export.

An export is JSON Lines, one event a line with its exact stored bytes and chain link, so anyone
can verify it with nothing but this module (or forty lines in another language).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from eventsourcing.application import project_aggregate

from adapters.hash_chain import Anchor, ChainedRecorder, ChainLink, LoggedRow, Verdict, verify_chain
from domain.ledger import LedgerBase
from domain.snapshot import Snapshot

__all__ = ["ChainBroken", "append_anchor", "export_log", "read_anchors", "read_export", "verify_export", "verify_store"]


def _chain_recorder(ledger: LedgerBase) -> ChainedRecorder:
    recorder = ledger.recorder
    if not isinstance(recorder, ChainedRecorder):
        raise TypeError("this store keeps no hash chain: configure the chained recorder")
    return recorder


def read_anchors(path: Path) -> list[Anchor]:
    if not path.exists():
        return []
    anchors = []
    for line in path.read_text().splitlines():
        if line.strip():
            entry = json.loads(line)
            anchors.append(Anchor(int(entry["position"]), bytes.fromhex(entry["hash"])))
    return anchors


def append_anchor(path: Path, head: Anchor) -> None:
    """Record a verified head; later verifications must find the chain still passing through it."""
    entry = {"position": head.position, "hash": head.hash.hex(), "verified_at": datetime.now(UTC).isoformat()}
    with path.open("a") as file:
        file.write(json.dumps(entry) + "\n")


def verify_store(ledger: LedgerBase, anchors: list[Anchor]) -> Verdict:
    """The chain from the first event, the anchors, then every snapshot against the events it summarises."""
    recorder = _chain_recorder(ledger)
    verdict = verify_chain(recorder.logged_rows(), recorder.chain_links(), anchors)
    if not verdict.intact or ledger.snapshots is None:
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


def export_log(ledger: LedgerBase, out: Path, progress: Callable[[int], None] | None = None) -> int:
    """Write every event with its chain link as JSON Lines; returns the number written.

    Only an intact store is exported: run `audit verify` to see where it is broken."""
    recorder = _chain_recorder(ledger)
    verdict = verify_chain(recorder.logged_rows(), recorder.chain_links())
    if not verdict.intact:
        raise ChainBroken(f"not exported: {verdict.problem} (record {verdict.record_id} version {verdict.version})")
    count = 0
    with out.open("w") as file:
        for row, link in zip(recorder.logged_rows(), recorder.chain_links(), strict=True):
            file.write(json.dumps(_line(row, link), ensure_ascii=False) + "\n")
            count += 1
            if progress and count % 1000 == 0:
                progress(count)
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
