"""Which policy areas the coordinators decide themselves: a setting kept by administrators, as a record.

Source text 004: the coordinators propose a policy change to senior management and often have the authority
to make it. Where they have it is a setting, and a setting that decides who may approve a policy must be
auditable: it is one event-sourced record, `PolicyAuthority`, with a fixed id, so its history answers "who
gave the coordinators which area, when, and why" and an as-of read answers "who decided this area then".
Only administrators (and the engine's own processes) change it. A network that never set it gives the
coordinators no area: every proposal goes to a manager.

Its events are published with the proposals' (`aggregate_type` "proposal"): they are facts about who decides
proposals.
"""

from __future__ import annotations

from typing import Self
from uuid import UUID, uuid5

from pydantic import Field

from domain.aggregate import Aggregate
from domain.casework.case_events import PolicyArea
from domain.errors import AuthorityAlreadyHeld, AuthorityNeedsAdmin, AuthorityNotHeld
from domain.event import DomainEvent
from domain.values import Context, Role, Text

__all__ = [
    "AUTHORITY_ID",
    "CoordinatorAuthorityGranted",
    "CoordinatorAuthorityWithdrawn",
    "PolicyAuthority",
    "PolicyAuthorityEstablished",
    "PolicyAuthorityEvent",
]

AUTHORITY_ID = uuid5(UUID("3c9e5a71-0b4d-4f6e-8a2c-7d1f9e3b5a60"), "policy-authority")
"""The one record of the setting: its id is fixed, so every way in finds the same one."""

KEEPERS = (Role.ADMIN, Role.SYSTEM)


class PolicyAuthorityEvent(DomainEvent, abstract=True):
    aggregate_type = "proposal"


class PolicyAuthorityEstablished(PolicyAuthorityEvent):
    """The setting's record is opened (with no area), on the first change an administrator makes."""


class CoordinatorAuthorityGranted(PolicyAuthorityEvent):
    """From now on the coordinators decide proposals in this policy area (a manager still may)."""

    policy_area: PolicyArea
    reason: Text


class CoordinatorAuthorityWithdrawn(PolicyAuthorityEvent):
    """From now on proposals in this policy area are a manager's to decide again."""

    policy_area: PolicyArea
    reason: Text


class PolicyAuthority(Aggregate):
    aggregate_type = "policy-authority"
    creation_event = PolicyAuthorityEstablished

    coordinator_areas: list[PolicyArea] = Field(default_factory=list)
    """The policy areas the coordinators decide, in order."""

    @classmethod
    def establish(cls, ctx: Context) -> Self:
        _require_keeper(ctx)
        return cls._create(ctx, AUTHORITY_ID)

    def grant(self, ctx: Context, policy_area: PolicyArea, reason: str) -> None:
        _require_keeper(ctx)
        if policy_area in self.coordinator_areas:
            raise AuthorityAlreadyHeld(policy_area)
        self._record(CoordinatorAuthorityGranted, ctx, policy_area=policy_area, reason=reason)

    def withdraw(self, ctx: Context, policy_area: PolicyArea, reason: str) -> None:
        _require_keeper(ctx)
        if policy_area not in self.coordinator_areas:
            raise AuthorityNotHeld(policy_area)
        self._record(CoordinatorAuthorityWithdrawn, ctx, policy_area=policy_area, reason=reason)

    def coordinators_decide(self, policy_area: PolicyArea) -> bool:
        return policy_area in self.coordinator_areas

    @classmethod
    def created_by(cls, event: PolicyAuthorityEstablished) -> Self:
        return cls(id=event.originator_id, version=1, created_at=event.occurred_at, modified_at=event.occurred_at)

    def when(self, event: PolicyAuthorityEvent) -> None:
        match event:
            case CoordinatorAuthorityGranted(policy_area=area):
                self.coordinator_areas = sorted({*self.coordinator_areas, area})
            case CoordinatorAuthorityWithdrawn(policy_area=area):
                self.coordinator_areas = [a for a in self.coordinator_areas if a != area]


def _require_keeper(ctx: Context) -> None:
    if ctx.actor.role not in KEEPERS:
        raise AuthorityNeedsAdmin(ctx.actor.id, ctx.actor.role)
