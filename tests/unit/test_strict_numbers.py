"""Issue 15's integer parameters are strict: `true` is not 1 and 2.0 is not 2 (an outside tester's finding)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from domain.development.coaching import Rating
from domain.development.development_commands import ContactVersion
from domain.policy.proposal import EffectWeeks, EvidenceCount
from domain.policy.standard import TargetHours

STRICT = [TargetHours, EffectWeeks, Rating, ContactVersion]


@pytest.mark.parametrize("kind", STRICT)
@pytest.mark.parametrize("value", [True, 2.0, "2"])
def test_a_boolean_a_float_or_a_string_is_not_taken_as_a_whole_number(kind: Any, value: object) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(kind).validate_python(value)


@pytest.mark.parametrize("kind", STRICT)
def test_a_whole_number_is_taken(kind: Any) -> None:
    assert TypeAdapter(kind).validate_python(2) == 2


def test_an_evidence_count_is_a_strict_whole_number() -> None:
    for field in ("count", "weeks"):
        with pytest.raises(ValidationError):
            EvidenceCount.model_validate({"region": "north", "count": 1, field: True})
    assert EvidenceCount.model_validate({"region": "north", "count": 3, "weeks": 2}).count == 3
