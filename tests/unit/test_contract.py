"""Every contract command from draft to its end, and every refusal of the negotiation rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

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
    InvalidValue,
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
    TransitionRefused,
    UnknownClaim,
)
from domain.network.contract import Contract, ContractStatus, Party, ProviderCause, ProviderEvidence, Rate, Terms
from domain.network.provider import Provider, ProviderStatus
from domain.values import Actor, Role
from tests.factories import ADMIN, COORDINATOR, EVIDENCE, NOW, TODAY, contract_in, ctx, provider_in, terms

MANAGER = Actor(id="ines-manager", role=Role.MANAGER)
AUTHORITIES = [COORDINATOR, MANAGER, ADMIN]

S = ContractStatus
SINCE = TODAY - timedelta(days=90)
"""The effective date of a contract in force for a while."""


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

    def test_the_network_cannot_counter_its_own_proposal(self) -> None:
        contract = contract_in(S.PROPOSED)
        with pytest.raises(NotYourTurn, match=r"standing offer .* is the network's own"):
            contract.counter_offer(ctx(), Party.NETWORK, terms(days=25))

    def test_a_party_cannot_counter_offer_twice_in_a_row(self) -> None:
        contract = contract_in(S.NEGOTIATING)
        contract.counter_offer(ctx(), Party.NETWORK, terms(days=25))
        with pytest.raises(NotYourTurn, match="network's own"):
            contract.counter_offer(ctx(), Party.NETWORK, terms(days=28))

    def test_the_network_cannot_accept_its_own_proposal(self) -> None:
        with pytest.raises(OwnOfferNotAcceptable, match="network made the standing offer"):
            contract_in(S.PROPOSED).agree(ctx(), Party.NETWORK)

    def test_the_network_cannot_accept_its_own_counter_offer(self) -> None:
        contract = contract_in(S.NEGOTIATING)
        contract.counter_offer(ctx(), Party.NETWORK, terms(days=25))
        with pytest.raises(OwnOfferNotAcceptable, match="only the other party can accept it"):
            contract.agree(ctx(), Party.NETWORK)

    def test_the_provider_cannot_accept_its_own_counter_offer(self) -> None:
        with pytest.raises(OwnOfferNotAcceptable, match="provider made"):
            contract_in(S.NEGOTIATING).agree(ctx(), Party.PROVIDER, EVIDENCE)

    def test_the_provider_accepts_the_networks_counter_offer_with_evidence(self) -> None:
        contract = contract_in(S.NEGOTIATING)
        contract.counter_offer(ctx(), Party.NETWORK, terms(days=25))
        contract.agree(ctx(), Party.PROVIDER, EVIDENCE)
        assert (contract.status, contract.provider_acceptance, contract.terms.payment_terms_days) == (
            S.AGREED, EVIDENCE, 25)

    def test_the_provider_accepts_the_networks_proposal_with_evidence(self) -> None:
        contract = contract_in(S.PROPOSED)
        contract.agree(ctx(), Party.PROVIDER, EVIDENCE)
        assert contract.status is S.AGREED

    def test_the_providers_acceptance_without_evidence_is_refused(self) -> None:
        with pytest.raises(ProviderEvidenceMissing, match=r"provider's acceptance .* needs evidence"):
            contract_in(S.PROPOSED).agree(ctx(), Party.PROVIDER)

    def test_evidence_on_the_networks_side_is_refused(self) -> None:
        with pytest.raises(EvidenceNotForNetwork):
            contract_in(S.NEGOTIATING).agree(ctx(), Party.NETWORK, EVIDENCE)

    def test_evidence_carries_a_sha256_hex_digest(self) -> None:
        with pytest.raises(ValidationError, match="document_sha256"):
            ProviderEvidence(signatory="A", title="B", reference="C", document_sha256="abc")

    def test_a_digest_in_capitals_is_kept_in_lower_case(self) -> None:
        upper = ProviderEvidence(**{**EVIDENCE.model_dump(), "document_sha256": EVIDENCE.document_sha256.upper()})
        assert upper == EVIDENCE

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
        contract.sign(ctx(), Party.PROVIDER, EVIDENCE)
        assert contract.status is S.AGREED
        contract.sign(ctx(COORDINATOR), Party.NETWORK)
        assert (contract.status, contract.provider_signature, contract.network_signatory) == (
            S.SIGNED, EVIDENCE, "coord-north")

    def test_the_providers_signature_needs_evidence(self) -> None:
        with pytest.raises(ProviderEvidenceMissing, match="provider's signature"):
            contract_in(S.AGREED).sign(ctx(), Party.PROVIDER)

    def test_the_networks_signature_takes_no_provider_evidence(self) -> None:
        with pytest.raises(EvidenceNotForNetwork):
            contract_in(S.AGREED).sign(ctx(), Party.NETWORK, EVIDENCE)

    def test_each_party_signs_once(self) -> None:
        contract = contract_in(S.AGREED)
        contract.sign(ctx(), Party.PROVIDER, EVIDENCE)
        with pytest.raises(AlreadySigned, match="provider"):
            contract.sign(ctx(), Party.PROVIDER, EVIDENCE)


class TestInForce:
    def test_activation_needs_an_active_provider(self) -> None:
        provider = provider_in(ProviderStatus.ACTIVE)
        contract = contract_in(S.SIGNED, provider)
        provider.suspend(ctx(), "Fee unpaid")
        with pytest.raises(ProviderNotActive, match="suspended"):
            contract.activate(ctx(), provider)

    def test_activation_waits_for_the_effective_date(self) -> None:
        provider = provider_in(ProviderStatus.ACTIVE)
        contract = contract_in(S.SIGNED, provider)
        with pytest.raises(ContractNotYetEffective):
            contract.activate(ctx(now=NOW - timedelta(days=1)), provider)

    def test_activation_needs_the_providers_credential_in_force(self) -> None:
        provider = provider_in(ProviderStatus.ACTIVE)
        contract = contract_in(S.SIGNED, provider)
        expiry = datetime.combine(provider.credential_expires_on or TODAY, NOW.timetz())
        with pytest.raises(CredentialExpired, match="re-credential"):
            contract.activate(ctx(now=expiry), provider)

    def test_terms_running_past_the_providers_credential_are_not_activated(self) -> None:
        provider = credentialed_until(TODAY + timedelta(days=365))
        contract = contract_in(S.SIGNED, provider)
        with pytest.raises(ContractPastCredential, match=f"credential, which expires on {TODAY + timedelta(days=365)}"):
            contract.activate(ctx(), provider)
        assert contract.status is S.SIGNED

    def test_terms_ending_on_the_credentials_expiry_are_activated(self) -> None:
        contract = contract_in(S.SIGNED, credentialed_until(TODAY + timedelta(days=365)))
        credential = credentialed_until(contract.terms.expires_on).model_copy(update={"id": contract.provider_id})
        contract.activate(ctx(), credential)
        assert contract.status is S.ACTIVE

    def test_renewal_extends_the_expiry(self) -> None:
        provider = credentialed_until(TODAY + timedelta(days=5 * 365))
        contract = contract_in(S.ACTIVE, provider)
        later = contract.terms.expires_on + timedelta(days=365)
        contract.renew(ctx(), later, provider)
        assert (contract.status, contract.terms.expires_on) == (S.ACTIVE, later)

    def test_a_renewal_must_be_later_than_the_current_expiry(self) -> None:
        provider = credentialed_until(TODAY + timedelta(days=3 * 365))
        contract = contract_in(S.ACTIVE, provider)
        with pytest.raises(RenewalNotLater):
            contract.renew(ctx(), contract.terms.expires_on, provider)

    def test_a_renewal_cannot_run_past_the_providers_credential(self) -> None:
        provider = credentialed_until(TODAY + timedelta(days=3 * 365))
        contract = contract_in(S.ACTIVE, provider)
        with pytest.raises(RenewalPastCredential, match=f"credential expires on {provider.credential_expires_on}"):
            contract.renew(ctx(), TODAY + timedelta(days=3 * 365 + 1), provider)
        contract.renew(ctx(), TODAY + timedelta(days=3 * 365), provider)
        assert contract.terms.expires_on == provider.credential_expires_on

    def test_a_suspended_contract_expires_on_its_expiry_date(self) -> None:
        contract = contract_in(S.ACTIVE)
        contract.follow_provider(ctx(), suspended(contract), CAUSE)
        contract.expire(ctx(now=datetime.combine(contract.terms.expires_on, NOW.timetz())))
        assert (contract.status, contract.suspended_by) == (S.EXPIRED, None)

    def test_a_contract_expires_on_its_expiry_date(self) -> None:
        assert contract_in(S.EXPIRED).status is S.EXPIRED

    def test_expiring_early_is_refused(self) -> None:
        with pytest.raises(ContractNotYetExpired):
            contract_in(S.ACTIVE).expire(ctx())

    @pytest.mark.parametrize("status", [S.DRAFTED, S.NEGOTIATING, S.SIGNED, S.ACTIVE])
    def test_termination_ends_a_contract_in_any_open_stage(self, status: ContractStatus) -> None:
        contract = contract_in(status)
        contract.terminate(ctx(COORDINATOR), "Ended by agreement")
        assert (contract.status, contract.termination_reason) == (S.TERMINATED, "Ended by agreement")

    @pytest.mark.parametrize("status", [S.EXPIRED, S.TERMINATED])
    def test_an_ended_contract_cannot_be_terminated(self, status: ContractStatus) -> None:
        with pytest.raises(TransitionRefused, match=f"it is {status}"):
            contract_in(status).terminate(ctx(COORDINATOR), "Again")

    def test_a_representative_cannot_terminate_a_contract(self) -> None:
        with pytest.raises(ContractTerminationNeedsAuthority,
                           match="only the coordinator of region north, a manager or an administrator may"):
            contract_in(S.ACTIVE).terminate(ctx(), "Ended")

    @pytest.mark.parametrize("actor", AUTHORITIES, ids=lambda a: a.role)
    def test_a_coordinator_a_manager_or_an_administrator_terminates_a_contract(self, actor: Actor) -> None:
        contract = contract_in(S.ACTIVE)
        contract.terminate(ctx(actor), "Ended")
        assert contract.status is S.TERMINATED


def credentialed_until(expires_on: date) -> Provider:
    provider = provider_in(ProviderStatus.CREDENTIALING)
    provider.credential(ctx(), expires_on)
    provider.activate(ctx())
    return provider


CAUSE = ProviderCause(provider_event="ProviderSuspended", provider_version=7)


def suspended(contract: Contract) -> Provider:
    """A provider like the contract's own, suspended."""
    provider = provider_in(ProviderStatus.SUSPENDED)
    return provider.model_copy(update={"id": contract.provider_id})


