"""The auditor's verification over HTTP answers with a verdict, whatever state the anchors are in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from domain.values import Role
from tests.conftest import Backend
from tests.e2e.conftest import headers, start_server, stop_server

AUDITOR = headers(Role.AUDITOR)


@pytest.fixture
def served_with_anchors(backend: Backend, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    anchors = tmp_path / "kept" / "anchors.jsonl"
    process, base = start_server(backend.env(tmp_path / "data", CASELEDGER_AUDIT_ANCHORS=str(anchors)),
                                 tmp_path / "server.log")
    yield base, anchors
    stop_server(process)


def test_a_corrupt_anchors_file_is_a_failed_verification_not_a_server_error(
        served_with_anchors: tuple[str, Path]) -> None:
    base, anchors = served_with_anchors
    anchors.parent.mkdir(parents=True)
    anchors.write_text('{"position": "x"}\n')
    response = httpx.get(f"{base}/audit/verify", headers=AUDITOR)
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["intact"] is False
    assert verdict["verified"] == 0
    assert "is not an anchor" in verdict["problem"]


def test_an_intact_store_verifies_against_its_anchors(served_with_anchors: tuple[str, Path]) -> None:
    base, _ = served_with_anchors
    response = httpx.get(f"{base}/audit/verify", headers=AUDITOR)
    assert response.status_code == 200, response.text
    assert response.json()["intact"] is True
