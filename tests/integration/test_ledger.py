"""The command service on a real SQLite store: durability, rules across records, concurrency."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from adapters.clock import SimulatedClock
from api.bootstrap import build_ledger
from api.settings import Settings
from domain.application import CaseLedger
from domain.casework.case import Case, CaseStatus
from domain.casework.case_events import Category, Channel
from domain.casework.sla import Priority
from domain.errors import (
    ConcurrentUpdate,
    ProviderNotActive,
    RecordNotFound,
    ReferenceMismatch,
    RegionAlreadyEstablished,
    RegionHasNoCoordinator,
    StaffNotInRegion,
    VersionMismatch,
)
from domain.network.contract import Party
from domain.network.provider import Provider, ProviderKind
from domain.values import Actor
from tests.conftest import Backend
from tests.factories import ADMIN, COORDINATOR, EVIDENCE, REP, terms


def open_case(ledger: CaseLedger, region: str = "north", actor: Actor = REP, **refs: object) -> Case:
    result = ledger.open_case(ledger.context(actor), region=region, channel=Channel.PHONE, customer_ref="cust-7",
                              subject="Charged twice", description="Same charge twice", **refs)  # type: ignore[arg-type]
    return ledger.get(Case, result.id)


def active_provider(ledger: CaseLedger, region: str = "north", actor: Actor = REP) -> Provider:
    ctx = ledger.context(actor)
    pid = ledger.prospect_provider(ctx, name="Riverside Clinic", kind=ProviderKind.CLINIC, region=region).id
    ledger.receive_application(ctx, pid)
    ledger.start_credentialing(ctx, pid)
    ledger.credential_provider(ctx, pid, ctx.now.date() + timedelta(days=3 * 365))  # past two-year terms
    ledger.activate_provider(ctx, pid)
    return ledger.get(Provider, pid)


class TestDurability:
    def test_a_commands_events_are_stored_when_it_returns(self, ledger: CaseLedger, settings: Settings,
                                                           backend: Backend) -> None:
        result = ledger.open_case(ledger.context(REP), region="north", channel=Channel.WEB, customer_ref="c-1",
                                  subject="Outage", description="No line")
        stored_id = result.id.hex if backend.name == "sqlite" else result.id
        rows = backend.query(settings.data_dir, f"SELECT topic FROM {backend.events_table} WHERE originator_id = ?",
                             (stored_id,))
        assert [row[0] for row in rows] == ["CaseOpened"]

    def test_a_reloaded_case_equals_the_live_one(
        self, ledger: CaseLedger, settings: Settings, clock: SimulatedClock
    ) -> None:
        case = open_case(ledger)
        ledger.triage_case(ledger.context(REP), case.id, Category.BILLING, Priority.HIGH)
        ledger.assign_case(ledger.context(REP), case.id, "rep-north-1")
        live = ledger.get(Case, case.id)
        reopened = build_ledger(settings, clock=clock)
        assert reopened.get(Case, case.id) == live

    def test_the_result_names_the_new_version_and_log_position(self, ledger: CaseLedger) -> None:
        case = open_case(ledger)
        result = ledger.triage_case(ledger.context(REP), case.id, Category.BILLING, Priority.HIGH)
        assert (result.version, result.position) == (2, ledger.head())

    def test_a_past_version_can_be_loaded(self, ledger: CaseLedger) -> None:
        case = open_case(ledger)
        ledger.triage_case(ledger.context(REP), case.id, Category.BILLING, Priority.HIGH)
        assert ledger.get(Case, case.id, version=1).status is CaseStatus.NEW


class TestRulesAcrossRecords:
    def test_assigning_to_a_representative_of_another_region_is_refused(self, ledger: CaseLedger) -> None:
        case = open_case(ledger)
        ledger.triage_case(ledger.context(REP), case.id, Category.BILLING, Priority.HIGH)
        with pytest.raises(StaffNotInRegion, match="rep-south-1 is not on the staff of region north"):
            ledger.assign_case(ledger.context(REP), case.id, "rep-south-1")
        assert ledger.get(Case, case.id).version == 2

    def test_escalation_goes_to_the_regions_coordinator(self, ledger: CaseLedger) -> None:
        case = open_case(ledger)
        ledger.triage_case(ledger.context(REP), case.id, Category.BILLING, Priority.HIGH)
        ledger.assign_case(ledger.context(REP), case.id, "rep-north-1")
        ledger.escalate_case(ledger.context(REP), case.id, "Customer upset")
        assert ledger.get(Case, case.id).escalated_to == "coord-north"
        ledger.de_escalate_case(ledger.context(COORDINATOR), case.id, "Back to you")

    def test_escalating_in_a_region_without_a_coordinator_is_refused(self, ledger: CaseLedger) -> None:
        ledger.establish_region(ledger.context(ADMIN), "east", "East")
        ledger.add_representative(ledger.context(ADMIN), "east", "rep-east-1", "Eva")
        # a region without a coordinator takes no new cases (issue 15): this one was opened before that rule
        case = Case.open(ledger.context(ADMIN), uuid4(), region="east", channel=Channel.PHONE, customer_ref="cust-7",
                         subject="Charged twice", description="Same charge twice")
        ledger.save(case)
        ledger.triage_case(ledger.context(ADMIN), case.id, Category.BILLING, Priority.HIGH)
        ledger.assign_case(ledger.context(ADMIN), case.id, "rep-east-1")
        with pytest.raises(RegionHasNoCoordinator):
            ledger.escalate_case(ledger.context(ADMIN), case.id, "Upset")

    def test_a_case_in_an_unknown_region_is_refused(self, ledger: CaseLedger) -> None:
        with pytest.raises(RecordNotFound, match="no region with id atlantis"):
            open_case(ledger, "atlantis")

    def test_a_region_is_established_once(self, ledger: CaseLedger) -> None:
        with pytest.raises(RegionAlreadyEstablished):
            ledger.establish_region(ledger.context(ADMIN), "north", "North again")

    def test_a_billing_dispute_names_the_contract_it_is_about(self, ledger: CaseLedger) -> None:
        provider = active_provider(ledger)
        contract = ledger.draft_contract(ledger.context(REP), provider_id=provider.id, title="Agreement",
                                         terms=terms(effective=ledger.clock().date()))
        case = open_case(ledger, provider_id=provider.id, contract_id=contract.id)
        assert (case.provider_id, case.contract_id) == (provider.id, contract.id)

    def test_a_contract_of_another_provider_is_refused(self, ledger: CaseLedger) -> None:
        provider, other = active_provider(ledger), active_provider(ledger)
        contract = ledger.draft_contract(ledger.context(REP), provider_id=other.id, title="Agreement",
                                         terms=terms(effective=ledger.clock().date()))
        with pytest.raises(ReferenceMismatch, match="held by provider"):
            open_case(ledger, provider_id=provider.id, contract_id=contract.id)

    def test_a_provider_of_another_region_is_refused(self, ledger: CaseLedger) -> None:
        provider = active_provider(ledger, "south", ADMIN)
        with pytest.raises(ReferenceMismatch, match="in region north"):
            open_case(ledger, provider_id=provider.id)

    def test_a_meeting_is_logged_by_staff_of_the_providers_region(self, ledger: CaseLedger) -> None:
        pid = ledger.prospect_provider(ledger.context(REP), name="Lab", kind=ProviderKind.LAB, region="north").id
        with pytest.raises(StaffNotInRegion):
            ledger.log_provider_meeting(ledger.context(REP), pid, "rep-south-1", "Met them")

    def test_a_contract_is_activated_only_for_an_active_provider(self, ledger: CaseLedger) -> None:
        provider = active_provider(ledger)
        ctx = ledger.context(REP)
        cid = ledger.draft_contract(ctx, provider_id=provider.id, title="A", terms=terms(effective=ctx.now.date())).id
        ledger.propose_contract(ctx, cid)
        ledger.agree_contract(ctx, cid, Party.PROVIDER, EVIDENCE)
        ledger.sign_contract(ctx, cid, Party.PROVIDER, EVIDENCE)
        ledger.sign_contract(ctx, cid, Party.NETWORK)
        ledger.suspend_provider(ctx, provider.id, "Fee unpaid")
        with pytest.raises(ProviderNotActive):
            ledger.activate_contract(ctx, cid)
        ledger.reinstate_provider(ctx, provider.id)
        assert ledger.activate_contract(ctx, cid).version == 6


class TestConcurrency:
    def test_a_command_on_a_stale_version_is_refused(self, ledger: CaseLedger) -> None:
        case = open_case(ledger)
        ledger.triage_case(ledger.context(REP), case.id, Category.BILLING, Priority.HIGH, expected_version=1)
        with pytest.raises(VersionMismatch, match="is at version 2, not 1"):
            ledger.triage_case(ledger.context(REP), case.id, Category.OTHER, Priority.LOW, expected_version=1)

    def test_two_writers_on_one_case_cannot_both_win(
        self, ledger: CaseLedger, settings: Settings, clock: SimulatedClock
    ) -> None:
        case = open_case(ledger)
        other = build_ledger(settings, clock=clock)
        mine, theirs = ledger.get(Case, case.id), other.get(Case, case.id)
        mine.triage(ledger.context(REP), Category.BILLING, Priority.HIGH)
        theirs.triage(other.context(REP), Category.COMPLAINT, Priority.LOW)
        ledger._commit(mine)
        with pytest.raises(ConcurrentUpdate, match="try again"):
            other._commit(theirs)
        assert ledger.get(Case, case.id).category is Category.BILLING

    def test_a_refused_command_records_nothing(self, ledger: CaseLedger) -> None:
        case = open_case(ledger)
        head = ledger.head()
        with pytest.raises(StaffNotInRegion):
            ledger.triage_case(ledger.context(REP), case.id, Category.BILLING, Priority.HIGH)
            ledger.assign_case(ledger.context(REP), case.id, "nobody")
        assert ledger.head() == head + 1


class TestReading:
    def test_an_id_of_another_kind_is_not_found(self, ledger: CaseLedger) -> None:
        case = open_case(ledger)
        with pytest.raises(RecordNotFound, match="no provider"):
            ledger.get(Provider, case.id)

    def test_an_unknown_id_has_no_history(self, ledger: CaseLedger) -> None:
        with pytest.raises(RecordNotFound):
            ledger.history(uuid4())

    def test_the_log_is_gapless_and_in_order(self, ledger: CaseLedger) -> None:
        open_case(ledger)
        positions = [logged.position for logged in ledger.read_log(page=3)]
        assert positions == list(range(1, ledger.head() + 1))

    def test_reading_from_a_position_skips_what_came_before(self, ledger: CaseLedger) -> None:
        assert next(logged.position for logged in ledger.read_log(after=5)) == 6
