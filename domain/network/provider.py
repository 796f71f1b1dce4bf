"""A member of the network, or a prospect being recruited: from first meeting to termination."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Self
from uuid import UUID

from domain.aggregate import Aggregate
from domain.errors import (
    CredentialExpired,
    CredentialExpiryNotInFuture,
    CredentialNotYetExpired,
    NeedsCoordinatorOrManager,
    ProviderNotCredentialed,
    ProviderTerminationNeedsAuthority,
    RetentionRiskNotFlagged,
)
from domain.event import DomainEvent
from domain.timer import start_of
from domain.values import Code, Context, Role, ShortText, Text

__all__ = [
    "AUTHORITY",
    "CREDENTIAL_ALERT_DAYS",
    "CREDENTIAL_LAPSE",
    "RECREDENTIALING_CYCLE_MONTHS",
    "CredentialExpiryAlerted",
    "Provider",
    "ProviderActivated",
    "ProviderApplicationReceived",
    "ProviderCredentialLapsed",
    "ProviderCredentialed",
    "ProviderCredentialingStarted",
    "ProviderEvent",
    "ProviderKind",
    "ProviderMeetingLogged",
    "ProviderProspected",
    "ProviderRecredentialed",
    "ProviderRejected",
    "ProviderReinstated",
    "ProviderStatus",
    "ProviderSuspended",
    "ProviderTerminated",
    "RetentionRisk",
    "RetentionRiskCleared",
    "RetentionRiskFlagged",
    "require_authority",
]

AUTHORITY = (Role.COORDINATOR, Role.MANAGER, Role.ADMIN)
"""Who decides at network level (ending a membership, changing or ending a contract): the coordinator of the
record's region (the command service's staff rule checks the region), a manager, an administrator."""

CREDENTIAL_ALERT_DAYS = (120, 90)
"""Days before a credential expires that its provider's region is alerted, so recredentialing starts in time."""
RECREDENTIALING_CYCLE_MONTHS = 36
"""A credential's life when none is given: the 36-month recredentialing cycle NCQA requires of health plans."""
CREDENTIAL_LAPSE = "credential.lapse"


def alert_purpose(days: int) -> str:
    return f"credential.alert_{days}"


def cycle_end(day: date) -> date:
    """The day a credential given on `day` expires under the recredentialing cycle (29 February -> 28th)."""
    year = day.year + RECREDENTIALING_CYCLE_MONTHS // 12
    return day.replace(year=year, day=min(day.day, 28)) if (day.month, day.day) == (2, 29) else day.replace(year=year)


def require_authority(ctx: Context, refusal: type[NeedsCoordinatorOrManager], command: str, kind: str,
                      record_id: UUID, region: str) -> None:
    """Refuse a representative (or any other role) a decision that is not theirs alone."""
    if ctx.actor.role not in AUTHORITY:
        raise refusal(ctx.actor.id, ctx.actor.role, command, kind, record_id, region)



class ProviderKind(StrEnum):
    PHYSICIAN = "physician"
    HOSPITAL = "hospital"
    CLINIC = "clinic"
    LAB = "lab"
    PHARMACY = "pharmacy"
    PARTNER_OPERATOR = "partner_operator"
    OTHER = "other"


class ProviderStatus(StrEnum):
    PROSPECT = "prospect"
    CONTACTED = "contacted"
    APPLIED = "applied"
    CREDENTIALING = "credentialing"
    CREDENTIALED = "credentialed"
    REJECTED = "rejected"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    LAPSED = "lapsed"
    """The credential expired: no longer a member in good standing until re-credentialed."""


class RetentionRisk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ProviderEvent(DomainEvent, abstract=True):
    aggregate_type = "provider"


class ProviderProspected(ProviderEvent):
    name: ShortText
    kind: ProviderKind
    region: Code
    specialty: ShortText | None = None


class ProviderMeetingLogged(ProviderEvent):
    representative_id: Code
    summary: Text


class ProviderApplicationReceived(ProviderEvent):
    note: Text | None = None


class ProviderCredentialingStarted(ProviderEvent):
    pass


class ProviderCredentialed(ProviderEvent):
    expires_on: date


class ProviderRecredentialed(ProviderEvent):
    expires_on: date
    restored_status: ProviderStatus | None = None
    """For a provider whose credential had lapsed: the status it had before, which it returns to."""


class ProviderRejected(ProviderEvent):
    reason: Text


class ProviderActivated(ProviderEvent):
    pass


class ProviderSuspended(ProviderEvent):
    reason: Text


class ProviderReinstated(ProviderEvent):
    note: Text | None = None


class ProviderTerminated(ProviderEvent):
    reason: Text


