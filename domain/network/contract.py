"""The service agreement between the network and a provider: negotiated, signed, in force, ended.

Negotiation alternates between the two parties: the network's proposal is the first offer, a counter-offer
answers the other party's standing offer, and an offer (or a proposed amendment) is accepted only by the
party that did not make it. The provider is not a user of the system: its acts are recorded by staff, and
its acceptance and signature carry evidence of who signed for it and which document. A contract is in force
only while its provider is: the provider's suspension, lapse and termination reach it (`follow_provider`), and
never past the provider's credential: activation, an accepted amendment and renewal end by its expiry. A manager
acts for the network only: the provider's side is recorded by the region's staff.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import Field, StringConstraints

from domain.aggregate import Aggregate
from domain.errors import (
    AlreadySigned,
    AmendmentPending,
    ClaimAlreadyPaid,
    ClaimNotAllowed,
    ContractAmendmentNeedsAuthority,
    ContractNotYetEffective,
    ContractNotYetExpired,
    ContractPastCredential,
    ContractTerminationNeedsAuthority,
    CredentialExpired,
    CurrencyMismatch,
    DuplicateClaim,
    EvidenceNotForNetwork,
    InvalidTerms,
    ManagerActsForNetwork,
    NoAmendmentPending,
    NotYourTurn,
    OwnOfferNotAcceptable,
    PaymentDateRefused,
    ProviderEvidenceMissing,
    ProviderNotActive,
    ProviderNotContractable,
    RenewalNotLater,
    RenewalPastCredential,
    TermsNotAgreed,
    TermsUnchanged,
    UnknownClaim,
)
from domain.event import DomainEvent
from domain.network.provider import Provider, ProviderStatus, require_authority
from domain.timer import start_of
from domain.values import Code, Context, Frozen, InCalendar, Role, ShortText, ShortTextIn, Text

__all__ = [
    "CONTRACT_EXPIRY",
    "RENEWAL_NOTICE_DAYS",
    "RENEWAL_REMINDER",
    "Contract",
    "ContractActivated",
    "ContractAmended",
    "ContractAmendmentDeclined",
    "ContractAmendmentProposed",
    "ContractCounterOffered",
    "ContractDraftRevised",
    "ContractDrafted",
    "ContractEvent",
    "ContractExpired",
    "ContractPaymentMade",
    "ContractPaymentOwed",
    "ContractProposed",
    "ContractRenewalDue",
    "ContractRenewed",
    "ContractResumed",
    "ContractSigned",
    "ContractStatus",
    "ContractSuspended",
    "ContractTerminated",
    "ContractTermsAgreed",
    "Currency",
    "Party",
    "PendingAmendment",
    "PaymentOwed",
    "ProviderCause",
    "ProviderEvidence",
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
    SUSPENDED = "suspended"
    """In force no longer while its provider is suspended or its credential lapsed; resumed when it is active."""


Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
"""An ISO 4217 currency code."""


class Rate(Frozen):
    """One line of the rate schedule: what the network pays for a service, in minor currency units."""

    service_code: Code
    description: ShortText
    amount_cents: Annotated[int, Field(ge=0, le=100_000_000)]
    unit: ShortText = "per service"


class Terms(Frozen):
    """What both sides agree to: rates, payment terms and the period in force."""

    rates: Annotated[list[Rate], Field(min_length=1, max_length=200)]
    currency: Currency = "EUR"
    payment_terms_days: Annotated[int, Field(ge=1, le=180)]
    effective_on: Annotated[date, InCalendar]
    expires_on: Annotated[date, InCalendar]


class ProviderEvidence(Frozen):
    """What makes the provider's acceptance or signature provable: who signed for the provider, their title,
    a reference (a letter, a file number), and the SHA-256 of the signed document (hex)."""

    signatory: ShortTextIn
    title: ShortTextIn
    reference: ShortTextIn
    document_sha256: Annotated[str, StringConstraints(to_lower=True, pattern=r"^[0-9a-fA-F]{64}$")]


class ProviderCause(Frozen):
    """The provider event that changed a contract: its type and the provider's version it was recorded at."""

    provider_event: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{1,64}$")]
    provider_version: Annotated[int, Field(ge=1)]


class PendingAmendment(Frozen):
    """New terms one party proposed for a contract in force, waiting for the other's acceptance."""

    party: Party
    terms: Terms


