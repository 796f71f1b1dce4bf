"""Commands on providers and their contracts: recruitment, credentialing, negotiation, signature."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.contract import Contract, Party, Terms
from domain.ledger import CommandResult
from domain.provider import Provider, ProviderKind, RetentionRisk
from domain.staffing import RegionCommands
from domain.values import Code, Context, ShortTextIn, TextIn

__all__ = ["NetworkCommands"]


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
        self, ctx: Context, provider_id: UUID, expires_on: date, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Provider, provider_id, expected_version, lambda p: p.credential(ctx, expires_on))

    def recredential_provider(
        self, ctx: Context, provider_id: UUID, expires_on: date, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Provider, provider_id, expected_version, lambda p: p.recredential(ctx, expires_on))

    def reject_provider(
        self, ctx: Context, provider_id: UUID, reason: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Provider, provider_id, expected_version, lambda p: p.reject(ctx, reason))

    def activate_provider(self, ctx: Context, provider_id: UUID, expected_version: int | None = None) -> CommandResult:
        return self._update(Provider, provider_id, expected_version, lambda p: p.activate(ctx))

    def suspend_provider(
        self, ctx: Context, provider_id: UUID, reason: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Provider, provider_id, expected_version, lambda p: p.suspend(ctx, reason))

    def reinstate_provider(
        self, ctx: Context, provider_id: UUID, note: TextIn | None = None, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Provider, provider_id, expected_version, lambda p: p.reinstate(ctx, note))

    def terminate_provider(
        self, ctx: Context, provider_id: UUID, reason: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Provider, provider_id, expected_version, lambda p: p.terminate(ctx, reason))

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
        self, ctx: Context, contract_id: UUID, party: Party, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Contract, contract_id, expected_version, lambda c: c.agree(ctx, party))

    def sign_contract(
        self, ctx: Context, contract_id: UUID, party: Party, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Contract, contract_id, expected_version, lambda c: c.sign(ctx, party))

    def activate_contract(self, ctx: Context, contract_id: UUID, expected_version: int | None = None) -> CommandResult:
        def activate(contract: Contract) -> None:
            contract.activate(ctx, self.get(Provider, contract.provider_id))

        return self._update(Contract, contract_id, expected_version, activate)

    def amend_contract(
        self, ctx: Context, contract_id: UUID, terms: Terms, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Contract, contract_id, expected_version, lambda c: c.amend(ctx, terms))

    def renew_contract(
        self, ctx: Context, contract_id: UUID, expires_on: date, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Contract, contract_id, expected_version, lambda c: c.renew(ctx, expires_on))

    def expire_contract(self, ctx: Context, contract_id: UUID, expected_version: int | None = None) -> CommandResult:
        return self._update(Contract, contract_id, expected_version, lambda c: c.expire(ctx))

    def terminate_contract(
        self, ctx: Context, contract_id: UUID, reason: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Contract, contract_id, expected_version, lambda c: c.terminate(ctx, reason))