class ProviderCredentialLapsed(ProviderEvent):
    """The credential reached its expiry date: the provider is inactive until re-credentialed."""

    expired_on: date
    previous_status: ProviderStatus


class CredentialExpiryAlerted(ProviderEvent):
    """The credential expires in `days_before` days: time to recredential (recorded by the process manager)."""

    expires_on: date
    days_before: int


class RetentionRiskFlagged(ProviderEvent):
    level: RetentionRisk
    reason: Text


class RetentionRiskCleared(ProviderEvent):
    note: Text | None = None


S = ProviderStatus
MEETABLE = (S.PROSPECT, S.CONTACTED, S.APPLIED, S.CREDENTIALING, S.CREDENTIALED, S.ACTIVE, S.SUSPENDED, S.LAPSED)
HOLDS_CREDENTIAL = (S.CREDENTIALED, S.ACTIVE, S.SUSPENDED)
STATUS_AFTER: dict[type[ProviderEvent], ProviderStatus] = {
    ProviderApplicationReceived: S.APPLIED,
    ProviderCredentialingStarted: S.CREDENTIALING,
    ProviderCredentialed: S.CREDENTIALED,
    ProviderRejected: S.REJECTED,
    ProviderActivated: S.ACTIVE,
    ProviderSuspended: S.SUSPENDED,
    ProviderReinstated: S.ACTIVE,
    ProviderTerminated: S.TERMINATED,
    ProviderCredentialLapsed: S.LAPSED,
}


