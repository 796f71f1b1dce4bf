"""The coordinators' loop of issue 15, told once in every demo of at least `STORIES_FROM` cases, the same every time.

A return-policy problem emerges in north and south (flags on return_policy cases in the week before the
coordinators meet, against a quiet baseline); coord-north drafts a proposal from it with its evidence; the
coordinators' meeting puts it on the agenda and adopts a standard ("first response within 4 hours" for
return_policy cases in both regions); a manager approves the proposal; coord-north implements it, and once
the four weeks after its effective date have passed reviews its measured effect (cases opened before against
after). coord-north coaches rep-north-1 on a contact logged under the new standard. A new region, coast, is
established requiring the onboarding programme; rep-north-1, who completed it, trains coast's representatives
and the region is made ready.

Timeline, in days from the demo's start (today is day 90 with the default start): the problem's cases on days
44-50, the draft on day 51, the meeting on day 53, the standard from day 55, approval on day 54, the change in
force from day 56 (so the four weeks after it end on day 84), the review on day 86. `docs/coordinators-loop.md`
shows the output; read `/common-problems?now=` the draft's time to see the problem as it emerged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from domain.application import CaseLedger
from domain.casework.case_events import (
    AREA_OF_CATEGORY,
    CaseMerged,
    CaseOpened,
    CaseTriaged,
    Category,
    Channel,
    ContactLogged,
    Direction,
    PolicyArea,
    PolicyIssueFlagged,
)
from domain.casework.sla import Priority
from domain.development.coaching import StandardRating
from domain.policy.proposal import EffectConclusion, EvidenceCount
from domain.policy.standard import DecisionKind
from domain.values import Actor, Context, Role
from projections.common_problems import week_start
from projections.statistics import rate_change

if TYPE_CHECKING:
    from api.demo import DemoPlan

__all__ = ["LOOP_CASES", "LOOP_REGIONS", "plan_coordinators_loop"]

LOOP_REGIONS = ("north", "south")
"""Where the return-policy problem emerges."""
PROBLEM_CASES = 9
"""Return-policy cases per region in the week the problem emerges."""
LOOP_CASES = PROBLEM_CASES * len(LOOP_REGIONS) + 1
"""Cases the loop opens (counted in the demo's `--cases`): the problem's, and one under the new standard."""
NEW_REGION = ("coast", "Coast")
STANDARD_TEXT = "First response within 4 hours for return_policy cases"
WEEKS, BASELINE_WEEKS, EFFECT_WEEKS = 2, 8, 4
"""The common-problems view's default periods, and the weeks the effect is measured over."""
ADMIN = Actor(id="admin", role=Role.ADMIN)
MANAGER = Actor(id="manager-1", role=Role.MANAGER)
CONCLUSION = {"fewer": EffectConclusion.IMPROVED, "more": EffectConclusion.WORSENED,
              "no significant change": EffectConclusion.NO_CHANGE}


def _day(start: datetime, days: float, hour: int = 9) -> datetime:
    """`days` after the start, at `hour`:00 UTC of that day."""
    moment = start + timedelta(days=days)
    return datetime.combine(moment.date(), time(hour), UTC)


@dataclass
class _Loop:
    plan: DemoPlan
    start: datetime
    ids: dict[str, UUID] = field(default_factory=dict)
    problem: dict[str, list[UUID]] = field(default_factory=dict)

    @property
    def ledger(self) -> CaseLedger:
        return self.plan.ledger

    def ctx(self, actor_id: str, role: Role = Role.COORDINATOR) -> Context:
        actor = ADMIN if role is Role.ADMIN else MANAGER if role is Role.MANAGER else Actor(id=actor_id, role=role)
        return self.plan.ledger.context(actor)

    def rep(self, region: str, n: int = 1) -> Context:
        return self.ctx(f"rep-{region}-{n}", Role.REPRESENTATIVE)

    def day(self, days: float, hour: int = 9) -> datetime:
        return _day(self.start, days, hour)

    # --- the problem, the meeting, the proposal ------------------------------------------------------------

    def schedule(self) -> None:
        for name in ("meeting", "proposal", "sla_case", "review", "programme", "north_session", "coast_session"):
            self.ids[name] = self.plan.new_id()
        for region in LOOP_REGIONS:
            self.problem[region] = [self.plan.new_id() for _ in range(PROBLEM_CASES)]
            for n, case_id in enumerate(self.problem[region]):
                self._return_case(self.start + timedelta(days=44.2 + n * 0.7, hours=len(region)), region, case_id,
                                  f"cust-{7100 + n}{len(region)}")
        steps = [
            (self.day(50, 15), self.schedule_meeting), (self.day(51), self.draft_proposal),
            (self.day(53, 10), self.hold_meeting), (self.day(53, 16), self.submit_proposal),
            (self.day(54, 11), self.approve_proposal), (self.day(56), self.implement_proposal),
            (self.day(57), self.prepare_training), (self.day(59), self.train_north),
            (self.day(60), self.establish_coast), (self.day(61), self.schedule_coast_session),
            (self.day(64, 15), self.train_coast), (self.day(71, 14), self.coach),
            (self.day(78, 10), self.follow_up), (self.day(86, 10), self.review_effect),
        ]
        self._return_case(self.day(70, 13), "north", self.ids["sla_case"], "cust-7200",
                          "Return of a faulty router refused at the shop")
        for when, step in steps:
            self.plan.at(when, step)

    def _return_case(self, t: datetime, region: str, case_id: UUID, customer: str,
                     subject: str = "Return refused for equipment bought last week") -> None:
        ledger, rep = self.ledger, lambda: self.rep(region)
        steps = [
            lambda: ledger.open_case(rep(), region=region, channel=Channel.PHONE, customer_ref=customer,
                                     subject=subject, description=f"{subject}. The receipt was lost.",
                                     case_id=case_id),
            lambda: ledger.triage_case(rep(), case_id, Category.RETURN_POLICY, Priority.NORMAL),
            lambda: ledger.assign_case(rep(), case_id, f"rep-{region}-1"),
            lambda: ledger.log_contact(rep(), case_id, Direction.OUTBOUND, Channel.PHONE,
                                       "Explained the return policy; the customer was unhappy with it"),
            lambda: ledger.flag_policy_issue(rep(), case_id, PolicyArea.RETURNS,
                                             "Returns without a receipt refused: customers call again and again"),
        ]
        for n, step in enumerate(steps):
            self.plan.at(t + timedelta(minutes=25 * n), step)

    def schedule_meeting(self) -> None:
        ledger, meeting_id = self.ledger, self.ids["meeting"]
        ledger.schedule_meeting(self.ctx("coord-north"), title="Coordinators' monthly meeting",
                                scheduled_for=self.day(53, 10), meeting_id=meeting_id)
        ledger.add_agenda_item(self.ctx("coord-north"), meeting_id, "returns", policy_area=PolicyArea.RETURNS,
                               regions=list(LOOP_REGIONS),
                               text="Return-policy flags emerging in north and south: customers call back")

    def draft_proposal(self) -> None:
        """coord-north drafts it from the problem as the common-problems view showed it to them: the counts of
        both regions, and the cases behind it in north (the only region whose case details they see)."""
        now = self.plan.clock.now
        recent = week_start(now) - (WEEKS - 1) * timedelta(weeks=1)
        flags = _return_flags(self.ledger)
        counts = []
        for region in LOOP_REGIONS:
            mine = [at for where, at, _ in flags if where == region]
            baseline = sum(recent - BASELINE_WEEKS * timedelta(weeks=1) <= at < recent for at in mine)
            counts.append(EvidenceCount(region=region, count=sum(recent <= at <= now for at in mine),
                                        baseline=round(baseline * WEEKS / BASELINE_WEEKS, 4), weeks=WEEKS))
        evidence = [case_id for where, at, case_id in flags if where == "north" and recent <= at <= now]
        self.ledger.draft_proposal(
            self.ctx("coord-north"), policy_area=PolicyArea.RETURNS, regions=list(LOOP_REGIONS),
            title="Accept returns within 30 days without a receipt",
            summary="Customers in north and south call again and again when a return is refused for a lost "
                    "receipt; representatives flag it as a policy issue.",
            change="Accept returns of equipment within 30 days of purchase without a receipt, found by the "
                   "customer's account.", case_ids=evidence, counts=counts, proposal_id=self.ids["proposal"])

    def hold_meeting(self) -> None:
        ledger, meeting_id = self.ledger, self.ids["meeting"]
        coordinators = [f"coord-{code}" for code in ("north", "south", "east", "west", "central")]
        ledger.hold_meeting(self.ctx("coord-north"), meeting_id, coordinators, [MANAGER.id])
        ledger.record_meeting_minutes(
            self.ctx("coord-north"), meeting_id,
            "Return-policy flags rose in north and south in the last week. coord-north's proposal (accept returns "
            "without a receipt) goes to senior management; until it is decided, return-policy cases get a first "
            "response within 4 hours in both regions.")
        ledger.record_meeting_decision(
            self.ctx("coord-north"), meeting_id, "returns-first-response", DecisionKind.STANDARD, STANDARD_TEXT,
            list(LOOP_REGIONS), self.day(55).date(), categories=[Category.RETURN_POLICY], first_response_hours=4,
            proposal_id=self.ids["proposal"])
        ledger.close_meeting(self.ctx("coord-north"), meeting_id)

    def submit_proposal(self) -> None:
        self.ledger.submit_proposal(self.ctx("coord-north"), self.ids["proposal"],
                                    "Discussed at the coordinators' meeting; south agrees")

    def approve_proposal(self) -> None:
        self.ledger.approve_proposal(self.ctx(MANAGER.id, Role.MANAGER), self.ids["proposal"],
                                     "Approved for north and south")

    def implement_proposal(self) -> None:
        self.ledger.implement_proposal(self.ctx("coord-north"), self.ids["proposal"], self.day(56).date(),
                                       "Shops accept returns within 30 days without a receipt")

    def review_effect(self) -> None:
        """coord-north reviews what the engine measures: the conclusion follows the test's verdict in north."""
        before, after = _return_cases(self.ledger, "north", self.day(56, 0), EFFECT_WEEKS)
        change = rate_change(before, EFFECT_WEEKS, after, EFFECT_WEEKS)
        conclusion = CONCLUSION.get(change.verdict, EffectConclusion.INCONCLUSIVE)
        self.ledger.review_proposal_effect(
            self.ctx("coord-north"), self.ids["proposal"], conclusion,
            f"North: {before} return-policy cases in the {EFFECT_WEEKS} weeks before, {after} after "
            f"({change.verdict}).", weeks=EFFECT_WEEKS)

    # --- coaching -------------------------------------------------------------------------------------------

    def coach(self) -> None:
        """coord-north reviews rep-north-1's call on the first return-policy case under the new standard."""
        case_id = self.ids["sla_case"]
        version = next(event.originator_version for event in self.ledger.history(case_id)
                       if isinstance(event, ContactLogged))
        self.ledger.review_interaction(
            self.ctx("coord-north"), case_id=case_id, contact_version=version, rating=4,
            went_well="Called back within the hour and explained the new return policy clearly",
            to_improve="Offer the replacement before the refund", follow_up_on=self.day(78).date(),
            standards=[StandardRating(standard=STANDARD_TEXT, rating=5, note="First response in 25 minutes")],
            review_id=self.ids["review"])

    def follow_up(self) -> None:
        self.ledger.follow_up_coaching(self.ctx("coord-north"), self.ids["review"],
                                       "Talked it through; offers the replacement first now")

    # --- training and the new region ------------------------------------------------------------------------

    def prepare_training(self) -> None:
        programme = self.ids["programme"]
        self.ledger.create_training_programme(
            self.ctx("coord-north"), title="Regional onboarding",
            description="What a representative of a new region needs before taking cases",
            modules=["Case intake and triage", "The return policy", "Escalation and coaching"],
            programme_id=programme)
        self.ledger.declare_trainer(self.ctx(ADMIN.id, Role.ADMIN), programme, "coord-north", "North's coordinator")
        self.ledger.schedule_training_session(
            self.ctx("coord-north"), region="north", programme_id=programme, trainer_id="coord-north",
            scheduled_on=self.day(59).date(), attendees=["rep-north-1", "rep-north-2"],
            session_id=self.ids["north_session"])

    def train_north(self) -> None:
        session = self.ids["north_session"]
        self.ledger.hold_training_session(self.ctx("coord-north"), session, self.plan.clock.now.date())
        for rep in ("rep-north-1", "rep-north-2"):
            self.ledger.record_training_completion(self.ctx("coord-north"), session, rep)

    def establish_coast(self) -> None:
        code, name = NEW_REGION
        admin = self.ctx(ADMIN.id, Role.ADMIN)
        self.ledger.establish_region(admin, code, name)
        self.ledger.require_training(self.ctx(ADMIN.id, Role.ADMIN), code, self.ids["programme"])
        self.ledger.appoint_coordinator(self.ctx(ADMIN.id, Role.ADMIN), code, f"coord-{code}", "Nika Ilves")
        for n, person in enumerate(("Marko Mets", "Sara Zupan", "Ines Krajnc"), start=1):
            self.ledger.add_representative(self.ctx(ADMIN.id, Role.ADMIN), code, f"rep-{code}-{n}", person)

    def schedule_coast_session(self) -> None:
        code = NEW_REGION[0]
        self.ledger.schedule_training_session(
            self.ctx(f"coord-{code}"), region=code, programme_id=self.ids["programme"], trainer_id="rep-north-1",
            scheduled_on=self.day(64).date(), attendees=[f"rep-{code}-{n}" for n in (1, 2, 3)],
            session_id=self.ids["coast_session"])

    def train_coast(self) -> None:
        code, session = NEW_REGION[0], self.ids["coast_session"]
        self.ledger.hold_training_session(self.ctx(f"coord-{code}"), session, self.plan.clock.now.date())
        for n in (1, 2, 3):
            self.ledger.record_training_completion(self.ctx(f"coord-{code}"), session, f"rep-{code}-{n}")


def plan_coordinators_loop(plan: DemoPlan, start: datetime) -> None:
    """Plan the loop's steps (`start` is the demo's start); `LOOP_CASES` of the demo's cases are its."""
    _Loop(plan, start).schedule()


def _return_flags(ledger: CaseLedger) -> list[tuple[str, datetime, UUID]]:
    """(region, flagged at, case id) of every return-policy flag so far, from the log (the demo has no read model)."""
    regions: dict[UUID, str] = {}
    flags = []
    for logged in ledger.read_log():
        event = logged.event
        if isinstance(event, CaseOpened):
            regions[event.originator_id] = event.region
        elif isinstance(event, PolicyIssueFlagged) and event.policy_area == PolicyArea.RETURNS:
            flags.append((regions[event.originator_id], event.occurred_at, event.originator_id))
    return flags


def _return_cases(ledger: CaseLedger, region: str, effective: datetime, weeks: int) -> tuple[int, int]:
    """Cases of the region opened in a returns category `weeks` weeks before and after `effective`, as the
    common-problems read model counts them (current category, duplicates merged away not counted)."""
    opened: dict[UUID, datetime] = {}
    area: dict[UUID, str] = defaultdict(str)
    merged: set[UUID] = set()
    for logged in ledger.read_log():
        event = logged.event
        if isinstance(event, CaseOpened) and event.region == region:
            opened[event.originator_id] = event.occurred_at
        elif isinstance(event, CaseTriaged) and event.originator_id in opened:
            area[event.originator_id] = AREA_OF_CATEGORY[Category(event.category)]
        elif isinstance(event, CaseMerged):
            merged.add(event.originator_id)
    span = timedelta(weeks=weeks)
    counted = [at for case_id, at in opened.items() if area[case_id] == PolicyArea.RETURNS and case_id not in merged]
    return (sum(effective - span <= at < effective for at in counted),
            sum(effective <= at < effective + span for at in counted))
