"""Refusals: each names what was refused and why, in words a representative can act on.

    DomainError
    +-- InvalidValue               a field's value breaks its rule
    +-- TransitionRefused          the command is not allowed in the record's status
    +-- RecordNotFound             no case, provider, contract or region with that id
    +-- VersionMismatch            the record moved on since the version the caller saw
    +-- ConcurrentUpdate           another writer saved the same record first
    +-- ClockBehindRecord          this server's clock is behind the record's last event
    +-- CaseError
    |   +-- CaseNotTriaged, CaseNotAssigned, AlreadyAssigned, NotARepresentative,
    |   +-- AssigneeInOtherRegion, NotRegionCoordinator, AlreadyEscalated, NotEscalated,
    |   +-- NotEscalationHolder, ActionsStillScheduled, UnknownAction, DuplicateAction,
    |   +-- ActionNotScheduled, PolicyAreaAlreadyFlagged, ReferenceMismatch
    +-- ProviderError
    |   +-- ProviderNotCredentialed, CredentialExpired, CredentialExpiryNotInFuture,
    |   +-- RetentionRiskNotFlagged
    +-- ContractError
    |   +-- InvalidTerms, TermsUnchanged, TermsNotAgreed, AlreadySigned, ProviderNotActive,
    |   +-- ProviderNotContractable, ContractNotYetEffective, ContractNotYetExpired,
    |   +-- RenewalNotLater
    +-- RegionError
        +-- RegionAlreadyEstablished, StaffAlreadyInRegion, StaffNotInRegion,
        +-- RegionHasNoCoordinator, NotOnStaff (+-- NetworkLevelOnly),
        +-- CoordinatorNotRemovable, StaffInAnotherRegion
    +-- ProposalError (policy proposals and who decides them)
        +-- NotACurrentCoordinator (a NotOnStaff too), ProposalNeedsCoordinator, ProposalDecisionNeedsAuthority,
        +-- CoordinatorsLackAuthority, ApproverRegionNotCovered, RegionAlreadyApproved, ProposalNotRevised,
        +-- ProposalWithoutEvidence, ProposalRevisionUnchanged, EffectiveBeforeApproval, EffectNotYetMeasurable,
        +-- AuthorityNeedsAdmin, AuthorityAlreadyHeld, AuthorityNotHeld

Each class has a stable `code`, used as the problem `type` by the HTTP API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

__all__ = [
    "ActionNotScheduled",
    "ActionsStillScheduled",
    "AlreadyAssigned",
    "AlreadyEscalated",
    "AlreadySigned",
    "AssigneeInOtherRegion",
    "CaseError",
    "CaseNotAssigned",
    "CaseNotTriaged",
    "ClockBehindRecord",
    "ConcurrentUpdate",
    "ContractError",
    "CoordinatorNotRemovable",
    "ContractNotYetEffective",
    "ContractNotYetExpired",
    "CredentialExpired",
    "CredentialExpiryNotInFuture",
    "DomainError",
    "DuplicateAction",
    "InvalidTerms",
    "InvalidValue",
    "NotARepresentative",
    "NotEscalated",
    "NotEscalationHolder",
    "NetworkLevelOnly",
    "NotOnStaff",
    "NotRegionCoordinator",
    "PolicyAreaAlreadyFlagged",
    "ProviderError",
    "ProviderNotActive",
    "ProviderNotContractable",
    "ProviderNotCredentialed",
    "RecordNotFound",
    "ReferenceMismatch",
    "RegionAlreadyEstablished",
    "RegionError",
    "RegionHasNoCoordinator",
    "RenewalNotLater",
    "RetentionRiskNotFlagged",
    "StaffAlreadyInRegion",
    "StaffInAnotherRegion",
    "StaffNotInRegion",
    "TermsNotAgreed",
    "TermsUnchanged",
    "TransitionRefused",
    "UnknownAction",
    "VersionMismatch",
    "EscalatedCaseNeedsCoordinator",
    "SurveyAnsweredByCaseWorker",
    "ReopenWindowPassed",
    "DisputeNotForCategory",
    "DisputeAlreadyRecorded",
    "DisputeNeedsCounterparty",
    "NoDispute",
    "DisputeAlreadyDecided",
    "DisputeUndecided",
    "DisputeCategoryLocked",
    "InvalidOutcome",
    "MergeRefused",
    "CasesInDifferentRegions",
    "AlreadyLinked",
    "NotAHarassmentCase",
    "CallerAlreadyFlagged",
    "CallerNotFlagged",
    "NotAHarassingContact",
    "ProposalError",
    "NotACurrentCoordinator",
    "ProposalNeedsCoordinator",
    "ProposalDecisionNeedsAuthority",
    "CoordinatorsLackAuthority",
    "ApproverRegionNotCovered",
    "RegionAlreadyApproved",
    "ProposalNotRevised",
    "ProposalWithoutEvidence",
    "ProposalRevisionUnchanged",
    "EffectiveBeforeApproval",
    "EffectNotYetMeasurable",
    "AuthorityNeedsAdmin",
    "AuthorityAlreadyHeld",
    "AuthorityNotHeld",
    "TimerNotWanted",
]


class DomainError(Exception):
    """A command the model refuses; nothing was recorded."""

    code: ClassVar[str] = "domain-error"

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls.code = re.sub(r"(?<!^)(?=[A-Z])", "-", cls.__name__).lower()

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidValue(DomainError):
    """A value breaks its rule (too long, wrong format, out of range)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


