"""Random command sequences per aggregate: invariants hold after every step, a refused command changes
nothing, and the record reloaded from the SQLite store always equals the live object."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from adapters.clock import SimulatedClock
from api.bootstrap import build_ledger
from api.settings import Settings
from domain.aggregate import Aggregate
from domain.application import CaseLedger
from domain.casework.caller import Caller
from domain.casework.case import OPEN, WORKING, Case, CaseStatus
from domain.casework.case_events import (
    MONEY_CATEGORIES,
    ActionKind,
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
from domain.development.coaching import CoachingReview, CoachingStatus
from domain.development.training import SessionStatus, TrainingSession
from domain.errors import DomainError
from domain.network.contract import Contract, ContractStatus, Party, ProviderCause
from domain.network.provider import Provider, ProviderKind, ProviderStatus, RetentionRisk
from domain.policy.meeting import DECIDING, AgendaItem, Attendee, Decision, Meeting, MeetingStatus
from domain.policy.proposal import (
    DecidedBy,
    EffectConclusion,
    Evidence,
    EvidenceCount,
    Proposal,
    ProposalStatus,
    approvals_needed,
)
from domain.policy.standard import DecisionKind
from domain.staff.region import Region, StaffChange, StaffMember
from domain.values import Actor, Context, Role
from tests.components import requires
from tests.conftest import Backend, staff_regions
from tests.factories import ADMIN, COORDINATOR, EVIDENCE, NOW, REP, terms
from tests.postgres_server import shared_cluster

ACTORS = st.sampled_from([REP, COORDINATOR, ADMIN, Actor(id="coord-south", role=Role.COORDINATOR)])
SURVEY = Actor(id="survey-service", role=Role.SYSTEM)
STAFF = st.sampled_from(["rep-north-1", "rep-north-2", "coord-north", "rep-south-1", "nobody"])
WORDS = st.sampled_from(["Called back", "Waiting for the invoice", "Customer upset", "Done"])
ACTION_IDS = st.sampled_from(["a1", "a2", "a3"])
HOURS = st.floats(min_value=0, max_value=24 * 40)
MACHINE_SETTINGS = settings(max_examples=50, stateful_step_count=40, deadline=None)
PROPOSAL_PEOPLE = st.sampled_from(["coord-north", "coord-south", "coord-west", "manager", "admin", "rep"])


def fits(check: Callable[[Any], bool]) -> Callable[[Any], Any]:
    """In an orderly run, a rule fires only when `check(live)` says the command fits the record's
    state, so runs reach deep into the lifecycle; in a chaotic run, every rule fires at any time."""
    return precondition(lambda machine: machine.chaos or check(machine.live))


class LedgerMachine(RuleBasedStateMachine):
    """Holds one live aggregate next to a real store; each rule is one command on it."""

    kind: type[Aggregate]
    on_postgres = False
    """On PostgreSQL the machines share one store (records have fresh ids), so no run pays for a database."""

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="caseledger-machine-"))
        self.clock = SimulatedClock(NOW)
        if self.on_postgres:
            self.ledger = _shared_postgres_ledger()
            self.ledger.clock = self.clock
        else:
            self.ledger = build_ledger(Settings(data_dir=self.directory), clock=self.clock)
            staff_regions(self.ledger)
        self.live: Any = None
        self.chaos = False

    def happy_path(self) -> list[Callable[[], None]]:
        """The commands that take a fresh record along its main lifecycle, in order."""
        return []

    @initialize(chaos=st.booleans(), data=st.data())
    def start(self, chaos: bool, data: st.DataObject) -> None:
        """Start from a random point of the main lifecycle, in an orderly or a chaotic mode."""
        self.chaos = chaos
        path = self.happy_path()
        for step in path[: data.draw(st.integers(0, len(path)), label="depth")]:
            step()
            self.ledger.save(self.live)

    def teardown(self) -> None:
        if not self.on_postgres:
            self.ledger.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def ctx(self, actor: Actor = REP) -> Context:
        return self.ledger.context(actor)

    def run(self, command: Callable[[], None]) -> None:
        """Run a command on the live object and save it; a refusal must leave the object untouched."""
        before = self.live.model_dump()
        try:
            command()
        except DomainError:
            assert self.live.model_dump() == before
            assert not self.live.pending_events
            return
        self.ledger.save(self.live)

    @rule(hours=HOURS)
    def time_passes(self, hours: float) -> None:
        self.clock.advance(timedelta(hours=hours))

    @invariant()
    def reloaded_equals_live(self) -> None:
        if self.live is not None:
            assert self.ledger.get(self.kind, self.live.id) == self.live
            assert len(self.ledger.history(self.live.id)) == self.live.version


class CaseMachine(LedgerMachine):
    kind = Case

    def __init__(self) -> None:
        super().__init__()
        self.live = Case.open(self.ctx(), uuid4(), region="north", channel=Channel.PHONE, customer_ref="cust-1",
                              subject="Charged twice", description="Same charge twice")
        # another case of the region to merge and link with, one of another region, and the case's caller
        self.other = Case.open(self.ctx(), uuid4(), region="north", channel=Channel.WEB, customer_ref="cust-2",
                               subject="Charged twice", description="Reported again")
        self.foreign = Case.open(self.ctx(Actor(id="rep-south-1", role=Role.REPRESENTATIVE)), uuid4(),
                                 region="south", channel=Channel.WEB, customer_ref="cust-3", subject="Outage",
                                 description="No line")
        self.caller = Caller.register(self.ctx(), "north", f"caller-{uuid4().hex[:8]}")
        self.ledger.save(self.live, self.other, self.foreign, self.caller)

    def happy_path(self) -> list[Callable[[], None]]:
        case: Case = self.live
        return [
            lambda: case.triage(self.ctx(), Category.BILLING, Priority.HIGH),
            lambda: case.assign(self.ctx(), self.staff("rep-north-1")),
            lambda: case.log_contact(self.ctx(), Direction.OUTBOUND, Channel.PHONE, "Called back"),
            lambda: case.schedule_action(self.ctx(), "a1", ActionKind.ACCOUNT_CHANGE, self.clock(), "Refund"),
            lambda: case.escalate(self.ctx(), self.staff("coord-north"), "Upset"),
            lambda: case.wait_on_customer(self.ctx(), "Waiting"),
            lambda: case.resume(self.ctx()),
            lambda: case.de_escalate(self.ctx(COORDINATOR), "Back to you"),
            lambda: case.complete_action(self.ctx(), "a1", "Refunded"),
            lambda: case.resolve(self.ctx(), ResolutionCode.REFUND_ISSUED, "Refunded"),
            lambda: case.close(self.ctx()),
            lambda: case.record_survey_answer(self.ctx(SURVEY), 4, SurveyChannel.SMS, "Thanks"),
            lambda: case.reopen(self.ctx(), "Charged again"),
        ]

    def staff(self, staff_id: str) -> Any:
        region = "south" if "south" in staff_id else "north"
        try:
            return self.ledger.region(region).staff_member(staff_id)
        except DomainError:
            return self.ledger.region("north").staff_member("coord-north")

    @fits(lambda c: c.status is CaseStatus.NEW)
    @rule(category=st.sampled_from(Category), priority=st.sampled_from(Priority))
    def triage(self, category: Category, priority: Priority) -> None:
        self.run(lambda: self.live.triage(self.ctx(), category, priority))

    @fits(lambda c: c.status is CaseStatus.TRIAGED)
    @rule(staff_id=STAFF)
    def assign(self, staff_id: str) -> None:
        self.run(lambda: self.live.assign(self.ctx(), self.staff(staff_id)))

    @fits(lambda c: c.status in OPEN)
    @rule(direction=st.sampled_from(Direction), summary=WORDS)
    def log_contact(self, direction: Direction, summary: str) -> None:
        self.run(lambda: self.live.log_contact(self.ctx(), direction, Channel.PHONE, summary))

    @fits(lambda c: c.status in OPEN)
    @rule(text=WORDS)
    def add_note(self, text: str) -> None:
        self.run(lambda: self.live.add_note(self.ctx(), text))

    @fits(lambda c: c.status in WORKING)
    @rule(action_id=ACTION_IDS, kind=st.sampled_from(ActionKind))
    def schedule_action(self, action_id: str, kind: ActionKind) -> None:
        self.run(lambda: self.live.schedule_action(self.ctx(), action_id, kind, self.clock() + timedelta(days=1),
                                                   "Arranged"))

    @fits(lambda c: bool(c.scheduled_actions))
    @rule(action_id=ACTION_IDS, complete=st.booleans())
    def finish_action(self, action_id: str, complete: bool) -> None:
        if complete:
            self.run(lambda: self.live.complete_action(self.ctx(), action_id, "Done"))
        else:
            self.run(lambda: self.live.cancel_action(self.ctx(), action_id, "Not needed"))

    @fits(lambda c: c.status is CaseStatus.IN_PROGRESS)
    @rule(staff_id=STAFF)
    def escalate(self, staff_id: str) -> None:
        self.run(lambda: self.live.escalate(self.ctx(), self.staff(staff_id), "Customer upset"))

    @fits(lambda c: c.status is CaseStatus.ESCALATED)
    @rule(actor=ACTORS)
    def de_escalate(self, actor: Actor) -> None:
        self.run(lambda: self.live.de_escalate(self.ctx(actor), "Back to the representative"))

    @fits(lambda c: c.status in (CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED))
    @rule()
    def wait_on_customer(self) -> None:
        self.run(lambda: self.live.wait_on_customer(self.ctx(), "Waiting for the meter reading"))

    @fits(lambda c: c.status is CaseStatus.WAITING_ON_CUSTOMER)
    @rule()
    def resume(self) -> None:
        self.run(lambda: self.live.resume(self.ctx()))

    @fits(lambda c: c.status in WORKING and not c.scheduled_actions)
    @rule(code=st.sampled_from(ResolutionCode))
    def resolve(self, code: ResolutionCode) -> None:
        self.run(lambda: self.live.resolve(self.ctx(), code, "Resolved"))

    @fits(lambda c: c.status is CaseStatus.RESOLVED)
    @rule(actor=ACTORS)
    def close(self, actor: Actor) -> None:
        self.run(lambda: self.live.close(self.ctx(actor)))

    @fits(lambda c: c.status is CaseStatus.CLOSED)
    @rule(score=st.integers(0, 6), actor=st.sampled_from([SURVEY, REP, COORDINATOR]))
    def record_survey_answer(self, score: int, actor: Actor) -> None:
        self.run(lambda: self.live.record_survey_answer(self.ctx(actor), score, SurveyChannel.EMAIL))

    @fits(lambda c: c.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED))
    @rule(window=st.integers(0, 40))
    def reopen(self, window: int) -> None:
        self.run(lambda: self.live.reopen(self.ctx(), "It came back", window))

    @fits(lambda c: c.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED))
    @rule()
    def open_follow_up(self) -> None:
        follow_up: list[Case] = []
        self.run(lambda: follow_up.append(Case.open_follow_up(
            self.ctx(), uuid4(), self.live, channel=Channel.EMAIL, subject="Again", description="It is back")))
        if follow_up:
            self.ledger.save(follow_up[0])
            assert follow_up[0].link_to(self.live.id) is not None

    @fits(lambda c: c.status in OPEN)
    @rule(category=st.sampled_from([Category.BILLING, Category.PAYMENT, Category.COMPLAINT]),
          amount=st.integers(-1, 3000), currency=st.sampled_from(["EUR", "USD", "XXX"]))
    def record_dispute(self, category: Category, amount: int, currency: str) -> None:
        if self.live.dispute is None and self.live.status in OPEN and not self.chaos:
            self.run(lambda: self.live.triage(self.ctx(), category, self.live.priority or Priority.NORMAL))
        self.run(lambda: self.live.record_dispute(self.ctx(), amount, currency, "INV-1", provider_id=uuid4()))

    @fits(lambda c: c.dispute is not None and c.dispute.outcome is None)
    @rule(outcome=st.sampled_from(DisputeOutcome), amount=st.none() | st.integers(0, 3000),
          settlement=st.none() | st.sampled_from(Settlement))
    def decide_dispute(self, outcome: DisputeOutcome, amount: int | None, settlement: Settlement | None) -> None:
        self.run(lambda: self.live.decide_dispute(self.ctx(), outcome, "Decided", amount, settlement))

    @fits(lambda c: c.merged_into is None)
    @rule(which=st.sampled_from(["other", "foreign", "self"]), actor=ACTORS)
    def merge(self, which: str, actor: Actor) -> None:
        survivor = {"other": self.other, "foreign": self.foreign, "self": self.live}[which]
        self.run_with(lambda: self.live.merge_into(self.ctx(actor), survivor), survivor)

    @rule(which=st.sampled_from(["other", "foreign", "self"]), kind=st.sampled_from(LinkKind))
    def link(self, which: str, kind: LinkKind) -> None:
        other = {"other": self.other, "foreign": self.foreign, "self": self.live}[which]
        self.run_with(lambda: self.live.link(self.ctx(), other, kind), other)

    @fits(lambda c: c.status in OPEN)
    @rule(harassment=st.booleans())
    def flag_caller(self, harassment: bool) -> None:
        if harassment and self.live.status in OPEN and not self.chaos:
            self.run(lambda: self.live.triage(self.ctx(), Category.HARASSING_CALLS, Priority.HIGH))
        self.run_with(lambda: self.live.flag_caller(self.ctx(), self.caller, "Threats", self.staff("coord-north")),
                      self.caller)

    @rule(reason=st.sampled_from(ContactEndReason))
    def end_contact(self, reason: ContactEndReason) -> None:
        self.run(lambda: self.live.end_contact(self.ctx(), reason, "Ended the call"))

    def run_with(self, command: Callable[[], None], *others: Any) -> None:
        """Run a command that changes other records too: a refusal leaves every one untouched, an acceptance
        saves them together."""
        before = [record.model_dump() for record in (self.live, *others)]
        try:
            command()
        except DomainError:
            assert [record.model_dump() for record in (self.live, *others)] == before
            assert not any(record.pending_events for record in (self.live, *others))
            return
        self.ledger.save(self.live, *(other for other in others if other is not self.live))

    @rule(area=st.sampled_from(PolicyArea))
    def flag_policy_issue(self, area: PolicyArea) -> None:
        self.run(lambda: self.live.flag_policy_issue(self.ctx(), area, "Causes repeat calls"))

    @fits(lambda c: c.escalated_to is not None)
    @rule(staff_id=STAFF)
    def hand_over_escalation(self, staff_id: str) -> None:
        """The region's coordinator is replaced: the escalation moves (a non-coordinator is refused)."""
        self.run(lambda: self.live.hand_over_escalation(self.ctx(ADMIN), self.staff(staff_id),
                                                        StaffChange.COORDINATOR_REPLACED))

    @fits(lambda c: c.assignee is not None and c.is_open)
    @rule()
    def return_to_queue(self) -> None:
        """The assignee left the region's staff."""
        self.run(lambda: self.live.return_to_queue(self.ctx(ADMIN), StaffChange.REPRESENTATIVE_REMOVED))

    @invariant()
    def case_rules_hold(self) -> None:
        case: Case = self.live
        event(f"case {case.status}")
        finished = case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
        assert (case.resolution_code is not None) == finished
        assert not (finished and case.scheduled_actions)
        assert (case.category is None) == (case.status is CaseStatus.NEW) or case.merged_into is not None
        assert (case.waiting_since is not None) == (case.status is CaseStatus.WAITING_ON_CUSTOMER)
        assert case.status is not CaseStatus.IN_PROGRESS or case.assignee is not None
        assert (case.status is CaseStatus.ESCALATED) <= (case.escalated_to == "coord-north")
        assert not case.survey_answers or case.closed_at is not None or case.reopened > 0
        assert all(1 <= answer.score <= 5 for answer in case.survey_answers)
        assert case.dispute is None or case.category in MONEY_CATEGORIES
        if case.dispute is not None and case.dispute.granted_minor is not None:
            assert 0 < case.dispute.granted_minor <= case.dispute.amount_minor
        assert case.merged_into is None or (case.status is CaseStatus.CLOSED and case.merged_into == self.other.id)
        assert len({link.case_id for link in case.links}) == len(case.links)
        assert all(link.case_id != self.foreign.id for link in case.links)
        assert self.caller.flagged == bool(case.flagged_callers)
        assert self.ledger.get(Case, self.other.id) == self.other
        assert self.ledger.get(Caller, self.caller.id) == self.caller
        if case.first_response_due and case.resolution_due:
            assert case.first_response_due <= case.resolution_due + timedelta(days=7)
        assert len({flag.area for flag in case.policy_flags}) == len(case.policy_flags)


