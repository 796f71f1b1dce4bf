"""Contracts: draft, negotiate, sign, keep in force; the contract register."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import AppDep, CurrentPrincipal, Engine
from api.routes.commands import add_commands
from api.routes.providers import scoped_region
from api.routes.records import add_creation, add_record_reads
from domain.event import DomainEvent
from domain.network.contract import (
    Contract,
    ContractCounterOffered,
    ContractDrafted,
    ContractDraftRevised,
    ContractProposed,
    ContractStatus,
    Party,
    PaymentOwed,
    PendingAmendment,
    ProviderCause,
    ProviderEvidence,
    Terms,
)
from domain.network.provider import Provider
from projections.directory import contract_page, contract_register

__all__ = ["router"]

router = APIRouter(prefix="/contracts", tags=["contracts"])

COMMANDS = {
    "revise-draft": "revise_contract_draft", "propose": "propose_contract", "counter-offer": "counter_offer",
    "agree": "agree_contract", "sign": "sign_contract", "activate": "activate_contract", "amend": "amend_contract",
    "renew": "renew_contract", "expire": "expire_contract", "terminate": "terminate_contract",
    "propose-amendment": "propose_amendment", "accept-amendment": "accept_amendment",
    "decline-amendment": "decline_amendment", "record-payment-owed": "record_payment_owed",
    "record-payment-made": "record_payment_made",
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
    """Contracts by id, filtered by region, status and provider, each with its `expires_in_days`; a representative
    or coordinator sees only their region."""
    region = scoped_region(principal, region)
    engine.read_after(min_position)
    with engine.runner.store.reader() as view:
        page = contract_page(view, region, status, provider_id, limit, cursor, today=engine.ledger.clock().date())
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


class NegotiationRound(BaseModel):
    """One offer of the negotiation: round 0 is the network's proposal, each counter-offer the next round."""

    round: int
    party: Party
    terms: Terms
    offered_at: datetime
    offered_by: str
    """The staff member who recorded the offer."""


class ContractPublic(BaseModel):
    """A contract as the API shows it: the record, its negotiation rounds (who offered which terms), and its
    expiry relative to the server's clock (`expires_in_days`: negative once past)."""

    id: UUID
    version: int
    created_at: datetime
    modified_at: datetime
    provider_id: UUID
    region: str
    title: str
    terms: Terms
    terms_version: int
    status: ContractStatus
    negotiation_rounds: int
    last_offer_by: Party | None
    standing_offer_by: Party | None
    rounds: list[NegotiationRound]
    signed_by: list[Party]
    termination_reason: str | None
    provider_acceptance: ProviderEvidence | None
    provider_signature: ProviderEvidence | None
    network_signatory: str | None
    pending_amendment: PendingAmendment | None
    suspended_by: ProviderCause | None
    termination_cause: ProviderCause | None
    payments: dict[str, PaymentOwed]
    expires_in_days: int


def negotiation_rounds(events: list[DomainEvent]) -> list[NegotiationRound]:
    """The offers recorded in a contract's history: the proposal (with the terms drafted then) and each
    counter-offer."""
    rounds: list[NegotiationRound] = []
    terms: Terms | None = None
    for event in events:
        if isinstance(event, ContractDrafted | ContractDraftRevised):
            terms = event.terms
        elif isinstance(event, ContractProposed) and terms is not None:
            rounds.append(NegotiationRound(round=0, party=Party.NETWORK, terms=terms, offered_at=event.occurred_at,
                                           offered_by=event.actor.id))
        elif isinstance(event, ContractCounterOffered):
            rounds.append(NegotiationRound(round=event.round, party=event.party, terms=event.terms,
                                           offered_at=event.occurred_at, offered_by=event.actor.id))
    return rounds


def present_contract(engine: Engine, contract: Contract) -> ContractPublic:
    events = [e for e in engine.ledger.history(contract.id) if e.originator_version <= contract.version]
    today: date = engine.ledger.clock().date()
    return ContractPublic(**contract.model_dump(), standing_offer_by=contract.standing_offer_by,
                          rounds=negotiation_rounds(events), expires_in_days=(contract.terms.expires_on - today).days)


add_record_reads(router, Contract, ContractPublic, present_contract)
add_commands(router, Contract, COMMANDS)
