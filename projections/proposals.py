"""Policy proposals as a list: status, policy area, regions covered, who drafted and decided them, the effective
date, and how much evidence each rests on (counts only: the cited case ids are read on the proposal itself,
where a reader of one region sees only their own region's)."""

from __future__ import annotations

import base64
import binascii

import orjson

from domain.event import DomainEvent
from domain.policy.proposal import (
    Evidence,
    ProposalApprovalGiven,
    ProposalApproved,
    ProposalDrafted,
    ProposalEffectReviewed,
    ProposalEvent,
    ProposalImplemented,
    ProposalRejected,
    ProposalReturned,
    ProposalRevised,
    ProposalSubmitted,
)
from projections.cases import InvalidCursor
from projections.store import Change, Projection, Row, Table, Upsert, ViewReader, iso, iso_date, where

__all__ = ["ProposalList", "ProposalPage", "proposal_page"]

PROPOSALS = Table(
    "proposals",
    {"id": "TEXT", "policy_area": "TEXT", "status": "TEXT", "title": "TEXT", "regions": "TEXT",
     "drafted_by": "TEXT", "drafted_in": "TEXT", "drafted_at": "TEXT", "submitted_at": "TEXT", "approvals": "INTEGER",
     "decided_by": "TEXT", "decided_at": "TEXT", "effective_on": "TEXT", "conclusion": "TEXT",
     "evidence_cases": "INTEGER", "evidence_count": "INTEGER", "version": "INTEGER", "updated_at": "TEXT"},
    key=("id",),
    indexes=(("drafted_at", "id"), ("status", "drafted_at", "id"), ("policy_area", "drafted_at", "id")),
)


class ProposalList(Projection):
    name = "proposals"
    tables = (PROPOSALS,)

    def changes(self, event: DomainEvent, position: int, view: ViewReader) -> list[Change]:
        if not isinstance(event, ProposalEvent):
            return []
        key = {"id": str(event.originator_id)}
        values: Row = {"version": event.originator_version, "updated_at": iso(event.occurred_at)}
        match event:
            case ProposalDrafted():
                values |= {"policy_area": event.policy_area, "status": "drafted", "drafted_by": event.actor.id,
                           "drafted_in": event.drafted_in, "drafted_at": iso(event.occurred_at), "approvals": 0,
                           **_content(event.title, event.regions, event.evidence)}
            case ProposalRevised():
                values |= _content(event.title, event.regions, event.evidence)
            case ProposalSubmitted():
                values |= {"status": "submitted", "submitted_at": iso(event.occurred_at), "approvals": 0}
            case ProposalApprovalGiven():
                row = view.get("proposals", key)
                values["approvals"] = (row["approvals"] if row else 0) + 1
            case ProposalApproved():
                values |= {"status": "approved", "decided_by": event.decided_by, "decided_at": iso(event.occurred_at)}
            case ProposalRejected():
                values |= {"status": "rejected", "decided_by": "manager", "decided_at": iso(event.occurred_at)}
            case ProposalReturned():
                values |= {"status": "returned", "approvals": 0}
            case ProposalImplemented():
                values |= {"status": "implemented", "effective_on": iso_date(event.effective_on)}
            case ProposalEffectReviewed():
                values |= {"status": "effect_reviewed", "conclusion": event.conclusion}
        return [Upsert("proposals", key, values)]


def _content(title: str, regions: list[str], evidence: Evidence) -> Row:
    return {"title": title, "regions": ",".join(regions), "evidence_cases": len(evidence.cases),
            "evidence_count": sum(count.count for count in evidence.counts)}


class ProposalPage:
    """One page of proposals, newest drafts first; `next_cursor` resumes after its last row."""

    def __init__(self, items: list[Row], next_cursor: str | None) -> None:
        self.items, self.next_cursor = items, next_cursor


def proposal_page(view: ViewReader, status: str | None = None, policy_area: str | None = None,
                  region: str | None = None, limit: int = 50, cursor: str | None = None) -> ProposalPage:
    """Proposals filtered by status, policy area and a region they cover, newest drafts first."""
    after = _decode_cursor(cursor) if cursor is not None else None
    clause, params = where({
        "status": ("status = :status", status), "policy_area": ("policy_area = :policy_area", policy_area),
        "region": ("(',' || regions || ',') LIKE :region ESCAPE '!'",
                   None if region is None else f"%,{_literal(region)},%"),
        "after_at": ("(drafted_at < :after_at OR (drafted_at = :after_at AND id < :after_id))",
                     None if after is None else after[0]),
    })
    if after is not None:
        params["after_id"] = after[1]
    rows = view.select(f"SELECT * FROM proposals{clause} ORDER BY drafted_at DESC, id DESC LIMIT :limit",
                       {**params, "limit": limit + 1})
    items = [{**row, "regions": row["regions"].split(",") if row["regions"] else []} for row in rows[:limit]]
    more = len(rows) > limit
    return ProposalPage(items, _encode_cursor(items[-1]["drafted_at"], items[-1]["id"]) if more else None)


def _literal(text: str) -> str:
    """`text` as a LIKE pattern matching only itself (a region code may hold `_`)."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _encode_cursor(drafted_at: str, proposal_id: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(["proposals", drafted_at, proposal_id])).decode()


def _decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        kind, drafted_at, proposal_id = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as error:
        raise InvalidCursor(f"cursor {cursor!r} is not one this list gave out") from error
    if kind != "proposals" or not isinstance(drafted_at, str) or not isinstance(proposal_id, str):
        raise InvalidCursor(f"cursor {cursor!r} is not one the proposals list gave out")
    return drafted_at, proposal_id
