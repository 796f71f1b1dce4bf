"""A realistic network seeded through the commands only, the same for the same seed.

Every record's story is planned first as timed steps; the steps of all records are then run in
time order against a simulated clock, so histories interleave as they would in a real region.
"""

from __future__ import annotations

import hashlib
import heapq
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid5

from adapters.clock import SimulatedClock
from adapters.process_manager import ProcessManager
from api.demo_loop import LOOP_CASES, plan_coordinators_loop
from domain.application import CaseLedger
from domain.casework.case import Case, CaseStatus
from domain.casework.case_events import (
    ActionKind,
    CaseEscalated,
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
from domain.ledger import TIMERS
from domain.network.contract import Contract, ContractStatus, Party, ProviderEvidence, Rate, Terms
from domain.network.provider import Provider, ProviderKind, ProviderStatus, RetentionRisk
from domain.staff.calendar import BusinessCalendar, Weekday, WorkingHours
from domain.staff.time_policy import GiveUpAction, TimePolicy
from domain.values import Actor, Context, CustomerContact, Role

__all__ = ["DemoPlan", "plan_demo"]

REGIONS = {"north": "North", "south": "South", "east": "East", "west": "West", "central": "Central"}
FIRST = ["Mari", "Jaan", "Ana", "Luka", "Eva", "Tomas", "Sara", "Nika", "Peter", "Liis", "Marko", "Ines"]
LAST = ["Tamm", "Novak", "Kask", "Horvat", "Saar", "Kovac", "Mets", "Zupan", "Ilves", "Krajnc"]
PROVIDER_NAMES = ["Riverside", "Hillcrest", "Lakeview", "Oakwood", "Northgate", "Sunrise", "Meadow", "Harbor"]
SUBJECTS = {
    Category.BILLING: "Charged twice on the monthly bill",
    Category.PAYMENT: "Payment not credited to the account",
    Category.SERVICE_OUTAGE: "No line service since the storm",
    Category.HARASSING_CALLS: "Repeated harassing calls at night",
    Category.ACCOUNT_SETUP: "New account needs services chosen",
    Category.SERVICE_CHANGE: "Wants to change the service plan",
    Category.COMPLAINT: "Unhappy with how the last visit went",
    Category.RETURN_POLICY: "Return refused for equipment bought last week",
    Category.PROVIDER_ENROLMENT: "Clinic asks how to join the network",
    Category.CONTRACT_DISPUTE: "Provider disputes the rate paid for a visit",
    Category.OTHER: "General question about coverage",
}
POLICY_AREA = {
    Category.RETURN_POLICY: PolicyArea.RETURNS, Category.BILLING: PolicyArea.BILLING,
    Category.PAYMENT: PolicyArea.PAYMENTS, Category.SERVICE_OUTAGE: PolicyArea.OUTAGES,
    Category.HARASSING_CALLS: PolicyArea.HARASSMENT, Category.CONTRACT_DISPUTE: PolicyArea.CONTRACTS,
}
ACTION_FOR = {
    Category.SERVICE_OUTAGE: ActionKind.REPAIR_VISIT, Category.BILLING: ActionKind.ACCOUNT_CHANGE,
    Category.SERVICE_CHANGE: ActionKind.ACCOUNT_CHANGE, Category.HARASSING_CALLS: ActionKind.THIRD_PARTY_REFERRAL,
}
CASE_ENDINGS = ["new", "triaged", "in_progress", "escalated", "waiting_on_customer", "resolved", "closed", "reopened"]
CASE_WEIGHTS = [4, 6, 14, 8, 6, 14, 44, 4]
IN_PROGRESS_ENDINGS = ("new", "triaged", "in_progress", "waiting_on_customer")
"""Cases the demo leaves being worked: opened in its last `RECENT` days."""
RECENT = timedelta(days=2)
PROVIDER_ENDINGS = ["prospect", "contacted", "applied", "credentialing", "credentialed", "rejected", "active",
                    "suspended", "terminated"]
PROVIDER_WEIGHTS = [6, 8, 6, 5, 4, 3, 58, 5, 5]
ADMIN = Actor(id="admin", role=Role.ADMIN)
DEMO_NAMESPACE = UUID("5d2b8a1e-7c4f-4e3a-9b1d-2f6e8c0a4b17")
"""Ids of the records the timer stories add, derived from their names so the seeded network stays the same."""

Step = Callable[[], object]


@dataclass
class DemoPlan:
    """Timed steps for every record; `run` executes them in time order."""

    ledger: CaseLedger
    clock: SimulatedClock
    rng: random.Random
    _queue: list[tuple[datetime, int, Step]] = field(default_factory=list)
    _count: int = 0

    def at(self, when: datetime, step: Step) -> None:
        heapq.heappush(self._queue, (when.replace(microsecond=0), self._count, step))
        self._count += 1

    def __len__(self) -> int:
        return len(self._queue)

    def ends_at(self) -> datetime | None:
        """The time of the last step planned."""
        return max((when for when, _, _ in self._queue), default=None)

    def run(self) -> Iterator[None]:
        """Run every step in time order, firing each timer at its due time in between (the demo's own process
        manager, on its simulated clock); yields after each step so the caller can show progress."""
        timers = ProcessManager(self.ledger)
        while self._queue:
            when, _, step = heapq.heappop(self._queue)
            self._fire_until(timers, when)
            self.clock.now = when
            step()
            yield
        self._fire_until(timers, self.clock.now)

    def _fire_until(self, timers: ProcessManager, when: datetime) -> None:
        while (due := timers.recorder.next_due()) is not None and due <= when:
            self.clock.now = max(self.clock.now, due)
            fired = timers.fire_due()
            if fired.fired + fired.dropped == 0:  # only timers to retry later: leave them to `serve`
                return

    def new_id(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128), version=4)

    def on_case(self, case_id: UUID, step: Step) -> Step:
        """A step of a case's staff, taken after its coordinator has reviewed an escalation the timers made (a
        breached SLA) and handed the case back, as a coordinator does the next time the case is worked."""
        def run() -> None:
            case = self.ledger.get(Case, case_id)
            if case.status is CaseStatus.ESCALATED and case.escalated_to and self._escalated_by_timers(case_id):
                coordinator = self.ledger.context(Actor(id=case.escalated_to, role=Role.COORDINATOR))
                self.ledger.de_escalate_case(coordinator, case_id, "Reviewed the automatic escalation: back to the "
                                             "representative")
            step()

        return run

    def _escalated_by_timers(self, case_id: UUID) -> bool:
        escalations = [event for event in self.ledger.history(case_id) if isinstance(event, CaseEscalated)]
        return bool(escalations) and escalations[-1].actor == TIMERS