class TransitionRefused(DomainError):
    """The command does not apply to a record in its current status."""

    def __init__(self, kind: str, record_id: UUID, command: str, status: str, allowed: Iterable[str]) -> None:
        allowed_list = ", ".join(allowed)
        super().__init__(
            f"cannot {command} {kind} {record_id}: it is {status}; allowed only when {allowed_list}"
        )
        self.status = status


class RecordNotFound(DomainError):
    """No record of that kind has that id."""

    def __init__(self, kind: str, record_id: object) -> None:
        super().__init__(f"no {kind} with id {record_id}")


class VersionMismatch(DomainError):
    """The caller acted on a version that is no longer current."""

    def __init__(self, kind: str, record_id: UUID, expected: int, actual: int) -> None:
        super().__init__(
            f"{kind} {record_id} is at version {actual}, not {expected}: reload it and try again"
        )
        self.actual = actual


class ClockBehindRecord(DomainError):
    """This server's clock reads earlier than the record's last event by more than clock skew explains:
    the event would be dated falsely (or before its predecessor), so the command is not taken."""

    def __init__(self, kind: str, record_id: UUID, now: datetime, last: datetime) -> None:
        super().__init__(
            f"{kind} {record_id} last changed at {last.isoformat()}, but this server's clock says "
            f"{now.isoformat()}: set the server's clock right, then try again"
        )


class ConcurrentUpdate(DomainError):
    """Another command saved the same record at the same moment; retrying is safe."""

    def __init__(self, kind: str, record_id: UUID) -> None:
        super().__init__(f"{kind} {record_id} was changed by another command at the same time: try again")


class TimerNotWanted(DomainError):
    """A timer fired that its record no longer wants (or not yet): the record changed since it was set."""

    def __init__(self, kind: str, record_id: UUID, purpose: str) -> None:
        super().__init__(f"{kind} {record_id} no longer wants its timer {purpose!r} now: nothing to do")


class CaseError(DomainError):
    """A case command refused by the case's rules."""


class CaseNotTriaged(CaseError):
    """Assignment and resolution need a category and priority first."""

    def __init__(self, case_id: UUID, command: str) -> None:
        super().__init__(f"cannot {command} case {case_id}: triage it first (category and priority)")


class CaseNotAssigned(CaseError):
    """Someone must own a case before it can wait on the customer or be resolved."""

    def __init__(self, case_id: UUID, command: str) -> None:
        super().__init__(f"cannot {command} case {case_id}: assign it to a representative first")


class AlreadyAssigned(CaseError):
    """Assigning to the current assignee changes nothing."""

    def __init__(self, case_id: UUID, staff_id: str) -> None:
        super().__init__(f"case {case_id} is already assigned to {staff_id}")


class NotARepresentative(CaseError):
    """Only representatives take cases; coordinators take escalations."""

    def __init__(self, staff_id: str, region: str) -> None:
        super().__init__(f"{staff_id} is not a representative of region {region}")


class AssigneeInOtherRegion(CaseError):
    """A case is worked by the staff of its own region."""

    def __init__(self, case_id: UUID, staff_id: str, staff_region: str, case_region: str) -> None:
        super().__init__(
            f"cannot assign case {case_id} of region {case_region} to {staff_id} of region {staff_region}"
        )


class NotRegionCoordinator(CaseError):
    """Escalations go to the coordinator of the case's region."""

    def __init__(self, staff_id: str, region: str) -> None:
        super().__init__(f"{staff_id} is not the coordinator of region {region}")


class AlreadyEscalated(CaseError):
    """A case is escalated once until the coordinator hands it back."""

    def __init__(self, case_id: UUID, coordinator_id: str) -> None:
        super().__init__(f"case {case_id} is already escalated to {coordinator_id}")


class NotEscalated(CaseError):
    """Only an escalated case can be de-escalated."""

    def __init__(self, case_id: UUID) -> None:
        super().__init__(f"case {case_id} is not escalated")


class NotEscalationHolder(CaseError):
    """Only the coordinator holding the escalation (or an administrator) hands it back."""

    def __init__(self, case_id: UUID, actor_id: str, coordinator_id: str) -> None:
        super().__init__(
            f"{actor_id} cannot de-escalate case {case_id}: it is held by coordinator {coordinator_id}"
        )


class ActionsStillScheduled(CaseError):
    """A case is resolved only when every scheduled action is completed or cancelled."""

    def __init__(self, case_id: UUID, action_ids: Iterable[str]) -> None:
        ids = ", ".join(action_ids)
        super().__init__(f"cannot resolve case {case_id}: actions still scheduled: {ids}; complete or cancel them")


class UnknownAction(CaseError):
    """The action id was never scheduled on this case."""

    def __init__(self, case_id: UUID, action_id: str) -> None:
        super().__init__(f"case {case_id} has no action {action_id}")


class DuplicateAction(CaseError):
    """Action ids are unique within a case."""

    def __init__(self, case_id: UUID, action_id: str) -> None:
        super().__init__(f"case {case_id} already has an action {action_id}: choose another id")


class ActionNotScheduled(CaseError):
    """A completed or cancelled action is final."""

    def __init__(self, case_id: UUID, action_id: str, status: str) -> None:
        super().__init__(f"action {action_id} of case {case_id} is already {status}")


class PolicyAreaAlreadyFlagged(CaseError):
    """A case is flagged once per policy area."""

    def __init__(self, case_id: UUID, area: str) -> None:
        super().__init__(f"case {case_id} is already flagged for policy area {area}")


class ReferenceMismatch(CaseError):
    """A case's provider and contract must belong together and to the case's region."""


class ProviderError(DomainError):
    """A provider command refused by the recruitment and membership rules."""


