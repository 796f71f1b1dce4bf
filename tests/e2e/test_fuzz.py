"""A small run of `make fuzz` on each backend: schemathesis against the published OpenAPI document of a
served demo store, as an administrator and as the north coordinator, positive and negative data. Whatever
the input: no 5xx, every response fits the schema, status code and content type the document gives."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Backend
from tests.e2e.openapi_fuzz import fuzz


def test_no_input_breaks_any_operation_for_either_principal(backend: Backend, tmp_path: Path) -> None:
    results = fuzz(backend.env(tmp_path / "data"), tmp_path, max_examples=4, cases=12, phases="fuzzing",
                   quiet=True)
    summary = "\n".join(result.summary() for result in results)
    assert all(result.ok for result in results), summary
    assert all(result.operations > 50 and result.requests >= 150 for result in results), summary
