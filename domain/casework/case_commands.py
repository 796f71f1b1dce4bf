"""Commands on cases: each loads the case (and what its rules need), calls it, saves once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Literal, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from pydantic import Field

from domain.aggregate import Aggregate
from domain.casework.caller import Caller
from domain.casework.case import Case
from domain.casework.case_events import (
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
from domain.development.development_commands import require_ready
from domain.errors import (
    CasesInDifferentRegions,
    ConcurrentUpdate,
    RecordIdTaken,
    RecordNotFound,
    ReferenceMismatch,
    RegionHasNoCoordinator,
    VersionMismatch,
)
from domain.ledger import CommandResult
from domain.money import Currency, MinorUnits
from domain.network.contract import Contract
from domain.network.provider import Provider
from domain.staff.calendar import ALWAYS, BusinessCalendar
from domain.staff.region import Region
from domain.staff.staffing import RegionCommands
from domain.staff.time_policy import DEFAULT_TIME_POLICY, TimePolicy
from domain.values import Code, Context, CustomerContact, Moment, ShortTextIn, TextIn

__all__ = ["CaseCommands", "ManualLinkKind", "Satisfaction"]

Satisfaction = Annotated[int, Field(ge=1, le=5)]
"""The customer's rating of a closed case, from 1 to 5."""

