"""The one settings class, read from CASELEDGER_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASELEDGER_")

    data_dir: Path = Path("var")
    """Where the embedded store keeps its files."""

    @property
    def event_store_path(self) -> Path:
        return self.data_dir / "events.sqlite"

    @property
    def views_path(self) -> Path:
        return self.data_dir / "views.sqlite"

    @property
    def anchors_path(self) -> Path:
        """Verified chain heads, one JSON line each: copy them somewhere outside the system too."""
        return self.data_dir / "audit-anchors.jsonl"


@lru_cache
def get_settings() -> Settings:
    return Settings()
