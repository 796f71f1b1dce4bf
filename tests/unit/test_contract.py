"""Every contract command from draft to its end, and every refusal of the negotiation rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from domain.contract import Contract, ContractStatus, Party, Rate, Terms
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
    TransitionRefused,
)
from domain.provider import ProviderStatus
from tests.factories import NOW, contract_in, ctx, provider_in, terms

S = ContractStatus


class TestNegotiation:
    def test_a_draft_takes_the_providers_region(self) -> None:
        contract = contract_in(S.DRAFTED, provider_in(ProviderStatus.CREDENTIALED, region="south"))
        assert (contract.status, contract.region, contract.terms_version) == (S.DRAFTED, "south", 1)

    @pytest.mark.parametrize("status", [ProviderStatus.REJECTED, ProviderStatus.TERMINATED])
    def test_no_contract_is_drafted_for_a_rejected_or_terminated_provider(self, status: ProviderStatus) -> None:
        with pytest.raises(ProviderNotContractable):
            Contract.draft(ctx(), uuid4(), provider=provider_in(status), title="Agreement", terms=terms())

    def test_terms_that_end_before_they_start_are_refused(self) -> None:
        bad = terms().model_copy(update={"expires_on": NOW.date()})
        with pytest.raises(InvalidTerms, match="not after they take effect"):
            Contract.draft(ctx(), uuid4(), provider=provider_in(ProviderStatus.ACTIVE), title="A", terms=bad)

    def test_a_service_code_appears_once_in_the_rate_schedule(self) -> None:
        rate = Rate(service_code="visit", description="Visit", amount_cents=100)
        bad = terms().model_copy(update={"rates": [rate, rate]})
        with pytest.raises(InvalidTerms, match="once"):
            contract_in(S.DRAFTED).revise_draft(ctx(), bad)

    def test_a_terms_model_names_the_field_it_refuses(self) -> None:
        with pytest.raises(ValueError, match="payment_terms_days"):
            Terms(rates=[Rate(service_code="v", description="V", amount_cents=1)], payment_terms_days=0,
                  effective_on=NOW.date(), expires_on=NOW.date())

    def test_a_draft_can_be_revised_then_proposed(self) -> None:
        contract = contract_in(S.DRAFTED)
        contract.revise_draft(ctx(), terms(amount=5000))
        contract.propose(ctx(), "Our standard offer")
        assert (contract.status, contract.terms.rates[0].amount_cents) == (S.PROPOSED, 5000)

    def test_counter_offers_count_rounds_and_carry_the_changed_terms(self) -> None:
        contract = contract_in(S.NEGOTIATING)
        contract.counter_offer(ctx(), Party.NETWORK, terms(days=25))
        assert (contract.negotiation_rounds, contract.last_offer_by, contract.terms.payment_terms_days) == (
            2, Party.NETWORK, 25)

    def test_a_counter_offer_must_change_the_terms(self) -> None:
        contract = contract_in(S.NEGOTIATING)
        with pytest.raises(TermsUnchanged):
            contract.counter_offer(ctx(), Party.NETWORK, contract.terms)

    def test_a_draft_cannot_be_countered_before_it_is_proposed(self) -> None:
        with pytest.raises(TransitionRefused, match="cannot counter-offer on"):
            contract_in(S.DRAFTED).counter_offer(ctx(), Party.PROVIDER, terms(days=10))

    def test_agreeing_ends_the_negotiation(self) -> None:
        assert contract_in(S.AGREED).status is S.AGREED


class TestSignature:
    @pytest.mark.parametrize("status", [S.DRAFTED, S.PROPOSED, S.NEGOTIATING])
    def test_signing_a_contract_whose_terms_were_never_agreed_is_refused(self, status: ContractStatus) -> None:
        with pytest.raises(TermsNotAgreed, match="never agreed"):
            contract_in(status).sign(ctx(), Party.PROVIDER)

    def test_a_contract_is_signed_when_both_parties_signed(self) -> None:
        contract = contract_in(S.AGREED)
        contract.sign(ctx(), Party.PROVIDER)
        assert contract.status is S.AGREED
        contract.sign(ctx(), Party.NETWORK)
        assert contract.status is S.SIGNED

    def test_each_party_signs_once(self) -> None:
        contract = contract_in(S.AGREED)
        contract.sign(ctx(), Party.PROVIDER)
        with pytest.raises(AlreadySigned, match="provider"):
            contract.sign(ctx(), Party.PROVIDER)


class TestInForce:
    def test_activation_needs_an_active_provider(self) -> None:
        provider = provider_in(ProviderStatus.ACTIVE)
        contract = contract_in(S.SIGNED, provider)
        provider.suspend(ctx(), "Fee unpaid")
        with pytest.raises(ProviderNotActive, match="suspended"):
            contract.activate(ctx(), provider)

    def test_activation_waits_for_the_effective_date(self) -> None:
        provider = provider_in(ProviderStatus.ACTIVE)
        contract = contract_in(S.AGREED, provider)
        contract.sign(ctx(), Party.PROVIDER)
        contract.sign(ctx(), Party.NETWORK)
        with pytest.raises(ContractNotYetEffective):
            contract.activate(ctx(now=NOW - timedelta(days=1)), provider)

    def test_an_amendment_is_a_new_terms_version(self) -> None:
        contract = contract_in(S.ACTIVE)
        contract.amend(ctx(), terms(amount=4800))
        assert (contract.terms_version, contract.terms.rates[0].amount_cents) == (2, 4800)

    def test_amending_a_draft_is_refused(self) -> None:
        with pytest.raises(TransitionRefused, match="cannot amend"):
            contract_in(S.DRAFTED).amend(ctx(), terms(amount=1))

    def test_renewal_extends_the_expiry(self) -> None:
        contract = contract_in(S.ACTIVE)
        later = contract.terms.expires_on + timedelta(days=365)
        contract.renew(ctx(), later)
        assert (contract.status, contract.terms.expires_on) == (S.ACTIVE, later)

    def test_a_renewal_must_be_later_than_the_current_expiry(self) -> None:
        contract = contract_in(S.ACTIVE)
        with pytest.raises(RenewalNotLater):
            contract.renew(ctx(), contract.terms.expires_on)

    def test_a_contract_expires_on_its_expiry_date(self) -> None:
        assert contract_in(S.EXPIRED).status is S.EXPIRED

    def test_expiring_early_is_refused(self) -> None:
        with pytest.raises(ContractNotYetExpired):
            contract_in(S.ACTIVE).expire(ctx())

    @pytest.mark.parametrize("status", [S.DRAFTED, S.NEGOTIATING, S.SIGNED, S.ACTIVE])
    def test_termination_ends_a_contract_in_any_open_stage(self, status: ContractStatus) -> None:
        contract = contract_in(status)
        contract.terminate(ctx(), "Ended by agreement")
        assert (contract.status, contract.termination_reason) == (S.TERMINATED, "Ended by agreement")

    @pytest.mark.parametrize("status", [S.EXPIRED, S.TERMINATED])
    def test_an_ended_contract_cannot_be_terminated(self, status: ContractStatus) -> None:
        with pytest.raises(TransitionRefused, match=f"it is {status}"):
            contract_in(status).terminate(ctx(), "Again")


def test_expiry_is_checked_against_the_commands_time() -> None:
    contract = contract_in(S.ACTIVE)
    at_expiry = datetime.combine(contract.terms.expires_on, NOW.timetz())
    contract.expire(ctx(now=at_expiry))
    assert contract.status is S.EXPIRED