def member(contract: Contract) -> Provider:
    """A provider like the contract's own: active, credentialed for three years (past the two-year terms)."""
    return MEMBER.model_copy(update={"id": contract.provider_id})


MEMBER = provider_in(ProviderStatus.ACTIVE, credential_days=3 * 365)


def amended_by_network(contract: Contract, amount: int = 4800) -> None:
    contract.propose_amendment(ctx(COORDINATOR), Party.NETWORK, terms(amount=amount))


class TestAmendment:
    def test_an_amendment_is_in_force_only_once_the_provider_accepts(self) -> None:
        contract = contract_in(S.ACTIVE)
        amended_by_network(contract)
        assert (contract.terms_version, contract.terms.rates[0].amount_cents) == (1, 4500)
        contract.accept_amendment(ctx(), Party.PROVIDER, EVIDENCE, provider=member(contract))
        assert (contract.terms_version, contract.terms.rates[0].amount_cents, contract.pending_amendment) == (
            2, 4800, None)

    def test_the_provider_proposes_and_a_coordinator_accepts_for_the_network(self) -> None:
        contract = contract_in(S.ACTIVE)
        contract.propose_amendment(ctx(), Party.PROVIDER, terms(amount=4700))
        contract.accept_amendment(ctx(COORDINATOR), Party.NETWORK, provider=member(contract))
        assert (contract.terms_version, contract.terms.rates[0].amount_cents) == (2, 4700)

    def test_the_proposer_cannot_accept_its_own_amendment(self) -> None:
        contract = contract_in(S.ACTIVE)
        amended_by_network(contract)
        with pytest.raises(OwnOfferNotAcceptable, match="standing amendment"):
            contract.accept_amendment(ctx(COORDINATOR), Party.NETWORK, provider=member(contract))

    def test_the_providers_acceptance_of_an_amendment_needs_evidence(self) -> None:
        contract = contract_in(S.ACTIVE)
        amended_by_network(contract)
        with pytest.raises(ProviderEvidenceMissing):
            contract.accept_amendment(ctx(), Party.PROVIDER, provider=member(contract))

    def test_an_amendment_running_past_the_providers_credential_is_not_accepted(self) -> None:
        contract = contract_in(S.ACTIVE)
        credential = member(contract).credential_expires_on
        assert credential is not None
        contract.propose_amendment(ctx(COORDINATOR), Party.NETWORK, terms(years=4))
        with pytest.raises(ContractPastCredential, match=f"cannot amend .* expires on {credential}"):
            contract.accept_amendment(ctx(), Party.PROVIDER, EVIDENCE, provider=member(contract))
        assert (contract.terms_version, contract.terms.expires_on) == (1, TODAY.replace(year=TODAY.year + 2))
        recredentialed = member(contract).model_copy(update={"credential_expires_on": TODAY.replace(
            year=TODAY.year + 4)})
        contract.accept_amendment(ctx(), Party.PROVIDER, EVIDENCE, provider=recredentialed)
        assert contract.terms_version == 2

    @pytest.mark.parametrize("party", [Party.NETWORK, Party.PROVIDER])
    def test_a_provider_amendment_past_the_credential_is_not_accepted_for_the_network_either(
            self, party: Party) -> None:
        contract = contract_in(S.ACTIVE)
        other = Party.PROVIDER if party is Party.NETWORK else Party.NETWORK
        contract.propose_amendment(ctx(COORDINATOR), other, terms(years=4))
        with pytest.raises(ContractPastCredential):
            contract.accept_amendment(ctx(COORDINATOR), party, EVIDENCE if party is Party.PROVIDER else None,
                                      provider=member(contract))

    def test_a_manager_does_not_record_the_providers_side_of_an_amendment(self) -> None:
        contract = contract_in(S.ACTIVE)
        with pytest.raises(ManagerActsForNetwork, match="acts for the network only"):
            contract.propose_amendment(ctx(MANAGER), Party.PROVIDER, terms(amount=4700))
        amended_by_network(contract)
        with pytest.raises(ManagerActsForNetwork):
            contract.accept_amendment(ctx(MANAGER), Party.PROVIDER, EVIDENCE, provider=member(contract))
        with pytest.raises(ManagerActsForNetwork):
            contract.decline_amendment(ctx(MANAGER), Party.PROVIDER, "Too low")
        contract.decline_amendment(ctx(MANAGER), Party.NETWORK, "Withdrawn")
        assert contract.pending_amendment is None

    def test_one_amendment_at_a_time(self) -> None:
        contract = contract_in(S.ACTIVE)
        amended_by_network(contract)
        with pytest.raises(AmendmentPending, match="proposed by the network waiting"):
            contract.propose_amendment(ctx(), Party.PROVIDER, terms(amount=4000))

    def test_accepting_without_a_proposed_amendment_is_refused(self) -> None:
        with pytest.raises(NoAmendmentPending):
            contract_in(S.ACTIVE).accept_amendment(ctx(), Party.PROVIDER, EVIDENCE, provider=MEMBER)

    def test_a_declined_amendment_leaves_the_terms_in_force(self) -> None:
        contract = contract_in(S.ACTIVE)
        amended_by_network(contract)
        contract.decline_amendment(ctx(), Party.PROVIDER, "Rates too low")
        assert (contract.terms_version, contract.pending_amendment) == (1, None)
        with pytest.raises(NoAmendmentPending):
            contract.decline_amendment(ctx(), Party.PROVIDER, "Again")

    def test_an_amendment_must_change_the_terms(self) -> None:
        contract = contract_in(S.ACTIVE)
        with pytest.raises(TermsUnchanged):
            contract.propose_amendment(ctx(COORDINATOR), Party.NETWORK, contract.terms)

    def test_amending_a_draft_is_refused(self) -> None:
        with pytest.raises(TransitionRefused, match="cannot amend"):
            contract_in(S.DRAFTED).propose_amendment(ctx(COORDINATOR), Party.NETWORK, terms(amount=1))

    def test_a_representative_cannot_propose_an_amendment_for_the_network(self) -> None:
        with pytest.raises(ContractAmendmentNeedsAuthority, match=r"rep-north-1 .* a manager or an administrator"):
            contract_in(S.ACTIVE).propose_amendment(ctx(), Party.NETWORK, terms(amount=4800))

    def test_a_representative_cannot_accept_an_amendment_for_the_network(self) -> None:
        contract = contract_in(S.ACTIVE)
        contract.propose_amendment(ctx(), Party.PROVIDER, terms(amount=4700))
        with pytest.raises(ContractAmendmentNeedsAuthority, match="cannot accept an amendment to"):
            contract.accept_amendment(ctx(), Party.NETWORK, provider=member(contract))

    @pytest.mark.parametrize("actor", AUTHORITIES, ids=lambda a: a.role)
    def test_a_coordinator_a_manager_or_an_administrator_amends_for_the_network(self, actor: Actor) -> None:
        contract = contract_in(S.ACTIVE)
        contract.propose_amendment(ctx(actor), Party.NETWORK, terms(amount=4800))
        contract.accept_amendment(ctx(), Party.PROVIDER, EVIDENCE, provider=member(contract))
        contract.propose_amendment(ctx(), Party.PROVIDER, terms(amount=4900))
        contract.accept_amendment(ctx(actor), Party.NETWORK, provider=member(contract))
        assert contract.terms_version == 3