class ProviderNotCredentialed(ProviderError):
    """Only a credentialed provider becomes an active member."""

    def __init__(self, provider_id: UUID, status: str) -> None:
        super().__init__(f"cannot activate provider {provider_id}: it is {status}, not credentialed")


class CredentialExpired(ProviderError):
    """An expired credential must be renewed before membership continues."""

    def __init__(self, provider_id: UUID, expired_on: date) -> None:
        super().__init__(f"provider {provider_id}'s credential expired on {expired_on}: re-credential it first")


class CredentialExpiryNotInFuture(ProviderError):
    """A credential must be valid for some time from now."""

    def __init__(self, expires_on: date, today: date) -> None:
        super().__init__(f"credential expiry {expires_on} must be after today ({today})")


class RetentionRiskNotFlagged(ProviderError):
    """Clearing a retention risk needs one to be flagged."""

    def __init__(self, provider_id: UUID) -> None:
        super().__init__(f"provider {provider_id} has no retention risk flagged")


class ContractError(DomainError):
    """A contract command refused by the negotiation rules."""


class InvalidTerms(ContractError):
    """Terms must be coherent (dates in order, distinct service codes)."""


class TermsUnchanged(ContractError):
    """A counter-offer or amendment must change something."""

    def __init__(self, contract_id: UUID) -> None:
        super().__init__(f"the terms offered for contract {contract_id} are the current terms: change something")


class TermsNotAgreed(ContractError):
    """A contract is signed only after both sides agreed its terms."""

    def __init__(self, contract_id: UUID, status: str) -> None:
        super().__init__(f"cannot sign contract {contract_id}: its terms were never agreed (it is {status})")


class AlreadySigned(ContractError):
    """Each party signs once."""

    def __init__(self, contract_id: UUID, party: str) -> None:
        super().__init__(f"contract {contract_id} is already signed by the {party}")


class ProviderNotActive(ContractError):
    """Only an active, credentialed member can hold an active contract."""

    def __init__(self, contract_id: UUID, provider_id: UUID, status: str) -> None:
        super().__init__(
            f"cannot activate contract {contract_id}: provider {provider_id} is {status}, not an active member"
        )


class ProviderNotContractable(ContractError):
    """No contract is drafted for a rejected or terminated provider."""

    def __init__(self, provider_id: UUID, status: str) -> None:
        super().__init__(f"cannot draft a contract for provider {provider_id}: it is {status}")


class ContractNotYetEffective(ContractError):
    """A contract becomes active on its effective date, not before."""

    def __init__(self, contract_id: UUID, effective_on: date) -> None:
        super().__init__(f"contract {contract_id} takes effect on {effective_on}: activate it then")


class ContractNotYetExpired(ContractError):
    """A contract expires on its expiry date, not before; terminate it to end it early."""

    def __init__(self, contract_id: UUID, expires_on: date) -> None:
        super().__init__(f"contract {contract_id} runs until {expires_on}; terminate it to end it earlier")


class RenewalNotLater(ContractError):
    """A renewal extends the contract."""

    def __init__(self, contract_id: UUID, expires_on: date, current: date) -> None:
        super().__init__(f"renewal of contract {contract_id} to {expires_on} must be later than {current}")


class RegionError(DomainError):
    """A staffing command refused by the region's rules."""


class RegionAlreadyEstablished(RegionError):
    """Region codes are unique."""

    def __init__(self, code: str) -> None:
        super().__init__(f"region {code} already exists")


class StaffAlreadyInRegion(RegionError):
    """A staff member joins a region once."""

    def __init__(self, staff_id: str, region: str) -> None:
        super().__init__(f"{staff_id} is already on the staff of region {region}")


class StaffNotInRegion(RegionError):
    """The staff member is not on the region's staff."""

    def __init__(self, staff_id: str, region: str) -> None:
        super().__init__(f"{staff_id} is not on the staff of region {region}")




class RegionHasNoCoordinator(RegionError):
    """Escalation needs a coordinator appointed for the region."""

    def __init__(self, region: str) -> None:
        super().__init__(f"region {region} has no coordinator to escalate to: appoint one first")


class NotOnStaff(RegionError):
    """Only a region's current staff, in the role they hold, and administrators change its records (and only its
    current staff read them with a regional token)."""

    def __init__(self, staff_id: str, role: str, region: str, reading: bool = False) -> None:
        if reading:
            super().__init__(f"{staff_id} is not on the current staff of region {region} (as {role}): no longer (or "
                             "never) on its staff, they may not read its records; a regional token works only while "
                             "its subject is on the region's staff")
            return
        super().__init__(f"{staff_id} is not on the current staff of region {region} (as {role}): only its "
                         "current staff or an administrator may change its records")


# --- contracts and providers (issue 14: two-party negotiation, status reaching contracts, payments) ---


class NeedsCoordinatorOrManager(DomainError):
    """A network-level decision (ending a membership, changing or ending a contract) is not a
    representative's alone: it takes the coordinator of the record's region, a manager or an administrator."""

    def __init__(self, actor_id: str, role: str, command: str, kind: str, record_id: UUID, region: str) -> None:
        super().__init__(f"{actor_id} ({role}) cannot {command} {kind} {record_id}: only the coordinator of region "
                         f"{region}, a manager or an administrator may")


class ProviderTerminationNeedsAuthority(NeedsCoordinatorOrManager, ProviderError):
    """Terminating a provider takes the region's coordinator, a manager or an administrator."""


class ContractAmendmentNeedsAuthority(NeedsCoordinatorOrManager, ContractError):
    """Proposing or accepting an amendment on the network's side takes the region's coordinator, a manager or
    an administrator."""


