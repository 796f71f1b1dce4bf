"""Providers: recruit, credential, keep; the directory and its recruitment pipeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import AppDep, CurrentPrincipal, Principal, require_region, require_role
from api.routes.commands import add_commands
from api.routes.records import READERS, add_creation, add_record_reads
from domain.provider import Provider, ProviderStatus
from projections.directory import pipeline, provider_page

__all__ = ["router"]

router = APIRouter(prefix="/providers", tags=["providers"])

COMMANDS = {
    "log-meeting": "log_provider_meeting", "receive-application": "receive_application",
    "start-credentialing": "start_credentialing", "credential": "credential_provider",
    "recredential": "recredential_provider", "reject": "reject_provider", "activate": "activate_provider",
    "suspend": "suspend_provider", "reinstate": "reinstate_provider", "terminate": "terminate_provider",
    "flag-retention-risk": "flag_retention_risk", "clear-retention-risk": "clear_retention_risk",
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
    """Providers by name, filtered by region and status; a representative or coordinator sees only their region."""
    region = scoped_region(principal, region)
    engine.read_after(min_position)
    with engine.runner.store.reader() as view:
        page = provider_page(view, region, status, limit, cursor)
    return ProviderPage(items=page.items, next_cursor=page.next_cursor)


@router.get("/pipeline", summary="The recruitment pipeline")
def recruitment_pipeline(engine: AppDep, principal: CurrentPrincipal, region: str | None = None,
                         min_position: Annotated[int | None, Query(ge=0)] = None) -> dict[str, int]:
    """How many providers are at each stage, from prospect to member."""
    region = scoped_region(principal, region)
    engine.read_after(min_position)
    with engine.runner.store.reader() as view:
        return pipeline(view, region)


add_record_reads(router, Provider)
add_commands(router, Provider, COMMANDS)