class ProviderMachine(LedgerMachine):
    kind = Provider

    def __init__(self) -> None:
        super().__init__()
        self.live = Provider.prospect(self.ctx(), uuid4(), name="Riverside Clinic", kind=ProviderKind.CLINIC,
                                      region="north")
        self.ledger.save(self.live)

    def happy_path(self) -> list[Callable[[], None]]:
        provider: Provider = self.live
        return [
            lambda: provider.log_meeting(self.ctx(), "rep-north-1", "Met the director"),
            lambda: provider.receive_application(self.ctx()),
            lambda: provider.start_credentialing(self.ctx()),
            lambda: provider.credential(self.ctx(), self.clock().date() + timedelta(days=365)),
            lambda: provider.activate(self.ctx()),
            lambda: provider.flag_retention_risk(self.ctx(), RetentionRisk.HIGH, "Late payments"),
            lambda: provider.suspend(self.ctx(), "Fee unpaid"),
            lambda: provider.reinstate(self.ctx()),
            lambda: provider.terminate(self.ctx(COORDINATOR), "Left"),
        ]

    @fits(lambda p: p.status is ProviderStatus.PROSPECT)
    @rule()
    def log_meeting(self) -> None:
        self.run(lambda: self.live.log_meeting(self.ctx(), "rep-north-1", "Met the director"))

    @fits(lambda p: p.status in (ProviderStatus.PROSPECT, ProviderStatus.CONTACTED))
    @rule()
    def receive_application(self) -> None:
        self.run(lambda: self.live.receive_application(self.ctx()))

    @fits(lambda p: p.status is ProviderStatus.APPLIED)
    @rule()
    def start_credentialing(self) -> None:
        self.run(lambda: self.live.start_credentialing(self.ctx()))

    @fits(lambda p: p.status in (ProviderStatus.CREDENTIALING, ProviderStatus.ACTIVE, ProviderStatus.LAPSED))
    @rule(days=st.integers(-10, 800), again=st.booleans())
    def credential(self, days: int, again: bool) -> None:
        expires = self.clock().date() + timedelta(days=days)
        self.run(lambda: (self.live.recredential if again else self.live.credential)(self.ctx(), expires))

    @fits(lambda p: p.status is ProviderStatus.CREDENTIALING and p.version > 6)
    @rule()
    def reject(self) -> None:
        self.run(lambda: self.live.reject(self.ctx(), "Licence not verified"))

    @fits(lambda p: p.status is ProviderStatus.CREDENTIALED)
    @rule()
    def activate(self) -> None:
        self.run(lambda: self.live.activate(self.ctx()))

    @fits(lambda p: p.status is ProviderStatus.ACTIVE)
    @rule()
    def suspend(self) -> None:
        self.run(lambda: self.live.suspend(self.ctx(), "Fee unpaid"))

    @fits(lambda p: p.status is ProviderStatus.SUSPENDED)
    @rule()
    def reinstate(self) -> None:
        self.run(lambda: self.live.reinstate(self.ctx()))

    @fits(lambda p: p.status in (ProviderStatus.SUSPENDED, ProviderStatus.LAPSED) and p.version > 12)
    @rule(actor=ACTORS)
    def terminate(self, actor: Actor) -> None:
        self.run(lambda: self.live.terminate(self.ctx(actor), "Left"))

    @fits(lambda p: p.status in (ProviderStatus.CREDENTIALED, ProviderStatus.ACTIVE, ProviderStatus.SUSPENDED))
    @rule(days=st.integers(-30, 800))
    def lapse_credential(self, days: int) -> None:
        """Lapsing is refused before the expiry date; so the clock is moved near it first."""
        expires = self.live.credential_expires_on
        if expires is not None:
            moment = datetime.combine(expires, NOW.timetz()) + timedelta(days=min(days, 30))
            self.clock.advance(max(moment - self.clock(), timedelta(0)))
        self.run(lambda: self.live.lapse_credential(self.ctx()))

    @fits(lambda p: p.status is ProviderStatus.ACTIVE)
    @rule(level=st.sampled_from(RetentionRisk), clear=st.booleans())
    def retention(self, level: RetentionRisk, clear: bool) -> None:
        if clear:
            self.run(lambda: self.live.clear_retention_risk(self.ctx()))
        else:
            self.run(lambda: self.live.flag_retention_risk(self.ctx(), level, "Late payments"))

    @invariant()
    def provider_rules_hold(self) -> None:
        provider: Provider = self.live
        event(f"provider {provider.status}")
        member = provider.status in (ProviderStatus.CREDENTIALED, ProviderStatus.ACTIVE, ProviderStatus.SUSPENDED,
                                     ProviderStatus.LAPSED)
        assert not member or provider.credential_expires_on is not None
        assert (provider.status is ProviderStatus.LAPSED) == (provider.lapsed_from is not None) or (
            provider.status is ProviderStatus.TERMINATED)
        if provider.status is ProviderStatus.LAPSED:
            assert provider.credential_expires_on is not None and provider.credential_expires_on <= self.clock().date()
        assert provider.meetings > 0 or provider.status is not ProviderStatus.CONTACTED


