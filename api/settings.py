"""The one settings class, read from CASELEDGER_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.database import Database

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASELEDGER_")

    data_dir: Path = Path("var")
    """Where the embedded store keeps its files, and the token secret (and the audit anchors by default)."""

    database_url: str | None = None
    """`sqlite:///path/events.sqlite` or `postgresql://user:password@host:port/dbname` for the event store
    and the read models; default: SQLite in the data directory."""

    token_secret: str | None = None
    """The key that signs API tokens; generated into the data directory on first use if unset."""

    token_ttl_hours: float = 12
    """How long an issued token is valid."""

    max_body_bytes: int = 64 * 1024
    """Larger request bodies are refused with 413."""

    read_wait_seconds: float = 5.0
    """How long a read with `min_position` waits for the read models to catch up."""

    kafka_bootstrap: str | None = None
    """Kafka bootstrap servers (host:port,...); when set, `serve` also runs the relay."""

    kafka_topic_prefix: str = "caseledger."
    kafka_partitions: int = 3
    """Partitions of each topic the relay creates."""

    kafka_transactions: bool = True
    """Exactly-once publishing with a transactional producer; off: at least once."""

    timers: bool = True
    """`serve` runs the process manager that fires due timers (one per store holds the lease at a time);
    off: run it elsewhere with `caseledger timers run`."""

    timer_lease_seconds: float = 15.0
    """How long the process manager's lease lasts unrenewed: after a crash another process takes over within it."""

    timer_interval_seconds: float = 1.0
    """How often the process manager looks for due timers."""

    audit_anchors: Annotated[Path | None, BeforeValidator(lambda value: value or None)] = None
    """The file of verified chain heads that `audit verify` checks and appends to; default:
    `audit-anchors.jsonl` in the data directory. Put it where the database's administrators cannot write."""

    @property
    def database(self) -> Database:
        """The parsed database URL; raises InvalidDatabaseUrl naming what is wrong."""
        return Database.parse(self.database_url or f"sqlite:///{self.data_dir / 'events.sqlite'}")

    @property
    def secret_path(self) -> Path:
        return self.data_dir / "token.secret"

    @property
    def anchors_path(self) -> Path:
        """Verified chain heads, one JSON line each: copy them somewhere outside the system too."""
        return self.audit_anchors or self.data_dir / "audit-anchors.jsonl"


@lru_cache
def get_settings() -> Settings:
    return Settings()