class ContractTerminationNeedsAuthority(NeedsCoordinatorOrManager, ContractError):
    """Terminating a contract takes the region's coordinator, a manager or an administrator."""


class CredentialNotYetExpired(ProviderError):
    """A credential lapses on its expiry date, not before."""

    def __init__(self, provider_id: UUID, expires_on: date) -> None:
        super().__init__(f"provider {provider_id}'s credential is valid until {expires_on}: it can lapse on or "
                         "after that date")


class NotYourTurn(ContractError):
    """Negotiation alternates: a counter-offer answers the other party's standing offer."""

    def __init__(self, contract_id: UUID, party: str) -> None:
        super().__init__(f"the standing offer on contract {contract_id} is the {party}'s own: negotiation "
                         f"alternates, so the other party answers it (accept it or counter-offer)")


class OwnOfferNotAcceptable(ContractError):
    """An offer is accepted only by the party that did not make it."""

    def __init__(self, contract_id: UUID, party: str, what: str = "offer") -> None:
        super().__init__(f"the {party} made the standing {what} on contract {contract_id}: only the other party "
                         f"can accept it")


class ProviderEvidenceMissing(ContractError):
    """The provider's acceptance and signature are recorded only with evidence of who signed for it."""

    def __init__(self, contract_id: UUID, act: str) -> None:
        super().__init__(f"the provider's {act} on contract {contract_id} needs evidence: who signed for the "
                         "provider, their title, a reference and the SHA-256 of the signed document")


class EvidenceNotForNetwork(ContractError):
    """Provider evidence describes the provider's signatory; the network's act names its staff member."""

    def __init__(self, contract_id: UUID) -> None:
        super().__init__(f"contract {contract_id}: provider evidence is given only for the provider's act; the "
                         "network's act records the staff member who does it")


class AmendmentPending(ContractError):
    """One amendment at a time: the pending one is accepted or declined first."""

    def __init__(self, contract_id: UUID, party: str) -> None:
        super().__init__(f"contract {contract_id} has an amendment proposed by the {party} waiting: accept or "
                         "decline it first")


class NoAmendmentPending(ContractError):
    """Accepting or declining needs a proposed amendment."""

    def __init__(self, contract_id: UUID) -> None:
        super().__init__(f"contract {contract_id} has no proposed amendment: propose one first")


class RenewalPastCredential(ContractError):
    """A contract cannot run past its provider's credential."""

    def __init__(self, contract_id: UUID, expires_on: date, credential_expires_on: date) -> None:
        super().__init__(f"cannot renew contract {contract_id} to {expires_on}: the provider's credential expires "
                         f"on {credential_expires_on}; re-credential the provider first or renew to that date")


class ClaimNotAllowed(ContractError):
    """Payments are owed only under a contract both parties signed and that came into force."""

    def __init__(self, contract_id: UUID, status: str) -> None:
        super().__init__(f"cannot record a payment owed under contract {contract_id}: it is {status}, never in force")


class CurrencyMismatch(ContractError):
    """A payment owed is in the currency of the contract's terms."""

    def __init__(self, contract_id: UUID, currency: str, expected: str) -> None:
        super().__init__(f"contract {contract_id} pays in {expected}, not {currency}")


class DuplicateClaim(ContractError):
    """A claim or invoice reference is recorded once per contract."""

    def __init__(self, contract_id: UUID, reference: str) -> None:
        super().__init__(f"contract {contract_id} already has a payment owed for {reference}")


class UnknownClaim(ContractError):
    """The reference was never recorded as owed under this contract."""

    def __init__(self, contract_id: UUID, reference: str) -> None:
        super().__init__(f"contract {contract_id} has no payment owed for {reference}: record it first")


class ClaimAlreadyPaid(ContractError):
    """A payment owed is paid once."""

    def __init__(self, contract_id: UUID, reference: str, paid_on: date) -> None:
        super().__init__(f"the payment for {reference} under contract {contract_id} was already paid on {paid_on}")


class PaymentDateRefused(ContractError):
    """Payment dates are facts: not in the future, a claim not received before the contract took effect, and a
    payment not before its claim was received."""

    def __init__(self, what: str, day: date, reason: str) -> None:
        super().__init__(f"{what} {day} {reason}")


__all__ += [
    "AmendmentPending",
    "ClaimAlreadyPaid",
    "ClaimNotAllowed",
    "ContractAmendmentNeedsAuthority",
    "ContractTerminationNeedsAuthority",
    "CredentialNotYetExpired",
    "CurrencyMismatch",
    "DuplicateClaim",
    "EvidenceNotForNetwork",
    "NeedsCoordinatorOrManager",
    "NoAmendmentPending",
    "NotYourTurn",
    "OwnOfferNotAcceptable",
    "PaymentDateRefused",
    "ProviderEvidenceMissing",
    "ProviderTerminationNeedsAuthority",
    "RenewalPastCredential",
    "UnknownClaim",
]


# --- cases (issue 14: separation of duties, surveys, reopen window, disputes, merge and link, harassment) ---


class EscalatedCaseNeedsCoordinator(CaseError):
    """An escalated case is resolved or closed by the region's coordinator (or an administrator), or after
    it is de-escalated."""

    def __init__(self, case_id: UUID, actor_id: str, command: str, coordinator_id: str) -> None:
        super().__init__(f"{actor_id} cannot {command} case {case_id}: it is escalated to coordinator "
                         f"{coordinator_id}; only the region's coordinator or an administrator may {command} it, "
                         "or the coordinator de-escalates it first")