class PaymentOwed(Frozen):
    """A claim or invoice the network owes the provider under the contract, and when it was paid."""

    amount_minor: int
    currency: str
    received_on: date
    due_on: date
    paid_on: date | None = None


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
    """The network's first offer: the drafted terms."""

    note: Text | None = None


class ContractCounterOffered(ContractEvent):
    party: Party
    terms: Terms
    round: Annotated[int, Field(ge=1)]


class ContractTermsAgreed(ContractEvent):
    party: Party
    evidence: ProviderEvidence | None = None
    """The provider's acceptance: who signed for it and the signed document (absent on the network's side)."""


class ContractSigned(ContractEvent):
    party: Party
    evidence: ProviderEvidence | None = None
    """The provider's signature: who signed for it and the signed document."""
    network_signatory: Code | None = None
    """The network's signature: the staff member who signed."""


class ContractActivated(ContractEvent):
    pass


class ContractAmendmentProposed(ContractEvent):
    """One party proposed new terms for the contract in force; they apply once the other party accepts."""

    party: Party
    terms: Terms


class ContractAmendmentDeclined(ContractEvent):
    """The proposed amendment was declined (or withdrawn by its proposer): the terms in force stay."""

    party: Party
    reason: Text


class ContractAmended(ContractEvent):
    """New terms in force (a new terms version)."""

    terms: Terms
    terms_version: Annotated[int, Field(ge=2)]
    proposed_by: Party | None = None
    accepted_by: Party | None = None
    evidence: ProviderEvidence | None = None
    """When the provider accepted: who signed for it and the signed document."""


class ContractRenewed(ContractEvent):
    expires_on: date


class ContractExpired(ContractEvent):
    pass


class ContractRenewalDue(ContractEvent):
    """The contract expires in `days_before` days: time to renew it (recorded by the process manager)."""

    expires_on: date
    days_before: int


class ContractTerminated(ContractEvent):
    reason: Text
    cause: ProviderCause | None = None
    """Set when the provider's termination ended the contract."""


class ContractSuspended(ContractEvent):
    """Out of force because its provider was suspended or its credential lapsed."""

    cause: ProviderCause


class ContractResumed(ContractEvent):
    """In force again: its provider is an active member again."""

    cause: ProviderCause


class ContractPaymentOwed(ContractEvent):
    """A claim or invoice received under the contract: due after the terms' payment days."""

    reference: ShortText
    amount_minor: Annotated[int, Field(gt=0, le=10**12)]
    currency: Currency
    received_on: date
    due_on: date


class ContractPaymentMade(ContractEvent):
    """The network paid a claim or invoice; `on_time` if on or before its due date."""

    reference: ShortText
    paid_on: date
    on_time: bool


