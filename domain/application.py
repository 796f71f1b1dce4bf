"""The command service: every command of the domain, on one `eventsourcing` Application."""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.domain import MutableOrImmutableAggregate

from domain.casework.case import Case
from domain.casework.case_commands import CaseCommands
from domain.development.coaching import CoachingReview
from domain.development.development_commands import DevelopmentCommands
from domain.development.training import TrainingProgramme, TrainingRecord, TrainingSession
from domain.ledger import replay
from domain.network.contract import Contract
from domain.network.network_commands import NetworkCommands
from domain.network.provider import Provider
from domain.policy.authority import PolicyAuthority
from domain.policy.meeting import Meeting
from domain.policy.meeting_commands import MeetingCommands
from domain.policy.proposal import Proposal
from domain.policy.proposal_commands import ProposalCommands
from domain.snapshot import Snapshot
from domain.staff.region import Region

SNAPSHOT_INTERVAL = 50
"""A snapshot every 50 events: loading any version replays at most 49 events."""

__all__ = ["CaseLedger"]


class CaseLedger(CaseCommands, NetworkCommands, DevelopmentCommands, MeetingCommands, ProposalCommands):
    """Runs commands against the event store: each command's events are saved in one transaction,
    durable before the method returns."""

    snapshot_class = Snapshot
    snapshotting_intervals: ClassVar[dict[type[MutableOrImmutableAggregate[Any]], int]] = {
        Case: SNAPSHOT_INTERVAL, Provider: SNAPSHOT_INTERVAL, Contract: SNAPSHOT_INTERVAL, Region: SNAPSHOT_INTERVAL,
        Meeting: SNAPSHOT_INTERVAL,
        Proposal: SNAPSHOT_INTERVAL, PolicyAuthority: SNAPSHOT_INTERVAL,
        CoachingReview: SNAPSHOT_INTERVAL, TrainingProgramme: SNAPSHOT_INTERVAL, TrainingSession: SNAPSHOT_INTERVAL,
        TrainingRecord: SNAPSHOT_INTERVAL,
    }
    snapshotting_projectors: ClassVar[dict[type[MutableOrImmutableAggregate[Any]], Any]] = {
        kind: replay for kind in snapshotting_intervals
    }
