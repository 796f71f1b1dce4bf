"""The service agreement between the network and a provider: negotiated, signed, in force, ended."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import Field

from domain.aggregate import Aggregate
from domain.errors import (
    AlreadySigned,
    ContractNotYetEffective,
    ContractNotYetExpired,
    InvalidTerms,
    ProviderNotActive,
    ProviderNotContractable,
    RenewalNotLater,
    TermsNotAgreed,
    TermsUnchanged,
)
from domain.event import DomainEvent
from domain.provider import Provider, ProviderStatus
from domain.values import Code, Context, Frozen, ShortText, Text

__all__ = [
    "Contract",
    "ContractActivated",
    "ContractAmended",
    "ContractCounterOffered",
    "ContractDraftRevised",
    "ContractDrafted",
    "ContractEvent",
    "ContractExpired",
    "ContractProposed",
    "ContractRenewed",
    "ContractSigned",
    "ContractStatus",
    "ContractTerminated",
    "ContractTermsAgreed",
    "Party",
    "Rate",
    "Terms",
]


class Party(StrEnum):
    NETWORK = "network"
    PROVIDER = "provider"


class ContractStatus(StrEnum):
    DRAFTED = "drafted"
    PROPOSED = "proposed"
    NEGOTIATING = "negotiating"
    AGREED = "agreed"
    SIGNED = "signed"
    ACTIVE = "active"
    EXPIRED = "expired"
    TERMINATED = "terminated"


class Rate(Frozen):
    """One line of the rate schedule: what the network pays for a service, in minor currency units."""

    service_code: Code
    description: ShortText
    amount_cents: Annotated[int, Field(ge=0, le=100_000_000)]
    unit: ShortText = "per service"


class Terms(Frozen):
    """What both sides agree to: rates, payment terms and the period in force."""

    rates: Annotated[list[Rate], Field(min_length=1, max_length=200)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    payment_terms_days: Annotated[int, Field(ge=1, le=180)]
    effective_on: date
    expires_on: date


class ContractEvent(DomainEvent, abstract=True):
    aggregate_type = "contract"


class ContractDrafted(ContractEvent):
    provider_id: UUID
    region: Code
    title: ShortText
    terms: Terms


class ContractDraftRevised(ContractEvent):
    terms: Terms


class ContractProposed(ContractEvent):
    note: Text | None = None


class ContractCounterOffered(ContractEvent):
    party: Party
    terms: Terms
    round: Annotated[int, Field(ge=1)]


class ContractTermsAgreed(ContractEvent):
    party: Party


class ContractSigned(ContractEvent):
    party: Party


class ContractActivated(ContractEvent):
    pass


class ContractAmended(ContractEvent):
    terms: Terms
    terms_version: Annotated[int, Field(ge=2)]


class ContractRenewed(ContractEvent):
    expires_on: date


class ContractExpired(ContractEvent):
    pass


class ContractTerminated(ContractEvent):
    reason: Text


S = ContractStatus
NEGOTIABLE = (S.PROPOSED, S.NEGOTIATING)
STATUS_AFTER: dict[type[ContractEvent], ContractStatus] = {
    ContractProposed: S.PROPOSED,
    ContractCounterOffered: S.NEGOTIATING,
    ContractTermsAgreed: S.AGREED,
    ContractActivated: S.ACTIVE,
    ContractExpired: S.EXPIRED,
    ContractTerminated: S.TERMINATED,
}


class Contract(Aggregate):
    aggregate_type = "contract"
    creation_event = ContractDrafted

    provider_id: UUID
    region: str
    title: str
    terms: Terms
    terms_version: int = 1
    status: ContractStatus = S.DRAFTED
    negotiation_rounds: int = 0
    last_offer_by: Party | None = None
    signed_by: list[Party] = Field(default_factory=list)
    termination_reason: str | None = None

    @classmethod
    def draft(cls, ctx: Context, contract_id: UUID, *, provider: Provider, title: str, terms: Terms) -> Self:
        if provider.status in (ProviderStatus.REJECTED, ProviderStatus.TERMINATED):
            raise ProviderNotContractable(provider.id, provider.status)
        _check_coherent(terms)
        return cls._create(ctx, contract_id, provider_id=provider.id, region=provider.region, title=title,
                           terms=terms)

    def revise_draft(self, ctx: Context, terms: Terms) -> None:
        self._require("revise the draft of", (S.DRAFTED,))
        self._check_new_terms(terms)
        self._record(ContractDraftRevised, ctx, terms=terms)

    def propose(self, ctx: Context, note: str | None = None) -> None:
        self._require("propose", (S.DRAFTED,))
        self._record(ContractProposed, ctx, note=note)

    def counter_offer(self, ctx: Context, party: Party, terms: Terms) -> None:
        self._require("counter-offer on", NEGOTIABLE)
        self._check_new_terms(terms)
        self._record(ContractCounterOffered, ctx, party=party, terms=terms, round=self.negotiation_rounds + 1)

    def agree(self, ctx: Context, party: Party) -> None:
        self._require("agree the terms of", NEGOTIABLE)
        self._record(ContractTermsAgreed, ctx, party=party)

    def sign(self, ctx: Context, party: Party) -> None:
        if self.status in (S.DRAFTED, *NEGOTIABLE):
            raise TermsNotAgreed(self.id, self.status)
        self._require("sign", (S.AGREED,))
        if party in self.signed_by:
            raise AlreadySigned(self.id, party)
        self._record(ContractSigned, ctx, party=party)

    def activate(self, ctx: Context, provider: Provider) -> None:
        self._require("activate", (S.SIGNED,))
        if not provider.is_active_member:
            raise ProviderNotActive(self.id, provider.id, provider.status)
        if ctx.now.date() < self.terms.effective_on:
            raise ContractNotYetEffective(self.id, self.terms.effective_on)
        self._record(ContractActivated, ctx)

    def amend(self, ctx: Context, terms: Terms) -> None:
        self._require("amend", (S.ACTIVE,))
        self._check_new_terms(terms)
        self._record(ContractAmended, ctx, terms=terms, terms_version=self.terms_version + 1)

    def renew(self, ctx: Context, expires_on: date) -> None:
        self._require("renew", (S.ACTIVE,))
        if expires_on <= self.terms.expires_on:
            raise RenewalNotLater(self.id, expires_on, self.terms.expires_on)
        self._record(ContractRenewed, ctx, expires_on=expires_on)

    def expire(self, ctx: Context) -> None:
        self._require("expire", (S.ACTIVE,))
        if ctx.now.date() < self.terms.expires_on:
            raise ContractNotYetExpired(self.id, self.terms.expires_on)
        self._record(ContractExpired, ctx)

    def terminate(self, ctx: Context, reason: str) -> None:
        self._require("terminate", (S.DRAFTED, *NEGOTIABLE, S.AGREED, S.SIGNED, S.ACTIVE))
        self._record(ContractTerminated, ctx, reason=reason)

    def _require(self, command: str, allowed: tuple[ContractStatus, ...]) -> None:
        if self.status not in allowed:
            raise self._refuse(command, self.status, allowed)

    def _check_new_terms(self, terms: Terms) -> None:
        _check_coherent(terms)
        if terms == self.terms:
            raise TermsUnchanged(self.id)

    @classmethod
    def created_by(cls, event: ContractDrafted) -> Self:
        return cls(
            id=event.originator_id, version=1, created_at=event.occurred_at, modified_at=event.occurred_at,
            provider_id=event.provider_id, region=event.region, title=event.title, terms=event.terms,
        )

    def when(self, event: ContractEvent) -> None:
        if (status := STATUS_AFTER.get(type(event))) is not None:
            self.status = status
        match event:
            case ContractDraftRevised():
                self.terms = event.terms
            case ContractCounterOffered():
                self.terms, self.last_offer_by = event.terms, event.party
                self.negotiation_rounds = event.round
            case ContractSigned():
                self.signed_by = [*self.signed_by, event.party]
                if len(self.signed_by) == len(Party):
                    self.status = S.SIGNED
            case ContractAmended():
                self.terms, self.terms_version = event.terms, event.terms_version
            case ContractRenewed():
                self.terms = self.terms.model_copy(update={"expires_on": event.expires_on})
            case ContractTerminated():
                self.termination_reason = event.reason


def _check_coherent(terms: Terms) -> None:
    if terms.expires_on <= terms.effective_on:
        raise InvalidTerms(f"terms expire on {terms.expires_on}, not after they take effect on {terms.effective_on}")
    codes = [rate.service_code for rate in terms.rates]
    if len(set(codes)) != len(codes):
        raise InvalidTerms("each service code appears once in the rate schedule")