class ContractMachine(LedgerMachine):
    kind = Contract

    def __init__(self) -> None:
        super().__init__()
        ctx = self.ctx()
        self.provider = Provider.prospect(ctx, uuid4(), name="Lab", kind=ProviderKind.LAB, region="north")
        self.provider.receive_application(ctx)
        self.provider.start_credentialing(ctx)
        self.provider.credential(ctx, NOW.date() + timedelta(days=3000))
        self.provider.activate(ctx)
        self.live = Contract.draft(ctx, uuid4(), provider=self.provider, title="Agreement", terms=terms())
        self.ledger.save(self.provider, self.live)

    def happy_path(self) -> list[Callable[[], None]]:
        contract: Contract = self.live
        return [
            lambda: contract.propose(self.ctx()),
            lambda: contract.counter_offer(self.ctx(), Party.PROVIDER, terms(days=21)),
            lambda: contract.agree(self.ctx(), Party.NETWORK),
            lambda: contract.sign(self.ctx(), Party.PROVIDER, EVIDENCE),
            lambda: contract.sign(self.ctx(), Party.NETWORK),
            lambda: contract.activate(self.ctx(), self.provider),
            lambda: contract.propose_amendment(self.ctx(COORDINATOR), Party.NETWORK, terms(amount=5000)),
            lambda: contract.accept_amendment(self.ctx(), Party.PROVIDER, EVIDENCE, provider=self.provider),
            lambda: contract.renew(self.ctx(), contract.terms.expires_on + timedelta(days=365), self.provider),
            lambda: contract.terminate(self.ctx(COORDINATOR), "Ended"),
        ]

    @fits(lambda c: c.status in (ContractStatus.DRAFTED, ContractStatus.PROPOSED, ContractStatus.NEGOTIATING)
          and c.version < 6)
    @rule(days=st.integers(10, 40), amount=st.integers(1000, 1010), party=st.sampled_from(Party))
    def revise_or_counter(self, days: int, amount: int, party: Party) -> None:
        offer = terms(days=days, amount=amount)
        self.run(lambda: self.live.revise_draft(self.ctx(), offer))
        self.run(lambda: self.live.counter_offer(self.ctx(), party, offer))

    @fits(lambda c: c.status is ContractStatus.DRAFTED)
    @rule()
    def propose(self) -> None:
        self.run(lambda: self.live.propose(self.ctx()))

    @fits(lambda c: c.status in (ContractStatus.PROPOSED, ContractStatus.NEGOTIATING))
    @rule(party=st.sampled_from(Party), evidence=st.booleans())
    def agree(self, party: Party, evidence: bool) -> None:
        self.run(lambda: self.live.agree(self.ctx(), party, EVIDENCE if evidence else None))

    @fits(lambda c: c.status is ContractStatus.AGREED)
    @rule(party=st.sampled_from(Party), evidence=st.booleans())
    def sign(self, party: Party, evidence: bool) -> None:
        self.run(lambda: self.live.sign(self.ctx(), party, EVIDENCE if evidence else None))

    @fits(lambda c: c.status is ContractStatus.SIGNED)
    @rule(suspended=st.booleans())
    def activate(self, suspended: bool) -> None:
        provider = self.provider.model_copy(update={"status": ProviderStatus.SUSPENDED}) if suspended else self.provider
        self.run(lambda: self.live.activate(self.ctx(), provider))

    @fits(lambda c: c.status is ContractStatus.ACTIVE)
    @rule(amount=st.integers(2000, 2005), party=st.sampled_from(Party), actor=ACTORS)
    def propose_amendment(self, amount: int, party: Party, actor: Actor) -> None:
        self.run(lambda: self.live.propose_amendment(self.ctx(actor), party, terms(amount=amount)))

    @fits(lambda c: c.pending_amendment is not None)
    @rule(party=st.sampled_from(Party), actor=ACTORS, evidence=st.booleans(), decline=st.booleans())
    def answer_amendment(self, party: Party, actor: Actor, evidence: bool, decline: bool) -> None:
        if decline:
            self.run(lambda: self.live.decline_amendment(self.ctx(actor), party, "Not now"))
        else:
            self.run(lambda: self.live.accept_amendment(self.ctx(actor), party, EVIDENCE if evidence else None,
                                                        provider=self.provider))

    @fits(lambda c: c.status is ContractStatus.ACTIVE)
    @rule(days=st.integers(-5, 400))
    def renew(self, days: int) -> None:
        self.run(lambda: self.live.renew(self.ctx(), self.live.terms.expires_on + timedelta(days=days), self.provider))

    @fits(lambda c: c.status in (ContractStatus.ACTIVE, ContractStatus.SUSPENDED))
    @rule()
    def expire(self) -> None:
        self.run(lambda: self.live.expire(self.ctx()))

    @fits(lambda c: c.status in (ContractStatus.ACTIVE, ContractStatus.SUSPENDED))
    @rule(status=st.sampled_from([ProviderStatus.SUSPENDED, ProviderStatus.LAPSED, ProviderStatus.ACTIVE,
                                  ProviderStatus.TERMINATED]))
    def provider_changes(self, status: ProviderStatus) -> None:
        """The provider's status reaches the contract (as the command service brings it in line)."""
        provider = self.provider.model_copy(update={"status": status})
        cause = ProviderCause(provider_event="ProviderSuspended", provider_version=self.provider.version + 1)
        self.run(lambda: self.live.follow_provider(self.ctx(COORDINATOR), provider, cause))

    @fits(lambda c: c.status in (ContractStatus.ACTIVE, ContractStatus.SUSPENDED, ContractStatus.EXPIRED))
    @rule(reference=st.sampled_from(["INV-1", "INV-2"]), paid=st.booleans(), days=st.integers(-5, 60),
          currency=st.sampled_from(["EUR", "USD"]))
    def payment(self, reference: str, paid: bool, days: int, currency: str) -> None:
        day = self.clock().date() - timedelta(days=days)
        if paid:
            self.run(lambda: self.live.record_payment_made(self.ctx(), reference, day))
        else:
            self.run(lambda: self.live.record_payment_owed(self.ctx(), reference, 12_500, currency, day))

    @fits(lambda c: c.status in (ContractStatus.ACTIVE, ContractStatus.SUSPENDED) and c.version > 10)
    @rule(actor=ACTORS)
    def terminate(self, actor: Actor) -> None:
        self.run(lambda: self.live.terminate(self.ctx(actor), "Ended"))

    @invariant()
    def contract_rules_hold(self) -> None:
        contract: Contract = self.live
        event(f"contract {contract.status}")
        in_force = contract.status in (ContractStatus.SIGNED, ContractStatus.ACTIVE, ContractStatus.EXPIRED)
        assert in_force <= (set(contract.signed_by) == set(Party))
        assert contract.terms.effective_on < contract.terms.expires_on
        assert contract.terms_version >= 1 and contract.negotiation_rounds >= 0
        assert (Party.PROVIDER in contract.signed_by) <= (contract.provider_signature is not None)
        assert (contract.status is ContractStatus.SUSPENDED) == (contract.suspended_by is not None)
        assert contract.pending_amendment is None or contract.status is ContractStatus.ACTIVE or (
            contract.status is ContractStatus.SUSPENDED)
        for owed in contract.payments.values():
            assert owed.currency == contract.terms.currency or contract.terms_version > 1
            assert owed.paid_on is None or owed.paid_on >= owed.received_on


