"""Durable timers on both backends: set and cancelled with the events that want them, fired once by the
process manager as ordinary commands caused by the timer (credential alerts and lapse, contract renewal
reminder and expiry), a second firing refused, one lease per store."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest

from adapters.clock import SimulatedClock
from adapters.hash_chain import ChainedRecorder
from adapters.process_manager import ProcessManager, sync_timers
from api.settings import Settings
from domain.application import CaseLedger
from domain.errors import ConcurrentUpdate, TimerNotWanted
from domain.ledger import TIMERS
from domain.network.contract import Contract, ContractStatus
from domain.network.provider import Provider, ProviderStatus
from domain.timer import TimerState
from tests.conftest import Backend
from tests.factories import REP
from tests.integration.test_provider_contracts import contract, member


def recorder(ledger: CaseLedger) -> ChainedRecorder:
    assert isinstance(ledger.recorder, ChainedRecorder)
    return ledger.recorder


def wanted(ledger: CaseLedger, record_id: UUID) -> dict[str, str]:
    """The due timers stored for a record: purpose -> state."""
    rows = recorder(ledger).timers(ledger.clock(), limit=1000)
    return {row.purpose: row.state for row in rows if row.record_id == record_id and row.state == TimerState.DUE}


def caused_by(ledger: CaseLedger, record_id: UUID, timer: UUID) -> list[str]:
    return [event.type_name for event in ledger.history(record_id) if event.causation_id == timer]


def until_expiry(ledger: CaseLedger, clock: SimulatedClock, provider_id: UUID, days: int) -> date:
    """Move the clock to `days` before the provider's credential expires; returns the expiry."""
    expiry = ledger.get(Provider, provider_id).credential_expires_on
    assert expiry is not None
    clock.advance(timedelta(days=(expiry - clock().date()).days - days))
    return expiry


def test_a_credential_sets_its_alerts_and_lapse_and_each_fires_once_as_a_command_caused_by_it(
        ledger: CaseLedger, clock: SimulatedClock) -> None:
    provider_id = member(ledger)
    active = contract(ledger, provider_id)
    expiry = ledger.get(Provider, provider_id).credential_expires_on
    assert expiry is not None
    assert wanted(ledger, provider_id) == {"credential.alert_120": "due", "credential.alert_90": "due",
                                           "credential.lapse": "due"}
    manager = ProcessManager(ledger)
    assert manager.run_once().fired == 0  # nothing due yet
    clock.now = clock.now.replace(year=expiry.year, month=expiry.month, day=expiry.day) - timedelta(days=100)
    manager.run_once()  # the contract (two years) reminded and expired long before; the 120-day alert now
    (alert,) = [row for row in recorder(ledger).timers(clock(), state=TimerState.FIRED) if row.record_id == provider_id]
    assert alert.purpose == "credential.alert_120" and caused_by(ledger, provider_id, alert.id) == [
        "CredentialExpiryAlerted"]
    assert ledger.history(provider_id)[-1].actor == TIMERS
    clock.advance(timedelta(days=101))
    assert manager.run_once().fired == 2  # the 90-day alert, then the lapse
    assert ledger.get(Provider, provider_id).status is ProviderStatus.LAPSED
    fired = {row.purpose: row for row in recorder(ledger).timers(clock(), state=TimerState.FIRED)}
    assert caused_by(ledger, provider_id, fired["credential.lapse"].id) == ["ProviderCredentialLapsed"]
    assert caused_by(ledger, active, fired["contract.expiry"].id) == ["ContractExpired"]
    assert wanted(ledger, provider_id) == {}  # a lapsed provider wants no timer
    assert manager.run_once().fired == 0


def test_recredentialing_cancels_the_old_timers_and_sets_new_ones(ledger: CaseLedger, clock: SimulatedClock) -> None:
    provider_id = member(ledger)
    before = {row.purpose: row.due_at for row in recorder(ledger).timers(clock()) if row.record_id == provider_id}
    ledger.recredential_provider(ledger.context(REP), provider_id)  # a full 36-month cycle from today
    rows = recorder(ledger).timers(clock(), limit=1000)
    cancelled = {row.purpose for row in rows if row.record_id == provider_id and row.state == TimerState.CANCELLED}
    due = {row.purpose: row.due_at for row in rows if row.record_id == provider_id and row.state == TimerState.DUE}
    assert cancelled == set(before) and set(due) == set(before)
    assert all(due[purpose] != before[purpose] for purpose in due)
    expiry = ledger.get(Provider, provider_id).credential_expires_on
    assert expiry == clock().date().replace(year=clock().date().year + 3)


