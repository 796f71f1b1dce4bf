"""Hypothesis strategies derived from the pydantic models, so a new event type is covered by itself.

Text is drawn from every character a person could send (control characters, emoji and the rest outside
the basic plane) except NUL, which no stored text can hold (PostgreSQL cannot)."""

from __future__ import annotations

import re
import types
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin
from uuid import UUID

import annotated_types as at
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel, StringConstraints
from pydantic.fields import FieldInfo

__all__ = ["TEXT_CHARACTERS", "for_model", "text"]

NUL = "\x00"
EDGES = "\x01\x07\t\x1b\x1f\x7f\x85\u00a0\u200b\u2028\u2029\ufeff\uffff\U00010000\U0001f600\U0001f469\u200d\U0010ffff"
"""Characters a plain alphabet misses: C0 and C1 controls, separators, zero-width ones, the byte-order
mark, the last of the basic plane and some beyond it (astral emoji, a joined emoji, the last code point)."""
TEXT_CHARACTERS = st.one_of(st.characters(exclude_categories=["Cs"], exclude_characters=NUL), st.sampled_from(EDGES))
"""Any character but NUL (surrogates cannot be in a Python str), the edges above often."""


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
    if origin is tuple and len(get_args(annotation)) == 2 and get_args(annotation)[1] is Ellipsis:
        return _for(list[get_args(annotation)[0]], metadata).map(tuple)  # type: ignore[misc]
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
    if annotation is float:
        return st.floats(min_value=bounds.get("min", -1e12), max_value=bounds.get("max", 1e12), allow_nan=False)
    if annotation is str:
        return text(bounds.get("min", 0), bounds.get("max", 10**6), bounds.get("pattern"))
    if annotation is UUID:
        return st.uuids()
    if annotation in (AwareDatetime, datetime):
        offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
        # hypothesis takes wall-clock bounds and draws the zone apart: every value it gives is aware
        return st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),  # noqa: DTZ001
                            timezones=offsets)
    if annotation is date:
        return st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))
    raise TypeError(f"no strategy for {annotation!r}: teach tests/strategies.py this type")


def text(min_size: int = 0, max_size: int = 10**6, pattern: str | None = None) -> st.SearchStrategy[str]:
    """Stored-as-given text (no surrounding white space) of that length; any character but NUL where the
    pattern allows it, else what the pattern generates."""
    rich = st.text(TEXT_CHARACTERS, min_size=min_size, max_size=min(max_size, max(min_size, 40)))
    drawn = rich if pattern is None else _matching(rich, pattern)
    return drawn.filter(lambda s: s == s.strip() and min_size <= len(s) <= max_size)


@st.composite
def _matching(draw: st.DrawFn, rich: st.SearchStrategy[str], pattern: str) -> str:
    """Rich text when it fits the pattern (a pattern that only refuses NUL or blank text); else a string
    generated from the pattern itself (codes, phone numbers)."""
    candidate = draw(rich)
    if re.fullmatch(pattern, candidate):
        return candidate
    return draw(st.from_regex(pattern, fullmatch=True, alphabet=st.characters(exclude_categories=["Cs"],
                                                                            exclude_characters=NUL)))