S = ContractStatus
NEGOTIABLE = (S.PROPOSED, S.NEGOTIATING)
OPEN = (S.DRAFTED, *NEGOTIABLE, S.AGREED, S.SIGNED, S.ACTIVE, S.SUSPENDED)
IN_FORCE = (S.ACTIVE, S.SUSPENDED)
"""Signed and started: it ends by expiry (or termination), suspended or not."""
RENEWAL_NOTICE_DAYS = 90
"""Days before a contract's terms expire that its renewal is due: time to negotiate the next terms."""
RENEWAL_REMINDER, CONTRACT_EXPIRY = "contract.renewal_reminder", "contract.expiry"
STATUS_AFTER: dict[type[ContractEvent], ContractStatus] = {
    ContractProposed: S.PROPOSED,
    ContractCounterOffered: S.NEGOTIATING,
    ContractTermsAgreed: S.AGREED,
    ContractActivated: S.ACTIVE,
    ContractExpired: S.EXPIRED,
    ContractTerminated: S.TERMINATED,
    ContractSuspended: S.SUSPENDED,
    ContractResumed: S.ACTIVE,
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
    provider_acceptance: ProviderEvidence | None = None
    provider_signature: ProviderEvidence | None = None
    network_signatory: str | None = None
    pending_amendment: PendingAmendment | None = None
    suspended_by: ProviderCause | None = None
    termination_cause: ProviderCause | None = None
    payments: dict[str, PaymentOwed] = Field(default_factory=dict)
    renewal_reminded_for: date | None = None
    """The expiry date the last renewal reminder was for: a renewal (a new date) is reminded again."""

    @classmethod
    def draft(cls, ctx: Context, contract_id: UUID, *, provider: Provider, title: str, terms: Terms) -> Self:
        if provider.status in (ProviderStatus.REJECTED, ProviderStatus.TERMINATED):
            raise ProviderNotContractable(provider.id, provider.status)
        _check_coherent(terms)
        return cls._create(ctx, contract_id, provider_id=provider.id, region=provider.region, title=title,
                           terms=terms)

    @property
    def standing_offer_by(self) -> Party | None:
        """Who made the offer on the table: the network's proposal is the first offer."""
        if self.status not in NEGOTIABLE:
            return None
        return self.last_offer_by or Party.NETWORK

    def revise_draft(self, ctx: Context, terms: Terms) -> None:
        self._require("revise the draft of", (S.DRAFTED,))
        self._check_new_terms(terms)
        self._record(ContractDraftRevised, ctx, terms=terms)

    def propose(self, ctx: Context, note: str | None = None) -> None:
        self._require("propose", (S.DRAFTED,))
        self._record(ContractProposed, ctx, note=note)

    def counter_offer(self, ctx: Context, party: Party, terms: Terms) -> None:
        self._require("counter-offer on", NEGOTIABLE)
        if party is self.standing_offer_by:
            raise NotYourTurn(self.id, party)
        self._check_new_terms(terms)
        self._record(ContractCounterOffered, ctx, party=party, terms=terms, round=self.negotiation_rounds + 1)

    def agree(self, ctx: Context, party: Party, evidence: ProviderEvidence | None = None) -> None:
        self._require("agree the terms of", NEGOTIABLE)
        if party is self.standing_offer_by:
            raise OwnOfferNotAcceptable(self.id, party)
        self._check_evidence(party, evidence, "acceptance")
        self._record(ContractTermsAgreed, ctx, party=party, evidence=evidence)

    def sign(self, ctx: Context, party: Party, evidence: ProviderEvidence | None = None) -> None:
        if self.status in (S.DRAFTED, *NEGOTIABLE):
            raise TermsNotAgreed(self.id, self.status)
        self._require("sign", (S.AGREED,))
        if party in self.signed_by:
            raise AlreadySigned(self.id, party)
        self._check_evidence(party, evidence, "signature")
        self._record(ContractSigned, ctx, party=party, evidence=evidence,
                     network_signatory=ctx.actor.id if party is Party.NETWORK else None)

    def activate(self, ctx: Context, provider: Provider) -> None:
        self._require("activate", (S.SIGNED,))
        if not provider.is_active_member:
            raise ProviderNotActive(self.id, provider.id, provider.status)
        if provider.credential_expires_on is not None and provider.credential_expires_on <= ctx.now.date():
            raise CredentialExpired(provider.id, provider.credential_expires_on)
        if ctx.now.date() < self.terms.effective_on:
            raise ContractNotYetEffective(self.id, self.terms.effective_on)
        self._within_credential("activate", self.terms, provider)
        self._record(ContractActivated, ctx)

    def propose_amendment(self, ctx: Context, party: Party, terms: Terms) -> None:
        """New terms for the contract in force, by either party: in force once the other party accepts."""
        self._require("amend", (S.ACTIVE,))
        if self.pending_amendment is not None:
            raise AmendmentPending(self.id, self.pending_amendment.party)
        self._for_network_only(ctx, party, "amendment")
        if party is Party.NETWORK:
            require_authority(ctx, ContractAmendmentNeedsAuthority, "propose an amendment to", "contract", self.id,
                              self.region)
        self._check_new_terms(terms)
        self._record(ContractAmendmentProposed, ctx, party=party, terms=terms)

    def accept_amendment(self, ctx: Context, party: Party, evidence: ProviderEvidence | None = None, *,
                         provider: Provider) -> None:
        """The other party accepts the proposed amendment: its terms are in force as a new terms version (only
        while they end by the provider's credential expiry)."""
        self._require("amend", (S.ACTIVE,))
        pending = self._pending_amendment()
        if party is pending.party:
            raise OwnOfferNotAcceptable(self.id, party, "amendment")
        self._for_network_only(ctx, party, "acceptance of an amendment")
        if party is Party.NETWORK:
            require_authority(ctx, ContractAmendmentNeedsAuthority, "accept an amendment to", "contract", self.id,
                              self.region)
        self._check_evidence(party, evidence, "acceptance")
        self._within_credential("amend", pending.terms, provider)
        self._record(ContractAmended, ctx, terms=pending.terms, terms_version=self.terms_version + 1,
                     proposed_by=pending.party, accepted_by=party, evidence=evidence)

    def decline_amendment(self, ctx: Context, party: Party, reason: str) -> None:
        """The other party declines the proposed amendment, or its proposer withdraws it."""
        self._pending_amendment()
        self._for_network_only(ctx, party, "answer to an amendment")
        self._record(ContractAmendmentDeclined, ctx, party=party, reason=reason)

    def renew(self, ctx: Context, expires_on: date, provider: Provider) -> None:
        self._require("renew", (S.ACTIVE,))
        if expires_on <= self.terms.expires_on:
            raise RenewalNotLater(self.id, expires_on, self.terms.expires_on)
        if provider.credential_expires_on is not None and expires_on > provider.credential_expires_on:
            raise RenewalPastCredential(self.id, expires_on, provider.credential_expires_on)
        self._record(ContractRenewed, ctx, expires_on=expires_on)

    def remind_renewal(self, ctx: Context) -> None:
        """Record that the renewal is due soon (a timer's command)."""
        self._require("remind the renewal of", IN_FORCE)
        self._record(ContractRenewalDue, ctx, expires_on=self.terms.expires_on, days_before=RENEWAL_NOTICE_DAYS)

    def timers(self) -> dict[str, datetime]:
        """While in force: a renewal reminder 90 days before the terms expire (once per expiry date), and the
        expiry on that date."""
        if self.status not in IN_FORCE:
            return {}
        expiry = self.terms.expires_on
        wanted = {CONTRACT_EXPIRY: start_of(expiry)}
        if self.renewal_reminded_for != expiry:
            wanted[RENEWAL_REMINDER] = start_of(expiry - timedelta(days=RENEWAL_NOTICE_DAYS))
        return wanted

    def expire(self, ctx: Context) -> None:
        self._require("expire", (S.ACTIVE, S.SUSPENDED))
        if ctx.now.date() < self.terms.expires_on:
            raise ContractNotYetExpired(self.id, self.terms.expires_on)
        self._record(ContractExpired, ctx)

    def terminate(self, ctx: Context, reason: str) -> None:
        self._require("terminate", OPEN)
        require_authority(ctx, ContractTerminationNeedsAuthority, "terminate", "contract", self.id, self.region)
        self._record(ContractTerminated, ctx, reason=reason)

    def follow_provider(self, ctx: Context, provider: Provider, cause: ProviderCause) -> None:
        """Bring the contract in line with its provider after `cause`: a terminated provider ends its open
        contracts, a suspended or lapsed one suspends those in force, an active one resumes those it suspended.
        A contract of another provider, or one already in line, is left as it is."""
        if provider.id != self.provider_id:
            return
        if provider.status is ProviderStatus.TERMINATED and self.status in OPEN:
            self._record(ContractTerminated, ctx, reason=f"provider {provider.id} was terminated", cause=cause)
        elif provider.status in (ProviderStatus.SUSPENDED, ProviderStatus.LAPSED) and self.status is S.ACTIVE:
            self._record(ContractSuspended, ctx, cause=cause)
        elif provider.is_active_member and self.status is S.SUSPENDED and self.suspended_by is not None:
            self._record(ContractResumed, ctx, cause=cause)

    def record_payment_owed(self, ctx: Context, reference: str, amount_minor: int, currency: str,
                            received_on: date) -> None:
        """A claim or invoice received under the contract; due after the terms' payment days."""
        signed = set(self.signed_by) == set(Party)
        if not (self.status in (S.ACTIVE, S.SUSPENDED, S.EXPIRED) or (self.status is S.TERMINATED and signed)):
            raise ClaimNotAllowed(self.id, self.status)
        if currency != self.terms.currency:
            raise CurrencyMismatch(self.id, currency, self.terms.currency)
        if reference in self.payments:
            raise DuplicateClaim(self.id, reference)
        if received_on > ctx.now.date():
            raise PaymentDateRefused("received on", received_on, f"is after today ({ctx.now.date()})")
        if received_on < self.terms.effective_on:
            raise PaymentDateRefused("received on", received_on, f"is before contract {self.id} took effect "
                                     f"({self.terms.effective_on}): nothing was owed under it then")
        self._record(ContractPaymentOwed, ctx, reference=reference, amount_minor=amount_minor, currency=currency,
                     received_on=received_on, due_on=received_on + timedelta(days=self.terms.payment_terms_days))

    def record_payment_made(self, ctx: Context, reference: str, paid_on: date) -> None:
        """The network paid a claim or invoice recorded as owed."""
        owed = self.payments.get(reference)
        if owed is None:
            raise UnknownClaim(self.id, reference)
        if owed.paid_on is not None:
            raise ClaimAlreadyPaid(self.id, reference, owed.paid_on)
        if paid_on > ctx.now.date():
            raise PaymentDateRefused("paid on", paid_on, f"is after today ({ctx.now.date()})")
        if paid_on < owed.received_on:
            raise PaymentDateRefused("paid on", paid_on, f"is before the claim was received ({owed.received_on})")
        self._record(ContractPaymentMade, ctx, reference=reference, paid_on=paid_on, on_time=paid_on <= owed.due_on)

    def _require(self, command: str, allowed: tuple[ContractStatus, ...]) -> None:
        if self.status not in allowed:
            raise self._refuse(command, self.status, allowed)

    def _pending_amendment(self) -> PendingAmendment:
        if self.pending_amendment is None:
            raise NoAmendmentPending(self.id)
        return self.pending_amendment

    def _for_network_only(self, ctx: Context, party: Party, act: str) -> None:
        """A manager decides for the network: the provider's side is recorded by the region's staff."""
        if party is Party.PROVIDER and ctx.actor.role is Role.MANAGER:
            raise ManagerActsForNetwork(ctx.actor.id, self.id, act, self.region)

    def _within_credential(self, act: str, terms: Terms, provider: Provider) -> None:
        """Terms in force end by the provider's credential expiry (as renewal does)."""
        expiry = provider.credential_expires_on
        if expiry is not None and terms.expires_on > expiry:
            raise ContractPastCredential(self.id, act, terms.expires_on, expiry)

    def _check_evidence(self, party: Party, evidence: ProviderEvidence | None, act: str) -> None:
        if party is Party.PROVIDER and evidence is None:
            raise ProviderEvidenceMissing(self.id, act)
        if party is Party.NETWORK and evidence is not None:
            raise EvidenceNotForNetwork(self.id)

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

    def when(self, event: ContractEvent) -> None:  # noqa: C901 - one arm per event type
        if (status := STATUS_AFTER.get(type(event))) is not None:
            self.status = status
        match event:
            case ContractDraftRevised():
                self.terms = event.terms
            case ContractCounterOffered():
                self.terms, self.last_offer_by = event.terms, event.party
                self.negotiation_rounds = event.round
            case ContractTermsAgreed():
                if event.evidence is not None:
                    self.provider_acceptance = event.evidence
            case ContractSigned():
                self.signed_by = [*self.signed_by, event.party]
                if event.evidence is not None:
                    self.provider_signature = event.evidence
                if event.network_signatory is not None:
                    self.network_signatory = event.network_signatory
                if len(self.signed_by) == len(Party):
                    self.status = S.SIGNED
            case ContractAmendmentProposed():
                self.pending_amendment = PendingAmendment(party=event.party, terms=event.terms)
            case ContractAmendmentDeclined():
                self.pending_amendment = None
            case ContractAmended():
                self.terms, self.terms_version = event.terms, event.terms_version
                self.pending_amendment = None
            case ContractRenewed():
                self.terms = self.terms.model_copy(update={"expires_on": event.expires_on})
            case ContractSuspended():
                self.suspended_by = event.cause
            case ContractResumed():
                self.suspended_by = None
            case ContractTerminated():
                self.termination_reason = event.reason
                self.termination_cause = event.cause
                self.pending_amendment = self.suspended_by = None
            case ContractExpired():
                self.pending_amendment = self.suspended_by = None
            case ContractRenewalDue():
                self.renewal_reminded_for = event.expires_on
            case ContractPaymentOwed():
                self.payments = {**self.payments, event.reference: PaymentOwed(
                    amount_minor=event.amount_minor, currency=event.currency, received_on=event.received_on,
                    due_on=event.due_on)}
            case ContractPaymentMade():
                owed = self.payments[event.reference]
                self.payments = {**self.payments, event.reference: owed.model_copy(update={"paid_on": event.paid_on})}


def _check_coherent(terms: Terms) -> None:
    if terms.expires_on <= terms.effective_on:
        raise InvalidTerms(f"terms expire on {terms.expires_on}, not after they take effect on {terms.effective_on}")
    codes = [rate.service_code for rate in terms.rates]
    if len(set(codes)) != len(codes):
        raise InvalidTerms("each service code appears once in the rate schedule")
