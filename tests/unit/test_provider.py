"""Every provider command along the recruitment and membership path, and every refusal."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import (
    CredentialExpired,
    CredentialExpiryNotInFuture,
    CredentialNotYetExpired,
    InvalidValue,
    ProviderNotCredentialed,
    ProviderTerminationNeedsAuthority,
    RetentionRiskNotFlagged,
    TransitionRefused,
)
from domain.network.provider import Provider, ProviderKind, ProviderStatus, RetentionRisk
from domain.values import Actor, Role
from tests.factories import ADMIN, COORDINATOR, NOW, ctx, provider_in

S = ProviderStatus
EXPIRES = NOW.date() + timedelta(days=365)
AT_EXPIRY = datetime.combine(EXPIRES, NOW.timetz())
MANAGER = Actor(id="ines-manager", role=Role.MANAGER)


class TestRecruitment:
    def test_a_prospect_is_contacted_by_a_meeting(self) -> None:
        provider = provider_in(S.PROSPECT)
        provider.log_meeting(ctx(), "rep-north-1", "Met the clinic director")
        assert (provider.status, provider.meetings) == (S.CONTACTED, 1)

    def test_further_meetings_are_logged_without_changing_the_status(self) -> None:
        provider = provider_in(S.ACTIVE)
        provider.log_meeting(ctx(), "rep-north-1", "Retention visit")
        assert provider.status is S.ACTIVE

    @pytest.mark.parametrize("status", [S.PROSPECT, S.CONTACTED])
    def test_an_application_can_come_before_or_after_a_meeting(self, status: ProviderStatus) -> None:
        provider = provider_in(status)
        provider.receive_application(ctx(), "Licences attached")
        assert provider.status is S.APPLIED

    def test_credentialing_follows_an_application(self) -> None:
        with pytest.raises(TransitionRefused, match="cannot start credentialing"):
            provider_in(S.CONTACTED).start_credentialing(ctx())

    def test_credentialing_records_the_expiry(self) -> None:
        provider = provider_in(S.CREDENTIALING)
        provider.credential(ctx(), EXPIRES)
        assert (provider.status, provider.credential_expires_on) == (S.CREDENTIALED, EXPIRES)

    def test_a_credential_expiring_today_is_refused(self) -> None:
        with pytest.raises(CredentialExpiryNotInFuture):
            provider_in(S.CREDENTIALING).credential(ctx(), NOW.date())

    @pytest.mark.parametrize("status", [S.APPLIED, S.CREDENTIALING])
    def test_an_applicant_can_be_rejected(self, status: ProviderStatus) -> None:
        provider = provider_in(status)
        provider.reject(ctx(), "Licence not verified")
        assert (provider.status, provider.status_reason) == (S.REJECTED, "Licence not verified")

    def test_a_member_cannot_be_rejected(self) -> None:
        with pytest.raises(TransitionRefused, match="cannot reject"):
            provider_in(S.ACTIVE).reject(ctx(), "Changed our mind")

    def test_a_rejected_provider_is_not_met_again(self) -> None:
        with pytest.raises(TransitionRefused, match="it is rejected"):
            provider_in(S.REJECTED).log_meeting(ctx(), "rep-north-1", "Try again")

    def test_an_unknown_kind_is_refused_naming_the_field(self) -> None:
        with pytest.raises(InvalidValue, match=r"^kind:"):
            Provider.prospect(ctx(), uuid4(), name="X", kind="spaceship", region="north")  # type: ignore[arg-type]


class TestMembership:
    def test_a_credentialed_provider_becomes_an_active_member(self) -> None:
        provider = provider_in(S.CREDENTIALED)
        provider.activate(ctx())
        assert provider.is_active_member

    @pytest.mark.parametrize("status", [S.PROSPECT, S.APPLIED, S.CREDENTIALING, S.REJECTED, S.ACTIVE])
    def test_activating_a_provider_that_is_not_credentialed_is_refused(self, status: ProviderStatus) -> None:
        with pytest.raises(ProviderNotCredentialed, match=f"it is {status}"):
            provider_in(status).activate(ctx())

    def test_activating_with_an_expired_credential_is_refused(self) -> None:
        provider = provider_in(S.CREDENTIALED)
        with pytest.raises(CredentialExpired):
            provider.activate(ctx(now=NOW + timedelta(days=400)))

    def test_suspension_and_reinstatement(self) -> None:
        provider = provider_in(S.SUSPENDED)
        assert provider.status_reason == "Fee unpaid"
        provider.reinstate(ctx(), "Fee paid")
        assert (provider.status, provider.status_reason) == (S.ACTIVE, None)

    def test_reinstating_with_an_expired_credential_is_refused(self) -> None:
        with pytest.raises(CredentialExpired):
            provider_in(S.SUSPENDED).reinstate(ctx(now=NOW + timedelta(days=366)))

    def test_recredentialing_extends_the_credential(self) -> None:
        provider = provider_in(S.ACTIVE)
        provider.recredential(ctx(), EXPIRES + timedelta(days=365))
        assert provider.credential_expires_on == EXPIRES + timedelta(days=365)

    def test_suspending_a_provider_that_is_not_active_is_refused(self) -> None:
        with pytest.raises(TransitionRefused, match="cannot suspend"):
            provider_in(S.CREDENTIALED).suspend(ctx(), "Why")

    @pytest.mark.parametrize("status", [S.CREDENTIALED, S.ACTIVE, S.SUSPENDED, S.LAPSED])
    def test_termination(self, status: ProviderStatus) -> None:
        provider = lapsed(S.ACTIVE) if status is S.LAPSED else provider_in(status)
        provider.terminate(ctx(COORDINATOR, now=AT_EXPIRY), "Left the network")
        assert provider.status is S.TERMINATED

    def test_a_representative_cannot_terminate_a_provider(self) -> None:
        with pytest.raises(ProviderTerminationNeedsAuthority,
                           match="only the coordinator of region north, a manager or an administrator may"):
            provider_in(S.ACTIVE).terminate(ctx(), "Left the network")

    @pytest.mark.parametrize("actor", [COORDINATOR, MANAGER, ADMIN], ids=lambda a: a.role)
    def test_a_coordinator_a_manager_or_an_administrator_terminates_a_provider(self, actor: Actor) -> None:
        provider = provider_in(S.ACTIVE)
        provider.terminate(ctx(actor), "Left the network")
        assert provider.status is S.TERMINATED

    def test_a_terminated_provider_is_not_reinstated(self) -> None:
        with pytest.raises(TransitionRefused, match="it is terminated"):
            provider_in(S.TERMINATED).reinstate(ctx())


def lapsed(status: ProviderStatus) -> Provider:
    provider = provider_in(status)
    provider.lapse_credential(ctx(now=AT_EXPIRY))
    return provider


class TestCredentialLapse:
    @pytest.mark.parametrize("status", [S.CREDENTIALED, S.ACTIVE, S.SUSPENDED])
    def test_a_credential_lapses_on_its_expiry_date(self, status: ProviderStatus) -> None:
        provider = lapsed(status)
        assert (provider.status, provider.is_active_member, provider.lapsed_from) == (S.LAPSED, False, status)

    def test_lapsing_before_the_expiry_date_is_refused_naming_it(self) -> None:
        with pytest.raises(CredentialNotYetExpired, match=f"valid until {EXPIRES}"):
            provider_in(S.ACTIVE).lapse_credential(ctx(now=AT_EXPIRY - timedelta(days=1)))

    @pytest.mark.parametrize("status", [S.APPLIED, S.TERMINATED])
    def test_a_provider_without_a_credential_in_force_does_not_lapse(self, status: ProviderStatus) -> None:
        with pytest.raises(TransitionRefused, match="cannot lapse the credential"):
            provider_in(status).lapse_credential(ctx(now=AT_EXPIRY))

    @pytest.mark.parametrize("status", [S.CREDENTIALED, S.ACTIVE, S.SUSPENDED])
    def test_recredentialing_a_lapsed_provider_restores_its_status(self, status: ProviderStatus) -> None:
        provider = lapsed(status)
        provider.recredential(ctx(now=AT_EXPIRY), EXPIRES + timedelta(days=365))
        assert (provider.status, provider.lapsed_from, provider.credential_expires_on) == (
            status, None, EXPIRES + timedelta(days=365))

    def test_a_lapsed_provider_is_not_reinstated_or_activated(self) -> None:
        provider = lapsed(S.ACTIVE)
        with pytest.raises(TransitionRefused, match="it is lapsed"):
            provider.reinstate(ctx(now=AT_EXPIRY))
        with pytest.raises(ProviderNotCredentialed, match="it is lapsed"):
            provider.activate(ctx(now=AT_EXPIRY))


class TestRetention:
    def test_flagging_and_clearing_a_retention_risk(self) -> None:
        provider = provider_in(S.ACTIVE)
        provider.flag_retention_risk(ctx(), RetentionRisk.HIGH, "Late payments")
        assert provider.retention_risk is RetentionRisk.HIGH
        provider.clear_retention_risk(ctx(), "Payments on time again")
        assert provider.retention_risk is None

    def test_a_prospect_has_no_retention_risk(self) -> None:
        with pytest.raises(TransitionRefused):
            provider_in(S.PROSPECT).flag_retention_risk(ctx(), RetentionRisk.LOW, "Hm")

    def test_clearing_an_unflagged_risk_is_refused(self) -> None:
        with pytest.raises(RetentionRiskNotFlagged):
            provider_in(S.ACTIVE).clear_retention_risk(ctx())


def test_kinds_cover_the_network_members_of_the_seeds() -> None:
    assert {"physician", "hospital", "clinic", "lab", "pharmacy", "partner_operator"} <= set(ProviderKind)