class RegionMachine(LedgerMachine):
    kind = Region

    def __init__(self) -> None:
        super().__init__()
        self.live = Region.establish(self.ctx(ADMIN), f"west-{uuid4().hex[:8]}", "West")
        self.ledger.save(self.live)

    @rule(staff_id=st.sampled_from(["rep-west-1", "rep-west-2", "coord-west"]))
    def add_representative(self, staff_id: str) -> None:
        self.run(lambda: self.live.add_representative(self.ctx(ADMIN), staff_id, "Mari Tamm"))

    @rule(staff_id=st.sampled_from(["rep-west-1", "rep-west-2", "coord-west"]))
    def appoint_coordinator(self, staff_id: str) -> None:
        self.run(lambda: self.live.appoint_coordinator(self.ctx(ADMIN), staff_id, "Ana Novak"))

    @rule(staff_id=st.sampled_from(["rep-west-1", "rep-west-2", "coord-west"]))
    def remove_representative(self, staff_id: str) -> None:
        self.run(lambda: self.live.remove_representative(self.ctx(ADMIN), staff_id))

    @rule(staff_id=st.sampled_from(["rep-west-1", "rep-west-2", "coord-west"]),
          other=st.sampled_from(["east", "north"]), joining=st.booleans())
    def transfer(self, staff_id: str, other: str, joining: bool) -> None:
        """One side of a transfer: joining from another region, or leaving for one (or for this one: refused)."""
        if joining:
            self.run(lambda: self.live.add_representative(self.ctx(ADMIN), staff_id, "Mari Tamm",
                                                          transferred_from=other))
        else:
            to = self.live.code if other == "north" else other
            self.run(lambda: self.live.remove_representative(self.ctx(ADMIN), staff_id, transferred_to=to))

    @rule(days=st.integers(-1, 3651))
    def set_reopen_window(self, days: int) -> None:
        self.run(lambda: self.live.set_reopen_window(self.ctx(ADMIN), days))

    @invariant()
    def coordinator_is_not_a_representative(self) -> None:
        region: Region = self.live
        assert region.coordinator is None or region.coordinator.id not in region.representatives
        assert 0 <= region.reopen_window_days <= 3650


