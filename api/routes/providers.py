"""Providers: recruit, credential, keep; the directory and its recruitment pipeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import AppDep, CurrentPrincipal, Engine, Principal, require_region, require_role
from api.routes.commands import add_commands
from api.routes.records import READ_RESPONSES, READERS, add_creation, add_record_reads, read_record
from domain.errors import RecordNotFound
from domain.network.provider import Provider, ProviderKind, ProviderStatus, RetentionRisk
from projections.directory import pipeline, provider_page, provider_row

__all__ = ["router"]

router = APIRouter(prefix="/providers", tags=["providers"])

COMMANDS = {
    "log-meeting": "log_provider_meeting", "receive-application": "receive_application",
    "start-credentialing": "start_credentialing", "credential": "credential_provider",
    "recredential": "recredential_provider", "reject": "reject_provider", "activate": "activate_provider",
    "suspend": "suspend_provider", "reinstate": "reinstate_provider", "terminate": "terminate_provider",
    "flag-retention-risk": "flag_retention_risk", "clear-retention-risk": "clear_retention_risk",
    "lapse-credential": "lapse_credential",
}


def scoped_region(principal: Principal, region: str | None) -> str | None:
    """The region a read is limited to: a regional role's own, whatever else it asked for."""
    require_role(principal, *READERS)
    if principal.regional:
        require_region(principal, region or str(principal.region))
        return principal.region
    return region


add_creation(router, Provider, "prospect_provider", lambda ledger, body: body.region)


class ProviderPage(BaseModel):
    """One page of the provider directory; pass `next_cursor` as `cursor` for the next."""

    items: list[dict[str, Any]]
    next_cursor: str | None


@router.get("", response_model=ProviderPage, summary="The provider directory")
def list_providers(
    engine: AppDep, principal: CurrentPrincipal, region: str | None = None, status: ProviderStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: Annotated[str | None, Query(max_length=500)] = None,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> ProviderPage:
    """Providers by name, filtered by region and status; a representative or coordinator sees only their region.
    Each row says in how many days its credential expires and how promptly the network pays the provider."""
    region = scoped_region(principal, region)
    engine.read_after(min_position)
    with engine.runner.store.reader() as view:
        page = provider_page(view, region, status, limit, cursor, today=engine.ledger.clock().date())
    return ProviderPage(items=page.items, next_cursor=page.next_cursor)


@router.get("/pipeline", summary="The recruitment pipeline")
def recruitment_pipeline(engine: AppDep, principal: CurrentPrincipal, region: str | None = None,
                         min_position: Annotated[int | None, Query(ge=0)] = None) -> dict[str, int]:
    """How many providers are at each stage, from prospect to member."""
    region = scoped_region(principal, region)
    engine.read_after(min_position)
    with engine.runner.store.reader() as view:
        return pipeline(view, region)


class ProviderPublic(BaseModel):
    """A provider as the API shows it: the record, and when its credential expires relative to the server's
    clock (`credential_expires_in_days`: negative when it expired that many days ago)."""

    id: UUID
    version: int
    created_at: datetime
    modified_at: datetime
    name: str
    kind: ProviderKind
    region: str
    specialty: str | None
    status: ProviderStatus
    meetings: int
    credential_expires_on: date | None
    credential_expires_in_days: int | None
    retention_risk: RetentionRisk | None
    status_reason: str | None
    lapsed_from: ProviderStatus | None


def present_provider(engine: Engine, provider: Provider) -> ProviderPublic:
    today = engine.ledger.clock().date()
    expires = provider.credential_expires_on
    return ProviderPublic(**provider.model_dump(),
                          credential_expires_in_days=None if expires is None else (expires - today).days)


@router.get("/{record_id}/directory", summary="A provider's row of the directory", responses=READ_RESPONSES)
def directory_row(record_id: UUID, engine: AppDep, principal: CurrentPrincipal,
                  min_position: Annotated[int | None, Query(ge=0)] = None) -> dict[str, Any]:
    """The provider as the directory lists it: its credential expiry in days and how promptly the network pays it
    under its contracts (paid, paid on time, the on-time rate, payments overdue and unpaid)."""
    read_record(engine, principal, Provider, record_id, None, None)
    engine.read_after(min_position)
    with engine.runner.store.reader() as view:
        row = provider_row(view, str(record_id), engine.ledger.clock().date())
    if row is None:
        raise RecordNotFound("provider", f"{record_id} in the directory (pass min_position to wait for it)")
    return row


add_record_reads(router, Provider, ProviderPublic, present_provider)
add_commands(router, Provider, COMMANDS)
