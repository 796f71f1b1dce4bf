"""One-time sign-in codes for the web pages, kept in the read models' database (SQLite's views file, or the
same PostgreSQL database every server process shares), so a code printed by one process is redeemed by any.

Only a code's SHA-256 is stored: the code itself travels once, in the link. A code is redeemed at most once
(one conditional UPDATE marks it used, so two servers redeeming it at once cannot both win) and only before
it expires. It grants a principal (subject, role, region), never a token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapters.view_store import ViewStore
from projections.store import Table, iso

__all__ = ["SIGN_IN_CODES", "Grant", "SignInCodes"]

SIGN_IN_CODES = Table(
    "sign_in_codes",
    {"code_hash": "TEXT", "subject": "TEXT", "role": "TEXT", "region": "TEXT", "issued_at": "TEXT",
     "expires_at": "TEXT", "used_at": "TEXT"},
    key=("code_hash",),
    indexes=(("expires_at",),),
)
KEPT_AFTER_EXPIRY = timedelta(days=1)
"""How long a spent or expired code's row stays (so a second use is told it was used), before it is purged."""


@dataclass(frozen=True)
class Grant:
    """Who a code signs in: the principal's parts, as the link's issuer gave them."""

    subject: str
    role: str
    region: str | None


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class SignInCodes:
    """Issue and redeem codes in one view store (creating its table where the store creates its own)."""

    def __init__(self, store: ViewStore) -> None:
        self.store = store
        store.prepare([SIGN_IN_CODES])

    def issue(self, grant: Grant, now: datetime, ttl: timedelta) -> str:
        """A new random code (192 bits, URL-safe) for `grant`, valid for `ttl`; spent codes a day old go."""
        code = secrets.token_urlsafe(24)
        with self.store.transaction() as view:
            view.cursor.execute(self.store.dialect("DELETE FROM sign_in_codes WHERE expires_at < :old"),
                                {"old": iso(now - KEPT_AFTER_EXPIRY)})
            view.cursor.execute(self.store.dialect(
                "INSERT INTO sign_in_codes (code_hash, subject, role, region, issued_at, expires_at) "
                "VALUES (:code_hash, :subject, :role, :region, :issued_at, :expires_at)"),
                {"code_hash": _hash(code), "subject": grant.subject, "role": grant.role, "region": grant.region,
                 "issued_at": iso(now), "expires_at": iso(now + ttl)})
        return code

    def redeem(self, code: str, now: datetime) -> Grant | None:
        """The code's grant, once: None for an unknown, used or expired code (the caller says which it can't
        tell apart, on purpose: a guesser learns nothing)."""
        with self.store.transaction() as view:
            view.cursor.execute(self.store.dialect(
                "UPDATE sign_in_codes SET used_at = :now WHERE code_hash = :code_hash AND used_at IS NULL "
                "AND expires_at > :now RETURNING subject, role, region"), {"code_hash": _hash(code), "now": iso(now)})
            row = view.cursor.fetchone()
        if row is None:
            return None
        values = tuple(row.values()) if isinstance(row, dict) else tuple(row)
        return Grant(str(values[0]), str(values[1]), None if values[2] is None else str(values[2]))