def test_a_timer_fires_once_however_often_it_is_fired(ledger: CaseLedger, clock: SimulatedClock) -> None:
    provider_id = member(ledger)
    until_expiry(ledger, clock, provider_id, 110)
    (timer,) = recorder(ledger).due_timers(clock())
    ledger.fire_timer(timer)
    with pytest.raises((TimerNotWanted, ConcurrentUpdate)):
        ledger.fire_timer(timer)
    assert caused_by(ledger, provider_id, timer.id) == ["CredentialExpiryAlerted"]


def test_a_stale_firing_of_a_replaced_timer_is_refused_whole(ledger: CaseLedger, clock: SimulatedClock) -> None:
    """A timer cancelled after a process manager read it (the record moved it) fires nothing: the fired mark
    and the command's events commit together or not at all."""
    provider_id = member(ledger)
    expiry = until_expiry(ledger, clock, provider_id, 110)
    (stale,) = recorder(ledger).due_timers(clock())
    ledger.recredential_provider(ledger.context(REP), provider_id, expiry + timedelta(days=1))
    (fresh,) = recorder(ledger).due_timers(clock())
    assert fresh.id != stale.id and fresh.purpose == stale.purpose
    version = ledger.get(Provider, provider_id).version
    with pytest.raises(ConcurrentUpdate):
        ledger.fire_timer(stale)
    assert ledger.get(Provider, provider_id).version == version
    ledger.fire_timer(fresh)
    assert caused_by(ledger, provider_id, fresh.id) == ["CredentialExpiryAlerted"]


def test_a_contract_is_reminded_of_renewal_90_days_before_and_expires_on_the_date(
        ledger: CaseLedger, clock: SimulatedClock) -> None:
    provider_id = member(ledger)
    contract_id = contract(ledger, provider_id)
    expiry = ledger.get(Contract, contract_id).terms.expires_on
    manager = ProcessManager(ledger)
    clock.advance(timedelta(days=(expiry - clock().date()).days - 90))
    manager.run_once()
    assert [event.type_name for event in ledger.history(contract_id)][-1] == "ContractRenewalDue"
    ledger.renew_contract(ledger.context(REP), contract_id, expiry + timedelta(days=200))
    assert "contract.renewal_reminder" in wanted(ledger, contract_id)  # a new expiry is reminded again
    clock.advance(timedelta(days=90 + 200))
    manager.run_once()
    assert ledger.get(Contract, contract_id).status is ContractStatus.EXPIRED
    assert wanted(ledger, contract_id) == {}


def test_one_process_manager_holds_the_lease_until_it_expires(ledger: CaseLedger) -> None:
    now = [1000.0]
    first = ProcessManager(ledger, owner="first", lease_seconds=10, wall_clock=lambda: now[0])
    second = ProcessManager(ledger, owner="second", lease_seconds=10, wall_clock=lambda: now[0])
    assert first.run_once().leased and not second.run_once().leased
    now[0] += 5
    assert first.run_once().leased and not second.run_once().leased  # renewed
    now[0] += 11  # the first stopped renewing (crashed): the second takes over
    assert second.run_once().leased and not first.run_once().leased


def test_a_refused_timer_is_dropped_with_its_reason(ledger: CaseLedger, clock: SimulatedClock) -> None:
    provider_id = member(ledger)
    until_expiry(ledger, clock, provider_id, 110)
    (timer,) = recorder(ledger).due_timers(clock())
    ledger.fire_timer(timer)
    recorder(ledger).drop_timer(timer.id, "already fired")  # a drop never overrides a fired timer
    (row,) = [row for row in recorder(ledger).timers(clock(), limit=100) if row.id == timer.id]
    assert row.state == TimerState.FIRED and row.outcome is None


def test_a_credential_found_inside_both_alert_points_is_alerted_once_at_90_days(
        ledger: CaseLedger, clock: SimulatedClock) -> None:
    provider_id = member(ledger)
    until_expiry(ledger, clock, provider_id, 60)
    assert ProcessManager(ledger).run_once().fired == 1
    alerts = [event for event in ledger.history(provider_id) if event.type_name == "CredentialExpiryAlerted"]
    assert [getattr(event, "days_before") for event in alerts] == [90]  # noqa: B009 - one event type
    assert set(wanted(ledger, provider_id)) == {"credential.lapse"}


def test_sync_sets_the_timers_of_records_saved_before_timers_existed(
        ledger: CaseLedger, settings: Settings, backend: Backend) -> None:
    provider_id = member(ledger)
    backend.query(settings.data_dir, "DELETE FROM timers")  # as a store written before the upgrade
    assert wanted(ledger, provider_id) == {}
    assert sync_timers(ledger) >= 1
    assert set(wanted(ledger, provider_id)) == {"credential.alert_120", "credential.alert_90", "credential.lapse"}
    sync_timers(ledger)  # in line already: nothing changes
    rows = [row for row in recorder(ledger).timers(ledger.clock(), limit=100) if row.record_id == provider_id]
    assert len(rows) == 3
