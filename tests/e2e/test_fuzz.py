"""Property-based fuzzing of the published OpenAPI document against the running server: whatever the
input, no 5xx, and every response fits the schema the document gives for it."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from domain.values import Role
from tests.e2e.conftest import headers

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.REPRESENTATIVE], ids=str)
def test_no_input_breaks_any_operation(server: str, role: Role) -> None:
    """An administrator reaches every route; a representative also meets the region checks."""
    who = headers(role, "north" if role is Role.REPRESENTATIVE else None)
    schema = schemathesis.openapi.from_url(f"{server}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) > 50

    for operation in operations:

        @settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=server, headers=who, checks=CHECKS)

        fuzz()