class SurveyAnsweredByCaseWorker(CaseError):
    """The customer's survey answer is not entered by the representative who worked the case."""

    def __init__(self, case_id: UUID, actor_id: str) -> None:
        super().__init__(f"{actor_id} worked case {case_id}: the customer's survey answer is recorded by the survey "
                         "service, the coordinator or another member of staff")


class ReopenWindowPassed(CaseError):
    """A case is reopened within its region's reopen window; after it, a follow-up case is opened."""

    def __init__(self, case_id: UUID, ended_at: datetime, days: int) -> None:
        super().__init__(f"case {case_id} ended on {ended_at.date()}, more than the region's reopen window of "
                         f"{days} days ago: open a follow-up case linked to it instead (open-follow-up)")


class DisputeNotForCategory(CaseError):
    """Only a billing or payment case carries a disputed amount."""

    def __init__(self, case_id: UUID, category: str | None) -> None:
        what = f"a {category} case" if category else "not triaged yet"
        super().__init__(f"case {case_id} is {what}: only billing and payment cases carry a disputed amount "
                         "(triage it as billing or payment first)")


class DisputeAlreadyRecorded(CaseError):
    """A case carries one dispute."""

    def __init__(self, case_id: UUID) -> None:
        super().__init__(f"case {case_id} already carries a dispute: open another case for another amount")


class DisputeNeedsCounterparty(CaseError):
    """A dispute names the provider or the contract it concerns."""

    def __init__(self, case_id: UUID) -> None:
        super().__init__(f"the dispute on case {case_id} must name the provider or contract it concerns "
                         "(provider_id or contract_id)")


class NoDispute(CaseError):
    """An outcome is decided on a recorded dispute."""

    def __init__(self, case_id: UUID) -> None:
        super().__init__(f"case {case_id} carries no dispute: record the disputed amount first (record-dispute)")


class DisputeAlreadyDecided(CaseError):
    """A dispute's outcome is decided once."""

    def __init__(self, case_id: UUID, outcome: str) -> None:
        super().__init__(f"the dispute on case {case_id} was already decided: {outcome}")


class DisputeUndecided(CaseError):
    """A case carrying a dispute is resolved, or merged into another, after its outcome is decided."""

    def __init__(self, case_id: UUID, command: str = "resolve") -> None:
        super().__init__(f"cannot {command} case {case_id}: decide its dispute first (upheld, partly upheld or "
                         "rejected)")


class DisputeCategoryLocked(CaseError):
    """A case carrying a dispute stays a billing or payment case."""

    def __init__(self, case_id: UUID, category: str) -> None:
        super().__init__(f"case {case_id} carries a dispute: it cannot become a {category} case (billing or "
                         "payment only)")


class InvalidOutcome(CaseError):
    """An upheld dispute grants an amount up to the disputed one, partly upheld less than it, rejected none."""


class MergeRefused(CaseError):
    """A duplicate is merged into another open case of its region, once."""


class CasesInDifferentRegions(CaseError):
    """Cases are merged and linked within one region (another region's case is named as a missing one)."""

    def __init__(self, case_id: UUID, other_id: UUID, region: str) -> None:
        super().__init__(f"case {case_id} cannot be merged or linked with {other_id}: there is no case {other_id} "
                         f"in region {region}")


class AlreadyLinked(CaseError):
    """Two cases are linked once."""

    def __init__(self, case_id: UUID, other_id: UUID, kind: str) -> None:
        super().__init__(f"case {case_id} is already linked to case {other_id} ({kind})")


class NotAHarassmentCase(CaseError):
    """A caller is flagged on a case triaged as harassing calls."""

    def __init__(self, case_id: UUID, category: str | None) -> None:
        super().__init__(f"case {case_id} is {category or 'not triaged'}: a caller is flagged on a case triaged as "
                         "harassing_calls")


class CallerAlreadyFlagged(CaseError):
    """A caller is flagged once until the flag is cleared."""

    def __init__(self, customer_ref: str, region: str, flagged_by: str, case_id: UUID | None) -> None:
        super().__init__(f"caller {customer_ref} of region {region} is already flagged by {flagged_by} on case "
                         f"{case_id}")


class CallerNotFlagged(CaseError):
    """Only a flagged caller's flag is cleared."""

    def __init__(self, customer_ref: str, region: str) -> None:
        super().__init__(f"caller {customer_ref} of region {region} is not flagged")


class NotAHarassingContact(CaseError):
    """A contact is ended with a recorded reason on a harassment case or a flagged caller's case."""

    def __init__(self, case_id: UUID) -> None:
        super().__init__(f"case {case_id} is neither a harassment case nor a flagged caller's: log the contact "
                         "instead")


# --- regions and their staff (issue 14: handovers, one person one region, the manager role) ---


class CoordinatorNotRemovable(RegionError):
    """A region keeps a coordinator: one is replaced by appointing another, not removed or transferred."""

    def __init__(self, staff_id: str, region: str) -> None:
        super().__init__(f"{staff_id} is the coordinator of region {region}: appoint another coordinator there "
                         "first (their escalations move to the new one), then place them elsewhere")


class StaffInAnotherRegion(RegionError):
    """One person works in one region at a time: moving a representative is a transfer; a coordinator is moved
    once a successor is appointed in their region."""

    def __init__(self, staff_id: str, current: str, wanted: str, role: str | None = None) -> None:
        if role == "coordinator":
            super().__init__(f"{staff_id} works in region {current} as its coordinator: a person works in one region "
                             f"at a time, and a coordinator is not transferred: appoint a successor in {current} "
                             f"first (their open escalations move to the successor), then take them on in {wanted}")
            return
        super().__init__(f"{staff_id} works in region {current}: a person works in one region at a time; "
                         f"transfer them from {current} to {wanted} instead (their open cases return to "
                         f"{current}'s queue)")


