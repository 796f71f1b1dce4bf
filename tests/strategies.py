"""Hypothesis strategies derived from the pydantic models, so a new event type is covered by itself."""

from __future__ import annotations

import types
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin
from uuid import UUID

import annotated_types as at
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel, StringConstraints
from pydantic.fields import FieldInfo

__all__ = ["for_model"]

_TEXT = st.characters(categories=["L", "N", "P", "Zs"], exclude_characters="\x00")


def for_model(model: type[BaseModel]) -> st.SearchStrategy[Any]:
    """Valid instances of `model`, every field drawn from its annotation and constraints."""
    fields = {name: _for(info.annotation, list(info.metadata)) for name, info in model.model_fields.items()}
    return st.fixed_dictionaries(fields).map(model.model_validate)


def _bounds(metadata: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            found.update(_bounds(list(item.metadata)))
        elif isinstance(item, StringConstraints):
            found.update({k: v for k, v in (("min", item.min_length), ("max", item.max_length),
                                            ("pattern", item.pattern)) if v is not None})
        elif isinstance(item, at.Ge | at.Gt):
            found["min"] = item.ge if isinstance(item, at.Ge) else int(item.gt) + 1  # type: ignore[call-overload]
        elif isinstance(item, at.Le | at.Lt):
            found["max"] = item.le if isinstance(item, at.Le) else int(item.lt) - 1  # type: ignore[call-overload]
        elif isinstance(item, at.MinLen):
            found["min"] = item.min_length
        elif isinstance(item, at.MaxLen):
            found["max"] = item.max_length
        elif getattr(item, "pattern", None):
            found["pattern"] = item.pattern
    return found


def _for(annotation: Any, metadata: list[Any]) -> st.SearchStrategy[Any]:  # noqa: C901 - one arm per type
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *extra = get_args(annotation)
        return _for(inner, metadata + extra)
    if origin in (Union, types.UnionType):
        return st.one_of([_for(arg, metadata) for arg in get_args(annotation)])
    if origin is list:
        bounds = _bounds(metadata)
        (item,) = get_args(annotation)
        return st.lists(_for(item, []), min_size=bounds.get("min", 0), max_size=min(bounds.get("max", 3), 3))
    bounds = _bounds(metadata)
    if annotation is type(None):
        return st.none()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return for_model(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return st.sampled_from(list(annotation))
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(min_value=bounds.get("min", -(2**31)), max_value=bounds.get("max", 2**31))
    if annotation is str:
        if "pattern" in bounds:
            text = st.from_regex(bounds["pattern"], fullmatch=True)
        else:
            text = st.text(_TEXT, min_size=bounds.get("min", 0), max_size=min(bounds.get("max", 40), 40))
        return text.filter(lambda s: s == s.strip() and bounds.get("min", 0) <= len(s) <= bounds.get("max", 10**6))
    if annotation is UUID:
        return st.uuids()
    if annotation in (AwareDatetime, datetime):
        offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
        return st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=offsets)
    if annotation is date:
        return st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))
    raise TypeError(f"no strategy for {annotation!r}: teach tests/strategies.py this type")