class ProposalMachine(LedgerMachine):
    """A policy proposal driven by coordinators (of covered regions or not), a manager, an administrator and a
    representative, with or without the coordinators' authority for its area."""

    kind = Proposal

    def __init__(self) -> None:
        super().__init__()
        author = self.ledger.region("north").coordinator
        self.live = Proposal.draft(self.ctx(COORDINATOR), uuid4(), author=author, policy_area=PolicyArea.RETURNS,
                                   regions=["north", "south"], title="A 60-day return window",
                                   summary="Returns after 30 days cause repeat calls", change="60 days",
                                   evidence=Evidence(counts=[EvidenceCount(region="north", count=4)]))
        self.ledger.save(self.live)

    def happy_path(self) -> list[Callable[[], None]]:
        proposal: Proposal = self.live
        return [
            lambda: proposal.submit(*self.who("coord-south")),
            lambda: proposal.approve(*self.who("manager"), coordinators_decide=False),
            lambda: proposal.implement(*self.who("coord-north"), self.clock().date(), "The window is 60 days"),
            self.review_four_weeks_later,
        ]

    def review_four_weeks_later(self) -> None:
        self.clock.advance(timedelta(weeks=4))
        self.live.review_effect(*self.who("manager"), 4, EffectConclusion.IMPROVED, "Fewer calls")

    def who(self, name: str) -> tuple[Context, StaffMember | None]:
        """The context of one of the people, with the coordinator's staff record where they are one."""
        if name.startswith("coord-"):
            region = name.removeprefix("coord-")
            member = StaffMember(id=name, name="Ana Novak", role=Role.COORDINATOR, region=region)
            return self.ctx(Actor(id=name, role=Role.COORDINATOR)), member
        actor = {"manager": Actor(id="mgr-1", role=Role.MANAGER), "admin": ADMIN, "rep": REP}[name]
        return self.ctx(actor), None

    @fits(lambda p: p.status in (ProposalStatus.DRAFTED, ProposalStatus.RETURNED))
    @rule(who=PROPOSAL_PEOPLE, summary=WORDS, regions=st.sampled_from([["north"], ["north", "south"], []]))
    def revise(self, who: str, summary: str, regions: list[str]) -> None:
        self.run(lambda: self.live.revise(*self.who(who), summary=summary, regions=regions or None))

    @fits(lambda p: p.status in (ProposalStatus.DRAFTED, ProposalStatus.RETURNED))
    @rule(who=PROPOSAL_PEOPLE)
    def submit(self, who: str) -> None:
        self.run(lambda: self.live.submit(*self.who(who)))

    @fits(lambda p: p.status is ProposalStatus.SUBMITTED)
    @rule(who=PROPOSAL_PEOPLE, theirs=st.booleans())
    def approve(self, who: str, theirs: bool) -> None:
        self.run(lambda: self.live.approve(*self.who(who), coordinators_decide=theirs))

    @fits(lambda p: p.status is ProposalStatus.SUBMITTED)
    @rule(who=PROPOSAL_PEOPLE, theirs=st.booleans(), reject=st.booleans())
    def reject_or_return(self, who: str, theirs: bool, reject: bool) -> None:
        if reject:
            self.run(lambda: self.live.reject(self.who(who)[0], "Too costly"))
        else:
            self.run(lambda: self.live.return_with_comments(*self.who(who), theirs, "Add the cost"))

    @fits(lambda p: p.status is ProposalStatus.APPROVED)
    @rule(who=PROPOSAL_PEOPLE, days=st.integers(-3, 10))
    def implement(self, who: str, days: int) -> None:
        day = self.clock().date() + timedelta(days=days)
        self.run(lambda: self.live.implement(*self.who(who), day, "The window is 60 days"))

    @fits(lambda p: p.status is ProposalStatus.IMPLEMENTED)
    @rule(who=PROPOSAL_PEOPLE, weeks=st.integers(0, 8), conclusion=st.sampled_from(EffectConclusion))
    def review_effect(self, who: str, weeks: int, conclusion: EffectConclusion) -> None:
        self.run(lambda: self.live.review_effect(*self.who(who), weeks, conclusion, "Reviewed"))

    @invariant()
    def proposal_rules_hold(self) -> None:
        proposal: Proposal = self.live
        event(f"proposal {proposal.status}")
        assert proposal.regions == sorted(set(proposal.regions)) and proposal.regions
        assert set(proposal.approvals) <= set(proposal.regions)
        assert proposal.status is not ProposalStatus.RETURNED or not proposal.approvals  # a return clears them
        if proposal.decided_by is DecidedBy.COORDINATORS:
            assert len(proposal.approvals) >= approvals_needed(proposal.regions)
        decided = proposal.status in (ProposalStatus.APPROVED, ProposalStatus.REJECTED, ProposalStatus.IMPLEMENTED,
                                      ProposalStatus.EFFECT_REVIEWED)
        assert decided == (proposal.decided_at is not None)
        if proposal.effective_on is not None:
            assert proposal.decided_at is not None and proposal.effective_on >= proposal.decided_at.date()
        assert (proposal.status is ProposalStatus.EFFECT_REVIEWED) == (proposal.review_weeks is not None)


