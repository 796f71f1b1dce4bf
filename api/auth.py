"""Bearer tokens: signed, expiring, carrying a role and, for regional roles, a region."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta

import jwt
from pydantic import BaseModel, ConfigDict, ValidationError

from api.settings import Settings
from domain.values import Actor, Code, Role

__all__ = ["InvalidToken", "Principal", "issue_token", "read_token", "token_secret"]

REGIONAL = (Role.REPRESENTATIVE, Role.COORDINATOR)
ISSUABLE = (Role.REPRESENTATIVE, Role.COORDINATOR, Role.MANAGER, Role.AUDITOR, Role.INTEGRATOR, Role.ADMIN)
"""Roles a token may carry; a manager, like an auditor, has no region (they act network-wide)."""


class InvalidToken(Exception):
    """The token is missing, malformed, forged or expired."""


class Principal(BaseModel):
    """Who is calling: the subject becomes the actor recorded on every event they cause."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: Code
    role: Role
    region: Code | None = None

    @property
    def actor(self) -> Actor:
        return Actor(id=self.subject, role=self.role)

    @property
    def regional(self) -> bool:
        return self.role in REGIONAL

    def sees(self, region: str) -> bool:
        return not self.regional or self.region == region


def token_secret(settings: Settings) -> str:
    """The configured secret, or one generated once into the data directory (readable by its owner only)."""
    if settings.token_secret:
        return settings.token_secret
    path = settings.secret_path
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    return path.read_text().strip()


def issue_token(secret: str, principal: Principal, ttl: timedelta, now: datetime | None = None) -> str:
    if principal.role not in ISSUABLE:
        raise ValueError(f"role {principal.role} cannot hold a token; choose one of {', '.join(ISSUABLE)}")
    if principal.regional != (principal.region is not None):
        raise ValueError(f"a {principal.role} token " + ("needs a region" if principal.regional else "has no region"))
    issued = now or datetime.now(UTC)
    claims = {"sub": principal.subject, "role": principal.role.value, "region": principal.region,
              "iat": issued, "exp": issued + ttl}
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(secret: str, token: str) -> Principal:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["sub", "exp", "role"]})
        principal = Principal(subject=claims["sub"], role=claims["role"], region=claims.get("region"))
    except jwt.ExpiredSignatureError:
        raise InvalidToken("the token has expired: ask for a new one") from None
    except (jwt.InvalidTokenError, ValidationError, KeyError):
        raise InvalidToken("the token is not one this server issued") from None
    if principal.role not in ISSUABLE or principal.regional != (principal.region is not None):
        raise InvalidToken("the token's role and region do not fit together")
    return principal