class TestProviderReachesContracts:
    def test_a_suspended_provider_suspends_its_contract_in_force_with_the_cause(self) -> None:
        contract = contract_in(S.ACTIVE)
        contract.follow_provider(ctx(), suspended(contract), CAUSE)
        assert (contract.status, contract.suspended_by) == (S.SUSPENDED, CAUSE)

    def test_the_contract_resumes_when_its_provider_is_active_again(self) -> None:
        contract = contract_in(S.ACTIVE)
        contract.follow_provider(ctx(), suspended(contract), CAUSE)
        active = provider_in(ProviderStatus.ACTIVE).model_copy(update={"id": contract.provider_id})
        contract.follow_provider(ctx(), active, ProviderCause(provider_event="ProviderReinstated", provider_version=8))
        assert (contract.status, contract.suspended_by) == (S.ACTIVE, None)

    def test_a_contract_not_yet_in_force_is_not_suspended(self) -> None:
        contract = contract_in(S.SIGNED)
        contract.follow_provider(ctx(), suspended(contract), CAUSE)
        assert (contract.status, contract.pending_events[-1].type_name) == (S.SIGNED, "ContractSigned")

    @pytest.mark.parametrize("status", [S.DRAFTED, S.NEGOTIATING, S.SIGNED, S.ACTIVE, S.SUSPENDED])
    def test_a_terminated_provider_terminates_its_open_contracts_with_the_cause(self, status: ContractStatus
                                                                                ) -> None:
        contract = contract_in(S.ACTIVE if status is S.SUSPENDED else status)
        if status is S.SUSPENDED:
            contract.follow_provider(ctx(), suspended(contract), CAUSE)
        ended = provider_in(ProviderStatus.TERMINATED).model_copy(update={"id": contract.provider_id})
        cause = ProviderCause(provider_event="ProviderTerminated", provider_version=9)
        contract.follow_provider(ctx(), ended, cause)
        assert (contract.status, contract.termination_cause) == (S.TERMINATED, cause)

    @pytest.mark.parametrize("status", [S.EXPIRED, S.TERMINATED])
    def test_an_ended_contract_stays_as_it_ended(self, status: ContractStatus) -> None:
        contract = contract_in(status)
        version = contract.version
        ended = provider_in(ProviderStatus.TERMINATED).model_copy(update={"id": contract.provider_id})
        contract.follow_provider(ctx(COORDINATOR), ended, CAUSE)
        assert (contract.status, contract.version) == (status, version)

    def test_another_providers_status_does_not_reach_the_contract(self) -> None:
        contract = contract_in(S.ACTIVE)
        contract.follow_provider(ctx(), provider_in(ProviderStatus.SUSPENDED), CAUSE)
        assert contract.status is S.ACTIVE


