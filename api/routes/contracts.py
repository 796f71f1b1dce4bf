"""Contracts: draft, negotiate, sign, keep in force; the contract register."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import AppDep, CurrentPrincipal
from api.routes.commands import add_commands
from api.routes.providers import scoped_region
from api.routes.records import add_creation, add_record_reads
from domain.contract import Contract, ContractStatus
from domain.provider import Provider
from projections.directory import contract_page, contract_register

__all__ = ["router"]

router = APIRouter(prefix="/contracts", tags=["contracts"])

COMMANDS = {
    "revise-draft": "revise_contract_draft", "propose": "propose_contract", "counter-offer": "counter_offer",
    "agree": "agree_contract", "sign": "sign_contract", "activate": "activate_contract", "amend": "amend_contract",
    "renew": "renew_contract", "expire": "expire_contract", "terminate": "terminate_contract",
}

add_creation(router, Contract, "draft_contract", lambda ledger, body: ledger.get(Provider, body.provider_id).region)


class ContractPage(BaseModel):
    """One page of the contracts; pass `next_cursor` as `cursor` for the next."""

    items: list[dict[str, Any]]
    next_cursor: str | None


@router.get("", response_model=ContractPage, summary="Contracts")
def list_contracts(
    engine: AppDep, principal: CurrentPrincipal, region: str | None = None, status: ContractStatus | None = None,
    provider_id: Annotated[str | None, Query(max_length=64)] = None, limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> ContractPage:
    """Contracts by id, filtered by region, status and provider; a representative or coordinator sees only their
    region."""
    region = scoped_region(principal, region)
    engine.read_after(min_position)
    with engine.runner.store.reader() as view:
        page = contract_page(view, region, status, provider_id, limit, cursor)
    return ContractPage(items=page.items, next_cursor=page.next_cursor)


@router.get("/register", summary="The contract register")
def register(
    engine: AppDep, principal: CurrentPrincipal, region: str | None = None,
    expiring_within_days: Annotated[int, Query(ge=0, le=3650)] = 90,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> dict[str, list[dict[str, Any]]]:
    """Negotiations in progress, and active contracts expiring within the window."""
    region = scoped_region(principal, region)
    engine.read_after(min_position)
    with engine.runner.store.reader() as view:
        return contract_register(view, engine.ledger.clock().date(), region, expiring_within_days)


add_record_reads(router, Contract)
add_commands(router, Contract, COMMANDS)
