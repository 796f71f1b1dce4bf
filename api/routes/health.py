"""Liveness, without a token."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import AppDep

__all__ = ["router"]

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    head: int


@router.get("/health", summary="Is the engine up")
def health(engine: AppDep) -> Health:
    return Health(status="ok", head=engine.ledger.head())