class TestPayments:
    def test_a_payment_owed_is_due_after_the_payment_terms(self) -> None:
        contract = contract_in(S.ACTIVE, effective=SINCE)
        contract.record_payment_owed(ctx(), "INV-2026/0042", 12_500, "EUR", TODAY - timedelta(days=3))
        owed = contract.payments["INV-2026/0042"]
        assert (owed.amount_minor, owed.due_on, owed.paid_on) == (
            12_500, TODAY - timedelta(days=3) + timedelta(days=contract.terms.payment_terms_days), None)

    @pytest.mark.parametrize(("late_by", "on_time"), [(0, True), (1, False)])
    def test_a_payment_is_on_time_on_or_before_its_due_date(self, late_by: int, on_time: bool) -> None:
        contract = contract_in(S.ACTIVE, effective=SINCE)
        received = TODAY - timedelta(days=60)
        contract.record_payment_owed(ctx(), "claim-7", 900, "EUR", received)
        paid_on = contract.payments["claim-7"].due_on + timedelta(days=late_by)
        contract.record_payment_made(ctx(), "claim-7", paid_on)
        assert contract.payments["claim-7"].paid_on == paid_on
        assert contract.pending_events[-1].model_dump()["on_time"] is on_time

    def test_a_payment_is_in_the_currency_of_the_terms(self) -> None:
        with pytest.raises(CurrencyMismatch, match="pays in EUR, not USD"):
            contract_in(S.ACTIVE).record_payment_owed(ctx(), "INV-1", 100, "USD", TODAY)

    def test_a_reference_is_owed_once(self) -> None:
        contract = contract_in(S.ACTIVE)
        contract.record_payment_owed(ctx(), "INV-1", 100, "EUR", TODAY)
        with pytest.raises(DuplicateClaim):
            contract.record_payment_owed(ctx(), "INV-1", 100, "EUR", TODAY)

    def test_paying_an_unknown_reference_is_refused(self) -> None:
        with pytest.raises(UnknownClaim, match="record it first"):
            contract_in(S.ACTIVE).record_payment_made(ctx(), "INV-9", TODAY)

    def test_a_payment_is_made_once(self) -> None:
        contract = contract_in(S.ACTIVE)
        contract.record_payment_owed(ctx(), "INV-1", 100, "EUR", TODAY)
        contract.record_payment_made(ctx(), "INV-1", TODAY)
        with pytest.raises(ClaimAlreadyPaid, match=f"already paid on {TODAY}"):
            contract.record_payment_made(ctx(), "INV-1", TODAY)

    def test_payment_dates_in_the_future_are_refused(self) -> None:
        contract = contract_in(S.ACTIVE)
        with pytest.raises(PaymentDateRefused, match="after today"):
            contract.record_payment_owed(ctx(), "INV-1", 100, "EUR", TODAY + timedelta(days=1))
        contract.record_payment_owed(ctx(), "INV-1", 100, "EUR", TODAY)
        with pytest.raises(PaymentDateRefused, match="after today"):
            contract.record_payment_made(ctx(), "INV-1", TODAY + timedelta(days=1))

    def test_a_payment_before_its_claim_was_received_is_refused(self) -> None:
        contract = contract_in(S.ACTIVE)
        contract.record_payment_owed(ctx(), "INV-1", 100, "EUR", TODAY)
        with pytest.raises(PaymentDateRefused, match="before the claim was received"):
            contract.record_payment_made(ctx(), "INV-1", TODAY - timedelta(days=1))

    @pytest.mark.parametrize("status", [S.DRAFTED, S.NEGOTIATING, S.SIGNED])
    def test_nothing_is_owed_under_a_contract_never_in_force(self, status: ContractStatus) -> None:
        with pytest.raises(ClaimNotAllowed, match="never in force"):
            contract_in(status).record_payment_owed(ctx(), "INV-1", 100, "EUR", TODAY)

    def test_payments_are_still_owed_after_a_signed_contract_ended(self) -> None:
        contract = contract_in(S.TERMINATED)
        contract.record_payment_owed(ctx(), "INV-1", 100, "EUR", TODAY)
        assert "INV-1" in contract.payments

    def test_a_claim_received_before_the_contract_took_effect_is_refused(self) -> None:
        contract = contract_in(S.ACTIVE, effective=SINCE)
        with pytest.raises(PaymentDateRefused, match=f"is before contract .* took effect \\({SINCE}\\)"):
            contract.record_payment_owed(ctx(), "INV-0", 100, "EUR", SINCE - timedelta(days=1))
        contract.record_payment_owed(ctx(), "INV-1", 100, "EUR", SINCE)
        assert list(contract.payments) == ["INV-1"]

    def test_an_amount_is_a_positive_integer_of_minor_units(self) -> None:
        with pytest.raises(InvalidValue, match="amount_minor"):
            contract_in(S.ACTIVE).record_payment_owed(ctx(), "INV-1", 0, "EUR", TODAY)


def test_expiry_is_checked_against_the_commands_time() -> None:
    contract = contract_in(S.ACTIVE)
    at_expiry = datetime.combine(contract.terms.expires_on, NOW.timetz())
    contract.expire(ctx(now=at_expiry))
    assert contract.status is S.EXPIRED
