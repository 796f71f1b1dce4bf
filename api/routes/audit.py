"""The auditor's and integrator's view: the global event feed, and the chain's verification."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from adapters.audit import AnchorsUnreadable, read_anchors, verify_store
from adapters.hash_chain import GENESIS, Anchor, Verdict
from api.deps import AppDep, CurrentPrincipal, require_role
from api.routes.commands import COMMAND_RESPONSES
from domain.values import Moment, Role
from projections.audit_trail import audit_events
from projections.store import iso

__all__ = ["router"]

router = APIRouter(prefix="/audit", tags=["audit"], responses=COMMAND_RESPONSES)


class Verification(BaseModel):
    intact: bool
    verified: int
    head_position: int
    head_hash: str
    problem: str | None
    record_id: str | None
    version: int | None
    position: int | None = None


@router.get("/events", summary="Every event in global order")
def events(
    engine: AppDep, principal: CurrentPrincipal, after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100, record_id: Annotated[str | None, Query(max_length=64)] = None,
    actor_id: Annotated[str | None, Query(max_length=64)] = None, since: Moment | None = None,
    until: Moment | None = None, min_position: Annotated[int | None, Query(ge=0)] = None,
) -> list[dict[str, Any]]:
    """From position `after`, optionally of one record, by one actor, or within [since, until)."""
    require_role(principal, Role.AUDITOR, Role.INTEGRATOR, Role.ADMIN)
    engine.read_after(min_position)
    with engine.runner.store.reader() as view:
        return audit_events(view, after, limit, record_id, actor_id, iso(since), iso(until))


@router.get("/verify", response_model=Verification, summary="Verify the hash chain")
def verify(engine: AppDep, principal: CurrentPrincipal) -> Verification:
    """Recompute the chain from the first event, check the recorded anchors and every snapshot."""
    require_role(principal, Role.AUDITOR, Role.ADMIN)
    try:
        verdict = verify_store(engine.ledger, read_anchors(engine.settings.anchors_path))
    except AnchorsUnreadable as error:
        # an anchors file that no longer reads is itself a sign of tampering: nothing is proven
        verdict = Verdict(0, Anchor(0, GENESIS), str(error))
    return Verification(intact=verdict.intact, verified=verdict.verified, head_position=verdict.head.position,
                        head_hash=verdict.head.hash.hex(), problem=verdict.problem, record_id=verdict.record_id,
                        version=verdict.version, position=verdict.position)
