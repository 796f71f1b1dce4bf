"""A provider's status reaches its contracts, in the same transaction, on both backends; payments owed under a
contract show as the provider's on-time payment rate in the directory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from uuid import UUID

import pytest

from adapters.clock import SimulatedClock
from adapters.projection_runner import ProjectionRunner
from api.bootstrap import build_runner
from api.settings import Settings
from domain.application import CaseLedger
from domain.errors import (
    ContractPastCredential,
    CredentialNotYetExpired,
    ManagerActsForNetwork,
    NotOnStaff,
    ProviderTerminationNeedsAuthority,
    RenewalPastCredential,
)
from domain.network.contract import Contract, ContractStatus, Party, ProviderCause
from domain.network.provider import Provider, ProviderKind, ProviderStatus
from domain.values import Actor, Role
from projections.directory import contract_register, provider_page, provider_row
from tests.factories import COORDINATOR, EVIDENCE, REP, terms

S = ContractStatus
CREDENTIAL_DAYS = 3 * 365


@pytest.fixture
def runner(ledger: CaseLedger, settings: Settings) -> Iterator[ProjectionRunner]:
    runner = build_runner(settings, ledger)
    yield runner
    runner.store.close()


def member(ledger: CaseLedger, name: str = "River Clinic") -> UUID:
    ctx = ledger.context(REP)
    provider_id = ledger.prospect_provider(ctx, name=name, kind=ProviderKind.CLINIC, region="north").id
    ledger.receive_application(ctx, provider_id)
    ledger.start_credentialing(ctx, provider_id)
    ledger.credential_provider(ctx, provider_id, ledger.clock().date() + timedelta(days=CREDENTIAL_DAYS))
    ledger.activate_provider(ctx, provider_id)
    return provider_id


def contract(ledger: CaseLedger, provider_id: UUID, until: ContractStatus = S.ACTIVE) -> UUID:
    """A contract negotiated in two rounds (the provider accepts the network's counter-offer), up to `until`."""
    ctx = ledger.context(REP)
    today = ledger.clock().date()
    contract_id = ledger.draft_contract(ctx, provider_id=provider_id, title="Agreement", terms=terms(today)).id
    ledger.propose_contract(ctx, contract_id)
    if until is S.PROPOSED:
        return contract_id
    ledger.counter_offer(ctx, contract_id, Party.PROVIDER, terms(today, days=21))
    ledger.counter_offer(ctx, contract_id, Party.NETWORK, terms(today, days=25))
    ledger.agree_contract(ctx, contract_id, Party.PROVIDER, EVIDENCE)
    ledger.sign_contract(ctx, contract_id, Party.PROVIDER, EVIDENCE)
    ledger.sign_contract(ctx, contract_id, Party.NETWORK)
    if until is S.ACTIVE:
        ledger.activate_contract(ctx, contract_id)
    return contract_id


def status(ledger: CaseLedger, contract_id: UUID) -> ContractStatus:
    return ledger.get(Contract, contract_id).status


class TestProviderStatusReachesContracts:
    def test_suspension_suspends_the_contracts_in_force_with_the_cause_and_reinstatement_resumes_them(
            self, ledger: CaseLedger) -> None:
        provider_id = member(ledger)
        active, signed = contract(ledger, provider_id), contract(ledger, provider_id, S.SIGNED)
        result = ledger.suspend_provider(ledger.context(REP), provider_id, "Fee unpaid")
        suspended = ledger.get(Contract, active)
        assert (suspended.status, suspended.suspended_by) == (
            S.SUSPENDED, ProviderCause(provider_event="ProviderSuspended", provider_version=result.version))
        assert status(ledger, signed) is S.SIGNED
        assert ledger.history(active)[-1].correlation_id == ledger.history(provider_id)[-1].correlation_id
        ledger.reinstate_provider(ledger.context(REP), provider_id, "Fee paid")
        resumed = ledger.get(Contract, active)
        assert (resumed.status, resumed.suspended_by) == (S.ACTIVE, None)

    def test_termination_terminates_the_open_contracts_with_the_cause(self, ledger: CaseLedger) -> None:
        provider_id = member(ledger)
        active, talks = contract(ledger, provider_id), contract(ledger, provider_id, S.PROPOSED)
        other = contract(ledger, member(ledger, "Hill Lab"))
        result = ledger.terminate_provider(ledger.context(COORDINATOR), provider_id, "Left the network")
        cause = ProviderCause(provider_event="ProviderTerminated", provider_version=result.version)
        for contract_id in (active, talks):
            ended = ledger.get(Contract, contract_id)
            assert (ended.status, ended.termination_cause) == (S.TERMINATED, cause)
        assert status(ledger, other) is S.ACTIVE

    def test_a_representative_cannot_terminate_a_provider_and_nothing_changes(self, ledger: CaseLedger) -> None:
        provider_id = member(ledger)
        active = contract(ledger, provider_id)
        with pytest.raises(ProviderTerminationNeedsAuthority, match="a manager or an administrator"):
            ledger.terminate_provider(ledger.context(REP), provider_id, "Left the network")
        assert (ledger.get(Provider, provider_id).status, status(ledger, active)) == (ProviderStatus.ACTIVE, S.ACTIVE)

    def test_another_regions_coordinator_cannot_terminate_a_provider(self, ledger: CaseLedger) -> None:
        provider_id = member(ledger)
        active = contract(ledger, provider_id)
        with pytest.raises(NotOnStaff):
            ledger.terminate_provider(ledger.context(Actor(id="coord-south", role=Role.COORDINATOR)), provider_id,
                                      "Left the network")
        assert status(ledger, active) is S.ACTIVE

    def test_a_lapsed_credential_suspends_the_contracts_until_recredentialed(
            self, ledger: CaseLedger, clock: SimulatedClock) -> None:
        provider_id = member(ledger)
        active = contract(ledger, provider_id)
        expiry = ledger.get(Provider, provider_id).credential_expires_on
        with pytest.raises(CredentialNotYetExpired, match=f"valid until {expiry}"):
            ledger.lapse_credential(ledger.context(REP), provider_id)
        clock.advance(timedelta(days=CREDENTIAL_DAYS))
        ledger.lapse_credential(ledger.context(REP), provider_id)
        assert (ledger.get(Provider, provider_id).status, status(ledger, active)) == (
            ProviderStatus.LAPSED, S.SUSPENDED)
        ledger.recredential_provider(ledger.context(REP), provider_id, clock().date() + timedelta(days=365))
        assert (ledger.get(Provider, provider_id).status, status(ledger, active)) == (ProviderStatus.ACTIVE, S.ACTIVE)

    def test_renewal_cannot_run_past_the_providers_credential(self, ledger: CaseLedger) -> None:
        provider_id = member(ledger)
        active = contract(ledger, provider_id)
        expiry = ledger.get(Provider, provider_id).credential_expires_on
        assert expiry is not None
        with pytest.raises(RenewalPastCredential, match=f"credential expires on {expiry}"):
            ledger.renew_contract(ledger.context(REP), active, expiry + timedelta(days=1))
        ledger.renew_contract(ledger.context(REP), active, expiry)

    def test_terms_past_the_credential_are_neither_activated_nor_amended_to(self, ledger: CaseLedger) -> None:
        provider_id = member(ledger)
        signed, active = contract(ledger, provider_id, S.SIGNED), contract(ledger, provider_id)
        expiry = ledger.get(Provider, provider_id).credential_expires_on
        assert expiry is not None
        ledger.amend_contract(ledger.context(COORDINATOR), active, terms(expiry - timedelta(days=700), years=2))
        with pytest.raises(ContractPastCredential, match=f"cannot amend .*, which expires on {expiry}"):
            ledger.accept_amendment(ledger.context(REP), active, Party.PROVIDER, EVIDENCE)
        assert ledger.get(Contract, active).terms_version == 1
        ledger.recredential_provider(ledger.context(REP), provider_id, expiry + timedelta(days=365))
        ledger.accept_amendment(ledger.context(REP), active, Party.PROVIDER, EVIDENCE)
        assert ledger.get(Contract, active).terms_version == 2
        ledger.recredential_provider(ledger.context(REP), provider_id, ledger.clock().date() + timedelta(days=200))
        with pytest.raises(ContractPastCredential, match="cannot activate"):
            ledger.activate_contract(ledger.context(REP), signed)
        assert status(ledger, signed) is S.SIGNED

    def test_a_manager_does_not_record_the_providers_side(self, ledger: CaseLedger) -> None:
        active = contract(ledger, member(ledger))
        manager = Actor(id="mgr-1", role=Role.MANAGER)
        with pytest.raises(ManagerActsForNetwork, match="mgr-1 is a manager and acts for the network only"):
            ledger.propose_amendment(ledger.context(manager), active, Party.PROVIDER, terms(ledger.clock().date(),
                                                                                             amount=4700))
        ledger.propose_amendment(ledger.context(manager), active, Party.NETWORK, terms(ledger.clock().date(),
                                                                                        amount=4700))
        assert ledger.get(Contract, active).pending_amendment is not None


class TestDirectory:
    def test_the_on_time_payment_rate_and_the_overdue_payments_of_a_provider(
            self, ledger: CaseLedger, runner: ProjectionRunner, clock: SimulatedClock) -> None:
        provider_id = member(ledger)
        active = contract(ledger, provider_id)              # payment terms: 25 days
        clock.advance(timedelta(days=100))
        ctx = ledger.context(REP)
        today = clock().date()
        received = today - timedelta(days=60)
        for reference in ("INV-1", "INV-2", "INV-3", "INV-4"):
            ledger.record_payment_owed(ctx, active, reference, 12_500, "EUR", received)
        ledger.record_payment_made(ctx, active, "INV-1", received + timedelta(days=25))   # on the due date
        ledger.record_payment_made(ctx, active, "INV-2", received + timedelta(days=40))   # late
        ledger.record_payment_owed(ctx, active, "INV-5", 900, "EUR", today)                # not yet due
        runner.catch_up()
        with runner.store.reader() as view:
            row = provider_row(view, str(provider_id), today)
            (listed,) = provider_page(view, "north", today=today).items
        assert row is not None
        assert {key: row[key] for key in ("payments_paid", "payments_on_time", "on_time_payment_rate",
                                          "payments_overdue_unpaid")} == {
            "payments_paid": 2, "payments_on_time": 1, "on_time_payment_rate": 0.5, "payments_overdue_unpaid": 2}
        assert listed == row
        assert row["credential_expires_in_days"] == CREDENTIAL_DAYS - 100

    def test_the_register_lists_suspended_contracts_expiring_and_pending_amendments(
            self, ledger: CaseLedger, runner: ProjectionRunner) -> None:
        provider_id = member(ledger)
        active, suspended_one = contract(ledger, provider_id), contract(ledger, member(ledger, "Hill Lab"))
        ledger.amend_contract(ledger.context(COORDINATOR), active, terms(ledger.clock().date(), amount=5000))
        ledger.suspend_provider(ledger.context(REP), ledger.get(Contract, suspended_one).provider_id, "Fee unpaid")
        runner.catch_up()
        today = ledger.clock().date()
        with runner.store.reader() as view:
            register = contract_register(view, today, expiring_within_days=3 * 365)
        assert [row["id"] for row in register["negotiating"]] == [str(active)]
        assert {row["id"]: (row["status"], row["expires_in_days"]) for row in register["expiring"]} == {
            str(active): ("active", (date(today.year + 2, today.month, today.day) - today).days),
            str(suspended_one): ("suspended", (date(today.year + 2, today.month, today.day) - today).days)}


def test_payments_owed_are_recorded_in_the_currency_of_the_terms(ledger: CaseLedger) -> None:
    active = contract(ledger, member(ledger))
    ledger.record_payment_owed(ledger.context(REP), active, "INV-9", 100, "EUR", ledger.clock().date())
    owed = ledger.get(Contract, active).payments["INV-9"]
    assert (owed.amount_minor, owed.currency, owed.due_on) == (100, "EUR", ledger.clock().date() + timedelta(days=25))
