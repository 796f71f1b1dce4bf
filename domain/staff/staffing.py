"""Commands on regions and their staff, and the rule that only a region's current staff change its records.

The rule lives here, in the command service, rather than in the HTTP API: every way in (the API, the
CLI, the demo, a future consumer) runs commands through this service, so none can forget it. It is
checked when a command's events are about to be saved, against the region as the event store has it
now (a cached aggregate brought up to date by one indexed read), not against a read model that may lag.

A change of staff moves what the person held, in the same transaction: a replaced coordinator's open
escalations go to the new coordinator; a representative who leaves (removed or transferred) returns
their open cases to the region's queue. One person works in one region at a time (domain/staff/membership.py).
A manager is on no region's staff: they record network-level decisions only, in every region.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import DomainEventProtocol, MutableOrImmutableAggregate
from eventsourcing.persistence import IntegrityError, Recording
from pydantic import Field

from domain.aggregate import Aggregate
from domain.casework.case import Case
from domain.errors import (
    ConcurrentUpdate,
    NetworkLevelOnly,
    NotOnStaff,
    RecordNotFound,
    RegionAlreadyEstablished,
    StaffInAnotherRegion,
)
from domain.ledger import CommandResult, LedgerBase, replay
from domain.staff.calendar import BusinessCalendar
from domain.staff.membership import Membership
from domain.staff.region import Region, StaffChange
from domain.staff.time_policy import TimePolicy
from domain.values import Actor, Code, Context, Role, ShortTextIn

__all__ = ["NETWORK_LEVEL_COMMANDS", "NETWORK_LEVEL_EVENTS", "NETWORK_WIDE", "UNBOUND", "RegionCommands"]

UNBOUND = (Role.ADMIN, Role.SYSTEM)
"""Roles that act in every region: administrators, and the engine's own processes."""

NETWORK_WIDE = (*UNBOUND, Role.MANAGER)
"""Roles on no region's staff that act in every region (a manager with network-level decisions only)."""

NETWORK_LEVEL_COMMANDS = frozenset({
    "terminate_provider", "terminate_contract", "amend_contract", "propose_amendment", "accept_amendment",
    "decline_amendment",
})
"""The commands a manager may run (in every region): ending a membership, changing or ending a contract."""

NETWORK_LEVEL_EVENTS = frozenset({
    "ProviderTerminated", "ContractTerminated", "ContractAmended", "ContractAmendmentProposed",
    "ContractAmendmentDeclined",
})
"""What those commands record (a terminated provider's contracts end with it): all a manager may record."""

NETWORK_LEVEL_EVENTS |= frozenset({
    "MeetingScheduled", "MeetingAgendaItemAdded", "MeetingHeld", "MeetingMinuted", "MeetingDecisionRecorded",
    "MeetingClosed", "MeetingCancelled", "StandardAdopted",
})
"""Issue 15: a coordinators' meeting is network-level (domain/policy/meeting_commands.py): a manager may run it,
and its decisions adopt standards on the regions in scope."""


NETWORK_LEVEL_EVENTS |= frozenset({"ProgrammeCreated"})
"""Issue 15: a training programme is network-level (domain/development/training.py): a manager may create one."""

NETWORK_LEVEL_COMMANDS |= frozenset({
    "approve_proposal", "reject_proposal", "return_proposal", "implement_proposal", "review_proposal_effect",
})
NETWORK_LEVEL_EVENTS |= frozenset({
    "ProposalApproved", "ProposalRejected", "ProposalReturned", "ProposalImplemented", "ProposalEffectReviewed",
})
"""Issue 15: a policy proposal is network-level (domain/policy/proposal_commands.py): senior management decides it,
and may implement it and review its effect."""


