"""FastAPI dependencies: the running engine, and who is calling."""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from adapters.projection_runner import ProjectionRunner
from api.auth import InvalidToken, Principal, read_token
from api.problems import Forbidden, Problem
from api.settings import Settings
from domain.application import CaseLedger
from domain.values import Role

__all__ = ["AppDep", "CurrentPrincipal", "Engine", "Principal", "require_region", "require_role", "require_staff",
           "role_guard"]


@dataclass
class Engine:
    """What the composition root built for the HTTP API: one of each, shared by every request."""

    settings: Settings
    ledger: CaseLedger
    runner: ProjectionRunner
    secret: str
    stop: threading.Event = field(default_factory=threading.Event)
    wake: threading.Event = field(default_factory=threading.Event)

    def read_after(self, min_position: int | None) -> None:
        """Read-your-writes: wait, boundedly, until the read models reach `min_position`."""
        if min_position and min_position > (head := self.ledger.head()):
            raise Problem(422, "invalid-request", f"min_position {min_position} is beyond the log's head ({head}): "
                          "pass the position a command returned", field="min_position")
        if min_position and not self.runner.wait_for(min_position, self.settings.read_wait_seconds):
            raise Problem(503, "read-models-behind",
                          f"the read models have not reached position {min_position} yet; retry shortly",
                          retry_after_seconds=1)


# The cheap dependencies are coroutines: FastAPI runs a plain `def` dependency in its thread pool,
# and that hand-off cost more than the work itself (a third of a command's time in a profile).


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


_bearer = HTTPBearer(auto_error=False, description="A token from `caseledger token issue`.")


async def current_principal(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise InvalidToken("this route needs `Authorization: Bearer TOKEN`")
    principal = read_token(engine.secret, credentials.credentials)
    if principal.regional:
        await run_in_threadpool(require_staff, engine.ledger, principal, request.method in READS)
    return principal


READS = frozenset({"GET", "HEAD"})


def require_staff(ledger: CaseLedger, principal: Principal, reading: bool = False) -> None:
    """A regional token works only while its subject is on its region's staff, checked on every request
    against the event store (the command service checks writes again, for every way in): staff who
    left, and subjects on no staff, can neither read nor write the region's records (a read is refused
    in words about reading)."""
    ledger.require_staff(principal.actor, str(principal.region), reading)  # NotOnStaff: a 403 saying why


AppDep = Annotated[Engine, Depends(get_engine)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def role_guard(*roles: Role) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency that refuses other roles before the request body is even read."""

    async def guard(principal: CurrentPrincipal) -> Principal:
        require_role(principal, *roles)
        return principal

    return guard


def with_article(word: str) -> str:
    """"an auditor", "an integrator", "a coordinator": the article a role's name takes."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        raise Forbidden(f"{with_article(principal.role)} may not do this; it takes: {', '.join(roles)}")


def require_region(principal: Principal, region: str) -> None:
    """Refuse another region's record or list in words that name nothing of it (not even its region),
    so a refusal is the same whatever was asked of the record."""
    if not principal.sees(region):
        raise Forbidden(f"{principal.subject} works in region {principal.region}: this is outside it")