class NetworkLevelOnly(NotOnStaff):
    """A manager is on no region's staff: they act on network-level decisions only, in every region."""

    def __init__(self, staff_id: str, region: str, what: str) -> None:
        DomainError.__init__(self, f"{staff_id} is a manager, on no region's staff: a manager may terminate "
                             f"providers and amend or terminate contracts in every region, but {what} in region "
                             f"{region} is for its current staff or an administrator")


# --- staff development (issue 15: coaching, training for new regions, a region's readiness) ---

__all__ += [
    "AlreadyCompleted", "AlreadyTrainer", "CoachingError", "CoachingNeedsCoordinator", "ContactNotReviewable",
    "NotAnAttendee", "ProgrammeNeedsAuthority", "RegionNotReady", "SessionNeedsCoordinator",
    "TrainerNeedsAdministrator", "TrainerNotExperienced", "TrainingAlreadyRequired", "TrainingError",
    "TrainingNotRequired",
]


class CoachingError(DomainError):
    """A coaching command refused by the coaching rules (domain/development/coaching.py)."""


class CoachingNeedsCoordinator(CoachingError):
    """A coordinator coaches the representatives of their region; a representative does not review a colleague."""

    def __init__(self, actor_id: str, role: str, region: str) -> None:
        super().__init__(f"{actor_id} ({role}) cannot record coaching in region {region}: only its coordinator or an "
                         "administrator may")


class ContactNotReviewable(CoachingError):
    """A review names a contact a representative of the region logged on a case of that region (a case of another
    region is answered in the words a missing one is)."""

    def __init__(self, case_id: UUID, version: int, why: str) -> None:
        super().__init__(f"no contact to review at version {version} of case {case_id}: {why}")


class TrainingError(DomainError):
    """A training command refused by the training rules (domain/development/training.py)."""


class ProgrammeNeedsAuthority(TrainingError):
    """Training programmes are network-level: a coordinator, a manager or an administrator creates them."""

    def __init__(self, actor_id: str, role: str) -> None:
        super().__init__(f"{actor_id} ({role}) cannot create a training programme: a coordinator, a manager or an "
                         "administrator may")


class TrainerNeedsAdministrator(TrainingError):
    """A trainer without a completion of their own is declared by an administrator."""

    def __init__(self, actor_id: str, role: str) -> None:
        super().__init__(f"{actor_id} ({role}) cannot declare a trainer: only an administrator may")


class AlreadyTrainer(TrainingError):
    """A trainer is declared once per programme."""

    def __init__(self, staff_id: str, title: str) -> None:
        super().__init__(f"{staff_id} is already a declared trainer of programme {title}")


class SessionNeedsCoordinator(TrainingError):
    """A region's training sessions are kept by its coordinator or an administrator."""

    def __init__(self, actor_id: str, role: str, region: str) -> None:
        super().__init__(f"{actor_id} ({role}) cannot keep training sessions of region {region}: only its "
                         "coordinator or an administrator may")


class TrainerNotExperienced(TrainingError):
    """A trainer is a representative on a region's staff who completed the programme, or a declared trainer."""

    def __init__(self, staff_id: str, title: str, why: str) -> None:
        super().__init__(f"{staff_id} cannot train programme {title}: {why}; choose a representative who completed "
                         "it, or have an administrator declare them a trainer")


class NotAnAttendee(TrainingError):
    """A completion is recorded for an attendee of the session."""

    def __init__(self, session_id: UUID, staff_id: str) -> None:
        super().__init__(f"{staff_id} is not an attendee of training session {session_id}: add them before it is "
                         "held")


class AlreadyCompleted(TrainingError):
    """An attendee completes a session once."""

    def __init__(self, staff_id: str, session_id: UUID) -> None:
        super().__init__(f"{staff_id}'s completion of training session {session_id} is already recorded")


class TrainingAlreadyRequired(RegionError):
    """A region requires a programme once."""

    def __init__(self, region: str, programme_id: UUID) -> None:
        super().__init__(f"region {region} already requires training programme {programme_id}")


class TrainingNotRequired(RegionError):
    """Only a required programme's requirement is dropped."""

    def __init__(self, region: str, programme_id: UUID) -> None:
        super().__init__(f"region {region} does not require training programme {programme_id}")


class RegionNotReady(RegionError):
    """A region takes cases once it is ready: a coordinator appointed, and its representatives trained in every
    programme it requires."""

    def __init__(self, region: str, missing: Iterable[str]) -> None:
        super().__init__(f"region {region} is not ready to take cases: {'; '.join(missing)}")


# --- coordinators' meetings and the standards they adopt (issue 15) ---

__all__ += [
    "AgendaItemEmpty",
    "AttendeeNotCoordinator",
    "AttendeeOnStaff",
    "DecisionScopeEmpty",
    "DuplicateAgendaItem",
    "DuplicateDecision",
    "EffectiveDateInPast",
    "MeetingError",
    "MeetingNeedsCoordinatorOrManager",
    "NoCoordinatorPresent",
    "ProcessHasNoTargets",
]


class MeetingError(DomainError):
    """A coordinators' meeting refuses the command."""