TestCaseLifecycle = MACHINE_SETTINGS(CaseMachine).TestCase
TestProviderLifecycle = MACHINE_SETTINGS(ProviderMachine).TestCase
TestContractLifecycle = MACHINE_SETTINGS(ContractMachine).TestCase
TestRegionStaffing = MACHINE_SETTINGS(RegionMachine).TestCase
TestProposalLifecycle = MACHINE_SETTINGS(ProposalMachine).TestCase

_postgres_ledger: list[CaseLedger] = []


def _shared_postgres_ledger() -> CaseLedger:
    if not _postgres_ledger:
        store = Backend("postgresql", shared_cluster())
        _postgres_ledger.append(build_ledger(store.settings(Path(tempfile.mkdtemp())), clock=SimulatedClock(NOW)))
        staff_regions(_postgres_ledger[0])
    return _postgres_ledger[0]


def _on_postgres(machine: type[LedgerMachine]) -> Any:
    """The machine's test case on the shared PostgreSQL store, with fewer runs (each costs round trips);
    skipped, or under CI refused, like every PostgreSQL run when its server is missing."""
    variant: Any = type(f"{machine.__name__}OnPostgres", (machine,), {"on_postgres": True})
    test_case = variant.TestCase
    test_case.settings = settings(MACHINE_SETTINGS, max_examples=20)
    return requires("postgresql")(test_case)