class Provider(Aggregate):
    aggregate_type = "provider"
    creation_event = ProviderProspected

    name: str
    kind: ProviderKind
    region: str
    specialty: str | None = None
    status: ProviderStatus = S.PROSPECT
    meetings: int = 0
    credential_expires_on: date | None = None
    retention_risk: RetentionRisk | None = None
    status_reason: str | None = None
    lapsed_from: ProviderStatus | None = None
    """While lapsed: the status the provider returns to when re-credentialed."""
    credential_alerts: tuple[int, ...] = ()
    """The alerts given for the current credential (days before its expiry); a new credential starts afresh."""

    @classmethod
    def prospect(
        cls, ctx: Context, provider_id: UUID, *, name: str, kind: ProviderKind, region: str,
        specialty: str | None = None,
    ) -> Self:
        return cls._create(ctx, provider_id, name=name, kind=kind, region=region, specialty=specialty)

    def log_meeting(self, ctx: Context, representative_id: str, summary: str) -> None:
        self._require("log a meeting with", MEETABLE)
        self._record(ProviderMeetingLogged, ctx, representative_id=representative_id, summary=summary)

    def receive_application(self, ctx: Context, note: str | None = None) -> None:
        self._require("receive an application from", (S.PROSPECT, S.CONTACTED))
        self._record(ProviderApplicationReceived, ctx, note=note)

    def start_credentialing(self, ctx: Context) -> None:
        self._require("start credentialing", (S.APPLIED,))
        self._record(ProviderCredentialingStarted, ctx)

    def credential(self, ctx: Context, expires_on: date | None = None) -> None:
        """Credentialed until `expires_on`, by default the end of the recredentialing cycle from today."""
        self._require("credential", (S.CREDENTIALING,))
        expires_on = expires_on or cycle_end(ctx.now.date())
        self._check_expiry(ctx, expires_on)
        self._record(ProviderCredentialed, ctx, expires_on=expires_on)

    def recredential(self, ctx: Context, expires_on: date | None = None) -> None:
        """A new expiry (by default a full cycle from today); a lapsed provider returns to the status it had
        when its credential lapsed."""
        self._require("re-credential", (*HOLDS_CREDENTIAL, S.LAPSED))
        expires_on = expires_on or cycle_end(ctx.now.date())
        self._check_expiry(ctx, expires_on)
        self._record(ProviderRecredentialed, ctx, expires_on=expires_on, restored_status=self.lapsed_from)

    def alert_credential_expiry(self, ctx: Context, days_before: int) -> None:
        """Record that the region was told the credential expires in `days_before` days (a timer's command)."""
        self._require("alert the credential expiry of", HOLDS_CREDENTIAL)
        assert self.credential_expires_on is not None
        self._record(CredentialExpiryAlerted, ctx, expires_on=self.credential_expires_on, days_before=days_before)

    def alert_reached(self, now: datetime) -> int:
        """The nearest alert point `now` has reached (90 when both have: one alert, not two at once)."""
        assert self.credential_expires_on is not None
        return min(days for days in CREDENTIAL_ALERT_DAYS
                   if now >= start_of(self.credential_expires_on - timedelta(days=days)))

    def timers(self) -> dict[str, datetime]:
        """While the provider holds a credential: an alert at 120 and at 90 days before it expires (a later
        alert given makes an earlier one moot), and the lapse on the day it expires."""
        if self.status not in HOLDS_CREDENTIAL or self.credential_expires_on is None:
            return {}
        expiry = self.credential_expires_on
        wanted = {alert_purpose(days): start_of(expiry - timedelta(days=days)) for days in CREDENTIAL_ALERT_DAYS
                  if not any(given <= days for given in self.credential_alerts)}
        return {**wanted, CREDENTIAL_LAPSE: start_of(expiry)}

    def lapse_credential(self, ctx: Context) -> None:
        """The credential expired: accepted on or after its expiry date, never before."""
        self._require("lapse the credential of", HOLDS_CREDENTIAL)
        if self.credential_expires_on is None or ctx.now.date() < self.credential_expires_on:
            raise CredentialNotYetExpired(self.id, self.credential_expires_on or ctx.now.date())
        self._record(ProviderCredentialLapsed, ctx, expired_on=self.credential_expires_on,
                     previous_status=self.status)

    def reject(self, ctx: Context, reason: str) -> None:
        self._require("reject", (S.APPLIED, S.CREDENTIALING))
        self._record(ProviderRejected, ctx, reason=reason)

    def activate(self, ctx: Context) -> None:
        if self.status is not S.CREDENTIALED:
            raise ProviderNotCredentialed(self.id, self.status)
        self._check_credential_valid(ctx)
        self._record(ProviderActivated, ctx)

    def suspend(self, ctx: Context, reason: str) -> None:
        self._require("suspend", (S.ACTIVE,))
        self._record(ProviderSuspended, ctx, reason=reason)

    def reinstate(self, ctx: Context, note: str | None = None) -> None:
        self._require("reinstate", (S.SUSPENDED,))
        self._check_credential_valid(ctx)
        self._record(ProviderReinstated, ctx, note=note)

    def terminate(self, ctx: Context, reason: str) -> None:
        self._require("terminate", (*HOLDS_CREDENTIAL, S.LAPSED))
        require_authority(ctx, ProviderTerminationNeedsAuthority, "terminate", "provider", self.id, self.region)
        self._record(ProviderTerminated, ctx, reason=reason)

    def flag_retention_risk(self, ctx: Context, level: RetentionRisk, reason: str) -> None:
        self._require("flag a retention risk for", (S.ACTIVE, S.SUSPENDED, S.LAPSED))
        self._record(RetentionRiskFlagged, ctx, level=level, reason=reason)

    def clear_retention_risk(self, ctx: Context, note: str | None = None) -> None:
        if self.retention_risk is None:
            raise RetentionRiskNotFlagged(self.id)
        self._record(RetentionRiskCleared, ctx, note=note)

    @property
    def is_active_member(self) -> bool:
        return self.status is S.ACTIVE

    def _require(self, command: str, allowed: tuple[ProviderStatus, ...]) -> None:
        if self.status not in allowed:
            raise self._refuse(command, self.status, allowed)

    def _check_expiry(self, ctx: Context, expires_on: date) -> None:
        if expires_on <= ctx.now.date():
            raise CredentialExpiryNotInFuture(expires_on, ctx.now.date())

    def _check_credential_valid(self, ctx: Context) -> None:
        if self.credential_expires_on is not None and self.credential_expires_on <= ctx.now.date():
            raise CredentialExpired(self.id, self.credential_expires_on)

    @classmethod
    def created_by(cls, event: ProviderProspected) -> Self:
        return cls(
            id=event.originator_id, version=1, created_at=event.occurred_at, modified_at=event.occurred_at,
            name=event.name, kind=event.kind, region=event.region, specialty=event.specialty,
        )

    def when(self, event: ProviderEvent) -> None:  # noqa: C901 - one arm per event type
        if (status := STATUS_AFTER.get(type(event))) is not None:
            self.status = status
        match event:
            case ProviderMeetingLogged():
                self.meetings += 1
                if self.status is S.PROSPECT:
                    self.status = S.CONTACTED
            case ProviderCredentialed():
                self.credential_expires_on, self.credential_alerts = event.expires_on, ()
            case ProviderRecredentialed():
                self.credential_expires_on, self.credential_alerts = event.expires_on, ()
                if event.restored_status is not None:
                    self.status, self.lapsed_from = event.restored_status, None
            case ProviderCredentialLapsed():
                self.lapsed_from = event.previous_status
            case ProviderRejected() | ProviderSuspended() | ProviderTerminated():
                self.status_reason = event.reason
            case ProviderReinstated():
                self.status_reason = None
            case CredentialExpiryAlerted():
                self.credential_alerts = (*self.credential_alerts, event.days_before)
            case RetentionRiskFlagged():
                self.retention_risk = event.level
            case RetentionRiskCleared():
                self.retention_risk = None
