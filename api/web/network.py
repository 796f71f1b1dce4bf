"""The provider network's pages: the recruitment pipeline as a board, and the contract register.

Both are the API's reads called as the signed-in principal (`GET /providers/pipeline` and `GET /providers` for
the board, `GET /contracts/register` for the register), so the region rules are the API's: a representative or
coordinator sees their own region only, whatever `region` they ask for; managers, auditors and administrators
see every region, or the one they choose.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.auth import Principal
from api.deps import AppDep, Engine
from api.routes import contracts as contracts_routes
from api.routes import providers as providers_routes
from api.routes import regions as regions_routes
from api.web.render import PageRoute, page
from api.web.session import SignedIn
from domain.network.provider import ProviderStatus

__all__ = ["CARDS", "STAGES", "router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)

CARDS = 24
"""Providers shown in one column of the board; the column's count says how many there are."""
NAMES_READ = 10
"""Pages of the directory (200 providers each) read for the register's provider names."""
STAGES = (
    ("Recruiting", (ProviderStatus.PROSPECT, ProviderStatus.CONTACTED, ProviderStatus.APPLIED,
                    ProviderStatus.CREDENTIALING, ProviderStatus.CREDENTIALED)),
    ("Members", (ProviderStatus.ACTIVE, ProviderStatus.SUSPENDED, ProviderStatus.LAPSED)),
    ("Left", (ProviderStatus.REJECTED, ProviderStatus.TERMINATED)),
)
"""The board's columns in the order a provider moves through them, grouped as a person reads them."""


def regions_to_choose(engine: Engine, principal: Principal) -> list[str]:
    """The regions a person who sees every region may pick from (none for a regional person)."""
    if principal.regional:
        return []
    return [region["code"] for region in regions_routes.list_regions(engine=engine, principal=principal,
                                                                      min_position=None)]


@router.get("/network/providers")
def pipeline_board(engine: AppDep, session: SignedIn, request: Request,
                   region: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    """The recruitment pipeline: a column per status, with its count and its providers by name."""
    principal = session.principal
    region = region or None
    counts = providers_routes.recruitment_pipeline(engine=engine, principal=principal, region=region,
                                                   min_position=None)
    columns = {status: providers_routes.list_providers(
        engine=engine, principal=principal, region=region, status=status, limit=CARDS, cursor=None,
        min_position=None).items if counts.get(status) else [] for status in ProviderStatus}
    return page(request, "network_pipeline.html", session=session, region=region, counts=counts,
                columns=columns, stages=STAGES, regions=regions_to_choose(engine, principal),
                total=sum(counts.values()))


def provider_names(engine: Engine, principal: Principal, region: str | None) -> dict[str, str]:
    """Provider id to name, from the directory (as many pages as `NAMES_READ`)."""
    names: dict[str, str] = {}
    cursor = None
    for _ in range(NAMES_READ):
        listed = providers_routes.list_providers(engine=engine, principal=principal, region=region, status=None,
                                                 limit=200, cursor=cursor, min_position=None)
        names.update({row["id"]: row["name"] for row in listed.items})
        if (cursor := listed.next_cursor) is None:
            break
    return names


@router.get("/network/contracts")
def contract_register(engine: AppDep, session: SignedIn, request: Request,
                      region: Annotated[str | None, Query(max_length=64)] = None,
                      expiring_within_days: Annotated[int, Query(ge=0, le=3650)] = 90) -> Response:
    """Negotiations in progress, and active contracts expiring within the window (soonest first)."""
    principal = session.principal
    region = region or None
    register: dict[str, list[dict[str, Any]]] = contracts_routes.register(
        engine=engine, principal=principal, region=region, expiring_within_days=expiring_within_days,
        min_position=None)
    expiring = sorted(register["expiring"], key=lambda row: (row["expires_in_days"], row["id"]))
    return page(request, "network_contracts.html", session=session, region=region,
                negotiating=register["negotiating"], expiring=expiring, within=expiring_within_days,
                names=provider_names(engine, principal, region), regions=regions_to_choose(engine, principal))