TestCaseLifecycleOnPostgres = _on_postgres(CaseMachine)
TestProviderLifecycleOnPostgres = _on_postgres(ProviderMachine)
TestContractLifecycleOnPostgres = _on_postgres(ContractMachine)
TestRegionStaffingOnPostgres = _on_postgres(RegionMachine)
TestProposalLifecycleOnPostgres = _on_postgres(ProposalMachine)

class CoachingMachine(LedgerMachine):
    """A coaching review: reviewed, then followed up once (by a coordinator or an administrator only)."""

    kind = CoachingReview

    def __init__(self) -> None:
        super().__init__()
        self.live = CoachingReview.review(self.ctx(COORDINATOR), uuid4(), region="north",
                                          representative_id="rep-north-1", case_id=uuid4(), contact_version=2,
                                          rating=3, went_well="Calm", to_improve="Faster")
        self.ledger.save(self.live)

    @rule(actor=ACTORS, note=WORDS)
    def follow_up(self, actor: Actor, note: str) -> None:
        self.run(lambda: self.live.follow_up(self.ctx(actor), note))

    @invariant()
    def followed_up_once_with_a_note(self) -> None:
        review: CoachingReview = self.live
        assert (review.status is CoachingStatus.FOLLOWED_UP) == (review.follow_up_note is not None)
        assert review.version == (2 if review.status is CoachingStatus.FOLLOWED_UP else 1)


ATTENDEES = st.sampled_from(["rep-east-1", "rep-east-2", "rep-east-3", "rep-north-1"])


class TrainingSessionMachine(LedgerMachine):
    """A training session: scheduled -> held (completions of attendees, once each) or cancelled."""

    kind = TrainingSession

    def __init__(self) -> None:
        super().__init__()
        self.live = TrainingSession.schedule(self.ctx(ADMIN), uuid4(), region="north", programme_id=uuid4(),
                                             trainer_id="rep-north-1", scheduled_on=NOW.date(),
                                             attendees=("rep-east-1",))
        self.ledger.save(self.live)

    def happy_path(self) -> list[Callable[[], None]]:
        session: TrainingSession = self.live
        return [lambda: session.add_attendee(self.ctx(ADMIN), "rep-east-2"),
                lambda: session.hold(self.ctx(ADMIN), NOW.date()),
                lambda: session.record_completion(self.ctx(ADMIN), "rep-east-1")]

    @fits(lambda s: s.status is SessionStatus.SCHEDULED)
    @rule(staff_id=ATTENDEES)
    def add_attendee(self, staff_id: str) -> None:
        self.run(lambda: self.live.add_attendee(self.ctx(ADMIN), staff_id))

    @fits(lambda s: s.status is SessionStatus.SCHEDULED)
    @rule(actor=ACTORS)
    def hold(self, actor: Actor) -> None:
        self.run(lambda: self.live.hold(self.ctx(actor), self.clock().date()))

    @fits(lambda s: s.status is SessionStatus.SCHEDULED)
    @rule()
    def cancel(self) -> None:
        self.run(lambda: self.live.cancel(self.ctx(ADMIN), "Trainer ill"))

    @fits(lambda s: s.status is SessionStatus.HELD)
    @rule(staff_id=ATTENDEES, actor=ACTORS)
    def record_completion(self, staff_id: str, actor: Actor) -> None:
        self.run(lambda: self.live.record_completion(self.ctx(actor), staff_id))

    @invariant()
    def completions_are_of_attendees_of_a_held_session(self) -> None:
        session: TrainingSession = self.live
        event(f"session {session.status}")
        assert set(session.completed) <= set(session.attendees)
        assert len(set(session.completed)) == len(session.completed)
        assert len(set(session.attendees)) == len(session.attendees) and session.trainer_id not in session.attendees
        assert not session.completed or session.status is SessionStatus.HELD


TestCoachingLifecycle = MACHINE_SETTINGS(CoachingMachine).TestCase
TestTrainingSessionLifecycle = MACHINE_SETTINGS(TrainingSessionMachine).TestCase
TestTrainingSessionLifecycleOnPostgres = _on_postgres(TrainingSessionMachine)


