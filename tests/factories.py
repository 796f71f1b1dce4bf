"""Builders for test data: contexts, staff, terms, and records driven to a given status."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from domain.casework.case import Case, CaseStatus
from domain.casework.case_events import ActionKind, Category, Channel, Direction, ResolutionCode
from domain.casework.sla import Priority
from domain.network.contract import Contract, ContractStatus, Party, ProviderEvidence, Rate, Terms
from domain.network.provider import Provider, ProviderKind, ProviderStatus
from domain.staff.region import StaffMember
from domain.values import Actor, Context, Role

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
REP = Actor(id="rep-north-1", role=Role.REPRESENTATIVE)
COORDINATOR = Actor(id="coord-north", role=Role.COORDINATOR)
ADMIN = Actor(id="admin", role=Role.ADMIN)


def ctx(actor: Actor = REP, now: datetime = NOW) -> Context:
    return Context(actor=actor, now=now, correlation_id=uuid4())


def later(hours: float, actor: Actor = REP) -> Context:
    return ctx(actor, NOW + timedelta(hours=hours))


def representative(staff_id: str = "rep-north-1", region: str = "north") -> StaffMember:
    return StaffMember(id=staff_id, name="Mari Tamm", role=Role.REPRESENTATIVE, region=region)


def coordinator(staff_id: str = "coord-north", region: str = "north") -> StaffMember:
    return StaffMember(id=staff_id, name="Ana Novak", role=Role.COORDINATOR, region=region)


def terms(effective: date = TODAY, years: int = 2, amount: int = 4500, days: int = 30) -> Terms:
    return Terms(
        rates=[Rate(service_code="visit", description="Standard visit", amount_cents=amount)],
        payment_terms_days=days,
        effective_on=effective,
        expires_on=effective.replace(year=effective.year + years),
    )


def opened_case(region: str = "north", case_id: UUID | None = None) -> Case:
    case = Case.open(ctx(), case_id or uuid4(), region=region, channel=Channel.PHONE, customer_ref="cust-1",
                     subject="Charged twice", description="The bill shows the same charge twice.")
    return case


def case_in(status: CaseStatus, *, with_action: bool = False) -> Case:
    """A case driven through its commands to `status` (assigned to rep-north-1 from in_progress on)."""
    case = opened_case()
    if status is CaseStatus.NEW:
        return case
    case.triage(ctx(), Category.BILLING, Priority.HIGH)
    if status is CaseStatus.TRIAGED:
        return case
    case.assign(ctx(), representative())
    case.log_contact(later(0.5), Direction.OUTBOUND, Channel.PHONE, "Called back")
    if with_action:
        case.schedule_action(later(1), "a1", ActionKind.ACCOUNT_CHANGE, NOW + timedelta(days=1), "Refund")
    if status is CaseStatus.IN_PROGRESS:
        return case
    if status is CaseStatus.ESCALATED:
        case.escalate(later(2), coordinator(), "Customer asks for a supervisor")
        return case
    if status is CaseStatus.WAITING_ON_CUSTOMER:
        case.wait_on_customer(later(2), "Waiting for the invoice")
        return case
    case.resolve(later(3), ResolutionCode.REFUND_ISSUED, "Refunded the double charge")
    if status is CaseStatus.CLOSED:
        case.close(later(4))
    return case


PROVIDER_PATH = [
    ProviderStatus.PROSPECT, ProviderStatus.CONTACTED, ProviderStatus.APPLIED, ProviderStatus.CREDENTIALING,
    ProviderStatus.CREDENTIALED, ProviderStatus.ACTIVE, ProviderStatus.SUSPENDED, ProviderStatus.TERMINATED,
]


def provider_in(status: ProviderStatus, region: str = "north", credential_days: int = 365) -> Provider:
    """A provider driven along the recruitment path to `status` (rejected from credentialing), credentialed for
    `credential_days`."""
    provider = Provider.prospect(ctx(), uuid4(), name="Riverside Clinic", kind=ProviderKind.CLINIC, region=region)
    steps = {
        ProviderStatus.CONTACTED: lambda: provider.log_meeting(ctx(), "rep-north-1", "Met the director"),
        ProviderStatus.APPLIED: lambda: provider.receive_application(ctx()),
        ProviderStatus.CREDENTIALING: lambda: provider.start_credentialing(ctx()),
        ProviderStatus.CREDENTIALED: lambda: provider.credential(ctx(), NOW.date() + timedelta(days=credential_days)),
        ProviderStatus.ACTIVE: lambda: provider.activate(ctx()),
        ProviderStatus.SUSPENDED: lambda: provider.suspend(ctx(), "Fee unpaid"),
        ProviderStatus.TERMINATED: lambda: provider.terminate(ctx(COORDINATOR), "Left the network"),
    }
    if status is ProviderStatus.REJECTED:
        for step in PROVIDER_PATH[1:4]:
            steps[step]()
        provider.reject(ctx(), "Licence not verified")
        return provider
    for step in PROVIDER_PATH[1: PROVIDER_PATH.index(status) + 1]:
        steps[step]()
    return provider


CONTRACT_PATH = [ContractStatus.DRAFTED, ContractStatus.PROPOSED, ContractStatus.NEGOTIATING, ContractStatus.AGREED,
                 ContractStatus.SIGNED, ContractStatus.ACTIVE]


EVIDENCE = ProviderEvidence(signatory="Dr. Mari Tamm", title="Medical director", reference="letter 2026/17",
                            document_sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
"""Evidence of the provider's acceptance or signature: who signed for it, and the signed document."""


def sign_both(contract: Contract) -> None:
    contract.sign(ctx(), Party.PROVIDER, EVIDENCE)
    contract.sign(ctx(), Party.NETWORK)


def contract_in(status: ContractStatus, provider: Provider | None = None, effective: date = TODAY) -> Contract:
    """A contract negotiated through one counter-offer to `status` (expired and terminated from active), with
    two-year terms from `effective`; by default its provider is credentialed for three years, past the terms."""
    provider = provider or provider_in(ProviderStatus.ACTIVE, credential_days=3 * 365)
    contract = Contract.draft(ctx(), uuid4(), provider=provider, title="Service agreement", terms=terms(effective))
    steps = {
        ContractStatus.PROPOSED: lambda: contract.propose(ctx()),
        ContractStatus.NEGOTIATING: lambda: contract.counter_offer(ctx(), Party.PROVIDER,
                                                                   terms(effective, days=21)),
        ContractStatus.AGREED: lambda: contract.agree(ctx(), Party.NETWORK),
        ContractStatus.SIGNED: lambda: sign_both(contract),
        ContractStatus.ACTIVE: lambda: contract.activate(ctx(), provider),
    }
    target = ContractStatus.ACTIVE if status in (ContractStatus.EXPIRED, ContractStatus.TERMINATED) else status
    for step in CONTRACT_PATH[1: CONTRACT_PATH.index(target) + 1]:
        steps[step]()
    if status is ContractStatus.EXPIRED:
        contract.expire(ctx(now=datetime.combine(contract.terms.expires_on, NOW.timetz())))
    elif status is ContractStatus.TERMINATED:
        contract.terminate(ctx(COORDINATOR), "Ended by agreement")
    return contract