class MeetingNeedsCoordinatorOrManager(NotOnStaff):
    """A meeting is network-level: a current coordinator of any region, a manager or an administrator runs it."""

    def __init__(self, staff_id: str, role: str, what: str) -> None:
        DomainError.__init__(self, f"{staff_id} (as {role}) may not {what}: coordinators' meetings are run by a "
                             "current coordinator of any region, a manager or an administrator")


class DuplicateAgendaItem(MeetingError):
    """An agenda item id is used once per meeting."""

    def __init__(self, meeting_id: UUID, item_id: str) -> None:
        super().__init__(f"meeting {meeting_id} already has agenda item {item_id}: choose another item id")


class AgendaItemEmpty(MeetingError):
    """An agenda item names a common problem (its policy area) or has text."""

    def __init__(self, meeting_id: UUID, item_id: str, fix: str) -> None:
        super().__init__(f"agenda item {item_id} of meeting {meeting_id} says nothing to discuss: {fix}")


class NoCoordinatorPresent(MeetingError):
    """A coordinators' meeting is held with at least one coordinator present."""

    def __init__(self, meeting_id: UUID) -> None:
        super().__init__(f"meeting {meeting_id} cannot be recorded as held with no coordinator present: list the "
                         "coordinators who attended")


class AttendeeNotCoordinator(MeetingError):
    """Only current coordinators attend as coordinators."""

    def __init__(self, staff_id: str) -> None:
        super().__init__(f"{staff_id} is not the current coordinator of any region: only coordinators (and "
                         "managers) attend a coordinators' meeting")


class AttendeeOnStaff(MeetingError):
    """A manager is on no region's staff: someone who is cannot attend as a manager."""

    def __init__(self, staff_id: str, region: str, role: str) -> None:
        super().__init__(f"{staff_id} works in region {region} as {role}, so cannot attend as a manager: list a "
                         "coordinator among the coordinators; representatives do not attend")


class DuplicateDecision(MeetingError):
    """A decision id is used once per meeting."""

    def __init__(self, meeting_id: UUID, decision_id: str) -> None:
        super().__init__(f"meeting {meeting_id} already recorded decision {decision_id}: choose another decision id")


class DecisionScopeEmpty(MeetingError):
    """A decision names the regions it applies to."""

    def __init__(self, meeting_id: UUID, decision_id: str) -> None:
        super().__init__(f"decision {decision_id} of meeting {meeting_id} names no region: list the regions it "
                         "applies to")


class ProcessHasNoTargets(MeetingError):
    """A business process is text only; service-level targets are set by a standard."""

    def __init__(self, meeting_id: UUID, decision_id: str) -> None:
        super().__init__(f"decision {decision_id} of meeting {meeting_id} is a business process, which sets no "
                         "service-level targets: record it as a standard, or leave the hours out")


class EffectiveDateInPast(MeetingError):
    """A decision takes effect today or later: it cannot change the policy cases were already triaged under."""

    def __init__(self, meeting_id: UUID, decision_id: str, effective_on: date, today: date) -> None:
        super().__init__(f"decision {decision_id} of meeting {meeting_id} would take effect on {effective_on}, "
                         f"before today ({today}, UTC): give today or a later day")


# --- policy proposals (issue 15: evidence, decision by a manager or the coordinators, implementation, effect) ---


class ProposalError(DomainError):
    """A policy proposal command refused by the proposal rules (domain/policy/proposal.py)."""


class NotACurrentCoordinator(NotOnStaff, ProposalError):
    """Proposals are the coordinators' together: only someone who is now a region's coordinator acts as one."""

    def __init__(self, staff_id: str) -> None:
        DomainError.__init__(self, f"{staff_id} is not the current coordinator of any region: policy proposals are "
                             "drafted, revised, submitted and approved by the regions' current coordinators")


class ProposalNeedsCoordinator(ProposalError):
    """Drafting, revising and submitting a proposal are a coordinator's steps."""

    def __init__(self, actor_id: str, role: str, command: str) -> None:
        super().__init__(f"{actor_id} ({role}) cannot {command} a policy proposal: only a region's current "
                         "coordinator may")


class ProposalDecisionNeedsAuthority(ProposalError):
    """A proposal is decided by a manager, or approved by the coordinators where they hold the authority."""

    def __init__(self, actor_id: str, role: str, command: str, proposal_id: UUID) -> None:
        super().__init__(f"{actor_id} ({role}) cannot {command} proposal {proposal_id}: a manager decides it, or, "
                         "in a policy area whose authority the coordinators hold, the coordinators of the regions it "
                         "covers approve it or return it")


class CoordinatorsLackAuthority(ProposalError):
    """Coordinators approve or return a proposal only in the policy areas an administrator has given them."""

    def __init__(self, proposal_id: UUID, area: str) -> None:
        super().__init__(f"the coordinators do not hold the authority for policy area {area}: a manager decides "
                         f"proposal {proposal_id} (an administrator records the areas the coordinators decide, "
                         "POST /proposals/authority/grant)")


class ApproverRegionNotCovered(ProposalError):
    """The coordinators who approve a proposal are those of the regions it covers."""

    def __init__(self, proposal_id: UUID, staff_id: str, region: str, regions: Iterable[str]) -> None:
        super().__init__(f"{staff_id} coordinates region {region}, which proposal {proposal_id} does not cover "
                         f"({', '.join(regions)}): it is approved or returned by the coordinators of those regions")


class RegionAlreadyApproved(ProposalError):
    """Each covered region approves once, by its coordinator."""

    def __init__(self, proposal_id: UUID, region: str, needed: int, waiting: Iterable[str]) -> None:
        super().__init__(f"region {region} already approved proposal {proposal_id}: it needs {needed} more "
                         f"approval(s) from the coordinators of {', '.join(waiting)}")


