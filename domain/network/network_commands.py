"""Commands on providers and their contracts: recruitment, credentialing, negotiation, signature, payments.

A provider's status reaches its contracts: a command that suspends, reinstates, lapses, re-credentials or
terminates a provider brings each of its contracts in line (`Contract.follow_provider`, the cause recorded
on the contract) and saves the provider and those contracts in one transaction. The contracts are found by
the record index; each is loaded from the event store and changed only where it still belongs to the
provider and its status calls for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from pydantic import Field

from domain.aggregate import Aggregate
from domain.errors import ConcurrentUpdate, VersionMismatch
from domain.ledger import CommandResult
from domain.network.contract import (
    CONTRACT_EXPIRY,
    Contract,
    Currency,
    Party,
    ProviderCause,
    ProviderEvidence,
    Terms,
)
from domain.network.provider import CREDENTIAL_LAPSE, Provider, ProviderKind, RetentionRisk
from domain.staff.staffing import RegionCommands
from domain.values import Code, Context, Day, ShortTextIn, TextIn

__all__ = ["AUTHORITY_COMMANDS", "NetworkCommands"]

AUTHORITY_COMMANDS = frozenset({"terminate_provider", "terminate_contract", "amend_contract"})
"""Commands only a coordinator of the record's region, a manager or an administrator run, whatever the party (see
`domain.network.provider.AUTHORITY`); the other amendment commands are a representative's too, on the provider's
side."""


class NetworkCommands(RegionCommands):
    def prospect_provider(
        self, ctx: Context, *, name: ShortTextIn, kind: ProviderKind, region: Code,
        specialty: ShortTextIn | None = None, provider_id: UUID | None = None,
    ) -> CommandResult:
        self.region(region)
        provider = Provider.prospect(ctx, provider_id or self.new_id(), name=name, kind=kind, region=region,
                                     specialty=specialty)
        return self._commit(provider)

    def log_provider_meeting(
        self, ctx: Context, provider_id: UUID, representative_id: Code, summary: TextIn,
        expected_version: int | None = None,
    ) -> CommandResult:
        def log(provider: Provider) -> None:
            self.region(provider.region).staff_member(representative_id)
            provider.log_meeting(ctx, representative_id, summary)

        return self._update(Provider, provider_id, expected_version, log)

    def receive_application(
        self, ctx: Context, provider_id: UUID, note: TextIn | None = None, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Provider, provider_id, expected_version, lambda p: p.receive_application(ctx, note))

    def start_credentialing(
        self, ctx: Context, provider_id: UUID, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Provider, provider_id, expected_version, lambda p: p.start_credentialing(ctx))

    def credential_provider(
        self, ctx: Context, provider_id: UUID, expires_on: Day | None = None, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Provider, provider_id, expected_version, lambda p: p.credential(ctx, expires_on))

    def recredential_provider(
        self, ctx: Context, provider_id: UUID, expires_on: Day | None = None, expected_version: int | None = None
    ) -> CommandResult:
        return self._update_provider(provider_id, expected_version, lambda p: p.recredential(ctx, expires_on), ctx)

    def lapse_credential(
        self, ctx: Context, provider_id: UUID, expected_version: int | None = None
    ) -> CommandResult:
        """The provider's credential expired (on or after its expiry date): the provider lapses and its contracts
        in force are suspended until it is re-credentialed."""
        return self._update_provider(provider_id, expected_version, lambda p: p.lapse_credential(ctx), ctx)

    def reject_provider(
        self, ctx: Context, provider_id: UUID, reason: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Provider, provider_id, expected_version, lambda p: p.reject(ctx, reason))

    def activate_provider(self, ctx: Context, provider_id: UUID, expected_version: int | None = None) -> CommandResult:
        return self._update(Provider, provider_id, expected_version, lambda p: p.activate(ctx))

    def suspend_provider(
        self, ctx: Context, provider_id: UUID, reason: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update_provider(provider_id, expected_version, lambda p: p.suspend(ctx, reason), ctx)

    def reinstate_provider(
        self, ctx: Context, provider_id: UUID, note: TextIn | None = None, expected_version: int | None = None
    ) -> CommandResult:
        return self._update_provider(provider_id, expected_version, lambda p: p.reinstate(ctx, note), ctx)

    def terminate_provider(
        self, ctx: Context, provider_id: UUID, reason: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update_provider(provider_id, expected_version, lambda p: p.terminate(ctx, reason), ctx)

    def flag_retention_risk(
        self, ctx: Context, provider_id: UUID, level: RetentionRisk, reason: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(
            Provider, provider_id, expected_version, lambda p: p.flag_retention_risk(ctx, level, reason)
        )

    def clear_retention_risk(
        self, ctx: Context, provider_id: UUID, note: TextIn | None = None, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Provider, provider_id, expected_version, lambda p: p.clear_retention_risk(ctx, note))

    def draft_contract(
        self, ctx: Context, *, provider_id: UUID, title: ShortTextIn, terms: Terms, contract_id: UUID | None = None
    ) -> CommandResult:
        provider = self.get(Provider, provider_id)
        return self._commit(Contract.draft(ctx, contract_id or self.new_id(), provider=provider, title=title,
                                           terms=terms))

    def revise_contract_draft(
        self, ctx: Context, contract_id: UUID, terms: Terms, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Contract, contract_id, expected_version, lambda c: c.revise_draft(ctx, terms))

    def propose_contract(
        self, ctx: Context, contract_id: UUID, note: TextIn | None = None, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Contract, contract_id, expected_version, lambda c: c.propose(ctx, note))

    def counter_offer(
        self, ctx: Context, contract_id: UUID, party: Party, terms: Terms, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Contract, contract_id, expected_version, lambda c: c.counter_offer(ctx, party, terms))

    def agree_contract(
        self, ctx: Context, contract_id: UUID, party: Party, evidence: ProviderEvidence | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Accept the other party's standing offer (the provider's acceptance with evidence)."""
        return self._update(Contract, contract_id, expected_version, lambda c: c.agree(ctx, party, evidence))

    def sign_contract(
        self, ctx: Context, contract_id: UUID, party: Party, evidence: ProviderEvidence | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Sign the agreed terms: the provider with evidence, the network by the staff member who signs."""
        return self._update(Contract, contract_id, expected_version, lambda c: c.sign(ctx, party, evidence))

    def activate_contract(self, ctx: Context, contract_id: UUID, expected_version: int | None = None) -> CommandResult:
        """Put the signed contract in force: its provider active and credentialed until the terms end."""
        def activate(contract: Contract) -> None:
            contract.activate(ctx, self.get(Provider, contract.provider_id))

        return self._update(Contract, contract_id, expected_version, activate)

    def amend_contract(
        self, ctx: Context, contract_id: UUID, terms: Terms, expected_version: int | None = None
    ) -> CommandResult:
        """Propose an amendment on the network's side: in force once the provider accepts."""
        return self.propose_amendment(ctx, contract_id, Party.NETWORK, terms, expected_version)

    def propose_amendment(
        self, ctx: Context, contract_id: UUID, party: Party, terms: Terms, expected_version: int | None = None
    ) -> CommandResult:
        """Propose new terms for a contract in force (either party): in force once the other party accepts."""
        return self._update(Contract, contract_id, expected_version, lambda c: c.propose_amendment(ctx, party, terms))

    def accept_amendment(
        self, ctx: Context, contract_id: UUID, party: Party, evidence: ProviderEvidence | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Accept the other party's proposed amendment (the provider with evidence): the new terms are in force.

        Refused when they run past the provider's credential expiry (`contract-past-credential`)."""
        def accept(contract: Contract) -> None:
            contract.accept_amendment(ctx, party, evidence, provider=self.get(Provider, contract.provider_id))

        return self._update(Contract, contract_id, expected_version, accept)

    def decline_amendment(
        self, ctx: Context, contract_id: UUID, party: Party, reason: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        """Decline the proposed amendment (or withdraw one's own): the terms in force stay."""
        return self._update(Contract, contract_id, expected_version,
                            lambda c: c.decline_amendment(ctx, party, reason))

    def renew_contract(
        self, ctx: Context, contract_id: UUID, expires_on: Day, expected_version: int | None = None
    ) -> CommandResult:
        """Extend the contract, at most to its provider's credential expiry."""
        def renew(contract: Contract) -> None:
            contract.renew(ctx, expires_on, self.get(Provider, contract.provider_id))

        return self._update(Contract, contract_id, expected_version, renew)

    def fire_provider_timer(self, ctx: Context, provider_id: UUID, purpose: str) -> CommandResult:
        """A provider's timer: the lapse (its contracts suspended with it), or an alert before expiry."""
        def lapse(provider: Provider) -> None:
            self.require_due(provider, purpose)
            provider.lapse_credential(ctx)

        def alert(provider: Provider) -> None:
            self.require_due(provider, purpose)
            provider.alert_credential_expiry(ctx, provider.alert_reached(ctx.now))

        if purpose == CREDENTIAL_LAPSE:
            return self._update_provider(provider_id, None, lapse, ctx)
        return self._update(Provider, provider_id, None, alert)

    def fire_contract_timer(self, ctx: Context, contract_id: UUID, purpose: str) -> CommandResult:
        """A contract's timer: the renewal reminder, or the expiry."""
        def fire(contract: Contract) -> None:
            self.require_due(contract, purpose)
            if purpose == CONTRACT_EXPIRY:
                contract.expire(ctx)
            else:
                contract.remind_renewal(ctx)

        return self._update(Contract, contract_id, None, fire)

    def expire_contract(self, ctx: Context, contract_id: UUID, expected_version: int | None = None) -> CommandResult:
        return self._update(Contract, contract_id, expected_version, lambda c: c.expire(ctx))

    def terminate_contract(
        self, ctx: Context, contract_id: UUID, reason: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Contract, contract_id, expected_version, lambda c: c.terminate(ctx, reason))

    def record_payment_owed(
        self, ctx: Context, contract_id: UUID, reference: ShortTextIn,
        amount_minor: Annotated[int, Field(gt=0, le=10**12)], currency: Currency, received_on: Day,
        expected_version: int | None = None,
    ) -> CommandResult:
        """A claim or invoice the network owes the provider (integer minor units): due after the payment terms."""
        return self._update(Contract, contract_id, expected_version,
                            lambda c: c.record_payment_owed(ctx, reference, amount_minor, currency, received_on))

    def record_payment_made(
        self, ctx: Context, contract_id: UUID, reference: ShortTextIn, paid_on: Day,
        expected_version: int | None = None,
    ) -> CommandResult:
        """The network paid a claim or invoice recorded as owed."""
        return self._update(Contract, contract_id, expected_version,
                            lambda c: c.record_payment_made(ctx, reference, paid_on))

    def _update_provider(
        self, provider_id: UUID, expected_version: int | None, command: Callable[[Provider], None], ctx: Context
    ) -> CommandResult:
        """A provider command whose new status reaches the provider's contracts, saved with them at once."""
        provider = self.get(Provider, provider_id)
        if expected_version is not None and expected_version != provider.version:
            raise VersionMismatch("provider", provider_id, expected_version, provider.version)
        stamp = self._stamp.set(max(self.clock(), provider.modified_at))
        try:
            command(provider)
            contracts = self._following(ctx, provider)
        finally:
            self._stamp.reset(stamp)
        try:
            return self._commit_together(provider, *contracts)
        except ConcurrentUpdate:
            if expected_version is None:
                raise
            raise VersionMismatch("provider", provider_id, expected_version,
                                  self.get(Provider, provider_id).version) from None

    def _following(self, ctx: Context, provider: Provider) -> list[Contract]:
        """The provider's contracts brought in line with its new status (those that changed)."""
        if not provider.pending_events:
            return []
        cause = ProviderCause(provider_event=provider.pending_events[-1].type_name, provider_version=provider.version)
        changed = []
        for contract_id in self.index.contracts_of(provider.id):
            contract = self.get(Contract, contract_id)
            contract.follow_provider(ctx, provider, cause)
            if contract.pending_events:
                changed.append(contract)
        return changed

    def _commit_together(self, first: Aggregate, *others: Aggregate) -> CommandResult:
        """Save several records in one transaction, each checked by the staff rule like a single one."""
        for aggregate in (first, *others):
            for actor in {event.actor for event in aggregate.pending_events}:
                self.require_staff(actor, getattr(aggregate, "region"))  # noqa: B009 - providers and contracts have one
        try:
            recordings = self.save(first, *others)
        except IntegrityError:
            raise ConcurrentUpdate(first.aggregate_type, first.id) from None
        return CommandResult(first.id, first.version, recordings[-1].notification.id)