class RegionCommands(LedgerBase):
    def region(self, code: str) -> Region:
        """The region with this code, with its staff."""
        try:
            return self.get(Region, Region.id_for(code))
        except RecordNotFound:
            raise RecordNotFound("region", code) from None

    def establish_region(self, ctx: Context, code: Code, name: ShortTextIn) -> CommandResult:
        if Region.id_for(code) in self.repository:
            raise RegionAlreadyEstablished(code)
        return self._commit(Region.establish(ctx, code, name))

    def appoint_coordinator(self, ctx: Context, region: str, staff_id: Code, name: ShortTextIn) -> CommandResult:
        """A new coordinator replaces the current one, who leaves the region's staff; the escalations the
        replaced coordinator held move to the new one, each recorded on its case."""
        staffed = self.region(region)
        with self._at_command_time(staffed):
            previous = staffed.coordinator
            staffed.appoint_coordinator(ctx, staff_id, name)
            changed: list[Aggregate] = [self._placed(ctx, staff_id, region, Role.COORDINATOR)]
            if previous is not None:
                changed += self._released(ctx, previous.id, region, StaffChange.COORDINATOR_REPLACED)
                coordinator = staffed.staff_member(staff_id)
                for case in self._cases(self.index.cases_escalated_to(region, previous.id)):
                    if case.region == region and case.escalated_to == previous.id:
                        case.hand_over_escalation(ctx, coordinator, StaffChange.COORDINATOR_REPLACED)
                        changed.append(case)
        return self._commit_records(staffed, *changed)

    def add_representative(self, ctx: Context, region: str, staff_id: Code, name: ShortTextIn) -> CommandResult:
        """Refused while the person works in another region: transfer them instead."""
        staffed = self.region(region)
        with self._at_command_time(staffed):
            staffed.add_representative(ctx, staff_id, name)
            membership = self._placed(ctx, staff_id, region, Role.REPRESENTATIVE)
        return self._commit_records(staffed, membership)

    def remove_representative(self, ctx: Context, region: str, staff_id: str) -> CommandResult:
        """The representative leaves the region's staff; their open cases return to its queue, unassigned."""
        staffed = self.region(region)
        with self._at_command_time(staffed):
            staffed.remove_representative(ctx, staff_id)
            released = self._released(ctx, staff_id, region, StaffChange.REPRESENTATIVE_REMOVED)
            returned = self._return_cases(ctx, region, staff_id, StaffChange.REPRESENTATIVE_REMOVED)
        return self._commit_records(staffed, *released, *returned)

    def transfer_representative(self, ctx: Context, region: str, staff_id: str, to_region: Code) -> CommandResult:
        """Move a representative to another region's staff: their open cases return to the old region's queue,
        all in one transaction. A coordinator is moved by appointing their successor first."""
        source, target = self.region(region), self.region(to_region)
        with self._at_command_time(source, target):
            member = source.staff_member(staff_id)
            source.remove_representative(ctx, staff_id, transferred_to=to_region)
            target.add_representative(ctx, staff_id, member.name, transferred_from=region)
            membership = self._placed(ctx, staff_id, to_region, Role.REPRESENTATIVE, leaving=region)
            returned = self._return_cases(ctx, region, staff_id, StaffChange.REPRESENTATIVE_TRANSFERRED)
        return self._commit_records(source, target, membership, *returned)

    def set_reopen_window(self, ctx: Context, region: str, days: Annotated[int, Field(ge=0, le=3650)]) -> CommandResult:
        """How many days after closure the region's cases may be reopened (default 30)."""
        return self._update(Region, self.region(region).id, None, lambda r: r.set_reopen_window(ctx, days))

    def set_calendar(self, ctx: Context, region: str, calendar: BusinessCalendar) -> CommandResult:
        """The region's business-hours calendar: time zone, working hours per weekday, holidays (issue 16)."""
        return self._update(Region, self.region(region).id, None, lambda r: r.set_calendar(ctx, calendar))

    def set_time_policy(self, ctx: Context, region: str, policy: TimePolicy) -> CommandResult:
        """What the engine does by itself when a case's time runs out in the region (issue 16)."""
        return self._update(Region, self.region(region).id, None, lambda r: r.set_time_policy(ctx, policy))

    def membership(self, staff_id: str) -> Membership | None:
        """Where the person works, as their membership record says (None for someone never placed since the
        one-person-one-region rule, or placed only before it)."""
        try:
            return self.get(Membership, Membership.id_for(staff_id))
        except RecordNotFound:
            return None

    def require_staff(self, actor: Actor, region: str, reading: bool = False) -> None:
        """Refuse an actor who is not, now, on the region's staff in the role they act in (administrators
        and the system act everywhere; a manager too, but only with network-level decisions: see `save`).
        `reading`: the refusal says they may not read the region's records (a regional token's read)."""
        if actor.role in NETWORK_WIDE:
            return
        staff = self._current_region(region)
        if staff is None or not _holds(staff, actor):
            raise NotOnStaff(actor.id, actor.role, region, reading)

    def save(
        self, *objs: MutableOrImmutableAggregate[UUID] | DomainEventProtocol[UUID] | None, **kwargs: Any
    ) -> list[Recording[UUID]]:
        """Every write of every command passes here: a manager's events must all be network-level decisions."""
        for record in objs:
            if isinstance(record, Aggregate):
                for event in record.pending_events:
                    if event.actor.role is Role.MANAGER and event.type_name not in NETWORK_LEVEL_EVENTS:
                        raise NetworkLevelOnly(event.actor.id, getattr(record, "region", None) or "any",
                                               f"a command recording {event.type_name}")
        return super().save(*objs, **kwargs)

    def _commit(self, aggregate: Aggregate) -> CommandResult:
        self._check_staff(aggregate)
        return super()._commit(aggregate)

    def _commit_records(self, first: Aggregate, *others: Aggregate) -> CommandResult:
        """Save several records in one transaction (all or nothing); the result names the first."""
        changed = [aggregate for aggregate in (first, *others) if aggregate.pending_events]
        for aggregate in changed:
            self._check_staff(aggregate)
        try:
            recordings = self.save(*changed)
        except IntegrityError:
            raise ConcurrentUpdate(first.aggregate_type, first.id) from None
        return CommandResult(first.id, first.version, recordings[-1].notification.id)

    def _check_staff(self, aggregate: Aggregate) -> None:
        for actor in {event.actor for event in aggregate.pending_events}:
            if isinstance(aggregate, Region | Membership):
                if actor.role not in UNBOUND:  # a region's staff is kept by administrators
                    where = aggregate.code if isinstance(aggregate, Region) else aggregate.region or "any region"
                    raise NotOnStaff(actor.id, actor.role, where)
            else:
                self.require_staff(actor, getattr(aggregate, "region"))  # noqa: B009 - every other record has one

    @contextmanager
    def _at_command_time(self, *records: Aggregate) -> Iterator[None]:
        """A command on several records is dated once, never before the last event of the records it loaded."""
        stamp = self._stamp.set(max([self.clock(), *(record.modified_at for record in records)]))
        try:
            yield
        finally:
            self._stamp.reset(stamp)

    def _placed(self, ctx: Context, staff_id: str, region: str, role: Role, leaving: str | None = None) -> Membership:
        """The person's membership, placed in `region` (moved from `leaving`, for a transfer). Someone with no
        record was never placed since the rule, or only before it: the staff read model (brought up to the
        head of the log) names the regions they might work in, and each is checked in the event store."""
        membership = self.membership(staff_id)
        if membership is None:
            for code in self.index.regions_staffed_by(staff_id):
                current = self._current_region(code)
                if code not in (region, leaving) and current is not None and _on_staff(current, staff_id):
                    held = Role.COORDINATOR if staff_id not in current.representatives else Role.REPRESENTATIVE
                    raise StaffInAnotherRegion(staff_id, code, region, held)
            membership = Membership.register(ctx, staff_id)
        elif leaving is not None:
            membership.release(ctx, leaving, StaffChange.REPRESENTATIVE_TRANSFERRED)
        membership.place(ctx, region, role)
        return membership

    def _released(self, ctx: Context, staff_id: str, region: str, cause: StaffChange) -> list[Membership]:
        """The person's membership, released from `region` (none to change for someone placed before the rule)."""
        membership = self.membership(staff_id)
        if membership is None:
            return []
        membership.release(ctx, region, cause)
        return [membership]

    def _return_cases(self, ctx: Context, region: str, staff_id: str, cause: StaffChange) -> list[Case]:
        """The open cases of `region` assigned to `staff_id`, each returned to the queue."""
        returned = []
        for case in self._cases(self.index.open_cases_assigned(region, staff_id)):
            if case.region == region and case.assignee == staff_id and case.is_open:
                case.return_to_queue(ctx, cause)
                returned.append(case)
        return returned

    def _cases(self, case_ids: list[UUID]) -> Iterator[Case]:
        """The cases the index names, as the event store has them now (the index only proposes)."""
        for case_id in case_ids:
            try:
                yield self.get(Case, case_id)
            except RecordNotFound:
                continue

    def _current_region(self, code: str) -> Region | None:
        """The region as stored now, read without the copy a command's own `get` makes (it is not changed)."""
        region_id: UUID = Region.id_for(code)
        try:
            region = self.repository.get(region_id, projector_func=replay, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return None
        return region if isinstance(region, Region) else None


def _holds(region: Region, actor: Actor) -> bool:
    if actor.role is Role.COORDINATOR:
        return region.coordinator is not None and region.coordinator.id == actor.id
    return actor.role is Role.REPRESENTATIVE and actor.id in region.representatives


def _on_staff(region: Region, staff_id: str) -> bool:
    return staff_id in region.representatives or (region.coordinator is not None and region.coordinator.id == staff_id)
