"""The case rules of issue 14, on the aggregate: separation of duties on escalated cases, the customer's survey
answers, the reopen window and follow-ups, disputed money, merged and linked cases, harassing calls."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain.casework.caller import Caller
from domain.casework.case import Case, CaseStatus
from domain.casework.case_events import (
    CaseClosed,
    Category,
    Channel,
    ContactEndReason,
    Direction,
    DisputeOutcome,
    LinkKind,
    PolicyArea,
    ResolutionCode,
    Settlement,
    SurveyChannel,
)
from domain.casework.sla import Priority
from domain.errors import (
    AlreadyLinked,
    CallerAlreadyFlagged,
    CasesInDifferentRegions,
    DisputeAlreadyDecided,
    DisputeAlreadyRecorded,
    DisputeCategoryLocked,
    DisputeNeedsCounterparty,
    DisputeNotForCategory,
    DisputeUndecided,
    EscalatedCaseNeedsCoordinator,
    InvalidOutcome,
    InvalidValue,
    LinkWouldCycle,
    MergeRefused,
    NoDispute,
    NotAHarassingContact,
    NotAHarassmentCase,
    RegionHasNoCoordinator,
    ReopenWindowPassed,
    SecondParent,
    SurveyAnsweredByCaseWorker,
    TransitionRefused,
)
from domain.values import Actor, Context, Role
from tests.factories import (
    ADMIN,
    COORDINATOR,
    NOW,
    REP,
    case_in,
    coordinator,
    ctx,
    later,
    opened_case,
    representative,
)

S = CaseStatus
SURVEY = Actor(id="survey-service", role=Role.SYSTEM)
REP_2 = Actor(id="rep-north-2", role=Role.REPRESENTATIVE)
REP_3 = Actor(id="rep-north-3", role=Role.REPRESENTATIVE)
PROVIDER = uuid4()


def days_later(days: float, actor: Actor = REP) -> Context:
    return ctx(actor, NOW + timedelta(days=days))


def money_case(category: Category = Category.BILLING, *, provider: bool = True) -> Case:
    case = case_in(S.IN_PROGRESS)
    case.triage(ctx(), category, Priority.HIGH)
    if provider:
        case.record_dispute(ctx(), 12_50, "EUR", "INV-2026-0042", provider_id=PROVIDER)
    return case


def harassment_case(status: CaseStatus = S.IN_PROGRESS) -> Case:
    case = case_in(status)
    case.triage(ctx(), Category.HARASSING_CALLS, Priority.HIGH)
    return case


class TestEscalatedCasesAreFinishedByTheCoordinator:
    def test_the_coordinator_resolves_an_escalated_case(self) -> None:
        case = case_in(S.ESCALATED)
        case.resolve(ctx(COORDINATOR), ResolutionCode.INFORMATION_PROVIDED, "Explained the charge")
        assert case.status is S.RESOLVED and case.resolved_under_escalation == "coord-north"

    def test_an_administrator_resolves_an_escalated_case(self) -> None:
        case = case_in(S.ESCALATED)
        case.resolve(ctx(ADMIN), ResolutionCode.INFORMATION_PROVIDED, "Handled centrally")
        assert case.status is S.RESOLVED

    def test_a_representative_resolving_an_escalated_case_is_refused_saying_who_may(self) -> None:
        with pytest.raises(EscalatedCaseNeedsCoordinator, match="only the region's coordinator or an administrator"
                                                               " may resolve it, or the coordinator de-escalates"):
            case_in(S.ESCALATED).resolve(ctx(REP), ResolutionCode.FIXED, "Fixed")

    def test_a_representative_resolving_an_escalated_case_waiting_on_the_customer_is_refused(self) -> None:
        case = case_in(S.ESCALATED)
        case.wait_on_customer(later(3), "Waiting for the invoice")
        with pytest.raises(EscalatedCaseNeedsCoordinator):
            case.resolve(later(4), ResolutionCode.FIXED, "Fixed")

    def test_a_representative_resolves_after_the_coordinator_de_escalates(self) -> None:
        case = case_in(S.ESCALATED)
        case.de_escalate(ctx(COORDINATOR), "Back to you")
        case.resolve(ctx(REP), ResolutionCode.FIXED, "Fixed")
        case.close(ctx(REP))
        assert case.status is S.CLOSED

    def test_a_case_the_coordinator_resolved_under_escalation_is_closed_by_a_coordinator(self) -> None:
        case = case_in(S.ESCALATED)
        case.resolve(ctx(COORDINATOR), ResolutionCode.FIXED, "Fixed")
        with pytest.raises(EscalatedCaseNeedsCoordinator, match="may close it"):
            case.close(ctx(REP))
        case.close(ctx(COORDINATOR))
        assert case.status is S.CLOSED

    def test_reopening_forgets_the_escalation_of_the_earlier_resolution(self) -> None:
        case = case_in(S.ESCALATED)
        case.resolve(later(5, COORDINATOR), ResolutionCode.FIXED, "Fixed")
        case.reopen(later(6), "It came back")
        case.resolve(later(7), ResolutionCode.FIXED, "Fixed again")
        case.close(later(8))
        assert case.status is S.CLOSED


class TestSurveyAnswers:
    def test_the_customers_answer_is_recorded_after_closure_with_its_channel_and_comment(self) -> None:
        case = case_in(S.CLOSED)
        case.record_survey_answer(later(30, SURVEY), 4, SurveyChannel.SMS, "Quick and friendly")
        (answer,) = case.survey_answers
        assert (answer.score, answer.channel, answer.comment, answer.recorded_by) == (
            4, SurveyChannel.SMS, "Quick and friendly", SURVEY)

    def test_every_answer_is_kept_and_reopening_erases_none(self) -> None:
        case = case_in(S.CLOSED)
        case.record_survey_answer(later(30, COORDINATOR), 2, SurveyChannel.PHONE)
        case.reopen(later(31), "The charge is back")
        case.resolve(later(32), ResolutionCode.REFUND_ISSUED, "Refunded again")
        case.close(later(33))
        case.record_survey_answer(later(50, SURVEY), 5, SurveyChannel.WEB)
        assert [a.score for a in case.survey_answers] == [2, 5]

    def test_an_answer_before_closure_is_refused(self) -> None:
        with pytest.raises(TransitionRefused, match="allowed only when closed"):
            case_in(S.RESOLVED).record_survey_answer(ctx(SURVEY), 5, SurveyChannel.EMAIL)

    def test_the_representative_who_worked_the_case_cannot_enter_its_answer(self) -> None:
        with pytest.raises(SurveyAnsweredByCaseWorker, match="recorded by the survey service"):
            case_in(S.CLOSED).record_survey_answer(ctx(REP), 5, SurveyChannel.PHONE)

    def test_a_representative_who_worked_the_case_before_it_was_reassigned_cannot_enter_its_answer(self) -> None:
        case = case_in(S.IN_PROGRESS)                                        # assigned to rep-north-1, who called
        case.assign(later(1), representative("rep-north-2"))
        case.resolve(later(2, REP_2), ResolutionCode.REFUND_ISSUED, "Refunded")
        case.close(later(3, REP_2))
        for worker in (REP, REP_2):
            with pytest.raises(SurveyAnsweredByCaseWorker, match=f"{worker.id} worked case"):
                case.record_survey_answer(later(30, worker), 5, SurveyChannel.PHONE)
        case.record_survey_answer(later(30, REP_3), 5, SurveyChannel.PHONE)
        assert case.worked_by == ["rep-north-1", "rep-north-2"]

    def test_a_representative_who_only_logged_a_contact_cannot_enter_its_answer(self) -> None:
        case = case_in(S.IN_PROGRESS)
        case.log_contact(later(1, REP_3), Direction.INBOUND, Channel.PHONE, "Took the call while Mari was out")
        case.resolve(later(2), ResolutionCode.REFUND_ISSUED, "Refunded")
        case.close(later(3))
        with pytest.raises(SurveyAnsweredByCaseWorker):
            case.record_survey_answer(later(30, REP_3), 4, SurveyChannel.PHONE)
        case.record_survey_answer(later(30, COORDINATOR), 4, SurveyChannel.PHONE)

    def test_who_worked_the_case_is_rebuilt_from_its_events(self) -> None:
        case = case_in(S.IN_PROGRESS)
        case.assign(later(1), representative("rep-north-2"))
        case.log_contact(later(2, REP_3), Direction.INBOUND, Channel.PHONE, "Called in")
        replayed = Case.created_by(case.pending_events[0])  # type: ignore[arg-type]
        for event in case.pending_events[1:]:
            replayed.apply(event)
        assert replayed.worked_by == case.worked_by == ["rep-north-1", "rep-north-2", "rep-north-3"]

    def test_another_representative_may_enter_an_answer_given_by_phone(self) -> None:
        case = case_in(S.CLOSED)
        case.record_survey_answer(ctx(REP_2), 3, SurveyChannel.PHONE)
        assert len(case.survey_answers) == 1

    @pytest.mark.parametrize("score", [0, 6])
    def test_a_score_outside_one_to_five_is_refused_naming_the_field(self, score: int) -> None:
        with pytest.raises(InvalidValue, match=r"^score:"):
            case_in(S.CLOSED).record_survey_answer(ctx(SURVEY), score, SurveyChannel.EMAIL)

    def test_an_old_closure_with_a_score_is_a_staff_rating_not_a_customer_answer(self) -> None:
        case = case_in(S.RESOLVED)
        old = CaseClosed(originator_id=case.id, originator_version=case.version + 1, occurred_at=NOW, actor=REP,
                         correlation_id=uuid4(), satisfaction=5)
        case.apply(old)
        assert (case.status, case.staff_rating, case.survey_answers) == (S.CLOSED, 5, [])


class TestTheReopenWindow:
    def test_a_case_is_reopened_within_the_window(self) -> None:
        case = case_in(S.CLOSED)
        case.reopen(days_later(29), "It came back", window_days=30)
        assert case.status is S.IN_PROGRESS

    def test_reopening_after_the_window_is_refused_naming_it_and_the_way_on(self) -> None:
        with pytest.raises(ReopenWindowPassed, match=r"reopen window of 30 days.*open a follow-up case"):
            case_in(S.CLOSED).reopen(days_later(400), "It came back", window_days=30)

    def test_a_resolved_case_never_closed_counts_from_its_resolution(self) -> None:
        with pytest.raises(ReopenWindowPassed):
            case_in(S.RESOLVED).reopen(days_later(8), "It came back", window_days=7)

    def test_a_follow_up_is_opened_for_the_same_customer_and_linked_both_ways(self) -> None:
        old = case_in(S.CLOSED)
        follow_up = Case.open_follow_up(days_later(400), uuid4(), old, channel=Channel.EMAIL,
                                        subject="Charged twice again", description="The same charge is back.")
        assert (follow_up.region, follow_up.customer_ref, follow_up.status) == ("north", "cust-1", S.NEW)
        assert [(link.case_id, link.kind) for link in follow_up.links] == [(old.id, LinkKind.FOLLOWS_UP)]
        assert [(link.case_id, link.kind) for link in old.links] == [(follow_up.id, LinkKind.FOLLOW_UP)]
        assert old.status is S.CLOSED

    def test_a_follow_up_of_an_open_case_is_refused(self) -> None:
        with pytest.raises(TransitionRefused, match="cannot open a follow-up of"):
            Case.open_follow_up(ctx(), uuid4(), case_in(S.IN_PROGRESS), channel=Channel.EMAIL, subject="Again",
                                description="Again")

    def test_a_closed_case_may_still_be_flagged_as_a_policy_issue(self) -> None:
        case = case_in(S.CLOSED)
        case.flag_policy_issue(days_later(400), PolicyArea.RETURNS, "Seen again on review")
        assert len(case.policy_flags) == 1


class TestDisputes:
    def test_a_billing_case_carries_the_disputed_amount_in_minor_units(self) -> None:
        case = money_case()
        assert case.dispute is not None
        assert (case.dispute.amount_minor, case.dispute.currency, case.dispute.reference) == (1250, "EUR",
                                                                                              "INV-2026-0042")

    def test_a_dispute_without_a_provider_takes_the_cases_own(self) -> None:
        case = case_in(S.IN_PROGRESS)
        case.provider_id = PROVIDER  # as opened with a provider
        case.record_dispute(ctx(), 900, "USD", "CLAIM-7")
        assert case.dispute is not None and case.dispute.provider_id == PROVIDER

    def test_a_dispute_naming_no_provider_or_contract_is_refused(self) -> None:
        with pytest.raises(DisputeNeedsCounterparty, match="provider_id or contract_id"):
            case_in(S.IN_PROGRESS).record_dispute(ctx(), 900, "EUR", "INV-1")

    def test_a_dispute_on_another_category_is_refused(self) -> None:
        case = case_in(S.IN_PROGRESS)
        case.triage(ctx(), Category.SERVICE_OUTAGE, Priority.HIGH)
        with pytest.raises(DisputeNotForCategory, match="only billing and payment cases"):
            case.record_dispute(ctx(), 900, "EUR", "INV-1", provider_id=PROVIDER)

    @pytest.mark.parametrize("currency", ["EURO", "eur", "XXX", "ZZZ"])
    def test_a_currency_that_is_not_iso_4217_is_refused_naming_the_field(self, currency: str) -> None:
        with pytest.raises(InvalidValue, match=r"^currency:"):
            money_case(provider=False).record_dispute(ctx(), 900, currency, "INV-1", provider_id=PROVIDER)

    @pytest.mark.parametrize("amount", [0, -5, 12.5])
    def test_an_amount_that_is_not_a_positive_integer_is_refused(self, amount: object) -> None:
        with pytest.raises(InvalidValue, match=r"^amount_minor:"):
            money_case(provider=False).record_dispute(ctx(), amount, "EUR", "INV-1", provider_id=PROVIDER)  # type: ignore[arg-type]

    def test_a_second_dispute_is_refused(self) -> None:
        with pytest.raises(DisputeAlreadyRecorded):
            money_case().record_dispute(ctx(), 100, "EUR", "INV-2", provider_id=PROVIDER)

    def test_a_disputed_case_cannot_leave_the_money_categories(self) -> None:
        case = money_case()
        case.triage(ctx(), Category.PAYMENT, Priority.HIGH)
        with pytest.raises(DisputeCategoryLocked):
            case.triage(ctx(), Category.COMPLAINT, Priority.HIGH)

    def test_upheld_grants_the_whole_amount_when_none_is_given(self) -> None:
        case = money_case()
        case.decide_dispute(ctx(), DisputeOutcome.UPHELD, "Charged twice indeed", settlement=Settlement.CREDITED)
        assert case.dispute is not None
        assert (case.dispute.outcome, case.dispute.granted_minor, case.dispute.settlement) == (
            DisputeOutcome.UPHELD, 1250, Settlement.CREDITED)

    def test_partly_upheld_grants_part_refunded(self) -> None:
        case = money_case()
        case.decide_dispute(ctx(), DisputeOutcome.PARTLY_UPHELD, "One visit was real", 500, Settlement.REFUNDED)
        assert case.dispute is not None and case.dispute.granted_minor == 500

    def test_an_amount_over_the_disputed_one_is_refused(self) -> None:
        with pytest.raises(InvalidOutcome, match="over the disputed 1250 EUR"):
            money_case().decide_dispute(ctx(), DisputeOutcome.UPHELD, "Too generous", 1251, Settlement.CREDITED)

    @pytest.mark.parametrize(("outcome", "amount", "settlement", "message"), [
        (DisputeOutcome.PARTLY_UPHELD, None, Settlement.CREDITED, "grants an amount"),
        (DisputeOutcome.PARTLY_UPHELD, 1250, Settlement.CREDITED, "decide it as upheld"),
        (DisputeOutcome.UPHELD, 1250, None, "credited or refunded"),
        (DisputeOutcome.REJECTED, 100, None, "grants nothing"),
        (DisputeOutcome.REJECTED, None, Settlement.REFUNDED, "grants nothing"),
    ])
    def test_an_outcome_that_does_not_fit_its_amount_is_refused(
        self, outcome: DisputeOutcome, amount: int | None, settlement: Settlement | None, message: str,
    ) -> None:
        with pytest.raises(InvalidOutcome, match=message):
            money_case().decide_dispute(ctx(), outcome, "Decided", amount, settlement)

    def test_rejected_grants_nothing(self) -> None:
        case = money_case()
        case.decide_dispute(ctx(), DisputeOutcome.REJECTED, "The charges are two visits")
        assert case.dispute is not None and case.dispute.granted_minor is None

    def test_deciding_twice_or_without_a_dispute_is_refused(self) -> None:
        case = money_case()
        case.decide_dispute(ctx(), DisputeOutcome.REJECTED, "Two visits")
        with pytest.raises(DisputeAlreadyDecided, match="rejected"):
            case.decide_dispute(ctx(), DisputeOutcome.REJECTED, "Again")
        with pytest.raises(NoDispute):
            case_in(S.IN_PROGRESS).decide_dispute(ctx(), DisputeOutcome.REJECTED, "Nothing disputed")

    def test_a_case_with_an_undecided_dispute_is_not_resolved(self) -> None:
        case = money_case()
        with pytest.raises(DisputeUndecided, match="decide its dispute first"):
            case.resolve(ctx(), ResolutionCode.REFUND_ISSUED, "Refunded")
        case.decide_dispute(ctx(), DisputeOutcome.UPHELD, "Twice", settlement=Settlement.REFUNDED)
        case.resolve(ctx(), ResolutionCode.REFUND_ISSUED, "Refunded")
        assert case.status is S.RESOLVED


class TestMergingAndLinking:
    def test_a_duplicate_is_closed_with_a_pointer_to_the_survivor(self) -> None:
        survivor, duplicate = case_in(S.IN_PROGRESS), case_in(S.TRIAGED)
        duplicate.merge_into(ctx(), survivor, "Same double charge, reported twice")
        assert (duplicate.status, duplicate.merged_into, duplicate.closed_at) == (S.CLOSED, survivor.id, NOW)
        assert survivor.merged_cases == [duplicate.id]

    def test_a_duplicate_whose_dispute_is_undecided_is_not_merged(self) -> None:
        duplicate, survivor = money_case(), case_in(S.IN_PROGRESS)
        with pytest.raises(DisputeUndecided, match=f"cannot merge case {duplicate.id}: decide its dispute first"):
            duplicate.merge_into(ctx(), survivor)
        assert (duplicate.status, survivor.merged_cases) == (S.IN_PROGRESS, [])
        duplicate.decide_dispute(ctx(), DisputeOutcome.REJECTED, "Charged once")
        duplicate.merge_into(ctx(), survivor)
        assert duplicate.merged_into == survivor.id

    def test_merging_into_itself_is_refused(self) -> None:
        case = case_in(S.IN_PROGRESS)
        with pytest.raises(MergeRefused, match="into itself"):
            case.merge_into(ctx(), case)

    def test_merging_into_a_closed_case_is_refused(self) -> None:
        with pytest.raises(MergeRefused, match="is closed"):
            case_in(S.IN_PROGRESS).merge_into(ctx(), case_in(S.CLOSED))

    def test_merging_an_already_merged_case_is_refused(self) -> None:
        duplicate, survivor = case_in(S.TRIAGED), case_in(S.IN_PROGRESS)
        duplicate.merge_into(ctx(), survivor)
        with pytest.raises(MergeRefused, match="already merged"):
            duplicate.merge_into(ctx(), case_in(S.IN_PROGRESS))

    def test_merging_across_regions_is_refused(self) -> None:
        with pytest.raises(CasesInDifferentRegions, match="in region north"):
            case_in(S.IN_PROGRESS).merge_into(ctx(), opened_case(region="south"))

    def test_a_duplicate_with_scheduled_actions_is_not_merged(self) -> None:
        with pytest.raises(MergeRefused, match="scheduled actions"):
            case_in(S.IN_PROGRESS, with_action=True).merge_into(ctx(), case_in(S.IN_PROGRESS))

    def test_an_escalated_duplicate_is_merged_by_the_coordinator_only(self) -> None:
        with pytest.raises(EscalatedCaseNeedsCoordinator, match="may merge it"):
            case_in(S.ESCALATED).merge_into(ctx(REP), case_in(S.IN_PROGRESS))
        duplicate = case_in(S.ESCALATED)
        duplicate.merge_into(ctx(COORDINATOR), case_in(S.IN_PROGRESS))
        assert duplicate.escalated_to is None and duplicate.status is S.CLOSED

    def test_a_merged_duplicate_is_not_reopened(self) -> None:
        duplicate = case_in(S.TRIAGED)
        duplicate.merge_into(ctx(), case_in(S.IN_PROGRESS))
        with pytest.raises(MergeRefused, match="work on that case instead"):
            duplicate.reopen(ctx(), "Mistake")

    def test_linking_records_the_link_on_both_cases(self) -> None:
        parent, child = case_in(S.IN_PROGRESS), case_in(S.TRIAGED)
        child.link(ctx(), parent, LinkKind.PARENT)
        assert [(link.case_id, link.kind) for link in child.links] == [(parent.id, LinkKind.PARENT)]
        assert [(link.case_id, link.kind) for link in parent.links] == [(child.id, LinkKind.CHILD)]

    def test_linking_twice_to_itself_or_across_regions_is_refused(self) -> None:
        one, two = case_in(S.IN_PROGRESS), case_in(S.IN_PROGRESS)
        one.link(ctx(), two, LinkKind.RELATED)
        with pytest.raises(AlreadyLinked, match="related"):
            two.link(ctx(), one, LinkKind.PARENT)
        with pytest.raises(InvalidValue, match="not linked to itself"):
            one.link(ctx(), one, LinkKind.RELATED)
        with pytest.raises(CasesInDifferentRegions):
            one.link(ctx(), opened_case(region="south"), LinkKind.RELATED)

    @pytest.mark.parametrize("from_child", [True, False], ids=["child-names-parent", "parent-names-child"])
    def test_a_case_has_one_parent_and_the_refusal_names_it(self, from_child: bool) -> None:
        parent, child, other = case_in(S.IN_PROGRESS), case_in(S.TRIAGED), case_in(S.IN_PROGRESS)
        child.link(ctx(), parent, LinkKind.PARENT)
        with pytest.raises(SecondParent, match=f"case {child.id} already has a parent, case {parent.id}"):
            if from_child:
                child.link(ctx(), other, LinkKind.PARENT)
            else:
                other.link(ctx(), child, LinkKind.CHILD)
        assert child.parent_id == parent.id and other.links == []

    def test_a_link_that_would_close_a_cycle_of_parents_is_refused(self) -> None:
        top, middle, bottom = case_in(S.IN_PROGRESS), case_in(S.IN_PROGRESS), case_in(S.IN_PROGRESS)
        middle.link(ctx(), top, LinkKind.PARENT)
        bottom.link(ctx(), middle, LinkKind.PARENT)
        with pytest.raises(LinkWouldCycle, match=f"case {top.id} cannot become a child of case {bottom.id}"):
            top.link(ctx(), bottom, LinkKind.PARENT, parent_chain=[middle.id, top.id])
        with pytest.raises(LinkWouldCycle):
            bottom.link(ctx(), top, LinkKind.CHILD, parent_chain=[middle.id, top.id])
        top.link(ctx(), bottom, LinkKind.RELATED)
        assert top.parent_id is None

    def test_a_merged_duplicate_is_not_linked(self) -> None:
        duplicate = case_in(S.TRIAGED)
        duplicate.merge_into(ctx(), case_in(S.IN_PROGRESS))
        with pytest.raises(MergeRefused, match="link that case instead"):
            case_in(S.IN_PROGRESS).link(ctx(), duplicate, LinkKind.RELATED)


class TestHarassingCalls:
    def caller(self, ref: str = "cust-1") -> Caller:
        return Caller.register(ctx(), "north", ref)

    def test_flagging_the_caller_records_who_and_why_and_escalates_to_the_coordinator(self) -> None:
        case, caller = harassment_case(), self.caller("cust-666")
        case.flag_caller(later(1), caller, "Calls the night shift with threats", coordinator())
        assert (caller.flagged, caller.flagged_by, caller.reason, caller.harassment_case_id) == (
            True, REP, "Calls the night shift with threats", case.id)
        assert case.flagged_callers == ["cust-666"]
        assert (case.status, case.escalated_to) == (S.ESCALATED, "coord-north")

    def test_an_escalated_harassment_case_stays_with_its_coordinator(self) -> None:
        case = harassment_case(S.ESCALATED)
        case.flag_caller(later(3), self.caller(), "Threats", coordinator())
        assert case.escalated_to == "coord-north"

    def test_flagging_on_another_category_is_refused(self) -> None:
        with pytest.raises(NotAHarassmentCase, match="harassing_calls"):
            case_in(S.IN_PROGRESS).flag_caller(ctx(), self.caller(), "Threats", coordinator())

    def test_flagging_without_a_coordinator_to_inform_is_refused(self) -> None:
        caller = self.caller()
        with pytest.raises(RegionHasNoCoordinator):
            harassment_case().flag_caller(ctx(), caller, "Threats", None)
        assert not caller.flagged

    def test_a_caller_is_flagged_once(self) -> None:
        caller = self.caller()
        harassment_case().flag_caller(ctx(), caller, "Threats", coordinator())
        with pytest.raises(CallerAlreadyFlagged, match="already flagged by rep-north-1"):
            harassment_case().flag_caller(ctx(), caller, "Again", coordinator())

    def test_a_further_contact_shows_the_flag_and_is_linked_to_the_open_harassment_case(self) -> None:
        harassment, caller = harassment_case(), self.caller()
        harassment.flag_caller(later(1), caller, "Threats", coordinator())
        contact = opened_case()
        contact.recognise_flagged_caller(later(2), caller, harassment)
        assert contact.caller_flag is not None
        assert (contact.caller_flag.reason, contact.caller_flag.flagged_by) == ("Threats", REP)
        assert [(link.case_id, link.kind) for link in contact.links] == [(harassment.id, LinkKind.HARASSMENT_CASE)]
        assert (harassment.links[-1].case_id, harassment.links[-1].kind) == (contact.id, LinkKind.REPEAT_CONTACT)

    def test_a_further_contact_after_the_harassment_case_closed_shows_the_flag_unlinked(self) -> None:
        caller = self.caller()
        harassment_case().flag_caller(later(1), caller, "Threats", coordinator())
        contact = opened_case()
        contact.recognise_flagged_caller(later(2), caller, case_in(S.CLOSED))
        assert contact.caller_flag is not None and contact.links == []

    def test_a_representative_ends_a_harassing_contact_with_a_reason(self) -> None:
        case = harassment_case()
        case.end_contact(ctx(), ContactEndReason.THREATS, "Caller threatened the representative")
        assert case.contacts_ended == 1

    def test_ending_an_ordinary_contact_is_refused(self) -> None:
        with pytest.raises(NotAHarassingContact, match="log the contact instead"):
            case_in(S.IN_PROGRESS).end_contact(ctx(), ContactEndReason.OTHER)

