"""The role table of docs/api.md, walked cell by cell over the command service: each row's commands run
by each role, on a fresh record in the right state, allowed or refused with the refusal the table names."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from itertools import count
from pathlib import Path
from uuid import UUID

import pytest

from domain.application import CaseLedger
from domain.casework.case_events import Category, Channel, Direction, ResolutionCode
from domain.casework.sla import Priority
from domain.errors import DomainError
from domain.network.contract import Contract, ContractStatus, Party, ProviderEvidence, Terms
from domain.network.provider import ProviderKind
from domain.staff.calendar import BusinessCalendar, Weekday, WorkingHours
from domain.staff.time_policy import GiveUpAction, TimePolicy
from domain.values import Actor, Context, Role
from tests.factories import ADMIN, COORDINATOR, REP, TODAY, terms

DOCS = Path(__file__).parents[2] / "docs" / "api.md"
COLUMNS = {
    "representative": [REP],
    "coordinator": [COORDINATOR],
    "manager": [Actor(id="mgr-1", role=Role.MANAGER)],
    "admin": [ADMIN],
    "auditor, integrator": [Actor(id="auditor", role=Role.AUDITOR), Actor(id="feed", role=Role.INTEGRATOR)],
}
EVIDENCE = ProviderEvidence(signatory="Dr Ana Kask", title="Director", reference="letter-7",
                            document_sha256="ab" * 32)
_fresh = count(1)

Command = Callable[[Context], object]
Sample = Callable[[CaseLedger], Command]
"""Sets up a fresh record (as its region's staff) and returns the command to try on it."""


def role_table() -> list[tuple[str, dict[str, str]]]:
    """The rows of docs/api.md's role table: (first cell, {column: cell})."""
    section = DOCS.read_text().split("## Roles and commands", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows.append((cells[0], dict(zip(header[1:], cells[1:], strict=True))))
    return rows


def as_rep(ledger: CaseLedger) -> Context:
    return ledger.context(REP)


# -- region staff ---------------------------------------------------------------------------------------


def fresh_region(ledger: CaseLedger) -> str:
    code = f"r{next(_fresh)}"
    ledger.establish_region(ledger.context(ADMIN), code, code.upper())
    ledger.appoint_coordinator(ledger.context(ADMIN), code, f"coord-{code}", "Ana Novak")
    ledger.add_representative(ledger.context(ADMIN), code, f"rep-{code}", "Mari Tamm")
    return code


def staff_samples() -> list[Sample]:
    def establish(ledger: CaseLedger) -> Command:
        code = f"new{next(_fresh)}"
        return lambda ctx: ledger.establish_region(ctx, code, "New")

    def appoint(ledger: CaseLedger) -> Command:
        code = fresh_region(ledger)
        return lambda ctx: ledger.appoint_coordinator(ctx, code, f"coord-{code}-2", "Eva Saar")

    def add(ledger: CaseLedger) -> Command:
        code = fresh_region(ledger)
        return lambda ctx: ledger.add_representative(ctx, code, f"rep-{code}-2", "Eva Saar")

    def remove(ledger: CaseLedger) -> Command:
        code = fresh_region(ledger)
        return lambda ctx: ledger.remove_representative(ctx, code, f"rep-{code}")

    def transfer(ledger: CaseLedger) -> Command:
        code = fresh_region(ledger)
        return lambda ctx: ledger.transfer_representative(ctx, code, f"rep-{code}", "south")

    def reopen_window(ledger: CaseLedger) -> Command:
        code = fresh_region(ledger)
        return lambda ctx: ledger.set_reopen_window(ctx, code, 14)

    def calendar(ledger: CaseLedger) -> Command:
        code = fresh_region(ledger)
        office = BusinessCalendar(time_zone="Europe/Tallinn", hours=(
            WorkingHours(weekday=Weekday.MONDAY, start="09:00", end="17:00"),))
        return lambda ctx: ledger.set_calendar(ctx, code, office)

    def time_policy(ledger: CaseLedger) -> Command:
        code = fresh_region(ledger)
        return lambda ctx: ledger.set_time_policy(ctx, code, TimePolicy(give_up_action=GiveUpAction.NONE))

    return [establish, appoint, add, remove, transfer, reopen_window, calendar, time_policy]


# -- cases ---------------------------------------------------------------------------------------------


def new_case(ledger: CaseLedger, *, assigned: bool = True, escalated: bool = False) -> UUID:
    case: UUID = ledger.open_case(as_rep(ledger), region="north", channel=Channel.PHONE, customer_ref="cust-1",
                                  subject="Charged twice", description="Same charge twice").id
    ledger.triage_case(as_rep(ledger), case, Category.SERVICE_OUTAGE, Priority.HIGH)
    if assigned:
        ledger.assign_case(as_rep(ledger), case, "rep-north-1")
    if escalated:
        ledger.escalate_case(as_rep(ledger), case, "Asks for a supervisor")
    return case


def case_samples() -> list[Sample]:
    def open_(ledger: CaseLedger) -> Command:
        return lambda ctx: ledger.open_case(ctx, region="north", channel=Channel.WEB, customer_ref="cust-2",
                                            subject="Outage", description="No line")

    def triage(ledger: CaseLedger) -> Command:
        case = ledger.open_case(as_rep(ledger), region="north", channel=Channel.WEB, customer_ref="cust-2",
                                subject="Outage", description="No line").id
        return lambda ctx: ledger.triage_case(ctx, case, Category.SERVICE_OUTAGE, Priority.LOW)

    def assign(ledger: CaseLedger) -> Command:
        case = new_case(ledger, assigned=False)
        return lambda ctx: ledger.assign_case(ctx, case, "rep-north-2")

    def log_contact(ledger: CaseLedger) -> Command:
        case = new_case(ledger)
        return lambda ctx: ledger.log_contact(ctx, case, Direction.OUTBOUND, Channel.PHONE, "Called back")

    def note(ledger: CaseLedger) -> Command:
        case = new_case(ledger)
        return lambda ctx: ledger.add_note(ctx, case, "Checked the meter")

    def escalate(ledger: CaseLedger) -> Command:
        case = new_case(ledger)
        return lambda ctx: ledger.escalate_case(ctx, case, "Upset")

    def resolve(ledger: CaseLedger) -> Command:
        case = new_case(ledger)
        return lambda ctx: ledger.resolve_case(ctx, case, ResolutionCode.FIXED, "Fixed")

    return [open_, triage, assign, log_contact, note, escalate, resolve]


def resolve_escalated(ledger: CaseLedger) -> Command:
    case = new_case(ledger, escalated=True)
    return lambda ctx: ledger.resolve_case(ctx, case, ResolutionCode.FIXED, "Fixed")


def de_escalate(ledger: CaseLedger) -> Command:
    case = new_case(ledger, escalated=True)
    return lambda ctx: ledger.de_escalate_case(ctx, case, "Back to you")


# -- providers and contracts ---------------------------------------------------------------------------


def new_provider(ledger: CaseLedger, active: bool = True) -> UUID:
    provider: UUID = ledger.prospect_provider(as_rep(ledger), name="Hill Lab", kind=ProviderKind.LAB,
                                              region="north").id
    if active:
        ledger.log_provider_meeting(as_rep(ledger), provider, "rep-north-1", "Met the director")
        ledger.receive_application(as_rep(ledger), provider)
        ledger.start_credentialing(as_rep(ledger), provider)
        ledger.credential_provider(as_rep(ledger), provider, TODAY + timedelta(days=3 * 365))
        ledger.activate_provider(as_rep(ledger), provider)
    return provider


def new_contract(ledger: CaseLedger, active: bool = True) -> UUID:
    provider = new_provider(ledger)
    contract: UUID = ledger.draft_contract(as_rep(ledger), provider_id=provider, title="Agreement",
                                           terms=terms()).id
    if active:
        ledger.propose_contract(as_rep(ledger), contract)
        ledger.agree_contract(as_rep(ledger), contract, Party.PROVIDER, EVIDENCE)
        ledger.sign_contract(as_rep(ledger), contract, Party.PROVIDER, EVIDENCE)
        ledger.sign_contract(as_rep(ledger), contract, Party.NETWORK)
        ledger.activate_contract(as_rep(ledger), contract)
    return contract


def network_samples() -> list[Sample]:
    def prospect(ledger: CaseLedger) -> Command:
        return lambda ctx: ledger.prospect_provider(ctx, name="Lab", kind=ProviderKind.LAB, region="north")

    def meeting(ledger: CaseLedger) -> Command:
        provider = new_provider(ledger, active=False)
        return lambda ctx: ledger.log_provider_meeting(ctx, provider, "rep-north-1", "Met them")

    def draft(ledger: CaseLedger) -> Command:
        provider = new_provider(ledger)
        return lambda ctx: ledger.draft_contract(ctx, provider_id=provider, title="Agreement", terms=terms())

    def propose(ledger: CaseLedger) -> Command:
        contract = new_contract(ledger, active=False)
        return lambda ctx: ledger.propose_contract(ctx, contract)

    return [prospect, meeting, draft, propose]


def terminate_provider(ledger: CaseLedger) -> Command:
    provider = new_provider(ledger)
    return lambda ctx: ledger.terminate_provider(ctx, provider, "Left the network")


def propose_amendment(ledger: CaseLedger) -> Command:
    contract = new_contract(ledger)
    amended: Terms = terms(amount=4800)
    return lambda ctx: ledger.propose_amendment(ctx, contract, Party.NETWORK, amended)


def terminate_contract(ledger: CaseLedger) -> Command:
    contract = new_contract(ledger)
    return lambda ctx: ledger.terminate_contract(ctx, contract, "Ended by agreement")


SAMPLES: dict[str, list[Sample]] = {
    "region staff": staff_samples(),
    "case work": case_samples(),
    "resolve or close an escalated case": [resolve_escalated],
    "de-escalate a case": [de_escalate],
    "provider and contract work": network_samples(),
    "terminate a provider": [terminate_provider],
    "propose or accept an amendment for the network": [propose_amendment],
    "terminate a contract": [terminate_contract],
}
ROWS = role_table()


def samples_of(row: str) -> list[Sample]:
    (key,) = [key for key in SAMPLES if row == key or row.startswith(key + ":")]
    return SAMPLES[key]


def test_every_row_of_the_table_has_samples_and_every_column_an_actor() -> None:
    assert len(ROWS) == len(SAMPLES)
    for row, cells in ROWS:
        assert samples_of(row) and set(cells) == set(COLUMNS)


def expected_refusal(cell: str) -> str | None:
    """The refusal's code for a "no: `code`" cell; None for an allowed one."""
    if cell.startswith("no"):
        match = re.search(r"`([a-z-]+)`", cell)
        assert match, f"a refused cell names its refusal: {cell!r}"
        return match.group(1)
    return None


@pytest.mark.parametrize(("row", "cells"), ROWS, ids=[row.split(":")[0] for row, _ in ROWS])
def test_each_cell_of_the_role_table_holds(ledger: CaseLedger, row: str, cells: dict[str, str]) -> None:
    for sample in samples_of(row):
        for column, actors in COLUMNS.items():
            refusal = expected_refusal(cells[column])
            for actor in actors:
                command = sample(ledger)
                head = ledger.head()
                where = f"{sample.__name__} by {actor.role} ({cells[column]})"
                if refusal is None:
                    command(ledger.context(actor))
                    assert ledger.head() > head, where
                    continue
                with pytest.raises(DomainError) as refused:
                    command(ledger.context(actor))
                assert refused.value.code == refusal, f"{where}: {refused.value}"
                assert ledger.head() == head, where


def test_a_manager_terminating_a_provider_ends_its_contracts_with_it(ledger: CaseLedger) -> None:
    contract = new_contract(ledger)
    provider = ledger.get(Contract, contract).provider_id
    ledger.terminate_provider(ledger.context(COLUMNS["manager"][0]), provider, "Left the network")
    assert ledger.get(Contract, contract).status is ContractStatus.TERMINATED
