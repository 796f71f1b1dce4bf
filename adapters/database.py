"""Where the event store and the read models live, from one URL (CASELEDGER_DATABASE_URL).

`sqlite:///relative/events.sqlite` or `sqlite:////absolute/events.sqlite` names the event store file;
its read models go in `views.sqlite` beside it. `postgresql://user:password@host:port/dbname` keeps
both in one PostgreSQL database (a `host` query parameter may name a Unix socket directory).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["Database", "InvalidDatabaseUrl"]


class InvalidDatabaseUrl(ValueError):
    """The database URL names no backend this engine supports, or lacks a part it needs."""


@dataclass(frozen=True)
class Database:
    url: str
    backend: Literal["sqlite", "postgresql"]
    path: Path | None = None
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    name: str = ""

    @classmethod
    def parse(cls, url: str) -> Database:
        parts = urlsplit(url)
        if parts.scheme == "sqlite":
            path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
            if not path:
                raise InvalidDatabaseUrl(f"{url!r}: a SQLite URL names a file, e.g. sqlite:///var/events.sqlite")
            return cls(url, "sqlite", path=Path(path))
        if parts.scheme in ("postgresql", "postgres"):
            name = unquote(parts.path.lstrip("/"))
            host = parse_qs(parts.query).get("host", [parts.hostname or ""])[0]
            if not name or not host:
                raise InvalidDatabaseUrl(f"{_redacted(url)}: a PostgreSQL URL needs a host and a database name, "
                                         "e.g. postgresql://caseledger:secret@db.internal:5432/caseledger")
            try:
                port = parts.port or 5432
            except ValueError:
                raise InvalidDatabaseUrl(f"{_redacted(url)}: the port is not a number") from None
            return cls(url, "postgresql", host=host, port=port, user=unquote(parts.username or ""),
                       password=unquote(parts.password or ""), name=name)
        raise InvalidDatabaseUrl(f"{_redacted(url)}: unsupported database; use sqlite:///path or "
                                 "postgresql://user:password@host:port/dbname")

    @property
    def views_path(self) -> Path:
        """The SQLite read models' file, beside the event store."""
        assert self.path is not None
        return self.path.with_name("views.sqlite")

    @property
    def display(self) -> str:
        """The URL without its password, for messages and logs."""
        return _redacted(self.url)


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)
