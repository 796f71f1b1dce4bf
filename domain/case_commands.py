"""Commands on cases: each loads the case (and what its rules need), calls it, saves once."""

from __future__ import annotations

from typing import Annotated, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from domain.case import Case
from domain.case_events import ActionKind, Category, Channel, Direction, PolicyArea, ResolutionCode
from domain.contract import Contract
from domain.errors import RecordNotFound, ReferenceMismatch, RegionHasNoCoordinator
from domain.ledger import CommandResult
from domain.provider import Provider
from domain.sla import Priority
from domain.staffing import RegionCommands
from domain.values import Code, Context, CustomerContact, ShortTextIn, TextIn

__all__ = ["CaseCommands", "Satisfaction"]

Satisfaction = Annotated[int, Field(ge=1, le=5)]
"""The customer's rating of a closed case, from 1 to 5."""

R = TypeVar("R", Provider, Contract)


class CaseCommands(RegionCommands):
    def open_case(
        self,
        ctx: Context,
        *,
        region: Code,
        channel: Channel,
        customer_ref: Code,
        subject: ShortTextIn,
        description: TextIn,
        contact: CustomerContact | None = None,
        provider_id: UUID | None = None,
        contract_id: UUID | None = None,
        case_id: UUID | None = None,
    ) -> CommandResult:
        self.region(region)
        self._check_references(region, provider_id, contract_id)
        case = Case.open(
            ctx, case_id or self.new_id(), region=region, channel=channel, customer_ref=customer_ref,
            subject=subject, description=description, contact=contact, provider_id=provider_id,
            contract_id=contract_id,
        )
        return self._commit(case)

    def triage_case(
        self, ctx: Context, case_id: UUID, category: Category, priority: Priority, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.triage(ctx, category, priority))

    def assign_case(
        self, ctx: Context, case_id: UUID, representative_id: Code, expected_version: int | None = None
    ) -> CommandResult:
        def assign(case: Case) -> None:
            case.assign(ctx, self.region(case.region).staff_member(representative_id))

        return self._update(Case, case_id, expected_version, assign)

    def log_contact(
        self, ctx: Context, case_id: UUID, direction: Direction, channel: Channel, summary: TextIn,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.log_contact(ctx, direction, channel, summary))

    def add_note(self, ctx: Context, case_id: UUID, text: TextIn, expected_version: int | None = None) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.add_note(ctx, text))

    def update_customer_contact(
        self, ctx: Context, case_id: UUID, contact: CustomerContact, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.update_contact(ctx, contact))

    def schedule_action(
        self, ctx: Context, case_id: UUID, action_id: Code, kind: ActionKind, due_at: AwareDatetime, details: TextIn,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._update(
            Case, case_id, expected_version, lambda c: c.schedule_action(ctx, action_id, kind, due_at, details)
        )

    def complete_action(
        self, ctx: Context, case_id: UUID, action_id: Code, outcome: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.complete_action(ctx, action_id, outcome))

    def cancel_action(
        self, ctx: Context, case_id: UUID, action_id: Code, reason: ShortTextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.cancel_action(ctx, action_id, reason))

    def escalate_case(
        self, ctx: Context, case_id: UUID, reason: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        """Escalate to the coordinator of the case's region."""

        def escalate(case: Case) -> None:
            coordinator = self.region(case.region).coordinator
            if coordinator is None:
                raise RegionHasNoCoordinator(case.region)
            case.escalate(ctx, coordinator, reason)

        return self._update(Case, case_id, expected_version, escalate)

    def de_escalate_case(
        self, ctx: Context, case_id: UUID, note: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.de_escalate(ctx, note))

    def wait_on_customer(
        self, ctx: Context, case_id: UUID, reason: ShortTextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.wait_on_customer(ctx, reason))

    def resume_case(self, ctx: Context, case_id: UUID, expected_version: int | None = None) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.resume(ctx))

    def resolve_case(
        self, ctx: Context, case_id: UUID, resolution_code: ResolutionCode, summary: TextIn,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.resolve(ctx, resolution_code, summary))

    def close_case(
        self, ctx: Context, case_id: UUID, satisfaction: Satisfaction | None = None, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.close(ctx, satisfaction))

    def reopen_case(
        self, ctx: Context, case_id: UUID, reason: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.reopen(ctx, reason))

    def flag_policy_issue(
        self, ctx: Context, case_id: UUID, policy_area: PolicyArea, note: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.flag_policy_issue(ctx, policy_area, note))

    def _check_references(self, region: str, provider_id: UUID | None, contract_id: UUID | None) -> None:
        """A case may name a provider and a contract of its own region that match each other. A record of
        another region is refused in the words a missing one is, so the answer tells nothing about it."""
        if provider_id is not None:
            self._in_region(Provider, provider_id, region)
        if contract_id is not None:
            contract = self._in_region(Contract, contract_id, region)
            if provider_id is not None and contract.provider_id != provider_id:
                raise ReferenceMismatch(f"contract {contract_id} is held by provider {contract.provider_id}, "
                                        f"not {provider_id}")

    def _in_region(self, kind: type[R], record_id: UUID, region: str) -> R:
        try:
            record = self.get(kind, record_id)
        except RecordNotFound:
            record = None
        if record is None or record.region != region:
            raise ReferenceMismatch(f"no {kind.aggregate_type} {record_id} in region {region}")
        return record
