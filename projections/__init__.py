"""Read models: each a pure mapping from domain events to changes in a small store interface."""

from projections.audit_trail import AuditTrail
from projections.cases import CaseQueue
from projections.common_problems import CommonProblems
from projections.development import Development
from projections.directory import Directory
from projections.meetings import Meetings
from projections.proposals import ProposalList
from projections.staff import Staff
from projections.store import Projection

__all__ = ["ALL_PROJECTIONS", "projection_named"]

ALL_PROJECTIONS: tuple[Projection, ...] = (CaseQueue(), Staff(), Directory(), AuditTrail(), CommonProblems())

ALL_PROJECTIONS += (Development(),)  # issue 15: coaching, training, and a region's readiness

ALL_PROJECTIONS += (Meetings(),)  # issue 15: coordinators' meetings and the standards they adopted

ALL_PROJECTIONS += (ProposalList(),)  # issue 15: policy proposals


def projection_named(name: str) -> Projection:
    """The projection with this name; a KeyError lists the names there are."""
    for projection in ALL_PROJECTIONS:
        if projection.name == name:
            return projection
    raise KeyError(f"no read model named {name!r}; there are: {', '.join(p.name for p in ALL_PROJECTIONS)}")
