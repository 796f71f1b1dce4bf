"""Policy proposals: drafted by a coordinator with evidence, decided by a manager or (with the authority for
the area) by the coordinators of a majority of the regions it covers, implemented, and their effect reviewed."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain.casework.case_events import PolicyArea
from domain.errors import (
    ApproverRegionNotCovered,
    AuthorityAlreadyHeld,
    AuthorityNeedsAdmin,
    AuthorityNotHeld,
    CoordinatorsLackAuthority,
    EffectiveBeforeApproval,
    EffectNotYetMeasurable,
    InvalidValue,
    ProposalDecisionNeedsAuthority,
    ProposalNeedsCoordinator,
    ProposalNotRevised,
    ProposalRevisionUnchanged,
    ProposalWithoutEvidence,
    RegionAlreadyApproved,
    TransitionRefused,
)
from domain.policy.authority import AUTHORITY_ID, PolicyAuthority
from domain.policy.proposal import (
    DecidedBy,
    EffectConclusion,
    Evidence,
    EvidenceCase,
    EvidenceCount,
    Proposal,
    ProposalStatus,
    approvals_needed,
)
from domain.staff.region import StaffMember
from domain.values import Actor, Context, Role
from tests.factories import ADMIN, NOW, REP, TODAY, coordinator, ctx, later

MANAGER = Actor(id="mgr-1", role=Role.MANAGER)
EVIDENCE = Evidence(cases=[EvidenceCase(case_id=uuid4(), region="north")],
                    counts=[EvidenceCount(region="north", count=9, baseline=2.5, weeks=4),
                            EvidenceCount(region="south", count=7)])


def coord(region: str) -> StaffMember:
    return coordinator(f"coord-{region}", region)


def as_coordinator(region: str, hours: float = 0) -> tuple[Context, StaffMember]:
    member = coord(region)
    return later(hours, Actor(id=member.id, role=Role.COORDINATOR)), member


def drafted(regions: tuple[str, ...] = ("north", "south"), evidence: Evidence = EVIDENCE,
            area: PolicyArea = PolicyArea.RETURNS) -> Proposal:
    context, author = as_coordinator("north")
    return Proposal.draft(context, uuid4(), author=author, policy_area=area, regions=list(regions),
                          title="A 60-day return window", summary="Returns after 30 days cause repeat calls",
                          change="Extend the return window to 60 days", evidence=evidence)


def submitted(regions: tuple[str, ...] = ("north", "south")) -> Proposal:
    proposal = drafted(regions)
    context, author = as_coordinator("north", 1)
    proposal.submit(context, author)
    return proposal


def approved() -> Proposal:
    proposal = submitted()
    proposal.approve(later(2, MANAGER), None, coordinators_decide=False)
    return proposal


class TestDrafting:
    def test_a_coordinator_drafts_a_proposal_with_its_evidence_and_region(self) -> None:
        proposal = drafted(("south", "north", "south"))
        assert proposal.status is ProposalStatus.DRAFTED
        assert proposal.regions == ["north", "south"]
        assert proposal.drafted_by == "coord-north" and proposal.drafted_in == "north"
        assert proposal.evidence == EVIDENCE

    @pytest.mark.parametrize("actor", [REP, MANAGER, ADMIN], ids=["representative", "manager", "admin"])
    def test_anyone_but_a_coordinator_is_refused_a_draft(self, actor: Actor) -> None:
        with pytest.raises(ProposalNeedsCoordinator, match=f"{actor.id} \\({actor.role}\\) cannot draft"):
            Proposal.draft(ctx(actor), uuid4(), author=None, policy_area=PolicyArea.RETURNS, regions=["north"],
                           title="T", summary="S", change="C", evidence=EVIDENCE)

    def test_a_proposal_covers_at_least_one_region(self) -> None:
        with pytest.raises(InvalidValue, match="regions: name at least one region"):
            drafted(())


class TestRevisionAndSubmission:
    def test_a_draft_is_revised_by_a_coordinator(self) -> None:
        proposal = drafted()
        context, author = as_coordinator("south", 1)
        proposal.revise(context, author, change="Extend the return window to 45 days")
        assert proposal.change == "Extend the return window to 45 days" and proposal.title == "A 60-day return window"

    def test_a_revision_that_changes_nothing_is_refused(self) -> None:
        proposal = drafted()
        context, author = as_coordinator("north", 1)
        with pytest.raises(ProposalRevisionUnchanged, match="changes nothing"):
            proposal.revise(context, author, title=proposal.title, evidence=EVIDENCE)

    def test_submitting_without_evidence_is_refused_naming_what_is_missing(self) -> None:
        proposal = drafted(evidence=Evidence())
        context, author = as_coordinator("north", 1)
        with pytest.raises(ProposalWithoutEvidence, match="attach the cases and the counts per region"):
            proposal.submit(context, author)

    def test_a_submitted_proposal_is_no_longer_revised(self) -> None:
        proposal = submitted()
        context, author = as_coordinator("north", 2)
        with pytest.raises(TransitionRefused, match="it is submitted; allowed only when drafted, returned"):
            proposal.revise(context, author, summary="Other")

    def test_a_returned_proposal_is_revised_before_it_is_submitted_again(self) -> None:
        proposal = submitted()
        proposal.return_with_comments(later(2, MANAGER), None, False, "Show the cost of 60 days")
        context, author = as_coordinator("north", 3)
        with pytest.raises(ProposalNotRevised, match=r"Show the cost of 60 days.*revise it before submitting"):
            proposal.submit(context, author)
        proposal.revise(context, author, summary="Costs: 2% more returns, 30% fewer calls")
        proposal.submit(context, author)
        assert proposal.status is ProposalStatus.SUBMITTED and proposal.comments == ["Show the cost of 60 days"]


class TestDecisionByAManager:
    def test_a_manager_approves_at_once(self) -> None:
        proposal = approved()
        assert proposal.status is ProposalStatus.APPROVED and proposal.decided_by is DecidedBy.MANAGER
        assert proposal.decider == MANAGER

    def test_a_manager_rejects_with_a_reason(self) -> None:
        proposal = submitted()
        proposal.reject(later(2, MANAGER), "Too costly")
        assert proposal.status is ProposalStatus.REJECTED and proposal.decision_note == "Too costly"

    def test_a_draft_is_not_decided(self) -> None:
        with pytest.raises(TransitionRefused, match=r"cannot approve proposal .*: it is drafted"):
            drafted().approve(later(2, MANAGER), None, coordinators_decide=False)

    @pytest.mark.parametrize("actor", [ADMIN, REP], ids=["admin", "representative"])
    def test_neither_an_administrator_nor_a_representative_decides(self, actor: Actor) -> None:
        with pytest.raises(ProposalDecisionNeedsAuthority, match="a manager decides it"):
            submitted().approve(later(2, actor), None, coordinators_decide=True)
        with pytest.raises(ProposalDecisionNeedsAuthority):
            submitted().reject(later(2, actor), "No")

    def test_a_coordinator_never_rejects(self) -> None:
        context, _ = as_coordinator("north", 2)
        with pytest.raises(ProposalDecisionNeedsAuthority, match="coord-north \\(coordinator\\) cannot reject"):
            submitted().reject(context, "No")


class TestDecisionByTheCoordinators:
    def test_without_the_authority_for_the_area_a_coordinator_cannot_approve(self) -> None:
        context, author = as_coordinator("north", 2)
        with pytest.raises(CoordinatorsLackAuthority, match="authority for policy area returns: a manager decides"):
            submitted().approve(context, author, coordinators_decide=False)

    def test_a_strict_majority_of_the_covered_regions_approves(self) -> None:
        proposal = submitted(("east", "north", "south"))
        north, north_member = as_coordinator("north", 2)
        proposal.approve(north, north_member, coordinators_decide=True)
        assert proposal.status is ProposalStatus.SUBMITTED and proposal.approvals == {"north": "coord-north"}
        with pytest.raises(RegionAlreadyApproved, match="needs 1 more approval\\(s\\) from the coordinators of east, "
                                                        "south"):
            proposal.approve(north, north_member, coordinators_decide=True)
        south, south_member = as_coordinator("south", 3)
        proposal.approve(south, south_member, coordinators_decide=True, note="Agreed at the meeting")
        assert proposal.status is ProposalStatus.APPROVED and proposal.decided_by is DecidedBy.COORDINATORS
        assert [type(e).__name__ for e in proposal.pending_events][-3:] == [
            "ProposalApprovalGiven", "ProposalApprovalGiven", "ProposalApproved"]

    @pytest.mark.parametrize(("regions", "needed"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3)])
    def test_the_majority_is_more_than_half(self, regions: int, needed: int) -> None:
        assert approvals_needed([f"r{n}" for n in range(regions)]) == needed

    def test_a_coordinator_of_a_region_not_covered_does_not_approve(self) -> None:
        context, author = as_coordinator("west", 2)
        with pytest.raises(ApproverRegionNotCovered, match="coord-west coordinates region west, which proposal"):
            submitted().approve(context, author, coordinators_decide=True)

    def test_a_covered_regions_coordinator_returns_it_and_the_approvals_start_over(self) -> None:
        proposal = submitted(("east", "north", "south"))
        north, north_member = as_coordinator("north", 2)
        proposal.approve(north, north_member, coordinators_decide=True)
        south, south_member = as_coordinator("south", 3)
        proposal.return_with_comments(south, south_member, True, "Add the cost")
        assert proposal.status is ProposalStatus.RETURNED and proposal.approvals == {}

    def test_without_the_authority_a_coordinator_does_not_return_it(self) -> None:
        context, author = as_coordinator("south", 2)
        with pytest.raises(CoordinatorsLackAuthority):
            submitted().return_with_comments(context, author, False, "Add the cost")


class TestImplementationAndEffect:
    def test_an_approved_change_is_implemented_from_its_effective_date(self) -> None:
        proposal = approved()
        context, author = as_coordinator("south", 3)
        proposal.implement(context, author, TODAY + timedelta(days=7), "The return window is 60 days")
        assert proposal.status is ProposalStatus.IMPLEMENTED and proposal.effective_on == TODAY + timedelta(days=7)

    def test_only_an_approved_proposal_is_implemented(self) -> None:
        with pytest.raises(TransitionRefused, match=r"cannot implement proposal .*: it is submitted; allowed only "
                                                    r"when approved"):
            submitted().implement(later(3, MANAGER), None, TODAY, "Changed")

    def test_a_change_does_not_take_effect_before_its_approval(self) -> None:
        with pytest.raises(EffectiveBeforeApproval, match="give a date on or after"):
            approved().implement(later(3, MANAGER), None, TODAY - timedelta(days=1), "Changed")

    def test_the_effect_is_reviewed_once_the_weeks_after_the_effective_date_passed(self) -> None:
        proposal = approved()
        proposal.implement(later(3, MANAGER), None, TODAY, "The return window is 60 days")
        with pytest.raises(EffectNotYetMeasurable, match=f"review it on or after {TODAY + timedelta(weeks=4)}"):
            proposal.review_effect(later(24 * 27, MANAGER), None, 4, EffectConclusion.IMPROVED, "Fewer calls")
        proposal.review_effect(later(24 * 28, MANAGER), None, 4, EffectConclusion.IMPROVED, "Fewer calls")
        assert proposal.status is ProposalStatus.EFFECT_REVIEWED and proposal.review_weeks == 4
        assert proposal.conclusion is EffectConclusion.IMPROVED

    def test_a_representative_does_not_implement(self) -> None:
        with pytest.raises(ProposalDecisionNeedsAuthority, match="cannot implement"):
            approved().implement(later(3, REP), None, TODAY, "Changed")


class TestTheAuthoritySetting:
    def test_an_administrator_grants_and_withdraws_an_area(self) -> None:
        authority = PolicyAuthority.establish(ctx(ADMIN))
        authority.grant(ctx(ADMIN), PolicyArea.RETURNS, "Agreed by the board")
        assert authority.id == AUTHORITY_ID and authority.coordinators_decide(PolicyArea.RETURNS)
        authority.withdraw(later(1, ADMIN), PolicyArea.RETURNS, "Back to the board")
        assert not authority.coordinators_decide(PolicyArea.RETURNS)

    @pytest.mark.parametrize("actor", [MANAGER, REP, Actor(id="coord-north", role=Role.COORDINATOR)],
                             ids=["manager", "representative", "coordinator"])
    def test_anyone_else_is_refused(self, actor: Actor) -> None:
        with pytest.raises(AuthorityNeedsAdmin, match="that setting is an administrator's"):
            PolicyAuthority.establish(ctx(actor))
        authority = PolicyAuthority.establish(ctx(ADMIN))
        with pytest.raises(AuthorityNeedsAdmin):
            authority.grant(ctx(actor), PolicyArea.RETURNS, "Mine")

    def test_granting_twice_or_withdrawing_what_is_not_held_is_refused(self) -> None:
        authority = PolicyAuthority.establish(ctx(ADMIN))
        with pytest.raises(AuthorityNotHeld, match="nothing to withdraw"):
            authority.withdraw(ctx(ADMIN), PolicyArea.BILLING, "No")
        authority.grant(ctx(ADMIN), PolicyArea.BILLING, "Yes")
        with pytest.raises(AuthorityAlreadyHeld):
            authority.grant(ctx(ADMIN), PolicyArea.BILLING, "Again")


def test_every_event_of_the_lifecycle_rebuilds_the_same_proposal() -> None:
    proposal = approved()
    proposal.implement(later(3, MANAGER), None, TODAY, "The return window is 60 days")
    proposal.review_effect(later(24 * 30, MANAGER), None, 4, EffectConclusion.NO_CHANGE, "Same")
    events = proposal.collect_events()
    rebuilt = events[0].mutate(None)
    for event in events[1:]:
        rebuilt = event.mutate(rebuilt)
    assert rebuilt == proposal and rebuilt.modified_at >= NOW
