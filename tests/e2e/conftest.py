"""A real `caseledger serve` process on a free loopback port, and tokens for every role."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from api.auth import Principal, issue_token
from domain.values import Role
from tests.conftest import BACKENDS, Backend
from tests.ports import free_port

SECRET = "e2e-test-secret-not-for-production"
CASELEDGER = str(Path(sys.executable).parent / "caseledger")


def token(role: Role, region: str | None = None, subject: str | None = None) -> str:
    principal = Principal(subject=subject or (f"{role}-{region}" if region else str(role)), role=role, region=region)
    return issue_token(SECRET, principal, timedelta(hours=1))


def headers(role: Role, region: str | None = None, subject: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, region, subject)}"}



def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`caseledger serve` on a free port, once it answers; (the process, its base URL)."""
    port = free_port()
    with log.open("w") as sink:
        process = subprocess.Popen([CASELEDGER, "serve", "--port", str(port), "--no-admin-token"],
                                   env={"CASELEDGER_TOKEN_SECRET": SECRET, "CASELEDGER_READ_WAIT_SECONDS": "10",
                                        **env},
                                   stdout=subprocess.DEVNULL, stderr=sink)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(process, base, log)
    return process, base


def wait_until_up(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    """Until `GET /health` answers 200; kills the process and says why if it never does."""
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError(f"the server did not start: {log.read_text()}")
        time.sleep(0.1)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API served by uvicorn, on an empty store of each backend with regions north and south staffed."""
    cluster = request.getfixturevalue("postgres_cluster") if request.param == "postgresql" else None
    backend = Backend(request.param, cluster)
    process, base = start_server(backend.env(tmp_path_factory.mktemp("served")),
                                 tmp_path_factory.mktemp("logs") / "server.log")
    staff(base)
    yield base
    stop_server(process)
    backend.close()


def staff(base: str) -> None:
    admin = headers(Role.ADMIN)
    for code in ("north", "south"):
        httpx.post(f"{base}/regions", json={"code": code, "name": code.title()}, headers=admin).raise_for_status()
        httpx.post(f"{base}/regions/{code}/coordinator", json={"staff_id": f"coord-{code}", "name": "Ana Novak"},
                   headers=admin).raise_for_status()
        for n in (1, 2):
            httpx.post(f"{base}/regions/{code}/representatives", json={"staff_id": f"rep-{code}-{n}",
                                                                        "name": "Mari Tamm"},
                       headers=admin).raise_for_status()


@pytest.fixture
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as http:
        yield http