class MeetingMachine(LedgerMachine):
    """A coordinators' meeting; a decision adopting a standard is saved with the regions in its scope."""

    kind = Meeting
    CONVENERS = st.sampled_from([COORDINATOR, Actor(id="director", role=Role.MANAGER), ADMIN, REP])
    ATTENDEES = st.lists(st.sampled_from([
        Attendee(staff_id="coord-north", role=Role.COORDINATOR, region="north"),
        Attendee(staff_id="coord-south", role=Role.COORDINATOR, region="south"),
        Attendee(staff_id="director", role=Role.MANAGER)]), max_size=3)

    def __init__(self) -> None:
        super().__init__()
        self.live = Meeting.schedule(self.ctx(COORDINATOR), uuid4(), "Coordinators' meeting", self.clock())
        self.ledger.save(self.live)

    def happy_path(self) -> list[Callable[[], None]]:
        meeting: Meeting = self.live
        present = [Attendee(staff_id="coord-north", role=Role.COORDINATOR, region="north")]
        return [
            lambda: meeting.add_agenda_item(self.ctx(COORDINATOR), AgendaItem(item_id="i0", text="Returns")),
            lambda: meeting.hold(self.ctx(COORDINATOR), present),
            lambda: meeting.record_minutes(self.ctx(COORDINATOR), "Returns discussed"),
            lambda: meeting.close(self.ctx(COORDINATOR)),
        ]

    @fits(lambda m: m.status is MeetingStatus.SCHEDULED)
    @rule(actor=CONVENERS, item=st.integers(0, 3), area=st.none() | st.sampled_from(PolicyArea),
          text=st.none() | WORDS, regions=st.lists(st.sampled_from(["north", "south"]), max_size=2))
    def add_agenda_item(self, actor: Actor, item: int, area: PolicyArea | None, text: str | None,
                        regions: list[str]) -> None:
        agenda_item = AgendaItem(item_id=f"i{item}", text=text, policy_area=area, regions=regions)
        self.run(lambda: self.live.add_agenda_item(self.ctx(actor), agenda_item))

    @fits(lambda m: m.status is MeetingStatus.SCHEDULED)
    @rule(actor=CONVENERS, attendees=ATTENDEES)
    def hold(self, actor: Actor, attendees: list[Attendee]) -> None:
        self.run(lambda: self.live.hold(self.ctx(actor), attendees))

    @fits(lambda m: m.status is MeetingStatus.HELD)
    @rule(actor=CONVENERS, minutes=WORDS)
    def record_minutes(self, actor: Actor, minutes: str) -> None:
        self.run(lambda: self.live.record_minutes(self.ctx(actor), minutes))

    @fits(lambda m: m.status in DECIDING)
    @rule(actor=CONVENERS, number=st.integers(0, 3), kind=st.sampled_from(DecisionKind),
          regions=st.lists(st.sampled_from(["north", "south"]), max_size=2, unique=True), days=st.integers(-2, 10),
          first=st.none() | st.integers(1, 48), resolution=st.none() | st.integers(1, 240),
          categories=st.lists(st.sampled_from(Category), max_size=2))
    def record_decision(self, actor: Actor, number: int, kind: DecisionKind, regions: list[str], days: int,
                        first: int | None, resolution: int | None, categories: list[Category]) -> None:
        decision = Decision(decision_id=f"d{number}", kind=kind, text="Answer within the target", regions=regions,
                            categories=categories, effective_on=self.clock().date() + timedelta(days=days),
                            first_response_hours=first, resolution_hours=resolution)
        in_scope = [self.ledger.region(code) for code in regions]
        before = [record.model_dump() for record in (self.live, *in_scope)]

        def decide() -> None:
            self.live.record_decision(self.ctx(actor), decision)
            standard = self.live.decision(decision.decision_id).standard(self.live.id)
            for region in in_scope if standard is not None else []:
                region.adopt_standard(self.ctx(actor), standard)

        try:
            decide()
        except DomainError:
            assert [record.model_dump() for record in (self.live, *in_scope)] == before
            assert not any(record.pending_events for record in (self.live, *in_scope))
            return
        self.ledger.save(self.live, *in_scope)

    @fits(lambda m: m.status is MeetingStatus.MINUTED)
    @rule(actor=CONVENERS)
    def close(self, actor: Actor) -> None:
        self.run(lambda: self.live.close(self.ctx(actor)))

    @fits(lambda m: m.status is MeetingStatus.SCHEDULED)
    @rule(actor=CONVENERS)
    def cancel(self, actor: Actor) -> None:
        self.run(lambda: self.live.cancel(self.ctx(actor), "Too few could come"))

    @invariant()
    def meeting_rules_hold(self) -> None:
        meeting: Meeting = self.live
        event(f"meeting {meeting.status}")
        held = meeting.status in (MeetingStatus.HELD, MeetingStatus.MINUTED, MeetingStatus.CLOSED)
        assert (meeting.held_at is not None) == held
        assert (meeting.minutes is not None) == (meeting.status in (MeetingStatus.MINUTED, MeetingStatus.CLOSED))
        assert (meeting.cancel_reason is not None) == (meeting.status is MeetingStatus.CANCELLED)
        assert held or not meeting.decisions
        assert not held or any(attendee.role is Role.COORDINATOR for attendee in meeting.attendees)
        assert len({item.item_id for item in meeting.agenda}) == len(meeting.agenda)
        assert all(item.text is not None or item.policy_area is not None for item in meeting.agenda)
        assert len({d.decision_id for d in meeting.decisions}) == len(meeting.decisions)
        assert all(d.regions for d in meeting.decisions)
        # each region holds exactly the standards this meeting adopted for it, in order
        for code in ("north", "south"):
            held_here = [s.decision_id for s in self.ledger.region(code).standards if s.meeting_id == meeting.id]
            assert held_here == [d.decision_id for d in meeting.decisions
                                 if d.kind is DecisionKind.STANDARD and code in d.regions]


TestMeetingLifecycle = MACHINE_SETTINGS(MeetingMachine).TestCase
TestMeetingLifecycleOnPostgres = _on_postgres(MeetingMachine)