ManualLinkKind = Literal[LinkKind.PARENT, LinkKind.CHILD, LinkKind.RELATED]
"""The links staff make by hand; follow-ups and a flagged caller's contacts are linked by their commands."""

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
        require_ready(self, self.region(region))  # issue 15: a coordinator, and the training it requires
        self._check_references(region, provider_id, contract_id)
        case = Case.open(
            ctx, case_id or self.new_id(), region=region, channel=channel, customer_ref=customer_ref,
            subject=subject, description=description, contact=contact, provider_id=provider_id,
            contract_id=contract_id,
        )
        return self._commit_all(case, *self._recognise_flagged_caller(ctx, case))

    def _recognise_flagged_caller(self, ctx: Context, case: Case) -> list[Aggregate]:
        """A new case from a flagged caller shows the flag and is linked to the open harassment case: the caller
        is read by its exact key from the event store, not from a read model."""
        caller = self._caller(case.region, case.customer_ref)
        if caller is None or not caller.flagged:
            return []
        harassment = None
        if caller.harassment_case_id is not None:
            try:
                harassment = self.get(Case, caller.harassment_case_id)
            except RecordNotFound:
                harassment = None
        case.recognise_flagged_caller(ctx, caller, harassment)
        return [harassment] if harassment is not None else []

    def _caller(self, region: str, customer_ref: str) -> Caller | None:
        try:
            return self.get(Caller, Caller.id_for(region, customer_ref))
        except RecordNotFound:
            return None

    def triage_case(
        self, ctx: Context, case_id: UUID, category: Category, priority: Priority, expected_version: int | None = None
    ) -> CommandResult:
        """Set the case's category and priority, with due times from its region's standards in force when it opened.

        A standard adopted by the coordinators' meeting for the region and the category sets them (the latest
        effective wins, per measure); otherwise the default policy for the priority (domain/casework/sla.py)."""
        def triage(case: Case) -> None:
            region = self.region(case.region)
            case.triage(ctx, category, priority, region.standards, region.calendar, region.time_policy)

        return self._update(Case, case_id, expected_version, triage)

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
        """Log a contact with the customer; an outbound one restarts the next-update SLA clock."""
        def log(case: Case) -> None:
            region = self._current_region(case.region)
            case.log_contact(ctx, direction, channel, summary, *_time_of(region))

        return self._update(Case, case_id, expected_version, log)

    def add_note(self, ctx: Context, case_id: UUID, text: TextIn, expected_version: int | None = None) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.add_note(ctx, text))

    def update_customer_contact(
        self, ctx: Context, case_id: UUID, contact: CustomerContact, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.update_contact(ctx, contact))

    def schedule_action(
        self, ctx: Context, case_id: UUID, action_id: Code, kind: ActionKind, due_at: Moment, details: TextIn,
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
        """Wait on the customer: the SLA clocks pause, and the region's time policy reminds and gives up on them."""
        def wait(case: Case) -> None:
            case.wait_on_customer(ctx, reason, *_time_of(self._current_region(case.region)))

        return self._update(Case, case_id, expected_version, wait)

    def resume_case(self, ctx: Context, case_id: UUID, expected_version: int | None = None) -> CommandResult:
        """Resume a case waiting on the customer: its SLA clocks run again, due later by the business time waited."""
        def resume(case: Case) -> None:
            case.resume(ctx, *_time_of(self._current_region(case.region)))

        return self._update(Case, case_id, expected_version, resume)

    def resolve_case(
        self, ctx: Context, case_id: UUID, resolution_code: ResolutionCode, summary: TextIn,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.resolve(ctx, resolution_code, summary))

    def close_case(self, ctx: Context, case_id: UUID, expected_version: int | None = None) -> CommandResult:
        """Close a resolved case (the customer's satisfaction is their survey answer, recorded after)."""
        return self._update(Case, case_id, expected_version, lambda c: c.close(ctx))

    def record_survey_answer(
        self, ctx: Context, case_id: UUID, score: Satisfaction, channel: SurveyChannel, comment: TextIn | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Record the customer's answer to the satisfaction survey of a closed case (every answer is kept)."""
        return self._update(Case, case_id, expected_version,
                            lambda c: c.record_survey_answer(ctx, score, channel, comment))

    def reopen_case(
        self, ctx: Context, case_id: UUID, reason: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        """Reopen a resolved or closed case within its region's reopen window."""
        def reopen(case: Case) -> None:
            region = self.region(case.region)
            case.reopen(ctx, reason, region.reopen_window_days, region.standards, region.calendar, region.time_policy)

        return self._update(Case, case_id, expected_version, reopen)

    def open_follow_up(
        self, ctx: Context, case_id: UUID, channel: Channel, subject: ShortTextIn, description: TextIn,
        follow_up_id: UUID | None = None, expected_version: int | None = None,
    ) -> CommandResult:
        """Open a follow-up case for the same customer, linked both ways (answers with the new case's id).

        A `follow_up_id` already in use is refused (`record-id-taken`): nothing is created."""
        if follow_up_id is not None and follow_up_id in self.repository:
            raise RecordIdTaken("follow-up case", follow_up_id, "follow_up_id")

        def open_one(case: Case) -> tuple[Aggregate, list[Aggregate]]:
            follow_up = Case.open_follow_up(ctx, follow_up_id or self.new_id(), case, channel=channel,
                                            subject=subject, description=description)
            return follow_up, [case, *self._recognise_flagged_caller(ctx, follow_up)]

        return self._update_together(case_id, expected_version, open_one)

    def record_dispute(
        self, ctx: Context, case_id: UUID, amount_minor: MinorUnits, currency: Currency, reference: ShortTextIn,
        provider_id: UUID | None = None, contract_id: UUID | None = None, expected_version: int | None = None,
    ) -> CommandResult:
        """Record the amount a billing or payment case disputes, its reference and the provider or contract."""
        def record(case: Case) -> None:
            self._check_references(case.region, provider_id, contract_id)
            case.record_dispute(ctx, amount_minor, currency, reference, provider_id, contract_id)

        return self._update(Case, case_id, expected_version, record)

    def decide_dispute(
        self, ctx: Context, case_id: UUID, outcome: DisputeOutcome, note: TextIn,
        amount_minor: MinorUnits | None = None, settlement: Settlement | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Decide the dispute: upheld or partly upheld with an amount credited or refunded, or rejected."""
        return self._update(Case, case_id, expected_version,
                            lambda c: c.decide_dispute(ctx, outcome, note, amount_minor, settlement))

    def merge_case(
        self, ctx: Context, case_id: UUID, into_case_id: UUID, note: TextIn | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Merge this duplicate into a surviving case of its region: it is closed with a pointer to it."""
        def merge(case: Case) -> tuple[Aggregate, list[Aggregate]]:
            survivor = self._case_in_region(case, into_case_id)
            case.merge_into(ctx, survivor, note)
            return case, [survivor]

        return self._update_together(case_id, expected_version, merge)

    def link_case(
        self, ctx: Context, case_id: UUID, other_case_id: UUID, kind: ManualLinkKind,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Link another case of the region (what it is to this one: parent, child or related), on both cases.

        A case has one parent, and no link closes a cycle of parents (walked through the event store)."""
        def link(case: Case) -> tuple[Aggregate, list[Aggregate]]:
            other = self._case_in_region(case, other_case_id)
            parent = other if kind == LinkKind.PARENT else case if kind == LinkKind.CHILD else None
            case.link(ctx, other, LinkKind(kind), self._parent_chain(parent) if parent is not None else ())
            return case, [other]

        return self._update_together(case_id, expected_version, link)

    def flag_caller(
        self, ctx: Context, case_id: UUID, reason: TextIn, caller_ref: Code | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Flag the caller (the case's customer unless `caller_ref` names another) on a harassment case; the
        case is escalated to the region's coordinator."""
        def flag(case: Case) -> tuple[Aggregate, list[Aggregate]]:
            ref = caller_ref or case.customer_ref
            caller = self._caller(case.region, ref) or Caller.register(ctx, case.region, ref)
            case.flag_caller(ctx, caller, reason, self.region(case.region).coordinator)
            return case, [caller]

        return self._update_together(case_id, expected_version, flag)

    def end_contact(
        self, ctx: Context, case_id: UUID, reason: ContactEndReason, note: TextIn | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """End a harassing contact, recording why."""
        return self._update(Case, case_id, expected_version, lambda c: c.end_contact(ctx, reason, note))

    def flag_policy_issue(
        self, ctx: Context, case_id: UUID, policy_area: PolicyArea, note: TextIn, expected_version: int | None = None
    ) -> CommandResult:
        return self._update(Case, case_id, expected_version, lambda c: c.flag_policy_issue(ctx, policy_area, note))

    def fire_case_timer(self, ctx: Context, case_id: UUID, purpose: str) -> CommandResult:
        """What a case's due timer stands for (`Case.timers`), run by the process manager as the timer's command:
        an SLA warning or breach (escalated to the region's coordinator by its time policy), an overdue action, a
        reminder to the customer, giving up waiting on them; `TimerNotWanted` once the case no longer wants it."""
        def fire(case: Case) -> None:
            self.require_due(case, purpose)
            region = self._current_region(case.region)
            coordinator = region.coordinator if region is not None else None
            case.fire_timer(ctx, purpose, coordinator, *_time_of(region))

        return self._update(Case, case_id, None, fire)

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

    def _parent_chain(self, case: Case) -> list[UUID]:
        """`case`'s parent, that parent's parent, and so on up the tree, read from the event store (stopping at a
        case seen before, should older links hold a cycle)."""
        chain: list[UUID] = []
        parent_id = case.parent_id
        while parent_id is not None and parent_id not in chain and parent_id != case.id:
            chain.append(parent_id)
            try:
                parent_id = self.get(Case, parent_id).parent_id
            except RecordNotFound:
                break
        return chain

    def _case_in_region(self, case: Case, other_id: UUID) -> Case:
        """Another case of `case`'s region; one of another region is refused in the words a missing one is."""
        try:
            other = self.get(Case, other_id)
        except RecordNotFound:
            other = None
        if other is None or other.region != case.region:
            raise CasesInDifferentRegions(case.id, other_id, case.region)
        return other

    def _update_together(
        self, case_id: UUID, expected_version: int | None,
        command: Callable[[Case], tuple[Aggregate, Sequence[Aggregate]]],
    ) -> CommandResult:
        """Like `_update`, for a command that changes other records too: all are saved in one transaction, and
        the answer names the record `command` returns first."""
        case = self.get(Case, case_id)
        if expected_version is not None and expected_version != case.version:
            raise VersionMismatch("case", case_id, expected_version, case.version)
        stamp = self._stamp.set(max(self.clock(), case.modified_at))
        try:
            answer, others = command(case)
        finally:
            self._stamp.reset(stamp)
        try:
            return self._commit_all(answer, *(other for other in others if other is not answer))
        except ConcurrentUpdate:
            if expected_version is None:
                raise
            raise VersionMismatch("case", case_id, expected_version, self.get(Case, case_id).version) from None

    def _commit_all(self, answer: Aggregate, *others: Aggregate) -> CommandResult:
        """Save several records atomically, each checked like `_commit` (only a region's current staff)."""
        records = [answer, *(other for other in others if other.pending_events)]
        for record in records:
            for actor in {event.actor for event in record.pending_events}:
                self.require_staff(actor, getattr(record, "region"))  # noqa: B009 - cases and callers have one
        try:
            recordings = self.save(*records)
        except IntegrityError:
            raise ConcurrentUpdate(answer.aggregate_type, answer.id) from None
        return CommandResult(answer.id, answer.version, recordings[-1].notification.id)

    def _in_region(self, kind: type[R], record_id: UUID, region: str) -> R:
        try:
            record = self.get(kind, record_id)
        except RecordNotFound:
            record = None
        if record is None or record.region != region:
            raise ReferenceMismatch(f"no {kind.aggregate_type} {record_id} in region {region}")
        return record


def _time_of(region: Region | None) -> tuple[BusinessCalendar, TimePolicy]:
    """The region's calendar and time policy (the defaults for a region not found: a case's region always exists)."""
    if region is None:
        return ALWAYS, DEFAULT_TIME_POLICY
    return region.calendar, region.time_policy