class ProposalNotRevised(ProposalError):
    """A returned proposal is revised (answering the comments) before it is submitted again."""

    def __init__(self, proposal_id: UUID, comments: str) -> None:
        shown = comments if len(comments) <= 200 else comments[:200] + "..."
        super().__init__(f"proposal {proposal_id} was returned with comments ({shown!r}): revise it before "
                         "submitting it again")


class ProposalWithoutEvidence(ProposalError):
    """A proposal goes to its deciders with the evidence of the common problem behind it."""

    def __init__(self, proposal_id: UUID) -> None:
        super().__init__(f"cannot submit proposal {proposal_id} without evidence: attach the cases and the counts per "
                         "region the common-problems view showed (revise it)")


class ProposalRevisionUnchanged(ProposalError):
    """A revision changes something: the title, summary, change proposed, regions or evidence."""

    def __init__(self, proposal_id: UUID) -> None:
        super().__init__(f"the revision of proposal {proposal_id} changes nothing: change its title, summary, the "
                         "change proposed, its regions or its evidence")


class EffectiveBeforeApproval(ProposalError):
    """A change takes effect no earlier than the day it was approved."""

    def __init__(self, proposal_id: UUID, effective_on: date, approved_on: date) -> None:
        super().__init__(f"proposal {proposal_id} was approved on {approved_on}: its change cannot take effect "
                         f"earlier, on {effective_on}; give a date on or after {approved_on}")


class EffectNotYetMeasurable(ProposalError):
    """An effect is reviewed once the weeks after the effective date it is measured over have passed."""

    def __init__(self, proposal_id: UUID, weeks: int, effective_on: date, until: date) -> None:
        super().__init__(f"the effect of proposal {proposal_id} is measured over the {weeks} week(s) after "
                         f"{effective_on}: review it on or after {until}, or over fewer weeks")


class AuthorityNeedsAdmin(ProposalError):
    """Which policy areas the coordinators decide is a setting kept by administrators."""

    def __init__(self, actor_id: str, role: str) -> None:
        super().__init__(f"{actor_id} ({role}) cannot change which policy areas the coordinators decide: that "
                         "setting is an administrator's")


class AuthorityAlreadyHeld(ProposalError):
    """Granting what the coordinators already hold changes nothing."""

    def __init__(self, area: str) -> None:
        super().__init__(f"the coordinators already hold the authority for policy area {area}")


class AuthorityNotHeld(ProposalError):
    """Only an authority the coordinators hold is withdrawn."""

    def __init__(self, area: str) -> None:
        super().__init__(f"the coordinators do not hold the authority for policy area {area}: nothing to withdraw")


# --- outside try of issue 14: rules that did not hold ---

__all__ += ["ContractPastCredential", "LinkWouldCycle", "ManagerActsForNetwork", "RecordIdTaken", "SecondParent"]


class RecordIdTaken(DomainError):
    """A record chosen by its caller's id is created once: an id in use names another record."""

    def __init__(self, kind: str, record_id: UUID, field: str) -> None:
        super().__init__(f"a record with id {record_id} already exists: the {kind} was not created; choose another "
                         f"{field}, or leave it out to have one chosen")


class ContractPastCredential(ContractError):
    """A contract is in force only while its provider is credentialed: terms that run past the credential's
    expiry are not put in force (activated, or amended to)."""

    def __init__(self, contract_id: UUID, act: str, expires_on: date, credential_expires_on: date) -> None:
        super().__init__(f"cannot {act} contract {contract_id}: its terms run to {expires_on}, past the provider's "
                         f"credential, which expires on {credential_expires_on}; re-credential the provider first, or "
                         "agree terms that end by then")


class ManagerActsForNetwork(NotOnStaff, ContractError):
    """A manager decides for the network: the provider's side of a contract is recorded by the region's staff."""

    def __init__(self, staff_id: str, contract_id: UUID, act: str, region: str) -> None:
        DomainError.__init__(self, f"{staff_id} is a manager and acts for the network only: the provider's {act} on "
                             f"contract {contract_id} is recorded by the staff of region {region} or an administrator")


class SecondParent(CaseError):
    """A case has one parent."""

    def __init__(self, case_id: UUID, parent_id: UUID) -> None:
        super().__init__(f"case {case_id} already has a parent, case {parent_id}: a case has one parent (link the "
                         "other case as related instead)")


class LinkWouldCycle(CaseError):
    """Parent and child links form a tree: a case is never its own ancestor."""

    def __init__(self, child_id: UUID, parent_id: UUID) -> None:
        super().__init__(f"case {child_id} cannot become a child of case {parent_id}: case {parent_id} is already "
                         f"below case {child_id}, and the link would close a cycle")


class DecidingRegionAbsent(MeetingError):
    """A coordinator's decision covers only regions whose current coordinator attended (issue 15, outside try)."""

    def __init__(self, meeting_id: UUID, decision_id: str, regions: list[str]) -> None:
        super().__init__(f"decision {decision_id} of meeting {meeting_id} covers region(s) {', '.join(regions)} "
                         "whose coordinator did not attend: scope it to the regions present, or have a manager or "
                         "an administrator record it")


class FirstResponseAfterResolution(MeetingError):
    """A standard never makes the first response due after the resolution (with the targets in force)."""

    def __init__(self, decision_id: str, region: str, priority: str, first_response: str, resolution: str) -> None:
        super().__init__(f"decision {decision_id} would make the first response of a {priority} case in region "
                         f"{region} due in {first_response}, after its resolution target ({resolution}): a first "
                         "response comes before the resolution")
