"""The case rules of issue 14 through the command service, on both backends: the reopen window of the region,
follow-ups, disputes naming records of the region, merges and links across records, flagged callers; and what
the queue and the dashboard show of them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import pytest

from adapters.clock import SimulatedClock
from adapters.projection_runner import ProjectionRunner
from api.bootstrap import build_runner
from api.settings import Settings
from domain.application import CaseLedger
from domain.casework.caller import Caller
from domain.casework.case import Case, CaseStatus
from domain.casework.case_events import (
    Category,
    Channel,
    ContactEndReason,
    Direction,
    DisputeOutcome,
    LinkKind,
    ResolutionCode,
    Settlement,
    SurveyChannel,
)
from domain.casework.sla import Priority
from domain.errors import (
    CasesInDifferentRegions,
    DisputeUndecided,
    EscalatedCaseNeedsCoordinator,
    LinkWouldCycle,
    NotOnStaff,
    RecordIdTaken,
    ReferenceMismatch,
    ReopenWindowPassed,
    SecondParent,
    SurveyAnsweredByCaseWorker,
)
from domain.ledger import CommandResult
from domain.network.provider import ProviderKind
from domain.values import Actor, Role
from projections.cases import case_page
from projections.dashboard import region_dashboard
from tests.factories import ADMIN, COORDINATOR, REP

SURVEY = Actor(id="survey-service", role=Role.SYSTEM)
SOUTH_REP = Actor(id="rep-south-1", role=Role.REPRESENTATIVE)


@pytest.fixture
def runner(ledger: CaseLedger, settings: Settings) -> Iterator[ProjectionRunner]:
    runner = build_runner(settings, ledger)
    yield runner
    runner.store.close()


def new_case(ledger: CaseLedger, category: Category = Category.BILLING, *, customer: str = "cust-1",
             region: str = "north", assign: bool = True, provider_id: UUID | None = None) -> UUID:
    rep = REP if region == "north" else SOUTH_REP
    case_id = ledger.open_case(ledger.context(rep), region=region, channel=Channel.PHONE, customer_ref=customer,
                               subject="Charged twice", description="Twice on the bill",
                               provider_id=provider_id).id
    ledger.triage_case(ledger.context(rep), case_id, category, Priority.NORMAL)
    if assign:
        ledger.assign_case(ledger.context(rep), case_id, rep.id)
    return case_id


def finish(ledger: CaseLedger, case_id: UUID) -> CommandResult:
    ledger.resolve_case(ledger.context(REP), case_id, ResolutionCode.FIXED, "Fixed")
    return ledger.close_case(ledger.context(REP), case_id)


class TestReopenWindowAndFollowUps:
    def test_the_regions_window_refuses_a_late_reopen_and_a_follow_up_is_linked_both_ways(
        self, ledger: CaseLedger, clock: SimulatedClock,
    ) -> None:
        ledger.set_reopen_window(ledger.context(ADMIN), "north", 7)
        case_id = new_case(ledger)
        finish(ledger, case_id)
        clock.advance(timedelta(days=8))
        with pytest.raises(ReopenWindowPassed, match="reopen window of 7 days"):
            ledger.reopen_case(ledger.context(REP), case_id, "It came back")
        result = ledger.open_follow_up(ledger.context(REP), case_id, Channel.EMAIL, "Charged twice again",
                                       "The same charge is back")
        follow_up, old = ledger.get(Case, result.id), ledger.get(Case, case_id)
        assert (follow_up.customer_ref, follow_up.region, result.id != case_id) == ("cust-1", "north", True)
        assert old.link_to(follow_up.id) is not None and follow_up.link_to(case_id) is not None

    def test_within_the_default_window_a_case_is_reopened(self, ledger: CaseLedger, clock: SimulatedClock) -> None:
        case_id = new_case(ledger)
        finish(ledger, case_id)
        clock.advance(timedelta(days=29))
        ledger.reopen_case(ledger.context(REP), case_id, "It came back")
        assert ledger.get(Case, case_id).status is CaseStatus.IN_PROGRESS


class TestAcrossRecords:
    def test_an_escalated_case_is_resolved_by_the_regions_coordinator_not_the_representative(
        self, ledger: CaseLedger,
    ) -> None:
        case_id = new_case(ledger)
        ledger.escalate_case(ledger.context(REP), case_id, "Asks for a supervisor")
        with pytest.raises(EscalatedCaseNeedsCoordinator):
            ledger.resolve_case(ledger.context(REP), case_id, ResolutionCode.FIXED, "Fixed")
        with pytest.raises(NotOnStaff):  # another region's coordinator is not this region's
            ledger.resolve_case(ledger.context(Actor(id="coord-south", role=Role.COORDINATOR)), case_id,
                                ResolutionCode.FIXED, "Fixed")
        ledger.resolve_case(ledger.context(COORDINATOR), case_id, ResolutionCode.FIXED, "Fixed")
        ledger.close_case(ledger.context(COORDINATOR), case_id)

    def test_a_dispute_naming_another_regions_provider_is_refused_as_a_missing_one(self, ledger: CaseLedger) -> None:
        south = ledger.prospect_provider(ledger.context(SOUTH_REP), name="South Lab", kind=ProviderKind.LAB,
                                         region="south").id
        case_id = new_case(ledger)
        with pytest.raises(ReferenceMismatch, match="no provider"):
            ledger.record_dispute(ledger.context(REP), case_id, 1000, "EUR", "INV-1", provider_id=south)

    def test_merging_or_linking_another_regions_case_is_refused_as_a_missing_one(self, ledger: CaseLedger) -> None:
        north, south = new_case(ledger), new_case(ledger, region="south")
        with pytest.raises(CasesInDifferentRegions, match=r"no case .* in region north"):
            ledger.merge_case(ledger.context(REP), north, south)
        with pytest.raises(CasesInDifferentRegions):
            ledger.link_case(ledger.context(REP), north, south, LinkKind.RELATED)

    def test_a_flagged_callers_next_case_shows_the_flag_and_is_linked_to_the_harassment_case(
        self, ledger: CaseLedger,
    ) -> None:
        harassment = new_case(ledger, Category.HARASSING_CALLS, customer="victim-1")
        ledger.flag_caller(ledger.context(REP), harassment, "Threatens the night shift", caller_ref="caller-9")
        assert ledger.get(Case, harassment).escalated_to == "coord-north"
        caller = ledger.get(Caller, Caller.id_for("north", "caller-9"))
        assert (caller.flagged, caller.flagged_by, caller.harassment_case_id) == (True, REP, harassment)

        contact = ledger.open_case(ledger.context(Actor(id="rep-north-2", role=Role.REPRESENTATIVE)),
                                   region="north", channel=Channel.PHONE, customer_ref="caller-9",
                                   subject="Calling again", description="Abusive").id
        case = ledger.get(Case, contact)
        assert case.caller_flag is not None and case.caller_flag.reason == "Threatens the night shift"
        assert ledger.get(Case, harassment).link_to(contact) is not None
        ledger.triage_case(ledger.context(REP), contact, Category.OTHER, Priority.HIGH)
        ledger.end_contact(ledger.context(REP), contact, ContactEndReason.ABUSIVE_LANGUAGE, "Hung up")
        # the same reference in another region is another caller
        south = new_case(ledger, customer="caller-9", region="south")
        assert ledger.get(Case, south).caller_flag is None


class TestOutsideTryOfIssue14:
    """Rules an outside tester found broken over HTTP, held by the command service on both backends."""

    def test_a_link_that_would_close_a_cycle_is_refused_by_walking_the_parents_in_the_store(
        self, ledger: CaseLedger,
    ) -> None:
        top, middle, bottom = new_case(ledger), new_case(ledger), new_case(ledger)
        ledger.link_case(ledger.context(REP), middle, top, LinkKind.PARENT)
        ledger.link_case(ledger.context(REP), bottom, middle, LinkKind.PARENT)
        head = ledger.head()
        with pytest.raises(LinkWouldCycle, match=f"case {top} cannot become a child of case {bottom}"):
            ledger.link_case(ledger.context(REP), top, bottom, LinkKind.PARENT)
        with pytest.raises(LinkWouldCycle):
            ledger.link_case(ledger.context(REP), bottom, top, LinkKind.CHILD)
        with pytest.raises(SecondParent, match=f"already has a parent, case {middle}"):
            ledger.link_case(ledger.context(REP), top, bottom, LinkKind.CHILD)
        assert ledger.head() == head
        ledger.link_case(ledger.context(REP), top, bottom, LinkKind.RELATED)

    def test_a_follow_up_id_in_use_is_refused_as_taken_not_as_a_race(self, ledger: CaseLedger) -> None:
        case_id, other = new_case(ledger), new_case(ledger)
        finish(ledger, case_id)
        head = ledger.head()
        for taken in (other, case_id):
            with pytest.raises(RecordIdTaken, match=f"a record with id {taken} already exists"):
                ledger.open_follow_up(ledger.context(REP), case_id, Channel.EMAIL, "Again", "Back", follow_up_id=taken)
        assert ledger.head() == head

    def test_a_duplicate_with_an_undecided_dispute_is_not_merged(self, ledger: CaseLedger) -> None:
        duplicate, survivor = new_case(ledger), new_case(ledger)
        provider = ledger.prospect_provider(ledger.context(REP), name="Lab", kind=ProviderKind.LAB, region="north").id
        ledger.record_dispute(ledger.context(REP), duplicate, 1000, "EUR", "INV-1", provider_id=provider)
        with pytest.raises(DisputeUndecided, match="cannot merge"):
            ledger.merge_case(ledger.context(REP), duplicate, survivor)
        assert ledger.get(Case, duplicate).status is CaseStatus.IN_PROGRESS

    def test_everyone_who_worked_a_reassigned_case_is_refused_its_survey_answer_after_reloading(
        self, ledger: CaseLedger,
    ) -> None:
        rep_2 = Actor(id="rep-north-2", role=Role.REPRESENTATIVE)
        case_id = new_case(ledger)
        ledger.log_contact(ledger.context(REP), case_id, Direction.OUTBOUND, Channel.PHONE, "Called back")
        ledger.assign_case(ledger.context(REP), case_id, "rep-north-2")
        ledger.resolve_case(ledger.context(rep_2), case_id, ResolutionCode.FIXED, "Fixed")
        ledger.close_case(ledger.context(rep_2), case_id)
        for worker in (REP, rep_2):
            with pytest.raises(SurveyAnsweredByCaseWorker, match=f"{worker.id} worked case"):
                ledger.record_survey_answer(ledger.context(worker), case_id, 5, SurveyChannel.PHONE)
        ledger.record_survey_answer(ledger.context(SURVEY), case_id, 5, SurveyChannel.SMS)
        assert ledger.get(Case, case_id).worked_by == ["rep-north-1", "rep-north-2"]


class TestReadModels:
    def test_the_queue_shows_links_and_merges_and_the_dashboard_answers_and_disputes(
        self, ledger: CaseLedger, runner: ProjectionRunner, clock: SimulatedClock,
    ) -> None:
        provider = ledger.prospect_provider(ledger.context(REP), name="Hill Lab", kind=ProviderKind.LAB,
                                            region="north").id
        survivor, duplicate, related = new_case(ledger), new_case(ledger), new_case(ledger)
        ledger.log_contact(ledger.context(REP), duplicate, Direction.INBOUND, Channel.PHONE, "Called about it")
        ledger.merge_case(ledger.context(REP), duplicate, survivor, "Reported twice")
        ledger.link_case(ledger.context(REP), related, survivor, LinkKind.PARENT)
        for amount, granted, currency in ((1000, 400, "EUR"), (2500, None, "EUR"), (700, 700, "USD")):
            disputed = new_case(ledger, provider_id=provider)
            ledger.record_dispute(ledger.context(REP), disputed, amount, currency, f"INV-{amount}")
            if granted is None:
                ledger.decide_dispute(ledger.context(REP), disputed, DisputeOutcome.REJECTED, "Two visits")
            else:
                outcome = DisputeOutcome.UPHELD if granted == amount else DisputeOutcome.PARTLY_UPHELD
                ledger.decide_dispute(ledger.context(REP), disputed, outcome, "Checked", granted, Settlement.CREDITED)
        closed = new_case(ledger)
        finish(ledger, closed)
        ledger.record_survey_answer(ledger.context(SURVEY), closed, 5, SurveyChannel.SMS, "Great")
        ledger.record_survey_answer(ledger.context(SURVEY), closed, 3, SurveyChannel.WEB)
        runner.catch_up()

        with runner.store.reader() as view:
            merged = case_page(view, {"merged_into": str(survivor)}).items
            children = case_page(view, {"parent_id": str(survivor)}).items
            linked = case_page(view, {"linked_to": str(survivor)}).items
            (survivor_row,) = [r for r in case_page(view, {"region": "north"}, limit=200).items
                               if r["id"] == str(survivor)]
            board = region_dashboard(view, "north", clock() + timedelta(minutes=1))
        assert [r["id"] for r in merged] == [str(duplicate)] and merged[0]["status"] == "closed"
        assert [r["id"] for r in children] == [str(related)] and [r["id"] for r in linked] == [str(related)]
        assert (survivor_row["links"], survivor_row["merged_cases"]) == (1, 1)
        assert board["satisfaction"] == {"average": 4.0, "responses": 2}
        assert board["disputes"] == {
            "EUR": {"recorded": 2, "disputed_minor": 3500, "decided": 2, "granted_minor": 400,
                    "credited_minor": 400, "refunded_minor": 0},
            "USD": {"recorded": 1, "disputed_minor": 700, "decided": 1, "granted_minor": 700,
                    "credited_minor": 700, "refunded_minor": 0},
        }
