"""Commands on coordinators' meetings, and how a decision adopting a standard reaches the regions in its scope.

Who may command a meeting: it belongs to no region, so it is network-level, like a manager's decisions. The staff
rule (domain/staff/staffing.py) is kept in this form: every event of a meeting is recorded by a *current*
coordinator of some region (checked in the event store when the events are saved, like every staff check), a
manager, or an administrator (or the engine itself); representatives and auditors may not. A standard adopted by
a decision is recorded on each region in scope (`StandardAdopted`) by the same person, in the same transaction as
the decision: this is the one change of a region's record that is not an administrator's.

Attendance: each coordinator listed must coordinate a region now (recorded with that region); a manager is on no
region's staff and the engine keeps no roster of managers, so a manager listed is refused only if they work in a
region (as a representative or coordinator).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, ValidationError

from domain.aggregate import Aggregate
from domain.casework.case_events import Category, PolicyArea
from domain.errors import (
    AttendeeNotCoordinator,
    AttendeeOnStaff,
    InvalidValue,
    MeetingNeedsCoordinatorOrManager,
    VersionMismatch,
)
from domain.ledger import CommandResult
from domain.policy.meeting import AgendaItem, Attendee, Decision, Meeting
from domain.policy.standard import DecisionKind, TargetHours
from domain.staff.region import Region, StandardAdopted
from domain.staff.staffing import NETWORK_WIDE, RegionCommands
from domain.values import Actor, Code, Context, Day, Moment, Role, ShortTextIn, TextIn

__all__ = ["MeetingCommands"]

M = TypeVar("M", bound=BaseModel)


class MeetingCommands(RegionCommands):
    def meeting(self, meeting_id: UUID) -> Meeting:
        return self.get(Meeting, meeting_id)

    def schedule_meeting(
        self, ctx: Context, *, title: ShortTextIn, scheduled_for: Moment, meeting_id: UUID | None = None,
    ) -> CommandResult:
        """Schedule a coordinators' meeting (a current coordinator of any region, a manager or an administrator)."""
        return self._commit(Meeting.schedule(ctx, meeting_id or self.new_id(), title, scheduled_for))

    def add_agenda_item(
        self, ctx: Context, meeting_id: UUID, item_id: Code, text: TextIn | None = None,
        policy_area: PolicyArea | None = None, regions: Sequence[Code] = (), expected_version: int | None = None,
    ) -> CommandResult:
        """Add an item to the agenda of a scheduled meeting: a common problem (policy area, regions) or text."""
        for code in regions:
            self.region(code)
        item = _value(AgendaItem, item_id=item_id, text=text, policy_area=policy_area, regions=list(regions))
        return self._update(Meeting, meeting_id, expected_version, lambda m: m.add_agenda_item(ctx, item))

    def hold_meeting(
        self, ctx: Context, meeting_id: UUID, coordinators: Sequence[Code], managers: Sequence[Code] = (),
        expected_version: int | None = None,
    ) -> CommandResult:
        """Record that the meeting was held, and who attended: current coordinators, and managers."""
        attendees = [self._coordinator_attending(staff_id) for staff_id in coordinators]
        attendees += [self._manager_attending(staff_id) for staff_id in managers]
        return self._update(Meeting, meeting_id, expected_version, lambda m: m.hold(ctx, attendees))

    def record_meeting_minutes(
        self, ctx: Context, meeting_id: UUID, minutes: TextIn, expected_version: int | None = None,
    ) -> CommandResult:
        """Record the minutes of a held meeting."""
        return self._update(Meeting, meeting_id, expected_version, lambda m: m.record_minutes(ctx, minutes))

    def record_meeting_decision(
        self, ctx: Context, meeting_id: UUID, decision_id: Code, kind: DecisionKind, text: TextIn,
        regions: Sequence[Code], effective_on: Day, categories: Sequence[Category] = (),
        first_response_hours: TargetHours | None = None, resolution_hours: TargetHours | None = None,
        proposal_id: UUID | None = None, expected_version: int | None = None,
    ) -> CommandResult:
        """Record a standard or business process the meeting adopted; a standard is recorded on each region in
        scope in the same transaction, and governs its cases opened on or after the effective date."""
        decision = _value(Decision, decision_id=decision_id, kind=kind, text=text, regions=list(regions),
                          categories=list(categories), effective_on=effective_on,
                          first_response_hours=first_response_hours, resolution_hours=resolution_hours,
                          proposal_id=proposal_id)
        meeting = self.get(Meeting, meeting_id)
        if expected_version is not None and expected_version != meeting.version:
            raise VersionMismatch(Meeting.aggregate_type, meeting_id, expected_version, meeting.version)
        in_scope = [self.region(code) for code in dict.fromkeys(decision.regions)]
        self._time_after(meeting)  # refuses a clock far behind the meeting's last event
        with self._at_command_time(meeting, *in_scope):
            meeting.record_decision(ctx, decision,
                                    {r.code: None if r.coordinator is None else r.coordinator.id for r in in_scope},
                                    {r.code: r.standards for r in in_scope})
            standard = meeting.decision(decision_id).standard(meeting.id)
            if standard is not None:
                for region in in_scope:
                    region.adopt_standard(ctx, standard)
        return self._commit_records(meeting, *in_scope)

    def close_meeting(self, ctx: Context, meeting_id: UUID, expected_version: int | None = None) -> CommandResult:
        """Close a minuted meeting: nothing more is recorded on it."""
        return self._update(Meeting, meeting_id, expected_version, lambda m: m.close(ctx))

    def cancel_meeting(
        self, ctx: Context, meeting_id: UUID, reason: ShortTextIn, expected_version: int | None = None,
    ) -> CommandResult:
        """Cancel a meeting that was not held."""
        return self._update(Meeting, meeting_id, expected_version, lambda m: m.cancel(ctx, reason))

    # -- the staff rule for network-level meetings ------------------------------------------------

    def require_convener(self, actor: Actor) -> None:
        """Refuse anyone but a current coordinator of some region, a manager, an administrator or the system."""
        if actor.role in NETWORK_WIDE:
            return
        if actor.role is Role.COORDINATOR and self._coordinated_region(actor.id) is not None:
            return
        raise MeetingNeedsCoordinatorOrManager(actor.id, actor.role, "run a coordinators' meeting")

    def _check_staff(self, aggregate: Aggregate) -> None:
        events = aggregate.pending_events
        adopting = isinstance(aggregate, Region) and bool(events) and all(
            isinstance(event, StandardAdopted) for event in events)
        if isinstance(aggregate, Meeting) or adopting:
            for actor in {event.actor for event in events}:
                self.require_convener(actor)
            return
        super()._check_staff(aggregate)

    def _coordinator_attending(self, staff_id: str) -> Attendee:
        region = self._coordinated_region(staff_id)
        if region is None:
            raise AttendeeNotCoordinator(staff_id)
        return Attendee(staff_id=staff_id, role=Role.COORDINATOR, region=region)

    def _manager_attending(self, staff_id: str) -> Attendee:
        for code in self._regions_of(staff_id):
            region = self._current_region(code)
            if region is not None and region.coordinator is not None and region.coordinator.id == staff_id:
                raise AttendeeOnStaff(staff_id, code, Role.COORDINATOR)
            if region is not None and staff_id in region.representatives:
                raise AttendeeOnStaff(staff_id, code, Role.REPRESENTATIVE)
        return Attendee(staff_id=staff_id, role=Role.MANAGER)

    def _coordinated_region(self, staff_id: str) -> str | None:
        """The region this person coordinates now, as the event store has it."""
        for code in self._regions_of(staff_id):
            region = self._current_region(code)
            if region is not None and region.coordinator is not None and region.coordinator.id == staff_id:
                return code
        return None

    def _regions_of(self, staff_id: str) -> list[str]:
        """Where the person may work: their membership's region, or for someone placed before the one-person-one-
        region rule, the regions the staff read model names (each is then checked in the event store)."""
        membership = self.membership(staff_id)
        if membership is not None:
            return [membership.region] if membership.region else []
        return self.index.regions_staffed_by(staff_id)


def _value(model: type[M], **fields: Any) -> M:
    """A value object from a command's arguments; a bad argument is refused naming its field."""
    try:
        return model(**fields)
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidValue(".".join(str(part) for part in first["loc"]) or model.__name__, first["msg"]) from None
