"""Read models: each a pure mapping from domain events to changes in a small store interface."""

from datetime import datetime

from projections.as_of import AsOfReader, Historied
from projections.audit_trail import AuditTrail
from projections.cases import CaseQueue
from projections.common_problems import CommonProblems
from projections.development import Development
from projections.directory import Directory
from projections.meetings import Meetings
from projections.proposals import ProposalList
from projections.staff import Staff
from projections.store import Projection, Table, ViewReader

__all__ = ["ALL_PROJECTIONS", "HISTORIED_TABLES", "projection_named", "view_as_of"]

# issue 16: the queue, the staff and the common problems keep every version of their rows, so the dashboard,
# the queue and the common problems answer as of any past moment
ALL_PROJECTIONS: tuple[Projection, ...] = (Historied(CaseQueue()), Historied(Staff()), Directory(), AuditTrail(),
                                           Historied(CommonProblems()))

ALL_PROJECTIONS += (Development(),)  # issue 15: coaching, training, and a region's readiness

ALL_PROJECTIONS += (Meetings(),)  # issue 15: coordinators' meetings and the standards they adopted

ALL_PROJECTIONS += (ProposalList(),)  # issue 15: policy proposals

HISTORIED_TABLES: tuple[Table, ...] = tuple(table for projection in ALL_PROJECTIONS
                                            if isinstance(projection, Historied)
                                            for table in projection.historied.values())
"""The tables that can be read as of a past moment."""


def view_as_of(view: ViewReader, moment: datetime) -> ViewReader:
    """The views as they were at `moment`: built from the events dated at or before it (see projections.as_of)."""
    return AsOfReader(view, moment, HISTORIED_TABLES)


def projection_named(name: str) -> Projection:
    """The projection with this name; a KeyError lists the names there are."""
    for projection in ALL_PROJECTIONS:
        if projection.name == name:
            return projection
    raise KeyError(f"no read model named {name!r}; there are: {', '.join(p.name for p in ALL_PROJECTIONS)}")