def plan_demo(ledger: CaseLedger, clock: SimulatedClock, cases: int, seed: int) -> DemoPlan:
    """Plan a network: five regions with staff, providers across the pipeline, contracts, cases."""
    plan = DemoPlan(ledger, clock, random.Random(seed))
    start = clock.now
    staff = _plan_regions(plan, start)
    providers = _plan_providers(plan, start, staff, max(12, cases // 8))
    span = timedelta(days=77)
    told = STORY_CASES + LOOP_CASES if cases >= STORIES_FROM else 0  # the stories' cases are among those asked for
    for _ in range(cases - told):
        share = plan.rng.random()
        _plan_case(plan, start + timedelta(days=10) + span * share, staff, providers,
                   recent=start + timedelta(days=10) + span - RECENT * (1 - share))
    if told:
        _plan_case_stories(plan, start + timedelta(days=75), staff, providers)
        plan_coordinators_loop(plan, start)
        _plan_recredentialing(plan, start)
    _plan_negotiations_and_payments(plan, start, providers)
    _plan_staff_changes(plan)  # keep last: it runs after every other step, when the staff's work is done
    return plan


STAFF_CHANGE_REGIONS = ("east", "west", "central")
"""Where the demo changes staff (north and south keep theirs: tokens in the docs and `make fuzz` name them)."""


def _plan_staff_changes(plan: DemoPlan) -> None:
    """A day after the last planned step: a coordinator holding open escalations is replaced (they move to
    the successor), then a representative with open cases leaves (the cases return to the queue). Who is
    chosen depends only on the store, so the same seed gives the same network."""
    if not plan:
        return
    ledger, last = plan.ledger, max(when for when, _, _ in plan._queue)

    def hand_over() -> None:
        for region in STAFF_CHANGE_REGIONS:
            if ledger.index.cases_escalated_to(region, f"coord-{region}"):
                ledger.appoint_coordinator(ledger.context(ADMIN), region, f"coord-{region}-2", "Liis Saar")
                return

    def leave() -> None:
        for region in STAFF_CHANGE_REGIONS:
            for n in range(1, 5):
                if ledger.index.open_cases_assigned(region, f"rep-{region}-{n}"):
                    ledger.remove_representative(ledger.context(ADMIN), region, f"rep-{region}-{n}")
                    return

    plan.at(last + timedelta(days=1), hand_over)
    plan.at(last + timedelta(days=1, hours=1), leave)


def _coordinator(ledger: CaseLedger, region: str) -> Context:
    """A context of the region's coordinator: network-level decisions are not a representative's alone."""
    return ledger.context(Actor(id=f"coord-{region}", role=Role.COORDINATOR))


def _evidence(contract_id: UUID, what: str = "agreement") -> ProviderEvidence:
    """What the provider signed, as the demo records it: its director, and the digest of a document."""
    document = f"{what} {contract_id}".encode()
    return ProviderEvidence(signatory="Dr. Eva Kask", title="Medical director", reference=f"{what} {contract_id}",
                            document_sha256=hashlib.sha256(document).hexdigest())


def _plan_negotiations_and_payments(plan: DemoPlan, start: datetime, providers: dict[str, list[DemoProvider]]
                                    ) -> None:
    """For the first member of each region: a second contract negotiated in two rounds (the network counters the
    provider's offer and the provider accepts it with evidence), signed and activated; then payments owed under
    it: one paid on time, one paid late, one left overdue."""
    for region, members in providers.items():
        if members:
            _DemoNegotiation(plan, region, members[0].id, plan.new_id()).schedule(start)


@dataclass
class _DemoNegotiation:
    """One contract's negotiation and payments. Each step checks the record is still where the plan expects (a
    member may have been suspended or terminated meanwhile), so the same seed gives the same network."""

    plan: DemoPlan
    region: str
    provider_id: UUID
    contract_id: UUID

    def schedule(self, start: datetime) -> None:
        code = self.region[:3].upper()
        steps: list[tuple[int, Step]] = [
            (12, self.draft), (13, self.negotiate), (15, self.conclude),
            (20, lambda: self.owed(f"INV-{code}-1")), (20, lambda: self.owed(f"INV-{code}-2")),
            (30, lambda: self.owed(f"INV-{code}-3")),                    # never paid: overdue
            (32, lambda: self.paid(f"INV-{code}-1")),                    # after 12 days: on time (21 days' terms)
            (60, lambda: self.paid(f"INV-{code}-2")),                    # after 40 days: late
        ]
        for day, step in steps:
            self.plan.at(start + timedelta(days=day), step)

    @property
    def ledger(self) -> CaseLedger:
        return self.plan.ledger

    def rep(self) -> Context:
        return self.ledger.context(Actor(id=f"rep-{self.region}-1", role=Role.REPRESENTATIVE))

    def provider_side(self) -> Context:
        """The provider's acts, recorded by the engine for it (the provider is not a user of the API)."""
        return self.ledger.context(Actor(id=f"provider-{str(self.provider_id)[:8]}", role=Role.SYSTEM))

    def contract(self, *statuses: ContractStatus) -> Contract | None:
        if self.contract_id not in self.ledger.repository:
            return None
        contract = self.ledger.get(Contract, self.contract_id)
        return contract if contract.status in statuses else None

    def provider_active(self) -> bool:
        return self.ledger.get(Provider, self.provider_id).status is ProviderStatus.ACTIVE

    def draft(self) -> None:
        if self.provider_active():
            self.ledger.draft_contract(self.rep(), provider_id=self.provider_id, title="Laboratory services",
                                       terms=_terms(self.plan.rng, self.plan.clock.now.date()),
                                       contract_id=self.contract_id)

    def negotiate(self) -> None:
        if (contract := self.contract(ContractStatus.DRAFTED)) is None:
            return
        self.ledger.propose_contract(self.rep(), self.contract_id, "Laboratory rates for the region")
        self.ledger.counter_offer(self.provider_side(), self.contract_id, Party.PROVIDER,
                                  contract.terms.model_copy(update={"payment_terms_days": 14}))
        self.ledger.counter_offer(self.rep(), self.contract_id, Party.NETWORK,
                                  contract.terms.model_copy(update={"payment_terms_days": 21}))

    def conclude(self) -> None:
        if self.contract(ContractStatus.NEGOTIATING) is None or not self.provider_active():
            return
        evidence = _evidence(self.contract_id)
        self.ledger.agree_contract(self.provider_side(), self.contract_id, Party.PROVIDER, evidence)
        self.ledger.sign_contract(self.provider_side(), self.contract_id, Party.PROVIDER, evidence)
        self.ledger.sign_contract(_coordinator(self.ledger, self.region), self.contract_id, Party.NETWORK)
        self.ledger.activate_contract(self.rep(), self.contract_id)

    def owed(self, reference: str) -> None:
        if (contract := self.contract(ContractStatus.ACTIVE, ContractStatus.SUSPENDED)) is not None:
            self.ledger.record_payment_owed(self.rep(), self.contract_id, reference, 18_000, contract.terms.currency,
                                            self.plan.clock.now.date())

    def paid(self, reference: str) -> None:
        contract = self.contract(ContractStatus.ACTIVE, ContractStatus.SUSPENDED, ContractStatus.TERMINATED)
        if contract is not None and reference in contract.payments:
            self.ledger.record_payment_made(self.rep(), self.contract_id, reference, self.plan.clock.now.date())


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _plan_regions(plan: DemoPlan, start: datetime) -> dict[str, list[Actor]]:
    """Every region gets a coordinator and four representatives; returns the representatives."""
    staff: dict[str, list[Actor]] = {}
    ledger, rng = plan.ledger, plan.rng
    for n, (code, name) in enumerate(REGIONS.items()):
        at = start + timedelta(minutes=n)

        def establish(code: str = code, name: str = name, coordinator: str = _person(rng)) -> None:
            ledger.establish_region(ledger.context(ADMIN), code, name)
            ledger.appoint_coordinator(ledger.context(ADMIN), code, f"coord-{code}", coordinator)
            for i in range(1, 5):
                ledger.add_representative(ledger.context(ADMIN), code, f"rep-{code}-{i}", _person(rng))
            if code in REGION_HOURS:
                ledger.set_calendar(ledger.context(ADMIN), code, _calendar(code, start))
            if code in REGION_POLICIES:
                ledger.set_time_policy(ledger.context(ADMIN), code, REGION_POLICIES[code])

        plan.at(at, establish)
        staff[code] = [Actor(id=f"rep-{code}-{i}", role=Role.REPRESENTATIVE) for i in range(1, 5)]
    return staff


REGION_HOURS = {"north": ("Europe/Tallinn", "08:00", "17:00"), "east": ("Europe/Helsinki", "08:00", "18:00"),
                "central": ("Europe/Berlin", "09:00", "17:00")}
"""Regions that work office hours on weekdays (the others answer around the clock, the default calendar)."""
REGION_POLICIES = {"west": TimePolicy(escalate_on_breach=False),
                   "central": TimePolicy(give_up_action=GiveUpAction.ESCALATE, reminder_after_days=2)}
"""Regions whose time policy differs from the default (escalate a breached SLA; remind a silent customer after 3
days, resolve after 7)."""


def _calendar(code: str, start: datetime) -> BusinessCalendar:
    """Weekdays in the region's office hours, with a public holiday a month into the demo."""
    zone, opens, closes = REGION_HOURS[code]
    hours = tuple(WorkingHours(weekday=day, start=opens, end=closes) for day in list(Weekday)[:5])
    return BusinessCalendar(time_zone=zone, hours=hours, holidays=((start + timedelta(days=30)).date(),))


RECREDENTIALING = (("north", 100, True), ("south", 115, False), ("east", 60, False))
"""Providers credentialed at the start until that many days later: north's is alerted at 120 and 90 days and then
recredentialed for a full cycle; south's is alerted and lapses; east's, inside both alert points, is alerted once."""


def _plan_recredentialing(plan: DemoPlan, start: datetime) -> None:
    """The recredentialing cycle told by the timers: expiry alerts, a renewal in time, a lapse."""
    for code, days, renewed in RECREDENTIALING:
        _plan_credential_story(plan, start, code, days, renewed)


def _plan_credential_story(plan: DemoPlan, start: datetime, code: str, days: int, renewed: bool) -> None:
    ledger, provider_id = plan.ledger, uuid5(DEMO_NAMESPACE, f"recredentialing-{code}")
    rep = Actor(id=f"rep-{code}-1", role=Role.REPRESENTATIVE)

    def credential() -> None:
        ledger.prospect_provider(ledger.context(rep), name=f"{REGIONS[code]} Imaging Centre", kind=ProviderKind.CLINIC,
                                 region=code, provider_id=provider_id)
        ledger.receive_application(ledger.context(rep), provider_id)
        ledger.start_credentialing(ledger.context(rep), provider_id)
        ledger.credential_provider(ledger.context(rep), provider_id, plan.clock.now.date() + timedelta(days=days))

    plan.at(start + timedelta(hours=2), credential)
    if renewed:  # a few days after the 90-day alert: a full 36-month cycle from then
        plan.at(start + timedelta(days=days - 85), lambda: ledger.recredential_provider(ledger.context(rep),
                                                                                        provider_id))


@dataclass
class DemoProvider:
    id: UUID
    region: str
    contract: UUID | None = None


def _plan_providers(
    plan: DemoPlan, start: datetime, staff: dict[str, list[Actor]], count: int
) -> dict[str, list[DemoProvider]]:
    """Providers across the recruitment pipeline; active members get contracts in every stage."""
    active: dict[str, list[DemoProvider]] = {code: [] for code in REGIONS}
    for _ in range(count):
        provider = _plan_provider(plan, start + timedelta(hours=1 + plan.rng.random() * 48), staff)
        if provider is not None:
            active[provider.region].append(provider)
    return active


def _plan_provider(plan: DemoPlan, t: datetime, staff: dict[str, list[Actor]]) -> DemoProvider | None:
    """One provider taken as far as a randomly chosen stage; returns it if it becomes a member."""
    rng, ledger = plan.rng, plan.ledger
    region = rng.choice(list(REGIONS))
    rep = rng.choice(staff[region])
    ending = rng.choices(PROVIDER_ENDINGS, PROVIDER_WEIGHTS)[0]
    kind = rng.choice(list(ProviderKind))
    provider = DemoProvider(plan.new_id(), region)
    name = f"{rng.choice(PROVIDER_NAMES)} {kind.replace('_', ' ').title()} {rng.randint(1, 99)}"
    ctx = lambda: ledger.context(rep)  # noqa: E731 - a fresh time-stamped context per step
    steps: list[Step] = [
        lambda: ledger.prospect_provider(ctx(), name=name, kind=kind, region=region, provider_id=provider.id),
        lambda: ledger.log_provider_meeting(ctx(), provider.id, rep.id, "Met the director; explained membership"),
        lambda: ledger.receive_application(ctx(), provider.id, "Application and licences received"),
        lambda: ledger.start_credentialing(ctx(), provider.id),
    ]
    stop = PROVIDER_ENDINGS.index(ending)
    member = stop >= PROVIDER_ENDINGS.index("active")
    if ending == "rejected":
        steps.append(lambda: ledger.reject_provider(ctx(), provider.id, "Licence could not be verified"))
    elif stop < PROVIDER_ENDINGS.index("credentialed"):
        steps = steps[: stop + 1]
    else:
        # members hold a full cycle (their contracts run within it); a provider left at "credentialed" was
        # credentialed late in its cycle, so the demo shows its expiry alerts and, for some, the lapse
        life = 3 * 365 if member else 40 + provider.id.int % 110
        steps.append(lambda: ledger.credential_provider(ctx(), provider.id, plan.clock.now.date() + timedelta(life)))
    if member:
        steps.append(lambda: ledger.activate_provider(ctx(), provider.id))
        _plan_contract(plan, provider, rep, steps)
    if ending == "suspended":
        steps.append(lambda: ledger.suspend_provider(ctx(), provider.id, "Unpaid registration fee"))
    elif ending == "terminated":
        steps.append(lambda: ledger.terminate_provider(_coordinator(ledger, region), provider.id, "Left the network"))
    elif ending == "active" and rng.random() < 0.15:
        steps.append(lambda: ledger.flag_retention_risk(
            ctx(), provider.id, rng.choice(list(RetentionRisk)), "Complains about late payments"))
    for step in steps:
        plan.at(t, step)
        t += timedelta(hours=1 + rng.random() * 11)
    return provider if member else None


def _terms(rng: random.Random, effective: date, years: int = 2, bump: int = 0) -> Terms:
    rates = [
        Rate(service_code="visit", description="Standard visit", amount_cents=4500 + bump),
        Rate(service_code="follow-up", description="Follow-up visit", amount_cents=2500 + bump // 2),
    ]
    return Terms(rates=rates, payment_terms_days=rng.choice([30, 45, 60]), effective_on=effective,
                 expires_on=effective.replace(year=effective.year + years))


def _plan_contract(plan: DemoPlan, provider: DemoProvider, rep: Actor, steps: list[Step]) -> None:
    """A contract for an active member: most signed and active, some still in negotiation."""
    rng, ledger = plan.rng, plan.ledger
    stage = rng.choices(["drafted", "negotiating", "agreed", "active", "amended", "terminated"],
                        [1, 2, 1, 8, 2, 1])[0]
    contract_id = plan.new_id()
    ctx = lambda: ledger.context(rep)  # noqa: E731
    provider_ctx = lambda: ledger.context(Actor(id=f"provider-{str(provider.id)[:8]}", role=Role.SYSTEM))  # noqa: E731

    def draft() -> None:
        today = plan.clock.now.date()
        ledger.draft_contract(ctx(), provider_id=provider.id, title="Service agreement",
                              terms=_terms(rng, today), contract_id=contract_id)

    def counter() -> None:
        current = ledger.get(Contract, contract_id)
        ledger.counter_offer(provider_ctx(), contract_id, Party.PROVIDER,
                             current.terms.model_copy(update={"payment_terms_days": 21}))

    steps.append(draft)
    if stage == "drafted":
        return
    steps += [lambda: ledger.propose_contract(ctx(), contract_id, "Standard rates for the region"), counter]
    if stage == "negotiating":
        return
    steps.append(lambda: ledger.agree_contract(ctx(), contract_id, Party.NETWORK))
    if stage == "agreed":
        return
    steps += [lambda: ledger.sign_contract(provider_ctx(), contract_id, Party.PROVIDER, _evidence(contract_id)),
              lambda: ledger.sign_contract(ctx(), contract_id, Party.NETWORK),
              lambda: ledger.activate_contract(ctx(), contract_id)]
    provider.contract = contract_id
    if stage == "amended":
        def amend() -> None:
            current = ledger.get(Contract, contract_id)
            ledger.amend_contract(_coordinator(ledger, provider.region), contract_id,
                                  _terms(rng, current.terms.effective_on, bump=300))
        steps += [amend, lambda: ledger.accept_amendment(provider_ctx(), contract_id, Party.PROVIDER,
                                                         _evidence(contract_id, "amendment"))]
    elif stage == "terminated":
        steps.append(lambda: ledger.terminate_contract(_coordinator(ledger, provider.region), contract_id,
                                                       "Provider asked to end the agreement"))


def _disputed_contract(
    rng: random.Random, providers: dict[str, list[DemoProvider]], region: str, category: Category
) -> tuple[UUID | None, UUID | None]:
    """Most billing disputes and contract disputes name a provider's contract of the same region."""
    with_contract = [p for p in providers[region] if p.contract]
    if category in (Category.CONTRACT_DISPUTE, Category.BILLING) and rng.random() < 0.6 and with_contract:
        chosen = rng.choice(with_contract)
        return chosen.id, chosen.contract
    return None, None


def _plan_case(plan: DemoPlan, t: datetime, staff: dict[str, list[Actor]], providers: dict[str, list[DemoProvider]],
               recent: datetime | None = None) -> None:
    """One case, opened at `t` (at `recent` if it is still being worked at the end: work in progress is recent,
    as in a real queue, where a case left open for weeks would long have breached its SLA), taken as far as a
    randomly chosen ending."""
    rng, ledger = plan.rng, plan.ledger
    region = rng.choice(list(REGIONS))
    rep = rng.choice(staff[region])
    category = rng.choice(list(Category))
    priority = rng.choices(list(Priority), [2, 5, 3, 1])[0]
    ending = rng.choices(CASE_ENDINGS, CASE_WEIGHTS)[0]
    if recent is not None and ending in IN_PROGRESS_ENDINGS:
        t = recent
    escalates = ending == "escalated" or (ending in ("resolved", "closed") and rng.random() < 0.15)
    case_id = plan.new_id()
    provider_id, contract_id = _disputed_contract(rng, providers, region, category)
    contact = CustomerContact(name=_person(rng), phone=f"+386 1 {rng.randint(100, 999)} {rng.randint(10, 99)}",
                              email=f"customer{rng.randint(1000, 9999)}@example.org")
    ctx = lambda: ledger.context(rep)  # noqa: E731 - a fresh time-stamped context per step
    action_kind = ACTION_FOR.get(category, ActionKind.CALL_BACK)
    steps: list[Step] = [lambda: ledger.open_case(
        ctx(), region=region, channel=rng.choice(list(Channel)), customer_ref=f"cust-{rng.randint(10000, 99999)}",
        subject=SUBJECTS[category], description=f"{SUBJECTS[category]}. Customer called in to report it.",
        contact=contact, provider_id=provider_id, contract_id=contract_id, case_id=case_id)]
    stop = CASE_ENDINGS.index(ending)
    if stop >= 1:
        steps.append(lambda: ledger.triage_case(ctx(), case_id, category, priority))
    if stop >= 2:
        steps += [lambda: ledger.assign_case(ctx(), case_id, rep.id),
                  lambda: ledger.log_contact(ctx(), case_id, Direction.OUTBOUND, Channel.PHONE,
                                             "Called the customer back and confirmed the problem")]
        if ending != "in_progress" or rng.random() < 0.5:
            steps.append(lambda: ledger.schedule_action(ctx(), case_id, "a1", action_kind,
                                                        plan.clock.now + timedelta(days=2), "Arranged with them"))
    if escalates:
        steps.append(lambda: ledger.escalate_case(ctx(), case_id, "Customer upset; asks for a supervisor"))
    if ending == "waiting_on_customer":
        steps.append(lambda: ledger.wait_on_customer(ctx(), case_id, "Waiting for the customer's meter reading"))
    if stop >= CASE_ENDINGS.index("resolved"):
        steps += _resolution_steps(plan, case_id, rep, region, escalates, action_kind, ending)
    if (category in POLICY_AREA and rng.random() < 0.25) or category is Category.RETURN_POLICY:
        area = POLICY_AREA.get(category, PolicyArea.OTHER)
        steps.append(lambda: ledger.flag_policy_issue(ctx(), case_id, area, "Policy causes repeat contacts"))
    for n, step in enumerate(steps):
        plan.at(t, step if n == 0 else plan.on_case(case_id, step))
        t += timedelta(minutes=20 + rng.random() * 600)


def _resolution_steps(
    plan: DemoPlan, case_id: UUID, rep: Actor, region: str, escalated: bool, action_kind: ActionKind, ending: str
) -> list[Step]:
    """From work in progress to resolved, closed with a score, or reopened."""
    rng, ledger = plan.rng, plan.ledger
    ctx = lambda actor=rep: ledger.context(actor)  # noqa: E731
    steps: list[Step] = []
    if rng.random() < 0.3:
        steps += [lambda: ledger.wait_on_customer(ctx(), case_id, "Waiting for a photo of the invoice"),
                  lambda: ledger.resume_case(ctx(), case_id)]
    steps.append(lambda: ledger.complete_action(ctx(), case_id, "a1", "Done as agreed")
                 if rng.random() < 0.85 else ledger.cancel_action(ctx(), case_id, "a1", "No longer needed"))
    if escalated:
        coordinator = Actor(id=f"coord-{region}", role=Role.COORDINATOR)
        steps.append(lambda: ledger.de_escalate_case(ctx(coordinator), case_id, "Calmed the customer; back to rep"))
    code = ResolutionCode.ACCOUNT_CHANGED if action_kind is ActionKind.ACCOUNT_CHANGE else ResolutionCode.FIXED
    steps.append(lambda: ledger.resolve_case(ctx(), case_id, code, "Resolved with the customer"))
    if ending in ("closed", "reopened"):
        steps.append(lambda: ledger.close_case(ctx(), case_id))
        steps.append(lambda: ledger.record_survey_answer(
            ledger.context(SURVEY), case_id, rng.choices([1, 2, 3, 4, 5], [1, 1, 2, 4, 4])[0],
            rng.choice(list(SurveyChannel))))
    if ending == "reopened":
        steps.append(lambda: ledger.reopen_case(ctx(), case_id, "The problem came back"))
    return steps


def demo_start(today: date) -> datetime:
    """The simulated clock starts 90 days before today, at 08:00 UTC."""
    return datetime(today.year, today.month, today.day, 8, tzinfo=UTC) - timedelta(days=90)


SURVEY = Actor(id="survey-service", role=Role.SYSTEM)
"""The survey service that sends the satisfaction survey at closure and records the customer's answer."""
STORY_CASES = 6
"""Cases the stories below open (counted in the demo's `--cases`; the coordinators' loop opens `LOOP_CASES`)."""
STORIES_FROM = 50
"""The stories are told in a demo of at least this many cases."""


def _plan_case_stories(plan: DemoPlan, t: datetime, staff: dict[str, list[Actor]],
                       providers: dict[str, list[DemoProvider]]) -> None:
    """The case stories of issue 14 in region north, each told once and the same every time: a disputed bill
    partly upheld, a duplicate merged, a parent and child outage, a harassing caller flagged who calls again."""
    ledger = plan.ledger
    rep, coordinator = staff["north"][0], Actor(id="coord-north", role=Role.COORDINATOR)
    ids = {name: plan.new_id() for name in ("dispute", "provider", "outage", "duplicate", "child", "harassment",
                                            "again")}
    ctx = lambda actor=rep: ledger.context(actor)  # noqa: E731 - a fresh time-stamped context per step

    def open_case(name: str, category: Category, customer: str, subject: str, provider_id: UUID | None = None,
                  contract_id: UUID | None = None) -> list[Step]:
        return [lambda: ledger.open_case(ctx(), region="north", channel=Channel.PHONE, customer_ref=customer,
                                         subject=subject, description=f"{subject}. Told the representative.",
                                         case_id=ids[name], provider_id=provider_id, contract_id=contract_id),
                lambda: ledger.triage_case(ctx(), ids[name], category, Priority.NORMAL),
                lambda: ledger.assign_case(ctx(), ids[name], rep.id)]

    member = next((p for p in providers["north"] if p.contract), None)
    if member is None:
        provider_ref: dict[str, UUID | None] = {"provider_id": ids["provider"], "contract_id": None}
        stories: list[Step] = [lambda: ledger.prospect_provider(ctx(), name="Riverside Clinic 7",
                                                                kind=ProviderKind.CLINIC, region="north",
                                                                provider_id=ids["provider"])]
    else:
        provider_ref, stories = {"provider_id": member.id, "contract_id": member.contract}, []
    stories += [
        *open_case("dispute", Category.BILLING, "cust-20417", SUBJECTS[Category.BILLING], **provider_ref),
        lambda: ledger.record_dispute(ctx(), ids["dispute"], 9000, "EUR", "INV-2026-0117"),
        lambda: ledger.decide_dispute(ctx(), ids["dispute"], DisputeOutcome.PARTLY_UPHELD,
                                      "One of the two visits took place", 4500, Settlement.CREDITED),
        lambda: ledger.resolve_case(ctx(), ids["dispute"], ResolutionCode.ACCOUNT_CHANGED, "Credited one visit"),
        lambda: ledger.close_case(ctx(), ids["dispute"]),
        lambda: ledger.record_survey_answer(ctx(SURVEY), ids["dispute"], 4, SurveyChannel.SMS,
                                            "Fair, though it took two calls"),
        *open_case("outage", Category.SERVICE_OUTAGE, "cust-30881", SUBJECTS[Category.SERVICE_OUTAGE]),
        *open_case("duplicate", Category.SERVICE_OUTAGE, "cust-30881", "No line since the storm (web form)"),
        lambda: ledger.log_contact(ctx(), ids["duplicate"], Direction.INBOUND, Channel.WEB,
                                   "Sent a photo of the damaged line"),
        lambda: ledger.merge_case(ctx(), ids["duplicate"], ids["outage"], "The same outage, reported twice"),
        *open_case("child", Category.SERVICE_OUTAGE, "cust-30902", "Neighbour also without line"),
        lambda: ledger.link_case(ctx(), ids["child"], ids["outage"], LinkKind.PARENT),
        *open_case("harassment", Category.HARASSING_CALLS, "cust-41230", SUBJECTS[Category.HARASSING_CALLS]),
        lambda: ledger.flag_caller(ctx(), ids["harassment"], "Calls the customer nightly from a withheld line",
                                   caller_ref="caller-5521"),
        lambda: ledger.open_case(ctx(), region="north", channel=Channel.PHONE, customer_ref="caller-5521",
                                 subject="Caller asks for a customer's address",
                                 description="Asked for a customer's address.", case_id=ids["again"]),
        lambda: ledger.triage_case(ctx(), ids["again"], Category.HARASSING_CALLS, Priority.HIGH),
        lambda: ledger.end_contact(ctx(), ids["again"], ContactEndReason.ABUSIVE_LANGUAGE,
                                   "Became abusive when refused"),
        lambda: ledger.add_note(ctx(coordinator), ids["harassment"], "Police report filed by the customer"),
    ]
    for step in stories:
        plan.at(t, step)
        t += timedelta(minutes=30)
